// The space-time diagram (www/panels/spacetime.js over the simulator's record, src/spacetime/),
// driven with real input: a mouse drag partitions the cluster, a click opens the panel, a drag of
// its cursor travels back to the partition and the cluster diagram shows that moment; hovering an
// AppendEntries arrow outlines its dot in the cluster and hovering the dot outlines the arrow; the
// SVG and ShiViz exports download and parse; keys, touch, filters, an operation bar, the `view`
// attribute, reduced motion and the dark theme. Simulated time moves only through the element's
// API (pause + advance); wall-clock waits only poll.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { startSession, waitForDiagram } from './helpers.mjs';

const QUIET = { name: 'test: quiet 5', protocol: 'raft', nodes: 5, seed: 11, clients: [{ node: 0 }, { node: 4 }], until: 1000000 };
const BUSY = { ...QUIET, name: 'test: busy 5', workload: { interval_ms: 150, read: 1, write: 2, cas: 1, keys: 1, max_value: 9, start_ms: 300 } };

let s;
before(async () => { s = await startSession(); });
after(async () => { await s?.close(); });

const center = async (loc) => { const b = await loc.boundingBox(); return { x: b.x + b.width / 2, y: b.y + b.height / 2 }; };

async function openPaused(scenario, opts) {
  const page = await s.open('/', opts);
  await waitForDiagram(page, { minNodes: 5, timeout: 15000 });
  await page.evaluate(async (sc) => {
    const el = document.querySelector('cap-playground');
    await el.ready;
    el.pause();
    await el.loadScenario(sc);
    window.__sel = [];
    el.addEventListener('spacetime-select', (e) => window.__sel.push(e.detail));
  }, scenario);
  return page;
}
const state = (page) => page.evaluate(() => document.querySelector('cap-playground').state());
const advance = (page, ms) => page.evaluate((ms) => document.querySelector('cap-playground').advance(ms), ms);
/** The panel's instance (loaded by then), with `expr` evaluated on it as `p`. */
const panel = (page, expr, arg) => page.evaluate(async ([expr, arg]) => {
  const p = await document.querySelector('cap-playground').openPanel('spacetime', null);
  return new Function('p', 'arg', `return (${expr});`)(p, arg);
}, [expr, arg]);

async function openByClick(page) {
  await page.locator('cap-playground .bar [data-action=spacetime]').click();
  await page.locator('cap-playground section.st').waitFor({ state: 'visible' });
  await page.waitForFunction(() => document.querySelector('cap-playground')._panelsBy.get('spacetime').instance?.msgs.length > 0);
  await page.locator('cap-playground .st-box').scrollIntoViewIfNeeded();
}

