// Tutorial scripts (<cap-tutorial>) and the side-by-side page (<cap-compare>): every shipped
// tutorial runs to its end when a simulated reader satisfies its waits (real mouse drags, clicks on
// Next, simulated time), Back replays to the exact state, text from a tutorial file is text, a
// malformed file gets a message, and one drag on compare.html partitions both clusters.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startSession, watchPage, WWW } from './helpers.mjs';
import { parseTutorial } from '../../www/tutorial-spec.js';
import { PROTOCOLS } from '../../www/protocols.js';
import { startServer } from '../../scripts/serve.mjs';

const TUT_DIR = path.join(WWW, 'tutorials');
const SHIPPED = JSON.parse(fs.readFileSync(path.join(TUT_DIR, 'index.json'), 'utf8'));

let s;
before(async () => { s = await startSession({ context: { viewport: { width: 1200, height: 1000 } } }); });
after(async () => { await s?.close(); });

/** Open a tutorial page and wait until its first step is shown. */
async function openTutorial(name) {
  const page = await s.open(`/tutorial.html?t=${name}`);
  page.dialogs = [];
  page.on('dialog', (d) => { page.dialogs.push(d.message()); d.dismiss().catch(() => {}); });
  await page.waitForFunction(() => ['waiting', 'ready', 'error'].includes(document.getElementById('tut')?.dataset.state), null, { timeout: 15000 });
  return page;
}
const tutState = (page) => page.evaluate(() => {
  const t = document.getElementById('tut');
  return { state: t.dataset.state, step: t.step, now: t.now, wait: t.tutorial?.steps[t.step]?.wait ?? null, error: t.shadowRoot.querySelector('.err').hidden ? null : t.shadowRoot.querySelector('.err').textContent };
});

/** Advance the tutorial's shared clock in chunks until its wait is satisfied (or max simulated ms). */
async function advanceUntilReady(page, sel = '#tut', max = 20000) {
  return page.evaluate(({ sel, max }) => {
    const t = document.querySelector(sel);
    const t0 = t.now;
    while (t.dataset.state === 'waiting' && t.now - t0 < max) t.advance(50);
    return { state: t.dataset.state, waited: t.now - t0 };
  }, { sel, max });
}

/** A real mouse drag of server `node` of playground `pg` (inside host `host`) to viewBox point (x, y). */
async function dragNode(page, host, pg, node, to) {
  const el = page.locator(`${host} cap-playground`).nth(pg);
  const g = el.locator(`[data-node-id="n${node}"] circle.body`);
  await g.scrollIntoViewIfNeeded();
  const b = await g.boundingBox();
  const dest = await el.locator('svg.diagram').evaluate((svg, { x, y }) => {
    const p = svg.createSVGPoint();
    p.x = x; p.y = y;
    const q = p.matrixTransform(svg.getScreenCTM());
    return { x: q.x, y: q.y };
  }, to);
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2);
  await page.mouse.down();
  await page.mouse.move(dest.x, dest.y, { steps: 10 });
  await page.mouse.up();
}
const sidesOf = (page, host, pg) => page.locator(`${host} cap-playground`).nth(pg).locator('[data-node-id]')
  .evaluateAll((es) => Object.fromEntries(es.map((e) => [e.dataset.nodeId, e.dataset.side])));

/** Do what a reader would to satisfy the current step's wait; false when it cannot be done here. */
async function satisfy(page, wait) {
  if (wait.for === 'partition' && wait.healed) {
    await page.locator('#tut .tut > .bar [data-action="heal"]').click(); // the tutorial's own bar
    return;
  }
  if (wait.for === 'partition') {
    // Two servers (n0 and n1) across the line, into the right-hand side of the diagram (x = 560).
    await dragNode(page, '#tut', 0, 0, { x: 560, y: 120 });
    await dragNode(page, '#tut', 0, 1, { x: 560, y: 260 });
    return;
  }
  if (wait.for === 'arrow') {
    // A real click on the arrow the step points at in the space-time diagram.
    const el = page.locator('#tut cap-playground').first();
    await el.locator('section.st .st-box').scrollIntoViewIfNeeded();
    const pt = await el.evaluate(async (e, w) => {
      const p = await e.openPanel('spacetime', null);
      const m = p.find({ kind: w.kind, from: w.from, to: w.to, after: w.after });
      return m && p.arrowPoint(m.id, 0.5);
    }, wait);
    assert.ok(pt, `no arrow for ${JSON.stringify(wait)} in the space-time diagram`);
    await page.mouse.click(pt.x, pt.y);
    return;
  }
  const r = await advanceUntilReady(page);
  assert.equal(r.state, 'ready', `wait ${JSON.stringify(wait)} not satisfied after ${r.waited} simulated ms`);
}

