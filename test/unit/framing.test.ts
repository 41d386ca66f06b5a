import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import ivm from 'isolated-vm';
import { decodeFrame, memoryTail } from '../../workers/isolate/framing.js';

const OUTPUT = JSON.stringify({ console: { log: [{ message: 'a\nb', escape: true }], results: [] }, intents: {} });

describe('the finish frame (output JSON and Memory)', () => {
  it('round-trips a changed Memory, newlines and a leading "0" or "1" included', () => {
    for (const memory of ['', '{"a":1}', '\n', '0', '1\n0', 'x'.repeat(100_000)]) {
      assert.deepEqual(decodeFrame(OUTPUT + memoryTail(true, memory)), { json: OUTPUT, memory });
    }
  });

  it('says "unchanged" without sending Memory', () => {
    const frame = OUTPUT + memoryTail(false, '{"big":"memory"}');
    assert.equal(frame, OUTPUT + '\n0');
    assert.deepEqual(decodeFrame(frame), { json: OUTPUT, memory: undefined });
  });

  it('decodes what the encoder produces inside an isolate, where the runtime runs it as source text', () => {
    const isolate = new ivm.Isolate({ memoryLimit: 16 });
    try {
      const context = isolate.createContextSync();
      const frame = context.evalSync(`(${memoryTail.toString()})(true, 'line1\\nline2') `, { timeout: 1000 }) as string;
      assert.deepEqual(decodeFrame(`{"x":1}${frame}`), { json: '{"x":1}', memory: 'line1\nline2' });
    } finally {
      isolate.dispose();
    }
  });
});
