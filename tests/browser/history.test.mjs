// The history lab (check.html, <cap-history>, www/history.js + history-worker.js over pkg/lab/):
// files dropped (a DataTransfer dispatched on the drop zone), chosen through the file chooser with
// the keyboard, or pasted; the verdict of Porcupine's labelled histories, the witness outlined on
// the timeline with its sentence, the "why" panel, progress and a cancel that stops the worker, a
// malformed file's line, and that nothing is uploaded (no request but the page's own files).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, startSession } from './helpers.mjs';

const CORPUS = path.join(ROOT, 'tests', 'data', 'porcupine');
const read = (f) => fs.readFileSync(path.join(CORPUS, f), 'utf8');

let s;
before(async () => { s = await startSession(); });
after(async () => { await s?.close(); });

async function openLab() {
  const page = await s.open('/check.html');
  await page.waitForFunction(() => customElements.get('cap-history'));
  const requests = [];
  page.on('request', (r) => requests.push(new URL(r.url())));
  page.requests = requests;
  return page;
}

/** Drop `text` as a file named `name` on the lab's drop zone (a real DataTransfer). */
const dropFile = (page, name, text) => page.evaluate(([name, text]) => {
  const dt = new DataTransfer();
  dt.items.add(new File([text], name, { type: 'text/plain' }));
  const zone = document.getElementById('lab').shadowRoot.querySelector('.drop');
  zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
  zone.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
}, [name, text]);
const stateOf = (page) => page.evaluate(() => document.getElementById('lab').dataset.state);
const waitState = (page, states, timeout = 30000) => page.waitForFunction((st) => st.includes(document.getElementById('lab').dataset.state), states, { timeout });

