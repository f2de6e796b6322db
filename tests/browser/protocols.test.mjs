// Protocol-specific UI (issue 5 item 6, issue 8 items 1, 4, 5, 7): Paxos role badges, ballots, the
// chosen value and the slot table; Dynamo's ring, preference list, siblings with vector clocks, the
// divergence counter and the N / R / W sliders. Simulated time only (pause + advance).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSession, openPausedDefault, loadLibraryScenario } from './helpers.mjs';

let s;
before(async () => { s = await startSession(); });
after(async () => { await s?.close(); });

const open = () => openPausedDefault(s, { minNodes: 5 });
const load = loadLibraryScenario;
const advance = (page, ms) => page.evaluate((ms) => { const el = document.querySelector('cap-playground'); for (let t = 0; t < ms; t += 100) el.advance(100); return el.state().now; }, ms);

test('Paxos: role badges (P / A / L) and ballots on the nodes; the chosen value is highlighted and never changes', async () => {
  const page = await open();
  await load(page, 'paxos-basic');
  await advance(page, 3000);
  const read = () => page.evaluate(() => [...document.querySelector('cap-playground').shadowRoot.querySelectorAll('[data-node-id]')]
    .map((g) => ({ roles: g.dataset.roles, role: g.querySelector('.role').textContent, ballot: g.querySelector('.term').textContent, sub: g.querySelector('.sub').textContent })));
  const a = await read();
  assert.deepEqual(a.map((n) => n.role), a.map((n) => n.roles), 'the role badge is the text of the roles');
  assert.ok(a.every((n) => /^[PAL]+$/.test(n.roles)), `roles: ${a.map((n) => n.roles)}`);
  assert.ok(a.some((n) => n.roles.includes('P')) && a.some((n) => !n.roles.includes('P')), 'separate proposer set visible');
  assert.ok(a.every((n) => /^b(\d+\.\d+|—)$/.test(n.ballot)), `ballots: ${a.map((n) => n.ballot)}`);
  const chosen = a.filter((n) => n.sub.startsWith('✓ chosen'));
  assert.ok(chosen.length >= 1, 'some learner shows the chosen value');
  assert.equal(new Set(chosen.map((n) => n.sub)).size, 1, 'one chosen value');
  // A later proposal (and more time) does not change it.
  await page.evaluate(() => document.querySelector('cap-playground').submit({ client: 1, f: 'write', key: 'x', value: 9 }));
  await advance(page, 3000);
  const b = await read();
  for (let i = 0; i < a.length; i++) if (a[i].sub.startsWith('✓')) assert.equal(b[i].sub, a[i].sub, `n${i}'s chosen value changed`);
  const slot = await page.evaluate(() => document.querySelector('cap-playground').shadowRoot.querySelectorAll('.log rect[data-state=chosen]').length);
  assert.ok(slot >= 1, 'the slot table shows the chosen cell');
  s.assertNoErrors(page);
});

test('Multi-Paxos: the slot table fills; after the leader crashes a new leader appears and slots keep being chosen in order', async () => {
  const page = await open();
  await page.evaluate(() => document.querySelector('cap-playground').loadScenario({
    name: 'test: multipaxos failover', protocol: 'multipaxos', nodes: 5, seed: 4,
    clients: [{ node: 1, timeout_ms: 800 }, { node: 2, timeout_ms: 800 }, { node: 3, timeout_ms: 800 }],
    workload: { interval_ms: 150, read: 1, write: 3, cas: 0, keys: 1, max_value: 9, start_ms: 300 }, until: 1e9,
  }));
  await advance(page, 4000);
  const snap = () => page.evaluate(() => {
    const el = document.querySelector('cap-playground'), f = el.state(), r = el.shadowRoot;
    return {
      leaders: f.nodes.filter((n) => n.alive && n.role === 'leader').map((n) => n.id),
      upto: Math.max(...f.nodes.map((n) => n.paxos?.chosen_upto ?? 0)),
      chosenCells: r.querySelectorAll('.log rect[data-state=chosen]').length,
      star: [...r.querySelectorAll('.log .row .lbl')].map((e) => e.textContent).filter((t) => t.includes('★')),
      nodes: f.nodes.map((n) => ({ alive: n.alive, upto: n.paxos?.chosen_upto ?? 0, slots: n.paxos?.slots ?? [] })),
    };
  });
  const a = await snap();
  assert.equal(a.leaders.length, 1, `one leader, got ${a.leaders}`);
  assert.ok(a.chosenCells >= 5, `slot table has ${a.chosenCells} chosen cells`);
  assert.equal(a.star.length, 1, 'the leader is starred in the slot table');
  const old = a.leaders[0];
  await page.evaluate((id) => document.querySelector('cap-playground').crash(id), old);
  await advance(page, 5000);
  const b = await snap();
  assert.equal(b.leaders.length, 1, `a new leader: ${b.leaders}`);
  assert.notEqual(b.leaders[0], old);
  assert.ok(b.upto > a.upto + 2, `slots kept being chosen (${a.upto} → ${b.upto})`);
  for (const [i, n] of b.nodes.entries()) {
    if (!n.alive) continue;
    // In order: every slot below chosen_upto is chosen; nothing above it is.
    for (const x of n.slots) assert.equal(x.chosen != null, x.slot < n.upto, `n${i} slot ${x.slot} (chosen up to ${n.upto})`);
  }
  s.assertNoErrors(page);
});

