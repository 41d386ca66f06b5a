/** `main` exporting a loop with the given body. */
export const loop = (body: string): string => `module.exports.loop = function () {\n${body}\n};`;
