// Long replays never freeze the page and never run away (issue 18, item 4): a long seek runs in
// slices with a progress bar (the page keeps running its own tasks meanwhile) and lands exactly
// where a straight run does; Cancel goes back to where the seek started; a seek or a share link
// beyond the bound (10 simulated minutes of replay) asks inside the element first, and declining
// leaves the page responsive (a link: unopened, with a message, the default run playing); an
// absurd seek(ms) is refused with a message. No wall-clock sleeps: every wait is on the DOM.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSession, openPausedAtZero } from './helpers.mjs';

let s;
before(async () => { s = await startSession(); });
after(async () => { await s?.close(); });

const HOUR = 3600000;

const openPaused = (p) => openPausedAtZero(s, p);

/** A share link's fragment value for a default Raft run (5 servers, seed 1) with no actions that claims to end at `endMs`. */
function hugeLink(endMs, events) {
  const bytes = [];
  const u = (n) => { n = BigInt(n); do { let b = Number(n & 0x7fn); n >>= 7n; if (n) b |= 0x80; bytes.push(b); } while (n); };
  u(0); u(5); u(1); // default run: 5 nodes, seed 1
  u(0); // no actions
  u(endMs); u(events); // the end
  u(0); u(0); // the moment to land at
  for (let i = 0; i < 8; i++) bytes.push(0); // trace hash
  return `1.raft.${Buffer.from(bytes).toString('base64url')}`;
}

test('a long seek runs in slices with a progress bar, the page runs meanwhile, and it lands where a straight run does', async () => {
  const page = await openPaused();
  const r = await page.evaluate(async () => {
    const el = document.querySelector('cap-playground'), root = el.shadowRoot;
    const box = root.querySelector('.tt-job'), bar = root.querySelector('.tt-progress');
    const p = el.seek(540000); // 9 simulated minutes: under the bound, so no question, but many slices
    const isPromise = p instanceof Promise, shownAtOnce = !box.hidden;
    const seen = [];
    let done = false;
    (function poll() { if (done) return; seen.push(Number(bar.value)); setTimeout(poll, 0); })();
    const t = await p;
    done = true;
    const got = el.state();
    const hiddenAfter = box.hidden;
    // The straight run: from 0 to the same moment in one synchronous advance.
    el.seek(0);
    el.advance(540000);
    return { isPromise, shownAtOnce, seen, t, hiddenAfter, hash: got.trace_hash, now: got.now, straight: el.state().trace_hash };
  });
  assert.ok(r.isPromise, 'a long seek returns a Promise');
  assert.ok(r.shownAtOnce, 'the progress bar shows as soon as the seek goes long');
  assert.equal(r.t, 540000);
  assert.equal(r.now, 540000);
  assert.ok(r.hiddenAfter, 'the progress bar goes away when the seek ends');
  assert.ok(r.seen.length >= 3, `the page ran its own tasks during the seek (${r.seen.length} polls)`);
  assert.ok(r.seen.some((v) => v > 0 && v < 1), `the bar showed progress on the way: ${r.seen.slice(0, 20).join(', ')}`);
  assert.equal(r.hash, r.straight, 'sliced or straight: the same state');
  // A short seek is still synchronous and returns the time.
  assert.equal(await page.evaluate(() => document.querySelector('cap-playground').seek(1234)), 1234);
  s.assertNoErrors(page);
});

test('a seek beyond the bound asks first; declining or Cancel leaves the element where it was', async () => {
  const page = await openPaused();
  const before = await page.evaluate(() => {
    const el = document.querySelector('cap-playground');
    el.advance(3000);
    const f = el.state();
    return { now: f.now, hash: f.trace_hash, end: el.runTimeline().end };
  });
  assert.equal(before.now, 3000);
  const ask = page.locator('cap-playground .tt-ask');
  // 1. Asked, declined: nothing replayed.
  await page.evaluate((h) => { window.__p = document.querySelector('cap-playground').seek(20 * h); }, HOUR);
  await ask.waitFor({ state: 'visible', timeout: 5000 });
  const text = await ask.textContent();
  assert.match(text, /20 hours/, text);
  assert.match(text, /more than 10 minutes/, text);
  assert.ok(await page.locator('cap-playground .tt-job').isHidden(), 'nothing replays before the answer');
  await page.locator('cap-playground [data-action=replay-no]').click();
  assert.equal(await page.evaluate(() => window.__p), 3000);
  await ask.waitFor({ state: 'hidden', timeout: 5000 });
  // 2. Asked, accepted, then cancelled mid-way: back at 3 s, the same state, the recorded run as it was.
  await page.evaluate((h) => { window.__p = document.querySelector('cap-playground').seek(20 * h); }, HOUR);
  await page.locator('cap-playground [data-action=replay-go]').click();
  await page.waitForFunction(() => Number(document.querySelector('cap-playground').shadowRoot.querySelector('.tt-progress').value) > 0, null, { timeout: 20000 });
  assert.ok(await page.locator('cap-playground .tt-job').isVisible());
  assert.match(await page.locator('cap-playground .tt-job').textContent(), /going to t = 72000\.000 s: \d+ %/);
  // The page answers while the replay runs (a frozen page would time this out).
  assert.equal(await page.evaluate(() => 1 + 1, null, { timeout: 2000 }), 2);
  await page.locator('cap-playground [data-action=replay-cancel]').click();
  assert.equal(await page.evaluate(() => window.__p), 3000);
  const after = await page.evaluate(() => {
    const el = document.querySelector('cap-playground'), f = el.state(), tl = el.runTimeline();
    return { now: f.now, hash: f.trace_hash, end: tl.end, inPast: tl.in_past, status: el.shadowRoot.querySelector('.status').textContent };
  });
  assert.equal(after.now, 3000);
  assert.equal(after.hash, before.hash, 'the state before the seek');
  assert.deepEqual(after.end, before.end, 'the stretch replayed past the end is forgotten');
  assert.equal(after.inPast, false);
  assert.match(after.status, /cancelled: back at t = 3\.000 s/);
  assert.ok(await page.locator('cap-playground .tt-job').isHidden());
  // The element still works: a short seek and play.
  assert.equal(await page.evaluate(() => document.querySelector('cap-playground').seek(1000)), 1000);
  s.assertNoErrors(page);
});

