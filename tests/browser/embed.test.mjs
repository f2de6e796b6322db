// Embedding (issue 9, item 5): embed.html and its query parameters, dist/ under a sub-path, sizing
// to the container, light and dark themes, reduced motion, keyboard-only partitioning with ARIA
// labels, several instances on one page, a strict Content-Security-Policy, text never read as
// markup, and no request outside the page's own origin.
//
// Every page here is served with the CSP `default-src 'self'; script-src 'self' 'wasm-unsafe-eval'`
// (the header a careful blog would send), so each test also checks that nothing is refused: console
// errors and `securitypolicyviolation` events fail it. The fixture tests/browser/fixtures/two-lines.html
// (the README's two lines, twice) is served next to the element's files as __fixtures/; it is not in
// www/, so dist/ never ships it. Simulated time is driven with pause + advance wherever a test
// asserts on the run; wall-clock waits only poll.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { staticHandler, STRICT_CSP as CSP } from '../../scripts/serve.mjs';
import { ROOT, WWW, launchBrowser, watchPage, waitForDiagram } from './helpers.mjs';

const FIXTURES = path.join(ROOT, 'tests', 'browser', 'fixtures');
const DIST = path.join(ROOT, 'dist');
const PREFIX = '/blog/2026/cap/';
const distBuilt = fs.existsSync(path.join(DIST, 'embed.html'));

/** Serve `root` under `prefix` (and the fixtures under `${prefix}__fixtures/`), every response with the CSP. */
function serve(root, prefix = '/') {
  const files = staticHandler(root, prefix), fixtures = staticHandler(FIXTURES, `${prefix}__fixtures/`);
  const server = http.createServer((req, res) => {
    res.setHeader('Content-Security-Policy', CSP);
    (new URL(req.url, 'http://x').pathname.startsWith(`${prefix}__fixtures/`) ? fixtures : files)(req, res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({
    url: (p) => `http://127.0.0.1:${server.address().port}${prefix}${p}`,
    close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); }),
  })));
}

let browser, www, dist;
before(async () => {
  browser = await launchBrowser();
  www = await serve(WWW, '/');
  if (distBuilt) dist = await serve(DIST, PREFIX);
});
after(async () => {
  await browser?.close();
  await www?.close();
  await dist?.close();
});

/**
 * A new page (its own context: viewport, colour scheme, reduced motion) that records errors
 * (page.capErrors), CSP violations (window.__csp), every request (page.requests) and dialogs.
 */
