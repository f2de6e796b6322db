// <cap-playground> end to end: real pointer gestures against the real wasm simulator.
// Simulated time is driven through the element API (pause + advance), never by wall-clock sleeps;
// wall-clock waits only poll for something that must happen, or check that nothing happens.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSession, waitForDiagram, watchPage } from './helpers.mjs';

// A quiet run: 5 servers, one client on n0 and one on n4, no random workload.
const QUIET = { name: 'test: quiet 5', protocol: 'raft', nodes: 5, seed: 11, clients: [{ node: 0 }, { node: 4 }], until: 1000000 };
const PANIC_NOISE = [/panicked|debugPanic|unreachable|RuntimeError/i];

let s;
before(async () => {
  s = await startSession();
  // Count every rAF callback on the page (not just the element's own counter).
  await s.context.addInitScript(() => {
    window.__raf = 0;
    const raf = window.requestAnimationFrame.bind(window);
    window.requestAnimationFrame = (cb) => raf((t) => { window.__raf++; cb(t); });
  });
});
after(async () => { await s?.close(); });

/** Open index.html, wait for the diagram, pause the element and load `scenario` if given. */
async function openPaused(scenario, opts = {}) {
  const page = await s.open('/', opts);
  await waitForDiagram(page, { minNodes: 5, timeout: 15000 });
  await page.evaluate(async (sc) => {
    const el = document.querySelector('cap-playground');
    await el.ready;
    el.pause();
    if (sc) await el.loadScenario(sc);
    window.__ops = [];
    el.addEventListener('client-op-complete', (e) => window.__ops.push(e.detail));
  }, scenario ?? null);
  return page;
}

/** Advance the first element in `step` ms chunks until pred(frame) holds; returns the frame. */
async function advanceUntil(page, predSrc, { step = 50, max = 5000, sel = 'cap-playground' } = {}) {
  return page.evaluate(({ predSrc, step, max, sel }) => {
    const el = document.querySelector(sel);
    const pred = new Function('f', 'ops', `return (${predSrc})`); // test-side only
    for (let t = 0; t <= max; t += step) {
      const f = el.state();
      if (pred(f, window.__ops || [])) return { ok: true, f, waited: t };
      el.advance(step);
    }
    return { ok: false, f: el.state() };
  }, { predSrc, step, max, sel });
}

const leaders = (f) => f.nodes.filter((n) => n.alive && n.role === 'leader');
const center = async (loc) => { const b = await loc.boundingBox(); return { x: b.x + b.width / 2, y: b.y + b.height / 2 }; };

test('index page loads with no console error and elects a leader within 3 s of simulated time', async () => {
  const page = await openPaused(QUIET);
  const r = await advanceUntil(page, 'f.nodes.some((n) => n.role === "leader")', { max: 3000 });
  assert.ok(r.ok, `no leader after 3000 simulated ms (seed ${r.f.seed})`);
  const roles = await page.locator('cap-playground [data-node-id]').evaluateAll((es) => es.map((e) => e.dataset.role));
  assert.equal(roles.filter((x) => x === 'leader').length, 1, `roles ${roles}`);
  assert.equal(await page.locator('cap-playground [data-partition-line]').count(), 1);
  assert.equal(await page.locator('cap-playground [data-client-id]').count(), 2);
  s.assertNoErrors(page);
  await page.close();
});

