import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createDriverCompat } from '../../src/compat/index.js';
import { LIMITS } from '../../src/shared/limits.js';
import { MemoryStorage } from '../../src/storage/memory.js';

describe('driver compat shims', () => {
  it('merges one turn of save calls into one commit per player and tick, publishing console before data', async () => {
    const storage = new MemoryStorage();
    const id = storage.addUser({ id: 'a' });
    let gameTime = 1;
    const driver = createDriverCompat({ storage, gameTime: () => gameTime });
    const published: string[] = [];
    storage.subscribe('user:a/console', (m) => published.push(m));
    await Promise.all([
      driver.sendConsoleMessages('a', { log: [{ message: 'hi', escape: true }], results: [] }),
      driver.sendConsoleError('a', 'Error: x'),
      driver.saveUserMemory('a', { data: '{"a":1}' }),
      driver.saveUserMemorySegments('a', { 4: 'four' }),
      driver.saveUserMemoryInterShardSegment('a', 'isd'),
      driver.saveUserIntents('a', { W1N1: { c: { move: 1 } } }),
    ]);
    assert.equal(storage.lastCommittedTick(id), 1);
    assert.equal(storage.getMemory(id), '{"a":1}');
    assert.equal(storage.getSegment(id, 4), 'four');
    assert.equal(storage.getInterShard(id), 'isd');
    assert.deepEqual([...(storage.roomIntents.get('W1N1') ?? [])], [['a', JSON.stringify({ c: { move: 1 } })]]);
    assert.deepEqual(published, [JSON.stringify({ messages: { log: ['hi'], results: [] }, userId: 'a' }), JSON.stringify({ userId: 'a', error: 'Error: x' })]);
    // A later call for the same tick is a replay: it resolves and changes nothing.
    await driver.saveUserMemory('a', { data: 'late' });
    assert.equal(storage.getMemory(id), '{"a":1}');
    gameTime = 2;
    await driver.saveUserMemory('a', { data: 'two' });
    assert.equal(storage.getMemory(id), 'two');
  });

  it('rejects Memory over 2 MiB and keeps the old Memory (F31)', async () => {
    const storage = new MemoryStorage();
    const id = storage.addUser({ id: 'a', memory: 'old' });
    const driver = createDriverCompat({ storage, gameTime: () => 1 });
    await assert.rejects(driver.saveUserMemory('a', { data: 'x'.repeat(LIMITS.memoryChars + 1) }), /^Error: Script execution has been terminated: memory allocation limit reached$/);
    assert.equal(storage.getMemory(id), 'old');
  });

  it('rejects a save for a tick older than the stored one', async () => {
    const storage = new MemoryStorage();
    storage.addUser({ id: 'a' });
    let gameTime = 5;
    const driver = createDriverCompat({ storage, gameTime: () => gameTime });
    await driver.saveUserMemory('a', { data: 'five' });
    gameTime = 4;
    await assert.rejects(driver.saveUserMemory('a', { data: 'four' }), /older than the stored tick/);
  });
});
