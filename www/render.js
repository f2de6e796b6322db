// SVG renderer for <cap-playground>: draws one frame (the simulator's snapshot) on the layout
// (positions + partition line, owned by the element). Elements are kept in Maps by key and only
// their changed attributes are written (A/T below cache the last value), so a frame with 9 nodes
// and a hundred messages in flight touches a few hundred attributes and creates nothing.
// Per-frame cost (budget: p95 <= 4 ms with 9 servers under heavy traffic): each record keeps the
// numbers it was last drawn from and skips building strings when they did not change; the log
// strip is drawn only on "slow" frames (~10 Hz, opt.slow) and only the rows that changed; cell
// tooltips are written when the pointer is over a cell, not every frame.
import { W, H, halfPlane, clipLine, crossing, sideOf, sideWord } from './gestures.js';

const NS = 'http://www.w3.org/2000/svg';
export const NODE_R = 24;
/** Protocol view modules (www/<bundle>-view.js), filled in when a page loads that bundle. */
export const views = {};
const TIMER_R = NODE_R + 4, TIMER_C = 2 * Math.PI * TIMER_R;

/** A new SVG element with attributes, appended to parent if given. */
export function mk(tag, attrs, parent) {
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
const FAMILY = new Map([
  // Paxos: phase 1 (Prepare / Promise) as votes, phase 2 (Accept / Accepted) as appends, learning in green.
  ['Prepare', 'vote'], ['Promise', 'vote'], ['Accept', 'append'], ['Accepted', 'append'], ['Chosen', 'snap'], ['Nack', 'other'],
  // Dynamo: reads orange, writes blue, hints pink, repair / anti-entropy green.
  ['Get', 'vote'], ['GetResponse', 'vote'], ['Put', 'append'], ['PutAck', 'append'], ['WriteAcked', 'append'],
  ['HintedHandoff', 'prevote'], ['HandoffAck', 'prevote'], ['MerkleDigest', 'snap'], ['MerkleDiff', 'snap'], ['ReadRepair', 'snap'],
  // ZAB, by phase (the same colours as the phase pills): election, discovery, sync, broadcast.
  ['NOTIFICATION', 'vote'], ['FOLLOWERINFO', 'prevote'], ['NEWEPOCH', 'prevote'], ['ACKEPOCH', 'prevote'],
  ['DIFF', 'snap'], ['TRUNC', 'snap'], ['SNAP', 'snap'], ['NEWLEADER', 'snap'], ['UPTODATE', 'snap'],
  ['PROPOSAL', 'append'], ['ACK', 'append'], ['COMMIT', 'append'], ['PING', 'append'], ['REQUEST', 'client'], ['SYNC', 'client'],
  // 2PC, by phase (BHG ch. 7): voting, decision, the termination protocol.
  ['Prepare', 'vote'], ['VoteYes', 'vote'], ['VoteNo', 'vote'], ['Commit', 'append'], ['Abort', 'append'], ['Ack', 'append'],
  ['DecisionRequest', 'prevote'],
]);
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
    this.tip = document.createElementNS(NS, 'title');
    logSvg.addEventListener('pointerover', (ev) => {
      const c = ev.target.closest?.('rect[data-c]');
      if (!c) return;
      this.tip.textContent = this.cellTitle(+c.parentNode.dataset.r, +c.dataset.c);
      c.appendChild(this.tip);
    });
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
    this.logFrame = null;
    this.lineRec = null;
    this.lineGen = 0;
    this.gen = 0;
  }

  /** Draw frame `f` at render time `t` (simulated ms, may be fractional) on layout `L`. */
  render(f, t, L, opt) {
    const gen = ++this.gen;
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

    for (const node of nodes) this.node(node, f, t, L, opt);
    for (const c of f.clients) this.client(c, f, t, L);
    this.messages(f, t, L, opt);
    if (opt.slow || !this.logHead) {
      if (f.nodes.some((nd) => nd.paxos)) this.slots(f, opt);
      else this.log(f, opt);
    }
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

  node(nd, f, t, L, opt) {
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
        sub: mk('text', { class: 'sub', y: String(NODE_R + 15) }, g),
        badge: mk('g', { class: 'badge', transform: `translate(${NODE_R - 2},${2 - NODE_R})`, visibility: 'hidden' }, g),
        votes: mk('g', {}, g),
        dots: [],
        k: {}, // what it was last drawn from
      };
      r.nid.textContent = 'n' + id;
      mk('circle', { r: '8.5' }, r.badge);
      r.btxt = mk('text', { y: '3.5' }, r.badge);
      this.nodes.set(id, r);
    }
    const p = L.nodes[id];
    if (r.k.px !== p.x || r.k.py !== p.y) { r.k.px = p.x; r.k.py = p.y; A(r.g, 'transform', `translate(${f1(p.x)},${f1(p.y)})`); }
    const alive = !!(nd.alive && nd.role);
    const zb = nd.zab;
    const role = alive ? (zb ? views.zab.zabRole(nd) : nd.role) : 'crashed';
    const sel = L.selected === id, drag = L.dragging === id;
    const k = r.k;
    const sw = sideWord(L.line, p); // said in the label: the keyboard moves the node across the line
    const px = nd.paxos, dy = nd.dynamo;
    if (nd.twopc && views.twopc) return views.twopc.twopcNode(r, nd, id, alive, sel, drag, sw); // 2PC: twopc-view.js
    if (px || dy) {
      // Paxos / Dynamo: their own glyphs (views are new objects only when a frame was pulled).
      const badge = dy ? (opt.pref?.get(id) ?? '') : '';
      if (k.px === (px || dy) && k.alive === alive && k.side === nd.side && k.sel === sel && k.drag === drag && k.badge === badge && k.lead === nd.role && k.sw === sw) return;
      k.px = px || dy; k.alive = alive; k.side = nd.side; k.sel = sel; k.drag = drag; k.badge = badge; k.lead = nd.role; k.role = null; k.sw = sw;
      A(r.timer, 'visibility', 'hidden');
      A(r.votes, 'visibility', 'hidden');
      A(r.g, 'data-role', role);
      A(r.g, 'data-side', String(nd.side));
      const cls = (c) => A(r.g, 'class', `node ${role} ${c}${sel ? ' sel' : ''}${drag ? ' dragging' : ''}`);
      if (px) {
        const b = px.promised ?? px.ballot, round = b ? parseInt(b, 10) || 0 : 0, chosen = f.protocol === 'paxos' ? px.chosen : null;
        const lead = alive && role === 'leader';
        cls(`paxos t${alive ? round % 6 : 0}${chosen ? ' chosen' : ''}`);
        A(r.g, 'data-roles', px.roles);
        A(r.role, 'class', 'role roles');
        T(r.role, alive ? px.roles : '✕');
        T(r.term, alive ? (b ? 'b' + b : 'b —') : 'down');
        T(r.sub, chosen ? '✓ chosen ' + chosen : lead ? '★ leader' : '');
        A(r.sub, 'class', chosen ? 'sub chosen' : lead ? 'sub lead' : 'sub');
        const rw = [...px.roles].map((c) => ({ P: 'proposer', A: 'acceptor', L: 'learner' })[c]).filter(Boolean).join(', ');
        A(r.g, 'aria-label', `n${id}, ${alive ? rw + (lead ? ', leader' : '') : 'crashed'}, ${sw}, promised ballot ${px.promised ?? 'none'}` +
          (px.accepted ? `, accepted ${px.accepted}` : '') + (chosen ? `, chosen value ${chosen}` : ''));
        A(r.badge, 'visibility', 'hidden');
      } else {
        const keys = dy.keys.length, sib = dy.keys.reduce((m, kv) => Math.max(m, kv.siblings), 0), hints = dy.hints.length;
        cls(`dynamo t${alive && sib > 1 ? 1 : 0}`);
        A(r.role, 'class', 'role small');
        T(r.role, alive ? 'replica' : '✕');
        T(r.term, alive ? `${keys} key${keys === 1 ? '' : 's'}` : 'down');
        const sub = [sib > 1 ? `${sib} siblings` : '', hints ? `${hints} hint${hints === 1 ? '' : 's'}` : ''].filter(Boolean).join(' · ');
        T(r.sub, sub);
        A(r.sub, 'class', sib > 1 ? 'sub warn' : 'sub');
        A(r.g, 'aria-label', `n${id}, ${alive ? 'replica' : 'crashed'}, ${sw}, ${keys} keys, ${sib > 1 ? sib + ' siblings' : 'no siblings'}, ${hints} hints held` +
          (badge ? `, ${String(badge)[0] === 'h' ? 'holds a hint for the selected key' : 'owner ' + badge + ' of the selected key'}` : ''));
        A(r.badge, 'visibility', badge ? 'visible' : 'hidden');
        A(r.badge, 'class', String(badge)[0] === 'h' ? 'badge hint' : 'badge');
        T(r.btxt, String(badge));
      }
      return;
    }
    if (zb) views.zab.zabNode(r, nd, L, role, alive, sel, drag, sw);
    else if (k.role !== role || k.term !== nd.term || k.side !== nd.side || k.ci !== nd.commit_index || k.sel !== sel || k.drag !== drag || k.sw !== sw) {
      k.role = role; k.term = nd.term; k.side = nd.side; k.ci = nd.commit_index; k.sel = sel; k.drag = drag; k.sw = sw;
      A(r.g, 'data-role', role);
      A(r.g, 'data-side', String(nd.side));
      A(r.g, 'class', `node ${role} t${alive ? nd.term % 6 : 0}${sel ? ' sel' : ''}${drag ? ' dragging' : ''}`);
      T(r.role, alive ? roleLetter(role) : '✕');
      T(r.term, alive ? 'T' + nd.term : 'down');
      A(r.g, 'aria-label', alive ? `n${id}, ${roleWord(role)}, term ${nd.term}, ${sw}, commit index ${nd.commit_index}`
        : `n${id}, crashed, ${sw} (durable state: term ${nd.term ?? '?'}, log to #${nd.last_index ?? 0})`);
    }
    if (alive && nd.timer) {
      const [a, b] = nd.timer;
      let left = b > a ? Math.max(0, Math.min(1, (b - t) / (b - a))) : 0;
      // Reduced motion: the arc steps down in quarters instead of draining smoothly.
      if (opt.reduced) left = Math.ceil(left * 4) / 4;
      const off = Math.round(TIMER_C * (1 - left) * 10) / 10;
      A(r.timer, 'visibility', 'visible');
      if (r.k.off !== off) { r.k.off = off; r.timer.setAttribute('stroke-dashoffset', String(off)); }
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
      const g = mk('g', { class: 'client', 'data-client-id': 'c' + c.id, tabindex: '0', role: 'button' }, this.g.clients);
      r = {
        g,
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
    A(r.g, 'aria-label', `client c${c.id}, on n${c.node}, ${sw}` + (last ? `, last: ${last.label} ${last.outcome} ${last.result}` : '') + (pend ? ', waiting' : ''));
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

  /** Log strip: one row per server, columns aligned by log index, the newest `cols` indices. */
  log(f, opt) {
    const svg = this.logSvg, n = f.nodes.length;
    const cols = opt.narrow ? 14 : 20, lw = 34, cw = (W - lw - 4) / cols, rh = 18, top = 14;
    let hi = 0;
    for (const nd of f.nodes) if (nd.last_index > hi) hi = nd.last_index;
    const lo = Math.max(1, hi - cols + 1);
    this.logFrame = f;
    this.logLo = lo;
    if (!this.logHead || this.logHead.cols !== cols || this.logHead.n !== n || this.logHead.slots) {
      svg.replaceChildren();
      this.logRows = [];
      A(svg, 'viewBox', `0 0 ${W} ${top + n * rh + 2}`);
      A(svg, 'aria-label', 'logs of all nodes, aligned by index');
      const head = mk('g', {}, svg);
      this.logHead = { cols, n, idx: [], lo: -1 };
      for (let c = 0; c < cols; c++) this.logHead.idx.push(mk('text', { class: 'idx', x: f1(lw + c * cw + cw / 2), y: '10' }, head));
      for (let i = 0; i < n; i++) {
        const g = mk('g', { class: 'row', transform: `translate(0,${top + i * rh})`, 'data-r': String(i) }, svg);
        const lbl = mk('text', { class: 'lbl', x: '2', y: '12' }, g);
        lbl.textContent = 'n' + i;
        const cells = [];
        for (let c = 0; c < cols; c++) {
          const x = lw + c * cw;
          const rect = mk('rect', { class: 'cell none', x: f1(x + 1), y: '1', width: f1(cw - 2), height: String(rh - 3), rx: '2', 'data-c': String(c) }, g);
          cells.push({ rect, txt: mk('text', { x: f1(x + cw / 2), y: '12.5' }, g) });
        }
        this.logRows.push({ g, lbl, cells, terms: [], lo: -1 });
      }
    }
    if (this.logHead.lo !== lo) {
      this.logHead.lo = lo;
      this.logHead.idx.forEach((e, c) => T(e, (lo + c) % 5 === 0 || c === 0 ? String(lo + c) : ''));
    }
    for (let i = 0; i < n; i++) {
      const nd = f.nodes[i], row = this.logRows[i];
      const alive = !!(nd.alive && nd.role);
      const log = nd.log || [];
      const first = log.length ? log[0].index : 0;
      // ZAB: cells show the zxid (epoch:counter), so a row is redrawn when any zxid changed.
      const key = nd.zab ? (k) => views.zab.zabCell(nd, k) : (k) => log[k].term;
      // Redraw a row only when what it shows changed (no allocation when it did not).
      let same = row.lo === lo && row.alive === alive && row.role === nd.role && row.last === nd.last_index &&
        row.commit === nd.commit_index && row.snap === nd.snapshot_index && row.first === first && row.terms.length === log.length;
      for (let k = 0; same && k < log.length; k++) same = row.terms[k] === key(k);
      if (same) continue;
      row.lo = lo; row.alive = alive; row.role = nd.role; row.last = nd.last_index; row.commit = nd.commit_index;
      row.snap = nd.snapshot_index; row.first = first; row.terms = log.map((e, k) => key(k));
      A(row.g, 'class', alive ? 'row' : 'row down');
      T(row.lbl, alive ? `n${i}${nd.role === 'leader' || nd.role === 'leading' ? ' L' : ''}` : `n${i} ✕`);
      for (let c = 0; c < row.cells.length; c++) {
        const idx = lo + c, cell = row.cells[c];
        let cls = 'cell none', text = '';
        if (idx <= (nd.last_index ?? 0)) {
          if (log.length && idx >= first) {
            const e = log[idx - first];
            cls = `cell t${e.term % 6}${e.committed ? '' : ' unc'}`;
            text = nd.zab ? views.zab.zabCell(nd, idx - first) : String(e.term);
          } else if (idx <= (nd.snapshot_index ?? 0)) { cls = 'cell snap'; text = 'S'; }
          else { cls = 'cell snap'; text = '·'; }
        }
        A(cell.rect, 'class', cls);
        T(cell.txt, text);
      }
    }
  }

  /**
   * Paxos slot table (instead of the log strip): one row per server, columns aligned by slot, the
   * newest `cols` slots. Solid = chosen, dashed = accepted (ballot under the value), dotted =
   * proposed only. Rows are redrawn only when their slots changed (~10 Hz).
   */
  slots(f, opt) {
    const svg = this.logSvg, n = f.nodes.length, single = f.protocol === 'paxos';
    const cols = single ? 1 : opt.narrow ? 8 : 12, lw = 40, cw = Math.min(single ? 120 : 80, (W - lw - 4) / cols), rh = 26, top = 14;
    let hi = 1;
    for (const nd of f.nodes) for (const sl of nd.paxos?.slots || []) if (sl.slot > hi) hi = sl.slot;
    const lo = Math.max(1, hi - cols + 1);
    this.logFrame = f;
    this.logLo = lo;
    if (!this.logHead || this.logHead.cols !== cols || this.logHead.n !== n || !this.logHead.slots) {
      svg.replaceChildren();
      this.logRows = [];
      A(svg, 'viewBox', `0 0 ${W} ${top + n * rh + 2}`);
      A(svg, 'aria-label', 'Paxos slots of all nodes, aligned by slot');
      const head = mk('g', {}, svg);
      this.logHead = { cols, n, idx: [], lo: -1, slots: true };
      for (let c = 0; c < cols; c++) this.logHead.idx.push(mk('text', { class: 'idx', x: f1(lw + c * cw + cw / 2), y: '10' }, head));
      for (let i = 0; i < n; i++) {
        const g = mk('g', { class: 'row', transform: `translate(0,${top + i * rh})`, 'data-r': String(i), 'data-node': 'n' + i }, svg);
        const lbl = mk('text', { class: 'lbl', x: '2', y: '15' }, g);
        const cells = [];
        for (let c = 0; c < cols; c++) {
          const x = lw + c * cw;
          const rect = mk('rect', { class: 'cell none', x: f1(x + 1), y: '1', width: f1(cw - 2), height: String(rh - 3), rx: '2', 'data-c': String(c) }, g);
          cells.push({ rect, txt: mk('text', { x: f1(x + cw / 2), y: '11' }, g), bal: mk('text', { class: 'bal', x: f1(x + cw / 2), y: '20.5' }, g) });
        }
        this.logRows.push({ g, lbl, cells, sig: '' });
      }
    }
    if (this.logHead.lo !== lo) {
      this.logHead.lo = lo;
      this.logHead.idx.forEach((e, c) => T(e, `slot ${lo + c}`));
    }
    for (let i = 0; i < n; i++) {
      const nd = f.nodes[i], row = this.logRows[i], px = nd.paxos;
      const alive = !!(nd.alive && nd.role);
      const sl = (px?.slots || []).filter((x) => x.slot >= lo);
      const sig = `${lo}|${alive}|${nd.role}|${JSON.stringify(sl)}`;
      if (row.sig === sig) continue;
      row.sig = sig;
      A(row.g, 'class', alive ? 'row' : 'row down');
      T(row.lbl, alive ? `n${i}${nd.role === 'leader' ? ' ★' : ''}` : `n${i} ✕`);
      for (let c = 0; c < row.cells.length; c++) {
        const cell = row.cells[c], x = sl.find((e) => e.slot === lo + c);
        let cls = 'cell none', a = '', b = '';
        if (x?.chosen != null) { cls = `cell t${(parseInt(x.accepted_ballot, 10) || 0) % 6} chosen`; a = x.chosen; b = '✓ ' + (x.accepted_ballot ? 'b' + x.accepted_ballot : 'chosen'); }
        else if (x?.accepted != null) { cls = 'cell acc'; a = x.accepted; b = 'b' + x.accepted_ballot; }
        else if (x?.proposed != null) { cls = 'cell prop'; a = x.proposed; b = 'proposed'; }
        A(cell.rect, 'class', cls);
        A(cell.rect, 'data-state', cls === 'cell none' ? '' : cls.includes('chosen') ? 'chosen' : cls === 'cell acc' ? 'accepted' : 'proposed');
        T(cell.txt, a);
        T(cell.bal, b);
      }
    }
  }

  /** Tooltip of log cell (row i, column c) as last drawn; filled in when the pointer is over it. */
  cellTitle(i, c) {
    const nd = this.logFrame?.nodes[i];
    if (!nd) return '';
    if (this.logHead?.slots) {
      const x = nd.paxos?.slots.find((e) => e.slot === this.logLo + c);
      if (!x) return `slot ${this.logLo + c}: nothing here`;
      return `slot ${x.slot}: ` + [x.proposed != null && `proposed ${x.proposed}`, x.accepted != null && `accepted ${x.accepted} in ballot ${x.accepted_ballot}`,
        x.chosen != null && `chosen ${x.chosen} (never changes)`].filter(Boolean).join('; ');
    }
    const idx = this.logLo + c, log = nd.log || [], first = log.length ? log[0].index : 0;
    const alive = nd.alive && nd.role;
    if (idx > (nd.last_index ?? 0)) return `#${idx}: empty`;
    if (log.length && idx >= first) {
      if (nd.zab) return views.zab.zabCellTitle(nd, idx - first, alive);
      const e = log[idx - first];
      return `#${e.index} term ${e.term}: ${e.text}${!alive ? ' (on disk; the commit index is not)' : e.committed ? ' (committed)' : ' (not committed)'}`;
    }
    return idx <= (nd.snapshot_index ?? 0) ? `#${idx} in the snapshot` : `#${idx}`;
  }
}
