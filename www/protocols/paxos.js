// Paxos and Multi-Paxos (Lamport, Paxos Made Simple, 2001), loaded with the paxos wasm bundle.
// The interface every view implements is in ./README.md.
//
//        n2            ← server id
//      ( PAL )         ← its roles: P proposer · A acceptor · L learner (✕ crashed)
//      ( b3.1 )        ← the ballot it promised (round.proposer), colour by round
//     ✓ chosen x=4     ← single-decree: the chosen value once it knows it; Multi-Paxos: ★ leader
//
// The strip is the slot table (solid = chosen, dashed = accepted with its ballot, dotted =
// proposed). The node panel keeps an acceptor's promise and accepted proposals (what must be on
// disk before it answers, §2.3) apart from the proposer's and learner's state.
import { W, A, T, h, storeText } from '../render/draw.js';
import { Strip } from '../render/strip.js';

const CSS = `
.node .role.roles{font-size:13px!important;letter-spacing:.04em}
.node .sub.chosen{fill:var(--ok)!important}.node .sub.lead{fill:var(--ink)!important}
.node.chosen .body{stroke:var(--ok);stroke-width:3.5}
.log .cell.chosen{stroke-width:1.6}.log .cell.acc{fill:none;stroke:var(--ink);stroke-dasharray:4 2}.log .cell.prop{fill:none;stroke:var(--muted);stroke-dasharray:1 2}
.log .bal{font-size:8.5px;fill:var(--muted)}
`;
const ROLE = { P: 'proposer', A: 'acceptor', L: 'learner' };
const roleWords = (roles, sep) => [...roles].map((c) => ROLE[c]).filter(Boolean).join(sep);
const b = (x) => (x ? 'b' + x : '—');
const multiOf = (c) => c.f.protocol === 'multipaxos';

/** The slot table: one row per server, columns aligned by slot, the newest `cols` slots. */
function slots(strip, f, opt) {
  const n = f.nodes.length, single = f.protocol === 'paxos';
  const cols = single ? 1 : opt.narrow ? 8 : 12, lw = 40, cw = Math.min(single ? 120 : 80, (W - lw - 4) / cols);
  let hi = 1;
  for (const nd of f.nodes) for (const sl of nd.paxos?.slots || []) if (sl.slot > hi) hi = sl.slot;
  const lo = Math.max(1, hi - cols + 1);
  strip.f = f;
  strip.shape({ n, cols, lw, cw, rh: 26, lblY: 15, txtY: 11, subY: 20.5, nodeAttr: true, aria: 'Paxos slots of all nodes, aligned by slot' });
  strip.header(lo, (slot) => `slot ${slot}`);
  for (let i = 0; i < n; i++) {
    const nd = f.nodes[i], row = strip.rows[i], px = nd.paxos;
    const alive = !!(nd.alive && nd.role);
    const sl = (px?.slots || []).filter((x) => x.slot >= lo);
    const sig = `${lo}|${alive}|${nd.role}|${JSON.stringify(sl)}`;
    if (row.k.sig === sig) continue;
    row.k.sig = sig;
    A(row.g, 'class', alive ? 'row' : 'row down');
    T(row.lbl, alive ? `n${i}${nd.role === 'leader' ? ' ★' : ''}` : `n${i} ✕`);
    for (let c = 0; c < row.cells.length; c++) {
      const cell = row.cells[c], x = sl.find((e) => e.slot === lo + c);
      let cls = 'cell none', a = '', bb = '';
      if (x?.chosen != null) { cls = `cell t${(parseInt(x.accepted_ballot, 10) || 0) % 6} chosen`; a = x.chosen; bb = '✓ ' + (x.accepted_ballot ? 'b' + x.accepted_ballot : 'chosen'); }
      else if (x?.accepted != null) { cls = 'cell acc'; a = x.accepted; bb = 'b' + x.accepted_ballot; }
      else if (x?.proposed != null) { cls = 'cell prop'; a = x.proposed; bb = 'proposed'; }
      A(cell.rect, 'class', cls);
      A(cell.rect, 'data-state', cls === 'cell none' ? '' : cls.includes('chosen') ? 'chosen' : cls === 'cell acc' ? 'accepted' : 'proposed');
      T(cell.txt, a);
      T(cell.bal, bb);
    }
  }
}

function slotTitle(strip, i, c) {
  const nd = strip.f?.nodes[i];
  if (!nd) return '';
  const x = nd.paxos?.slots.find((e) => e.slot === strip.lo + c);
  if (!x) return `slot ${strip.lo + c}: nothing here`;
  return `slot ${x.slot}: ` + [x.proposed != null && `proposed ${x.proposed}`, x.accepted != null && `accepted ${x.accepted} in ballot ${x.accepted_ballot}`,
    x.chosen != null && `chosen ${x.chosen} (never changes)`].filter(Boolean).join('; ');
}

