// Dynamo (DeCandia et al., Dynamo: Amazon's Highly Available Key-value Store, SOSP 2007), loaded
// with the dynamo wasm bundle. The interface every view implements is in ./README.md.
//
//        n2  ①         ← server id; badge = its rank in the selected key's preference list
//      (replica)         (1 = the key's home), "h" = it holds a hinted-handoff copy for it
//      ( 3 keys )
//    2 siblings · 1 hint
//
// Beside the diagram: the consistent-hashing ring (§4.2) with every node's tokens, the selected key
// and the clockwise walk to its N owners; under the verdict, how many keys' owners disagree and
// how long they took to converge after a heal. In the control bar: the N / R / W sliders (§4.5),
// sloppy quorum and last-writer-wins, reconfigured live. No log strip: a replica's store is in its
// node panel (key, value, vector clock, siblings), and it is what a replica keeps on disk.
import { A, T, h, mk, plural } from '../render/draw.js';

const CSS = `
.node .role.small{font-size:10px!important;font-weight:600}
.node .badge circle{fill:var(--ink);stroke:var(--bg);stroke-width:1.5}.node .badge text{fill:var(--bg)!important;font-size:10px!important;font-weight:700;text-anchor:middle}
.node .badge.hint circle{fill:var(--bg);stroke:var(--handle);stroke-width:2;stroke-dasharray:2 1.5}.node .badge.hint text{fill:var(--handle)!important}
.nrw{display:inline-flex;flex-wrap:wrap;align-items:center;gap:4px 8px;font-size:13px;color:var(--muted);flex-basis:100%}
.nrw label{display:inline-flex;align-items:center;gap:3px}.nrw input[type=range]{width:64px;padding:0}
.nrw output{color:var(--ink);font-weight:600;min-width:1ch;font-variant-numeric:tabular-nums}
.nrw .q{font-weight:600}.nrw .q.ok{color:var(--ok)}.nrw .q.no{color:var(--bad)}
.ring{background:var(--panel);border:1px solid var(--border);border-radius:8px;padding:4px 6px;font-size:12px}
.ring svg{max-width:260px;margin:0 auto}
.ring text{font-size:10px;fill:var(--ink);text-anchor:middle}
.ring .rc{fill:none;stroke:var(--faint);stroke-width:6}
.ring .tok{stroke:var(--muted);stroke-width:2}.ring .tok.own{stroke:var(--ink);stroke-width:3.5}
.ring .tkl{fill:var(--muted)}.ring .tkl.own{fill:var(--ink);font-weight:700}
.ring .key{fill:var(--handle);stroke:var(--bg);stroke-width:1.5}.ring .kl{fill:var(--handle);font-weight:700}
.ring .arc{fill:none;stroke:var(--handle);stroke-width:2.5;stroke-dasharray:4 3}
.ring .pref{margin:2px 0;color:var(--ink)}.ring .ring-head{display:flex;gap:8px;align-items:center;color:var(--muted)}
.ring select{font-size:12px;padding:0 4px}
.diverge{margin:4px 2px 0;font-size:12.5px;font-weight:600}.diverge.bad{color:var(--bad)}.diverge.ok{color:var(--ok)}
`;

const clock = (c) => `[${Object.entries(c || {}).map(([k, v]) => `${k}:${v}`).join(', ')}]`;
const hintsText = (dy) => (dy.hints.length ? dy.hints.map((x) => `${x.key}=${x.value ?? '—'} for n${x.owner}${x.versions > 1 ? ` (${x.versions} versions)` : ''}`).join('; ') : 'none');
const versions = (dy) => dy.keys.reduce((a, k) => a + k.versions.length, 0);

