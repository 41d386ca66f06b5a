import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runInNewContext } from 'node:vm';
import { asciiOnly } from '../../src/screeps/bootstrap.js';

describe('asciiOnly (the game bootstrap source kept one byte per character)', () => {
  const program = `
    // ↑ déjà vu
    const café = 'é→😀';
    const re = /^[à-ÿ]+→$/u;
    const loose = /[←↑]/;
    JSON.stringify({ café, length: café.length, re: re.test('éà→'), loose: loose.test('x↑'), template: \`ü\${café}\`, ids: Object.keys({ naïve: 1 }) });
  `;

  it('means the same program, in ASCII only', () => {
    const escaped = asciiOnly(program);
    assert.match(escaped, /^[\0-\x7f]*$/);
    assert.notEqual(escaped, program);
    assert.equal(runInNewContext(escaped), runInNewContext(program));
    assert.deepEqual(JSON.parse(runInNewContext(program) as string), { café: 'é→😀', length: 4, re: true, loose: true, template: 'üé→😀', ids: ['naïve'] });
  });

  it('leaves an ASCII source as it is', () => {
    assert.equal(asciiOnly('const a = "b"; // c'), 'const a = "b"; // c');
  });
});
