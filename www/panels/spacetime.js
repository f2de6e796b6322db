/**
 * The space-time (Lamport) diagram of <cap-playground>: one line per server and per client, time
 * running left to right; every message an arrow from its send to its delivery (a lost one ends in ✕
 * where it was lost, a duplicate is its own arrow marked ×2, heartbeats drawn faint), coloured by
 * kind as in the legend; marks for elections (L T3), commits (ticks), crashes (✕, the line dashed
 * while down), restarts (↺), partitions (the cut-off lines tinted until the heal); each client
 * operation a bar on its client's line, coloured by outcome, the checker's witness outlined.
 *
 * Loaded on demand (the element imports it when the panel first opens, by a variable path: it is
 * not part of a playground page's first download). The data is the simulator's space-time record
 * (src/spacetime/, wasm `spacetimeJson`): pulled whole when the panel opens or the record was
 * rebuilt (a new epoch), then only what changed each frame.
 *
 * Linked views: the cursor is the simulator's current moment; dragging it seeks (time travel).
 * Hovering an arrow shows its fields and highlights its dot in the cluster diagram (when it is on
 * the wire at that moment); hovering a dot in the cluster highlights its arrow. Clicking an arrow
 * selects it (event `spacetime-select`); clicking an operation bar selects it in the client
 * timeline.
 *
 * Drawing: arrows, bars and ticks on a <canvas>, only those crossing the visible window (binary
 * search by send time, then one path per colour and style); every word (lane names, the time axis,
 * the marks' labels) is SVG text over it. Pan: drag, horizontal wheel, ← →; zoom: ctrl + wheel (a
 * trackpad pinch), two fingers, + −; Home / End: the record's start / follow the present.
 *
 * Panel interface (the element's panels, www/panels): default export { name, mount(host) } →
 * instance { reset(), frame(f, t, slow), jumped(), open(on), actions }. The host is the element:
 * its API plus $ (shadow root lookup), f (last frame), _sim(fn), _say(text, warn), familyOf(kind),
 * selectOp(op), svg (the cluster diagram).
 */

const NS = 'http://www.w3.org/2000/svg';
const FAMILIES = ['vote', 'prevote', 'append', 'snap', 'client', 'other'];
const GUTTER = 38, AXIS = 20, PAD_R = 10, PAD_B = 6;
const MIN_SPAN = 20, DEFAULT_SPAN = 2000;
/** Above this many arrows in view, arrowheads are left out (they would be sub-pixel anyway). */
const HEADS_MAX = 2500;

// One string per rule (dist/ keeps template literals verbatim; this minifies).
export const SPACETIME_CSS = [
  '.st{margin-top:6px;border:1px solid var(--border);border-radius:8px;padding:4px 6px;background:var(--panel)}',
  '.st-head{display:flex;flex-wrap:wrap;align-items:center;gap:4px 8px;font-size:12px;color:var(--muted)}',
  '.st-head h3{margin:0}.st-head .x{margin-left:auto;padding:0 6px}',
  '.st-head button{font-size:12px;padding:1px 7px}.st-head button[aria-pressed=false]{opacity:.55;text-decoration:line-through}',
  '.st-head label{display:inline-flex;align-items:center;gap:3px}',
  '.st-head details{position:relative}.st-head summary{cursor:pointer}',
  '.st-kinds{position:absolute;z-index:3;background:var(--panel);border:1px solid var(--border);border-radius:6px;padding:4px 8px;display:grid;gap:2px;min-width:12em}',
  '.st-box{position:relative;touch-action:pan-y;cursor:grab;outline:none;border-radius:6px;margin-top:4px;background:var(--bg)}',
  '.st-box:focus-visible{outline:2px solid var(--accent);outline-offset:1px}',
  '.st-box.panning{cursor:grabbing}.st-box.seeking{cursor:ew-resize}',
  '.st-box canvas{display:block;width:100%}',
  '.st-over{position:absolute;left:0;top:0;width:100%;height:100%;pointer-events:none;overflow:visible}',
  '.st-over text{font-size:11px;fill:var(--ink)}',
  '.st-over .lane{font-weight:700;text-anchor:end}.st-over .lane.down{fill:var(--muted)}',
  '.st-over .tick{fill:var(--muted);text-anchor:middle;font-size:10px}',
  '.st-over .mk{font-weight:700;text-anchor:middle}.st-over .mk.crash{fill:var(--bad);font-size:14px}',
  '.st-over .mk.net{fill:var(--handle);font-size:10.5px}.st-over .opl{font-size:10px}',
  '.st-over .now{fill:var(--ink);font-size:10.5px;font-weight:600;text-anchor:middle}',
  '.st-over .hl{fill:none;stroke:var(--handle);stroke-width:2.5;stroke-dasharray:5 3}',
  '.st-info{min-height:2.6em;font-size:12px;color:var(--ink);margin:3px 2px 0;overflow-wrap:anywhere}',
  '.st-info .k{font-weight:700}.st-hint{font-size:11.5px;color:var(--muted);margin:0 2px}',
  '.st-note{font-size:12px;color:var(--muted);margin:2px}',
  '.msg[data-hl] .dot{stroke:var(--ink);stroke-width:3.5}.msg[data-hl] .hit{fill:none;stroke:var(--handle);stroke-width:2.5}',
].join('');

function el(tag, attrs, parent, text) {
  const e = document.createElement(tag);
  for (const k in attrs) e.setAttribute(k, attrs[k]);
  if (text != null) e.textContent = text;
  if (parent) parent.appendChild(e);
  return e;
}
function sv(tag, attrs, parent) {
  const e = document.createElementNS(NS, tag);
  for (const k in attrs) e.setAttribute(k, attrs[k]);
  if (parent) parent.appendChild(e);
  return e;
}
const A = (e, k, v) => { const c = e.__c || (e.__c = {}); if (c[k] !== v) { c[k] = v; e.setAttribute(k, v); } };
const T = (e, v) => { if (e.__t !== v) { e.__t = v; e.textContent = v; } };
const secs = (ms, d = 3) => `${(ms / 1000).toFixed(d)} s`;
const STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 60000, 120000, 300000];

/** Append the panel's CSS to the element's constructed stylesheet (CSP-safe), once per page. */
function adoptCss(root) {
  try {
    const sheet = root.adoptedStyleSheets?.[0];
    if (sheet) {
      if (!sheet.__spacetime) {
        sheet.__spacetime = true;
        for (const rule of SPACETIME_CSS.match(/[^{}]+\{[^{}]*\}/g)) sheet.insertRule(rule.trim(), sheet.cssRules.length);
      }
      return;
    }
  } catch { /* a <style> instead */ }
  el('style', {}, root, SPACETIME_CSS);
}

/** Index of the first item of sorted `arr` whose key(item) >= x. */
function lowerBound(arr, x, key) {
  let lo = 0, hi = arr.length;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (key(arr[mid]) < x) lo = mid + 1; else hi = mid; }
  return lo;
}

/** A pool of SVG elements of one kind: take() per frame, then hide the rest with done(). */
class Pool {
  constructor(parent, tag, attrs) { this.parent = parent; this.tag = tag; this.attrs = attrs; this.items = []; this.n = 0; }
  take() {
    let e = this.items[this.n];
    if (!e) { e = sv(this.tag, this.attrs, this.parent); this.items.push(e); }
    this.n++;
    A(e, 'visibility', 'visible');
    return e;
  }
  done() { for (let i = this.n; i < this.items.length; i++) A(this.items[i], 'visibility', 'hidden'); this.n = 0; }
}