test('a real mouse drag of two servers partitions 3|2: majority commits a write, minority commits nothing, heal reconciles', async () => {
  const page = await openPaused(QUIET);
  let r = await advanceUntil(page, 'f.nodes.some((n) => n.role === "leader") && f.nodes.every((n) => n.commit_index >= 1)', { max: 3000 });
  assert.ok(r.ok, 'no leader / initial commit');
  const leader = leaders(r.f)[0].id;
  // Move the leader and one other server (not n4, whose client stays behind on the majority side).
  const other = [0, 1, 2, 3].find((i) => i !== leader);
  const moved = [leader, other];
  const line = await page.locator('cap-playground [data-partition-line] .vis').boundingBox();
  let k = 0;
  for (const id of moved) {
    const from = await center(page.locator(`cap-playground [data-node-id="n${id}"]`));
    await page.mouse.move(from.x, from.y);
    await page.mouse.down();
    await page.mouse.move(line.x + 80, line.y + 120 + 150 * k++, { steps: 12 });
    await page.mouse.up();
  }
  const sides = await page.locator('cap-playground [data-node-id]').evaluateAll((es) => Object.fromEntries(es.map((e) => [e.dataset.nodeId, e.dataset.side])));
  const minoritySide = sides[`n${moved[0]}`];
  assert.equal(sides[`n${moved[1]}`], minoritySide, `moved nodes on different sides: ${JSON.stringify(sides)}`);
  const stay = [0, 1, 2, 3, 4].filter((i) => !moved.includes(i));
  for (const i of stay) assert.notEqual(sides[`n${i}`], minoritySide, `n${i} should be on the majority side: ${JSON.stringify(sides)}`);
  let f = await page.evaluate(() => document.querySelector('cap-playground').state());
  assert.equal(f.groups.length, 2, `groups ${JSON.stringify(f.groups)}`);

  const majClient = f.clients.find((c) => String(c.side) !== minoritySide);
  assert.ok(majClient, 'a client on the majority side');
  const minCommit = Object.fromEntries(moved.map((i) => [i, f.nodes[i].commit_index]));

  // The majority (re-)elects a leader of its own first.
  r = await advanceUntil(page, `f.nodes.some((n) => n.role === 'leader' && ${JSON.stringify(stay)}.includes(n.id))`, { max: 3000 });
  assert.ok(r.ok, 'no leader on the majority side');
  await page.evaluate((c) => document.querySelector('cap-playground').submit({ client: c, f: 'write', key: 'x', value: 42 }), majClient.id);
  r = await advanceUntil(page, `ops.some((o) => o.client === ${majClient.id} && o.label === 'write x=42')`, { max: 5000 });
  assert.ok(r.ok, 'the majority-side write never completed');
  const op = (await page.evaluate(() => window.__ops)).find((o) => o.label === 'write x=42');
  assert.equal(op.outcome, 'ok', `majority write: ${JSON.stringify(op)}`);
  f = r.f;
  const majLeaders = leaders(f).filter((n) => !moved.includes(n.id));
  assert.equal(majLeaders.length, 1, 'one leader on the majority side');
  // The minority keeps its old commit index while partitioned, however long we wait.
  f = await page.evaluate(() => { const el = document.querySelector('cap-playground'); el.advance(2000); return el.state(); });
  for (const i of moved) assert.equal(f.nodes[i].commit_index, minCommit[i], `minority n${i} commit advanced`);

  // Heal from the UI; after a while: one leader and identical logs.
  await page.locator('cap-playground [data-action="heal"]').click();
  f = await page.evaluate(() => document.querySelector('cap-playground').state());
  assert.equal(f.groups.length, 1, 'heal restored one group');
  r = await advanceUntil(page, `(() => { const L = f.nodes.filter((n) => n.role === 'leader'); const a = f.nodes[0];
    return L.length === 1 && f.nodes.every((n) => n.last_index === a.last_index && n.commit_index === a.commit_index
      && n.term === a.term && (n.log.at(-1)?.term) === (a.log.at(-1)?.term)); })()`, { max: 4000, step: 100 });
  assert.ok(r.ok, `logs did not converge after heal: ${JSON.stringify(r.f.nodes.map((n) => [n.id, n.role, n.term, n.last_index, n.commit_index]))}`);
  const sidesAfter = await page.locator('cap-playground [data-node-id]').evaluateAll((es) => es.map((e) => e.dataset.side));
  assert.deepEqual([...new Set(sidesAfter)], ['0']);
  s.assertNoErrors(page);
  await page.close();
});

test('crashing the leader from the node panel (click node → crash) leads to a new leader', async () => {
  const page = await openPaused(QUIET);
  let r = await advanceUntil(page, 'f.nodes.some((n) => n.role === "leader")', { max: 3000 });
  const old = leaders(r.f)[0];
  await page.mouse.click(...Object.values(await center(page.locator(`cap-playground [data-node-id="n${old.id}"]`))));
  const panel = page.locator('cap-playground .node-panel');
  await panel.waitFor({ state: 'visible' });
  assert.match(await panel.locator('h4').textContent(), new RegExp(`n${old.id} — leader`));
  await panel.locator('[data-action="crash"]').click();
  assert.equal(await page.locator(`cap-playground [data-node-id="n${old.id}"]`).getAttribute('data-role'), 'crashed');
  r = await advanceUntil(page, `f.nodes.some((n) => n.role === 'leader' && n.id !== ${old.id} && n.term > ${old.term})`, { max: 4000 });
  assert.ok(r.ok, 'no new leader after the crash');
  s.assertNoErrors(page);
  await page.close();
});

