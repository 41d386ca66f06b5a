import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { servicesMissing } from '../contract/fixture.js';
import { runFixture } from '../helpers/child.js';
import { skipUnlessServices } from '../helpers/services.js';

/** The fixture prints the rejection; it must then exit by itself, before the deadline. */
async function connectRefused(args: string[]): Promise<string> {
  const r = await runFixture('connect-refused', args, 20_000);
  assert.equal(r.killed, false, `the process did not exit by itself: ${r.stdout}${r.stderr}`);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

describe('RedisMongoStorage.connect to a Redis that is not there', () => {
  it('rejects, and leaves no client reconnecting that keeps the process alive', async () => {
    assert.match(await connectRefused(['redis']), /^rejected: cannot connect to Redis at 127\.0\.0\.1:\d+: connect ECONNREFUSED/m);
  });
});

const SUITE = 'RedisMongoStorage.connect to a MongoDB that is not there';
describe(SUITE, { skip: skipUnlessServices(SUITE, servicesMissing()) }, () => {
  it('rejects, closing the Redis connection it had opened', async () => {
    assert.match(await connectRefused(['mongo', process.env.REDIS_URL!]), /^rejected: /m);
  });
});
