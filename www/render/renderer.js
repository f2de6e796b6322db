// SVG renderer for <cap-playground>: draws one frame (the simulator's snapshot) on the layout
// (positions + partition line, owned by the element): the line and its tinted sides, the links,
// the clients, the messages, and each server's shell, whose glyph the protocol's view draws
// (www/protocols/<view>.js: `glyph`). Elements are kept in Maps by key and only their changed
// attributes are written (A/T cache the last value), so a frame with 9 nodes and a hundred messages
// in flight touches a few hundred attributes and creates nothing.
// Per-frame cost (budget: p95 <= 4 ms with 9 servers under heavy traffic): each record keeps the
// numbers it was last drawn from and skips building strings when they did not change.
//
// Edges: a server or client is drawn wholly inside the diagram, labels included. A client's glyph
// has a fixed size (CLIENT_EXT, kept by the layout); a server's depends on its labels, so its extent
// is measured (getBBox) when its glyph changed while it stands near an edge, and the layout point
// is moved in just enough. Nodes away from the edges are never measured.
import { W, H, halfPlane, clipLine, crossing, sideOf, sideWord, clamp } from './geometry.js';
import { NODE_R, TIMER_R, TIMER_C, mk, A, T, f1, family } from './draw.js';

/** How far (units) a server's glyph can reach from its centre, labels included: closer to an edge, it is measured. */
const REACH = 110;
/** Room kept between a glyph's measured box and the diagram's edge (strokes, rounding). */
const PAD = 2;
/**
 * Until the first frame is on screen, a server's extent is taken to be a Raft server's, measured
 * (the default page's): measuring (getBBox) forces a layout of the whole diagram in the middle of
 * building it, which cost the first frame about 20 ms. `settle()` then has every guessed extent
 * measured at the next draw (another view's glyph may be larger: at most a frame off).
 */
const FIRST_EXT = { l: 33 + PAD, r: 33 + PAD, t: 42 + PAD, b: 33 + PAD, guess: true };

/** Draws frames into the diagram svg for one element. */
export class Renderer {
  constructor(svg) {
    this.svg = svg;
    this.g = {};
    for (const k of ['tints', 'labels', 'links', 'msgs', 'pline', 'clients', 'nodes', 'notes']) this.g[k] = svg.querySelector('.' + k);
    this.tintA = svg.querySelector('.tintA');
    this.tintB = svg.querySelector('.tintB');
    this.la = svg.querySelector('.la');
    this.lb = svg.querySelector('.lb');
    this.pl = { vis: svg.querySelector('.pline .vis'), hit: svg.querySelector('.pline .hit'), h1: svg.querySelector('.h1'), h2: svg.querySelector('.h2') };
    this.ctx = {}; // the view's context for one server, reused (no allocation per node and frame)
    this.settled = false; // false until the first frame is painted (see FIRST_EXT)
    this.reset();
  }

  /** The first frame is on screen: measure what was guessed. True when a draw is needed for it. */
  settle() {
    if (this.settled) return false;
    this.settled = true;
    let again = false;
    for (const r of this.nodes.values()) if (r.ext?.guess) { r.ext = null; again = true; }
    return again;
  }

  /** Forget every keyed element (new run). */
  reset() {
    for (const k of ['links', 'msgs', 'clients', 'nodes', 'notes']) this.g[k].replaceChildren();
    this.nodes = new Map();
    this.clients = new Map();
    this.links = new Map();
    this.msgs = new Map();
    this.notes = new Map();
    this.pool = [];
    this.lineRec = null;
    this.lineGen = 0;
    this.gen = 0;
  }

