// Two-phase commit in the element (issue 7): the blocking window made visible. Crashing the
// coordinator mid-commit leaves a participant BLOCKED with its lock shown; restarting it
// completes the transaction and the lock clears. Simulated time only (pause + advance).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSession, waitForDiagram } from './helpers.mjs';

let s;
before(async () => { s = await startSession(); });
after(async () => { await s?.close(); });

async function open() {
  const page = await s.open('/');
  await waitForDiagram(page, { minNodes: 3, timeout: 15000 });
  await page.evaluate(async () => { const el = document.querySelector('cap-playground'); await el.ready; el.pause(); });
  return page;
}
/** Load scenarios/<name>.json (optionally edited), paused at t = 0. */
const load = (page, name, edit = {}) => page.evaluate(async ({ name, edit }) => {
  const el = document.querySelector('cap-playground');
  const sc = await (await fetch(`./scenarios/${name}.json`)).json();
  await el.loadScenario({ ...sc, ...edit });
  el.pause();
}, { name, edit });
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