test('Dynamo: the ring shows x\'s preference list; a 2|3 partition with writes on both sides makes siblings with vector clocks; after the heal divergence returns to 0', async () => {
  const page = await open();
  await load(page, 'dynamo-partition-both-sides-write', { steps: [], until: 1e9 });
  await advance(page, 1500);
  const ring = await page.evaluate(() => {
    const r = document.querySelector('cap-playground').shadowRoot;
    return {
      visible: r.querySelector('.ring').offsetParent !== null, ticks: r.querySelectorAll('.ringsvg line.tok').length,
      owners: [...r.querySelectorAll('.ringsvg .tkl.own')].map((e) => e.textContent), pref: r.querySelector('.pref').textContent,
      badges: [...r.querySelectorAll('[data-node-id] .badge')].filter((b) => b.getAttribute('visibility') === 'visible').map((b) => b.textContent).sort(),
      label: r.querySelector('[data-node-id=n0] .role').textContent,
    };
  });
  assert.ok(ring.visible, 'the ring is shown');
  assert.equal(ring.ticks, 20, '5 nodes × 4 virtual nodes');
  assert.match(ring.pref, /^x → 1 n\d \(home\) · 2 n\d · 3 n\d/);
  assert.equal(ring.owners.length, 3);
  assert.deepEqual(ring.badges, ['1', '2', '3']);
  assert.equal(ring.label, 'replica');

  await page.evaluate(() => document.querySelector('cap-playground').setPartition([['n0', 'n1', 'c0'], ['n2', 'n3', 'n4', 'c1']]));
  await advance(page, 4000);
  const during = await page.evaluate(() => +document.querySelector('cap-playground').shadowRoot.querySelector('.diverge').dataset.divergent);
  assert.ok(during >= 1, `divergent keys during the partition: ${during}`);
  // The heal brings the two sides' concurrent versions together: siblings, until the next write merges them.
  await page.evaluate(() => document.querySelector('cap-playground').heal());
  const node = await page.evaluate(() => {
    const el = document.querySelector('cap-playground');
    for (let t = 0; t < 5000; t += 20) {
      const n = el.state().nodes.find((nd) => nd.dynamo?.keys.some((k) => k.key === 'x' && k.siblings > 1));
      if (n) return n.id;
      el.advance(20);
    }
    return null;
  });
  assert.ok(node != null, 'some replica holds siblings of x');
  await page.locator(`cap-playground [data-node-id=n${node}]`).click();
  const panel = await page.evaluate(() => document.querySelector('cap-playground').shadowRoot.querySelector('.node-panel').innerText);
  assert.match(panel, /vector clock/);
  assert.match(panel, /\[n\d:\d+(, n\d:\d+)*\]/, panel);
  const sib = /\bx\s+\S+\s+\[[^\]]*\]\s+(\d+)/.exec(panel);
  assert.ok(sib && +sib[1] > 1, `sibling count in the panel: ${panel}`);

  const conv = await page.evaluate(() => {
    const el = document.querySelector('cap-playground'), d = el.shadowRoot.querySelector('.diverge');
    for (let t = 0; t < 15000 && d.dataset.convergedMs === ''; t += 50) el.advance(50);
    return { ms: d.dataset.convergedMs, text: d.textContent };
  });
  assert.notEqual(conv.ms, '', `never converged: ${conv.text}`);
  assert.match(conv.text, /converged in \d+ ms/);
  s.assertNoErrors(page);
});

