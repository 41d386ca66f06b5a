/** About `bytes` of small functions before `loop`: a cold start that takes long to compile, deterministically. */
export function hugeBundle(bytes: number, loop: string): string {
  const lines: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const line = `function f${i}(a, b) { return a * ${i} + b - ${i} / (a + 1); }\n`;
    lines.push(line);
    size += line.length;
  }
  return `${lines.join('')}module.exports.loop = function () { ${loop} };`;
}
