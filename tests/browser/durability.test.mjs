// Durability in the node panel and the crash caption (issue 15, item 4): a server's panel shows its
// durable state (what the protocol persists: Raft's currentTerm, votedFor and log, Figure 2; a Paxos
// acceptor's promise and accepted proposals; ZAB's epochs and history; 2PC's forced log; Dynamo's
// store) apart from its volatile state; a field whose persisted copy (the frame's nodes[].durable)
// differs from the live value is marked "not yet persisted"; and a crash says by the server what it
// lost. The panel rules run on real frames of every protocol's wasm bundle (in node); the panel
// and the caption in the browser, with real clicks.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, WWW, startSession, waitForDiagram } from './helpers.mjs';
import { loadWasmInNode } from '../../scripts/lib.mjs';
import { PROTOCOLS } from '../../www/protocols.js';
import { panelRows, lostLines } from '../../www/panels/node.js';

/** A real frame of `protocol` (defaults, `nodes` servers) after `ms` simulated ms, from its wasm bundle in node. */
const bundles = new Map();
async function frameOf(protocol, nodes, ms) {
  const b = PROTOCOLS.find((p) => p.name === protocol).bundle;
  if (!bundles.has(b)) {
    const pkg = path.join(WWW, 'pkg', b);
    const wasm = await loadWasmInNode(pkg);
    bundles.set(b, wasm);
  }
  const pg = bundles.get(b).Playground.withDefaults(protocol, nodes, 3);
  pg.advance(ms);
  const f = JSON.parse(pg.frameJson());
  pg.free();
  return f;
}
const viewOf = async (protocol) => (await import(pathToFileURL(path.join(ROOT, 'www', 'protocols', `${PROTOCOLS.find((p) => p.name === protocol).view}.js`)).href)).default;

// What a persisted copy one step behind the live state looks like, per protocol: the durable field it changes.
const BEHIND = {
  raft: { field: 'currentTerm', make: (nd) => ({ ...nd, term: nd.term - 1 }) },
  paxos: { field: 'promised ballot', make: (nd) => ({ ...nd, paxos: { ...nd.paxos, promised: null } }) },
  multipaxos: { field: 'promised ballot', make: (nd) => ({ ...nd, paxos: { ...nd.paxos, promised: null } }) },
  dynamo: { field: 'store', make: (nd) => ({ ...nd, dynamo: { ...nd.dynamo, keys: [] } }) },
  zab: { field: 'acceptedEpoch', make: (nd) => ({ ...nd, zab: { ...nd.zab, accepted_epoch: nd.zab.accepted_epoch - 1 } }) },
  '2pc': { field: 'log', make: (nd) => ({ ...nd, log: [] }) },
  '3pc': { field: 'log', make: (nd) => ({ ...nd, log: [] }) },
};

test('every view splits its node panel into durable and volatile state, and marks what is not yet persisted (real frames of each bundle)', async (t) => {
  if (!fs.existsSync(path.join(WWW, 'pkg', 'raft', 'cap_playground_bg.wasm'))) {
    if (process.env.CI) assert.fail('www/pkg missing: run `npm run build` first');
    return t.skip('wasm bundles not built (npm run build)');
  }
  for (const { name } of PROTOCOLS) {
    const view = await viewOf(name);
    const f = await frameOf(name, 3, 3000);
    // A server with something durable to show (Dynamo: one holding a key).
    const nd = f.nodes.find((x) => x.alive && (name !== 'dynamo' || x.dynamo.keys.length)) ?? f.nodes[0];
    const c = { id: nd.id, alive: true, f };
    const { rows, unsaved } = panelRows(view, nd, c);
    const grp = rows.filter((r) => r.cls === 'grp').map((r) => r.label);
    assert.deepEqual(grp, ['durable state', 'volatile state'], `${name}: group heads`);
    const disk = view.panel.durable(nd, c).map(([k]) => k), mem = view.panel.volatile(nd, c).map(([k]) => k);
    const at = (label) => rows.findIndex((r) => r.label === label);
    for (const k of disk) assert.ok(at(k) > 0 && at(k) < at('volatile state'), `${name}: durable "${k}" is not under "durable state"`);
    for (const k of mem) assert.ok(at(k) > at('volatile state'), `${name}: volatile "${k}" is not under "volatile state"`);
    assert.equal(unsaved, 0, `${name}: nothing is marked unsaved without a persisted copy`);
    // The persisted copy as the frame will carry it (nodes[].durable, the same shape), one step behind.
    const { field, make } = BEHIND[name];
    const behind = { ...nd, durable: make(structuredClone(nd)) };
    const r2 = panelRows(view, behind, c);
    assert.deepEqual(r2.rows.filter((r) => r.cls === 'unsaved').map((r) => r.label), [field], `${name}: the unsaved field`);
    const row = r2.rows.find((r) => r.label === field);
    const live = String(view.panel.durable(nd, c).find(([k]) => k === field)[1]);
    const onDisk = String(view.panel.durable(behind.durable, c).find(([k]) => k === field)[1]);
    assert.notEqual(live, onDisk, `${name}: the copy differs`);
    assert.equal(row.value, `${onDisk} · in memory: ${live} (not yet persisted)`, `${name}: the row shows the disk, then the memory`);
    assert.match(r2.rows[0].value, /1 change not yet persisted/, `${name}: the group head`);
    // A crash now loses that change: the caption says so, after the view's volatile state.
    const lines = lostLines(view, behind, c);
    assert.equal(lines[0], `✕ crashed: lost ${view.panel.lost}`);
    assert.equal(lines[1], `and, not yet persisted: ${field} ${live}`, `${name}: caption`);
    assert.equal(lostLines(view, nd, c).length, 1, `${name}: nothing unsaved, nothing more to say`);
    // A crashed server: its durable state in one line, then what the crash lost.
    const down = { ...nd, alive: false };
    const r3 = panelRows(view, down, { ...c, alive: false }).rows;
    assert.deepEqual(r3.filter((r) => r.cls === 'grp').map((r) => [r.label, r.value]), [['durable state', view.panel.summary(down, c)], ['lost in the crash', view.panel.lost]]);
  }
});

