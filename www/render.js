// SVG renderer for <cap-playground>: draws one frame (the simulator's snapshot) on the layout
// (positions + partition line, owned by the element). Elements are kept in Maps by key and only
// their changed attributes are written (A/T below cache the last value), so a frame with 9 nodes
// and a hundred messages in flight touches a few hundred attributes and creates nothing.
import { W, H, halfPlane, clipLine, crossing, sideOf } from './gestures.js';

const NS = 'http://www.w3.org/2000/svg';
export const NODE_R = 24;
const TIMER_R = NODE_R + 4, TIMER_C = 2 * Math.PI * TIMER_R;

function mk(tag, attrs, parent) {
  const e = document.createElementNS(NS, tag);
  for (const k in attrs) e.setAttribute(k, attrs[k]);
  if (parent) parent.appendChild(e);
  return e;
}
/** setAttribute only when the value changed. */
export function A(e, k, v) {
  const c = e.__c || (e.__c = {});
  if (c[k] !== v) { c[k] = v; e.setAttribute(k, v); }
}
/** textContent only when the value changed. */
export function T(e, v) {
  if (e.__t !== v) { e.__t = v; e.textContent = v; }
}
const f1 = (x) => (Math.round(x * 10) / 10).toString();

const ROLE_LETTER = { leader: 'L', candidate: 'C', pre_candidate: 'P', follower: 'F' };
const ROLE_WORD = { pre_candidate: 'pre-candidate' };
export const roleLetter = (r) => ROLE_LETTER[r] || (r ? r[0].toUpperCase() : '?');
export const roleWord = (r) => ROLE_WORD[r] || (r || 'unknown').replace(/_/g, ' ');

/** Colour family of a message kind (class k-*): by name, protocol-independent fallbacks. */
const FAMILY = new Map();
export function family(kind) {
  let f = FAMILY.get(kind);
  if (!f) {
    const k = kind.toLowerCase();
    f = k.includes('prevote') ? 'prevote' : k.includes('vote') || k.includes('prepare') || k.includes('promise') ? 'vote'
      : k.includes('append') || k.includes('heartbeat') || k.includes('accept') || k.includes('proposal') ? 'append'
      : k.includes('snapshot') ? 'snap' : k.startsWith('client') ? 'client' : 'other';
    FAMILY.set(kind, f);
  }
  return f;
}

export class Renderer {
  constructor(svg, logSvg) {
    this.svg = svg;
    this.logSvg = logSvg;
    this.g = {};
    for (const k of ['tints', 'labels', 'links', 'msgs', 'pline', 'clients', 'nodes']) this.g[k] = svg.querySelector('.' + k);
    this.tintA = svg.querySelector('.tintA');
    this.tintB = svg.querySelector('.tintB');
    this.la = svg.querySelector('.la');
    this.lb = svg.querySelector('.lb');
    this.pl = { vis: svg.querySelector('.pline .vis'), hit: svg.querySelector('.pline .hit'), h1: svg.querySelector('.h1'), h2: svg.querySelector('.h2') };
    this.reset();
  }

  /** Forget every keyed element (new run). */
  reset() {
    for (const k of ['links', 'msgs', 'clients', 'nodes']) this.g[k].replaceChildren();
    this.logSvg.replaceChildren();
    this.nodes = new Map();
    this.clients = new Map();
    this.links = new Map();
    this.msgs = new Map();
    this.pool = [];
    this.logRows = [];
    this.logHead = null;
    this.lineKey = '';
  }

