// Two-phase commit in the element (issue 7): the blocking window made visible. Crashing the
// coordinator mid-commit leaves a participant BLOCKED with its lock shown; restarting it
// completes the transaction and the lock clears. Simulated time only (pause + advance).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSession, openPausedDefault, loadLibraryScenario } from './helpers.mjs';

let s;
before(async () => { s = await startSession(); });
after(async () => { await s?.close(); });

const open = () => openPausedDefault(s, { minNodes: 3 });
const load = loadLibraryScenario;
/** Advance simulated time to `until` ms in 100 ms steps, letting a frame render at the end. */
const advanceTo = async (page, until) => {
  await page.evaluate((until) => { const el = document.querySelector('cap-playground'); while (el.state().now < until) el.advance(100); }, until);
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
};
const nodes = (page) => page.evaluate(() => [...document.querySelector('cap-playground').shadowRoot.querySelectorAll('[data-node-id]')]
  .map((g) => ({ id: g.dataset.nodeId, role: g.dataset.role, blocked: g.dataset.blocked, locks: g.dataset.locks, sub: g.querySelector('.sub').textContent, cls: g.getAttribute('class') })));
const metric = (page, m) => page.evaluate((m) => document.querySelector('cap-playground').shadowRoot.querySelector(`section.twopc [data-metric=${m}] b`)?.textContent, m);

test('2PC: a transfer commits in 2pc-happy — balances move, locks clear, the counter counts it', async () => {
  const page = await open();
  await load(page, '2pc-happy');
  await advanceTo(page, 800);
  const f = await page.evaluate(() => document.querySelector('cap-playground').state());
  assert.equal(f.protocol, '2pc');
  assert.equal(f.nodes[1].kv.A, 90);
  assert.equal(f.nodes[2].kv.B, 110);
  assert.equal(f.nodes[0].twopc.role, 'coordinator');
  assert.match(f.nodes[0].twopc.decisions.join(' '), /t1 COMMIT/);
  const n = await nodes(page);
  assert.deepEqual(n.map((x) => x.role), ['coordinator', 'participant', 'participant']);
  assert.ok(n.every((x) => x.blocked === 'false' && x.locks === ''), JSON.stringify(n));
  assert.equal(await metric(page, 'committed'), '1');
  const bank = await page.evaluate(() => document.querySelector('cap-playground').shadowRoot.querySelector('section.twopc .tp-bank').textContent);
  assert.match(bank, /A = 90 \(n1\)/);
  assert.match(bank, /total 400/);
  s.assertNoErrors(page);
});

test('2PC: crash the coordinator mid-commit → participant shown BLOCKED holding its lock; restart → it commits and the lock clears', async () => {
  const page = await open();
  await load(page, '2pc-coordinator-crash');
  await advanceTo(page, 3000);
  let n = await nodes(page);
  assert.equal(n[0].role, 'crashed');
  assert.equal(n[2].blocked, 'true', JSON.stringify(n[2]));
  assert.equal(n[2].locks, 'B');
  assert.match(n[2].sub, /BLOCKED .*B/);
  assert.match(n[2].cls, /\bblocked\b/);
  assert.equal(n[1].blocked, 'false', 'n1 got COMMIT before the crash');
  assert.equal(await metric(page, 'blocked'), '1');
  assert.equal(await metric(page, 'locks'), '1');
  // The node panel says so in words.
  await page.locator('cap-playground [data-node-id=n2]').click();
  await advanceTo(page, 3100);
  const panel = await page.evaluate(() => document.querySelector('cap-playground').shadowRoot.querySelector('.node-panel').innerText);
  assert.match(panel, /BLOCKED/);
  assert.match(panel, /B by t1/);
  await page.evaluate(() => document.querySelector('cap-playground').restart(0));
  await advanceTo(page, 3400);
  n = await nodes(page);
  assert.equal(n[0].role, 'coordinator');
  assert.ok(n.every((x) => x.blocked === 'false' && x.locks === ''), JSON.stringify(n));
  const f = await page.evaluate(() => document.querySelector('cap-playground').state());
  assert.equal(f.nodes[2].kv.B, 110, 'the transaction completed');
  assert.deepEqual(f.violations, []);
  assert.equal(await metric(page, 'locks'), '0');
  s.assertNoErrors(page);
});

test('2PC: the cooperative-termination switch lets the blocked participant learn the outcome from n1', async () => {
  const page = await open();
  await load(page, '2pc-coordinator-crash');
  await advanceTo(page, 100);
  await page.evaluate(() => document.querySelector('cap-playground').shadowRoot.querySelector('.tp-coop').click());
  await advanceTo(page, 2500);
  const f = await page.evaluate(() => document.querySelector('cap-playground').state());
  assert.equal(f.nodes[0].alive, false, 'n0 still down');
  assert.equal(f.nodes[2].kv.B, 110);
  assert.deepEqual(f.nodes[2].twopc.locks, []);
  assert.equal(f.nodes[2].twopc.cooperative_termination, true);
  s.assertNoErrors(page);
});