test('every tutorial file parses; the index lists the four shipped ones', () => {
  const files = fs.readdirSync(TUT_DIR).filter((f) => f.endsWith('.json') && f !== 'index.json');
  assert.ok(files.length >= 4, `tutorial files: ${files}`);
  for (const f of files) {
    const t = parseTutorial(fs.readFileSync(path.join(TUT_DIR, f), 'utf8'), f);
    assert.ok(t.steps.length >= 3, `${f}: ${t.steps.length} steps`);
  }
  for (const n of SHIPPED) assert.ok(files.includes(`${n}.json`), `index.json names ${n}, which does not exist`);
  assert.deepEqual([...SHIPPED].sort(), ['2pc-coordinator-crash', 'cap-in-one-drag', 'raft-figure-8', 'zookeeper-stale-reads']);
});

test('a malformed tutorial is rejected with what was wrong and what is accepted', () => {
  const ok = { title: 't', playgrounds: [{ id: 'a', scenario: 'raft-basic' }], steps: [{ text: 'x' }] };
  const msg = (t) => { try { parseTutorial(t, 'bad.json'); } catch (e) { return e.message; } return null; };
  assert.equal(msg(ok), null);
  assert.match(msg('{"title": '), /^bad\.json: not valid JSON .*Accepted:/);
  assert.match(msg({ ...ok, steps: [{ text: 'x', wait: { for: 'leaderr' } }] }), /steps\[0\]\.wait\.for: "leaderr" is not a condition\. Accepted: "leader", "partition", "commit", "op", "time", "stale"/);
  assert.match(msg({ ...ok, steps: [{ text: 'x', actions: [{ do: 'crash' }] }] }), /actions\[0\] \(crash\): "node" is missing/);
  assert.match(msg({ ...ok, steps: [{ text: 'x', actions: [{ do: 'crash', node: 1, on: 'b' }] }] }), /"b" is not a playground of this tutorial\. Accepted: "a"/);
  assert.match(msg({ ...ok, steps: [{ text: 'x', highlight: { target: 'nowhere' } }] }), /"nowhere" is not a target\. Accepted: "partition-line"/);
  assert.match(msg({ ...ok, extra: 1 }), /unknown field "extra"\. Accepted: fields "title"/);
  assert.match(msg({ ...ok, compare: true }), /"compare": needs exactly two playgrounds/);
});

/** Play a loaded tutorial through as a reader would: satisfy each wait, press Next, until the end. */
async function runToEnd(page) {
    let st = await tutState(page);
    assert.equal(st.error, null, `load error: ${st.error}`);
    const n = await page.evaluate(() => document.getElementById('tut').tutorial.steps.length);
    const seen = [];
    for (let guard = 0; guard < 3 * n && st.state !== 'done'; guard++) {
      seen.push(st.step);
      if (st.state === 'waiting') {
        await satisfy(page, st.wait);
        await page.waitForFunction(() => document.getElementById('tut').dataset.state !== 'waiting', null, { timeout: 5000 });
      } else {
        assert.equal(st.state, 'ready', `step ${st.step}: ${JSON.stringify(st)}`);
        await page.locator('#tut button.next').click(); // the reader presses Next
        await page.waitForFunction((k) => document.getElementById('tut').step !== k, st.step, { timeout: 15000 });
      }
      st = await tutState(page);
      assert.equal(st.error, null, `step ${st.step}: ${st.error}`);
    }
    assert.equal(st.state, 'done', `ended in ${JSON.stringify(st)}`);
    assert.deepEqual([...new Set(seen)], [...Array(n).keys()], 'every step shown in order');
    // Control is handed to the reader: the clock runs, the diagrams stay draggable.
    const t0 = st.now;
    await page.waitForFunction((t) => document.getElementById('tut').now > t, t0, { timeout: 5000 });
    assert.equal(await page.locator('#tut button.next').isHidden(), true);
}

