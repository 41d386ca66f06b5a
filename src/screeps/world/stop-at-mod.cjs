/*
 * A server mod (listed in MODFILE) for the world harness: main does not start a tick once the game time
 * has reached the storage env key `kernelWorldStopAt`, so a world stops at exactly that time. Pausing
 * from outside (setting the main-loop pause flag when `roomsDone` announces the time) races main's next
 * tick on a loaded machine and could stop one tick late; this check runs in main itself, at the start
 * of each tick, where main reads its own pause flag.
 */
'use strict';
const { dirname, join } = require('node:path');

const STOP_AT_KEY = 'kernelWorldStopAt';

module.exports = function stopAt(config) {
  if (!config.engine || !/[\\/]main\.js$/.test(process.argv[1] || '')) return;
  // The modules main itself uses: the driver it loaded (`DRIVER_MODULE`, resolved from the engine) and
  // the storage client of @screeps/common.
  const engineDist = join(dirname(require.resolve('@screeps/engine/package.json')), 'dist');
  const driver = require(require.resolve(process.env.DRIVER_MODULE || '@screeps/driver', { paths: [engineDist] }));
  const { env } = require(require.resolve('@screeps/common', { paths: [engineDist] })).storage;
  const notifyTickStarted = driver.notifyTickStarted;
  driver.notifyTickStarted = function () {
    return env.get(STOP_AT_KEY).then((stop) => {
      if (stop == null) return notifyTickStarted.call(this);
      return env.get(env.keys.GAMETIME).then((time) => {
        if (+time >= +stop) throw 'Simulation paused';
        return notifyTickStarted.call(this);
      });
    });
  };
};

module.exports.STOP_AT_KEY = STOP_AT_KEY;
