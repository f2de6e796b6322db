// Time travel and share links, end to end: a copied link opened in a new page reproduces the
// same state (trace hash and frame), the timeline slider scrubs back and forth to identical
// states, acting in the past forks and drops the recorded future, and a garbage or cut-short
// fragment shows a message while the default run starts, with no console error. Also the
// memory bound: an hour of simulated time at 10× in the wasm bundle stays under 32 MB (#3 budget).
// Simulated time is driven through the element API (pause + advance), never by wall-clock sleeps.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startSession, waitForDiagram, openPausedAtZero, WWW } from './helpers.mjs';
import { loadWasmInNode } from '../../scripts/lib.mjs';

let s;
before(async () => { s = await startSession(); });
after(async () => { await s?.close(); });

/** Open a page with one shared element, wait for its run, pause it at t = 0. */
const openPaused = (p) => openPausedAtZero(s, p);

/** The frame without the live verdict's bookkeeping (search steps depend on frames drawn, not on the run). */
const comparable = (f) => { const c = structuredClone(f); if (c.consistency) delete c.consistency.live; return c; };

/** A session: partition, a write, a crash, advancing in between; returns the hash at 2 s and the end. */
async function act(page) {
  return page.evaluate(() => {
    const el = document.querySelector('cap-playground');
    el.advance(1200);
    el.setPartition([['n0', 'n1', 'c0'], ['n2', 'n3', 'n4', 'c1']]);
    el.advance(800);
    const at2 = el.state().trace_hash;
    el.advance(100); // an action at 2 s would be part of the state at 2 s
    el.submit({ client: 1, f: 'write', key: 'x', value: 5 });
    el.advance(1500);
    el.crash(3);
    el.advance(1000);
    el.heal();
    el.advance(1500);
    const f = el.state();
    return { at2, end: f.trace_hash, now: f.now };
  });
}