for (const name of SHIPPED) {
  test(`tutorial "${name}" runs to its end when a reader satisfies each wait`, async () => {
    const page = await openTutorial(name);
    await runToEnd(page);
    s.assertNoErrors(page);
    await page.close();
  });
}

test('the README\'s complete example is a valid tutorial that runs to its end', async () => {
  const readme = fs.readFileSync(path.join(WWW, '..', 'README.md'), 'utf8');
  const m = /## Tutorials and side by side[\s\S]*?```json\n([\s\S]*?)```/.exec(readme);
  assert.ok(m, 'README has a JSON example under "Tutorials and side by side"');
  const t = parseTutorial(m[1], 'README example');
  const page = await openTutorial('raft-figure-8');
  await page.evaluate((text) => document.getElementById('tut').load(text, 'README example'), m[1]);
  await runToEnd(page);
  assert.equal(await page.evaluate(() => document.getElementById('tut').playgrounds.length), t.playgrounds.length);
  s.assertNoErrors(page);
  await page.close();
});

test('CAP in one drag: the drag partitions both clusters; Raft\'s minority stalls while Dynamo flags a stale read', async () => {
  const page = await openTutorial('cap-in-one-drag');
  await satisfy(page, { for: 'leader' });
  await page.locator('#tut button.next').click();
  await page.waitForFunction(() => document.getElementById('tut').dataset.state === 'waiting');
  // Step 2 highlights the partition line, drawn over it.
  const hl = await page.evaluate(() => {
    const t = document.getElementById('tut');
    const boxes = [...t.shadowRoot.querySelectorAll('.hl')].filter((d) => !d.hidden).map((d) => ({ what: d.dataset.highlight, r: d.getBoundingClientRect().toJSON() }));
    const line = t.playgrounds[0].shadowRoot.querySelector('[data-partition-line] .vis').getBoundingClientRect().toJSON();
    return { boxes, line };
  });
  const lineBox = hl.boxes.find((b) => b.what === 'raft:target=partition-line');
  assert.ok(lineBox, `highlights: ${JSON.stringify(hl.boxes.map((b) => b.what))}`);
  assert.ok(lineBox.r.left <= hl.line.left && lineBox.r.right >= hl.line.right && lineBox.r.height >= hl.line.height, 'the highlight surrounds the line');
  await satisfy(page, { for: 'partition' });
  const [a, b] = [await sidesOf(page, '#tut', 0), await sidesOf(page, '#tut', 1)];
  assert.deepEqual(a, b, 'both diagrams put every server on the same side');
  assert.equal(a.n0, a.n1);
  assert.notEqual(a.n0, a.n2);
  assert.equal(await page.evaluate(() => document.getElementById('tut').dataset.state), 'ready');
  await page.locator('#tut button.next').click();
  await page.waitForFunction(() => document.getElementById('tut').step === 2);
  assert.equal((await advanceUntilReady(page)).state, 'ready', 'Raft commits on the majority side');
  await page.locator('#tut button.next').click();
  await page.waitForFunction(() => document.getElementById('tut').step === 3);
  assert.equal((await advanceUntilReady(page)).state, 'ready', 'Dynamo serves a stale read');
  const f = await page.evaluate(() => { const t = document.getElementById('tut'); t.pause(); t.advance(2000); return t.playgrounds.map((p) => p.state()); });
  const minSide = Number(a.n0);
  const raftMin = f[0].sides.find((x) => x.side === minSide), dynMin = f[1].sides.find((x) => x.side === minSide);
  assert.ok(raftMin.ok === 0 && raftMin.failed + raftMin.unknown + raftMin.pending > 0, `Raft minority: ${JSON.stringify(raftMin)}`);
  assert.ok(dynMin.ok > 0 && dynMin.availability >= 80, `Dynamo minority: ${JSON.stringify(dynMin)}`);
  assert.ok(f[1].consistency.stale_reads > 0);
  assert.equal(f[0].consistency.stale_reads, 0);
  s.assertNoErrors(page);
  await page.close();
});