test('Dynamo: the N / R / W sliders call configure and say whether quorums overlap', async (t) => {
  const page = await open();
  await load(page, 'dynamo-partition-both-sides-write', { steps: [] });
  await advance(page, 500);
  const r = await page.evaluate(() => {
    const el = document.querySelector('cap-playground'), root = el.shadowRoot, calls = [];
    const orig = el.configure;
    el.configure = (c) => { calls.push(c); return orig.call(el, c); };
    const set = (c, v) => { const e = root.querySelector('.nrw-' + c); e.value = String(v); e.dispatchEvent(new Event('input')); e.dispatchEvent(new Event('change')); };
    const before = root.querySelector('.nrw .q').textContent;
    set('r', 1);
    set('w', 1);
    let error = null;
    try { orig.call(el, { n: 3, r: 1, w: 1 }); } catch (e) { error = e.message; }
    return { calls, before, after: root.querySelector('.nrw .q').textContent, visible: root.querySelector('.nrw').offsetParent !== null, error, nrw: el.state().nodes[0].dynamo.nrw };
  });
  assert.ok(r.visible, 'sliders shown for dynamo');
  assert.match(r.before, /quorums overlap: reads see the latest acknowledged write/);
  assert.match(r.after, /quorums may miss each other/);
  assert.equal(r.calls.length, 2);
  assert.deepEqual({ n: r.calls[1].n, r: r.calls[1].r, w: r.calls[1].w }, { n: 3, r: 1, w: 1 });
  if (r.error && /configure|unknown|action|variant/i.test(r.error)) {
    t.skip(`SKIP (lead: remove once the Rust "configure" action lands): configure is not in the wasm build yet: ${r.error}`);
    return;
  }
  assert.equal(r.error, null);
  assert.deepEqual(r.nrw, [3, 1, 1], 'every node reconfigured live');
});

test('Raft keeps its log strip and term labels; the Paxos / Dynamo parts stay hidden', async () => {
  const page = await open();
  await advance(page, 2000);
  const r = await page.evaluate(() => {
    const root = document.querySelector('cap-playground').shadowRoot;
    return { terms: [...root.querySelectorAll('[data-node-id] .term')].map((e) => e.textContent), ring: root.querySelector('.ring').offsetParent, nrw: root.querySelector('.nrw').offsetParent, cells: root.querySelectorAll('.log rect[data-state]').length };
  });
  assert.ok(r.terms.every((x) => /^T\d+$/.test(x)), r.terms.join());
  assert.equal(r.ring, null);
  assert.equal(r.nrw, null);
  assert.equal(r.cells, 0);
  s.assertNoErrors(page);
});

test('Paxos: the dueling proposers livelock until the reader switches random back-off on', async () => {
  const page = await open();
  await load(page, 'paxos-dueling-proposers');
  await advance(page, 2500);
  const chosen = () => page.evaluate(() => [...document.querySelector('cap-playground').shadowRoot.querySelectorAll('[data-node-id] .sub')]
    .filter((e) => e.textContent.startsWith('✓ chosen')).length);
  const box = () => page.evaluate(() => document.querySelector('cap-playground').shadowRoot.querySelector('.px-backoff').checked);
  assert.equal(await box(), false, 'the scenario starts with the remedy off');
  assert.equal(await chosen(), 0, 'livelock: nothing chosen after 2.5 s');
  await page.evaluate(() => document.querySelector('cap-playground').shadowRoot.querySelector('.px-backoff').click());
  assert.equal(await box(), true);
  await advance(page, 3000);
  assert.ok((await chosen()) >= 1, 'with the remedy a value is chosen');
  s.assertNoErrors(page);
});

test('Dynamo: switching sloppy quorum off (and with it hinted handoff) applies live', async () => {
  const page = await open();
  await load(page, 'dynamo-partition-both-sides-write');
  await advance(page, 500);
  const sloppy = () => page.evaluate(() => document.querySelector('cap-playground').shadowRoot.querySelector('.nrw-sloppy').checked);
  const before = await sloppy();
  await page.evaluate(() => document.querySelector('cap-playground').shadowRoot.querySelector('.nrw-sloppy').click());
  await advance(page, 500);
  assert.equal(await sloppy(), !before, 'the switch stayed where the reader put it');
  const status = await page.evaluate(() => document.querySelector('cap-playground').shadowRoot.querySelector('.status').textContent);
  assert.match(status, /reconfigured every node live/, `the simulator accepted it (status: ${status})`);
  s.assertNoErrors(page);
});