export default { name: 'spacetime', mount: (host) => new SpaceTime(host) };

export class SpaceTime {
  constructor(host) {
    this.host = host;
    const root = host.shadowRoot;
    adoptCss(root);
    const sec = this.sec = el('section', { class: 'st', hidden: '', 'aria-label': 'space-time diagram' });
    const head = el('div', { class: 'st-head' }, sec);
    el('h3', {}, head, 'space-time');
    this.lanesBox = el('span', { class: 'st-lanes', role: 'group', 'aria-label': 'show or hide a server or client line' }, head);
    const kd = el('details', { class: 'st-kd' }, head);
    el('summary', {}, kd, 'kinds');
    this.kindsBox = el('div', { class: 'st-kinds', role: 'group', 'aria-label': 'message kinds shown' }, kd);
    const hb = el('label', {}, head);
    this.hideHb = el('input', { type: 'checkbox', class: 'st-hide-hb' }, hb);
    hb.append('hide heartbeats');
    this.followBtn = el('button', { type: 'button', 'data-action': 'st-follow', 'aria-pressed': 'true', title: 'keep the present in view (End)' }, head, 'follow now');
    el('button', { type: 'button', 'data-action': 'st-zoom-out', 'aria-label': 'zoom out', title: 'zoom out (−)' }, head, '−');
    el('button', { type: 'button', 'data-action': 'st-zoom-in', 'aria-label': 'zoom in', title: 'zoom in (+)' }, head, '+');
    el('button', { type: 'button', 'data-action': 'export-svg', title: 'download what the panel shows as an SVG (for a slide)' }, head, 'SVG');
    el('button', { type: 'button', 'data-action': 'export-shiviz', title: 'download the run as a ShiViz log (vector clocks)' }, head, 'ShiViz');
    el('button', { type: 'button', class: 'x', 'data-action': 'spacetime', 'aria-label': 'close the space-time diagram' }, head, '×');
    const box = this.box = el('div', {
      class: 'st-box', tabindex: '0', role: 'group',
      'aria-label': 'space-time diagram: one line per server and client, arrows are messages. Left and right arrows pan, plus and minus zoom, Home and End go to the start and the present, up and down select a message, Enter goes to it.',
    }, sec);
    this.canvas = el('canvas', { 'aria-hidden': 'true' }, box);
    this.over = sv('svg', { class: 'st-over', 'aria-hidden': 'true' }, box);
    this.gHl = sv('g', {}, this.over);
    this.pools = {
      lane: new Pool(this.over, 'text', { class: 'lane' }),
      tick: new Pool(this.over, 'text', { class: 'tick' }),
      mark: new Pool(this.over, 'text', { class: 'mk' }),
      opl: new Pool(this.over, 'text', { class: 'opl' }),
    };
    this.nowText = sv('text', { class: 'now' }, this.over);
    this.hlRect = sv('rect', { class: 'hl', visibility: 'hidden', rx: '4' }, this.gHl);
    this.info = el('div', { class: 'st-info', 'aria-live': 'polite' }, sec);
    this.note = el('div', { class: 'st-note' }, sec);
    el('p', { class: 'st-hint' }, sec, 'drag or ← → to pan · ctrl + wheel, pinch or + − to zoom · drag the cursor (top strip) to travel in time · click an arrow for its fields, an operation for the client timeline');
    const anchor = host.$('.tl') || host.$('.status');
    anchor.after(sec);
    this.ctx = this.canvas.getContext('2d');
    this.isOpen = false;
    this.view = [0, DEFAULT_SPAN];
    this.follow = true;
    this.hidden = new Set(); // lanes hidden by the reader ("n2", "c0")
    this.hiddenKinds = new Set();
    this.hover = null; // {type: 'msg', m} | {type: 'op', o}
    this.selected = null; // message id
    this.dotHover = null;
    this.tutorial = null; // a message the tutorial points at
    this.metrics = { frameTimes: new Float64Array(240), frameIndex: 0, draws: 0 };
    this.colours = null;
    this._wire();
    this.reset();
  }

  // ---- life -----------------------------------------------------------------------------------
  reset() {
    this.epoch = -1;
    this.rev = 0;
    this.msgs = [];
    this.marks = [];
    this.ops = [];
    this.maxDur = 0;
    this.rec = null;
    this.lanes = [];
    this.laneSig = '';
    this.kindSig = '';
    this.kindSet = new Set();
    this.selected = null;
    this.hover = null;
    this.tutorial = null;
    this.follow = true;
    this.view = [0, DEFAULT_SPAN];
    this.cache = null;
    if (this.isOpen) this._openSim(true); // the next frame (the new run's first) pulls it
  }

  /** Open or close the panel (the simulator keeps its record only while open). */
  open(on) {
    on = !!on;
    if (on === this.isOpen) return;
    this.isOpen = on;
    this.sec.hidden = !on;
    A(this.host.$('[data-action=spacetime]'), 'aria-pressed', String(on));
    this._openSim(on);
    if (!on) { this._highlightDot(null); this.msgs = []; this.marks = []; this.ops = []; this.epoch = -1; return; }
    this._resize();
    this._pull();
    this._paint();
  }

  _openSim(on) {
    try { this.host._sim((pg) => pg.spacetimeOpen(on)); } catch { /* not ready: the next reset opens it */ }
  }

  /** Called by the element after each drawn frame. */
  frame(f, t, slow) {
    if (!this.isOpen || !f) return;
    const t0 = performance.now();
    this.now = t;
    if (slow || f.now !== this._lastNow || this.epoch < 0) { this._lastNow = f.now; this._pull(); }
    if (slow) this._themeCheck();
    this._followNow();
    this._paint();
    this._cost(t0);
  }

  jumped() { if (this.isOpen) { this._pull(); this._paint(); } }

  get actions() {
    return {
      spacetime: () => this.open(!this.isOpen),
      'st-follow': () => { this.follow = !this.follow; this._followNow(true); this._paint(); },
      'st-zoom-in': () => this.zoom(0.5),
      'st-zoom-out': () => this.zoom(2),
      'export-svg': () => this.exportSvg().catch((e) => this.host._say(`SVG export: ${e.message}`, true)),
      'export-shiviz': () => this.exportShiviz().catch((e) => this.host._say(`ShiViz export: ${e.message}`, true)),
    };
  }

  _cost(t0) {
    const mt = this.metrics, ms = performance.now() - t0;
    mt.frameTimes[mt.frameIndex++ % mt.frameTimes.length] = ms;
    mt.draws++;
  }