test('Back replays the run (reader drags included) to the exact state the step began with; Next goes on', async () => {
  const page = await openTutorial('cap-in-one-drag');
  await satisfy(page, { for: 'leader' });
  await page.locator('#tut button.next').click();
  await page.waitForFunction(() => document.getElementById('tut').dataset.state === 'waiting');
  await satisfy(page, { for: 'partition' });
  // Enter step 3 and freeze the clock in the same task, then read its starting state.
  const start = await page.evaluate(async () => {
    const t = document.getElementById('tut');
    await t.next();
    t.pause();
    return { step: t.step, now: t.now, hashes: t.playgrounds.map((p) => p.state().trace_hash), groups: t.playgrounds.map((p) => p.state().groups) };
  });
  assert.equal(start.step, 2);
  assert.equal(start.groups[0].length, 2, 'partitioned');
  await advanceUntilReady(page);
  await page.locator('#tut button.next').click();
  await page.waitForFunction(() => document.getElementById('tut').step === 3);
  const late = await page.evaluate(() => document.getElementById('tut').advance(3000));
  // The reader presses Back: from step 4 to the start of step 3.
  await page.locator('#tut button.back').click();
  await page.waitForFunction(() => { const t = document.getElementById('tut'); return t.step === 2 && t.dataset.state !== 'loading'; }, null, { timeout: 15000 });
  const back = await page.evaluate(() => {
    const t = document.getElementById('tut');
    t.pause();
    return { step: t.step, now: t.now, hashes: t.playgrounds.map((p) => p.state().trace_hash), groups: t.playgrounds.map((p) => p.state().groups), text: t.shadowRoot.querySelector('.count').textContent };
  });
  assert.equal(back.text, 'step 3 of 5');
  assert.ok(back.now >= start.now && back.now < late, `back at ${back.now}: the step began at ${start.now}, Back was pressed at ${late}`);
  assert.deepEqual(back.groups, start.groups, 'the reader\'s drag was replayed');
  // restart step replays to exactly the recorded moment.
  const again = await page.evaluate(async () => {
    const t = document.getElementById('tut');
    await t.restartStep();
    t.pause();
    return { now: t.now, hashes: t.playgrounds.map((p) => p.state().trace_hash) };
  });
  assert.equal(again.now, start.now);
  assert.deepEqual(again.hashes, start.hashes, 'identical simulator state after the replay');
  // Forward to step 4 again, then back() (what the button calls), frozen in the same task: exact.
  await advanceUntilReady(page);
  const exact = await page.evaluate(async () => {
    const t = document.getElementById('tut');
    await t.next();
    t.advance(700);
    await t.back();
    t.pause();
    return { step: t.step, now: t.now, hashes: t.playgrounds.map((p) => p.state().trace_hash) };
  });
  assert.deepEqual(exact, { step: 2, now: start.now, hashes: start.hashes });
  // Back again (to step 2: before the drag), then the reader's steps forward work again.
  await page.evaluate(() => document.getElementById('tut').back());
  const s2 = await page.evaluate(() => { const t = document.getElementById('tut'); return { step: t.step, groups: t.playgrounds[0].state().groups.length, state: t.dataset.state }; });
  assert.deepEqual(s2, { step: 1, groups: 1, state: 'waiting' });
  await satisfy(page, { for: 'partition' });
  await page.locator('#tut button.next').click();
  await page.waitForFunction(() => document.getElementById('tut').step === 2);
  s.assertNoErrors(page);
  await page.close();
});

