import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { groupIntents, type IntentTable } from '../../src/index.js';

const TABLE: IntentTable = {
  move: { direction: 'number' },
  say: { message: 'string', isPublic: 'boolean' },
  createFlag: { x: 'number', y: 'number', name: 'string', roomName: 'string' },
  createOrder: { type: 'string', price: 'price', roomName: 'string' },
  transfer: { id: 'string', bodyparts: ['string'] },
};

/** Plain objects for deepEqual (the result uses null prototypes). */
const plain = (value: unknown): unknown => JSON.parse(JSON.stringify(value)) as unknown;

describe('groupIntents (F43, F45)', () => {
  it('groups object intents under the room of each known object and drops unknown objects', () => {
    const grouped = groupIntents(
      { c1: { move: { direction: 3 } }, c2: { say: { message: 'hi', isPublic: 1 } }, ghost: { move: { direction: 1 } } },
      new Map([
        ['c1', 'W1N1'],
        ['c2', 'W2N2'],
      ]),
      TABLE,
    );
    assert.deepEqual(plain(grouped), { W1N1: { c1: { move: { direction: 3 } } }, W2N2: { c2: { say: { message: 'hi', isPublic: true } } } });
  });

  it('rebuilds payloads from the table: unknown intents and fields are dropped, values converted', () => {
    const grouped = groupIntents({ c1: { move: { direction: '5', evil: true }, selfDestruct: {}, transfer: { id: 7, bodyparts: [1, 'a'] } } }, (id) => (id === 'c1' ? 'W1N1' : undefined), TABLE);
    assert.deepEqual(plain(grouped), { W1N1: { c1: { move: { direction: 5 }, transfer: { id: '7', bodyparts: ['1', 'a'] } } } });
  });

  it('puts room intents under [roomName].room[name] and keeps notify and global apart', () => {
    const grouped = groupIntents(
      {
        room: { createFlag: [{ x: 1, y: 2, name: 'f', roomName: 'W3N3' }, { x: 3, y: 4, name: 'g' }] },
        notify: [{ message: 'hello', groupInterval: 5 }],
        global: { createOrder: [{ type: 'sell', price: 1.23456, roomName: 'W1N1' }], nonsense: [{}] },
      },
      new Map(),
      TABLE,
    );
    assert.deepEqual(plain(grouped), {
      W3N3: { room: { createFlag: [{ x: 1, y: 2, name: 'f', roomName: 'W3N3' }] } },
      notify: [{ message: 'hello', groupInterval: 5 }],
      global: { createOrder: [{ type: 'sell', price: 1.234, roomName: 'W1N1' }] },
    });
  });

  it('treats __proto__ from player JSON as an ordinary key, never as a prototype', () => {
    const list = JSON.parse('{"__proto__": {"move": {"direction": 1}}, "c1": {"__proto__": {"direction": 2}, "move": {"direction": 4}}}') as Record<string, unknown>;
    const grouped = groupIntents(list, new Map([['__proto__', 'W9N9'], ['c1', 'W1N1']]), TABLE);
    assert.equal(Object.getPrototypeOf(grouped), null);
    assert.deepEqual(Object.keys(grouped).sort(), ['W1N1', 'W9N9']);
    assert.deepEqual(plain((grouped.W1N1 as Record<string, unknown>).c1), { move: { direction: 4 } });
    assert.equal(({} as Record<string, unknown>).direction, undefined);
  });
});