  // ---- data ---------------------------------------------------------------------------------
  /** Pull the record: whole on a new epoch, else what changed since the last revision. */
  _pull() {
    let j;
    try { j = JSON.parse(this.host._sim((pg) => pg.spacetimeJson(0, -1, this.epoch, this.epoch < 0 ? -1 : this.rev))); } catch { return; }
    if (j.epoch == null) return;
    this.rec = j;
    const whole = j.since == null || j.epoch !== this.epoch;
    if (whole) { this.msgs = []; this.ops = []; this.marks = []; this.maxDur = 0; this.kindSet = new Set(); }
    this.epoch = j.epoch;
    this.rev = j.rev;
    this._lanes();
    const kinds = j.kinds, fam = this.host.familyOf || (() => 'other'), idx = this.laneIdx, ks = this.kindSet;
    const famOf = kinds.map((k) => Math.max(0, FAMILIES.indexOf(fam(k))));
    let newKind = false;
    for (const a of j.msgs) {
      const kind = kinds[a[4]];
      const m = { id: a[0], dup: a[1], from: a[2], to: a[3], kind, fl: a[5], sent: a[6], due: a[7], end: a[8], detail: a[9], fam: famOf[a[4]] };
      m.fi = idx?.get(m.from) ?? -1; m.ti = idx?.get(m.to) ?? -1;
      if (!ks.has(kind)) { ks.add(kind); newKind = true; }
      const ms = this.msgs, last = ms[ms.length - 1];
      if (!last || last.id < m.id) ms.push(m);
      else {
        const i = lowerBound(ms, m.id, (x) => x.id);
        if (ms[i]?.id === m.id) ms[i] = m; else ms.splice(i, 0, m);
      }
      const d = Math.max(m.end, m.due) - m.sent;
      if (d > this.maxDur) this.maxDur = d;
    }
    for (const o of j.ops) {
      const os = this.ops, last = os[os.length - 1];
      if (!last || last.id < o.id) os.push(o);
      else { const i = lowerBound(os, o.id, (x) => x.id); if (os[i]?.id === o.id) os[i] = o; else os.splice(i, 0, o); }
    }
    for (const k of j.marks) this.marks.push({ seq: k[0], at: k[1], member: k[2], kind: k[3], term: k[4], text: k[5], cut: k[6] });
    if (!whole) this._trimTo(j.first);
    if (newKind) this._kinds();
    const trimmed = j.trimmed ? ` · earlier messages are not kept (at most ${j.limits[0].toLocaleString('en')} messages, ${j.limits[1] / 1000} s); travel back there to see them` : '';
    T(this.note, `record ${secs(j.from, 1)} – ${secs(j.to, 1)}: ${this.msgs.length.toLocaleString('en')} messages${trimmed}${j.missed ? ` · ${j.missed} events missed` : ''}`);
  }

  /** Drop what the record no longer holds: `first` = its oldest message id, op id, mark seq. */
  _trimTo([msg, op, mk]) {
    const cut = (arr, key, lim) => { const k = lowerBound(arr, lim, key); if (k) arr.splice(0, k); };
    cut(this.msgs, (m) => m.id, msg);
    cut(this.ops, (o) => o.id, op);
    cut(this.marks, (k) => k.seq, mk);
  }

  /** The lanes: every server, then every client, of the current frame; filter chips to match. */
  _lanes(force) {
    const f = this.host.f;
    if (!f) return;
    const names = [...f.nodes.map((n) => 'n' + n.id), ...f.clients.map((c) => 'c' + c.id)];
    const sig = names.join();
    if (sig === this.laneSig && !force) return;
    if (sig !== this.laneSig) {
      this.laneSig = sig;
      this.lanesBox.replaceChildren(...names.map((n) => el('button', { type: 'button', 'data-lane': n, 'aria-pressed': String(!this.hidden.has(n)), title: `show or hide ${n}'s line` }, null, n)));
    }
    this.lanes = names.filter((n) => !this.hidden.has(n));
    const idx = new Map(this.lanes.map((n, i) => [n, i]));
    for (const m of this.msgs) { m.fi = idx.get(m.from) ?? -1; m.ti = idx.get(m.to) ?? -1; }
    this.laneIdx = idx;
  }

  _kinds() {
    const seen = [...this.kindSet].sort();
    const sig = seen.join();
    if (sig === this.kindSig) return;
    this.kindSig = sig;
    this.kindsBox.replaceChildren(...seen.map((k) => {
      const l = el('label', {});
      const c = el('input', { type: 'checkbox', 'data-kind': k }, l);
      c.checked = !this.hiddenKinds.has(k);
      l.append(k);
      return l;
    }));
  }

  // ---- view ---------------------------------------------------------------------------------
  _followNow(force) {
    if (!this.follow || this.now == null) return;
    const [v0, v1] = this.view, span = v1 - v0, t = this.now;
    if (this.host._reduced?.matches && !force) {
      // Reduced motion: the window jumps a page when the present leaves it, never slides.
      if (t > v1 - span * 0.05 || t < v0) this.view = [t - span * 0.25, t + span * 0.75];
      return;
    }
    this.view = [t - span * 0.85, t + span * 0.15];
  }

  /** Pan by dt simulated ms (positive: later). */
  panBy(dt) {
    this.follow = false;
    this.view = [this.view[0] + dt, this.view[1] + dt];
    this._clamp();
    this._schedule();
  }

  /** Zoom by `k` (< 1 in) around time `at` (default: the centre, or the cursor when following). */
  zoom(k, at) {
    const [v0, v1] = this.view;
    const c = at ?? (this.follow && this.now != null ? this.now : (v0 + v1) / 2);
    const span = Math.min(Math.max((v1 - v0) * k, MIN_SPAN), this._maxSpan());
    const r = (c - v0) / (v1 - v0 || 1);
    this.view = [c - span * r, c - span * r + span];
    this._clamp();
    if (this.follow) this._followNow(true);
    this._schedule();
  }

  /** Show exactly [a, b] (ms). */
  setView(a, b) {
    this.follow = false;
    this.view = [a, Math.max(b, a + MIN_SPAN)];
    this._schedule();
  }

  _maxSpan() {
    const r = this.rec;
    return Math.max(DEFAULT_SPAN, r ? (Math.max(r.to, r.now) - r.from) * 1.1 : DEFAULT_SPAN);
  }
  _clamp() {
    const r = this.rec;
    if (!r) return;
    let [v0, v1] = this.view;
    const span = v1 - v0, lo = Math.min(r.from, r.now) - span * 0.5, hi = Math.max(r.to, r.now) + span * 0.5;
    if (v0 < lo) { v0 = lo; v1 = lo + span; }
    if (v1 > hi) { v1 = hi; v0 = hi - span; }
    this.view = [v0, v1];
  }

  _schedule() {
    A(this.followBtn, 'aria-pressed', String(this.follow));
    if (this._raf) return;
    // While the element plays it draws every frame (and calls frame()); paused, draw here.
    this._raf = requestAnimationFrame(() => { this._raf = 0; const t0 = performance.now(); this._paint(); this._cost(t0); });
  }

  _resize() {
    const w = Math.max(200, this.box.clientWidth || 640);
    const n = Math.max(1, this.lanes.length || 7);
    this.laneH = n > 10 ? 20 : 26;
    const h = AXIS + n * this.laneH + PAD_B + 14;
    const dpr = Math.min(2, window.devicePixelRatio || 1);
    if (this.W !== w || this.H !== h || this.dpr !== dpr) {
      this.W = w; this.H = h; this.dpr = dpr;
      this.canvas.width = Math.round(w * dpr);
      this.canvas.height = Math.round(h * dpr);
      this.canvas.style.height = `${h}px`;
      A(this.over, 'viewBox', `0 0 ${w} ${h}`);
    }
  }

  /** Colours from the element's stylesheet (the theme): re-read when it may have changed. */
  _themeCheck() {
    const cs = getComputedStyle(this.box);
    const sig = cs.getPropertyValue('--ink') + cs.getPropertyValue('--m-append');
    if (sig === this._themeSig) return;
    this._themeSig = sig;
    const v = (n) => cs.getPropertyValue(n).trim() || '#888';
    this.colours = {
      fam: FAMILIES.map((f) => v(`--m-${f}`)), ink: v('--ink'), muted: v('--muted'), faint: v('--faint'), bg: v('--bg'),
      ok: v('--ok'), bad: v('--bad'), unk: v('--unk'), cut: v('--handle'), side: v('--sideB'), accent: v('--accent'),
    };
  }