let s;
before(async () => { s = await startSession(); });
after(async () => { await s?.close(); });

const center = async (loc) => { const b = await loc.boundingBox(); return { x: b.x + b.width / 2, y: b.y + b.height / 2 }; };

test('Raft, with the mouse: the leader\'s panel shows its durable state (Figure 2) apart from its volatile state; crashing it says by the node what was lost', async () => {
  const page = await s.open('/');
  await waitForDiagram(page, { minNodes: 5, timeout: 15000 });
  const leader = await page.evaluate(async () => {
    const el = document.querySelector('cap-playground');
    await el.ready;
    el.pause();
    for (let i = 0; i < 60 && !el.state().nodes.some((n) => n.role === 'leader'); i++) el.advance(50);
    el.advance(400);
    return el.state().nodes.find((n) => n.role === 'leader');
  });
  assert.ok(leader, 'no leader within 3 s');
  await page.mouse.click(...Object.values(await center(page.locator(`cap-playground [data-node-id="n${leader.id}"]`))));
  const panel = page.locator('cap-playground .node-panel');
  await panel.waitFor({ state: 'visible' });
  const dl = () => page.evaluate(() => [...document.querySelector('cap-playground').shadowRoot.querySelectorAll('.np-dl dt')]
    .map((dt) => ({ k: dt.textContent, v: dt.nextElementSibling.textContent, grp: dt.classList.contains('grp') })));
  let rows = await dl();
  const keys = rows.map((r) => r.k);
  assert.deepEqual(rows.filter((r) => r.grp).map((r) => r.k), ['durable state', 'volatile state']);
  assert.deepEqual(keys.slice(1, keys.indexOf('volatile state')), ['currentTerm', 'votedFor', 'log', 'snapshot']);
  for (const k of ['role', 'leader', 'commitIndex', 'election timer']) assert.ok(keys.indexOf(k) > keys.indexOf('volatile state'), `${k} is volatile: ${keys}`);
  const v = Object.fromEntries(rows.map((r) => [r.k, r.v]));
  const f = await page.evaluate(() => document.querySelector('cap-playground').state());
  const nd = f.nodes[leader.id];
  assert.equal(v.currentTerm, String(nd.term));
  assert.equal(v.votedFor, `n${nd.voted_for}`);
  assert.match(v.log, new RegExp(`^#1–#${nd.last_index} \\(last term ${nd.log.at(-1).term}\\)$`));
  assert.equal(v.role, 'leader');
  // Crash it from the panel: the caption by the node says what was lost, inside the diagram.
  await panel.locator('[data-action="crash"]').click();
  const cap = page.locator(`cap-playground [data-lost="n${leader.id}"]`);
  assert.equal(await cap.textContent(), '✕ crashed: lost role, leader, commit index, votes, timers');
  const inside = await page.evaluate((id) => {
    const sr = document.querySelector('cap-playground').shadowRoot, svg = sr.querySelector('.diagram').getBoundingClientRect();
    const c = sr.querySelector(`[data-lost="n${id}"]`).getBoundingClientRect();
    return c.width > 0 && c.left >= svg.left && c.right <= svg.right && c.top >= svg.top && c.bottom <= svg.bottom;
  }, leader.id);
  assert.ok(inside, 'the caption is drawn inside the diagram');
  rows = await dl();
  assert.deepEqual(rows.filter((r) => r.grp).map((r) => [r.k, r.v]), [['durable state', `term ${nd.term}, voted for n${nd.voted_for}, log #1–#${nd.last_index} (last term ${nd.log.at(-1).term})`],
    ['lost in the crash', 'role, leader, commit index, votes, timers']]);
  // The status line says it too, from the simulator's notice.
  assert.match(await page.locator('cap-playground .status').textContent(), new RegExp(`n${leader.id} crashed`));
  // Restarted: the caption goes.
  await panel.locator('[data-action="restart"]').click();
  assert.equal(await cap.count(), 0, 'the caption stays after the restart');
  s.assertNoErrors(page);
  await page.close();
});

