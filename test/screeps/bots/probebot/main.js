// SPDX-License-Identifier: MIT
// probebot: a small Screeps bot written for this package's game differential test (MIT, as the package).
// Each tick it touches a wide part of the game API and reports what it saw on the console, so that the
// official runtime and the kernel must agree on Game, PathFinder, Memory, segments, visuals and intents.
'use strict';

function report(room) {
  const sources = room.find(FIND_SOURCES);
  const exits = Game.map.describeExits(room.name);
  const terrain = new Room.Terrain(room.name);
  let walls = 0;
  for (let x = 0; x < 50; x++) if (terrain.get(x, 25) === TERRAIN_MASK_WALL) walls++;
  look(room, sources);
  // The map's room checks (getRoomStatus, isRoomAvailable), for this room, its exits and rooms off the map.
  const rooms = [room.name, ...Object.values(exits || {}), 'W0N0', 'E99S99'];
  console.log(`rooms ${rooms.map((r) => `${r}:${Game.map.getRoomStatus(r).status}:${Game.map.isRoomAvailable(r)}`).join(',')}`);
  console.log(`tick ${Game.time} room ${room.name} energy ${room.energyAvailable}/${room.energyCapacityAvailable}` +
    ` sources ${sources.length} exits ${JSON.stringify(exits)} walls@25 ${walls} random ${Math.random().toFixed(6)}`);
  return sources;
}

// The rooms' spatial lookups (lookAt, lookForAt, lookForAtArea), in range and out of it.
function look(room, sources) {
  const spawn = room.find(FIND_MY_SPAWNS)[0];
  if (!spawn) return;
  const { x, y } = spawn.pos;
  const at = room.lookAt(spawn.pos).map((l) => l.type).join(',');
  const area = room.lookForAtArea(LOOK_CREEPS, Math.max(0, y - 4), Math.max(0, x - 4), Math.min(49, y + 4), Math.min(49, x + 4), true).length;
  const all = room.lookAtArea(0, 0, 49, 49, true).length;
  const atSources = sources.map((s) => room.lookForAt(LOOK_SOURCES, s.pos).length).join(',');
  const attempt = (f) => {
    try {
      return JSON.stringify(f());
    } catch (e) {
      return `threw ${e && e.message}`;
    }
  };
  const outside = [
    attempt(() => room.lookForAt(LOOK_STRUCTURES, 60, 70)),
    attempt(() => room.lookForAt(LOOK_CREEPS, -1, 3)),
    attempt(() => room.lookAt(x + 0.5, y).length),
    attempt(() => room.lookForAt(LOOK_STRUCTURES, x, y + 0.25).length),
  ].join(' ');
  console.log(`look at spawn ${at} creeps near ${area} all ${all} sources ${atSources} outside ${outside}`);
}

function planPath(spawn, source) {
  const result = PathFinder.search(spawn.pos, { pos: source.pos, range: 1 }, { plainCost: 2, swampCost: 10, maxOps: 4000 });
  return { length: result.path.length, ops: result.ops, incomplete: result.incomplete };
}

function runCreep(creep, sources) {
  const source = sources[creep.memory.source % sources.length];
  if (creep.store.getFreeCapacity() > 0 && !creep.memory.upgrading) {
    if (creep.harvest(source) === ERR_NOT_IN_RANGE) creep.moveTo(source, { reusePath: 3 });
  } else {
    creep.memory.upgrading = creep.store[RESOURCE_ENERGY] > 0;
    const controller = creep.room.controller;
    if (creep.upgradeController(controller) === ERR_NOT_IN_RANGE) creep.moveTo(controller, { reusePath: 3 });
    if (Math.random() < 0.1) creep.say(`#${Game.time % 100}`);
  }
}

// The constants are fresh copies every tick: a change made last tick is gone, and the objects are new.
function constants() {
  const fresh = global.lastReactions !== REACTIONS && global.lastCosts !== BODYPART_COST;
  console.log(`constants fresh ${fresh} H+O ${REACTIONS.H.O} work ${BODYPART_COST[WORK]} rcl8 spawns ${CONTROLLER_STRUCTURES.spawn[8]} size ${JSON.stringify(POWER_INFO).length}`);
  REACTIONS.H.O = 'changed';
  BODYPART_COST[WORK] = 1;
  global.lastReactions = REACTIONS;
  global.lastCosts = BODYPART_COST;
}

// Setters on Object.prototype for what the runtime assigns to the tick's runtimeData (the shared static
// terrain among it): the official runtime gives runtimeData a null prototype, so none of them may run.
const runtimeDataSetters = new Set();
for (const name of ['staticTerrainData', 'mapGrid', 'customObjectPrototypes']) {
  Object.defineProperty(Object.prototype, name, {
    configurable: true,
    get() { return undefined; },
    set(value) {
      runtimeDataSetters.add(name);
      Object.defineProperty(this, name, { value, writable: true, enumerable: true, configurable: true });
    },
  });
}

module.exports.loop = function () {
  Memory.ticks = (Memory.ticks || 0) + 1;
  console.log(`runtimeData setters run: ${[...runtimeDataSetters].join(',') || 'none'}`);
  constants();
  RawMemory.setActiveSegments([3, 7]);
  if (RawMemory.segments[3] !== undefined) {
    const seen = RawMemory.segments[3] ? JSON.parse(RawMemory.segments[3]) : { ticks: [] };
    seen.ticks = seen.ticks.concat(Game.time).slice(-20);
    RawMemory.segments[3] = JSON.stringify(seen);
  }
  if (Game.time % 5 === 0) RawMemory.segments[7] = `probe ${Game.time}`;
  for (const name of Object.keys(Memory.creeps || {})) if (!Game.creeps[name]) delete Memory.creeps[name];

  for (const spawn of Object.values(Game.spawns)) {
    const sources = report(spawn.room);
    if (!Memory.paths) Memory.paths = sources.map((s) => planPath(spawn, s));
    const count = Object.keys(Game.creeps).length;
    if (!spawn.spawning && count < 4) {
      const name = `probe${Game.time}_${Math.floor(Math.random() * 1000)}`;
      const code = spawn.spawnCreep([WORK, CARRY, MOVE], name, { memory: { source: count } });
      console.log(`spawn ${name}: ${code}`);
    }
    spawn.room.visual.circle(spawn.pos, { radius: 0.6, stroke: '#ffaa00' }).text(`${count}`, spawn.pos.x, spawn.pos.y - 1);
    for (const creep of Object.values(Game.creeps)) if (!creep.spawning) runCreep(creep, sources);
  }
  const near = Object.values(Game.creeps).map((c) => `${c.name}@${c.pos.x},${c.pos.y}:${c.store[RESOURCE_ENERGY]}`);
  if (near.length > 0 && Game.time % 10 === 0) console.log(near.join(' '));
};