test('two elements on one page are independent: pausing one leaves the other running; seeds decide the run', async () => {
  const page = await s.open('/');
  await page.evaluate(async () => {
    document.querySelector('cap-playground').pause();
    for (const [id, seed, paused] of [['a', 1, true], ['b', 2, false], ['c', 1, true], ['d', 2, true]]) {
      const el = document.createElement('cap-playground');
      el.id = id;
      el.setAttribute('seed', String(seed));
      el.setAttribute('speed', '1');
      if (paused) el.setAttribute('paused', '');
      document.body.append(el);
    }
    await Promise.all(['a', 'b', 'c', 'd'].map((id) => document.getElementById(id).ready));
  });
  const now = (id) => page.evaluate((id) => document.getElementById(id).state().now, id);
  const a0 = await now('a');
  await page.waitForFunction(() => document.getElementById('b').state().now > 300, null, { timeout: 10000 });
  assert.equal(await now('a'), a0, 'the paused element advanced');
  assert.equal(await page.evaluate(() => document.getElementById('a').metrics.frames), 0, 'rAF callbacks on a paused element');
  const h = await page.evaluate(() => Object.fromEntries(['a', 'c', 'd'].map((id) => {
    const el = document.getElementById(id);
    el.advance(2000 - el.state().now);
    return [id, el.state().trace_hash];
  })));
  assert.equal(h.a, h.c, 'same seed, same time → same trace hash');
  assert.notEqual(h.a, h.d, 'different seeds → different trace hashes');
  s.assertNoErrors(page);
  await page.close();
});

test('bad attributes show a readable message listing what is accepted', async () => {
  const page = await s.open('/');
  const msgs = await page.evaluate(async () => {
    const out = {};
    for (const [attr, val] of [['protocol', 'nope'], ['nodes', '0'], ['seed', 'abc']]) {
      const el = document.createElement('cap-playground');
      el.setAttribute(attr, val);
      document.body.append(el);
      const box = el.shadowRoot.querySelector('.attr-error');
      for (let i = 0; i < 100 && box.hidden; i++) await new Promise((r) => setTimeout(r, 50));
      out[attr] = box.hidden ? null : box.textContent;
    }
    return out;
  });
  assert.match(msgs.protocol ?? '', /nope/);
  assert.match(msgs.protocol ?? '', /Accepted protocols: .*raft/);
  assert.match(msgs.nodes ?? '', /1\.\.=9|1 to 9/);
  assert.match(msgs.seed ?? '', /whole number/);
  s.assertNoErrors(page);
  await page.close();
});

test('a touch drag (pointerType touch) moves a server across the line', async () => {
  const ctx = await s.browser.newContext({ hasTouch: true, viewport: { width: 800, height: 900 } });
  const page = await ctx.newPage();
  watchPage(page);
  await page.goto(s.url('/'));
  await waitForDiagram(page, { minNodes: 5, timeout: 15000 });
  await page.evaluate(async (sc) => { const el = document.querySelector('cap-playground'); await el.ready; el.pause(); await el.loadScenario(sc); }, QUIET);
  await page.evaluate(() => {
    window.__ptypes = [];
    document.querySelector('cap-playground').shadowRoot.querySelector('svg').addEventListener('pointerdown', (e) => window.__ptypes.push(e.pointerType));
  });
  const node = page.locator('cap-playground [data-node-id="n1"]');
  const before = await node.getAttribute('data-side');
  const from = await center(node);
  const line = await page.locator('cap-playground [data-partition-line] .vis').boundingBox();
  const cdp = await ctx.newCDPSession(page);
  const touch = (type, x, y) => cdp.send('Input.dispatchTouchEvent', { type, touchPoints: type === 'touchEnd' ? [] : [{ x, y, id: 1 }] });
  await touch('touchStart', from.x, from.y);
  for (let i = 1; i <= 10; i++) await touch('touchMove', from.x + ((line.x + 70 - from.x) * i) / 10, from.y);
  await touch('touchEnd');
  await page.waitForFunction(() => document.querySelector('cap-playground').state().groups.length === 2, null, { timeout: 3000 });
  assert.deepEqual(await page.evaluate(() => window.__ptypes), ['touch']);
  assert.notEqual(await node.getAttribute('data-side'), before);
  assert.deepEqual(page.capErrors, []);
  await ctx.close();
});