test('partition by mouse, open the panel, drag its cursor back to the partition: the cluster shows that moment', async () => {
  const page = await openPaused(QUIET);
  await advance(page, 1500);
  await page.evaluate(() => { window.__parts = []; document.querySelector('cap-playground').addEventListener('partition-change', (e) => window.__parts.push(e.detail.groups)); });
  // The panel's module is not part of the first download: it is fetched when first opened.
  const fetched = [];
  page.on('request', (r) => { if (r.url().includes('panels/spacetime')) fetched.push(r.url()); });
  // Drag n3 and n4 across the line (their side: 3 | 2).
  const line = await page.locator('cap-playground [data-partition-line] .vis').boundingBox();
  let k = 0;
  for (const id of [3, 4]) {
    const from = await center(page.locator(`cap-playground [data-node-id="n${id}"]`));
    await page.mouse.move(from.x, from.y);
    await page.mouse.down();
    await page.mouse.move(line.x + 80, line.y + 120 + 150 * k++, { steps: 10 });
    await page.mouse.up();
  }
  const cut = await state(page);
  assert.equal(cut.groups.length, 2, `partitioned: ${JSON.stringify(cut.groups)}`);
  const tCut = cut.now;
  await advance(page, 900);
  assert.equal(fetched.length, 0, 'the panel module loaded before it was opened');
  // The record is in the full API only (pkg/raft-full/, not the page's first download): opening
  // the panel moves the run onto it, at the same moment, with its recorded actions (the marks below).
  const wasm = [];
  page.on('request', (r) => { if (r.url().endsWith('.wasm')) wasm.push(r.url().replace(/^.*\/pkg\//, 'pkg/')); });
  const was = await state(page);
  await openByClick(page);
  assert.equal(fetched.length, 1, `panel module fetched ${fetched.length} times`);
  assert.deepEqual(wasm, ['pkg/raft-full/cap_playground_bg.wasm'], `wasm fetched when the panel opened: ${wasm.join(', ')}`);
  const moved = await page.evaluate(() => { const el = document.querySelector('cap-playground'); return { paused: el.paused, build: el.simulatorBuild }; });
  assert.deepEqual(moved, { paused: true, build: 'size' }, 'still paused, on the size-built bundle');
  const is = await state(page);
  assert.deepEqual([is.now, is.trace_hash], [was.now, was.trace_hash], 'the same run at the same moment');
  // The partition is marked in the panel (one mark per drag: n3 alone, then n3 and n4).
  const marks = await panel(page, 'p.marks.filter((k) => !k.member).map((k) => [k.at, k.kind])');
  assert.deepEqual(marks, [[tCut, 'partition'], [tCut, 'partition']]);
  // Drag the cursor (the top strip) from now to just after the partition.
  const now = (await state(page)).now;
  const a = await panel(page, 'p.clientPoint(arg)', now);
  const b = await panel(page, 'p.clientPoint(arg)', tCut + 40);
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  await page.mouse.move(b.x, b.y, { steps: 8 });
  await page.mouse.up();
  await page.waitForFunction(([t]) => Math.abs(document.querySelector('cap-playground').state().now - t) < 15, [tCut + 40]);
  let f = await state(page);
  assert.equal(f.groups.length, 2, 'just after the partition the cluster is split');
  let sides = await page.locator('cap-playground [data-node-id]').evaluateAll((es) => es.map((e) => e.dataset.side));
  assert.ok(sides[3] === sides[4] && sides[3] !== sides[0], `cluster sides just after the cut: ${sides}`);
  assert.equal(await page.locator('cap-playground .tt-past').isVisible(), true, 'the element says it is in the past');
  // The same moment as a straight run: the trace hash of a fresh element run to that time with
  // the same partition.
  const straight = await page.evaluate(async ([sc, tc, t]) => {
    const el2 = document.createElement('cap-playground');
    el2.setAttribute('paused', '');
    el2.setAttribute('controls', 'false');
    document.body.append(el2);
    await el2.ready;
    await el2.loadScenario(sc);
    el2.advance(tc);
    for (const g of window.__parts) el2.setPartition(g);
    el2.advance(t - tc);
    const h = el2.state().trace_hash;
    el2.remove();
    return h;
  }, [QUIET, tCut, f.now]);
  assert.equal(f.trace_hash, straight, 'the cursor lands on the run\'s own moment');
  // And just before it: one cluster again.
  const c = await panel(page, 'p.clientPoint(arg)', f.now);
  const d = await panel(page, 'p.clientPoint(arg)', tCut - 60);
  await page.mouse.move(c.x, c.y);
  await page.mouse.down();
  await page.mouse.move(d.x, d.y, { steps: 5 });
  await page.mouse.up();
  await page.waitForFunction(([t]) => Math.abs(document.querySelector('cap-playground').state().now - t) < 15, [tCut - 60]);
  f = await state(page);
  assert.equal(f.groups.length, 1, `before the partition: ${JSON.stringify(f.groups)}`);
  sides = await page.locator('cap-playground [data-node-id]').evaluateAll((es) => es.map((e) => e.dataset.side));
  assert.deepEqual([...new Set(sides)], ['0']);
  s.assertNoErrors(page);
  await page.close();
});

test('hovering an AppendEntries arrow outlines its dot in the cluster; hovering the dot outlines the arrow', async () => {
  const page = await openPaused(QUIET);
  await advance(page, 1200);
  await openByClick(page);
  // A message half-way on the wire now (its dot clear of the servers' circles), an AppendEntries.
  const mid = (f) => f.messages.find((x) => {
    const fr = (f.now - x.sent) / (x.deliver_at - x.sent);
    return x.kind === 'AppendEntries' && x.lost_at == null && fr > 0.35 && fr < 0.65;
  });
  let f = await state(page), m = mid(f);
  for (let i = 0; !m && i < 200; i++) {
    f = await page.evaluate(() => { const el = document.querySelector('cap-playground'); el.advance(1); return el.state(); });
    m = mid(f);
  }
  assert.ok(m, 'an AppendEntries in flight');
  // Zoom the panel onto it so its arrow is long and apart from its siblings.
  await panel(page, 'p.setView(arg.sent - 15, arg.deliver_at + 15)', m);
  await page.waitForTimeout(50);
  const pt = await panel(page, 'p.arrowPoint(arg, 0.65)', m.id);
  assert.ok(pt, 'its arrow is drawn');
  await page.mouse.move(pt.x - 30, pt.y - 30);
  await page.mouse.move(pt.x, pt.y, { steps: 4 });
  await page.waitForFunction((id) => document.querySelector('cap-playground').shadowRoot.querySelector(`[data-msg-id="${id}"]`)?.hasAttribute('data-hl'), m.id);
  const info = await page.locator('cap-playground .st-info').textContent();
  assert.match(info, new RegExp(`AppendEntries #${m.id} ${m.from} → ${m.to}`));
  assert.match(info, /on the wire now/);
  assert.equal(await page.locator('cap-playground .diagram [data-hl]').count(), 1, 'one dot outlined');
  // The other way round: the dot in the cluster.
  await page.mouse.move(5, 5);
  await page.waitForFunction(() => !document.querySelector('cap-playground').shadowRoot.querySelector('.diagram [data-hl]'));
  await page.locator(`cap-playground [data-msg-id="${m.id}"] .dot`).scrollIntoViewIfNeeded();
  const dot = await center(page.locator(`cap-playground [data-msg-id="${m.id}"] .dot`));
  await page.mouse.move(dot.x, dot.y);
  await page.waitForFunction((id) => document.querySelector('cap-playground')._panelsBy.get('spacetime').instance.dotHover === id, m.id);
  assert.match(await page.locator('cap-playground .st-info').textContent(), new RegExp(`in the cluster: AppendEntries #${m.id}`));
  s.assertNoErrors(page);
  await page.close();
});

test('export SVG and ShiViz from the panel: a self-contained SVG with a legend, a log ShiViz parses with its expression', async () => {
  const page = await openPaused(BUSY);
  await advance(page, 2500);
  await page.evaluate(() => document.querySelector('cap-playground').crash(2));
  await advance(page, 600);
  await openByClick(page);
  const [svgDl] = await Promise.all([page.waitForEvent('download'), page.locator('cap-playground section.st [data-action=export-svg]').click()]);
  const svg = fs.readFileSync(await svgDl.path(), 'utf8');
  assert.match(svgDl.suggestedFilename(), /^cap-raft-seed11-spacetime\.svg$/);
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" viewBox="0 0 1200 \d+"/);
  assert.match(svg, /font-family="system-ui/);
  assert.match(svg, /<title>raft · seed 11 · space-time diagram<\/title>/);
  for (const word of ['request', 'reply', 'lost', 'leader elected', 'commit', 'crash', 'AppendEntries']) assert.ok(svg.includes(`>${word}`), `legend: ${word}`);
  // Self-contained: no link, script, image, style sheet or font from anywhere.
  assert.doesNotMatch(svg, /href|<script|<image|@import|url\(|<foreignObject/i);
  assert.equal((svg.match(/https?:\/\//g) || []).length, 1, 'only the SVG namespace URI');
  // It renders: as an image, it has the width it says.
  const w = await page.evaluate((text) => new Promise((res) => {
    const img = new Image();
    img.onload = () => res(img.naturalWidth);
    img.onerror = () => res(-1);
    img.src = URL.createObjectURL(new Blob([text], { type: 'image/svg+xml' }));
  }), svg);
  assert.equal(w, 1200);

  const [logDl] = await Promise.all([page.waitForEvent('download'), page.locator('cap-playground section.st [data-action=export-shiviz]').click()]);
  const log = fs.readFileSync(await logDl.path(), 'utf8');
  const lines = log.split('\n');
  const re = lines[0];
  assert.equal(re, '(?<time>\\d+) ms (?<event>.*)\\n(?<host>\\S+) (?<clock>\\{.*\\})');
  assert.equal(lines[1], '');
  // ShiViz's expression is a JavaScript one with named groups: every event parses, in order.
  const body = lines.slice(2).join('\n');
  const rx = new RegExp(re.replace(/\\n/g, '\n'), 'g');
  const events = [...body.matchAll(rx)];
  assert.equal(events.length * 2, lines.slice(2).filter(Boolean).length, 'every event matched');
  const seen = new Map();
  for (const e of events) {
    const { host, clock } = e.groups;
    const c = JSON.parse(clock);
    const n = (seen.get(host) || 0) + 1;
    seen.set(host, n);
    assert.equal(c[host], n, `${host}'s own entry counts its events`);
  }
  assert.ok(seen.has('n0') && seen.has('c0') && seen.has('c1'), `hosts: ${[...seen.keys()]}`);
  assert.ok(events.some((e) => / crashed/.test(e.groups.event)), 'the crash is an event');
  // The "more" row's export works with the panel closed too.
  await page.locator('cap-playground section.st [data-action=spacetime]').click();
  await page.locator('cap-playground details.more summary').click();
  const [again] = await Promise.all([page.waitForEvent('download'), page.locator('cap-playground details.more [data-action=export-shiviz]').click()]);
  const log2 = fs.readFileSync(await again.path(), 'utf8');
  assert.equal(log2.split('\n')[0], re);
  s.assertNoErrors(page);
  await page.close();
});

test('keys pan, zoom and walk the arrows; Enter travels to one; lines, kinds and heartbeats filter; an operation bar opens the client timeline', async () => {
  const page = await openPaused(BUSY);
  await advance(page, 3000);
  await openByClick(page);
  const box = page.locator('cap-playground .st-box');
  await box.focus();
  const v0 = await panel(page, 'p.view');
  await page.keyboard.press('ArrowLeft');
  const v1 = await panel(page, '[p.view, p.follow]');
  assert.ok(v1[0][0] < v0[0] && !v1[1], `ArrowLeft pans back and stops following: ${v0} → ${v1[0]}`);
  await page.keyboard.press('+');
  const v2 = await panel(page, 'p.view');
  assert.ok(Math.abs((v2[1] - v2[0]) * 2 - (v1[0][1] - v1[0][0])) < 1, 'plus halves the window');
  await page.keyboard.press('-');
  await page.keyboard.press('End');
  assert.equal(await panel(page, 'p.follow'), true, 'End follows the present');
  await page.keyboard.press('ArrowDown');
  const sel = await page.evaluate(() => window.__sel);
  assert.equal(sel.length, 1, 'ArrowDown selects an arrow (spacetime-select)');
  assert.match(await page.locator('cap-playground .st-info').textContent(), new RegExp(`selected: ${sel[0].kind} #${sel[0].id}`));
  await page.keyboard.press('Enter');
  const f = await state(page);
  assert.ok(f.now >= sel[0].sent && f.now <= sel[0].end, `Enter travelled into its flight: ${f.now} in ${sel[0].sent}..${sel[0].end}`);
  assert.ok(f.messages.some((m) => m.id === sel[0].id), 'its dot is on the wire');
  assert.equal(await page.locator(`cap-playground .diagram [data-msg-id="${sel[0].id}"][data-hl]`).count(), 1, 'and outlined');
  // Filters: a line, the heartbeats.
  const before = await panel(page, '[p.lanes.length, p.visible().filter((m) => m.fl & 2).length]');
  assert.ok(before[1] > 0, 'heartbeats in view');
  await page.locator('cap-playground .st-lanes [data-lane=n4]').click();
  await page.locator('cap-playground .st-hide-hb').check();
  const after = await panel(page, '[p.lanes.length, p.visible().filter((m) => m.fl & 2).length, p.visible().some((m) => m.from === "n4" || m.to === "n4")]');
  assert.deepEqual(after, [before[0] - 1, 0, false]);
  await page.locator('cap-playground .st-kd summary').click();
  await page.locator('cap-playground .st-kinds [data-kind=ClientRequest]').uncheck();
  assert.equal(await panel(page, 'p.visible().some((m) => m.kind === "ClientRequest")'), false);
  await page.locator('cap-playground .st-kd summary').click(); // close the list (it lies over the diagram)
  // An operation bar: click it, the client timeline shows it selected.
  await page.keyboard.press('End');
  // (Away from the cursor, whose neighbourhood is for dragging it.)
  const op = await panel(page, 'p.ops.find((o) => o.complete != null && o.complete - o.invoke > 30 && o.invoke > p.view[0] + 50 && o.complete < p.now - 150)');
  assert.ok(op, 'a completed operation in view');
  // The page has scrolled the diagram partly out of sight by now (the focused box, the filters):
  // bring it back, so a real click can reach the bar.
  // On a loaded machine the diagram can move between measuring the bar and the click landing (a
  // late scroll or re-layout), so the click may miss, or land on a neighbouring client's bar: wait
  // for the box to stand still, measure, click, and try again (a few times) until the client
  // timeline shows the operation that was aimed at.
  const tl = page.locator('cap-playground .tl');
  const want = new RegExp(`operation #${op.id} \\(c${op.client}\\)`);
  const shows = async () => (await tl.isVisible()) && want.test(await page.locator('cap-playground .tl-mode').textContent());
  for (let attempt = 0; attempt < 5 && !(await shows()); attempt++) {
    await panel(page, 'p.box.scrollIntoView({ block: "center" })');
    await panel(page, `new Promise((done) => {
      let last = '', still = 0;
      const look = () => { const r = JSON.stringify(p.box.getBoundingClientRect()); still = r === last ? still + 1 : 0; last = r; if (still >= 3) done(); else requestAnimationFrame(look); };
      look();
    })`);
    const bar = await panel(page, 'p.clientPoint((arg.invoke + arg.complete) / 2, "c" + arg.client)', op);
    await page.mouse.click(bar.x, bar.y + 6);
    await page.waitForFunction(([id, c]) => {
      const m = document.querySelector('cap-playground')?.shadowRoot?.querySelector('.tl-mode') ?? document.querySelector('cap-playground .tl-mode');
      return m && m.textContent.includes(`operation #${id} (c${c})`);
    }, [op.id, op.client], { timeout: 4000 }).catch(() => {});
  }
  await tl.waitFor({ state: 'visible' });
  assert.equal(await page.locator('cap-playground .tl .op.sel').count(), 1, 'the operation is selected in the client timeline');
  assert.match(await page.locator('cap-playground .tl-mode').textContent(), new RegExp(`operation #${op.id} \\(c${op.client}\\)`));
  s.assertNoErrors(page);
  await page.close();
});

test('touch: one finger pans, two fingers zoom', async () => {
  const ctx = await s.browser.newContext({ viewport: { width: 800, height: 900 }, hasTouch: true });
  const page = await ctx.newPage();
  await page.goto(s.url('/'));
  await waitForDiagram(page, { minNodes: 5, timeout: 15000 });
  await page.evaluate(async (sc) => { const el = document.querySelector('cap-playground'); await el.ready; el.pause(); await el.loadScenario(sc); el.advance(2500); }, QUIET);
  await page.locator('cap-playground .bar [data-action=spacetime]').click();
  await page.locator('cap-playground section.st').waitFor({ state: 'visible' });
  await page.locator('cap-playground .st-box').scrollIntoViewIfNeeded();
  const r = await page.locator('cap-playground .st-box').boundingBox();
  const cdp = await ctx.newCDPSession(page);
  const touch = (type, pts) => cdp.send('Input.dispatchTouchEvent', { type, touchPoints: pts.map(([x, y], id) => ({ x, y, id })) });
  const y = r.y + r.height * 0.6, x0 = r.x + r.width * 0.5;
  const v0 = await panel(page, 'p.view');
  await touch('touchStart', [[x0, y]]);
  for (let i = 1; i <= 6; i++) await touch('touchMove', [[x0 + 20 * i, y]]);
  await touch('touchEnd', []);
  const v1 = await panel(page, 'p.view');
  assert.ok(v1[0] < v0[0] - 50, `a finger dragged right shows earlier times: ${v0} → ${v1}`);
  assert.ok(Math.abs((v1[1] - v1[0]) - (v0[1] - v0[0])) < 1, 'the same zoom');
  await touch('touchStart', [[x0 - 40, y], [x0 + 40, y]]);
  for (let i = 1; i <= 6; i++) await touch('touchMove', [[x0 - 40 - 15 * i, y], [x0 + 40 + 15 * i, y]]);
  await touch('touchEnd', []);
  const v2 = await panel(page, 'p.view');
  assert.ok(v2[1] - v2[0] < (v1[1] - v1[0]) * 0.6, `fingers apart zoom in: ${v1} → ${v2}`);
  await ctx.close();
});

test('view="spacetime" opens the diagram from the start; reduced motion steps the view instead of sliding it; the dark theme has its colours', async () => {
  const page = await s.open('/', { reducedMotion: 'reduce', colorScheme: 'dark' });
  await waitForDiagram(page, { minNodes: 5, timeout: 15000 });
  await page.evaluate(async (sc) => {
    const el = document.createElement('cap-playground');
    el.id = 'second';
    el.setAttribute('view', 'spacetime');
    el.setAttribute('paused', '');
    el.setAttribute('scenario', 'raft-basic');
    document.body.append(el);
    await el.ready;
  }, null);
  await page.locator('#second section.st').waitFor({ state: 'visible' });
  const views = await page.evaluate(async () => {
    const el = document.getElementById('second');
    const p = el._panelsBy.get('spacetime').instance;
    el.speed = 2;
    el.play();
    const seen = [];
    await new Promise((done) => { let n = 0; const f = () => { seen.push(p.view[0]); if (++n < 90) requestAnimationFrame(f); else done(); }; requestAnimationFrame(f); });
    el.pause();
    return { starts: new Set(seen).size, frames: seen.length, bg: p.colours.bg, ink: p.colours.ink };
  });
  assert.ok(views.starts <= 4, `reduced motion: the window moved ${views.starts} times in ${views.frames} frames (steps, not a slide)`);
  assert.equal(views.bg, '#161a1f', 'the dark theme\'s background');
  assert.equal(views.ink, '#e8eaed');
  s.assertNoErrors(page);
  await page.close();
});

test('opening the panel in the past moves the run onto the full API at that moment; a playing run keeps playing', async () => {
  // In the past (after going back): the copy replays the recorded run and comes back to this moment.
  const page = await openPaused(BUSY);
  await advance(page, 3000);
  const want = await page.evaluate(() => { const el = document.querySelector('cap-playground'); el.seek(1700); return el.state(); });
  await page.locator('cap-playground .bar [data-action=spacetime]').click();
  await page.locator('cap-playground section.st').waitFor({ state: 'visible' });
  const got = await page.evaluate(() => { const el = document.querySelector('cap-playground'); return { f: el.state(), tl: el.runTimeline(), full: typeof el.wasm.Playground.fromShare, paused: el.paused }; });
  assert.equal(got.full, 'function', 'on the full API');
  assert.deepEqual([got.f.now, got.f.trace_hash, got.paused], [1700, want.trace_hash, true], 'the same moment, still paused');
  assert.deepEqual([got.tl.in_past, got.tl.end.at], [true, 3000], 'the recorded future is kept');
  s.assertNoErrors(page);
  await page.close();

  // A playing run (the index page's default): it plays on after the move.
  const p2 = await s.open('/');
  await waitForDiagram(p2, { minNodes: 5, timeout: 15000 });
  await p2.locator('cap-playground .bar [data-action=spacetime]').click();
  await p2.locator('cap-playground section.st').waitFor({ state: 'visible' });
  const t0 = await p2.evaluate(() => { const el = document.querySelector('cap-playground'); return { paused: el.paused, full: typeof el.wasm.Playground.fromShare, now: el.state().now }; });
  assert.deepEqual([t0.paused, t0.full], [false, 'function']);
  await p2.waitForFunction((t) => document.querySelector('cap-playground').state().now > t + 20, t0.now);
  s.assertNoErrors(p2);
  await p2.close();
});

test('openPanel("spacetime") called before the first run exists: the run starts on the full API and the panel shows it', async () => {
  const page = await s.open('/');
  await waitForDiagram(page, { minNodes: 5, timeout: 15000 });
  const r = await page.evaluate(async () => {
    const el = document.createElement('cap-playground');
    el.setAttribute('paused', '');
    el.setAttribute('protocol', 'zab'); // a bundle this page has not loaded yet: its run is created after the call
    document.body.append(el);
    const p = await el.openPanel('spacetime', true);
    await el.ready;
    el.advance(1500);
    p.jumped?.();
    return { full: typeof el.wasm.Playground.fromShare, proto: el.state().protocol, open: p.isOpen };
  });
  assert.deepEqual(r, { full: 'function', proto: 'zab', open: true });
  await page.waitForFunction(() => document.querySelectorAll('cap-playground')[1]._panelsBy.get('spacetime').instance?.msgs.length > 0);
  s.assertNoErrors(page);
  await page.close();
});