test('a dropped Jepsen etcd log that is not linearizable: verdict, witness outlined on the timeline, its sentence, and why', async () => {
  const page = await openLab();
  await dropFile(page, 'etcd_000.log', read('jepsen/etcd_000.log'));
  await waitState(page, ['done', 'error']);
  const lab = page.locator('#lab');
  assert.equal(await lab.locator('.verdict').getAttribute('data-verdict'), 'not_linearizable');
  assert.match(await lab.locator('.verdict').textContent(), /✕ not linearizable/);
  const sentence = await lab.locator('.sentence').textContent();
  assert.match(sentence, /cannot be placed/);
  const r = await page.evaluate(() => document.getElementById('lab').result);
  const w = r.witness;
  assert.equal(await lab.locator('.wlines li').count(), w.ops.length);
  // The timeline outlines exactly the witness's operations (its window by default).
  const wit = await lab.locator('svg.hl-tl rect.op.wit').evaluateAll((rs) => rs.map((x) => Number(x.dataset.id)).sort((a, b) => a - b));
  assert.deepEqual(wit, [...w.ops].sort((a, b) => a - b));
  assert.equal(await lab.locator(`svg.hl-tl rect.op.fail[data-id="${w.failing_op}"]`).count(), 1);
  // Why: a click on the failing operation's "why?" lists the orders tried.
  await lab.locator(`.wlines button[data-why="${w.failing_op}"]`).click();
  await lab.locator('.why').waitFor({ state: 'visible' });
  await page.waitForFunction(() => document.getElementById('lab').shadowRoot.querySelectorAll('.why-orders li').length > 0);
  assert.match(await lab.locator('.why-h').textContent(), new RegExp(`#${w.failing_op} read → 2`));
  assert.match(await lab.locator('.why-s').textContent(), /respects real time/);
  // A bar of the timeline is a way in too.
  const other = w.ops.find((id) => id !== w.failing_op);
  await lab.locator(`svg.hl-tl rect.op[data-id="${other}"]`).click();
  await page.waitForFunction((id) => document.getElementById('lab').shadowRoot.querySelector('.why-h').textContent.includes(`#${id} `), other);
  // Nothing left the page: only its own files (the page, the element, the worker, pkg/lab/).
  const origin = new URL(s.url('/')).origin;
  assert.deepEqual(page.requests.filter((u) => u.origin !== origin).map(String), []);
  assert.ok(page.requests.some((u) => u.pathname.endsWith('/pkg/lab/cap_playground_bg.wasm')), 'the lab\'s own bundle');
  assert.ok(!page.requests.some((u) => /\/pkg\/(raft|paxos|dynamo|zab|twopc)\//.test(u.pathname)), 'no playground bundle');
  s.assertNoErrors(page);
  await page.close();
});

test('a dropped Jepsen/Knossos EDN register history: verdict, witness outlined, the nemesis lines as fault markers', async () => {
  // tests/data/edn/register-stale-read.edn: the read of 1 began after the write of 2 returned.
  const page = await openLab();
  await dropFile(page, 'history.edn', fs.readFileSync(path.join(ROOT, 'tests', 'data', 'edn', 'register-stale-read.edn'), 'utf8'));
  await waitState(page, ['done', 'error']);
  const lab = page.locator('#lab');
  assert.match(await lab.locator('.status').textContent(), /EDN history, cas-register model/);
  assert.equal(await lab.locator('.verdict').getAttribute('data-verdict'), 'not_linearizable');
  const w = (await page.evaluate(() => document.getElementById('lab').result)).witness;
  assert.deepEqual([...w.ops].sort((a, b) => a - b), [1, 5, 7]);
  const wit = await lab.locator('svg.hl-tl rect.op.wit').evaluateAll((rs) => rs.map((x) => Number(x.dataset.id)).sort((a, b) => a - b));
  assert.deepEqual(wit, [1, 5, 7]);
  assert.match(await lab.locator('.sentence').textContent(), /cannot be placed|read/);
  // The nemesis lines inside the witness's window (lines 1-11): the partition starting (3, 4) and
  // stopping (11), as dashed lines with their value in the tooltip.
  const faults = await lab.locator('svg.hl-tl g.faultg title').evaluateAll((ts) => ts.map((t) => t.textContent));
  assert.deepEqual(faults.map((t) => t.replace(/:.*/, '')), ['line 3', 'line 4', 'line 11']);
  assert.match(faults[1], /nemesis info start \[:isolated/);
  s.assertNoErrors(page);
  await page.close();
});

test('Porcupine\'s labelled histories get their verdicts (etcd logs and kv logs), chosen with the file chooser or pasted', async () => {
  const page = await openLab();
  const lab = page.locator('#lab');
  for (const [file, want] of [['jepsen/etcd_002.log', 'linearizable'], ['kv/c10-bad.txt', 'not_linearizable'], ['kv/c10-ok.txt', 'linearizable']]) {
    // "choose a file" (the drop zone also opens the chooser on Enter; headless Chromium does not
    // reliably count a synthetic keypress as the user activation a file chooser needs).
    const [chooser] = await Promise.all([page.waitForEvent('filechooser'), lab.locator('[data-action=choose]').click()]);
    await chooser.setFiles(path.join(CORPUS, file));
    await page.waitForFunction((f) => document.getElementById('lab').dataset.state === 'done' && document.getElementById('lab').shadowRoot.querySelector('.status').textContent.startsWith(f), path.basename(file), { timeout: 60000 });
    assert.equal(await lab.locator('.verdict').getAttribute('data-verdict'), want, file);
  }
  // Pasted text, with the check button.
  await lab.locator('.paste').fill(read('jepsen/etcd_001.log'));
  await lab.locator('[data-action=check]').click();
  await page.waitForFunction(() => document.getElementById('lab').shadowRoot.querySelector('.status').textContent.startsWith('the pasted history') && document.getElementById('lab').dataset.state === 'done', null, { timeout: 30000 });
  assert.equal(await lab.locator('.verdict').getAttribute('data-verdict'), 'not_linearizable');
  s.assertNoErrors(page);
  await page.close();
});

test('a malformed file gets its line and what was expected', async () => {
  const page = await openLab();
  const bad = read('jepsen/etcd_000.log').split('\n');
  bad[6] = 'INFO  jepsen.util - 0\t:ok\t:read\tbanana';
  await dropFile(page, 'broken.log', bad.join('\n'));
  await waitState(page, ['error', 'done']);
  assert.equal(await stateOf(page), 'error');
  const err = await page.locator('#lab .err').textContent();
  assert.match(err, /^line 7: /, err);
  assert.match(err, /banana|integer/, err);
  assert.equal(await page.locator('#lab .out').isHidden(), true);
  await dropFile(page, 'notes.txt', 'these are my notes\nnot a history\n');
  await page.waitForFunction(() => /^line 1: /.test(document.getElementById('lab').shadowRoot.querySelector('.err').textContent));
  assert.match(await page.locator('#lab .err').textContent(), /Jepsen log line|EDN map/);
  s.assertNoErrors(page);
  await page.close();
});

test('a long check shows its progress and cancel stops it; the next file checks again', async () => {
  const page = await openLab();
  // 30,000 independent keys of a Porcupine kv log: searched one key after the other.
  const lines = [];
  for (let k = 0; k < 30000; k++) {
    lines.push(`{:process ${k % 7}, :type :invoke, :f :put, :key "k${k}", :value "v"}`);
    lines.push(`{:process ${k % 7}, :type :ok, :f :put, :key "k${k}", :value "v"}`);
  }
  await dropFile(page, 'many-keys.txt', lines.join('\n'));
  await page.waitForFunction(() => /^checking: key \d+ of 30000/.test(document.getElementById('lab').shadowRoot.querySelector('.status').textContent), null, { timeout: 30000 });
  assert.equal(await stateOf(page), 'checking');
  assert.equal(await page.locator('#lab progress.prog').isVisible(), true);
  await page.locator('#lab [data-action=cancel]').click();
  assert.equal(await stateOf(page), 'cancelled');
  assert.match(await page.locator('#lab .status').textContent(), /^cancelled after/);
  assert.equal(await page.locator('#lab .out').isHidden(), true, 'no verdict');
  assert.equal(await page.locator('#lab [data-action=cancel]').isHidden(), true);
  // A new worker for the next one.
  await dropFile(page, 'etcd_002.log', read('jepsen/etcd_002.log'));
  await waitState(page, ['done']);
  assert.equal(await page.locator('#lab .verdict').getAttribute('data-verdict'), 'linearizable');
  s.assertNoErrors(page);
  await page.close();
});

test('the EDN options (model, initial value, new process on reuse) are the page\'s controls and the element\'s attributes; a change checks again', async () => {
  // A read of 0 before any write: linearizable from Knossos's default initial value 0, not from nil.
  const page = await openLab();
  const lab = page.locator('#lab');
  const done = (want) => page.waitForFunction((w) => {
    const e = document.getElementById('lab');
    return e.dataset.state === 'done' && e.shadowRoot.querySelector('.status').textContent.includes(w);
  }, want, { timeout: 30000 });
  await lab.locator('.paste').fill('{:process 0, :type :invoke, :f :read, :value nil}\n{:process 0, :type :ok, :f :read, :value 0}\n');
  await lab.locator('[data-action=check]').click();
  await done('initial value 0');
  assert.equal(await lab.locator('.verdict').getAttribute('data-verdict'), 'linearizable');
  // The reader types nil: the same history is checked again, and is not linearizable.
  await lab.locator('input.initial').fill('nil');
  await lab.locator('input.initial').press('Enter');
  await lab.locator('input.initial').blur();
  await done('initial value nil');
  assert.equal(await lab.locator('.verdict').getAttribute('data-verdict'), 'not_linearizable');
  assert.match(await lab.locator('.sentence').textContent(), /read/);
  assert.deepEqual(await page.evaluate(() => document.getElementById('lab').options), { model: 'cas-register', initial: 'nil', newProcessOnReuse: false });
  // The plain register model refuses a :cas, naming the line and what it accepts.
  await lab.locator('select.model').selectOption('register');
  await lab.locator('.paste').fill('{:process 0, :type :invoke, :f :cas, :value [0 1]}\n{:process 0, :type :ok, :f :cas, :value [0 1]}\n');
  await lab.locator('[data-action=check]').click();
  await waitState(page, ['error']);
  assert.match(await lab.locator('.err').textContent(), /^line 1: .*:read and :write/);
  // Attributes set the same controls; a word that is not accepted says what is.
  await page.evaluate(() => { const e = document.getElementById('lab'); e.setAttribute('model', 'cas-register'); e.setAttribute('initial', 'zero'); });
  await page.waitForFunction(() => /initial value `zero` is not accepted/.test(document.getElementById('lab').shadowRoot.querySelector('.err').textContent), null, { timeout: 30000 });
  assert.match(await lab.locator('.err').textContent(), /^error: .*an integer \(e\.g\. 0\) or nil/);
  await page.evaluate(() => document.getElementById('lab').setAttribute('initial', '0'));
  await done('cas-register model, initial value 0');
  assert.equal(await lab.locator('.verdict').getAttribute('data-verdict'), 'linearizable');
  s.assertNoErrors(page);
  await page.close();
});
