// Three-phase commit in the element (issue 15 deliverable 7): Skeen's states drawn on the servers,
// the happy path's commit counted, and the partition split reported as an atomicity violation.
// Simulated time only (pause + advance).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSession, openPausedDefault, loadLibraryScenario } from './helpers.mjs';

let s;
before(async () => { s = await startSession(); });
after(async () => { await s?.close(); });

const open = () => openPausedDefault(s, { minNodes: 3 });
const advanceTo = async (page, until) => {
  await page.evaluate((until) => { const el = document.querySelector('cap-playground'); while (el.state().now < until) el.advance(100); }, until);
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
};
const nodes = (page) => page.evaluate(() => [...document.querySelector('cap-playground').shadowRoot.querySelectorAll('[data-node-id]')]
  .map((g) => ({ id: g.dataset.nodeId, role: g.dataset.role, state: g.dataset.state, locks: g.dataset.locks, cls: g.getAttribute('class') })));
const metric = (page, m) => page.evaluate((m) => document.querySelector('cap-playground').shadowRoot.querySelector(`section.threepc [data-metric=${m}] b`)?.textContent, m);

test('3PC: a transfer commits in 3pc-happy — q → w → p → c, balances move, the counter counts it', async () => {
  const page = await open();
  await loadLibraryScenario(page, '3pc-happy');
  await advanceTo(page, 1100);
  const mid = await nodes(page);
  assert.ok(mid.slice(1).some((x) => /w|p/.test(x.state)), `a participant in w or p mid-transaction: ${JSON.stringify(mid)}`);
  await advanceTo(page, 1800);
  const f = await page.evaluate(() => document.querySelector('cap-playground').state());
  assert.equal(f.protocol, '3pc');
  assert.equal(f.nodes[1].kv.A, 90);
  assert.equal(f.nodes[2].kv.B, 110);
  assert.equal(f.nodes[0].threepc.role, 'coordinator');
  const n = await nodes(page);
  assert.deepEqual(n.map((x) => x.role), ['coordinator', 'participant', 'participant']);
  assert.ok(n.every((x) => x.state === '' && x.locks === ''), JSON.stringify(n));
  assert.equal(await metric(page, 'committed'), '1');
  const bank = await page.evaluate(() => document.querySelector('cap-playground').shadowRoot.querySelector('section.threepc .tp3-bank').textContent);
  assert.match(bank, /total 400/);
  s.assertNoErrors(page);
});

test('3PC: the partition split is reported as an atomicity violation', async () => {
  const page = await open();
  await loadLibraryScenario(page, '3pc-partition-split');
  await advanceTo(page, 3000);
  const f = await page.evaluate(() => document.querySelector('cap-playground').state());
  assert.ok(f.violations.length > 0, 'the split is reported');
  assert.equal(f.violations[0].invariant, 'Atomicity');
  assert.match(f.violations[0].detail, /aborted at n2 but committed at n1/);
  const sub = await page.evaluate(() => document.querySelector('cap-playground').shadowRoot.querySelector('.v-sub')?.textContent);
  assert.match(sub || '', /3PC invariant broke/);
  s.assertNoErrors(page);
});
