// The client timeline under the diagram: one lane per client, each operation a bar from its
// invocation to its completion (open-ended to "now" while it waits; an unknown outcome gets a
// dashed tail to "now": it may still take effect). Witness operations of a linearizability
// violation are outlined and always labelled; stale reads are marked "stale". Drawn at ~10 Hz
// (the element's slow frames) and only while open; bars, ticks and lanes are reused records whose
// attributes are written only when they change (A/T).
import { A, T, h } from '../render/draw.js';
import { verdictOf } from './score.js';

/** Witness lines shown before the list says how many more there are (as `cap check`). */
const WITNESS_LINES_SHOWN = 12;

const NS = 'http://www.w3.org/2000/svg';
const W = 640, X0 = 36, X1 = 632, TOP = 16, LANE = 24;
const LIVE_SPAN = 5000; // ms of recent operations shown in the live view
const STEPS = [10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 60000, 120000, 300000];

function mk(tag, attrs, parent) {
  const e = document.createElementNS(NS, tag);
  for (const k in attrs) e.setAttribute(k, attrs[k]);
  parent.appendChild(e);
  return e;
}
const f1 = (x) => String(Math.round(x * 10) / 10);

/** "write x=3", "read x → 1", "cas x 1→2" (the result of a read when it has one). */
export function opLabel(o) {
  const p = o.op || {};
  if (p.f === 'write') return `write ${p.key}=${p.value}`;
  if (p.f === 'cas') return `cas ${p.key} ${p.from ?? '∅'}→${p.to}`;
  const r = o.result;
  return `read ${p.key}` + (r && r.r === 'read_ok' ? ` → ${r.value ?? '∅'}` : '');
}
export const outcomeMark = (o) => (o.outcome === 'ok' ? '✓' : o.outcome === 'fail' ? '✕' : o.outcome === 'info' ? '?' : '…');

export class Timeline {
  constructor(svg) {
    this.svg = svg;
    this.gGrid = mk('g', {}, svg);
    this.gLanes = mk('g', {}, svg);
    this.gOps = mk('g', {}, svg);
    this.ticks = [];
    this.lanes = [];
    this.bars = [];
  }