test('seek(ms) with an absurd value is refused with a message, never a freeze', async () => {
  const page = await openPaused();
  const r = await page.evaluate(() => {
    const el = document.querySelector('cap-playground');
    const out = [];
    for (const v of [2 ** 53, 1e308, Infinity, -1, NaN, '1e400', 'soon', 360000001, {}]) {
      try { el.seek(v); out.push(`accepted ${String(v)}`); } catch (e) { out.push(e.message); }
    }
    return { out, now: el.state().now };
  });
  for (const m of r.out) assert.match(m, /is not accepted: use a time in simulated ms from 0 to 360000000 \(100 hours/, m);
  assert.equal(r.now, 0, 'a refused seek leaves the run where it was');
  // The furthest accepted (100 hours) asks first rather than running.
  await page.evaluate(() => { window.__p = document.querySelector('cap-playground').seek(360000000); });
  const ask = page.locator('cap-playground .tt-ask');
  await ask.waitFor({ state: 'visible', timeout: 5000 });
  assert.match(await ask.textContent(), /100 hours/);
  await page.locator('cap-playground [data-action=replay-no]').click();
  assert.equal(await page.evaluate(() => window.__p), 0);
  s.assertNoErrors(page);
});

test('a link claiming a huge run asks first; declining leaves it unopened and the page responsive', async () => {
  const page = await s.open(`/#r=${hugeLink(50 * HOUR, 9000000)}`);
  const ask = page.locator('cap-playground .tt-ask');
  await ask.waitFor({ state: 'visible', timeout: 20000 });
  const text = await ask.textContent();
  assert.match(text, /This link replays 50 hours of simulated time/, text);
  assert.match(text, /more than 10 minutes/, text);
  assert.ok(await page.locator('cap-playground .tt-job').isHidden(), 'nothing replays before the answer');
  await page.locator('cap-playground [data-action=replay-no]').click();
  const note = page.locator('cap-playground .share-note');
  await page.waitForFunction(() => /not opened/.test(document.querySelector('cap-playground').shadowRoot.querySelector('.share-note').textContent), null, { timeout: 5000 });
  const msg = await note.textContent();
  assert.match(msg, /This link's run was not opened: you chose not to replay it\. Showing the default run instead\./, msg);
  // The default run plays, and the page answers.
  await page.waitForFunction(() => document.querySelector('cap-playground').state()?.now > 50, null, { timeout: 10000 });
  const f = await page.evaluate(() => document.querySelector('cap-playground').state());
  assert.equal(f.protocol, 'raft');
  assert.ok(f.now < HOUR);
  s.assertNoErrors(page);
});

test('a huge link accepted, then cancelled mid-replay: unopened with a message, the default run starts', async () => {
  const page = await s.open(`/#r=${hugeLink(50 * HOUR, 9000000)}`);
  await page.locator('cap-playground .tt-ask').waitFor({ state: 'visible', timeout: 20000 });
  await page.locator('cap-playground [data-action=replay-go]').click();
  await page.waitForFunction(() => Number(document.querySelector('cap-playground').shadowRoot.querySelector('.tt-progress').value) > 0, null, { timeout: 20000 });
  assert.match(await page.locator('cap-playground .tt-job').textContent(), /opening the shared run: \d+ %/);
  await page.locator('cap-playground [data-action=replay-cancel]').click();
  await page.waitForFunction(() => /you cancelled its replay/.test(document.querySelector('cap-playground').shadowRoot.querySelector('.share-note').textContent), null, { timeout: 5000 });
  assert.match(await page.locator('cap-playground .share-note').textContent(), /not opened: you cancelled its replay at t = [\d.]+ s\. Showing the default run instead\./);
  await page.waitForFunction(() => { const f = document.querySelector('cap-playground').state(); return f && f.now > 50 && f.now < 60000; }, null, { timeout: 10000 });
  assert.ok(await page.locator('cap-playground .tt-job').isHidden());
  s.assertNoErrors(page);
});

// Fast replays (issue 20): a replay of a minute of simulated time or more runs on the same Rust
// built for speed (pkg/raft-fast/, fetched only then) and the element goes on running there. The
// determinism contract says both builds make the same run: the same trace hash at the same moment.
test('a long replay runs on the speed-built bundle, fetched only then: the same state as the page bundle, and the element goes on there', async () => {
  const page = await openPaused();
  const fetched = [];
  page.on('request', (r) => fetched.push(r.url()));
  assert.ok(!fetched.some((u) => u.includes('-fast/')), 'not part of the first download');
  const r = await page.evaluate(async () => {
    const el = document.querySelector('cap-playground');
    // The page bundle, straight: 5 simulated minutes, then back to the start.
    el.fastReplays = false;
    await el.seek(300000);
    const small = { build: el.simulatorBuild, hash: el.state().trace_hash };
    el.seek(0);
    el.fastReplays = true;
    // Forward over the recorded 5 minutes: long enough to be worth the speed-built bundle.
    const t = await el.seek(300000);
    const f = el.state();
    const fast = { t, build: el.simulatorBuild, hash: f.trace_hash, now: f.now, end: el.runTimeline().end.at };
    // It goes on there: a short seek back, play, act (a crash), all on the new module.
    el.seek(120000);
    el.advance(2000);
    el.crash('n1');
    el.advance(2000);
    const after = { now: el.state().now, alive: el.state().nodes.find((n) => n.id === 1 || n.id === 'n1').alive, build: el.simulatorBuild };
    // The same actions on the page bundle give the same run (seek back and forth with fastReplays off).
    const hashFast = el.state().trace_hash;
    return { small, fast, after, hashFast };
  });
  assert.deepEqual(r.small.build, 'size');
  assert.equal(r.fast.t, 300000);
  assert.equal(r.fast.build, 'speed', 'the run moved onto the speed-built bundle');
  assert.equal(r.fast.now, 300000);
  assert.equal(r.fast.hash, r.small.hash, 'the speed-built bundle lands on the same state as the page bundle');
  assert.equal(r.fast.end, 300000, 'the recorded run is kept');
  assert.ok(fetched.some((u) => /pkg\/raft-fast\/cap_playground_bg\.wasm$/.test(u)), `pkg/raft-fast fetched for the replay: ${fetched.join(', ')}`);
  assert.equal(r.after.now, 124000);
  assert.equal(r.after.alive, false, 'n1 crashed');
  assert.equal(r.after.build, 'speed');
  // The same moment reached on a fresh page with the page bundle only: the same trace hash.
  const page2 = await openPaused();
  const h2 = await page2.evaluate(async () => {
    const el = document.querySelector('cap-playground');
    el.fastReplays = false;
    await el.seek(120000);
    el.advance(2000);
    el.crash('n1');
    el.advance(2000);
    return { hash: el.state().trace_hash, build: el.simulatorBuild };
  });
  assert.deepEqual(h2, { hash: r.hashFast, build: 'size' }, 'acting after the move: the same run as on the page bundle');
  s.assertNoErrors(page);
  s.assertNoErrors(page2);
});

test('a long share link opens on the speed-built bundle at the same moment; if that bundle cannot load, the page bundle replays it', async () => {
  const page = await openPaused();
  const link = await page.evaluate(async () => {
    const el = document.querySelector('cap-playground');
    el.fastReplays = false;
    el.advance(90000);
    el.crash('n2');
    el.advance(30000);
    return { hash: el.state().trace_hash, now: el.state().now, url: el.shareLink() };
  });
  assert.equal(link.now, 120000);
  const open = async (p) => {
    await p.waitForFunction(() => /Opened a shared run/.test(document.querySelector('cap-playground')?.shadowRoot?.querySelector('.share-note')?.textContent || ''), null, { timeout: 30000 });
    return p.evaluate(() => { const el = document.querySelector('cap-playground'); return { hash: el.state().trace_hash, now: el.state().now, build: el.simulatorBuild }; });
  };
  const path = new URL(link.url).pathname + new URL(link.url).hash;
  const fast = await open(await s.open(path));
  assert.deepEqual(fast, { hash: link.hash, now: 120000, build: 'speed' });
  // The speed-built bundle unreachable: the page bundle opens it as before.
  const p3 = await s.context.newPage();
  const { watchPage } = await import('./helpers.mjs');
  watchPage(p3);
  await p3.route('**/pkg/raft-fast/**', (route) => route.abort());
  await p3.goto(s.url(path));
  assert.deepEqual(await open(p3), { hash: link.hash, now: 120000, build: 'size' });
  s.assertNoErrors(p3, { ignore: [/raft-fast/, /Failed to load resource/] });
  await p3.close();
  s.assertNoErrors(page);
});
