import type { Scenario } from '../scenario.js';
import { loop } from './loop.js';

/** console.log / logUnsafe / commandResult and console commands (F21, F38). */
export const CONSOLE: readonly Scenario[] = [
  {
    name: 'console.log stringifies like the engine',
    covers: 'F38',
    ticks: 2,
    code: { main: loop(`console.log(0, '', false, NaN, null, undefined, {}, [1, [2, 3]], 1.5, -0, true, 'text');
      console.log(); console.log({ toString() { return 'custom'; } }); console.log(Object.create(null) === null);
      console.log(Symbol('s').toString(), 10n, function f() { return 1; });`) },
  },
  {
    name: 'console.log is HTML-escaped on publish, logUnsafe is not',
    covers: 'F38 2.5',
    ticks: 2,
    code: { main: loop(`console.log('<b>bold</b> & "quotes" \\'single\\' \`tick\`');
      console.log('é ü ß 日本 😀 \\u00a0');
      console.logUnsafe('<b>unsafe</b> & é');`) },
  },
  {
    name: 'console.commandResult and many lines',
    covers: 'F38',
    ticks: 2,
    code: { main: loop(`console.commandResult('<result> é'); console.commandResult(42); for (let i = 0; i < 200; i++) console.log('line', i);`) },
  },
  {
    name: 'console visuals: add, size, clear, limits',
    covers: 'F39',
    ticks: 2,
    code: { main: loop(`console.addVisual('W1N1', {t: 'c', x: 1, y: 2}); console.addVisual('W1N1', 'raw line\\n'); console.addVisual('map', {t: 'l'});
      console.addVisual('', {t: 'empty room name'}); console.addVisual('W2N2', null); console.addVisual('W3N3', {x: 1}); console.clearVisual('W3N3');
      console.log(console.getVisualSize('W1N1'), JSON.stringify(console.getVisual('W1N1')), console.getVisualSize('nowhere'));
      try { console.addVisual('W1N1', 'v'.repeat(500 * 1024)); } catch (e) { console.log(e.message); }
      try { console.addVisual('map', 'v'.repeat(1000 * 1024)); } catch (e) { console.log(e.message); }
      if (Game.time === 101) console.clearVisual('W1N1');`) },
  },
  {
    name: 'console commands: results, hidden, scope',
    covers: 'F21 2.5',
    ticks: 2,
    steps: {
      0: {
        commands: [
          { expression: '1 + 1' },
          { expression: 'Game.time' },
          { expression: 'var leaked = 5; typeof code + " " + typeof module + " " + typeof exports' },
          { expression: 'typeof leaked' },
          { expression: 'globalThis.fromCommand = "set"; undefined' },
          { expression: 'console.log("logged by a command"); "<b>not escaped</b>"' },
          { expression: '"hidden result"', hidden: true },
          { expression: 'Memory.fromCommand = 7' },
        ],
      },
    },
    code: { main: loop(`console.log('loop', Game.time, typeof fromCommand, Memory.fromCommand);`) },
  },
  {
    name: 'console command that throws',
    covers: 'F21',
    ticks: 2,
    steps: { 0: { commands: [{ expression: '"first"' }, { expression: 'throw new Error("command failed <x>")' }, { expression: '"after the throw"' }] } },
    code: { main: loop(`console.log('loop', Game.time);`) },
  },
  {
    name: 'console command after a loop that throws',
    covers: 'F21',
    ticks: 2,
    steps: { 0: { commands: [{ expression: '"command result"' }] } },
    code: { main: loop(`console.log('loop', Game.time); if (Game.time === 100) throw new Error('loop failed');`) },
  },
  {
    name: 'console command with a syntax error',
    covers: 'F21',
    ticks: 2,
    steps: { 0: { commands: [{ expression: 'this is not javascript' }] } },
    code: { main: loop(`console.log('loop');`) },
  },
];
