// ZAB in the element (issue 6 items 3 and 5): zxids written epoch:counter, each server's phase
// (ELECTION / DISCOVERY / SYNC / BROADCAST) and state (LOOKING / FOLLOWING / LEADING) on the node,
// votes visible during election, the node panel's history with its committed prefix, and the
// local reads / sync reads switch: zab-stale-local-read gives a flagged stale read with local reads
// and none once the reader flips the switch. Simulated time only (pause + advance / step), every
// wait bounded in simulated ms.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSession, waitForDiagram } from './helpers.mjs';

let s;
before(async () => { s = await startSession(); });
after(async () => { await s?.close(); });

/** A page with the element paused at t = 0 of scenarios/zab-stale-local-read.json. */
async function openStale() {
  const page = await s.open('/');
  await waitForDiagram(page, { minNodes: 5, timeout: 15000 });
  await page.evaluate(async () => {
    const el = document.querySelector('cap-playground');
    await el.ready;
    el.pause();
    const sc = await (await fetch('./scenarios/zab-stale-local-read.json')).json();
    await el.loadScenario(sc);
    el.pause();
  });
  return page;
}

/** Advance in `step` ms slices until `cond(f, root)` holds or `max` simulated ms passed. */
const advanceUntil = (page, cond, { max, step = 20 }) => page.evaluate(({ cond, max, step }) => {
  const el = document.querySelector('cap-playground'), root = el.shadowRoot;
  const ok = new Function('f', 'root', `return (${cond});`); // test code only, never in the page's own scripts
  const t0 = el.state().now;
  let f = el.state();
  while (!ok(f, root) && f.now - t0 < max) { el.advance(step); f = el.state(); }
  return { met: ok(f, root), now: f.now };
}, { cond, max, step });

/** The consistency column as the reader sees it. */
const consistency = (page) => page.evaluate(() => {
  const el = document.querySelector('cap-playground'), r = el.shadowRoot, f = el.state();
  return {
    verdict: r.querySelector('.verdict').dataset.verdict, badge: r.querySelector('.v-big').textContent,
    stale: r.querySelector('.c-stale').textContent, staleReads: f.consistency.stale_reads, cap: r.querySelector('.capnote').dataset.cap,
    reads: f.ops.filter((o) => o.op?.f === 'read').map((o) => ({ node: o.node, outcome: o.outcome, result: o.result, invoke: o.invoke })),
    syncSent: f.counters.sent?.SYNC ?? 0, now: f.now,
  };
});

test('ZAB, local reads: the partitioned follower\'s read of x is flagged stale and the history not linearizable', async () => {
  const page = await openStale();
  const sw = await page.evaluate(() => {
    const r = document.querySelector('cap-playground').shadowRoot, box = r.querySelector('.zab-sync');
    return { visible: box.offsetParent !== null, checked: box.checked, note: r.querySelector('.zr-note').textContent };
  });
  assert.ok(sw.visible, 'the local / sync reads switch is shown for ZAB');
  assert.equal(sw.checked, false, 'the scenario starts with local reads');
  assert.match(sw.note, /local reads: may be stale/);
  // c0 reads at 1.2 s on n0, cut off since 1 s; x=2 committed on the majority at ~1.1 s.
  const r = await advanceUntil(page, "root.querySelector('.verdict').dataset.verdict === 'violation' && f.consistency.stale_reads > 0", { max: 3000 });
  assert.ok(r.met, `no violation flagged by t = ${r.now} ms`);
  const c = await consistency(page);
  assert.match(c.badge, /violation: not linearizable/);
  assert.match(c.stale, /^stale reads [1-9]/);
  assert.ok(c.reads.some((o) => o.outcome === 'ok' && o.result?.value === 1), `the stale read returned x=1: ${JSON.stringify(c.reads)}`);
  assert.equal(c.syncSent, 0, 'local reads send no SYNC');
  s.assertNoErrors(page);
});

test('ZAB, sync reads switched on in the controls: no stale read, the history stays linearizable', async () => {
  const page = await openStale();
  await page.locator('cap-playground .zab-sync').click();
  const sw = await page.evaluate(() => {
    const r = document.querySelector('cap-playground').shadowRoot;
    return { checked: r.querySelector('.zab-sync').checked, note: r.querySelector('.zr-note').textContent, status: r.querySelector('.status').textContent };
  });
  assert.equal(sw.checked, true);
  assert.match(sw.note, /sync reads: linearizable/);
  assert.match(sw.status, /sync reads: every read first sends SYNC/, `the simulator accepted it (status: ${sw.status})`);
  // The whole scenario (6 s): the partitioned read, the heal, the read after it.
  await advanceUntil(page, 'false', { max: 6000, step: 100 });
  const c = await consistency(page);
  assert.equal(c.verdict, 'linearizable_so_far', `badge: ${c.badge}`);
  assert.equal(c.staleReads, 0);
  assert.match(c.stale, /^stale reads 0/);
  assert.ok(c.syncSent > 0, 'reads went through SYNC to the leader');
  assert.ok(c.reads.some((o) => o.outcome === 'ok' && o.result?.value === 2), `a read after the heal sees x=2: ${JSON.stringify(c.reads)}`);
  s.assertNoErrors(page);
});