test('Figure 8: Back from a paused step returns to the same moment and log state', async () => {
  const page = await openTutorial('raft-figure-8');
  await advanceUntilReady(page);
  const a = await page.evaluate(() => { const t = document.getElementById('tut'); return { now: t.now, hash: t.playgrounds[0].state().trace_hash }; });
  assert.equal(a.now, 390, 'the "time" wait stops the clock exactly at 390 ms');
  await page.locator('#tut button.next').click(); // Next resumes the clock, which stops at the next wait
  await page.waitForFunction(() => document.getElementById('tut').dataset.state === 'ready', null, { timeout: 15000 });
  const b = await page.evaluate(() => { const t = document.getElementById('tut'); return { now: t.now, paused: t.paused }; });
  assert.deepEqual(b, { now: 590, paused: true });
  const c = await page.evaluate(async () => {
    const t = document.getElementById('tut');
    await t.back();
    t.pause(); // step 1 plays the clock: freeze it in the same task
    return { now: t.now, step: t.step, state: t.dataset.state };
  });
  assert.deepEqual(c, { now: 0, step: 0, state: 'waiting' }, 'step 1 starts at t = 0');
  await advanceUntilReady(page);
  const d = await page.evaluate(() => { const t = document.getElementById('tut'); return { now: t.now, hash: t.playgrounds[0].state().trace_hash }; });
  assert.deepEqual(d, a, 'the same run again, to the same state');
  s.assertNoErrors(page);
  await page.close();
});

test('a tutorial title, label and narration with HTML in them are shown as text', async () => {
  const page = await openTutorial('raft-figure-8');
  const evil = '<img src=x onerror=alert(1)>';
  const r = await page.evaluate(async (evil) => {
    const t = document.getElementById('tut');
    await t.load({ title: evil, playgrounds: [{ id: 'a', label: evil, scenario: { protocol: 'raft', nodes: 3, name: evil } }], steps: [{ text: evil }], end: evil }, 'evil.json');
    const root = t.shadowRoot;
    return { title: root.querySelector('.title').textContent, text: root.querySelector('.text').textContent, label: root.querySelector('figcaption').textContent, imgs: root.querySelectorAll('img').length + document.querySelectorAll('img').length, state: t.dataset.state };
  }, evil);
  assert.deepEqual(r, { title: evil, text: evil, label: evil, imgs: 0, state: 'ready' });
  await page.locator('#tut button.next').click();
  await page.waitForFunction(() => document.getElementById('tut').dataset.state === 'done');
  assert.equal(await page.evaluate(() => document.getElementById('tut').shadowRoot.querySelector('.text').textContent), evil);
  await page.waitForTimeout(200);
  assert.deepEqual(page.dialogs, [], 'no script ran');
  s.assertNoErrors(page, { ignore: [/http 404: .*\/x$/, /requestfailed: .*\/x /] });
  await page.close();
});

test('a malformed tutorial file shows what was wrong and what is accepted', async () => {
  await s.context.route('**/tutorials/broken.json', (route) => route.fulfill({
    contentType: 'application/json',
    body: JSON.stringify({ title: 'Broken', playgrounds: [{ id: 'a', scenario: 'raft-basic' }], steps: [{ text: 'hi', wait: { for: 'leaderr' } }] }),
  }));
  await s.context.route('**/tutorials/notjson.json', (route) => route.fulfill({ contentType: 'application/json', body: '{"title": "x",' }));
  for (const [name, re] of [
    ['broken', /steps\[0\]\.wait\.for: "leaderr" is not a condition\. Accepted: "leader", "partition"/],
    ['notjson', /not valid JSON .*Accepted: a JSON object with "title", "playgrounds" and "steps"/],
    ['no-such-tutorial', /could not be loaded \(HTTP 404\)\. Accepted: the URL of a tutorial JSON file/],
  ]) {
    const page = await openTutorial(name);
    const st = await tutState(page);
    assert.equal(st.state, 'error', name);
    assert.match(st.error, re);
    assert.equal(await page.locator('#tut .err').isVisible(), true);
    s.assertNoErrors(page, { ignore: [/no-such-tutorial\.json/, /404/] });
    await page.close();
  }
  await s.context.unrouteAll();
});