test('keyboard: arrow keys move a focused server across the line; space toggles pause inside the element', async () => {
  const page = await openPaused(QUIET);
  const node = page.locator('cap-playground [data-node-id="n1"]');
  await node.focus();
  for (let i = 0; i < 12; i++) await page.keyboard.press('ArrowRight');
  assert.equal(await node.getAttribute('data-side'), '1');
  await page.keyboard.press('Space');
  assert.equal(await page.evaluate(() => document.querySelector('cap-playground').paused), false);
  await page.keyboard.press('Space');
  assert.equal(await page.evaluate(() => document.querySelector('cap-playground').paused), true);
  s.assertNoErrors(page);
  await page.close();
});

test('a wasm panic shows the banner in that element only; the other keeps running; restart recovers', async () => {
  const page = await s.open('/');
  await page.evaluate(async () => {
    const el2 = document.createElement('cap-playground');
    el2.id = 'other';
    el2.setAttribute('speed', '1');
    document.body.append(el2);
    await Promise.all([document.querySelector('cap-playground').ready, el2.ready]);
  });
  const thrown = await page.evaluate(() => {
    const el = document.querySelector('cap-playground');
    try { el.debugPanic(); return null; } catch (e) { return String(e); }
  });
  assert.match(thrown ?? '', /unreachable|RuntimeError/);
  const banner = page.locator('cap-playground >> nth=0').locator('.banner');
  assert.equal(await banner.isVisible(), true);
  assert.match(await banner.textContent(), /simulator stopped.*RuntimeError/s);
  const t0 = await page.evaluate(() => document.getElementById('other').state().now);
  await page.waitForFunction((t0) => document.getElementById('other').state().now > t0 + 200, t0, { timeout: 10000 });
  assert.equal(await page.evaluate(() => document.getElementById('other').advance(100) > 0), true);
  await banner.locator('[data-action="restart-sim"]').click();
  assert.equal(await banner.isVisible(), false);
  assert.equal(await page.evaluate(() => { const el = document.querySelector('cap-playground'); el.pause(); const t = el.state().now; return el.advance(500) - t; }), 500);
  s.assertNoErrors(page, { ignore: PANIC_NOISE });
  await page.close();
});

test('no rAF callbacks while paused (and frames while playing)', async () => {
  const page = await s.open('/');
  await waitForDiagram(page, { minNodes: 5, timeout: 15000 });
  await page.evaluate(async () => { await document.querySelector('cap-playground').ready; });
  await page.waitForFunction(() => document.querySelector('cap-playground').metrics.frames > 5, null, { timeout: 5000 });
  await page.evaluate(() => document.querySelector('cap-playground').pause());
  await page.waitForTimeout(100);
  const before = await page.evaluate(() => [window.__raf, document.querySelector('cap-playground').metrics.frames]);
  await page.waitForTimeout(1000);
  const afterPause = await page.evaluate(() => [window.__raf, document.querySelector('cap-playground').metrics.frames]);
  assert.deepEqual(afterPause, before, 'rAF callbacks ran while paused');
  const m = await page.evaluate(() => { const x = document.querySelector('cap-playground').metrics; return { last: x.lastFrameMs, n: x.frameIndex }; });
  assert.ok(m.n > 0 && m.last >= 0);
  s.assertNoErrors(page);
  await page.close();
});