  /**
   * Draw frame `f` at render time `t` (simulated ms, may be fractional) on layout `L`. opt: { view,
   * vi (the view's instance for this element), reduced, selectedMsg, narrow, slow, lost (Map node →
   * crash caption) }.
   */
  render(f, t, L, opt) {
    const gen = ++this.gen;
    // Servers first: a server near an edge may be moved in, and links, clients and messages follow it.
    for (const node of f.nodes) this.node(node, f, t, L, opt);
    this.drawLine(L);
    // Links: every pair of servers, then each client to its current target. A link is broken when
    // its ends are on different sides (f.nodes[].side / f.clients[].side) or it is cut.
    const cuts = f.cuts.length ? f.cuts : null;
    const cut = (a, b) => cuts.some(([x, y]) => (x === a && y === b) || (x === b && y === a));
    const nodes = f.nodes, n = nodes.length;
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        const br = nodes[i].side !== nodes[j].side || (cuts !== null && cut('n' + i, 'n' + j));
        this.link(i * 64 + j, gen, L.nodes[i], L.nodes[j], br, L.line, false);
      }
    }
    for (const c of f.clients) {
      const target = c.pending ? c.pending.target : c.node;
      const br = c.side !== (nodes[target]?.side ?? 0) || (cuts !== null && cut('c' + c.id, 'n' + target));
      this.link(-1 - c.id, gen, L.clientPos(c.id), L.nodes[target], br, L.line, true);
    }
    if (this.links.size !== (n * (n - 1)) / 2 + f.clients.length) {
      for (const [k, rec] of this.links) if (rec.gen !== gen) { rec.g.remove(); this.links.delete(k); }
    }
    for (const c of f.clients) this.client(c, f, t, L);
    this.messages(f, t, L, opt);
    this.captions(f, L, opt.lost);
  }

  drawLine(L) {
    const l = L.line;
    let n0 = 0, n1 = 0;
    for (const p of L.nodes) { if (sideOf(l, p)) n1++; else n0++; }
    const c = this.lineRec;
    if (c && c.x1 === l.x1 && c.y1 === l.y1 && c.x2 === l.x2 && c.y2 === l.y2 && c.n0 === n0 && c.n1 === n1) return;
    this.lineRec = { x1: l.x1, y1: l.y1, x2: l.x2, y2: l.y2, n0, n1 };
    this.lineGen++;
    const counts = [n0, n1], total = n0 + n1;
    const pts = (ps) => ps.map((p) => f1(p[0]) + ',' + f1(p[1])).join(' ');
    A(this.tintA, 'points', pts(halfPlane(l, 0)));
    A(this.tintB, 'points', pts(halfPlane(l, 1)));
    const [x1, y1, x2, y2] = clipLine(l);
    for (const e of [this.pl.vis, this.pl.hit]) { A(e, 'x1', f1(x1)); A(e, 'y1', f1(y1)); A(e, 'x2', f1(x2)); A(e, 'y2', f1(y2)); }
    A(this.pl.h1, 'transform', `translate(${f1(l.x1)},${f1(l.y1)})`);
    A(this.pl.h2, 'transform', `translate(${f1(l.x2)},${f1(l.y2)})`);
    // Side captions in a free corner of each side: how many servers, majority or not.
    const corners = [[10, 18, 'start'], [W - 10, 18, 'end'], [10, H - 10, 'start'], [W - 10, H - 10, 'end']];
    const used = new Set();
    [this.la, this.lb].forEach((e, s) => {
      const c = corners.find((c, i) => !used.has(i) && sideOf(l, { x: c[0], y: c[1] }) === s);
      if (!c) { A(e, 'visibility', 'hidden'); return; }
      used.add(corners.indexOf(c));
      A(e, 'visibility', 'visible');
      A(e, 'x', String(c[0])); A(e, 'y', String(c[1])); A(e, 'text-anchor', c[2]);
      const k = counts[s];
      T(e, k === total ? `all ${total} servers` : k === 0 ? 'drop servers here' :
        `${k} of ${total} servers · ${2 * k > total ? 'majority' : 'minority'}`);
    });
  }

  link(key, gen, a, b, isBroken, line, isClient) {
    let rec = this.links.get(key);
    if (!rec) {
      const g = mk('g', { class: isClient ? 'link client' : 'link' }, this.g.links);
      rec = { g, a: mk('line', {}, g), b: mk('line', {}, g), x: mk('text', { 'text-anchor': 'middle', dy: '4' }, g), ax: NaN };
      rec.x.textContent = '✕';
      this.links.set(key, rec);
    }
    rec.gen = gen;
    if (!a || !b) return;
    // Redraw only when an end moved, the link broke or healed, or (broken) the line moved.
    if (rec.ax === a.x && rec.ay === a.y && rec.bx === b.x && rec.by === b.y && rec.br === isBroken && (!isBroken || rec.lg === this.lineGen)) return;
    rec.ax = a.x; rec.ay = a.y; rec.bx = b.x; rec.by = b.y; rec.br = isBroken; rec.lg = this.lineGen;
    A(rec.g, 'class', 'link' + (isClient ? ' client' : '') + (isBroken ? ' broken' : ''));
    const set = (e, p, q) => { A(e, 'x1', f1(p.x)); A(e, 'y1', f1(p.y)); A(e, 'x2', f1(q.x)); A(e, 'y2', f1(q.y)); };
    if (!isBroken) {
      set(rec.a, a, b);
      A(rec.b, 'visibility', 'hidden');
      A(rec.x, 'visibility', 'hidden');
      return;
    }
    const len = Math.hypot(b.x - a.x, b.y - a.y) || 1;
    const ux = (b.x - a.x) / len, uy = (b.y - a.y) / len;
    const cp = crossing(line, a, b) || { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 };
    const gap = 9;
    set(rec.a, a, { x: cp.x - ux * gap, y: cp.y - uy * gap });
    set(rec.b, { x: cp.x + ux * gap, y: cp.y + uy * gap }, b);
    A(rec.b, 'visibility', 'visible');
    A(rec.x, 'visibility', 'visible');
    A(rec.x, 'x', f1(cp.x)); A(rec.x, 'y', f1(cp.y));
  }

  /**
   * One server: its shell (the parts every glyph has: focus ring, timer arc, body, role letter,
   * term line, id, sub label, badge, vote dots, tooltip), placed inside the diagram; the view draws
   * the glyph into it and returns true when its labels changed.
   */
  node(nd, f, t, L, opt) {
    const id = nd.id;
    let r = this.nodes.get(id);
    if (!r) {
      const g = mk('g', { class: 'node', 'data-node-id': 'n' + id, tabindex: '0', role: 'button' }, this.g.nodes);
      r = {
        g,
        tip: mk('title', {}, g),
        focus: mk('circle', { class: 'focus', r: NODE_R + 9 }, g),
        timer: mk('circle', { class: 'timer', r: TIMER_R, 'stroke-dasharray': f1(TIMER_C), transform: 'rotate(-90)', visibility: 'hidden' }, g),
        body: mk('circle', { class: 'body', r: NODE_R }, g),
        role: mk('text', { class: 'role', y: '2' }, g),
        term: mk('text', { class: 'term', y: '15' }, g),
        nid: mk('text', { class: 'nid', y: String(-NODE_R - 8) }, g),
        sub: mk('text', { class: 'sub', y: String(NODE_R + 15) }, g),
        badge: mk('g', { class: 'badge', transform: `translate(${NODE_R - 2},${2 - NODE_R})`, visibility: 'hidden' }, g),
        votes: mk('g', { visibility: 'hidden' }, g),
        dots: [],
        ext: null, // measured extent {l, r, t, b} from the centre, null = not measured since the glyph changed
        k: {}, // what it was last drawn from (the shell's and the view's keys)
      };
      r.nid.textContent = 'n' + id;
      mk('circle', { r: '8.5' }, r.badge);
      r.btxt = mk('text', { y: '3.5' }, r.badge);
      this.nodes.set(id, r);
    }
    const p = L.nodes[id];
    const c = this.ctx;
    c.f = f; c.t = t; c.L = L; c.id = id; c.p = p; c.opt = opt; c.vi = opt.vi;
    c.alive = !!(nd.alive && nd.role); c.sel = L.selected === id; c.drag = L.dragging === id;
    c.sw = sideWord(L.line, p); // said in the label: the keyboard moves the node across the line
    if (opt.view.glyph(r, nd, c)) r.ext = null;
    this.inside(r, p);
    const k = r.k;
    if (k.px !== p.x || k.py !== p.y) { k.px = p.x; k.py = p.y; A(r.g, 'transform', `translate(${f1(p.x)},${f1(p.y)})`); }
    // The tooltip says everything the label says (a long label is wrapped or cut on the glyph).
    T(r.tip, r.g.__c?.['aria-label'] ?? '');
  }

  /** Keep server r at layout point p wholly inside the diagram (moving p in), measuring it if needed. */
  inside(r, p) {
    if (p.x > REACH && p.x < W - REACH && p.y > REACH && p.y < H - REACH) return;
    const e = r.ext || (r.ext = this.settled ? extentOf(r.g) : FIRST_EXT);
    const x = clamp(p.x, e.l, W - e.r), y = clamp(p.y, e.t, H - e.b);
    if (x !== p.x || y !== p.y) { p.x = x; p.y = y; }
  }

  client(c, f, t, L) {
    let r = this.clients.get(c.id);
    if (!r) {
      const g = mk('g', { class: 'client', 'data-client-id': 'c' + c.id, tabindex: '0', role: 'button' }, this.g.clients);
      r = {
        g,
        tip: mk('title', {}, g),
        focus: mk('circle', { class: 'focus', r: '17' }, g),
        scr: mk('rect', { class: 'scr', x: '-9', y: '-9', width: '18', height: '12', rx: '2' }, g),
        base: mk('path', { class: 'base', d: 'M-12 6h24' }, g),
        cid: mk('text', { class: 'cid', y: '19' }, g),
        st: mk('text', { class: 'st', x: '19', y: '2' }, g),
        pend: mk('text', { class: 'pend', y: '-12' }, g),
        k: {}, // what it was last drawn from
      };
      r.cid.textContent = 'c' + c.id;
      this.clients.set(c.id, r);
    }
    const p = L.clientPos(c.id);
    const k = r.k;
    if (k.px !== p.x || k.py !== p.y) { k.px = p.x; k.py = p.y; A(r.g, 'transform', `translate(${f1(p.x)},${f1(p.y)})`); }
    const last = c.last;
    const fresh = !!last && t - last.at < 600, req = last ? last.request : -1, pend = !!c.pending;
    const sw = sideWord(L.line, p);
    if (k.req === req && k.fresh === fresh && k.pend === pend && k.side === c.side && k.node === c.node && k.sw === sw) return;
    k.req = req; k.fresh = fresh; k.pend = pend; k.side = c.side; k.node = c.node; k.sw = sw;
    A(r.g, 'data-side', String(c.side));
    const mark = !last ? '' : last.outcome === 'ok' ? '✓' : last.outcome === 'fail' ? '✕' : '?';
    T(r.st, mark);
    A(r.st, 'class', `st ${last ? last.outcome : ''}${fresh ? ' fresh' : ''}`);
    T(r.pend, pend ? '…' : '');
    const label = `client c${c.id}, on n${c.node}, ${sw}` + (last ? `, last: ${last.label} ${last.outcome} ${last.result}` : '') + (pend ? ', waiting' : '');
    A(r.g, 'aria-label', label);
    T(r.tip, label);
  }

  messages(f, t, L, opt) {
    const gen = this.gen, line = L.line;
    // "n3" / "c1" → a point of the layout (parsed once per message).
    const at = (c, i) => (c ? L.clientPos(i) : L.nodes[i]);
    for (const m of f.messages) {
      let r = this.msgs.get(m.id);
      if (!r) {
        r = this.pool.pop();
        if (r) A(r.g, 'visibility', 'visible');
        else {
          const g = mk('g', {}, this.g.msgs);
          mk('circle', { class: 'hit', r: '10' }, g);
          // Moved every frame: through the SVG DOM (no transform string to build and parse).
          g.transform.baseVal.appendItem(this.svg.createSVGTransform());
          r = { g, dot: mk('circle', { class: 'dot', r: '5' }, g), tr: g.transform.baseVal.getItem(0), x: NaN, y: NaN };
        }
        A(r.g, 'data-msg-id', String(m.id));
        r.fc = m.from[0] === 'c'; r.fi = +m.from.slice(1); r.tc = m.to[0] === 'c'; r.ti = +m.to.slice(1);
        r.cls = -1;
        this.msgs.set(m.id, r);
      }
      const a = at(r.fc, r.fi), b = at(r.tc, r.ti);
      if (!a || !b) continue;
      r.gen = gen;
      const dur = Math.max(1e-6, m.deliver_at - m.sent);
      let fr = (t - m.sent) / dur, op = 1, lost = false, stop = Infinity;
      if (m.lost_at != null && t >= m.lost_at) {
        lost = true;
        fr = (m.lost_at - m.sent) / dur;
        op = opt.reduced ? 0.4 : Math.max(0, 1 - (t - m.lost_at) / 200); // reduced motion: no fade
        // A message sent into a cut dies at the line, where the reader sees the cut.
        const cp = crossing(line, a, b);
        if (cp) stop = Math.hypot(cp.x - a.x, cp.y - a.y) - 7;
      } else if (opt.reduced) fr = 0.5;
      fr = fr < 0 ? 0 : fr > 1 ? 1 : fr;
      // Start and end on the rims; each direction gets its own lane (offset to the right).
      const len = Math.hypot(b.x - a.x, b.y - a.y) || 1;
      const ux = (b.x - a.x) / len, uy = (b.y - a.y) / len;
      const ra = r.fc ? 12 : NODE_R, rb = r.tc ? 12 : NODE_R;
      const s = Math.min(stop, ra + (len - ra - rb) * fr);
      const x = a.x + ux * s - uy * 4, y = a.y + uy * s + ux * 4;
      const rx = Math.round(x * 10) / 10, ry = Math.round(y * 10) / 10;
      if (r.x !== rx || r.y !== ry) { r.x = rx; r.y = ry; r.tr.setTranslate(rx, ry); }
      const o = lost ? Math.round(op * 10) / 10 : 1;
      if (r.o !== o) { r.o = o; r.g.setAttribute('opacity', String(o)); }
      const cls = (lost ? 1 : 0) | (opt.selectedMsg === m.id ? 2 : 0);
      if (r.cls !== cls) {
        r.cls = cls;
        A(r.g, 'class', `msg k-${family(m.kind)}${m.is_reply ? ' reply' : ''}${lost ? ' lost' : ''}${cls & 2 ? ' sel' : ''}`);
      }
    }
    // Finished messages go back to a pool (hidden), so heavy traffic creates no new elements.
    for (const [id, r] of this.msgs) if (r.gen !== gen) { A(r.g, 'visibility', 'hidden'); r.g.removeAttribute('data-msg-id'); r.g.__c['data-msg-id'] = null; this.pool.push(r); this.msgs.delete(id); }
  }

  /**
   * Crash captions: what a crash lost, written by the crashed server (above it, or under it near
   * the top edge) and kept inside the diagram. lost: Map node id → caption lines (the element
   * decides how long one stays).
   */
  captions(f, L, lost) {
    const up = (id) => f.nodes[id]?.alive; // restarted: nothing to say any more
    for (const [id, e] of this.notes) if (!lost?.has(id) || up(id)) { e.remove(); this.notes.delete(id); }
    if (!lost) return;
    for (const [id, lines] of lost) {
      if (up(id)) continue;
      let e = this.notes.get(id);
      if (!e) {
        e = mk('text', { class: 'lost-cap', 'data-lost': 'n' + id }, this.g.notes);
        e.__rows = lines.flatMap((l) => wrap(l, CAPTION_CHARS));
        e.__rows.forEach((l, k) => { mk('tspan', { x: '0', dy: k ? '13' : '0' }, e).textContent = l; });
        const r = this.nodes.get(id);
        e.__ext = r ? extentOf(r.g) : { t: 40, b: 40 };
        this.notes.set(id, e);
      }
      const p = L.nodes[id];
      if (!p) continue;
      // Wide as its longest line (10.5 px bold: under 7 units a character), kept inside the box;
      // above the server, or under it when there is no room above.
      const n = e.__rows.length, half = Math.min(W / 2, 3.5 * Math.max(...e.__rows.map((l) => l.length)) + 4);
      const x = clamp(p.x, half, W - half), top = p.y - e.__ext.t - 6 - 13 * (n - 1);
      const y = top - 10 > 0 ? top : Math.min(H - 4 - 13 * (n - 1), p.y + e.__ext.b + 12);
      A(e, 'transform', `translate(${f1(x)},${f1(y)})`);
    }
  }
}