/** From the views: per key its preference list and owners' digests; the selected key's owners and stand-ins. */
function summarise(f, sel) {
  const keys = new Map(), hints = [];
  for (const nd of f.nodes) {
    const dy = nd.dynamo;
    if (!dy) continue;
    for (const kv of dy.keys) {
      let e = keys.get(kv.key);
      if (!e) keys.set(kv.key, (e = { pos: kv.pos, preference: kv.preference, digests: new Map() }));
      e.digests.set(nd.id, kv.digest);
    }
    for (const x of dy.hints) hints.push({ holder: nd.id, owner: x.owner, key: x.key, value: x.value, versions: x.versions });
  }
  let divergent = 0;
  for (const e of keys.values()) {
    const ds = new Set(e.preference.map((o) => (f.nodes[o]?.dynamo ? e.digests.get(o) ?? 'absent' : 'unknown')).filter((d) => d !== 'unknown'));
    if ((e.divergent = ds.size > 1)) divergent++;
  }
  const ke = keys.get(sel), pref = new Map();
  ke?.preference.forEach((o, i) => pref.set(o, String(i + 1)));
  const selHints = hints.filter((x) => x.key === sel);
  for (const x of selHints) if (!pref.has(x.holder)) pref.set(x.holder, 'h');
  return { keys, hints, divergent, sel, ke, pref, selHints };
}

/** The ring: every token a tick (labelled with its node), the selected key and the clockwise walk to its N owners. */
function drawRing(svg, prefEl, f, d) {
  const cx = 110, cy = 92, R = 62;
  const toks = [];
  for (const nd of f.nodes) for (const t of nd.dynamo?.tokens || []) toks.push([t, nd.id]);
  toks.sort((a, b) => a[0] - b[0]);
  const ke = d.ke, pref = ke?.preference || [];
  const sig = JSON.stringify([toks, d.sel, ke?.pos, pref, d.selHints.map((x) => [x.holder, x.owner])]);
  if (svg.__sig !== sig) {
    svg.__sig = sig;
    const ang = (p) => (p / 4294967296) * 2 * Math.PI - Math.PI / 2;
    const pt = (a, r) => [(cx + r * Math.cos(a)).toFixed(1), (cy + r * Math.sin(a)).toFixed(1)];
    const text = (at, txt) => { const e = mk('text', at); e.textContent = txt; return e; };
    const out = [mk('circle', { class: 'rc', cx, cy, r: R })];
    // The walk from the key clockwise: the first token of each owner in preference order.
    const firstTok = new Map();
    if (ke) {
      const start = toks.findIndex(([t]) => t >= ke.pos);
      for (let i = 0; i < toks.length && firstTok.size < pref.length; i++) {
        const [t, id] = toks[(Math.max(0, start) + i) % toks.length];
        if (pref.includes(id) && !firstTok.has(id)) firstTok.set(id, t);
      }
      const last = firstTok.get(pref[pref.length - 1]);
      if (last != null) {
        const a0 = ang(ke.pos);
        let a1 = ang(last);
        if (a1 < a0) a1 += 2 * Math.PI;
        const [x0, y0] = pt(a0, R + 1), [x1, y1] = pt(a1, R + 1);
        out.push(mk('path', { class: 'arc', d: `M${x0} ${y0}A${R + 1} ${R + 1} 0 ${a1 - a0 > Math.PI ? 1 : 0} 1 ${x1} ${y1}` }));
      }
    }
    for (const [t, id] of toks) {
      // Owners' ticks bold, labelled "rank·node"; their labels fan out vertically (owners' tokens often sit close together).
      const a = ang(t), own = firstTok.get(id) === t, rank = pref.indexOf(id), [x1, y1] = pt(a, R - 7), [x2, y2] = pt(a, R + 7);
      const [lx, ly] = pt(a, R + (own ? 24 : 14)), dy = own ? (rank - (pref.length - 1) / 2) * 12 : 0;
      out.push(mk('line', { class: own ? 'tok own' : 'tok', x1, y1, x2, y2 }));
      out.push(text({ class: own ? 'tkl own' : 'tkl', x: lx, y: (+ly + 3.5 + dy).toFixed(1) }, own ? `${rank + 1}·n${id}` : String(id)));
    }
    if (ke) {
      const a = ang(ke.pos), [kx, ky] = pt(a, R), [lx, ly] = pt(a, R - 17);
      out.push(mk('circle', { class: 'key', cx: kx, cy: ky, r: 5 }), text({ class: 'kl', x: lx, y: (+ly + 3.5).toFixed(1) }, d.sel));
    }
    out.push(text({ x: cx, y: cy + 4, class: 'tkl' }, `${toks.length} tokens`));
    svg.replaceChildren(...out);
  }
  const hints = d.selHints.map((x) => `n${x.holder} holds a hint for n${x.owner}`);
  T(prefEl, ke ? `${d.sel} → ${pref.map((o, i) => `${i + 1} n${o}${i === 0 ? ' (home)' : ''}`).join(' · ')}` + (hints.length ? ` · stand-ins: ${hints.join(', ')}` : '')
    : `no node holds ${d.sel} yet: its preference list appears with the first write`);
}