  /** Draw frame `f` at render time `t` (simulated ms, may be fractional) on layout `L`. */
  render(f, t, L, opt) {
    const pos = (m) => (m[0] === 'c' ? L.clientPos(+m.slice(1)) : L.nodes[+m.slice(1)]);
    const group = new Map();
    f.groups.forEach((g, i) => g.forEach((m) => group.set(m, i)));
    const cut = new Set(f.cuts.map(([a, b]) => a + '>' + b));
    const broken = (a, b) => (group.get(a) ?? 0) !== (group.get(b) ?? 0) || cut.has(a + '>' + b) || cut.has(b + '>' + a);

    this.drawLine(L, f);
    // Links: every pair of servers, then each client to its current target.
    const seen = new Set();
    const n = f.nodes.length;
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        const key = i + '-' + j;
        seen.add(key);
        this.link(key, L.nodes[i], L.nodes[j], broken('n' + i, 'n' + j), L.line, false);
      }
    }
    for (const c of f.clients) {
      const target = c.pending ? c.pending.target : c.node;
      const key = 'c' + c.id;
      seen.add(key);
      this.link(key, L.clientPos(c.id), L.nodes[target], broken('c' + c.id, 'n' + target), L.line, true);
    }
    for (const [k, rec] of this.links) if (!seen.has(k)) { rec.g.remove(); this.links.delete(k); }

    for (const node of f.nodes) this.node(node, f, t, L);
    for (const c of f.clients) this.client(c, f, t, L);
    this.messages(f, t, pos, { ...opt, line: L.line });
    this.log(f, opt);
  }

  drawLine(L, f) {
    const l = L.line;
    const counts = [0, 0];
    let total = 0;
    for (const p of L.nodes) { counts[sideOf(l, p)]++; total++; }
    const key = [l.x1, l.y1, l.x2, l.y2, counts].join();
    if (key === this.lineKey) return;
    this.lineKey = key;
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

  link(key, a, b, isBroken, line, isClient) {
    let rec = this.links.get(key);
    if (!rec) {
      const g = mk('g', { class: isClient ? 'link client' : 'link' }, this.g.links);
      rec = { g, a: mk('line', {}, g), b: mk('line', {}, g), x: mk('text', { 'text-anchor': 'middle', dy: '4' }, g), key: '' };
      rec.x.textContent = '✕';
      this.links.set(key, rec);
    }
    if (!a || !b) return;
    const k = `${f1(a.x)},${f1(a.y)},${f1(b.x)},${f1(b.y)},${isBroken}`;
    if (k === rec.key) return;
    rec.key = k;
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

  node(nd, f, t, L) {
    const id = nd.id;
    let r = this.nodes.get(id);
    if (!r) {
      const g = mk('g', { class: 'node', 'data-node-id': 'n' + id, tabindex: '0', role: 'button' }, this.g.nodes);
      r = {
        g,
        focus: mk('circle', { class: 'focus', r: NODE_R + 9 }, g),
        timer: mk('circle', { class: 'timer', r: TIMER_R, 'stroke-dasharray': f1(TIMER_C), transform: 'rotate(-90)' }, g),
        body: mk('circle', { class: 'body', r: NODE_R }, g),
        role: mk('text', { class: 'role', y: '2' }, g),
        term: mk('text', { class: 'term', y: '15' }, g),
        nid: mk('text', { class: 'nid', y: String(-NODE_R - 8) }, g),
        votes: mk('g', {}, g),
        dots: [],
      };
      r.nid.textContent = 'n' + id;
      this.nodes.set(id, r);
    }
    const p = L.nodes[id];
    A(r.g, 'transform', `translate(${f1(p.x)},${f1(p.y)})`);
    const alive = nd.alive && nd.role;
    const role = alive ? nd.role : 'crashed';
    A(r.g, 'data-role', role);
    A(r.g, 'data-side', String(nd.side));
    A(r.g, 'class', `node ${role} t${alive ? nd.term % 6 : 0}${L.selected === id ? ' sel' : ''}${L.dragging === id ? ' dragging' : ''}`);
    T(r.role, alive ? roleLetter(role) : '✕');
    T(r.term, alive ? 'T' + nd.term : 'down');
    A(r.g, 'aria-label', alive ? `server n${id}: ${roleWord(role)}, term ${nd.term}, commit index ${nd.commit_index}` : `server n${id}: crashed`);
    if (alive && nd.timer) {
      const [a, b] = nd.timer;
      const left = b > a ? Math.max(0, Math.min(1, (b - t) / (b - a))) : 0;
      A(r.timer, 'visibility', 'visible');
      A(r.timer, 'stroke-dashoffset', f1(TIMER_C * (1 - left)));
    } else A(r.timer, 'visibility', 'hidden');
    // Vote dots for a candidate: one per peer, on the rim towards that peer, filled when granted.
    const showVotes = alive && (role === 'candidate' || role === 'pre_candidate');
    A(r.votes, 'visibility', showVotes ? 'visible' : 'hidden');
    if (showVotes) {
      const granted = new Set(nd.votes || []);
      let k = 0;
      for (let j = 0; j < f.nodes.length; j++) {
        if (j === id) continue;
        const d = r.dots[k] || (r.dots[k] = mk('circle', { class: 'vote', r: '3.6' }, r.votes));
        const q = L.nodes[j];
        const ang = Math.atan2(q.y - p.y, q.x - p.x), rr = NODE_R + 11;
        A(d, 'cx', f1(Math.cos(ang) * rr)); A(d, 'cy', f1(Math.sin(ang) * rr));
        A(d, 'class', granted.has(j) ? 'vote yes' : 'vote');
        k++;
      }
    }
  }

  client(c, f, t, L) {
    let r = this.clients.get(c.id);
    if (!r) {
      const g = mk('g', { class: 'client', 'data-client-id': 'c' + c.id, role: 'img' }, this.g.clients);
      r = {
        g,
        scr: mk('rect', { class: 'scr', x: '-9', y: '-9', width: '18', height: '12', rx: '2' }, g),
        base: mk('path', { class: 'base', d: 'M-12 6h24' }, g),
        cid: mk('text', { class: 'cid', y: '19' }, g),
        st: mk('text', { class: 'st', x: '19', y: '2' }, g),
        pend: mk('text', { class: 'pend', y: '-12' }, g),
        lastKey: '',
      };
      r.cid.textContent = 'c' + c.id;
      this.clients.set(c.id, r);
    }
    const p = L.clientPos(c.id);
    A(r.g, 'transform', `translate(${f1(p.x)},${f1(p.y)})`);
    A(r.g, 'data-side', String(c.side));
    const last = c.last;
    const mark = !last ? '' : last.outcome === 'ok' ? '✓' : last.outcome === 'fail' ? '✕' : '?';
    T(r.st, mark);
    const fresh = last && t - last.at < 600;
    A(r.st, 'class', `st ${last ? last.outcome : ''}${fresh ? ' fresh' : ''}`);
    T(r.pend, c.pending ? '…' : '');
    A(r.g, 'aria-label', `client c${c.id} on n${c.node}` + (last ? `, last: ${last.label} ${last.outcome} ${last.result}` : '') + (c.pending ? ', waiting' : ''));
  }

  messages(f, t, pos, opt) {
    const live = new Set();
    for (const m of f.messages) {
      const a = pos(m.from), b = pos(m.to);
      if (!a || !b) continue;
      live.add(m.id);
      let r = this.msgs.get(m.id);
      if (!r) {
        r = this.pool.pop();
        if (r) A(r.g, 'visibility', 'visible');
        else {
          const g = mk('g', {}, this.g.msgs);
          mk('circle', { class: 'hit', r: '10' }, g);
          r = { g, dot: mk('circle', { class: 'dot', r: '5' }, g) };
        }
        A(r.g, 'data-msg-id', String(m.id));
        this.msgs.set(m.id, r);
      }
      const dur = Math.max(1e-6, m.deliver_at - m.sent);
      let fr = (t - m.sent) / dur, op = 1, lost = false, stop = Infinity;
      if (m.lost_at != null && t >= m.lost_at) {
        lost = true;
        fr = (m.lost_at - m.sent) / dur;
        op = Math.max(0, 1 - (t - m.lost_at) / 200);
        // A message sent into a cut dies at the line, where the reader sees the cut.
        const cp = crossing(opt.line, a, b);
        if (cp) stop = Math.hypot(cp.x - a.x, cp.y - a.y) - 7;
      } else if (opt.reduced) fr = 0.5;
      fr = fr < 0 ? 0 : fr > 1 ? 1 : fr;
      // Start and end on the rims; each direction gets its own lane (offset to the right).
      const len = Math.hypot(b.x - a.x, b.y - a.y) || 1;
      const ux = (b.x - a.x) / len, uy = (b.y - a.y) / len;
      const ra = m.from[0] === 'c' ? 12 : NODE_R, rb = m.to[0] === 'c' ? 12 : NODE_R;
      const s = Math.min(stop, ra + (len - ra - rb) * fr);
      const x = a.x + ux * s - uy * 4, y = a.y + uy * s + ux * 4;
      A(r.g, 'transform', `translate(${f1(x)},${f1(y)})`);
      A(r.g, 'opacity', lost ? f1(op) : '1');
      A(r.g, 'class', `msg k-${family(m.kind)}${m.is_reply ? ' reply' : ''}${lost ? ' lost' : ''}${opt.selectedMsg === m.id ? ' sel' : ''}`);
    }
    // Finished messages go back to a pool (hidden), so heavy traffic creates no new elements.
    for (const [id, r] of this.msgs) if (!live.has(id)) { A(r.g, 'visibility', 'hidden'); r.g.removeAttribute('data-msg-id'); r.g.__c['data-msg-id'] = null; this.pool.push(r); this.msgs.delete(id); }
  }

  /** Log strip: one row per server, columns aligned by log index, the newest `cols` indices. */
  log(f, opt) {
    const svg = this.logSvg, n = f.nodes.length;
    const cols = opt.narrow ? 14 : 20, lw = 34, cw = (W - lw - 4) / cols, rh = 18, top = 14;
    let hi = 0;
    for (const nd of f.nodes) if (nd.last_index > hi) hi = nd.last_index;
    const lo = Math.max(1, hi - cols + 1);
    if (!this.logHead || this.logHead.cols !== cols || this.logHead.n !== n) {
      svg.replaceChildren();
      this.logRows = [];
      A(svg, 'viewBox', `0 0 ${W} ${top + n * rh + 2}`);
      const head = mk('g', {}, svg);
      this.logHead = { cols, n, idx: [] };
      for (let c = 0; c < cols; c++) this.logHead.idx.push(mk('text', { class: 'idx', x: f1(lw + c * cw + cw / 2), y: '10' }, head));
      for (let i = 0; i < n; i++) {
        const g = mk('g', { class: 'row', transform: `translate(0,${top + i * rh})` }, svg);
        const lbl = mk('text', { class: 'lbl', x: '2', y: '12' }, g);
        lbl.textContent = 'n' + i;
        const cells = [];
        for (let c = 0; c < cols; c++) {
          const x = lw + c * cw;
          const rect = mk('rect', { class: 'cell none', x: f1(x + 1), y: '1', width: f1(cw - 2), height: String(rh - 3), rx: '2' }, g);
          const tt = mk('title', {}, rect);
          cells.push({ rect, tt, txt: mk('text', { x: f1(x + cw / 2), y: '12.5' }, g) });
        }
        this.logRows.push({ g, lbl, cells });
      }
    }
    this.logHead.idx.forEach((e, c) => T(e, (lo + c) % 5 === 0 || c === 0 ? String(lo + c) : ''));
    for (let i = 0; i < n; i++) {
      const nd = f.nodes[i], row = this.logRows[i];
      const alive = nd.alive && nd.role;
      const lg = nd.log || [];
      const key = `${lo}|${alive}|${nd.role}|${nd.last_index}|${nd.commit_index}|${nd.snapshot_index}|${lg.length ? lg[0].index : 0}|${lg.map((e) => e.term).join()}`;
      if (row.key === key) continue;
      row.key = key;
      A(row.g, 'class', alive ? 'row' : 'row down');
      T(row.lbl, alive ? `n${i}${nd.role === 'leader' ? ' L' : ''}` : `n${i} ✕`);
      const log = nd.log || [];
      const first = log.length ? log[0].index : Infinity;
      for (let c = 0; c < row.cells.length; c++) {
        const idx = lo + c, cell = row.cells[c];
        let cls = 'cell none', text = '', title = '';
        if (idx <= (nd.last_index ?? 0)) {
          if (idx >= first) {
            const e = log[idx - first];
            cls = `cell t${e.term % 6}${e.committed ? '' : ' unc'}`;
            text = String(e.term);
            title = `#${e.index} term ${e.term}: ${e.text}${e.committed ? ' (committed)' : ' (not committed)'}`;
          } else if (idx <= (nd.snapshot_index ?? 0)) {
            cls = 'cell snap'; text = 'S'; title = `#${idx} in the snapshot`;
          } else { cls = 'cell snap'; text = '·'; title = `#${idx}`; }
        }
        A(cell.rect, 'class', cls);
        T(cell.txt, text);
        T(cell.tt, title);
      }
    }
  }
}
