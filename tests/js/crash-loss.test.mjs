// What a crash lost, as the node panel and the crash caption say it (issue 15 item 4): the frame
// after a crash carries the crashed server's running state at the crash (nodes[].at_crash) beside
// its view, which is the persisted copy it restarts from; a durable field where they differ is a
// change that was not on disk. Raft's votedFor (Figure 2: on stable storage before the reply) is
// the case `--unsafe no-persist-vote` produces (tests/persist_mutants.rs checks the frame itself).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import raft from '../../www/protocols/raft.js';
import { panelRows, lostLines, crashedState } from '../../www/panels/node.js';

const log = [{ index: 1, term: 1, text: 'noop', committed: false }];
const view = (o = {}) => ({ id: 1, role: 'follower', term: 1, voted_for: null, leader: null, commit_index: 0, snapshot_index: 0, last_index: 1, log, peers: [], votes: [], kv: {}, restarts: 0, ...o });

test('a crashed server whose vote was not on disk: the panel lists votedFor as lost in the crash', () => {
  const nd = { ...view({ alive: false }), at_crash: view({ alive: true, voted_for: 0 }) };
  const { rows } = panelRows(raft, nd, { id: 1, alive: false });
  const lost = rows.findIndex((r) => r.label === 'lost in the crash');
  assert.ok(lost > 0, 'the group head');
  assert.deepEqual(rows.slice(lost + 1).filter((r) => r.cls === 'unsaved').map((r) => [r.label, r.value]), [['votedFor', 'n0 (not yet persisted)']]);
  // Its durable rows are the copy on disk: no vote.
  assert.equal(rows[0].value, raft.panel.summary(nd, { id: 1 }));
  assert.match(rows[0].value, /voted for nobody/);
});

test('a crashed server that had persisted everything: nothing more than the volatile state is lost', () => {
  const nd = { ...view({ alive: false, voted_for: 0 }), at_crash: view({ alive: true, voted_for: 0 }) };
  assert.deepEqual(panelRows(raft, nd, { id: 1, alive: false }).rows.filter((r) => r.cls === 'unsaved'), []);
});

test('the crash caption compares the state at the crash with the copy it restarts from, both from the frame after the crash', () => {
  // The last frame drawn while it ran is older: it had not voted yet, and its persisted copy neither.
  const prev = { nodes: [view({ id: 0 }), view({ alive: true, durable: view() })] };
  const f = { nodes: [view({ id: 0 }), { ...view({ alive: false }), at_crash: view({ alive: true, voted_for: 0 }) }] };
  const c = { id: 1, alive: true };
  assert.deepEqual(lostLines(raft, crashedState(1, prev, f), c), [`✕ crashed: lost ${raft.panel.lost}`, 'and, not yet persisted: votedFor n0']);
  // Restarted in the same frame (no at_crash): the last frame drawn while it ran.
  const g = { nodes: [view({ id: 0 }), view({ alive: true, durable: view() })] };
  assert.equal(crashedState(1, prev, g), prev.nodes[1]);
  assert.deepEqual(lostLines(raft, crashedState(1, prev, g), c), [`✕ crashed: lost ${raft.panel.lost}`]);
  // Nothing known of it running: the volatile state only.
  assert.equal(crashedState(1, { nodes: [view(), view({ alive: false })] }, g), null);
});
