/*
 * A server mod (listed in MODFILE) that seeds `Math.random` per player and tick through the driver's
 * `playerSandbox` event, so two runs of the same world are deterministic (simplebot places buildings
 * with Math.random). The seed is the player's id hashed with the game time: the same on any runtime.
 */
'use strict';
module.exports = function seededRandom(config) {
  if (!config.engine) return;
  config.engine.on('playerSandbox', (sandbox, userId) => {
    let seed = 2166136261;
    for (const ch of String(userId)) seed = Math.imul(seed ^ ch.charCodeAt(0), 16777619) >>> 0;
    sandbox.run(`Math.random = (function () {
      let a = (${seed} ^ Math.imul(Game.time, 2654435761)) >>> 0;
      return function random() {
        a = (a + 0x6D2B79F5) | 0;
        let t = Math.imul(a ^ (a >>> 15), 1 | a);
        t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
      };
    })();`);
  });
};