test('every protocol: a crash puts what was lost by the crashed server, and it goes once the run plays on', async () => {
  for (const { name } of PROTOCOLS) {
    const page = await s.open(`/embed.html?protocol=${name}&paused`);
    await waitForDiagram(page, { minNodes: 2, timeout: 15000 });
    const r = await page.evaluate(async () => {
      const el = document.querySelector('cap-playground');
      await el.ready;
      el.pause();
      el.advance(1500);
      el.crash(1);
      const cap = el.shadowRoot.querySelector('[data-lost="n1"]');
      return { text: cap?.textContent ?? null, role: el.shadowRoot.querySelector('[data-node-id="n1"]').dataset.role };
    });
    const view = (await viewOf(name)).panel.lost;
    assert.equal(r.role, 'crashed', name);
    assert.equal(r.text, `✕ crashed: lost ${view}`, `${name}: caption`);
    // Playing on (about four seconds of wall time), the caption fades out; the server stays crashed.
    const gone = await page.evaluate(async () => {
      const el = document.querySelector('cap-playground');
      el.speed = 0.01;
      el.play();
      for (let i = 0; i < 60 && el.shadowRoot.querySelector('[data-lost="n1"]'); i++) await new Promise((res) => setTimeout(res, 100));
      el.pause();
      return !el.shadowRoot.querySelector('[data-lost="n1"]') && el.state().nodes[1].alive === false;
    });
    assert.ok(gone, `${name}: the caption did not go`);
    s.assertNoErrors(page);
    await page.close();
  }
});

// `cap explore --protocol raft --nodes 3 --clients 0 --ops 0 --crashes 1 --timers 2 --unsafe
// no-persist-vote` (tests/persist_mutants.rs): n1 votes for n0 in term 1 and crashes before votedFor
// is on disk (Figure 2). The caption and the panel say the vote was lost, from the simulator's
// state at the crash (nodes[].at_crash) against the copy n1 restarts from.
const LOST_VOTE = {
  name: 'raft: a vote lost in a crash', protocol: 'raft', nodes: 3, seed: 1,
  config: { max_entries_per_append: 1, unsafe_no_persist_vote: true },
  network: { latency_ms: [10, 30], drop: 0, duplicate: 0 }, clients: [], schedule: 'explicit', until: 45000,
  steps: [{"at": 5000, "action": "fire_timer", "node": 0, "timer": "Election"}, {"at": 10000, "action": "deliver", "id": 0}, {"at": 15000, "action": "deliver", "id": 2}, {"at": 20000, "action": "fire_timer", "node": 2, "timer": "Election"}, {"at": 25000, "action": "crash", "node": 1}, {"at": 30000, "action": "restart", "node": 1}, {"at": 35000, "action": "deliver", "id": 6}, {"at": 40000, "action": "deliver", "id": 7}],
};

test('Raft --unsafe no-persist-vote: the crash caption and the crashed server\'s panel say the vote was lost (votedFor, Figure 2)', async () => {
  const page = await s.open('/embed.html?protocol=raft&paused');
  await waitForDiagram(page, { minNodes: 3, timeout: 15000 });
  const r = await page.evaluate(async (sc) => {
    const el = document.querySelector('cap-playground');
    await el.ready;
    el.pause();
    el.loadScenario(sc);
    el.pause();
    // The explicit schedule: timer, vote, its reply, the second timer, then the crash.
    for (let i = 0; i < 5; i++) el.step();
    const sr = el.shadowRoot;
    const f = el.state();
    return { alive: f.nodes[1].alive, votedAtCrash: f.nodes[1].at_crash?.voted_for, onDisk: f.nodes[1].voted_for, cap: sr.querySelector('[data-lost="n1"]')?.textContent ?? null };
  }, LOST_VOTE);
  assert.equal(r.alive, false, 'n1 crashed at the fifth step');
  assert.equal(r.votedAtCrash, 0, 'n1 had voted for n0');
  assert.equal(r.onDisk, null, 'not on disk');
  assert.equal(r.cap, '✕ crashed: lost role, leader, commit index, votes, timersand, not yet persisted: votedFor n0');
  // The crashed server's panel: its durable state (no vote), and the vote among what the crash lost.
  await page.mouse.click(...Object.values(await center(page.locator('cap-playground [data-node-id="n1"]'))));
  await page.locator('cap-playground .node-panel').waitFor({ state: 'visible' });
  const rows = await page.evaluate(() => [...document.querySelector('cap-playground').shadowRoot.querySelectorAll('.np-dl dt')]
    .map((dt) => [dt.textContent, dt.nextElementSibling.textContent, dt.classList.contains('grp') || dt.classList.contains('unsaved') || dt.nextElementSibling.classList.contains('unsaved')]));
  const at = rows.findIndex(([k]) => k === 'lost in the crash');
  assert.match(rows[0][1], /voted for nobody/, `the disk holds no vote: ${JSON.stringify(rows)}`);
  assert.ok(at > 0 && rows.slice(at + 1).some(([k, v]) => k === 'votedFor' && v === 'n0 (not yet persisted)'), `the vote lost in the crash: ${JSON.stringify(rows)}`);
  s.assertNoErrors(page);
  await page.close();
});