async function open(url, { viewport = { width: 1000, height: 700 }, colorScheme = 'light', reducedMotion = 'no-preference' } = {}) {
  const ctx = await browser.newContext({ viewport, colorScheme, reducedMotion });
  const page = await ctx.newPage();
  watchPage(page);
  page.requests = [];
  page.dialogs = [];
  page.on('request', (r) => page.requests.push(r.url()));
  page.on('dialog', (d) => { page.dialogs.push(d.message()); d.dismiss().catch(() => {}); });
  await ctx.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`), true);
  });
  await page.goto(url);
  page.done = async () => {
    assert.deepEqual(await page.evaluate(() => window.__csp), [], 'CSP violations');
    assert.deepEqual(page.capErrors, [], 'console errors / failed requests');
    assert.deepEqual(page.dialogs, [], 'dialogs opened');
    const origin = new URL(url).origin;
    const outside = page.requests.filter((u) => /^https?:/.test(u) && new URL(u).origin !== origin);
    assert.deepEqual(outside, [], 'requests outside the page origin');
    await ctx.close();
  };
  return page;
}

/** fn(el, arg) in the page, on the one element matching sel (no eval: the page's CSP forbids it). */
const on = (page, sel, fn, arg) => page.locator(sel).evaluate(fn, arg);

test('embed.html takes the attributes as query parameters: protocol, nodes, seed, paused, theme, controls', async () => {
  const page = await open(www.url('embed.html?protocol=dynamo&nodes=4&seed=9&paused&theme=dark&controls=false&speed=2'));
  await waitForDiagram(page, { minNodes: 4, timeout: 15000 });
  const r = await on(page, 'cap-playground', async (el) => {
    await el.ready;
    const f0 = el.state();
    await new Promise((r) => setTimeout(r, 300));
    return {
      protocol: f0.protocol, seed: f0.seed, nodes: f0.nodes.length, paused: el.paused, now0: f0.now, now1: el.state().now, speed: el.speed,
      theme: el.getAttribute('theme'), bar: getComputedStyle(el.shadowRoot.querySelector('.bar')).display,
      bg: getComputedStyle(el.shadowRoot.querySelector('.wrap')).backgroundColor,
    };
  });
  assert.deepEqual({ protocol: r.protocol, seed: r.seed, nodes: r.nodes }, { protocol: 'dynamo', seed: 9, nodes: 4 });
  assert.equal(r.paused, true);
  assert.equal(r.now1, r.now0, 'a paused run advanced');
  assert.equal(r.speed, 2);
  assert.equal(r.bar, 'none', 'controls=false shows the control bar');
  assert.equal(r.bg, 'rgb(22, 26, 31)', 'theme=dark');
  // The Dynamo page downloads the Dynamo bundle only, not the Raft one.
  const pkg = page.requests.filter((u) => u.includes('/pkg/')).map((u) => new URL(u).pathname);
  assert.ok(pkg.length && pkg.every((p) => p.startsWith('/pkg/dynamo/')), `bundles fetched: ${pkg.join(', ')}`);
  await page.done();
});

test('embed.html with a scenario name renders that scenario (its protocol and seed), and shows its name', async () => {
  const page = await open(www.url('embed.html?scenario=raft-basic&paused'));
  await waitForDiagram(page, { minNodes: 3, timeout: 15000 });
  const r = await on(page, 'cap-playground', async (el) => {
    for (let i = 0; i < 100 && el.state()?.seed !== 7; i++) await new Promise((r) => setTimeout(r, 50));
    return { f: el.state(), name: el.shadowRoot.querySelector('.scen-name').textContent };
  });
  assert.equal(r.f.protocol, 'raft');
  assert.equal(r.f.seed, 7, 'raft-basic has seed 7');
  assert.ok(r.name.length > 0, 'the scenario name is shown over the diagram');
  await page.done();
});

test('embed.html: bad parameters give the element\'s readable message (never a blank page); unknown ones are named', async () => {
  for (const [q, re] of [['protocol=nope', /protocol="nope" is not available\. Accepted protocols: .*raft/], ['nodes=99', /nodes="99".*1 to 9|1\.\.=9/],
    ['seed=abc', /seed="abc" is not accepted: use a whole number/], ['scenario=no-such-scenario', /no-such-scenario.*could not be loaded.*Accepted/]]) {
    const page = await open(www.url(`embed.html?${q}`));
    await page.waitForFunction(() => { const b = document.querySelector('cap-playground')?.shadowRoot?.querySelector('.attr-error'); return b && !b.hidden; }, null, { timeout: 15000 });
    const r = await page.evaluate(() => {
      const el = document.querySelector('cap-playground'), box = el.shadowRoot.querySelector('.attr-error');
      const rect = box.getBoundingClientRect();
      return { text: box.textContent, visible: rect.width > 100 && rect.height > 10 };
    });
    assert.match(r.text, re, q);
    assert.ok(r.visible, `${q}: the message box is not visible`);
    // A missing scenario file is a 404 the browser logs: expected for that case only.
    if (q.startsWith('scenario')) page.capErrors.splice(0, page.capErrors.length, ...page.capErrors.filter((e) => !/404/.test(e)));
    await page.done();
  }
  // Unknown parameters and values the element would ignore are named above it; the run goes on.
  const page = await open(www.url('embed.html?theme=purple&fo%3Co=1&controls=maybe&scenario=https://example.com/x.json&seed=5'));
  await waitForDiagram(page, { minNodes: 5, timeout: 15000 });
  const note = await page.evaluate(() => { const n = document.querySelector('.note'); return n.hidden ? null : n.textContent; });
  assert.match(note ?? '', /theme="purple" ignored/);
  assert.match(note, /unknown parameter "fo<o"/);
  assert.match(note, /controls="maybe" ignored/);
  assert.match(note, /scenario="https:\/\/example\.com\/x\.json" ignored/);
  assert.equal(await page.evaluate(() => document.querySelectorAll('.note *').length), 0, 'the note is text');
  assert.equal(await on(page, 'cap-playground', async (el) => { await el.ready; return el.state().seed; }), 5);
  await page.done();
});

test(`dist/ served under ${PREFIX}: embed.html and the two-line page work under the CSP, nothing fetched outside the sub-path`, async (t) => {
  if (!distBuilt) {
    if (process.env.CI) assert.fail('dist/embed.html missing: run `npm run build` first');
    return t.skip('dist/ not built (npm run build)');
  }
  assert.ok(!fs.existsSync(path.join(DIST, '__fixtures')) && !fs.readdirSync(DIST).some((f) => /test|fixture/i.test(f)), 'dist/ ships a test page');
  const page = await open(dist.url('embed.html?scenario=raft-basic&theme=dark'));
  await waitForDiagram(page, { minNodes: 3, timeout: 15000 });
  const seed = await on(page, 'cap-playground', async (el) => {
    for (let i = 0; i < 100 && el.state()?.seed !== 7; i++) await new Promise((r) => setTimeout(r, 50));
    return el.state().seed;
  });
  assert.equal(seed, 7);
  const paths = page.requests.map((u) => new URL(u).pathname);
  assert.ok(paths.every((p) => p.startsWith(PREFIX)), `requests outside ${PREFIX}: ${paths.filter((p) => !p.startsWith(PREFIX))}`);
  await page.done();

  const blog = await open(dist.url('__fixtures/two-lines.html'));
  await waitForDiagram(blog, { selector: '#b', minNodes: 5, timeout: 15000 });
  assert.equal(await on(blog, '#b', (el) => el.state().protocol), 'dynamo');
  await blog.done();
});

test('the element sizes itself to its container (ResizeObserver): the diagram scales, a fixed height is filled, paused means no frames', async () => {
  const page = await open(www.url('__fixtures/two-lines.html'));
  await waitForDiagram(page, { selector: '#a', minNodes: 5, timeout: 15000 });
  const size = () => page.evaluate(() => {
    const el = document.getElementById('a'), sr = el.shadowRoot;
    const r = (e) => { const b = e.getBoundingClientRect(); return { w: Math.round(b.width), h: Math.round(b.height), top: b.top, bottom: b.bottom }; };
    return { host: r(el), svg: r(sr.querySelector('.diagram')), fit: sr.querySelector('.wrap').classList.contains('fit'), frames: el.metrics.frames, scoreTop: sr.querySelector('.side').getBoundingClientRect().top, svgBottom: sr.querySelector('.diagram').getBoundingClientRect().bottom };
  });
  await page.evaluate(async () => { for (const id of ['a', 'b']) { const el = document.getElementById(id); await el.ready; el.pause(); } });
  const wide = await size();
  assert.equal(wide.fit, false, 'an auto-height container is not a fixed height');
  const frames0 = wide.frames;
  // The width comes from the container; a fixed height is given to the element (CSS height, or a flex / grid cell).
  const resize = async ({ width, height }) => {
    await page.evaluate(({ width, height }) => {
      if (width != null) document.getElementById('box-a').style.width = width;
      if (height != null) document.getElementById('a').style.height = height;
    }, { width, height });
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    return size();
  };
  const narrow = await resize({ width: '340px' });
  assert.ok(narrow.svg.w < wide.svg.w * 0.6, `diagram width ${wide.svg.w} → ${narrow.svg.w} px`);
  assert.ok(Math.abs(narrow.svg.h / narrow.svg.w - 400 / 640) < 0.02, 'the diagram keeps its aspect');
  assert.ok(narrow.scoreTop >= narrow.svgBottom, 'narrow: the scoreboard goes under the diagram');
  // A fixed height: the element fills it exactly, the diagram shrinks to stay in view, the rest scrolls inside.
  const fixed = await resize({ width: '700px', height: '360px' });
  assert.equal(fixed.fit, true);
  assert.equal(fixed.host.h, 360);
  assert.ok(fixed.svg.bottom <= fixed.host.bottom, `the diagram (bottom ${fixed.svg.bottom}) overflows the 360 px box (bottom ${fixed.host.bottom})`);
  assert.ok(fixed.svg.h < 400 && fixed.svg.h >= 120, `diagram height ${fixed.svg.h}`);
  const taller = await resize({ height: '600px' });
  assert.ok(taller.svg.h > fixed.svg.h, `diagram height did not grow with the box: ${fixed.svg.h} → ${taller.svg.h}`);
  const auto = await resize({ width: '', height: '' });
  assert.equal(auto.fit, false);
  assert.equal(auto.svg.w, wide.svg.w);
  assert.equal(auto.frames, frames0, 'a paused element ran animation frames while being resized');
  await page.done();

  // embed.html fills the frame at a phone's and a desktop's size; the page never scrolls.
  for (const viewport of [{ width: 320, height: 400 }, { width: 1200, height: 800 }]) {
    const p = await open(www.url('embed.html?seed=3&paused'), { viewport });
    await waitForDiagram(p, { minNodes: 5, timeout: 15000 });
    await p.waitForFunction(() => document.querySelector('cap-playground').shadowRoot.querySelector('.wrap.fit'), null, { timeout: 5000 });
    const r = await p.evaluate(() => {
      const el = document.querySelector('cap-playground'), sr = el.shadowRoot, svg = sr.querySelector('.diagram').getBoundingClientRect();
      const nodes = [...sr.querySelectorAll('[data-node-id]')].map((n) => n.getBoundingClientRect());
      return { host: el.getBoundingClientRect().toJSON(), svg: svg.toJSON(), scroll: document.scrollingElement.scrollHeight, inside: nodes.every((b) => b.top >= svg.top - 1 && b.bottom <= svg.bottom + 1 && b.left >= svg.left - 1 && b.right <= svg.right + 1) };
    });
    const tag = `${viewport.width}×${viewport.height}`;
    assert.deepEqual([r.host.width, r.host.height], [viewport.width, viewport.height], `${tag}: the element does not fill the page`);
    assert.ok(r.scroll <= viewport.height, `${tag}: the page scrolls (${r.scroll} px)`);
    assert.ok(r.svg.bottom <= viewport.height && r.svg.height >= 120, `${tag}: diagram ${JSON.stringify(r.svg)}`);
    assert.ok(r.inside, `${tag}: a server is drawn outside the diagram`);
    await p.done();
  }
});

/** WCAG contrast ratio of text colour a (drawn at `opacity`) on background b, both "rgb(…)". */
function contrast(a, b, opacity = 1) {
  const rgb = (c) => c.match(/[\d.]+/g).slice(0, 3).map(Number);
  const bg = rgb(b), fg = rgb(a).map((v, i) => v * opacity + bg[i] * (1 - opacity));
  const lum = (c) => {
    const [r, g, bl] = c.map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * bl;
  };
  const [x, y] = [lum(fg), lum(bg)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
}

/** Text colours and the backgrounds under them, for the scoreboard, panels, controls and the diagram (in the page). */
async function readColours(el) {
  for (let i = 0; i < 100 && el.state()?.seed !== 3; i++) await new Promise((r) => setTimeout(r, 50));
  el.advance(6000); // partitioned, operations on both sides: the scoreboard has two columns
  el.shadowRoot.querySelector('[data-node-id="n1"]').dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true, composed: true }));
  el.advance(1);
  const sr = el.shadowRoot;
  const bgOf = (e) => {
    for (let n = e; n; n = n.parentElement || n.getRootNode().host) {
      const c = getComputedStyle(n).backgroundColor;
      if (!/rgba\(.*, 0\)$|transparent/.test(c)) return c;
    }
    return 'rgb(255, 255, 255)';
  };
  const out = [];
  const sel = ['.status', '.col span', '.col b', '.since', '.v-big', '.v-sub', '.c-stale', '.np-title', '.np-dl dt', '.np-dl dd', '.legend span', 'button[data-action=step]', '.clock', '.side h3', '.scen-name', '.scen-desc'];
  for (const s of sel) {
    for (const e of sr.querySelectorAll(s)) {
      if (!e.textContent.trim() || !e.getClientRects().length) continue;
      let opacity = 1;
      for (let n = e; n; n = n.parentElement || n.getRootNode().host) opacity *= Number(getComputedStyle(n).opacity);
      out.push({ what: s, fg: getComputedStyle(e).color, bg: bgOf(e), opacity });
    }
  }
  // SVG text: the server labels on their term colour, the side captions on the tint.
  for (const n of sr.querySelectorAll('[data-node-id]')) out.push({ what: `${n.dataset.nodeId} label`, fg: getComputedStyle(n.querySelector('.role')).fill, bg: getComputedStyle(n.querySelector('.body')).fill });
  return { out, wrap: getComputedStyle(sr.querySelector('.wrap')).backgroundColor, ink: getComputedStyle(sr.querySelector('.wrap')).color };
}

test('light and dark themes: prefers-color-scheme by default, the theme attribute overrides it; text stays legible in both', async () => {
  const LIGHT = 'rgb(251, 250, 247)', DARK = 'rgb(22, 26, 31)';
  for (const [scheme, attr, want] of [['light', null, LIGHT], ['dark', null, DARK], ['dark', 'light', LIGHT], ['light', 'dark', DARK]]) {
    const page = await open(www.url(`embed.html?scenario=raft-minority-partition&paused${attr ? `&theme=${attr}` : ''}`), { colorScheme: scheme });
    await waitForDiagram(page, { minNodes: 5, timeout: 15000 });
    const r = await on(page, 'cap-playground', readColours);
    const tag = `scheme ${scheme}, theme ${attr ?? '(none)'}`;
    assert.equal(r.wrap, want, `${tag}: background`);
    assert.ok(r.out.some((o) => o.what === '.np-title'), `${tag}: node panel not open`);
    assert.ok(r.out.filter((o) => o.what === '.col b').length >= 2, `${tag}: scoreboard columns`);
    for (const o of r.out) {
      const min = 4.5; // WCAG AA for text, a stalled side's greyed column included
      const c = contrast(o.fg, o.bg, o.opacity ?? 1);
      assert.ok(c >= min, `${tag}: ${o.what} ${o.fg} on ${o.bg}: contrast ${c.toFixed(2)} < ${min}`);
    }
    await page.done();
  }
});

test('prefers-reduced-motion: messages are drawn still (no flight, no fade), timer arcs step in quarters, nothing has a transition', async () => {
  const positions = async (reducedMotion) => {
    const page = await open(www.url('embed.html?seed=4&paused'), { reducedMotion });
    await waitForDiagram(page, { minNodes: 5, timeout: 15000 });
    const r = await on(page, 'cap-playground', async (el) => {
      await el.ready;
      const sr = el.shadowRoot;
      const seen = new Map(); // message id → the positions it was drawn at
      const arcs = new Set(); // election-timer arcs: the distinct lengths drawn
      for (let i = 0; i < 400; i++) {
        el.advance(2);
        for (const c of sr.querySelectorAll('.node .timer')) if (c.getAttribute('visibility') === 'visible') arcs.add(c.getAttribute('stroke-dashoffset'));
        for (const g of sr.querySelectorAll('[data-msg-id]')) {
          const m = g.transform.baseVal.numberOfItems ? g.transform.baseVal.getItem(0).matrix : null;
          const k = g.dataset.msgId, p = `${m?.e},${m?.f},${g.getAttribute('opacity') ?? 1}`;
          if (!seen.has(k)) seen.set(k, new Set());
          seen.get(k).add(p);
        }
      }
      const moving = [...seen.values()].filter((s) => s.size > 1).length;
      const animated = [...sr.querySelectorAll('*')].filter((e) => { const cs = getComputedStyle(e); return parseFloat(cs.transitionDuration) > 0 || cs.animationName !== 'none'; }).length;
      return { messages: seen.size, moving, animated, arcs: arcs.size };
    });
    await page.done();
    return r;
  };
  const normal = await positions('no-preference');
  assert.ok(normal.messages > 5 && normal.moving > 0, `control: messages should fly without the preference: ${JSON.stringify(normal)}`);
  assert.ok(normal.arcs > 20, `control: timer arcs should drain smoothly without the preference: ${JSON.stringify(normal)}`);
  const reduced = await positions('reduce');
  assert.ok(reduced.messages > 5, `no messages drawn: ${JSON.stringify(reduced)}`);
  assert.equal(reduced.moving, 0, 'a message moved or faded under prefers-reduced-motion');
  assert.equal(reduced.animated, 0, 'elements with a CSS transition or animation');
  assert.ok(reduced.arcs >= 2 && reduced.arcs <= 5, `timer arcs drawn at ${reduced.arcs} lengths: quarters expected (at most 5)`);
});

const QUORUM = {
  name: 'test: keyboard partition', protocol: 'raft', nodes: 5, seed: 11, clients: [{ node: 1 }, { node: 4 }],
  workload: { interval_ms: 200, read: 1, write: 2, cas: 0, keys: 1, max_value: 9, start_ms: 400 }, until: 1000000,
};

test('keyboard only: Tab to a server (ARIA label, focus ring), arrow keys move it across the line like a drag, the minority stalls; Enter, Escape, Space', async () => {
  const page = await open(www.url('embed.html?paused'));
  await waitForDiagram(page, { minNodes: 5, timeout: 15000 });
  await on(page, 'cap-playground', async (el, sc) => { await el.ready; await el.loadScenario(sc); el.advance(1500); }, QUORUM);
  // Every control has a name a screen reader can say.
  const unnamed = await on(page, 'cap-playground', (el) => [...el.shadowRoot.querySelectorAll('button, input, select, summary, [tabindex="0"]')]
    .filter((e) => e.getClientRects().length && !(e.getAttribute('aria-label') || e.textContent.trim() || e.closest('label')?.textContent.trim()))
    .map((e) => e.outerHTML.slice(0, 80)));
  assert.deepEqual(unnamed, [], 'controls without a label');

  const focused = () => on(page, 'cap-playground', (el) => {
    const a = el.shadowRoot.activeElement;
    return a ? { id: a.dataset.nodeId || a.dataset.clientId || a.className, label: a.getAttribute('aria-label'), role: a.getAttribute('role'), side: a.dataset.side, ring: a.querySelector('.focus') ? getComputedStyle(a.querySelector('.focus')).opacity : null } : null;
  });
  const tabTo = async (id) => {
    for (let i = 0; i < 60; i++) {
      await page.keyboard.press('Tab');
      const f = await focused();
      if (f?.id === id) return f;
    }
    assert.fail(`Tab never reached ${id}`);
  };
  const moveRight = async (id) => {
    const before = (await focused()).side;
    for (let i = 0; i < 20 && (await focused()).side === before; i++) await page.keyboard.press('ArrowRight');
    assert.notEqual((await focused()).side, before, `${id} did not change sides`);
  };
  const c0 = await tabTo('c0');
  assert.match(c0.label, /^client c0, on n1, (left|right) side/);
  const n1 = await tabTo('n1');
  assert.equal(n1.role, 'button');
  assert.match(n1.label, /^n1, (leader|follower|candidate), term \d+, left side/);
  assert.equal(n1.ring, '1', 'no visible focus ring on the focused server');
  await moveRight('n1');
  assert.match((await focused()).label, /right side/);
  await tabTo('n2');
  await moveRight('n2');
  let f = await on(page, 'cap-playground', (el) => el.state());
  assert.deepEqual(f.groups.map((g) => g.filter((m) => m[0] === 'n').sort()), [['n0', 'n3', 'n4'], ['n1', 'n2']], JSON.stringify(f.groups));
  assert.equal(f.clients[0].side, f.nodes[1].side, 'c0 went with its server n1');
  // As after a drag: the two-server side cannot commit and its client's operations stop succeeding; the three-server side goes on.
  const commit0 = [f.nodes[1].commit_index, f.nodes[2].commit_index];
  f = await on(page, 'cap-playground', (el) => { el.advance(8000); return el.state(); });
  assert.deepEqual([f.nodes[1].commit_index, f.nodes[2].commit_index], commit0, 'the minority committed');
  const minority = f.sides.find((s) => s.side === f.nodes[1].side), majority = f.sides.find((s) => s.side === f.nodes[0].side);
  assert.ok(minority.availability < 20, `minority availability ${minority.availability}`);
  assert.ok(majority.availability > 80, `majority availability ${majority.availability}`);
  // Enter opens the node panel, Escape closes it; Space plays and pauses.
  await page.keyboard.press('Enter');
  assert.match(await on(page, 'cap-playground', (el) => { const p = el.shadowRoot.querySelector('.node-panel'); return p.hidden ? '' : el.shadowRoot.querySelector('.np-title').textContent; }), /^n2 /);
  await page.keyboard.press('Escape');
  assert.equal(await on(page, 'cap-playground', (el) => el.shadowRoot.querySelector('.node-panel').hidden), true);
  await page.keyboard.press('Space');
  assert.equal(await on(page, 'cap-playground', (el) => el.paused), false);
  await page.keyboard.press('Space');
  assert.equal(await on(page, 'cap-playground', (el) => el.paused), true);
  await page.done();
});

test('two and three instances on one page (under the CSP) run independently', async () => {
  const page = await open(www.url('__fixtures/two-lines.html'));
  await waitForDiagram(page, { selector: '#a', minNodes: 5, timeout: 15000 });
  await waitForDiagram(page, { selector: '#b', minNodes: 5, timeout: 15000 });
  const nows = () => page.evaluate(() => Object.fromEntries([...document.querySelectorAll('cap-playground')].map((e) => [e.id, e.state()?.now ?? null])));
  const waitPast = (ids, t0) => page.waitForFunction(({ ids, t0 }) => ids.every((id) => document.getElementById(id).state().now > t0[id] + 200), { ids, t0 }, { timeout: 10000, polling: 50 });
  // Two: both run; pausing one leaves the other running; a partition in one is its own.
  let t0 = await nows();
  await waitPast(['a', 'b'], t0);
  await on(page, '#a', (el) => { el.pause(); el.setPartition([['n0', 'n1'], ['n2', 'n3', 'n4']]); });
  t0 = await nows();
  await waitPast(['b'], t0);
  let t1 = await nows();
  assert.equal(t1.a, t0.a, 'the paused element advanced');
  assert.equal(await on(page, '#b', (el) => el.state().groups.length), 1, 'a partition leaked into the other element');
  assert.equal(await on(page, '#b', (el) => el.state().protocol), 'dynamo');
  // Three: a third element joins; all three advance; #a's partition stays its own; the same scenario in
  // #a and #c gives the same run (trace hash) although the page runs others beside them.
  await page.evaluate(async () => {
    const c = document.createElement('cap-playground');
    c.id = 'c'; c.setAttribute('seed', '1'); c.setAttribute('speed', '1');
    document.body.append(c);
    await c.ready;
  });
  await on(page, '#a', (el) => el.play());
  t0 = await nows();
  await waitPast(['a', 'b', 'c'], t0);
  const h = await page.evaluate(() => {
    const [a, b, c] = ['a', 'b', 'c'].map((id) => document.getElementById(id));
    for (const el of [a, b, c]) el.pause();
    return { groupsA: a.state().groups.length, groupsB: b.state().groups.length };
  });
  assert.equal(h.groupsA, 2);
  assert.equal(h.groupsB, 1);
  const hashes = await page.evaluate(() => ['a', 'c'].map((id) => { const el = document.getElementById(id); el.loadScenario({ name: 'same', protocol: 'raft', nodes: 5, seed: 21 }); el.advance(3000); return el.state().trace_hash; }));
  assert.equal(hashes[0], hashes[1], 'two elements with the same scenario disagree');
  assert.equal(await page.evaluate(() => document.querySelectorAll('cap-playground').length), 3);
  await page.done();
});

test('the strict CSP is really enforced on these pages (control), and the element needs nothing it forbids', async () => {
  const page = await open(www.url('embed.html?seed=2'));
  await waitForDiagram(page, { minNodes: 5, timeout: 15000 });
  await page.waitForFunction(() => document.querySelector('cap-playground').state()?.now > 100, null, { timeout: 10000 });
  assert.deepEqual(await page.evaluate(() => window.__csp), [], 'the element caused CSP violations');
  // Control: an inline <style> is refused here, so the element's styles must come from elsewhere.
  const refused = await page.evaluate(async () => {
    const s = document.createElement('style');
    s.textContent = 'body { outline: 7px solid red }';
    document.head.append(s);
    await new Promise((r) => setTimeout(r, 100));
    const styled = getComputedStyle(document.body).outlineWidth === '7px';
    s.remove();
    const v = window.__csp.splice(0);
    return { styled, v };
  });
  assert.equal(refused.styled, false, 'an inline <style> applied: the CSP header is not in force');
  assert.ok(refused.v.some((x) => x.startsWith('style-src')), `no violation reported for the inline <style>: ${refused.v}`);
  const styled = await on(page, 'cap-playground', (el) => ({ sheets: el.shadowRoot.adoptedStyleSheets.length, inline: el.shadowRoot.querySelectorAll('style').length, node: getComputedStyle(el.shadowRoot.querySelector('.node .body')).strokeWidth }));
  assert.equal(styled.inline, 0, 'a <style> element in the shadow root');
  assert.equal(styled.sheets, 1);
  assert.notEqual(styled.node, '1px', 'the element is unstyled');
  page.capErrors.splice(0, page.capErrors.length, ...page.capErrors.filter((e) => !/inline style/.test(e)));
  await page.done();
});

test('HTML in a scenario name or description, or an attribute, is shown as text, never as markup', async () => {
  const page = await open(www.url('embed.html?paused'));
  await waitForDiagram(page, { minNodes: 5, timeout: 15000 });
  const EVIL = '<img src=x onerror=alert(1)>';
  const r = await on(page, 'cap-playground', async (el, EVIL) => {
    await el.ready;
    await el.loadScenario({ name: EVIL, description: `<b>bold</b> ${EVIL} <script>alert(2)</script>`, protocol: 'raft', nodes: 3, seed: 2 });
    el.advance(500);
    const sr = el.shadowRoot;
    const out = { name: sr.querySelector('.scen-name').textContent, desc: sr.querySelector('.scen-desc').textContent, title: sr.querySelector('.scen').getAttribute('title') };
    // And through an attribute: the message quotes it as text.
    const bad = document.createElement('cap-playground');
    bad.setAttribute('protocol', EVIL);
    document.body.append(bad);
    const box = bad.shadowRoot.querySelector('.attr-error');
    for (let i = 0; i < 100 && box.hidden; i++) await new Promise((r) => setTimeout(r, 50));
    out.attr = box.textContent;
    await new Promise((r) => setTimeout(r, 200));
    out.imgs = [document, sr, bad.shadowRoot].reduce((n, root) => n + root.querySelectorAll('img, script:not([src])').length, 0) +
      sr.querySelectorAll('.scen *').length - 2 + bad.shadowRoot.querySelectorAll('.attr-error *').length; // .scen holds its two spans only
    return out;
  }, EVIL);
  assert.equal(r.name, EVIL);
  assert.equal(r.desc, `<b>bold</b> ${EVIL} <script>alert(2)</script>`);
  assert.match(r.title, /<img src=x onerror=alert\(1\)>/);
  assert.ok(r.attr.includes(`protocol="${EVIL}"`), r.attr);
  assert.equal(r.imgs, 0, 'markup from data became elements');
  await page.done(); // also: no dialog opened, no request for "x"
  assert.ok(!page.requests.some((u) => /\/x$/.test(u)), 'the <img src=x> was requested');
});
