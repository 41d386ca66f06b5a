/**
 * `seed`: writes N demo players (users, code, Memory) into Redis + MongoDB in screepsmod-mongo's layout,
 * the sample scripts the demo uses, so a server or `demo --storage redis+mongo` can run them.
 */
import { openDemoStore } from './demo-storage.js';
import { kindFor, SAMPLES } from './sample-players.js';

export async function runSeed(options: { readonly players: number; readonly quiet?: boolean }, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  await using store = await openDemoStore('redis+mongo', env);
  const seeds = Array.from({ length: options.players }, (_, i) => {
    const kind = kindFor(i, options.players);
    return { id: `player${i}`, username: `${kind}${i}`, modules: { main: SAMPLES[kind] }, memory: '{}' };
  });
  const ids = await store.addUsers(seeds);
  if (!options.quiet) process.stdout.write(`seeded ${ids.length} players (users, users.code, memory:<id>) into Redis and MongoDB\n`);
  return ids.length;
}
