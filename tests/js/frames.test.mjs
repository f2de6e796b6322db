// The element's light frames (www/element/frames.js): between full frames the animation loop pulls
// a frame without node logs, stores, timeline and scoreboard, and carries those over from the last
// frame. Durability (issue 15 item 4): a running server's persisted copy (nodes[].durable) keeps its
// log and store across light frames; a server that crashed or restarted since the last frame gets
// nothing carried over (a full frame is pulled instead), so a crashed server never shows the log it
// had while running, nor a persisted copy of its own (its view is that copy).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { frameOf, lightFrameOf } from '../../www/element/frames.js';

const log = (n) => Array.from({ length: n }, (_, i) => ({ index: i + 1, term: 1, text: `w${i + 1}` }));
/** A server as a frame draws it: full, or stripped as a light frame strips it. */
const server = (id, { alive = true, entries = 3, persisted = 3, light = false } = {}) => {
  const view = (n) => ({ id, alive, term: 1, last_index: n, log: light ? [] : log(n), kv: light ? {} : { x: n } });
  const nd = view(entries);
  if (alive) nd.durable = view(persisted);
  return nd;
};
const frame = (nodes, light = false) => ({ now: 0, nodes, ops: light ? [] : [{ op: 1 }], sides: light ? [] : [{ side: 0 }] });
/** A simulator handle that answers with the given frames (and counts full pulls). */
const sim = (full, light) => ({ full: 0, frameJson() { this.full++; return JSON.stringify(full); }, lightFrameJson: () => JSON.stringify(light) });

test('a light frame carries over the logs, stores and persisted copies of running servers, and the timeline', () => {
  const prev = frame([server(0, { entries: 4, persisted: 3 }), server(1)]);
  const pg = sim(null, frame([server(0, { entries: 4, persisted: 3, light: true }), server(1, { light: true })], true));
  const f = lightFrameOf(pg, prev);
  assert.equal(pg.full, 0, 'no full frame needed');
  assert.deepEqual(f.nodes[0].log, log(4));
  assert.deepEqual(f.nodes[0].durable.log, log(3), 'the persisted copy keeps its own (shorter) log');
  assert.deepEqual(f.nodes[0].durable.kv, { x: 3 });
  assert.deepEqual(f.ops, prev.ops);
  assert.deepEqual(f.sides, prev.sides);
});

test('a server that crashed since the last frame: a full frame, never the running log nor the old persisted copy', () => {
  // n0 ran with 4 entries, 3 on disk; it crashed: its view is now the persisted copy, with no durable of its own.
  const prev = frame([server(0, { entries: 4, persisted: 3 }), server(1)]);
  const crashedFull = frame([server(0, { alive: false, entries: 3 }), server(1)]);
  const pg = sim(crashedFull, frame([server(0, { alive: false, entries: 3, light: true }), server(1, { light: true })], true));
  const f = lightFrameOf(pg, prev);
  assert.equal(pg.full, 1, 'a full frame was pulled');
  assert.equal(f.nodes[0].alive, false);
  assert.equal(f.nodes[0].durable, undefined, 'a crashed server has no persisted copy of its own');
  assert.deepEqual(f.nodes[0].log, log(3), 'what survived the crash, not the 4 entries it had running');
  // Frames after it, with the server still down, carry over from that full frame.
  const pg2 = sim(null, frame([server(0, { alive: false, entries: 3, light: true }), server(1, { light: true })], true));
  const g = lightFrameOf(pg2, f);
  assert.equal(pg2.full, 0);
  assert.equal(g.nodes[0].durable, undefined);
  assert.deepEqual(g.nodes[0].log, log(3));
});

test('a server that restarted since the last frame: a full frame, with its persisted copy whole', () => {
  const prev = frame([server(0, { alive: false, entries: 3 }), server(1)]);
  const restartedFull = frame([server(0, { entries: 3, persisted: 3 }), server(1)]);
  const pg = sim(restartedFull, frame([server(0, { entries: 3, persisted: 3, light: true }), server(1, { light: true })], true));
  const f = lightFrameOf(pg, prev);
  assert.equal(pg.full, 1);
  assert.deepEqual(f.nodes[0].durable.log, log(3));
});

test('frameOf parses the full frame', () => {
  const full = frame([server(0)]);
  assert.deepEqual(frameOf(sim(full, null)), full);
});
