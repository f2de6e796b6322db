// Shared Playwright helpers for the browser tests (node --test + playwright-core + Debian's Chromium).
//
//   import { test, before, after } from 'node:test';
//   import { startSession } from './helpers.mjs';
//   let s;
//   before(async () => { s = await startSession(); });
//   after(async () => { await s?.close(); });
//   test('loads', async () => {
//     const page = await s.open('/');          // new page, console + page errors recorded
//     ...
//     s.assertNoErrors(page);                  // fails listing every console error / page error
//   });
//
// The server serves www/ (after `npm run build`, which writes www/pkg/) unless CAP_WWW names another
// directory (e.g. dist/). Chromium: $CHROMIUM_PATH or /usr/bin/chromium.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer } from '../../scripts/serve.mjs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const WWW = process.env.CAP_WWW ? path.resolve(ROOT, process.env.CAP_WWW) : path.join(ROOT, 'www');
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

// Quiet on a closed network (docs/toolchain.md trap 6). No --user-data-dir: Playwright refuses it.
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Launch headless Chromium. */
export async function launchBrowser(extra = {}) {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} not found: apt-get install chromium chromium-driver (or set CHROMIUM_PATH)`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    ...extra,
  });
}

/**
 * Attach error collectors to a page: page.capErrors is an array of strings,
 * filled with console.error messages, uncaught page errors and failed requests.
 */
export function watchPage(page) {
  const errors = [];
  page.capErrors = errors;
  page.on('console', (msg) => {
    if (msg.type() === 'error') {
      const loc = msg.location();
      errors.push(`console.error: ${msg.text()}${loc?.url ? ` (${loc.url}:${loc.lineNumber})` : ''}`);
    }
  });
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.stack || err.message || err}`));
  page.on('requestfailed', (req) => errors.push(`requestfailed: ${req.url()} ${req.failure()?.errorText ?? ''}`));
  page.on('response', (res) => {
    if (res.status() >= 400) errors.push(`http ${res.status()}: ${res.url()}`);
  });
  return errors;
}

/**
 * Start the static server (free port; `prefix` mounts root at a sub-path) and Chromium.
 * Returns a session:
 *   { url, baseUrl, browser, context, open(pathOrUrl, opts) -> page, errors(page),
 *     assertNoErrors(page), close() }
 * opts for open: { viewport, waitUntil = 'load', timeout = 15000, reducedMotion, colorScheme }.
 */
export async function startSession({ root = WWW, prefix = '/', launch = {}, context: ctxOpts = {} } = {}) {
  const server = await startServer({ root, port: 0, prefix });
  let browser;
  try {
    browser = await launchBrowser(launch);
  } catch (err) {
    await server.close();
    throw err;
  }
  const context = await browser.newContext({ viewport: { width: 1000, height: 700 }, ...ctxOpts });
  const pages = [];

  const session = {
    server,
    browser,
    context,
    baseUrl: server.url,
    url: (p = '/') => new URL(p.replace(/^\//, ''), server.url).href,
    async open(p = '/', { waitUntil = 'load', timeout = 15000, viewport, reducedMotion, colorScheme } = {}) {
      const page = await context.newPage();
      pages.push(page);
      watchPage(page);
      if (viewport) await page.setViewportSize(viewport);
      if (reducedMotion || colorScheme) await page.emulateMedia({ reducedMotion, colorScheme });
      const target = /^https?:/.test(p) ? p : session.url(p);
      await page.goto(target, { waitUntil, timeout });
      return page;
    },
    errors: (page) => page.capErrors ?? [],
    assertNoErrors(page, { ignore = [] } = {}) {
      const errs = (page.capErrors ?? []).filter((e) => !ignore.some((re) => re.test(e)));
      assert.deepEqual(errs, [], `errors on the page:\n  ${errs.join('\n  ')}`);
    },
    async close() {
      for (const p of pages) await p.close().catch(() => {});
      await context.close().catch(() => {});
      await browser.close().catch(() => {});
      await server.close();
    },
  };
  return session;
}

/** A fresh temporary directory (e.g. for launchPersistentContext). */
export function tmpDir(prefix = 'cap-browser-') {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/**
 * Wait until a <cap-playground> on the page has rendered its diagram:
 * an svg in its shadow root with at least `minNodes` [data-node-id] elements.
 * Resolves to the number of nodes found.
 */
export async function waitForDiagram(page, { selector = 'cap-playground', minNodes = 3, timeout = 5000 } = {}) {
  const handle = await page.waitForFunction(
    ({ selector, minNodes }) => {
      const el = document.querySelector(selector);
      const svg = el?.shadowRoot?.querySelector('svg');
      if (!svg) return false;
      const n = svg.querySelectorAll('[data-node-id]').length;
      return n >= minNodes ? n : false;
    },
    { selector, minNodes },
    { timeout, polling: 50 },
  );
  return handle.jsonValue();
}

/** Open `/` in session `s`, wait for the diagram (at least `minNodes`), and pause the element. */
export async function openPausedDefault(s, { minNodes = 3, timeout = 15000 } = {}) {
  const page = await s.open('/');
  await waitForDiagram(page, { minNodes, timeout });
  await page.evaluate(async () => { const el = document.querySelector('cap-playground'); await el.ready; el.pause(); });
  return page;
}

/**
 * Open `p` in session `s` with one shared element, wait for its run, pause it and seek to t = 0
 * (the run played a few frames before the pause: a test's session starts at the beginning).
 */
export async function openPausedAtZero(s, p = '/') {
  const page = await s.open(p);
  await waitForDiagram(page, { minNodes: 3, timeout: 20000 });
  await page.evaluate(async () => {
    const el = document.querySelector('cap-playground');
    await el.ready;
    el.pause();
    el.seek(0);
  });
  return page;
}

/** Load scenarios/<name>.json (optionally edited with `edit`'s fields) into the element, paused at t = 0. */
export const loadLibraryScenario = (page, name, edit = {}) => page.evaluate(async ({ name, edit }) => {
  const el = document.querySelector('cap-playground');
  const sc = await (await fetch(`./scenarios/${name}.json`)).json();
  await el.loadScenario({ ...sc, ...edit });
  el.pause();
}, { name, edit });
