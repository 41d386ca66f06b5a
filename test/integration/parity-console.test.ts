import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ConsoleCommand } from '../../src/index.js';
import { logs, loop, sharedRuntime, tickOnce } from '../helpers/parity.js';
import { testRuntime } from '../helpers/runtime.js';

const command = (id: string, expression: string, hidden = false): ConsoleCommand => ({ id, expression, hidden });

describe('player runtime parity: console, console commands, visuals (F21, F38, F39)', () => {
  const runtime = sharedRuntime();

  it('stringifies console.log arguments the official way (F38)', async () => {
    const r = await tickOnce(runtime(), loop(`console.log(0, '', false, NaN, null, undefined, { a: 1 }, [1, 2], 'text', Object.create(null), 1.5);`));
    assert.deepEqual(logs(r), ['0 "" false null null undefined [object Object] 1,2 text {} 1.5']);
  });

  it('flags console.log lines for escaping and console.logUnsafe lines not (F38)', async () => {
    const r = await tickOnce(runtime(), loop(`console.log('<b>'); console.logUnsafe('<i>');`));
    assert.deepEqual(r.output?.console.log, [
      { message: '<b>', escape: true },
      { message: '<i>', escape: false },
    ]);
  });

  it('publishes console.log HTML-encoded with he (non-ASCII too), logUnsafe and command results as they are (F38)', async () => {
    const { runtime: rt, storage } = await testRuntime({ poolSize: 1 });
    await using _ = rt;
    const id = storage.addUser({ id: 'publisher', modules: { main: loop(`console.log('<b> é'); console.logUnsafe('<i>');`) } });
    storage.addConsoleCommand(id, `'<u>'`);
    const messages: string[] = [];
    const stop = storage.subscribe(`user:${id}/console`, (m) => messages.push(m));
    await rt.runTick(1);
    stop();
    assert.deepEqual(messages.map((m) => JSON.parse(m) as unknown), [{ messages: { log: ['&#x3C;b&#x3E; &#xE9;', '<i>'], results: ['<u>'] }, userId: id }]);
  });

  it('runs console commands after the loop, returns results as strings and does not echo hidden ones (F21)', async () => {
    const r = await tickOnce(runtime(), loop(`globalThis.x = 'set by loop';`), {
      consoleCommands: [
        command('1', 'x'),
        command('2', '1 + 1'),
        command('3', 'undefined'),
        command('4', '({})'),
        command('5', 'globalThis.secret = 42', true),
        command('6', 'var v = 1'),
        command('7', 'typeof v + " " + typeof module + " " + typeof exports.loop + " " + secret'),
      ],
    });
    assert.deepEqual(r.output?.console.results, ['set by loop', '2', 'undefined', '[object Object]', 'undefined', 'undefined object function 42']);
    assert.deepEqual(r.output?.consumedCommands, ['1', '2', '3', '4', '5', '6', '7']);
  });

  it('runs console commands even when the loop threw, and keeps running after a throwing command (F21, deliberate fix)', async () => {
    const r = await tickOnce(runtime(), loop(`throw new Error('loop failed');`), {
      consoleCommands: [command('a', `throw new Error('command failed')`), command('b', `'still ran'`)],
    });
    assert.equal(r.outcome, 'scriptError');
    assert.deepEqual(r.output?.console.results, ['still ran']);
    assert.equal(r.errors.length, 2);
    assert.match(r.errors[0]!, /^Error: loop failed\n {4}at module\.exports\.loop \(main:2:7\)$/);
    assert.equal(r.errors[1], 'Error: command failed');
    assert.deepEqual(r.output?.consumedCommands, ['a', 'b']);
  });

  it('keeps console commands queued after a loop that used the whole tick deadline (F21, issue 13)', async () => {
    const r = await tickOnce(runtime(), loop(`for (;;) {}`), { cpu: { tickLimit: 20 }, consoleCommands: [command('c', `'after the timeout'`)] });
    assert.equal(r.outcome, 'timedOut');
    assert.equal(r.errors.length, 1);
    assert.match(r.errors[0]!, /^Script execution timed out\.\n {4}at module\.exports\.loop \(main:2:\d+\)$/);
    assert.deepEqual(r.output?.console.results, []);
    assert.deepEqual(r.output?.consumedCommands, [], 'not consumed: the host keeps it for the next tick');
  });

  it('stops a console command at its own timeout; commands after it stay queued (F21, deliberate fix)', async () => {
    const r = await tickOnce(runtime(), loop(``), { consoleCommands: [command('spin', 'for (;;) {}'), command('later', '1')] });
    assert.equal(r.outcome, 'ok');
    assert.deepEqual(r.errors, ['Console command timed out after 250 ms']);
    assert.deepEqual(r.output?.consumedCommands, ['spin']);
    assert.deepEqual(r.output?.console.results, []);
  });

  it('keeps console commands queued until a tick actually runs them (F21, deliberate fix)', async () => {
    const { runtime: rt, storage } = await testRuntime({ poolSize: 1 });
    await using _ = rt;
    const id = storage.addUser({ id: 'halter', modules: { main: loop(`if (Game.time === 1) Game.cpu.halt();`) } });
    storage.addConsoleCommand(id, `'ran at ' + Game.time`);
    const halted = (await rt.runTick(1)).results[0]!;
    assert.equal(halted.outcome, 'halted');
    assert.equal(storage.pendingCommands(id).length, 1);
    const messages: string[] = [];
    const stop = storage.subscribe(`user:${id}/console`, (m) => messages.push(m));
    await rt.runTick(2);
    stop();
    assert.equal(storage.pendingCommands(id).length, 0);
    assert.deepEqual((JSON.parse(messages[0]!) as { messages: { results: string[] } }).messages.results, ['ran at 2']);
  });

  it('collects visuals per room as JSON lines or raw strings, with the official size limits and messages (F39)', async () => {
    const r = await tickOnce(
      runtime(),
      loop(`console.addVisual('W1N1', { t: 'c', x: 1 });
        console.addVisual('W1N1', 'raw\\n');
        console.addVisual('W1N1', null);
        console.addVisual(undefined, { t: 'l' });
        console.log(console.getVisualSize('W1N1'), JSON.stringify(console.getVisual('')));
        try { console.addVisual('W2N2', 'x'.repeat(500 * 1024 + 1)); } catch (e) { console.log(e.message); }
        console.addVisual('W2N2', 'x'.repeat(500 * 1024));
        try { console.addVisual('map', 'x'.repeat(1000 * 1024 + 1)); } catch (e) { console.log(e.message); }
        console.addVisual('temp', 'gone'); console.clearVisual('temp');`),
    );
    assert.deepEqual(logs(r), ['20 "{\\"t\\":\\"l\\"}\\n"', 'RoomVisual size in room W2N2 has exceeded 500 KB limit', 'MapVisual size has exceeded 1000 KB limit']);
    assert.equal(r.output?.visuals?.['W1N1'], '{"t":"c","x":1}\nraw\n');
    assert.equal(r.output?.visuals?.['W2N2']?.length, 500 * 1024);
    assert.equal(r.output?.visuals?.['temp'], '');
  });

  it('stores visuals under roomVisual:<user>,<room>,<time> (F39)', async () => {
    const { runtime: rt, storage } = await testRuntime({ poolSize: 1 });
    await using _ = rt;
    const id = storage.addUser({ id: 'painter', modules: { main: loop(`console.addVisual('W1N1', { t: 'c' });`) } });
    await rt.runTick(9);
    assert.equal(storage.visuals.get(`roomVisual:${id},W1N1,9`), '{"t":"c"}\n');
  });

  it('caps console output per tick with one truncation line (deliberate difference)', async () => {
    const { runtime: rt } = await testRuntime({ poolSize: 1, maxConsoleKbPerTick: 1 });
    await using _ = rt;
    const r = await tickOnce(rt, loop(`for (let i = 0; i < 100; i++) console.log('line ' + i + ' ' + 'x'.repeat(40));`));
    const lines = logs(r);
    assert.equal(lines.at(-1), '[console output truncated: more than 1 KB this tick]');
    assert.equal(lines.length, 22);
    assert.equal(lines.slice(0, -1).join('').length <= 1024, true);
  });
});