test('tutorials.html lists the shipped tutorials and index.html links to both pages', async () => {
  const page = await s.open('/tutorials.html');
  await page.waitForSelector('[data-tutorial]');
  const names = await page.locator('[data-tutorial]').evaluateAll((as) => as.map((a) => a.dataset.tutorial));
  assert.deepEqual(names, SHIPPED);
  const home = await s.open('/index.html');
  assert.equal(await home.locator('a[href="./tutorials.html"]').count(), 1);
  assert.equal(await home.locator('a[href="./compare.html"]').count(), 1);
  s.assertNoErrors(page);
  await page.close();
  await home.close();
});

test('compare.html: one drag partitions both clusters, in either diagram; both scoreboards update', async () => {
  const page = await s.open('/compare.html');
  await page.waitForFunction(() => document.getElementById('cmp')?.dataset.state === 'done', null, { timeout: 15000 });
  await page.evaluate(() => { const c = document.getElementById('cmp'); c.pause(); c.advance(1500); });
  const before = await page.evaluate(() => [...document.getElementById('cmp').shadowRoot.querySelectorAll('.summary tbody tr')].map((tr) => tr.cells[1].textContent));
  // Drag n1 across the line in the Raft diagram: both clusters put n1 on the same side.
  await dragNode(page, '#cmp', 0, 1, { x: 560, y: 200 });
  let [a, b] = [await sidesOf(page, '#cmp', 0), await sidesOf(page, '#cmp', 1)];
  assert.notEqual(a.n1, a.n0);
  assert.deepEqual(a, b, 'same data-side for every server in both diagrams');
  // Then n0, in the Dynamo diagram: mirrored back to Raft.
  await dragNode(page, '#cmp', 1, 0, { x: 560, y: 100 });
  [a, b] = [await sidesOf(page, '#cmp', 0), await sidesOf(page, '#cmp', 1)];
  assert.equal(a.n0, a.n1);
  assert.deepEqual(a, b);
  const r = await page.evaluate(() => {
    const c = document.getElementById('cmp');
    // Until Dynamo has a stale read and Raft's minority has seen an operation end (timeouts: 800 ms).
    const minDone = () => c.playgrounds[0].state().sides.some((x) => x.side === Number(c.playgrounds[0].state().nodes[0].side) && x.availability != null);
    for (let i = 0; i < 80 && !(c.playgrounds[1].state().consistency.stale_reads > 0 && minDone()); i++) c.advance(250);
    const f = c.playgrounds.map((p) => p.state());
    const rows = [...c.shadowRoot.querySelectorAll('.summary tbody tr')].map((tr) => ({ a: tr.cells[1].textContent, b: tr.cells[2].textContent, stale: tr.dataset.stale }));
    const cols = c.playgrounds.map((p) => p.shadowRoot.querySelectorAll('.score .col').length);
    return { f, rows, cols, now: c.now };
  });
  assert.deepEqual(r.cols, [2, 2], 'each scoreboard has a column per side');
  const minSide = Number(a.n0);
  const raftMin = r.f[0].sides.find((x) => x.side === minSide), dynMin = r.f[1].sides.find((x) => x.side === minSide);
  assert.equal(raftMin.ok, 0, `Raft's minority completes nothing: ${JSON.stringify(raftMin)}`);
  assert.ok(dynMin.ok > 0, `Dynamo's minority keeps answering: ${JSON.stringify(dynMin)}`);
  assert.ok(r.f[1].consistency.stale_reads > 0, 'Dynamo gets flagged stale reads');
  assert.equal(r.f[0].consistency.stale_reads, 0);
  // The side-by-side table shows both, updated since before the drag.
  assert.notDeepEqual(r.rows.map((x) => x.a), before);
  assert.match(r.rows[0][minSide ? 'b' : 'a'], /^0% available/);
  assert.ok(Number(r.rows[1].stale) > 0);
  // restart: both clusters start again from t = 0, whole.
  await page.locator('#cmp .tut > .bar [data-action="reset"]').click();
  await page.waitForFunction(() => document.getElementById('cmp').dataset.state === 'done');
  const z = await page.evaluate(() => { const c = document.getElementById('cmp'); c.pause(); return { now: c.now, groups: c.playgrounds.map((p) => p.state().groups.length) }; });
  assert.ok(z.now < 500, `restarted at ${z.now}`);
  assert.deepEqual(z.groups, [1, 1]);
  s.assertNoErrors(page);
  await page.close();
});