  // ---- drawing ------------------------------------------------------------------------------
  _x(t) { const [v0, v1] = this.view; return GUTTER + ((t - v0) / (v1 - v0)) * (this.W - GUTTER - PAD_R); }
  _t(x) { const [v0, v1] = this.view; return v0 + ((x - GUTTER) / (this.W - GUTTER - PAD_R)) * (v1 - v0); }
  _y(i) { return AXIS + this.laneH * (i + 0.5); }
  _shown(m) {
    return m.fi >= 0 && m.ti >= 0 && !(this.hideHb.checked && m.fl & 2) && !this.hiddenKinds.has(m.kind);
  }
  /** End point of a message's arrow: its delivery, where it was lost, or where it is due. */
  _end(m, ya, yb, x = (t) => this._x(t)) {
    const fate = m.fl >> 2;
    if (fate === 2) {
      const fr = m.due > m.sent ? Math.min(1, Math.max(0, (m.end - m.sent) / (m.due - m.sent))) : 1;
      return [x(m.end), ya + (yb - ya) * fr];
    }
    return [x(fate === 1 ? m.end : m.due), yb];
  }

  /** The messages shown whose arrows cross the window (what is drawn). */
  visible() { return this._visibleIn(this.view[0], this.view[1]); }

  /** Messages shown whose arrows cross [a, b]: from the first sent after a − the longest flight. */
  _visibleIn(a, b) {
    const ms = this.msgs, out = [];
    for (let i = lowerBound(ms, a - this.maxDur, (m) => m.sent); i < ms.length; i++) {
      const m = ms[i];
      if (m.sent > b) break;
      if (Math.max(m.end, m.due) < a || !this._shown(m)) continue;
      out.push(m);
    }
    return out;
  }

  /**
   * Draw the panel. Everything under the cursor and the highlights is drawn into an offscreen
   * canvas covering the window and, while the data stands still (paused, panning), a window more
   * on each side: a pan then only copies it at another offset, and it is drawn again when the
   * view leaves it, the zoom, the filters, the theme or the record change.
   */
  _paint() {
    if (!this.isOpen) return;
    if (!this.colours) this._themeCheck();
    this._resize();
    const ctx = this.ctx, C = this.colours, W = this.W, H = this.H, dpr = this.dpr;
    const [v0, v1] = this.view, span = v1 - v0, plotW = W - GUTTER - PAD_R, per = plotW / span;
    const key = [this.epoch, this.rev, span.toPrecision(9), W, H, dpr, this.laneSig, this.lanes.join(), this.hideHb.checked,
      [...this.hiddenKinds].join(), this._themeSig, this._witness().join(), this.follow && this.rec && !this.rec.in_past].join('|');
    let c = this.cache;
    if (!c || c.key !== key || v0 < c.a - 1e-6 || v1 > c.b + 1e-6) {
      // Moving data (a live run) changes every frame: draw just the window then.
      const wide = !(c && c.key !== key && c.rev !== this.rev) && !this.follow;
      const a = wide ? v0 - span : v0, b = wide ? v1 + span : v1;
      c = this.cache = this._render(a, b, per, key);
    }
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    const sx = Math.round((v0 - c.a) * per * dpr);
    ctx.drawImage(c.canvas, sx, 0, Math.round(plotW * dpr), c.canvas.height, Math.round(GUTTER * dpr), 0, Math.round(plotW * dpr), c.canvas.height);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    this._texts();
    // The highlighted arrows (hover, a dot hovered in the cluster, the selection, the tutorial's).
    const x = (t) => this._x(t);
    ctx.save();
    ctx.beginPath();
    ctx.rect(GUTTER, 0, plotW + 2, H);
    ctx.clip();
    for (const [id, colour, w] of [[this.tutorial, C.cut, 4], [this.selected, C.ink, 3.5], [this.dotHover, C.cut, 3.5], [this.hover?.m?.id, C.ink, 3]]) {
      if (id == null) continue;
      const m = this._byId(id);
      if (!m || m.fi < 0 || m.ti < 0) continue;
      const ya = this._y(m.fi), yb = this._y(m.ti), [xe, ye] = this._end(m, ya, yb);
      ctx.strokeStyle = colour; ctx.lineWidth = w; ctx.globalAlpha = 0.85;
      ctx.beginPath(); ctx.moveTo(x(m.sent), ya); ctx.lineTo(xe, ye); ctx.stroke();
      ctx.globalAlpha = 1;
    }
    ctx.restore();
    // The cursor: the simulator's moment.
    const now = this.now, bottom = AXIS + this.lanes.length * this.laneH;
    if (now != null && now >= v0 && now <= v1) {
      const xn = Math.round(x(now)) + 0.5;
      ctx.strokeStyle = C.ink; ctx.lineWidth = 1.5;
      ctx.beginPath(); ctx.moveTo(xn, AXIS - 6); ctx.lineTo(xn, bottom + 2); ctx.stroke();
      ctx.fillStyle = C.ink;
      ctx.beginPath(); ctx.moveTo(xn - 6, 0); ctx.lineTo(xn + 6, 0); ctx.lineTo(xn, 8); ctx.closePath(); ctx.fill();
      A(this.nowText, 'visibility', 'visible'); A(this.nowText, 'x', String(Math.min(W - 30, Math.max(GUTTER + 30, xn)))); A(this.nowText, 'y', String(bottom + 11));
      T(this.nowText, `t = ${secs(now)}${this.rec?.in_past ? ' (past)' : ''}`);
    } else A(this.nowText, 'visibility', 'hidden');
    this._tutorialBox();
    if (this.dotHover != null || this.hover || this.selected != null) this._highlightDot(this.hover?.m?.id ?? this.selected ?? null);
    // The bench's honest frame cost: make the canvas rasterise now (it otherwise does so later,
    // off this function's clock).
    if (this.syncPaint) ctx.getImageData(0, 0, 1, 1);
  }