test('copy link → open it in a new page: the same run at the same moment, identical state', async () => {
  const page = await openPaused();
  await act(page);
  // Share from the past: the link carries the whole run and the moment.
  const want = await page.evaluate(() => { const el = document.querySelector('cap-playground'); el.seek(3700); return el.state(); });
  assert.equal(want.now, 3700);
  await page.locator('cap-playground [data-action=copy-link]').click();
  const url = await page.locator('cap-playground .share-url').inputValue();
  assert.match(url, /#r=1\.raft\.[\w-]+$/, url);
  assert.ok(url.length < 200, `link length ${url.length}: ${url}`);
  assert.equal(url, await page.evaluate(() => document.querySelector('cap-playground').shareLink()));
  s.assertNoErrors(page);

  const other = await s.open(url);
  await other.waitForFunction(() => /Opened a shared run/.test(document.querySelector('cap-playground')?.shadowRoot?.querySelector('.share-note')?.textContent || ''), null, { timeout: 20000 });
  const got = await other.evaluate(() => { const el = document.querySelector('cap-playground'); return { f: el.state(), paused: el.paused, tl: el.runTimeline() }; });
  assert.equal(got.paused, true, 'a shared run opens paused at its moment');
  assert.equal(got.f.now, 3700);
  assert.equal(got.f.trace_hash, want.trace_hash, 'same trace hash');
  assert.deepEqual(comparable(got.f), comparable(want), 'same state');
  assert.equal(got.tl.actions, 4, 'partition, write, crash, heal');
  assert.equal(got.tl.warning, null);
  // A Raft link opens on the bundle with the full API (pkg/raft-full/: fromShare), which the page
  // preloads instead of the plain page's pkg/raft/ (index.html): one wasm download, not two.
  const wasm = await other.evaluate(() => performance.getEntriesByType('resource').map((r) => new URL(r.name).pathname.replace(/^.*\/pkg\//, 'pkg/')).filter((p) => p.endsWith('.wasm')));
  assert.deepEqual(wasm, ['pkg/raft-full/cap_playground_bg.wasm'], `wasm the link's page downloaded: ${wasm.join(', ')}`);
  // The rest of the shared run is ahead: back at its end, the same end as the original.
  const ends = await Promise.all([page, other].map((p) => p.evaluate(() => { const el = document.querySelector('cap-playground'); el.seekEnd(); return el.state().trace_hash; })));
  assert.equal(ends[0], ends[1]);
  s.assertNoErrors(other);
});

test('the time slider scrubs back and forth to identical states', async () => {
  const page = await openPaused();
  const h = await act(page);
  const range = page.locator('cap-playground .tt-range');
  const slide = async (v) => {
    await range.evaluate((r, v) => { r.value = String(v); r.dispatchEvent(new Event('input', { bubbles: true })); r.dispatchEvent(new Event('change', { bubbles: true })); }, v);
    await page.waitForFunction((v) => document.querySelector('cap-playground').state().now === v, v, { timeout: 5000 });
    return page.evaluate(() => document.querySelector('cap-playground').state().trace_hash);
  };
  assert.equal(await range.evaluate((r) => Number(r.max)), h.now, 'the slider spans the recorded run');
  assert.equal(await slide(2000), h.at2, 'back to 2 s');
  assert.ok(await page.locator('cap-playground .tt-past').isVisible(), 'the "you are in the past" state shows');
  assert.match(await page.locator('cap-playground .tt-past').textContent(), /acting here forks the run/);
  assert.equal(await slide(h.now), h.end, 'forward to the end');
  assert.ok(!(await page.locator('cap-playground .tt-past').isVisible()), 'at the end: not in the past');
  assert.equal(await slide(2000), h.at2, 'and back again');
  // Play continues from there and replays what was recorded.
  const replayed = await page.evaluate((end) => { const el = document.querySelector('cap-playground'); el.advance(end - 2000); return el.state().trace_hash; }, h.now);
  assert.equal(replayed, h.end);
  // Events are marked on the timeline: a leader, the partition, the crash, the heal.
  const kinds = await page.evaluate(() => [...new Set(document.querySelector('cap-playground').runTimeline().marks.map((m) => m.kind))]);
  for (const k of ['leader', 'partition', 'crash', 'heal', 'commit']) assert.ok(kinds.includes(k), `a ${k} mark: ${kinds}`);
  const ticks = await page.locator('cap-playground .tt-marks path.k-partition').getAttribute('d');
  assert.match(ticks, /^M[\d.]+ /, 'the partition is drawn on the timeline');
  s.assertNoErrors(page);
});

test('acting in the past forks the run and drops the recorded future', async () => {
  const page = await openPaused();
  await act(page);
  const r = await page.evaluate(() => {
    const el = document.querySelector('cap-playground');
    const before = el.runTimeline();
    el.seek(2500);
    const past = el.runTimeline();
    el.crash(0);
    const after = el.runTimeline();
    return { before, past, after };
  });
  assert.equal(r.before.actions, 4);
  assert.equal(r.past.in_past, true);
  assert.equal(r.after.in_past, false, 'after acting, now is the end');
  assert.equal(r.after.actions, 3, 'the partition and the write, then the new crash; the old crash and heal are gone');
  assert.equal(r.after.end.at, 2500);
  assert.ok(r.after.marks.every((m) => m.at <= 2500), 'no marks from the old future');
  assert.ok(r.after.marks.some((m) => m.kind === 'action' && /crash n0/.test(m.text)));
  await page.waitForFunction(() => document.querySelector('cap-playground').shadowRoot.querySelector('.tt-past').hidden);
  assert.equal(await page.locator('cap-playground .tt-range').evaluate((e) => Number(e.max)), 2500, 'the slider ends at the fork');
  s.assertNoErrors(page);
});

test('a garbage or cut-short link shows what was wrong and the default run starts', async () => {
  const good = await (async () => {
    const page = await openPaused();
    await act(page);
    return page.evaluate(() => document.querySelector('cap-playground').shareLink());
  })();
  const value = good.split('#r=')[1];
  // Each bad link costs one wasm download: one naming no protocol the page runs is refused before
  // any (the default run loads the page's bundle, its two modules); a Raft link that fails to
  // decode, by pkg/raft-full/, on which the default run then starts (index.html's preload picks the
  // same one).
  const plain = ['pkg/raft/cap_playground_bg.wasm', 'pkg/raft/split_rest.wasm'], full = ['pkg/raft-full/cap_playground_bg.wasm'];
  for (const [frag, why, wants] of [['r=garbage', /not a run link/, plain], [`r=${value.slice(0, -6)}`, /cut short/, full],
    ['r=1.etcd.AAAA', /unknown protocol 'etcd'/, plain], ['r=1.constructor.AAAA', /unknown protocol 'constructor'/, plain]]) {
    const page = await s.open(`/#${frag}`);
    await waitForDiagram(page, { minNodes: 5, timeout: 20000 });
    const note = page.locator('cap-playground .share-note');
    await note.waitFor({ state: 'visible', timeout: 5000 });
    const text = await note.textContent();
    assert.match(text, /could not be opened/, text);
    assert.match(text, why, text);
    assert.match(text, /default run/, text);
    // The default run plays.
    await page.waitForFunction(() => document.querySelector('cap-playground').state()?.now > 50, null, { timeout: 10000 });
    const f = await page.evaluate(() => document.querySelector('cap-playground').state());
    assert.equal(f.protocol, 'raft');
    assert.equal(f.seed, 1);
    const wasm = await page.evaluate(() => performance.getEntriesByType('resource').map((r) => new URL(r.name).pathname.replace(/^.*\/pkg\//, 'pkg/')).filter((p) => p.endsWith('.wasm')));
    assert.deepEqual(wasm, wants, `#${frag.slice(0, 20)}: wasm downloaded: ${wasm.join(', ')}`);
    s.assertNoErrors(page);
  }
});

test('an anchor that is not a run link is left alone, and elements without `share` ignore the fragment', async () => {
  const page = await s.open('/#what-to-try');
  await waitForDiagram(page, { minNodes: 5, timeout: 20000 });
  assert.ok(!(await page.locator('cap-playground .share-note').isVisible()));
  await page.evaluate(() => {
    const e = document.createElement('cap-playground');
    e.id = 'plain';
    e.setAttribute('protocol', 'dynamo');
    document.body.append(e);
    location.hash = 'r=garbage';
  });
  await page.waitForFunction(() => document.getElementById('plain').state()?.protocol === 'dynamo', null, { timeout: 20000 });
  assert.ok(await page.locator('#plain .share-row').isHidden(), 'no copy link without `share`');
  assert.ok(await page.locator('#plain .share-note').isHidden(), 'the fragment is not read');
  await page.locator('#pg .share-note').waitFor({ state: 'visible', timeout: 5000 }); // the shared element reacts to the new fragment
  s.assertNoErrors(page);
});

test('an hour of simulated time at 10× stays under 32 MB of wasm memory', async () => {
  const pkg = path.join(WWW, 'pkg', 'raft');
  const wasm = await loadWasmInNode(pkg);
  const runs = [['default run', () => wasm.Playground.withDefaults('raft', 5, 1)],
    ['bench-raft (4 clients, a partition a minute)', () => new wasm.Playground(fs.readFileSync(path.join(WWW, 'scenarios', 'bench-raft.json'), 'utf8'))]];
  for (const [name, make] of runs) {
    const pg = make();
    const t0 = Date.now();
    // 10× at 60 frames a second: 167 simulated ms per frame.
    while (pg.now() < 3600000) pg.advance(167);
    const wall = (Date.now() - t0) / 1000;
    const tl = JSON.parse(pg.timelineJson(0));
    const s0 = Date.now();
    pg.seek(1234567);
    const seekMs = Date.now() - s0;
    const mb = wasm.memoryBytes() / 1048576;
    console.log(`# ${name}: 1 simulated hour in ${wall.toFixed(1)} s wall, ${tl.checkpoints} checkpoints ${tl.spacing / 1000} s apart, ` +
      `${tl.total_marks} marks, wasm memory ${mb.toFixed(1)} MB, seek back to 1234.567 s in ${seekMs} ms`);
    assert.ok(tl.checkpoints <= 33, `${tl.checkpoints} checkpoints`);
    assert.ok(tl.spacing <= 512000, `checkpoints ${tl.spacing} ms apart: a seek would replay that much`);
    assert.ok(mb < 32, `${name}: wasm memory ${mb.toFixed(1)} MB`);
    pg.free();
  }
});

// Every protocol's bundle, an hour of its playground default at 10×: checkpoints thin by the
// world's size estimate (src/sim/travel.rs), so memory stays bounded whatever grows. Multi-Paxos
// folds its log into snapshots (it kept every slot and needed 33.5 MB before); 2PC's and 3PC's
// logs share their full chunks between copies (38.5 MB for 2PC before).
const HOUR_BOUND_MB = { raft: 32, paxos: 32, multipaxos: 32, dynamo: 32, zab: 32, '2pc': 32, '3pc': 32 };
const BUNDLE_OF = { raft: 'raft', paxos: 'paxos', multipaxos: 'paxos', dynamo: 'dynamo', zab: 'zab', '2pc': 'twopc', '3pc': 'threepc' };

test('an hour at 10× of every protocol\'s default run stays under 32 MB of wasm memory', async () => {
  for (const [proto, bound] of Object.entries(HOUR_BOUND_MB)) {
    const pkg = path.join(WWW, 'pkg', BUNDLE_OF[proto]);
    // A fresh module instance per protocol (its own memory).
    const wasm = await loadWasmInNode(pkg, { fresh: true });
    const pg = wasm.Playground.withDefaults(proto, 5, 1);
    while (pg.now() < 3600000) pg.advance(167);
    const tl = JSON.parse(pg.timelineJson(0));
    const s0 = Date.now();
    pg.seek(1234567);
    const seekMs = Date.now() - s0;
    const mb = wasm.memoryBytes() / 1048576;
    console.log(`# ${proto}: an hour at 10×: ${tl.checkpoints} checkpoints ${tl.spacing / 1000} s apart, wasm memory ${mb.toFixed(1)} MB, seek back to 1234.567 s in ${seekMs} ms`);
    assert.ok(mb < bound, `${proto}: wasm memory ${mb.toFixed(1)} MB after an hour, bound ${bound} MB`);
    assert.ok(tl.checkpoints >= 1, `${proto}: no checkpoint`);
    pg.free();
  }
});