test('protocol="nope" lists 2pc among the accepted protocols', async () => {
  const page = await s.open('/');
  const msg = await page.evaluate(async () => {
    const el = document.createElement('cap-playground');
    el.setAttribute('protocol', 'nope');
    document.body.append(el);
    const box = el.shadowRoot.querySelector('.attr-error');
    for (let i = 0; i < 100 && box.hidden; i++) await new Promise((r) => setTimeout(r, 50));
    return box.hidden ? null : box.textContent;
  });
  assert.match(msg ?? '', /Accepted protocols: .*\b2pc\b/);
  s.assertNoErrors(page);
});

test('2PC: the workload panel shows a transfer weight and accounts, and applying it keeps transfers flowing', async () => {
  const page = await open();
  await page.evaluate(async () => {
    const el = document.querySelector('cap-playground');
    el.setAttribute('protocol', '2pc'); el.setAttribute('nodes', '4');
    await new Promise((r) => setTimeout(r, 0));
    await el.ready; el.pause();
  });
  await page.waitForFunction(() => document.querySelector('cap-playground').state()?.protocol === '2pc', null, { timeout: 15000 });
  await page.locator('cap-playground details.more summary').click();
  const transfer = page.locator('cap-playground .wl-transfer');
  assert.equal(await transfer.isVisible(), true, 'the transfer weight is shown for 2pc');
  assert.equal(await transfer.inputValue(), '3', 'filled from the default bank workload');
  assert.equal(await page.locator('cap-playground .wl-keys').inputValue(), '4', 'four accounts A..D');
  const set = async (cls, v) => page.locator(`cap-playground .${cls}`).fill(String(v));
  await set('wl-read', 0); await set('wl-transfer', 5); await set('wl-keys', 3); await set('wl-interval', 200);
  await page.locator('cap-playground [data-action="workload"]').click();
  const f = await page.evaluate(() => { const el = document.querySelector('cap-playground'); el.advance(6000); return el.state(); });
  assert.equal(f.protocol, '2pc');
  const ops = f.ops.filter((o) => o.invoke > 0);
  assert.ok(ops.length > 5 && ops.every((o) => o.op.f === 'transfer'), JSON.stringify(ops.map((o) => o.op.f)));
  const accounts = new Set(ops.flatMap((o) => [o.op.from, o.op.to]));
  assert.ok([...accounts].every((a) => ['A', 'B', 'C'].includes(a)), `accounts used: ${[...accounts]}`);
  assert.ok(Number(await metric(page, 'committed')) > 0, 'some transfers committed');
  // One account cannot carry a transfer: refused with a message, not applied.
  await set('wl-keys', 1);
  await page.locator('cap-playground [data-action="workload"]').click();
  assert.match(await page.locator('cap-playground .status').textContent(), /accounts "1" is not accepted: use a whole number from 2 to 9/);
  // Register protocols do not show it.
  await page.evaluate(async () => { const el = document.querySelector('cap-playground'); el.setAttribute('protocol', 'raft'); });
  await page.waitForFunction(() => document.querySelector('cap-playground').state()?.protocol === 'raft', null, { timeout: 15000 });
  assert.equal(await transfer.isVisible(), false, 'no transfer weight for raft');
  s.assertNoErrors(page);
});

test('2PC: messages are coloured by phase (voting, decision, termination), the legend says so, no empty log strip', async () => {
  const page = await open();
  await load(page, '2pc-happy');
  // Step through the run, recording each message's kind and the colour family its dot is drawn in.
  const seen = await page.evaluate(async () => {
    const el = document.querySelector('cap-playground'), sr = el.shadowRoot, out = {};
    const frame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    for (let t = 0; t < 800; t += 10) {
      el.advance(10);
      await frame();
      for (const m of el.state().messages) {
        const g = sr.querySelector(`[data-msg-id="${m.id}"]`);
        const fam = g && /\bk-(\w+)/.exec(g.getAttribute('class'))?.[1];
        if (fam) out[m.kind] = fam;
      }
    }
    const legend = [...sr.querySelectorAll('.legend span')].filter((e) => e.offsetParent !== null).map((e) => e.textContent);
    return { out, legend, logShown: sr.querySelector('.logwrap').offsetParent !== null };
  });
  assert.equal(seen.out.Prepare, 'vote', JSON.stringify(seen.out));
  assert.equal(seen.out.VoteYes, 'vote', JSON.stringify(seen.out));
  assert.equal(seen.out.Commit, 'append', JSON.stringify(seen.out));
  assert.equal(seen.out.Ack, 'append', JSON.stringify(seen.out));
  const legend = seen.legend.join(' | ');
  assert.match(legend, /Prepare \/ VoteYes \/ VoteNo \(phase 1/);
  assert.match(legend, /Commit \/ Abort \/ Ack \(phase 2/);
  assert.match(legend, /DecisionRequest \(termination/);
  assert.match(legend, /C coordinator · P participant/);
  assert.doesNotMatch(legend, /L leader · C candidate/, 'the Raft legend is hidden on a 2PC page');
  assert.equal(seen.logShown, false, 'the log strip (empty for 2PC: its log is in the node panel) is hidden');
  s.assertNoErrors(page);
});
