// Smoke test: the page loads without errors and <cap-playground> draws its cluster.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSession, waitForDiagram } from './helpers.mjs';

let s;
before(async () => { s = await startSession(); });
after(async () => { await s?.close(); });

test('index page renders a <cap-playground> with at least 3 nodes within 5 s, no console errors', async () => {
  const page = await s.open('/');
  assert.equal(await page.locator('cap-playground').count() > 0, true, 'no <cap-playground> element on the page');
  const nodes = await waitForDiagram(page, { minNodes: 3, timeout: 5000 });
  assert.ok(nodes >= 3, `expected >= 3 [data-node-id], got ${nodes}`);
  // Let a few frames run so errors thrown from the animation loop are caught too.
  await page.waitForTimeout(300);
  s.assertNoErrors(page);
});