test('ZAB glyphs: votes during election, then phases ELECTION → DISCOVERY → SYNC → BROADCAST and zxids epoch:counter', async () => {
  const page = await openStale();
  // Election: LOOKING servers say whom they vote for, and point at it once it is another server.
  const el = await advanceUntil(page, "[...root.querySelectorAll('[data-node-id]')].some((g) => g.dataset.state === 'LOOKING' && g.querySelector('.zvote').getAttribute('display') !== 'none')", { max: 1000, step: 5 });
  assert.ok(el.met, `no vote arrow by t = ${el.now} ms`);
  const looking = await page.evaluate(() => [...document.querySelector('cap-playground').shadowRoot.querySelectorAll('[data-node-id]')]
    .filter((g) => g.dataset.state === 'LOOKING').map((g) => ({ role: g.dataset.role, phase: g.dataset.phase, pill: g.querySelector('.zphase').textContent,
      sub: g.querySelector('.sub').textContent, letter: g.querySelector('.role').textContent })));
  assert.ok(looking.length >= 1);
  for (const n of looking) {
    assert.equal(n.role, 'candidate', 'LOOKING keeps data-role meaningful');
    assert.equal(n.phase, 'ELECTION');
    assert.equal(n.pill, 'ELECTION', 'the phase is written, not only coloured');
    assert.match(n.sub, /^LOOKING, votes (n\d|itself) \(\d+:\d+\)$/);
    assert.equal(n.letter, '?');
  }
  // Every phase shows up on some server, one event at a time, within 3 s of simulated time.
  const seen = await page.evaluate(() => {
    const el = document.querySelector('cap-playground'), root = el.shadowRoot, seen = new Set();
    while (el.state().now < 3000 && el.step()) {
      for (const g of root.querySelectorAll('[data-node-id]')) seen.add(g.dataset.phase + '|' + g.querySelector('.zphase').textContent);
      if (seen.has('BROADCAST|BROADCAST') && [...root.querySelectorAll('[data-node-id]')].every((g) => g.dataset.phase === 'BROADCAST')) break;
    }
    return [...seen].sort();
  });
  for (const p of ['ELECTION', 'DISCOVERY', 'SYNC', 'BROADCAST']) assert.ok(seen.includes(`${p}|${p}`), `phase ${p} never shown: ${seen}`);
  // After c1's write x=1 (at 0.6 s): one LEADING, the others FOLLOWING; zxids e:c on nodes and cells.
  await advanceUntil(page, "f.nodes.every((n) => n.zab.commit_zxid !== '0:0')", { max: 1500 });
  const g = await page.evaluate(() => {
    const r = document.querySelector('cap-playground').shadowRoot;
    return {
      nodes: [...r.querySelectorAll('[data-node-id]')].map((g) => ({ role: g.dataset.role, state: g.dataset.state, zxid: g.querySelector('.term').textContent,
        letter: g.querySelector('.role').textContent, sub: g.querySelector('.sub').textContent, arrow: g.querySelector('.zvote').getAttribute('display') })),
      cells: [...r.querySelectorAll('.log .row text:not(.lbl)')].map((e) => e.textContent).filter(Boolean),
      legend: r.querySelector('.legend').innerText, head: r.querySelector('.logwrap').textContent,
    };
  });
  assert.deepEqual(g.nodes.map((n) => n.role).sort(), ['follower', 'follower', 'leader']);
  assert.deepEqual(g.nodes.map((n) => n.state).sort(), ['FOLLOWING', 'FOLLOWING', 'LEADING']);
  assert.deepEqual(g.nodes.map((n) => n.letter).sort(), ['F', 'F', 'L']);
  assert.ok(g.nodes.every((n) => /^\d+:\d+$/.test(n.zxid) && n.zxid !== '0:0'), `last zxids: ${g.nodes.map((n) => n.zxid)}`);
  assert.ok(g.nodes.every((n) => n.arrow === 'none'), 'no vote arrows once the election is over');
  assert.ok(g.nodes.some((n) => /^LEADING e\d+$/.test(n.sub)) && g.nodes.some((n) => /^FOLLOWING n\d$/.test(n.sub)), g.nodes.map((n) => n.sub).join());
  assert.ok(g.cells.length >= 3 && g.cells.every((c) => /^\d+:\d+$/.test(c)), `log cells: ${g.cells}`);
  assert.match(g.legend, /zxid epoch:counter/);
  assert.match(g.head, /histories/);
  s.assertNoErrors(page);
});

