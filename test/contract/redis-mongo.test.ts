import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redisMongoFixture, servicesMissing } from './fixture.js';
import { NOW, storageContract } from './storage-contract.js';

const missing = servicesMissing();
if (missing !== null && process.env.REQUIRE_SERVICES === '1') {
  describe('storage contract: redis+mongo', () => {
    it('has Redis and a MongoDB-protocol server (REQUIRE_SERVICES=1)', () => assert.fail(missing));
  });
}
storageContract('redis+mongo', (clock) => redisMongoFixture(clock), missing === null ? null : `services absent: ${missing}`);
export { NOW };
