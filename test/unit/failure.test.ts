import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import ivm from 'isolated-vm';
import { classifyError, IVM_MESSAGES } from '../../workers/sandbox/failure.js';

/** Produces the error isolated-vm really throws for a script, so a wording change fails here. */
function errorOf(isolate: ivm.Isolate, code: string, timeout = 50): unknown {
  const context = isolate.createContextSync();
  try {
    context.evalSync(code, { timeout });
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('isolated-vm error mapping (one test per message)', () => {
  it(`maps "${IVM_MESSAGES.timeout}" to timedOut`, () => {
    const isolate = new ivm.Isolate({ memoryLimit: 16 });
    const error = errorOf(isolate, 'for(;;){}', 20);
    assert.ok(error instanceof Error && error.message === IVM_MESSAGES.timeout, String(error));
    // The player's frames at the moment of the timeout follow the message, as in the official driver.
    // (The column is wherever the interrupt caught the loop: 1 or 8 here, depending on the tier.)
    const failure = classifyError(error, isolate.isDisposed, false);
    assert.equal(failure.kind, 'timedOut');
    assert.match(failure.message, /^Script execution timed out\.\n {4}at &lt;isolated-vm>:1:\d+$/);
    isolate.dispose();
  });

  it(`maps "${IVM_MESSAGES.memoryLimit}" to memoryExceeded`, () => {
    const isolate = new ivm.Isolate({ memoryLimit: 8 });
    const error = errorOf(isolate, 'const a = []; for(;;) a.push({x: Math.random()})', 20_000);
    assert.ok(error instanceof Error && error.message.includes(IVM_MESSAGES.memoryLimit), String(error));
    assert.equal(classifyError(error, isolate.isDisposed, false).kind, 'memoryExceeded');
  });

  it(`maps "${IVM_MESSAGES.disposed}" (a call on a disposed isolate) to disposed`, () => {
    const isolate = new ivm.Isolate({ memoryLimit: 8 });
    const context = isolate.createContextSync();
    isolate.dispose();
    let error: unknown;
    try {
      context.evalSync('1');
    } catch (e) {
      error = e;
    }
    assert.ok(error instanceof Error && /Isolated? is disposed/.test(error.message), String(error));
    assert.deepEqual(classifyError(error, true, false), { kind: 'disposed', message: `Error: ${IVM_MESSAGES.disposedDuring}` });
  });

  it(`maps "${IVM_MESSAGES.disposedDuring}" (disposed from a callback mid-run) to disposed, or halted when requested`, () => {
    const isolate = new ivm.Isolate({ memoryLimit: 8 });
    const context = isolate.createContextSync();
    context.global.setSync('stop', new ivm.Callback(() => isolate.dispose()));
    let error: unknown;
    try {
      context.evalSync('stop(); for(;;){}', { timeout: 1000 });
    } catch (e) {
      error = e;
    }
    assert.ok(error instanceof Error && error.message.includes(IVM_MESSAGES.disposedDuring), String(error));
    assert.equal(classifyError(error, isolate.isDisposed, false).kind, 'disposed');
    assert.deepEqual(classifyError(error, isolate.isDisposed, true), { kind: 'halted', message: 'CPU halted' });
  });

  it(`maps "${IVM_MESSAGES.arrayBuffer}" (an allocation over the isolate's limit) to memoryExceeded`, () => {
    const isolate = new ivm.Isolate({ memoryLimit: 8 });
    const error = errorOf(isolate, 'new ArrayBuffer(200e6)', 1000);
    assert.ok(error instanceof RangeError && error.message === IVM_MESSAGES.arrayBuffer, String(error));
    assert.equal(isolate.isDisposed, false);
    assert.deepEqual(classifyError(error, isolate.isDisposed, false), {
      kind: 'memoryExceeded',
      message: 'Script execution has been terminated: unable to allocate memory, restarting virtual machine',
    });
    isolate.dispose();
    assert.equal(classifyError(error, true, false).message, `RangeError: ${IVM_MESSAGES.arrayBuffer}`);
  });

  it(`maps "${IVM_MESSAGES.disposedTypo}" (a synchronous call into a disposed isolate) to disposed`, () => {
    const isolate = new ivm.Isolate({ memoryLimit: 8 });
    const context = isolate.createContextSync();
    const fn = context.evalSync('(function () { return 1; })', { reference: true }) as ivm.Reference;
    isolate.dispose();
    let error: unknown;
    try {
      fn.applySync(undefined, []);
    } catch (e) {
      error = e;
    }
    assert.ok(error instanceof Error && error.message === IVM_MESSAGES.disposedTypo, String(error));
    assert.equal(classifyError(error, false, false).kind, 'disposed');
  });

  // V8's own ValueDeserializer message. The kernel only passes strings across, so no call of the kernel
  // is known to produce it; it stays mapped defensively and is checked against V8's wording only here.
  it(`maps "${IVM_MESSAGES.deserialize}" to disposed`, () => {
    assert.equal(classifyError(new Error(IVM_MESSAGES.deserialize), false, false).kind, 'disposed');
  });

  it('maps any other error to a script error with an escaped message and no host stack', () => {
    const failure = classifyError(new TypeError('Converting circular structure to JSON <x>'), false, false);
    assert.deepEqual(failure, { kind: 'scriptError', message: 'TypeError: Converting circular structure to JSON &lt;x>' });
  });
});