  /**
   * Draw `ops` (frame/history operations) over [lo, hi] ms, `now` = the simulated time,
   * `clients` = lane ids, `wit` / `stale` = Sets of op ids to highlight, `dim` = fade the others,
   * `sel` = the id of an operation picked elsewhere (the space-time diagram), outlined.
   */
  draw(ops, lo, hi, now, clients, wit, stale, dim, sel) {
    const span = Math.max(1, hi - lo), sx = (X1 - X0) / span;
    const x = (t) => X0 + (Math.min(Math.max(t, lo), hi) - lo) * sx;
    const laneOf = new Map(clients.map((c, i) => [c, i]));
    for (const o of ops) if (!laneOf.has(o.client)) { laneOf.set(o.client, clients.length); clients = [...clients, o.client]; }
    const n = Math.max(1, clients.length), h = TOP + n * LANE + 2;
    A(this.svg, 'viewBox', `0 0 ${W} ${h}`);
    // Time axis: about 6 ticks at a round step.
    const step = STEPS.find((s) => span / s <= 7) || 600000;
    const dec = step < 100 ? 2 : step < 1000 ? 1 : 0;
    let k = 0;
    for (let t = Math.ceil(lo / step) * step; t <= hi; t += step, k++) {
      const r = this.ticks[k] || (this.ticks[k] = { l: mk('line', { class: 'grid', y1: '12' }, this.gGrid), t: mk('text', { class: 'tick', y: '10' }, this.gGrid) });
      const xs = f1(x(t));
      A(r.l, 'x1', xs); A(r.l, 'x2', xs); A(r.l, 'y2', String(h)); A(r.t, 'x', xs);
      A(r.l, 'visibility', 'visible'); A(r.t, 'visibility', 'visible');
      T(r.t, `${(t / 1000).toFixed(dec)} s`);
    }
    for (; k < this.ticks.length; k++) { A(this.ticks[k].l, 'visibility', 'hidden'); A(this.ticks[k].t, 'visibility', 'hidden'); }
    clients.forEach((c, i) => {
      const r = this.lanes[i] || (this.lanes[i] = { t: mk('text', { class: 'lane', x: '2' }, this.gLanes), l: mk('line', { class: 'sep', x1: '0', x2: String(W) }, this.gLanes) });
      const y = TOP + i * LANE;
      A(r.t, 'y', String(y + 16)); A(r.l, 'y1', String(y)); A(r.l, 'y2', String(y));
      A(r.t, 'visibility', 'visible'); A(r.l, 'visibility', 'visible');
      T(r.t, 'c' + c);
    });
    for (let i = clients.length; i < this.lanes.length; i++) { A(this.lanes[i].t, 'visibility', 'hidden'); A(this.lanes[i].l, 'visibility', 'hidden'); }

    // Where the next operation of the same lane starts: the room a label has.
    const byLane = new Map();
    for (const o of ops) { const l = laneOf.get(o.client); (byLane.get(l) || byLane.set(l, []).get(l)).push(o); }
    const room = new Map();
    for (const list of byLane.values()) {
      list.sort((a, b) => a.invoke - b.invoke);
      list.forEach((o, i) => room.set(o, (i + 1 < list.length ? x(list[i + 1].invoke) : X1 + 8) - x(o.invoke) - 3));
    }
    let b = 0;
    for (const o of ops) {
      const end = o.complete ?? now;
      if (end < lo || o.invoke > hi) continue;
      const r = this.bars[b] || (this.bars[b] = this._bar());
      b++;
      const lane = laneOf.get(o.client), y = TOP + lane * LANE;
      const isW = !!wit && wit.has(o.id), isS = stale.has(o.id);
      const x0 = x(o.invoke), x1 = Math.max(x0 + 2, x(end));
      const open = o.complete == null;
      const cls = `bar ${o.outcome || 'pending'}${open ? ' open' : ''}${isS ? ' stale' : ''}${isW ? ' wit' : ''}`;
      A(r.g, 'class', `op${isW ? ' wit' : dim ? ' dim' : ''}${isS ? ' stale' : ''}${o.id === sel ? ' sel' : ''}`);
      A(r.g, 'visibility', 'visible');
      A(r.rect, 'class', cls);
      A(r.rect, 'x', f1(x0)); A(r.rect, 'y', String(y + 13)); A(r.rect, 'width', f1(x1 - x0));
      const tail = o.outcome === 'info' && o.complete != null && now > o.complete;
      A(r.ext, 'visibility', tail ? 'visible' : 'hidden');
      if (tail) { A(r.ext, 'x1', f1(x1)); A(r.ext, 'x2', f1(x(now))); A(r.ext, 'y1', String(y + 17)); A(r.ext, 'y2', String(y + 17)); }
      const mark = outcomeMark(o), full = `${isW ? '#' + o.id + ' ' : ''}${opLabel(o)} ${mark}${isS ? ' stale' : ''}`;
      const fits = room.get(o) ?? 0, wide = full.length * 5.4;
      // In the witness view its operations are always labelled and the others not; otherwise labels go where they fit.
      const text = isW && dim ? full : dim ? '' : wide <= fits ? full : (isS ? 36 : 8) <= fits ? mark + (isS ? ' stale' : '') : '';
      T(r.text, text);
      const right = isW && dim && x0 + wide > X1;
      A(r.text, 'x', f1(right ? X1 : x0)); A(r.text, 'y', String(y + 10)); A(r.text, 'text-anchor', right ? 'end' : 'start');
      T(r.title, `#${o.id} c${o.client} → n${o.node}: ${opLabel(o)} ${mark} ${o.outcome ?? 'waiting'}, ${o.invoke}–${o.complete ?? '…'} ms${isS ? ', stale read' : ''}`);
    }
    for (let i = b; i < this.bars.length; i++) A(this.bars[i].g, 'visibility', 'hidden');
  }

  _bar() {
    const g = mk('g', {}, this.gOps);
    return { g, rect: mk('rect', { height: '8', rx: '2' }, g), ext: mk('line', { class: 'ext' }, g), text: mk('text', {}, g), title: mk('title', {}, g) };
  }
}

/** The live view's window: the last LIVE_SPAN ms. */
export function liveWindow(now) { return [Math.max(0, now - LIVE_SPAN), Math.max(now, 1)]; }

/**
 * The timeline panel (the "timeline" button, or a click on the verdict): the live view of the
 * recent operations, or, after a violation, the witness: the operations that cannot be put in one
 * order, outlined, with the checker's sentence and lines.
 */
