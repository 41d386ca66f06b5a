import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import type { UserId } from '../../src/shared/ids.js';
import type { CommitReport, TickCommit } from '../../src/storage/port.js';
import { redisMongoFixture, type StorageFixture } from './fixture.js';
import { ownServices, serverBinaries } from './own-services.js';
import { skipUnlessServices } from '../helpers/services.js';
import { NOW } from './storage-contract.js';

const binaries = serverBinaries();

function tick(userId: UserId, gameTime: number): TickCommit {
  return {
    userId,
    gameTime,
    user: { cpuAvailable: gameTime * 10 },
    memory: `m${gameTime}`,
    console: { log: [], results: [] },
    errors: [`Error: at ${gameTime}`],
    consumedCommands: [],
  };
}

/** Commits until the store takes the tick again (the clients reconnect in the background). */
async function commitUntilAccepted(f: StorageFixture, commits: TickCommit[]): Promise<CommitReport> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const report = await f.storage.commit(commits);
    if (report.failed.length === 0) return report;
    await delay(50);
  }
  throw new Error('the store did not recover');
}

const SUITE = 'redis+mongo store under faults';
describe(SUITE, { skip: skipUnlessServices(SUITE, typeof binaries === 'string' ? binaries : null) }, () => {
  it('reports players as failed while Redis or MongoDB is down, writes nothing half, and recovers when each returns', async () => {
    if (typeof binaries === 'string') assert.fail(binaries);
    await using services = await ownServices(binaries);
    await using f = await redisMongoFixture(() => NOW, services.urls);
    const ids = [await f.addUser({ id: 'a' }), await f.addUser({ id: 'b' })];
    assert.deepEqual((await f.storage.commit(ids.map((id) => tick(id, 1)))).committed, ids);

    await services.redis.stop();
    const redisDown = await f.storage.commit(ids.map((id) => tick(id, 2)));
    assert.deepEqual(redisDown.failed.map((x) => x.userId), ids);
    assert.match(redisDown.failed[0]!.error, /Redis/);
    // Nothing of tick 2 reached MongoDB either: the fence is read before anything is written.
    assert.equal((await f.user(ids[0]!))?.cpuAvailable, 10);
    await services.redis.start();
    const redisBack = await commitUntilAccepted(f, ids.map((id) => tick(id, 2)));
    assert.deepEqual(redisBack.committed, ids);
    assert.equal(await f.memory(ids[0]!), 'm2');

    await services.mongo.stop();
    const mongoDown = await f.storage.commit(ids.map((id) => tick(id, 3)));
    assert.deepEqual(mongoDown.failed.map((x) => x.userId), ids);
    assert.match(mongoDown.failed[0]!.error, /Mongo/);
    // Redis holds nothing of tick 3: Memory, and the fence that would refuse the retry, are unchanged.
    assert.equal(await f.memory(ids[0]!), 'm2');
    await services.mongo.start();
    const mongoBack = await commitUntilAccepted(f, ids.map((id) => tick(id, 3)));
    assert.deepEqual(mongoBack.committed, ids);
    assert.equal(await f.memory(ids[1]!), 'm3');
    assert.equal((await f.user(ids[1]!))?.cpuAvailable, 30);
    // Each tick's error notice was counted once, though ticks 2 and 3 were sent more than once.
    assert.deepEqual((await f.notifications(ids[0]!)).map((n) => n.count).sort(), [1, 1, 1]);
  });
});