test('ZAB node panel: the leader\'s history with the committed prefix marked, epochs, last zxid and each follower\'s sync', async () => {
  const page = await openStale();
  // c1's two writes are committed by the majority side (n1, n2) by ~1.2 s.
  const r = await advanceUntil(page, "f.nodes.filter((n) => n.zab.state === 'LEADING' && n.zab.established && n.commit_index >= 2).length === 1", { max: 2000 });
  assert.ok(r.met, `no established leader with 2 committed writes by t = ${r.now} ms`);
  const leader = await page.evaluate(() => document.querySelector('cap-playground').state().nodes.find((n) => n.zab.state === 'LEADING').id);
  await page.locator(`cap-playground [data-node-id=n${leader}]`).click();
  const p = await page.evaluate(() => {
    const el = document.querySelector('cap-playground'), P = el.shadowRoot.querySelector('.node-panel'), f = el.state();
    return {
      hidden: P.hidden, text: P.innerText, title: P.querySelector('.np-title').textContent,
      rows: [...P.querySelectorAll('.np-peers tr')].map((tr) => ({ cls: tr.className, cells: [...tr.cells].map((c) => c.textContent) })),
      dl: Object.fromEntries([...P.querySelectorAll('dt')].map((dt) => [dt.textContent, dt.nextElementSibling.textContent])),
      zab: f.nodes.find((n) => n.zab.state === 'LEADING').zab,
    };
  });
  assert.equal(p.hidden, false);
  assert.match(p.title, new RegExp(`^n${leader} — LEADING · BROADCAST \\(epoch \\d+ established\\)$`));
  assert.equal(p.dl.currentEpoch, String(p.zab.current_epoch));
  assert.equal(p.dl.acceptedEpoch, String(p.zab.accepted_epoch));
  assert.equal(p.dl['last zxid'], p.zab.last_zxid);
  assert.match(p.dl['committed prefix'], new RegExp(`^#1–#\\d+ \\(up to zxid ${p.zab.commit_zxid}\\)`));
  // History table: header, then one row per proposal; the committed ones first, marked.
  const body = p.rows.slice(1);
  assert.deepEqual(body.map((x) => x.cells[1]), p.zab.history.map((h) => h.zxid));
  assert.ok(body.every((x) => /^\d+:\d+$/.test(x.cells[1])));
  const marks = body.map((x) => x.cells[3] === '✓ committed');
  assert.deepEqual(marks, p.zab.history.map((h) => h.committed));
  assert.ok(marks.filter(Boolean).length >= 2, 'x=1 and x=2 are in the committed prefix');
  assert.ok(body.filter((x) => x.cells[3] === '✓ committed').every((x) => x.cls.includes('zc')));
  assert.ok(body.some((x) => x.cells[2] === 'write x=2'));
  // The leader sees its followers: n1 synchronised (DIFF on a fresh cluster); n0 is cut off but was synced earlier.
  const fl = Object.entries(p.dl).filter(([k]) => k.startsWith('follower n'));
  assert.equal(fl.length, 2, p.text);
  assert.ok(fl.some(([, v]) => /^synced by (DIFF|TRUNC|SNAP) · acked \d+:\d+$/.test(v)), p.text);
  // A follower's panel (the partitioned n0): its own epochs and prefix, no follower rows.
  await page.locator('cap-playground [data-node-id=n0]').click();
  const q = await page.evaluate(() => document.querySelector('cap-playground').shadowRoot.querySelector('.node-panel').innerText);
  assert.match(q, /^n0 — FOLLOWING/m);
  assert.match(q, /committed prefix/);
  assert.doesNotMatch(q, /follower n/);
  s.assertNoErrors(page);
});

test('ZAB: a crashed server shows its durable history; the LOOKING ones elect again and the new leader is data-role=leader', async () => {
  const page = await openStale();
  await advanceUntil(page, "f.nodes.filter((n) => n.zab.phase === 'BROADCAST').length === 3", { max: 2000 });
  const old = await page.evaluate(() => { const el = document.querySelector('cap-playground'); const id = el.state().nodes.find((n) => n.zab.state === 'LEADING').id; el.crash(id); return id; });
  const g = await page.evaluate((id) => {
    const x = document.querySelector('cap-playground').shadowRoot.querySelector(`[data-node-id=n${id}]`);
    return { role: x.dataset.role, state: x.dataset.state, pill: x.querySelector('.zphase').textContent, sub: x.querySelector('.sub').textContent };
  }, old);
  assert.deepEqual(g, { role: 'crashed', state: 'CRASHED', pill: 'CRASHED', sub: 'history on disk' });
  const r = await advanceUntil(page, `[...root.querySelectorAll('[data-node-id]')].some((g) => g.dataset.role === 'leader' && g.dataset.nodeId !== 'n${old}' && g.dataset.phase === 'BROADCAST')`, { max: 4000 });
  assert.ok(r.met, `no new leader by t = ${r.now} ms`);
  s.assertNoErrors(page);
});
