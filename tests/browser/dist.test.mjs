// dist/ is self-contained: copied to any static host under any sub-path, it still works
// (relative URLs only; nothing fetched from outside dist/).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, startSession, waitForDiagram } from './helpers.mjs';

const DIST = path.join(ROOT, 'dist');
const PREFIX = '/some/blog/post/';
let s;
before(async () => {
  if (fs.existsSync(path.join(DIST, 'index.html'))) s = await startSession({ root: DIST, prefix: PREFIX });
});
after(async () => { await s?.close(); });

test(`dist/ served under ${PREFIX} renders the playground with no errors`, async (t) => {
  if (!s) {
    if (process.env.CI) assert.fail('dist/index.html missing: run `npm run build` first');
    return t.skip('dist/ not built (npm run build)');
  }
  const page = await s.open('');
  const outside = [];
  page.on('request', (req) => {
    const u = new URL(req.url());
    if (/^https?:$/.test(u.protocol) && !u.pathname.startsWith(PREFIX)) outside.push(req.url());
  });
  const nodes = await waitForDiagram(page, { minNodes: 3, timeout: 5000 });
  assert.ok(nodes >= 3);
  await page.waitForTimeout(300);
  assert.deepEqual(outside, [], 'requests outside the sub-path');
  s.assertNoErrors(page);
});