export default {
  name: 'timeline',
  mount(host) {
    const $ = host.$, box = $('.tl'), timeline = new Timeline($('.tlsvg'));
    let mode = 'live', cache = null, sel = null; // sel: {op, ops} picked in the space-time diagram
    /** The witness's operations and those overlapping them, from the full history (parsed once per witness). */
    const witnessView = (w, f) => {
      const key = w.failing_op + ':' + w.ops.join(',');
      if (cache?.key !== key) {
        const ids = new Set(w.ops);
        let all = f.ops;
        if (!w.ops.every((id) => f.ops.some((o) => o.id === id))) all = host._sim((pg) => JSON.parse(pg.historyJson()));
        cache = { key, all, wo: all.filter((o) => ids.has(o.id)), ids };
      }
      const { all, wo, ids } = cache;
      let lo = Infinity, hi = 0;
      for (const o of wo) { lo = Math.min(lo, o.invoke); hi = Math.max(hi, o.complete ?? f.now); }
      if (!wo.length) [lo, hi] = liveWindow(f.now);
      const pad = Math.max(40, (hi - lo) * 0.06);
      lo = Math.max(0, lo - pad); hi = Math.min(f.now, hi + pad);
      return { ops: all.filter((o) => (ids.has(o.id) || o.op?.key === w.key) && (o.complete ?? f.now) >= lo && o.invoke <= hi), lo, hi, ids };
    };
    const draw = (f) => {
      if (box.hidden) return;
      const { witness: w } = verdictOf(f), stale = new Set(f.consistency?.stale_ids || []);
      const modeBtn = $('[data-action=tl-mode]');
      modeBtn.hidden = !w;
      const wmode = !!w && mode === 'witness';
      const picked = mode === 'sel' ? sel : null;
      let ops, lo, hi, ids = w ? new Set(w.ops) : null;
      if (wmode) ({ ops, lo, hi, ids } = witnessView(w, f));
      else if (picked) {
        // The operation picked in the space-time diagram, with its neighbours (from its record,
        // which reaches past the present when the run is in the past).
        const o = picked.op, end = o.complete ?? f.now, pad = Math.max(500, (end - o.invoke) * 0.5);
        [lo, hi] = [Math.max(0, o.invoke - pad), end + pad];
        ops = (picked.ops || f.ops).filter((x) => x.invoke <= hi && (x.complete ?? f.now) >= lo);
        if (!ops.some((x) => x.id === o.id)) ops = [...ops, o];
      } else { [lo, hi] = liveWindow(f.now); ops = f.ops; }
      T(modeBtn, wmode ? 'show recent operations' : 'show the witness');
      T($('.tl-mode'), wmode ? `the violation on key ${w.key}: outlined operations cannot be put in one order (t = ${(lo / 1000).toFixed(2)}–${(hi / 1000).toFixed(2)} s)`
        : picked ? `operation #${picked.op.id} (c${picked.op.client}), picked in the space-time diagram · t = ${(lo / 1000).toFixed(2)}–${(hi / 1000).toFixed(2)} s`
        : `last ${((hi - lo) / 1000).toFixed(0)} s · ✓ ok ✕ failed ? unknown … waiting · stale = read of an overwritten value`);
      timeline.draw(ops, lo, hi, f.now, f.clients.map((c) => c.id), ids, stale, wmode, picked?.op.id);
      const sen = $('.tl-sentence'), ul = $('.tl-lines');
      sen.hidden = ul.hidden = !w;
      if (w) {
        T(sen, `✕ ${w.sentence}`);
        const sig = w.lines.join('\n') + w.reduction;
        if (ul.__sig !== sig) {
          ul.__sig = sig;
          // A long witness is shortened for display, and says so (state() has the full list).
          const shown = w.lines.slice(0, WITNESS_LINES_SHOWN);
          ul.replaceChildren(...shown.map((l) => h('li', {}, null, l)));
          if (shown.length < w.lines.length) h('li', {}, ul, `… shortened for display: ${shown.length} of the witness's ${w.lines.length} operations shown`);
          h('li', {}, ul, w.reduction);
        }
      }
    };
    /** Open / close the timeline; mode 'witness' shows the violation's witness window. */
    const toggle = (open, m) => {
      box.hidden = !open;
      if (m) mode = m;
      A($('.tl-btn'), 'aria-pressed', open ? 'true' : 'false');
      if (open && host.f) draw(host.f);
    };
    return {
      reset() { mode = 'live'; cache = null; sel = null; },
      /** Show operation `op` selected (another panel picked it; `ops`: its neighbours), null: clear. */
      select(op, ops) { sel = op ? { op, ops } : null; toggle(true, sel ? 'sel' : 'live'); },
      frame(f, t, slow) { if (slow) draw(f); },
      actions: {
        verdict: () => (verdictOf(host.f || {}).witness ? toggle(true, 'witness') : toggle(box.hidden, 'live')),
        timeline: () => { sel = null; toggle(box.hidden, 'live'); },
        'tl-mode': () => { mode = mode === 'witness' ? 'live' : 'witness'; draw(host.f); },
      },
    };
  },
};
