// The strip under the diagram: one row per server, its cells aligned across rows (by log index for
// Raft's log and ZAB's history, by slot for Paxos), so divergence is visible at a glance. A protocol
// view owns what the cells say (its `strip`); this file keeps the SVG grid and the cell tooltips.
// Drawn only on slow frames (~10 Hz), and only the rows whose content changed.
import { W, mk, A, T, f1 } from './draw.js';

const TOP = 14; // the header row (index or slot numbers)

/** The SVG grid of the strip (svg.log in the element's shadow root). */
export class Strip {
  /** titleOf(row, col) → the tooltip of a cell, asked when the pointer enters it. */
  constructor(svg, titleOf) {
    this.svg = svg;
    this.tip = mk('title', {});
    this.onOver = (ev) => {
      const c = ev.target.closest?.('rect[data-c]');
      if (!c) return;
      this.tip.textContent = titleOf(+c.parentNode.dataset.r, +c.dataset.c);
      c.appendChild(this.tip);
    };
    svg.addEventListener('pointerover', this.onOver);
    this.key = '';
    this.rows = [];
    this.idx = [];
    this.lo = -1;
  }

  /** Detach (the element shows another protocol). */
  dispose() {
    this.svg.removeEventListener('pointerover', this.onOver);
    this.svg.replaceChildren();
  }

  /**
   * The grid's shape: n rows of `cols` cells (width cw after a label column lw, row height rh),
   * text baselines lblY / txtY and, with subY, a second smaller line per cell (class bal). Rebuilt
   * only when the shape changed; returns true then (every row must be redrawn).
   */
  shape(s) {
    const key = `${s.n}|${s.cols}|${s.lw}|${s.cw}|${s.rh}|${s.subY}|${s.aria}`;
    if (key === this.key) return false;
    this.key = key;
    const svg = this.svg;
    svg.replaceChildren();
    A(svg, 'viewBox', `0 0 ${W} ${TOP + s.n * s.rh + 2}`);
    A(svg, 'aria-label', s.aria);
    const head = mk('g', {}, svg);
    this.idx = [];
    for (let c = 0; c < s.cols; c++) this.idx.push(mk('text', { class: 'idx', x: f1(s.lw + c * s.cw + s.cw / 2), y: '10' }, head));
    this.rows = [];
    this.lo = -1;
    for (let i = 0; i < s.n; i++) {
      const g = mk('g', { class: 'row', transform: `translate(0,${TOP + i * s.rh})`, 'data-r': String(i), ...(s.nodeAttr ? { 'data-node': 'n' + i } : {}) }, svg);
      const lbl = mk('text', { class: 'lbl', x: '2', y: String(s.lblY) }, g);
      const cells = [];
      for (let c = 0; c < s.cols; c++) {
        const x = s.lw + c * s.cw;
        cells.push({
          rect: mk('rect', { class: 'cell none', x: f1(x + 1), y: '1', width: f1(s.cw - 2), height: String(s.rh - 3), rx: '2', 'data-c': String(c) }, g),
          txt: mk('text', { x: f1(x + s.cw / 2), y: String(s.txtY) }, g),
          bal: s.subY != null ? mk('text', { class: 'bal', x: f1(x + s.cw / 2), y: String(s.subY) }, g) : null,
        });
      }
      this.rows.push({ g, lbl, cells, k: {} });
    }
    return true;
  }

  /** Header texts for first column `lo` (head(index) → text), rewritten when lo moved. */
  header(lo, head) {
    if (this.lo === lo) return;
    this.lo = lo;
    this.idx.forEach((e, c) => T(e, head(lo + c, c)));
  }
}

/**
 * Draw a log by index (Raft's log, ZAB's history): the newest `cols` indices of all servers,
 * cells coloured by term, dashed while not committed, "S" inside the snapshot. cell(nd, k) is the
 * text of the k-th entry of nd.log (the term, a zxid); rows are redrawn only when it changed.
 */
export function indexLog(strip, f, opt, aria, cell) {
  const n = f.nodes.length, cols = opt.narrow ? 14 : 20, lw = 34, cw = (W - lw - 4) / cols;
  let hi = 0;
  for (const nd of f.nodes) if (nd.last_index > hi) hi = nd.last_index;
  const lo = Math.max(1, hi - cols + 1);
  strip.f = f;
  strip.shape({ n, cols, lw, cw, rh: 18, lblY: 12, txtY: 12.5, subY: null, aria });
  strip.header(lo, (idx, c) => (idx % 5 === 0 || c === 0 ? String(idx) : ''));
  for (let i = 0; i < n; i++) {
    const nd = f.nodes[i], row = strip.rows[i], k = row.k;
    const alive = !!(nd.alive && nd.role);
    const log = nd.log || [];
    const first = log.length ? log[0].index : 0;
    // Redraw a row only when what it shows changed (no allocation when it did not).
    let same = k.lo === lo && k.alive === alive && k.role === nd.role && k.last === nd.last_index &&
      k.commit === nd.commit_index && k.snap === nd.snapshot_index && k.first === first && k.terms?.length === log.length;
    for (let j = 0; same && j < log.length; j++) same = k.terms[j] === cell(nd, j);
    if (same) continue;
    k.lo = lo; k.alive = alive; k.role = nd.role; k.last = nd.last_index; k.commit = nd.commit_index;
    k.snap = nd.snapshot_index; k.first = first; k.terms = log.map((e, j) => cell(nd, j));
    A(row.g, 'class', alive ? 'row' : 'row down');
    T(row.lbl, alive ? `n${i}${nd.role === 'leader' || nd.role === 'leading' ? ' L' : ''}` : `n${i} ✕`);
    for (let c = 0; c < row.cells.length; c++) {
      const idx = lo + c, e = row.cells[c];
      let cls = 'cell none', text = '';
      if (idx <= (nd.last_index ?? 0)) {
        if (log.length && idx >= first) {
          const x = log[idx - first];
          cls = `cell t${x.term % 6}${x.committed ? '' : ' unc'}`;
          text = String(k.terms[idx - first]);
        } else if (idx <= (nd.snapshot_index ?? 0)) { cls = 'cell snap'; text = 'S'; }
        else { cls = 'cell snap'; text = '·'; }
      }
      A(e.rect, 'class', cls);
      T(e.txt, text);
    }
  }
}

/**
 * The tooltip of cell (row i, column c) of a log drawn by indexLog: entry(nd, x, k, alive) says
 * what the k-th entry x of nd.log is.
 */
export function indexLogTitle(strip, i, c, entry) {
  const nd = strip.f?.nodes[i];
  if (!nd) return '';
  const idx = strip.lo + c, log = nd.log || [], first = log.length ? log[0].index : 0;
  if (idx > (nd.last_index ?? 0)) return `#${idx}: empty`;
  if (log.length && idx >= first) return entry(nd, log[idx - first], idx - first, !!(nd.alive && nd.role));
  return idx <= (nd.snapshot_index ?? 0) ? `#${idx} in the snapshot` : `#${idx}`;
}