test('events fire once: client-op-complete per (client, request id), leader-elected per notice; the write form reports its own request', async () => {
  const page = await openPaused(QUIET);
  await page.evaluate(() => {
    window.__le = [];
    document.querySelector('cap-playground').addEventListener('leader-elected', (e) => window.__le.push(e.detail));
  });
  let r = await advanceUntil(page, 'f.nodes.some((n) => n.role === "leader") && f.nodes.every((n) => n.commit_index >= 1)', { max: 3000 });
  assert.ok(r.ok, 'no leader / initial commit');
  // Three API writes from c1, one from c0, then one through the form from c0 while c0 is still
  // busy (queued behind its first): the form must report its own write, not c0's first.
  for (const v of [1, 2, 3]) await page.evaluate((v) => document.querySelector('cap-playground').submit({ client: 1, f: 'write', key: 'y', value: v }), v);
  await page.evaluate(() => document.querySelector('cap-playground').submit({ client: 0, f: 'write', key: 'y', value: 9 }));
  await page.locator('cap-playground details.more summary').click();
  await page.locator('cap-playground select.client').selectOption('0');
  await page.locator('cap-playground input.key').fill('z');
  await page.locator('cap-playground input.value').fill('7');
  await page.locator('cap-playground [data-action="write"]').click();
  r = await advanceUntil(page, `ops.filter((o) => o.client === 1).length >= 3 && ops.filter((o) => o.client === 0).length >= 2`, { max: 5000, step: 20 });
  assert.ok(r.ok, `operations did not complete: ${JSON.stringify(await page.evaluate(() => window.__ops))}`);
  await page.evaluate(() => { const el = document.querySelector('cap-playground'); for (let i = 0; i < 20; i++) el.advance(10); });
  const ops = await page.evaluate(() => window.__ops);
  assert.ok(ops.every((o) => Number.isInteger(o.request)), `request ids: ${JSON.stringify(ops)}`);
  const keys = ops.map((o) => `${o.client}:${o.request}`);
  assert.equal(new Set(keys).size, keys.length, `an operation was reported twice: ${keys}`);
  assert.deepEqual(ops.filter((o) => o.client === 1).map((o) => o.label), ['write y=1', 'write y=2', 'write y=3']);
  assert.deepEqual(ops.filter((o) => o.client === 0).map((o) => o.label), ['write y=9', 'write z=7']);
  assert.match(await page.locator('cap-playground .write-out').textContent(), /^write z=7 → ✓ ok/);
  const le = await page.evaluate(() => window.__le);
  const lk = le.map((e) => `${e.node}@${e.term}`);
  assert.ok(le.length >= 1 && new Set(lk).size === lk.length, `leader-elected: ${lk}`);
  s.assertNoErrors(page);
  await page.close();
});

test('a crashed server shows its durable state: term, vote and log in the node panel, its log row dimmed', async () => {
  const page = await openPaused(QUIET);
  let r = await advanceUntil(page, 'f.nodes.some((n) => n.role === "leader") && f.nodes.every((n) => n.commit_index >= 1)', { max: 3000 });
  assert.ok(r.ok, 'no leader / initial commit');
  await page.evaluate(() => { const el = document.querySelector('cap-playground'); el.submit({ client: 0, f: 'write', key: 'x', value: 5 }); el.advance(1000); });
  const id = leaders(await page.evaluate(() => document.querySelector('cap-playground').state()))[0].id;
  const f = await page.evaluate((id) => { const el = document.querySelector('cap-playground'); el.crash(id); return el.state(); }, id);
  const nd = f.nodes[id];
  assert.equal(nd.alive, false);
  assert.ok(nd.term >= 1 && nd.last_index >= 2 && nd.log.length >= 2, `durable view: ${JSON.stringify(nd)}`);
  await page.mouse.click(...Object.values(await center(page.locator(`cap-playground [data-node-id="n${id}"]`))));
  const panel = page.locator('cap-playground .node-panel');
  await panel.waitFor({ state: 'visible' });
  assert.match(await panel.locator('h4').textContent(), new RegExp(`n${id} — crashed`));
  const dl = await panel.locator('dl').textContent();
  assert.match(dl, new RegExp(`durable stateterm ${nd.term}, voted for n${nd.voted_for}, log #1–#${nd.last_index} \\(last term ${nd.log.at(-1).term}\\)`));
  assert.equal(await panel.locator('[data-action="restart"]').isDisabled(), false);
  const row = page.locator(`cap-playground svg.log g[data-r="${id}"]`);
  assert.equal(await row.getAttribute('class'), 'row down');
  const terms = await row.locator('text').allTextContents();
  assert.ok(terms.filter((x) => /^\d+$/.test(x)).length >= 2, `crashed row cells: ${terms}`);
  // The scoreboard says over which window it counts.
  await page.evaluate(() => { const el = document.querySelector('cap-playground'); el.setPartition([['n0', 'n1', 'c0'], ['n2', 'n3', 'n4', 'c1']]); el.advance(500); });
  const since = await page.evaluate(() => document.querySelector('cap-playground').state().sides_since);
  assert.match(await page.locator('cap-playground .since').textContent(), new RegExp(`since t = ${(since / 1000).toFixed(1)} s`));
  s.assertNoErrors(page);
  await page.close();
});