test('<cap-compare> with a bad attribute says what is accepted', async () => {
  const page = await s.open('/compare.html');
  const msg = await page.evaluate(async () => {
    const c = document.createElement('cap-compare');
    c.setAttribute('left', 'paxoss');
    c.setAttribute('nodes', '12');
    document.body.append(c);
    await new Promise((r) => setTimeout(r, 100));
    return { state: c.dataset.state, text: c.shadowRoot.querySelector('.err').textContent };
  });
  assert.equal(msg.state, 'error');
  // Every protocol of the manifest is listed as accepted, in its order.
  const accepted = PROTOCOLS.map((p) => p.name).join(', ');
  assert.ok(msg.text.includes(`left="paxoss" is not a protocol. Accepted: ${accepted}.`), msg.text);
  assert.match(msg.text, /nodes="12" is not accepted: use a whole number from 2 to 9/);
  await page.close();
});

test('tutorial, tutorials and compare pages work under the strict CSP with no violation and no outside request', async () => {
  const server = await startServer({ root: WWW, port: 0, csp: true });
  const ctx = await s.browser.newContext({ viewport: { width: 1200, height: 1000 } });
  try {
    await ctx.addInitScript(() => {
      window.__csp = [];
      document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`), true);
    });
    for (const [p, host, want] of [['tutorial.html?t=cap-in-one-drag', '#tut', ['waiting', 'ready']], ['compare.html', '#cmp', ['done']], ['tutorials.html', null, null]]) {
      const page = await ctx.newPage();
      watchPage(page);
      const requests = [];
      page.on('request', (r) => requests.push(r.url()));
      await page.goto(new URL(p, server.url).href);
      if (host) {
        await page.waitForFunction(({ host, want }) => want.includes(document.querySelector(host)?.dataset.state), { host, want }, { timeout: 15000 });
        await page.evaluate((host) => document.querySelector(host).advance(2000), host);
        // Styles came through: the highlight / bar are laid out (a blocked sheet would leave them unstyled).
        assert.equal(await page.evaluate((host) => getComputedStyle(document.querySelector(host).shadowRoot.querySelector('.bar')).display, host), 'flex');
      } else await page.waitForSelector('[data-tutorial]');
      assert.deepEqual(await page.evaluate(() => window.__csp), [], `${p}: CSP violations`);
      assert.deepEqual(page.capErrors, [], `${p}: console errors`);
      const outside = requests.filter((u) => new URL(u).origin !== new URL(server.url).origin);
      assert.deepEqual(outside, [], `${p}: requests outside the origin`);
      await page.close();
    }
  } finally {
    await ctx.close();
    await server.close();
  }
});

test('compare.html by keyboard: arrow keys move a focused server across the line in both clusters; space toggles the shared clock', async () => {
  const page = await s.open('/compare.html');
  await page.waitForFunction(() => document.getElementById('cmp')?.dataset.state === 'done', null, { timeout: 15000 });
  await page.evaluate(() => document.getElementById('cmp').pause());
  const node = page.locator('#cmp cap-playground').nth(1).locator('[data-node-id="n1"]');
  await node.focus();
  for (let i = 0; i < 8; i++) await page.keyboard.press('ArrowRight');
  const [a, b] = [await sidesOf(page, '#cmp', 0), await sidesOf(page, '#cmp', 1)];
  assert.notEqual(b.n1, b.n0, `n1 moved across the line: ${JSON.stringify(b)}`);
  assert.deepEqual(a, b, 'the other cluster follows');
  await page.keyboard.press(' ');
  assert.equal(await page.evaluate(() => document.getElementById('cmp').paused), false, 'space plays the shared clock');
  await page.keyboard.press(' ');
  const st = await page.evaluate(() => { const c = document.getElementById('cmp'); return { paused: c.paused, own: c.playgrounds.map((p) => p.paused) }; });
  assert.deepEqual(st, { paused: true, own: [true, true] }, 'the elements never run their own clocks');
  s.assertNoErrors(page);
  await page.close();
});
