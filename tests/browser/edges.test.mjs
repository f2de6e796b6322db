// What a reader sees at the edges of the diagram (issue 14, item 5): a server or a client dragged
// with the mouse to any corner of the diagram is drawn wholly inside it, labels included, for every
// protocol's default run; a label too long for one line wraps, and the whole text is in the
// server's tooltip (<title>) and ARIA label.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSession, waitForDiagram } from './helpers.mjs';
import { PROTOCOLS } from '../../www/protocols.js';

let s;
before(async () => { s = await startSession({ context: { viewport: { width: 1000, height: 800 } } }); });
after(async () => { await s?.close(); });

/** The box of every server and client, and of the diagram, in page pixels. */
const boxes = (page) => page.evaluate(() => {
  const sr = document.querySelector('cap-playground').shadowRoot;
  const r = (e) => { const b = e.getBoundingClientRect(); return { l: b.left, t: b.top, r: b.right, b: b.bottom }; };
  // The diagram: its viewBox (0 0 640 400) on the page (the <svg> box may be wider when letterboxed).
  const svg = sr.querySelector('.diagram'), m = svg.getScreenCTM(), vb = svg.viewBox.baseVal;
  const pt = (x, y) => ({ x: m.a * x + m.c * y + m.e, y: m.b * x + m.d * y + m.f });
  const p0 = pt(vb.x, vb.y), p1 = pt(vb.x + vb.width, vb.y + vb.height);
  return {
    svg: { l: p0.x, t: p0.y, r: p1.x, b: p1.y },
    items: [...sr.querySelectorAll('[data-node-id], [data-client-id]')].map((e) => ({ id: e.dataset.nodeId || e.dataset.clientId, ...r(e), label: e.querySelector('.sub')?.textContent ?? '' })),
  };
});

/** Every item's box lies inside the diagram's (half a pixel for rounding). */
function assertInside(b, what) {
  for (const it of b.items) {
    const out = [it.l < b.svg.l - 0.5 && `left by ${(b.svg.l - it.l).toFixed(1)} px`, it.r > b.svg.r + 0.5 && `right by ${(it.r - b.svg.r).toFixed(1)} px`,
      it.t < b.svg.t - 0.5 && `top by ${(b.svg.t - it.t).toFixed(1)} px`, it.b > b.svg.b + 0.5 && `bottom by ${(it.b - b.svg.b).toFixed(1)} px`].filter(Boolean);
    assert.deepEqual(out, [], `${what}: ${it.id}${it.label ? ` ("${it.label}")` : ''} sticks out of the diagram: ${out.join(', ')}`);
  }
}

const center = (page, sel) => page.evaluate((sel) => {
  const b = document.querySelector('cap-playground').shadowRoot.querySelector(sel).querySelector('circle.body, rect.scr').getBoundingClientRect();
  return { x: b.left + b.width / 2, y: b.top + b.height / 2 };
}, sel);

for (const { name } of PROTOCOLS) {
  test(`${name}: every server and client dragged to each corner of the diagram stays wholly inside it, with its labels`, async () => {
    const page = await s.open(`/embed.html?protocol=${name}&seed=3&paused`);
    await waitForDiagram(page, { minNodes: 2, timeout: 15000 });
    // A moment with long labels: ZAB's servers are LOOKING and voting, 2PC's are preparing.
    await page.evaluate(async () => { const el = document.querySelector('cap-playground'); await el.ready; el.pause(); el.advance(120); });
    const ids = (await boxes(page)).items.map((x) => x.id);
    assert.ok(ids.filter((x) => x[0] === 'n').length >= 2 && ids.some((x) => x[0] === 'c'), `servers and clients: ${ids}`);
    let moves = 0;
    for (const id of ids) {
      const sel = id[0] === 'n' ? `[data-node-id="${id}"]` : `[data-client-id="${id}"]`;
      for (const corner of ['top-left', 'top-right', 'bottom-right', 'bottom-left']) {
        const svg = (await boxes(page)).svg, from = await center(page, sel);
        // Past the corner: the drag goes on outside the diagram (pointer capture) and the item stops at the edge.
        const to = { x: corner.endsWith('left') ? svg.l - 30 : svg.r + 30, y: corner.startsWith('top') ? svg.t - 30 : svg.b + 30 };
        await page.mouse.move(from.x, from.y);
        await page.mouse.down();
        await page.mouse.move((from.x + to.x) / 2, (from.y + to.y) / 2, { steps: 3 });
        await page.mouse.move(to.x, to.y, { steps: 3 });
        await page.mouse.up();
        moves++;
        const b = await boxes(page);
        assertInside(b, `${name}, ${id} dragged to the ${corner} corner`);
        // Where it stopped: in that corner (within a glyph's reach of both edges).
        const me = b.items.find((x) => x.id === id);
        const near = (corner.endsWith('left') ? me.l - b.svg.l : b.svg.r - me.r) < 40 && (corner.startsWith('top') ? me.t - b.svg.t : b.svg.b - me.b) < 40;
        assert.ok(near, `${name}: ${id} did not reach the ${corner} corner: ${JSON.stringify(me)} in ${JSON.stringify(b.svg)}`);
        // Labels change as the run goes on (a new election, a lock): still inside.
        await page.evaluate(() => document.querySelector('cap-playground').advance(40));
        assertInside(await boxes(page), `${name}, ${id} in the ${corner} corner, 40 ms later`);
      }
    }
    assert.equal(moves, ids.length * 4);
    s.assertNoErrors(page);
    await page.close();
  });
}

test('a long label wraps on two lines under the server; its whole text is in the tooltip and the ARIA label', async () => {
  const page = await s.open('/embed.html?scenario=zab-election&paused');
  await waitForDiagram(page, { minNodes: 3, timeout: 15000 });
  const r = await page.evaluate(async () => {
    const el = document.querySelector('cap-playground');
    await el.ready;
    el.pause();
    for (let i = 0; i < 400; i++) {
      const g = [...el.shadowRoot.querySelectorAll('[data-node-id]')].find((x) => x.querySelector('.sub').textContent.startsWith('LOOKING, votes'));
      if (g) {
        const sub = g.querySelector('.sub');
        return { text: sub.textContent, lines: sub.querySelectorAll('tspan').length, width: sub.getBBox().width, title: g.querySelector('title').textContent, aria: g.getAttribute('aria-label') };
      }
      el.advance(5);
    }
    return null;
  });
  assert.ok(r, 'no LOOKING server with a vote');
  assert.match(r.text, /^LOOKING, votes (n\d|itself) \(\d+:\d+\)$/);
  assert.equal(r.lines, 2, `"${r.text}" is not wrapped`);
  assert.ok(r.width < 130, `the wrapped label is ${r.width} units wide`);
  assert.match(r.title, /LOOKING, .*votes for n\d \(last zxid \d+:\d+/);
  assert.equal(r.title, r.aria);
  s.assertNoErrors(page);
});