  /** Draw [a, b] at `per` px/ms into an offscreen canvas (time a at x = 0): the cached layer. */
  _render(a, b, per, key) {
    const C = this.colours, H = this.H, dpr = this.dpr;
    const w = Math.ceil((b - a) * per) + 2;
    const old = this.cache?.canvas;
    const canvas = old && old.width >= w * dpr && old.width <= 3.5 * w * dpr && old.height === Math.round(H * dpr) ? old : document.createElement('canvas');
    if (canvas !== old) { canvas.width = Math.round(w * dpr); canvas.height = Math.round(H * dpr); }
    const ctx = canvas.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, canvas.width / dpr, H);
    const x = (t) => (t - a) * per;
    const bottom = AXIS + this.lanes.length * this.laneH, right = x(b);
    // Time grid.
    const span = b - a, step = this._step(per);
    ctx.strokeStyle = C.faint; ctx.lineWidth = 1;
    ctx.beginPath();
    for (let t = Math.ceil(a / step) * step; t <= b; t += step) { const xt = Math.round(x(t)) + 0.5; ctx.moveTo(xt, AXIS - 4); ctx.lineTo(xt, bottom); }
    ctx.stroke();
    // Partitions: the cut-off lines tinted until the next heal (or partition).
    const net = this.marks.filter((k) => !k.member);
    ctx.fillStyle = C.side;
    for (let i = 0; i < net.length; i++) {
      const k = net[i];
      if (k.kind !== 'partition') continue;
      const until = Math.min(b, net[i + 1]?.at ?? Math.max(this.rec?.to ?? b, this.now ?? 0));
      if (until < a || k.at > b) continue;
      for (const mb of k.cut || []) {
        const li = this.laneIdx?.get(mb);
        if (li != null) ctx.fillRect(x(Math.max(a, k.at)), this._y(li) - this.laneH / 2 + 2, x(until) - x(Math.max(a, k.at)), this.laneH - 4);
      }
    }
    // Lanes (dashed while the server is down).
    const down = this._down();
    this.lanes.forEach((name, i) => {
      const y = Math.round(this._y(i)) + 0.5;
      ctx.strokeStyle = C.muted; ctx.lineWidth = 1.2; ctx.setLineDash([]);
      ctx.beginPath(); ctx.moveTo(0, y); ctx.lineTo(right, y); ctx.stroke();
      for (const [d, u] of down.get(name) || []) {
        if (u < a || d > b) continue;
        const xa = x(Math.max(a, d)), xb = x(Math.min(b, u));
        ctx.strokeStyle = C.bg; ctx.lineWidth = 3;
        ctx.beginPath(); ctx.moveTo(xa, y); ctx.lineTo(xb, y); ctx.stroke();
        ctx.strokeStyle = C.muted; ctx.lineWidth = 1.2; ctx.setLineDash([3, 4]);
        ctx.beginPath(); ctx.moveTo(xa, y); ctx.lineTo(xb, y); ctx.stroke();
        ctx.setLineDash([]);
      }
    });
    // Client operations: bars coloured by outcome; the witness outlined.
    const wit = new Set(this._witness()), endOf = (o) => o.complete ?? Math.max(this.rec?.to ?? 0, this.now ?? 0);
    for (const o of this.ops) {
      const li = this.laneIdx?.get('c' + o.client);
      if (li == null || endOf(o) < a || o.invoke > b) continue;
      const x0 = x(o.invoke), x1 = Math.max(x0 + 2, x(endOf(o))), y = this._y(li) + 3;
      ctx.fillStyle = o.outcome === 'ok' ? C.ok : o.outcome === 'fail' ? C.bad : o.outcome === 'info' ? C.unk : C.muted;
      ctx.globalAlpha = o.complete == null ? 0.3 : 0.6;
      ctx.fillRect(x0, y, x1 - x0, 7);
      ctx.globalAlpha = 1;
      if (wit.has(o.id)) { ctx.strokeStyle = C.ink; ctx.lineWidth = 2.5; ctx.strokeRect(x0, y, x1 - x0, 7); }
    }
    // Messages: one path per colour family and style. One pixel wide: the rasteriser's fast path
    // for thin lines (a 10,000-arrow window pans at 60 frames a second); a reply differs from a
    // request by its open arrowhead, a heartbeat is faint, a message still in flight dotted.
    const vis = this._visibleIn(a, b);
    const heads = vis.length * (this.view[1] - this.view[0]) / (b - a) <= HEADS_MAX;
    const lines = [], fills = [], opens = [], lost = new Path2D();
    for (let f = 0; f < FAMILIES.length; f++) { lines.push([new Path2D(), new Path2D(), new Path2D(), new Path2D()]); fills.push(new Path2D()); opens.push(new Path2D()); }
    let nLost = 0;
    for (const m of vis) {
      const ya = this._y(m.fi), yb = this._y(m.ti), xa = x(m.sent);
      const [xe, ye] = this._end(m, ya, yb, x);
      const fate = m.fl >> 2;
      // 0 request, 1 reply, 2 heartbeat, 3 in flight
      const style = fate === 0 ? 3 : m.fl & 2 ? 2 : m.fl & 1 ? 1 : 0;
      const p = lines[m.fam][style];
      p.moveTo(xa, ya); p.lineTo(xe, ye);
      if (fate === 2) { lost.moveTo(xe - 3.5, ye - 3.5); lost.lineTo(xe + 3.5, ye + 3.5); lost.moveTo(xe + 3.5, ye - 3.5); lost.lineTo(xe - 3.5, ye + 3.5); nLost++; }
      else if (fate === 1 && heads) {
        const dx = xe - xa, dy = ye - ya, len = Math.hypot(dx, dy) || 1, ux = dx / len, uy = dy / len, bx = xe - ux * 6, by = ye - uy * 6;
        const hp = m.fl & 1 ? opens[m.fam] : fills[m.fam];
        hp.moveTo(bx - uy * 2.8, by + ux * 2.8); hp.lineTo(xe, ye); hp.lineTo(bx + uy * 2.8, by - ux * 2.8);
        if (!(m.fl & 1)) hp.closePath();
      }
    }
    const DASH = [[], [], [], [2, 3]], ALPHA = [1, 0.8, 0.4, 1];
    ctx.lineWidth = 1;
    for (let f = 0; f < FAMILIES.length; f++) {
      ctx.strokeStyle = C.fam[f];
      for (let s = 0; s < 4; s++) { ctx.setLineDash(DASH[s]); ctx.globalAlpha = ALPHA[s]; ctx.stroke(lines[f][s]); }
      ctx.setLineDash([]); ctx.globalAlpha = 1;
      if (heads) { ctx.fillStyle = C.fam[f]; ctx.fill(fills[f]); ctx.stroke(opens[f]); }
    }
    if (nLost) { ctx.strokeStyle = C.bad; ctx.lineWidth = 2; ctx.stroke(lost); }
    // Commits (ticks) and partitions / heals (lines across).
    ctx.strokeStyle = C.ok; ctx.lineWidth = 2;
    ctx.beginPath();
    for (const k of this.marks) {
      if (k.at < a || k.at > b || k.kind !== 'commit') continue;
      const li = this.laneIdx?.get(k.member);
      if (li != null) { const y = this._y(li), xk = x(k.at); ctx.moveTo(xk, y - 5); ctx.lineTo(xk, y + 5); }
    }
    ctx.stroke();
    ctx.strokeStyle = C.cut;
    for (const k of net) {
      if (k.at < a || k.at > b) continue;
      ctx.setLineDash(k.kind === 'heal' ? [5, 4] : []);
      ctx.beginPath(); ctx.moveTo(x(k.at), AXIS - 2); ctx.lineTo(x(k.at), bottom); ctx.stroke();
    }
    ctx.setLineDash([]);
    return { canvas, a, b, key, rev: this.rev };
  }

  /** The words over the canvas: lane names, the time axis, marks, operation labels. */
  _texts() {
    const [v0, v1] = this.view, x = (t) => this._x(t), per = (this.W - GUTTER - PAD_R) / (v1 - v0);
    const step = this._step(per), dec = step < 10 ? 3 : step < 100 ? 2 : step < 1000 ? 1 : 0;
    const tick = this.pools.tick;
    for (let t = Math.ceil(v0 / step) * step; t <= v1; t += step) {
      const e = tick.take();
      A(e, 'x', String(Math.round(x(t)) + 0.5)); A(e, 'y', '11');
      T(e, `${(t / 1000).toFixed(dec)} s`);
    }
    tick.done();
    const down = this._down(), lanePool = this.pools.lane;
    this.lanes.forEach((name, i) => {
      const isDown = (down.get(name) || []).some(([a, b]) => this.now != null && this.now >= a && this.now < b);
      const e = lanePool.take();
      A(e, 'x', String(GUTTER - 6)); A(e, 'y', String(Math.round(this._y(i)) + 4));
      A(e, 'class', isDown ? 'lane down' : 'lane');
      T(e, name);
    });
    lanePool.done();
    const mk = this.pools.mark, bottom = AXIS + this.lanes.length * this.laneH;
    for (const k of this.marks) {
      if (k.at < v0 || k.at > v1 || k.kind === 'commit') continue;
      const xk = String(Math.round(x(k.at)));
      if (!k.member) {
        const e = mk.take();
        A(e, 'class', 'mk net'); A(e, 'x', xk); A(e, 'y', String(bottom + 11));
        T(e, k.kind === 'heal' ? 'heal' : 'partition');
        continue;
      }
      const li = this.laneIdx?.get(k.member);
      if (li == null) continue;
      const y = this._y(li), e = mk.take();
      A(e, 'x', xk);
      if (k.kind === 'leader') { A(e, 'class', 'mk'); A(e, 'y', String(Math.round(y - 4))); T(e, `L${k.term != null ? ' T' + k.term : ''}`); }
      else if (k.kind === 'crash') { A(e, 'class', 'mk crash'); A(e, 'y', String(Math.round(y + 5))); T(e, '✕'); }
      else { A(e, 'class', 'mk'); A(e, 'y', String(Math.round(y + 4))); T(e, k.kind === 'restart' ? '↺' : '•'); }
    }
    mk.done();
    const wit = new Set(this._witness()), opl = this.pools.opl;
    for (const o of this.ops) {
      const li = this.laneIdx?.get('c' + o.client), end = o.complete ?? Math.max(this.rec?.to ?? 0, this.now ?? 0);
      if (li == null || end < v0 || o.invoke > v1) continue;
      const isW = wit.has(o.id), x0 = x(o.invoke), x1 = x(end);
      const label = `${isW ? '#' + o.id + ' ' : ''}${opText(o)} ${mark(o)}`;
      if (x1 - x0 <= label.length * 5.6 && !isW) continue;
      const e = opl.take();
      A(e, 'x', String(Math.round(Math.max(x0, GUTTER)))); A(e, 'y', String(Math.round(this._y(li) + 19)));
      A(e, 'font-weight', isW ? '700' : '400');
      T(e, label);
    }
    opl.done();
  }

  /** A round grid step for `per` px/ms: about one label every 90 px. */
  _step(per) {
    return STEPS.find((s) => s * per >= 90) || 600000;
  }

  /** Lane → [[crashed at, restarted at]] from the marks. */
  _down() {
    if (this._downFor === this.marks.length && this._downEpoch === this.epoch) return this._downMap;
    const down = new Map();
    for (const k of this.marks) {
      if (k.kind === 'crash') down.set(k.member, [...(down.get(k.member) || []), [k.at, Infinity]]);
      else if (k.kind === 'restart') { const d = down.get(k.member); if (d?.length) d[d.length - 1][1] = k.at; }
    }
    this._downFor = this.marks.length; this._downEpoch = this.epoch; this._downMap = down;
    return down;
  }

  /** Viewport coordinates of time `t` (ms) on line `lane` ("n2"; none: the cursor's strip). */
  clientPoint(t, lane) {
    const r = this.box.getBoundingClientRect(), i = lane == null ? null : this.laneIdx?.get(lane);
    return { x: r.left + this._x(t), y: r.top + (i == null ? AXIS / 2 : this._y(i)) };
  }

  /** Viewport coordinates of the point at fraction `fr` along message `id`'s arrow (null: not drawn). */
  arrowPoint(id, fr = 0.5) {
    const m = this._byId(id);
    if (!m || m.fi < 0 || m.ti < 0) return null;
    const r = this.box.getBoundingClientRect(), ya = this._y(m.fi), yb = this._y(m.ti), xa = this._x(m.sent), [xe, ye] = this._end(m, ya, yb);
    return { x: r.left + xa + (xe - xa) * fr, y: r.top + ya + (ye - ya) * fr };
  }

  _byId(id) {
    const i = lowerBound(this.msgs, id, (m) => m.id);
    return this.msgs[i]?.id === id ? this.msgs[i] : null;
  }

  _witness() {
    const live = this.host.f?.consistency?.live, v = live?.verdict;
    return live?.witness?.ops ?? v?.witness?.ops ?? [];
  }

  // ---- linked views -------------------------------------------------------------------------
  /** Outline the message's dot in the cluster diagram (when it is on the wire now). */
  _highlightDot(id) {
    const svg = this.host.svg;
    const prev = svg.querySelector('[data-hl]');
    const cur = id == null ? null : svg.querySelector(`[data-msg-id="${id}"]`);
    if (prev && prev !== cur) prev.removeAttribute('data-hl');
    if (cur && !cur.hasAttribute('data-hl')) cur.setAttribute('data-hl', '');
  }

  _describe(m, how) {
    const fate = m.fl >> 2, now = this.now ?? 0;
    const where = fate === 1 ? `delivered ${secs(m.end)}` : fate === 2 ? `lost ${secs(m.end)}` : `due ${secs(m.due)}`;
    const onWire = m.sent <= now && now < (fate === 0 ? m.due : m.end);
    const extra = onWire ? ' · on the wire now: its dot is outlined in the cluster' : ` · not on the wire at t = ${secs(now)}: Enter (or double-click) goes to ${secs(Math.round((m.sent + Math.min(m.end, m.due)) / 2))}`;
    return [`${how}${m.kind} #${m.id} ${m.from} → ${m.to}${m.dup >= 0 ? ` (a duplicate of #${m.dup})` : ''}${m.fl & 2 ? ' (heartbeat)' : ''}`, ` · ${m.detail} · sent ${secs(m.sent)}, ${where}${extra}`];
  }

  _say(parts) {
    if (!parts) { this.info.replaceChildren(); this.info.__t = ''; return; }
    const sig = parts.join('');
    if (this.info.__t === sig) return;
    this.info.__t = sig;
    this.info.replaceChildren(el('span', { class: 'k' }, null, parts[0]), parts[1]);
  }

  _showInfo() {
    const h = this.hover;
    if (h?.m) this._say(this._describe(h.m, ''));
    else if (h?.o) { const o = h.o; this._say([`#${o.id} c${o.client}: ${opText(o)} ${mark(o)}`, ` · ${o.outcome ?? 'waiting'}, ${secs(o.invoke)} – ${o.complete != null ? secs(o.complete) : '…'} · click: show it in the client timeline`]); }
    else if (this.selected != null) { const m = this._byId(this.selected); this._say(m ? this._describe(m, 'selected: ') : null); }
    else if (this.dotHover != null) { const m = this._byId(this.dotHover); this._say(m ? this._describe(m, 'in the cluster: ') : null); }
    else this._say(null);
  }

  /** What is under a point of the box: the nearest arrow within 6 px, else an operation bar. */
  hit(px, py) {
    let best = null, bd = 6;
    for (const m of this.visible()) {
      const ya = this._y(m.fi), yb = this._y(m.ti), xa = this._x(m.sent), [xe, ye] = this._end(m, ya, yb);
      const dx = xe - xa, dy = ye - ya, l2 = dx * dx + dy * dy || 1;
      const u = Math.max(0, Math.min(1, ((px - xa) * dx + (py - ya) * dy) / l2));
      const d = Math.hypot(px - (xa + u * dx), py - (ya + u * dy));
      if (d < bd) { bd = d; best = { m }; }
    }
    if (best) return best;
    const t = this._t(px);
    for (const o of this.ops) {
      const li = this.laneIdx?.get('c' + o.client);
      if (li == null) continue;
      const y = this._y(li) + 3, end = o.complete ?? Math.max(this.rec?.to ?? 0, this.now ?? 0);
      if (py >= y - 3 && py <= y + 10 && t >= o.invoke - 2 * (this.view[1] - this.view[0]) / this.W && t <= end) return { o };
    }
    return null;
  }

  /** Select message `id` (null clears): its fields, its dot, the `spacetime-select` event. */
  select(id, { emit = true } = {}) {
    this.selected = id;
    const m = id == null ? null : this._byId(id);
    this._showInfo();
    this._highlightDot(id);
    this._schedule();
    if (m && emit) {
      this.host.dispatchEvent(new CustomEvent('spacetime-select', {
        detail: { id: m.id, kind: m.kind, from: m.from, to: m.to, sent: m.sent, end: m.end, fate: ['in_flight', 'delivered', 'lost'][m.fl >> 2], detail: m.detail },
        bubbles: true, composed: true,
      }));
    }
  }

  /** Travel to the middle of message `id`'s flight (its dot then shows in the cluster). */
  goTo(id) {
    const m = this._byId(id);
    if (!m) return;
    const t = Math.round((m.sent + Math.min(m.end, m.due)) / 2);
    try { this.host.pause(); this.host.seek(t); } catch (e) { this.host._say(e.message, true); }
    this.select(id, { emit: false });
  }

  /**
   * The tutorial's pointer: the first arrow (from `after` ms on) matching {id, kind, from, to,
   * heartbeat}, centred in view and boxed; null clears. Returns the message (or null).
   */
  point(q) {
    if (!q) { this.tutorial = null; this._schedule(); return null; }
    const m = this.find(q);
    this.tutorial = m?.id ?? null;
    if (m) {
      const span = this.view[1] - this.view[0];
      const c = (m.sent + Math.min(m.end, m.due)) / 2;
      this.setView(c - span / 2, c + span / 2);
    }
    this._schedule();
    return m;
  }

  /** The first message matching a query (see point). */
  find(q) {
    if (q.id != null) return this._byId(q.id);
    return this.msgs.find((m) => (q.kind == null || m.kind === q.kind) && (q.from == null || m.from === q.from) &&
      (q.to == null || m.to === q.to) && (q.after == null || m.sent >= q.after) && (q.heartbeat == null || !!(m.fl & 2) === q.heartbeat)) ?? null;
  }

  _tutorialBox() {
    const m = this.tutorial != null ? this._byId(this.tutorial) : null;
    if (!m || m.fi < 0 || m.ti < 0) { A(this.hlRect, 'visibility', 'hidden'); return; }
    const ya = this._y(m.fi), yb = this._y(m.ti), xa = this._x(m.sent), [xe, ye] = this._end(m, ya, yb);
    const x0 = Math.min(xa, xe) - 7, y0 = Math.min(ya, ye) - 7;
    A(this.hlRect, 'visibility', 'visible');
    A(this.hlRect, 'x', String(Math.round(x0))); A(this.hlRect, 'y', String(Math.round(y0)));
    A(this.hlRect, 'width', String(Math.round(Math.abs(xe - xa) + 14))); A(this.hlRect, 'height', String(Math.round(Math.abs(ye - ya) + 14)));
  }

  // ---- input --------------------------------------------------------------------------------
  _wire() {
    const box = this.box, host = this.host;
    const ptr = new Map(); // pointers down (two: pinch)
    let drag = null;
    const local = (ev) => { const r = box.getBoundingClientRect(); return [ev.clientX - r.left, ev.clientY - r.top]; };
    box.addEventListener('pointerdown', (ev) => {
      if (ev.button > 0) return;
      const [px, py] = local(ev);
      ptr.set(ev.pointerId, px);
      box.setPointerCapture?.(ev.pointerId);
      if (ptr.size === 2) {
        const [a, b] = [...ptr.values()];
        drag = { type: 'pinch', d0: Math.abs(a - b) || 1, view: [...this.view], c: this._t((a + b) / 2) };
        return;
      }
      const xn = this.now != null ? this._x(this.now) : -99;
      if (py < AXIS || Math.abs(px - xn) < 7) {
        drag = { type: 'seek', resume: !host.paused };
        this.follow = false; // the view stays put while the cursor moves in it
        if (drag.resume) host.pause();
        box.classList.add('seeking');
        this._seekTo(this._t(px));
      } else {
        drag = { type: 'pan', x0: px, y0: py, view: [...this.view], moved: false };
        box.classList.add('panning');
      }
    });
    box.addEventListener('pointermove', (ev) => {
      const [px, py] = local(ev);
      if (ptr.has(ev.pointerId)) ptr.set(ev.pointerId, px);
      if (drag?.type === 'pinch' && ptr.size === 2) {
        const [a, b] = [...ptr.values()], k = drag.d0 / (Math.abs(a - b) || 1);
        const span = Math.min(Math.max((drag.view[1] - drag.view[0]) * k, MIN_SPAN), this._maxSpan());
        const r = (drag.c - drag.view[0]) / (drag.view[1] - drag.view[0]);
        this.follow = false;
        this.view = [drag.c - span * r, drag.c - span * r + span];
        this._schedule();
      } else if (drag?.type === 'pan') {
        const dx = px - drag.x0;
        if (Math.abs(dx) > 3 || Math.abs(py - drag.y0) > 3) drag.moved = true;
        if (drag.moved) {
          const per = (drag.view[1] - drag.view[0]) / (this.W - GUTTER - PAD_R);
          this.follow = false;
          this.view = [drag.view[0] - dx * per, drag.view[1] - dx * per];
          this._clamp();
          this._schedule();
        }
      } else if (drag?.type === 'seek') this._seekTo(this._t(px));
      else {
        const h = this.hit(px, py);
        if (h?.m !== this.hover?.m || h?.o !== this.hover?.o) {
          this.hover = h;
          this._showInfo();
          this._highlightDot(h?.m?.id ?? this.selected ?? null);
          this._schedule();
        }
        box.style.cursor = h ? 'pointer' : '';
      }
    });
    const up = (ev) => {
      ptr.delete(ev.pointerId);
      const d = drag;
      if (!d) return;
      if (d.type === 'pinch') { if (!ptr.size) drag = null; return; }
      drag = null;
      box.classList.remove('panning', 'seeking');
      if (d.type === 'seek') { if (d.resume) setTimeout(() => host.play(), 0); return; }
      if (d.type === 'pan' && !d.moved && ev.type === 'pointerup') {
        const [px, py] = local(ev), h = this.hit(px, py);
        if (h?.m) this.select(h.m.id);
        else if (h?.o) this._selectOp(h.o);
        else this.select(null);
      }
    };
    box.addEventListener('pointerup', up);
    box.addEventListener('pointercancel', up);
    box.addEventListener('pointerleave', () => {
      if (drag) return;
      if (this.hover) { this.hover = null; this._showInfo(); this._highlightDot(this.selected); this._schedule(); }
    });
    box.addEventListener('dblclick', (ev) => { const [px, py] = local(ev), h = this.hit(px, py); if (h?.m) this.goTo(h.m.id); });
    box.addEventListener('wheel', (ev) => {
      if (ev.ctrlKey || ev.metaKey) {
        ev.preventDefault();
        this.zoom(Math.exp(ev.deltaY * 0.01), this._t(local(ev)[0]));
      } else if (Math.abs(ev.deltaX) > Math.abs(ev.deltaY)) {
        ev.preventDefault();
        this.panBy((ev.deltaX * (this.view[1] - this.view[0])) / this.W);
      }
    }, { passive: false });
    box.addEventListener('keydown', (ev) => this._key(ev));
    this.lanesBox.addEventListener('click', (ev) => {
      const b = ev.target.closest('[data-lane]');
      if (!b) return;
      const n = b.dataset.lane;
      this.hidden.has(n) ? this.hidden.delete(n) : this.hidden.add(n);
      A(b, 'aria-pressed', String(!this.hidden.has(n)));
      this._lanes(true);
      this._schedule();
    });
    this.kindsBox.addEventListener('change', (ev) => {
      const k = ev.target.dataset?.kind;
      if (!k) return;
      ev.target.checked ? this.hiddenKinds.delete(k) : this.hiddenKinds.add(k);
      this._schedule();
    });
    this.hideHb.addEventListener('change', () => this._schedule());
    // A dot hovered in the cluster diagram highlights its arrow.
    host.svg.addEventListener('pointerover', (ev) => {
      if (!this.isOpen) return;
      const g = ev.target.closest?.('[data-msg-id]');
      const id = g ? Number(g.dataset.msgId) : null;
      if (id !== this.dotHover) { this.dotHover = id; this._showInfo(); this._schedule(); }
    });
    host.svg.addEventListener('pointerout', (ev) => {
      if (!this.isOpen || this.dotHover == null) return;
      if (!ev.relatedTarget?.closest?.('[data-msg-id]')) { this.dotHover = null; this._showInfo(); this._schedule(); }
    });
    new ResizeObserver(() => { if (this.isOpen) { this._resize(); this._schedule(); } }).observe(box);
  }

  _seekTo(t) {
    this._want = Math.max(0, Math.round(t));
    if (this._seekRaf) return;
    this._seekRaf = requestAnimationFrame(() => {
      this._seekRaf = 0;
      const w = this._want;
      this._want = null;
      if (w == null) return;
      try {
        const end = this.rec?.end ?? 0;
        if (w >= end) this.host.seekEnd(); else this.host.seek(w);
      } catch (e) { this.host._say(e.message, true); }
    });
  }

  _selectOp(o) {
    this.host.selectOp?.(o);
  }

  _key(ev) {
    const span = this.view[1] - this.view[0];
    const k = ev.key;
    let done = true;
    if (k === 'ArrowLeft' || k === 'ArrowRight') this.panBy((k === 'ArrowLeft' ? -1 : 1) * span * (ev.shiftKey ? 0.5 : 0.1));
    else if (k === '+' || k === '=') this.zoom(0.5);
    else if (k === '-' || k === '_') this.zoom(2);
    else if (k === 'Home') { const a = this.rec?.from ?? 0; this.setView(a, a + span); }
    else if (k === 'End') { this.follow = true; this._followNow(true); this._schedule(); }
    else if (k === 'ArrowDown' || k === 'ArrowUp') {
      const vis = this.visible().filter((m) => m.sent >= this.view[0]);
      if (vis.length) {
        const i = vis.findIndex((m) => m.id === this.selected);
        const j = i < 0 ? (k === 'ArrowDown' ? 0 : vis.length - 1) : Math.min(vis.length - 1, Math.max(0, i + (k === 'ArrowDown' ? 1 : -1)));
        this.select(vis[j].id);
      }
    } else if (k === 'Enter' && this.selected != null) this.goTo(this.selected);
    else if (k === 'Escape' && this.selected != null) this.select(null);
    else done = false;
    if (done) { ev.preventDefault(); ev.stopPropagation(); }
  }

  // ---- exports ------------------------------------------------------------------------------
  /** What the panel shows, as options for the wasm SVG writer (src/spacetime/svg.rs). */
  svgOptions() {
    const f = this.host.f, fam = this.host.familyOf || (() => 'other');
    const families = {};
    for (const k of this.kindSet) families[k] ??= fam(k);
    // Closed (an export from the "more" row): the last ten seconds, every line.
    const now = f?.now ?? 0, [v0, v1] = this.isOpen ? this.view : [now - 10000, now];
    return {
      from: Math.max(0, Math.floor(v0)), to: Math.max(1, Math.ceil(v1)), nodes: f?.nodes.length, clients: f?.clients.length,
      members: this.isOpen ? this.lanes : null, hide_kinds: [...this.hiddenKinds], hide_heartbeats: this.hideHb.checked, families,
      witness: this._witness(), cursor: this.now != null ? Math.round(this.now) : null,
      title: `${f?.protocol ?? ''} · seed ${f?.seed ?? ''} · space-time diagram`,
    };
  }

  /** The whole record as JSON (the exporters' input), built for the occasion when closed. */
  _recordJson() {
    return this.host._sim((pg) => {
      const was = this.isOpen;
      if (!was) pg.spacetimeOpen(true);
      try { return pg.spacetimeJson(0, -1, -1, -1); } finally { if (!was) pg.spacetimeOpen(false); }
    });
  }

  /** The exporters live in the tools bundle (pkg/lab/: Rust's src/spacetime/svg.rs and shiviz.rs,
   * as `cap run` writes them), fetched the first time something is exported. */
  _tools() {
    this._toolsP ??= import(new URL('../pkg/lab/cap_playground.js', import.meta.url).href).then(async (m) => { await m.default(); return m; });
    this._toolsP.catch(() => { this._toolsP = null; });
    return this._toolsP;
  }

  /** Download what the panel shows as a self-contained SVG; resolves to its text. */
  async exportSvg() {
    const o = this.svgOptions(), rec = this._recordJson(), m = await this._tools();
    const text = m.exportSpacetimeSvg(rec, o.from, o.to, o.nodes ?? 0, o.clients ?? 0, (o.members || []).join(','),
      o.hide_kinds.join(','), o.hide_heartbeats, Object.entries(o.families).map(([k, v]) => `${k}=${v}`).join(','),
      new Float64Array(o.witness), o.cursor ?? -1, o.title);
    this._download(text, 'image/svg+xml', 'svg');
    return text;
  }

  /** Download the record as a ShiViz log; resolves to its text. */
  async exportShiviz() {
    const rec = this._recordJson(), m = await this._tools();
    const text = m.exportShiviz(rec);
    this._download(text, 'text/plain', 'log');
    this.host._say('ShiViz log saved: open ShiViz, choose the file (its first line is the parsing expression), or paste from its third line with that expression');
    return text;
  }

  _download(text, type, ext) {
    const f = this.host.f;
    const url = URL.createObjectURL(new Blob([text], { type }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `cap-${f?.protocol}-seed${f?.seed}-spacetime.${ext}`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }
}

/** "write x=3", "read x → 1", "cas x 1→2". */
function opText(o) {
  const p = o.op || {};
  if (p.f === 'write') return `write ${p.key}=${p.value}`;
  if (p.f === 'cas') return `cas ${p.key} ${p.from}→${p.to}`;
  if (p.f === 'transfer') return `transfer ${p.amount} ${p.from}→${p.to}`;
  const r = o.result;
  return `read ${p.key}` + (r && r.r === 'read_ok' ? ` → ${r.value ?? '∅'}` : '');
}
const mark = (o) => (o.outcome === 'ok' ? '✓' : o.outcome === 'fail' ? '✕' : o.outcome === 'info' ? '?' : '…');