export default {
  name: 'paxos',
  css: CSS,
  // Phase 1 (Prepare / Promise) as votes, phase 2 (Accept / Accepted) as appends, learning in green.
  families: { Prepare: 'vote', Promise: 'vote', Accept: 'append', Accepted: 'append', Chosen: 'snap', Nack: 'other' },
  legend: [['Prepare / Promise', 'k-vote'], ['Accept / Accepted / Heartbeat', 'k-append'], ['Chosen', 'k-snap'], ['Nack', 'k-other'],
    ['P proposer · A acceptor · L learner · ★ leader · b3.1 = ballot (round.proposer) · ✕ crashed']],
  stripTitle: 'slots (solid = chosen · dashed = accepted, ballot below · dotted = proposed)',
  // Its seeded bugs (src/protocol/paxos: Protocol::UNSAFE_SWITCHES, the same for Paxos and
  // Multi-Paxos) with bounds that find them quickly.
  explore: [
    ['forget-on-crash', 'acceptors forgetting on crash', { clients: 1, ops: 1, crashes: 1, timers: 2 }],
    ['no-persist-promise', 'acceptors promising before the promise is on disk', { clients: 1, ops: 1, crashes: 1, timers: 2 }],
  ],

  glyph(r, nd, c) {
    const px = nd.paxos, k = r.k, alive = c.alive, role = alive ? nd.role : 'crashed';
    // Views are new objects only when a frame was pulled.
    if (k.px === px && k.alive === alive && k.side === nd.side && k.sel === c.sel && k.drag === c.drag && k.lead === nd.role && k.sw === c.sw) return false;
    k.px = px; k.alive = alive; k.side = nd.side; k.sel = c.sel; k.drag = c.drag; k.lead = nd.role; k.sw = c.sw;
    const was = r.sub.__t;
    A(r.g, 'data-role', role);
    A(r.g, 'data-side', String(nd.side));
    const bal = px.promised ?? px.ballot, round = bal ? parseInt(bal, 10) || 0 : 0, chosen = c.f.protocol === 'paxos' ? px.chosen : null;
    const lead = alive && role === 'leader';
    A(r.g, 'class', `node ${role} paxos t${alive ? round % 6 : 0}${chosen ? ' chosen' : ''}${c.sel ? ' sel' : ''}${c.drag ? ' dragging' : ''}`);
    A(r.g, 'data-roles', px.roles);
    A(r.role, 'class', 'role roles');
    T(r.role, alive ? px.roles : '✕');
    T(r.term, alive ? (bal ? 'b' + bal : 'b —') : 'down');
    T(r.sub, chosen ? '✓ chosen ' + chosen : lead ? '★ leader' : '');
    A(r.sub, 'class', chosen ? 'sub chosen' : lead ? 'sub lead' : 'sub');
    A(r.g, 'aria-label', `n${c.id}, ${alive ? roleWords(px.roles, ', ') + (lead ? ', leader' : '') : 'crashed'}, ${c.sw}, promised ballot ${px.promised ?? 'none'}` +
      (px.accepted ? `, accepted ${px.accepted}` : '') + (chosen ? `, chosen value ${chosen}` : ''));
    return r.sub.__t !== was; // the label under it: the glyph's size
  },

  panel: {
    title: (nd, c) => `n${c.id} — ${c.alive ? nd.paxos.roles + (nd.role === 'leader' ? ' ★ leader' : '') : 'crashed'}, promised ${b(nd.paxos.promised)}`,
    // The acceptor's state (Durable: promised, accepted per slot) must be on disk before it answers.
    durable: (v, c) => {
      const px = v.paxos;
      return multiOf(c)
        ? [['promised ballot', b(px.promised)], ['accepted ballots', [...new Set(px.slots.map((x) => x.accepted_ballot).filter(Boolean))].map((x) => 'b' + x).join(', ') || '—']]
        : [['promised ballot', b(px.promised)], ['accepted', px.accepted ? 'b' + px.accepted : '—']];
    },
    summary: (v) => `promised ${b(v.paxos.promised)}, accepted ${v.paxos.accepted ? 'b' + v.paxos.accepted : v.paxos.slots.some((x) => x.accepted != null) ? 'in its slots' : 'nothing'}`,
    volatile: (nd, c) => {
      const px = nd.paxos;
      return [
        ['roles', px.roles.split('').join(' ') + ' = ' + roleWords(px.roles, ', ')], ['state', px.phase], ['own ballot', b(px.ballot)],
        ...(multiOf(c) ? [['leader', px.leader == null ? '—' : 'n' + px.leader], ['chosen up to', `slot ${Math.max(0, px.chosen_upto - 1)} (applied in order)`], ['store', storeText(nd.kv)]]
          : [['chosen', px.chosen ? `✓ ${px.chosen} (never changes)` : 'not yet']]),
      ];
    },
    lost: 'the proposer\'s ballot and phase, the leader it followed, what it learned chosen',
    table: (nd) => [['slot', 'proposed', 'accepted (ballot)', 'chosen'],
      ...nd.paxos.slots.map((x) => [String(x.slot), x.proposed ?? '—', x.accepted != null ? `${x.accepted} (b${x.accepted_ballot})` : '—', x.chosen != null ? '✓ ' + x.chosen : '—'])],
  },

  mount(ui) {
    const strip = new Strip(ui.strip, (i, c) => slotTitle(strip, i, c));
    // The dueling-proposers remedy, switched live (Paxos Made Simple §2.4).
    const lab = h('label', { class: 'backoff', title: 'Paxos Made Simple §2.4: a pre-empted proposer waits a random pause before retrying' });
    const box = h('input', { class: 'px-backoff', type: 'checkbox' }, lab);
    lab.append(' random back-off (the dueling-proposers remedy)');
    box.addEventListener('change', () => {
      const on = box.checked;
      if (!ui.reconfigure({ random_backoff: on }, on ? 'random back-off on: a pre-empted proposer now waits a random pause'
        : 'random back-off off: proposers retry after a fixed pause (may livelock)')) box.checked = !on;
    });
    ui.add('bar', lab);
    return {
      run: (sc) => { box.checked = sc.config?.random_backoff !== false; }, // Paxos's default is on
      strip: (f, opt) => slots(strip, f, opt),
      dispose: () => strip.dispose(),
    };
  },
};
