import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

/** `REQUIRE_SERVICES=1` (CI): a missing service fails the run instead of skipping the suites that need it. */
const SERVICES_REQUIRED = process.env.REQUIRE_SERVICES === '1';

/**
 * The one gate of every suite that needs Redis, a MongoDB-protocol server or their binaries. Returns the
 * suite's `skip` option: false when nothing is missing, else the reason, so the suite is skipped with it.
 * Under `REQUIRE_SERVICES=1` a missing service also registers a failing test named after the suite.
 */
export function skipUnlessServices(suite: string, missing: string | null): string | false {
  if (missing === null) return false;
  if (SERVICES_REQUIRED) {
    describe(suite, () => {
      it('has the services it needs (REQUIRE_SERVICES=1)', () => assert.fail(missing));
    });
  }
  return `services absent: ${missing}`;
}