/** Characters a line of a crash caption. */
const CAPTION_CHARS = 32;
/** Lines of at most `max` characters, broken after spaces (which they keep: joined, they are the text again). */
function wrap(text, max) {
  const out = [];
  let rest = text;
  while (rest.length > max) {
    const i = rest.lastIndexOf(' ', max);
    if (i <= 0) break;
    out.push(rest.slice(0, i + 1));
    rest = rest.slice(i + 1);
  }
  out.push(rest);
  return out;
}

/** The box of a server's glyph around its centre (union of its parts, but not a view's `__noExt` ones such as ZAB's vote arrow), padded. */
function extentOf(g) {
  let l = 0, r = 0, t = 0, b = 0;
  for (const e of g.children) {
    if (e.__noExt || e.tagName === 'title') continue;
    let bb;
    try { bb = e.getBBox(); } catch { continue; }
    if (!bb.width && !bb.height) continue;
    // A part's own transform: a translation (the badge, the phase pill) or a rotation about the
    // centre of a circle (the timer arc), which moves nothing.
    let dx = 0, dy = 0;
    const tl = e.transform?.baseVal;
    for (let i = 0; tl && i < tl.numberOfItems; i++) { const m = tl.getItem(i).matrix; dx += m.e; dy += m.f; }
    l = Math.max(l, -(bb.x + dx)); r = Math.max(r, bb.x + dx + bb.width);
    t = Math.max(t, -(bb.y + dy)); b = Math.max(b, bb.y + dy + bb.height);
  }
  return { l: l + PAD, r: r + PAD, t: t + PAD, b: b + PAD };
}