export default {
  name: 'dynamo',
  css: CSS,
  // Reads orange, writes blue, hints pink, repair / anti-entropy green.
  families: { Get: 'vote', GetResponse: 'vote', Put: 'append', PutAck: 'append', WriteAcked: 'append', HintedHandoff: 'prevote', HandoffAck: 'prevote',
    MerkleDigest: 'snap', MerkleDiff: 'snap', ReadRepair: 'snap' },
  legend: [['Get', 'k-vote'], ['Put / PutAck', 'k-append'], ['HintedHandoff', 'k-prevote'], ['Merkle digest / read repair', 'k-snap'],
    ['numbered badge = owner of the selected key (1 = home) · h = holds a hint for it · ✕ crashed']],
  stripTitle: null,

  glyph(r, nd, c) {
    const dy = nd.dynamo, k = r.k, alive = c.alive, role = alive ? nd.role : 'crashed', id = c.id;
    const badge = c.vi.pref?.get(id) ?? '';
    if (k.dy === dy && k.alive === alive && k.side === nd.side && k.sel === c.sel && k.drag === c.drag && k.badge === badge && k.sw === c.sw) return false;
    k.dy = dy; k.alive = alive; k.side = nd.side; k.sel = c.sel; k.drag = c.drag; k.badge = badge; k.sw = c.sw;
    const was = r.sub.__t + !!r.badge.__c?.visibility?.startsWith('v');
    A(r.g, 'data-role', role);
    A(r.g, 'data-side', String(nd.side));
    const keys = dy.keys.length, sib = dy.keys.reduce((m, kv) => Math.max(m, kv.siblings), 0), hints = dy.hints.length;
    A(r.g, 'class', `node ${role} dynamo t${alive && sib > 1 ? 1 : 0}${c.sel ? ' sel' : ''}${c.drag ? ' dragging' : ''}`);
    A(r.role, 'class', 'role small');
    T(r.role, alive ? 'replica' : '✕');
    T(r.term, alive ? plural(keys, 'key') : 'down');
    T(r.sub, [sib > 1 ? `${sib} siblings` : '', hints ? plural(hints, 'hint') : ''].filter(Boolean).join(' · '));
    A(r.sub, 'class', sib > 1 ? 'sub warn' : 'sub');
    A(r.g, 'aria-label', `n${id}, ${alive ? 'replica' : 'crashed'}, ${c.sw}, ${keys} keys, ${sib > 1 ? sib + ' siblings' : 'no siblings'}, ${hints} hints held` +
      (badge ? `, ${String(badge)[0] === 'h' ? 'holds a hint for the selected key' : 'owner ' + badge + ' of the selected key'}` : ''));
    A(r.badge, 'visibility', badge ? 'visible' : 'hidden');
    A(r.badge, 'class', String(badge)[0] === 'h' ? 'badge hint' : 'badge');
    T(r.btxt, String(badge));
    return r.sub.__t + !!r.badge.__c?.visibility?.startsWith('v') !== was; // the label under it, the badge: the glyph's size
  },

  panel: {
    title: (nd, c) => `n${c.id} — ${c.alive ? 'replica' : 'crashed'}, ${plural(nd.dynamo.keys.length, 'key')}`,
    // Durable: the store (every key's versions and clocks, in the table) and the hints held.
    durable: (v) => [['store', `${plural(v.dynamo.keys.length, 'key')}, ${plural(versions(v.dynamo), 'version')} (the table below)`], ['hints held', hintsText(v.dynamo)]],
    summary: (v) => `${plural(v.dynamo.keys.length, 'key')} (${plural(versions(v.dynamo), 'version')}), ${plural(v.dynamo.hints.length, 'hint')}`,
    volatile: (nd) => [['suspects', nd.dynamo.suspects.length ? nd.dynamo.suspects.map((x) => 'n' + x).join(' ') : '—']],
    other: (nd) => {
      const dy = nd.dynamo;
      return [['tokens', `${dy.tokens.length}: ${dy.tokens.map((t) => (t / 4294967296 * 100).toFixed(1) + '%').join(' ')}`],
        ['N / R / W', dy.nrw.join(' / ')], ['lost (LWW)', dy.keys.reduce((a, k) => a + k.lost, 0)]];
    },
    lost: 'the failure detector\'s suspects and requests in progress',
    table: (nd) => {
      const table = [['key', 'value', 'vector clock', 'siblings']];
      for (const kv of nd.dynamo.keys) kv.versions.forEach((v, i) => table.push([i ? '' : kv.key, String(v.value) + (v.acked ? '' : ' (not acked)'), clock(v.clock), i ? '' : String(kv.siblings)]));
      return table;
    },
  },

  mount(ui) {
    // N / R / W and the two switches, in the control bar.
    const nrw = h('div', { class: 'nrw', role: 'group', 'aria-label': 'replication: N replicas, R read quorum, W write quorum' });
    const slider = (c, name, what) => {
      const lab = h('label', {}, nrw, name + ' ');
      const input = h('input', { class: 'nrw-' + c, type: 'range', min: '1', max: '5', step: '1', 'aria-label': what }, lab);
      return { input, out: h('output', { class: 'o-' + c }, lab) };
    };
    const s = { n: slider('n', 'N', 'N: replicas per key'), r: slider('r', 'R', 'R: read quorum'), w: slider('w', 'W', 'W: write quorum') };
    const check = (c, text) => { const lab = h('label', {}, nrw); const e = h('input', { class: 'nrw-' + c, type: 'checkbox' }, lab); lab.append(' ' + text); return e; };
    const sloppy = check('sloppy', 'sloppy quorum'), lww = check('lww', 'last writer wins');
    const q = h('span', { class: 'q', 'aria-live': 'polite' }, nrw);
    ui.add('.nrw', nrw);
    // The ring, in the side column.
    const ring = h('section', { class: 'ring', 'aria-label': 'consistent-hashing ring' });
    const head = h('div', { class: 'ring-head' }, ring);
    h('h3', {}, head, 'ring');
    const kl = h('label', {}, head, 'key ');
    const keySel = h('select', { class: 'ring-key', 'aria-label': 'key whose preference list is shown' }, kl);
    const svg = mk('svg', { class: 'ringsvg', viewBox: '0 -8 220 206', role: 'img', 'aria-label': "ring: each node's tokens as ticks, the selected key and its preference list" }, ring);
    const prefEl = h('p', { class: 'pref' }, ring);
    ui.add('.ring', ring);
    // Divergence, under the verdict.
    const dv = h('p', { class: 'diverge', 'data-divergent': '', 'data-converged-ms': '' });
    ui.add('.diverge', dv);

    const vi = { pref: null, sel: 'x' };
    let d = null, healAt = null, convIn = null, wasSplit = false, dirty = false;
    const values = () => ['n', 'r', 'w'].map((c) => Number(s[c].input.value));
    const quorumText = () => {
      const [n, r, w] = values();
      T(s.n.out, String(n)); T(s.r.out, String(r)); T(s.w.out, String(w));
      const ok = r + w > n;
      T(q, ok ? `R + W = ${r + w} > N = ${n}: quorums overlap: reads see the latest acknowledged write${sloppy.checked ? ' (unless sloppy stand-ins answered)' : ''}`
        : `R + W = ${r + w} ≤ N = ${n}: quorums may miss each other (stale reads possible)`);
      A(q, 'class', ok ? 'q ok' : 'q no');
    };
    /** Slider positions ← the nodes' N / R / W (unless the reader is moving one). */
    const sync = (f) => {
      const cur = f.nodes.find((nd) => nd.dynamo)?.dynamo.nrw;
      if (!cur) return;
      ['n', 'r', 'w'].forEach((c, i) => {
        const e = s[c].input;
        A(e, 'max', String(f.nodes.length));
        if (ui.root.activeElement !== e && !dirty) e.value = String(cur[i]);
      });
      quorumText();
    };
    const apply = () => {
      const [n, r, w] = values();
      dirty = false;
      // Hinted handoff goes with the sloppy-quorum switch (a strict quorum writes no hints, and the
      // simulator refuses handoff without it).
      const on = sloppy.checked;
      if (!ui.reconfigure({ n, r: Math.min(r, n), w: Math.min(w, n), sloppy_quorum: on, hinted_handoff: on, last_writer_wins: lww.checked },
        `reconfigured every node live: N = ${n}, R = ${Math.min(r, n)}, W = ${Math.min(w, n)}`) && ui.f) sync(ui.f);
    };
    for (const c of ['n', 'r', 'w']) {
      s[c].input.addEventListener('input', () => { dirty = true; quorumText(); });
      s[c].input.addEventListener('change', apply);
    }
    sloppy.addEventListener('change', apply);
    lww.addEventListener('change', apply);
    keySel.addEventListener('change', () => { vi.sel = keySel.value; ui.draw(); });

    vi.run = (sc) => {
      sloppy.checked = !!sc.config?.sloppy_quorum;
      lww.checked = !!sc.config?.last_writer_wins;
      d = null; healAt = null; convIn = null; wasSplit = false; dirty = false;
      vi.pref = null;
      svg.__sig = null;
    };
    // Before the nodes are drawn (slow frames): the preference list the badges show.
    vi.frame = (f, slow) => {
      if (!slow && d) return;
      d = summarise(f, vi.sel);
      vi.pref = d.pref;
    };
    // After the shared panels: divergence and time to convergence (simulated ms since the last heal), the ring, N / R / W.
    vi.ui = (f) => {
      if (!d) return;
      const split = f.groups.length > 1 || f.cuts.length > 0;
      if (split) { healAt = null; convIn = null; } else if (wasSplit) { healAt = f.now; convIn = null; }
      wasSplit = split;
      if (healAt != null && convIn == null && d.divergent === 0) convIn = f.now - healAt;
      const n = d.divergent, ks = [...d.keys].filter(([, e]) => e.divergent).map(([k]) => k).join(', ');
      T(dv, n ? `≠ diverging: ${plural(n, 'key')} (${ks}): owners' digests disagree` + (healAt != null ? ` · ${f.now - healAt} ms since the heal` : '')
        : convIn != null ? `= converged in ${convIn} ms after the heal: every key's owners agree` : '= 0 divergent keys: every key\'s owners agree');
      A(dv, 'class', `diverge ${n ? 'bad' : 'ok'}`);
      A(dv, 'data-divergent', String(n));
      A(dv, 'data-converged-ms', convIn == null ? '' : String(convIn));
      // Key picker: the keys any node holds (x first).
      const names = [...new Set(['x', ...d.keys.keys()])].sort(), ksig = names.join();
      if (keySel.__sig !== ksig) {
        keySel.__sig = ksig;
        keySel.replaceChildren(...names.map((k) => h('option', {}, null, k)));
        keySel.value = d.sel;
      }
      drawRing(svg, prefEl, f, d);
      sync(f);
    };
    return vi;
  },
};
