// Three-phase commit (Skeen, Nonblocking Commit Protocols, 1981; the termination protocol of
// Skeen & Stonebraker 1983), loaded with the threepc wasm bundle. The interface every view
// implements is in ./README.md.
//
//        n2
//      (  P  )         ← C coordinator · P participant · ✕ crashed
//      ( A12 )         ← the balances of the accounts it owns (coordinator: transactions active)
//     t3 p · backup    ← the undecided transaction's state in Skeen's letters (q w p), and
//                        whether this site runs the termination protocol as backup coordinator
//
// No log strip (the log is in the node panel). Beside the diagram, a section with the counters
// (committed / aborted / terminations / undecided), every account's balance and the bank's total.
// Stable hooks: a server group gets data-state="q|w|p|" (its undecided transactions' states) and
// data-locks="A,B"; the section is section.threepc with .tp3-metrics [data-metric=…] and .tp3-bank.
import { A, T, h, fitText } from '../render/draw.js';

const CSS = `
.node.threepc .body{fill:var(--t0)}
.node.threepc.coordinator .body{stroke-width:4.5}
.node.threepc.st-w .body{fill:#f5d98b;stroke:#9a6b00}
.node.threepc.st-p .body{fill:#b9e4c0;stroke:#2e7d32}
.node.threepc.backup .body{stroke-dasharray:6 3;stroke-width:4}
.node.threepc.crashed .body{fill:var(--down);stroke:var(--muted);stroke-dasharray:3 3}
section.threepc{font-size:13px}
section.threepc h3{margin:0 0 4px}
section.threepc .tp3-metrics{display:grid;grid-template-columns:repeat(auto-fit,minmax(96px,1fr));gap:4px;margin:0 0 6px}
section.threepc .tp3-metrics div{border:1px solid var(--muted);border-radius:6px;padding:3px 6px}
section.threepc .tp3-metrics b{display:block;font-size:16px;font-variant-numeric:tabular-nums}
section.threepc .tp3-metrics .bad b{color:var(--bad)}
section.threepc .tp3-bank{font-variant-numeric:tabular-nums;margin:2px 0}
`;
const SUB_CHARS = 20;
const TERM_CHARS = 11;
const OPEN = ['q', 'w', 'p'];

const balances = (kv, sep) => Object.entries(kv || {}).map(([key, v]) => `${key}${sep}${v}`);
const undecided = (tp) => tp.txns.filter((t) => OPEN.includes(t.state));

/** The side section: counters and the bank. */
function section() {
  const sec = h('section', { class: 'threepc', 'aria-label': 'three-phase commit' });
  h('h3', {}, sec, 'transactions (3PC)');
  const metrics = h('div', { class: 'tp3-metrics' }, sec), m = {};
  for (const [key, label] of [['committed', 'committed'], ['aborted', 'aborted'], ['undecided', 'undecided (w / p)'], ['terminations', 'backup runs']]) {
    const d = h('div', { 'data-metric': key }, metrics);
    m[key] = { d, b: h('b', {}, d) };
    h('span', {}, d, label);
  }
  const bank = h('p', { class: 'tp3-bank' }, sec);
  let bankSig = null;
  const update = (f) => {
    let committed = 0, aborted = 0, open = 0, terms = 0;
    const accounts = [];
    for (const nd of f.nodes) {
      const tp = nd.threepc;
      if (!tp) continue;
      if (tp.role === 'coordinator') { committed = tp.committed; aborted = tp.aborted; continue; }
      terms += tp.terminations;
      if (nd.alive) open += undecided(tp).length;
      for (const [k, v] of Object.entries(nd.kv || {})) accounts.push({ k, v, n: nd.id });
    }
    const set = (key, v, bad) => { T(m[key].b, String(v)); A(m[key].d, 'class', bad ? 'bad' : ''); };
    set('committed', committed); set('aborted', aborted); set('undecided', open); set('terminations', terms);
    accounts.sort((a, b) => (a.k < b.k ? -1 : 1));
    const sig = JSON.stringify(accounts);
    if (sig !== bankSig) {
      bankSig = sig;
      bank.replaceChildren();
      accounts.forEach((x, i) => {
        if (i) bank.append(' · ');
        h('span', {}, bank, `${x.k} = ${x.v} (n${x.n})`);
      });
      bank.append(`  — total ${accounts.reduce((s, x) => s + x.v, 0)}`);
    }
  };
  return { sec, update };
}

export default {
  name: 'threepc',
  css: CSS,
  // By phase (Skeen 1981): voting, PRE-COMMIT, decision, and the termination protocol.
  families: { PREPARE: 'vote', 'VOTE-YES': 'vote', 'VOTE-NO': 'vote', 'PRE-COMMIT': 'snap', ACK: 'snap', 'DO-COMMIT': 'append',
    ABORT: 'append', 'STATE-REQUEST': 'prevote', 'STATE-REPLY': 'prevote' },
  legend: [['PREPARE / VOTE (phase 1)', 'k-vote'], ['PRE-COMMIT / ACK (phase 2: everyone to p)', 'k-snap'],
    ['DO-COMMIT / ABORT (phase 3: decision)', 'k-append'], ['STATE-REQUEST / STATE-REPLY (termination: a backup coordinator asks)', 'k-prevote'],
    ['C coordinator · P participant · Skeen\'s states q → w → p → c, or a · dashed = backup coordinator · ✕ crashed']],
  stripTitle: null,
  // 2PC's bank: its keys are accounts, and a transfer needs two.
  workload: { transfer: true, keys: [2, 9], keysWord: 'accounts' },

  glyph(r, nd, c) {
    const tp = nd.threepc, k = r.k, alive = c.alive, id = c.id;
    if (k.tp === tp && k.alive === alive && k.sel === c.sel && k.drag === c.drag && k.side === nd.side && k.sw === c.sw) return false;
    k.tp = tp; k.alive = alive; k.sel = c.sel; k.drag = c.drag; k.side = nd.side; k.sw = c.sw;
    const was = r.sub.__fit;
    const coord = tp.role === 'coordinator';
    const role = alive ? tp.role : 'crashed';
    const open = undecided(tp);
    const states = [...new Set(open.map((t) => t.state))];
    const top = states.includes('p') ? 'p' : states.includes('w') ? 'w' : states.includes('q') ? 'q' : '';
    const backup = open.some((t) => t.backup);
    const locks = tp.locks.map(([key]) => key);
    A(r.g, 'data-role', role);
    A(r.g, 'data-side', String(nd.side));
    A(r.g, 'data-state', alive ? states.join(',') : '');
    A(r.g, 'data-locks', locks.join(','));
    A(r.g, 'class', `node threepc ${role}${coord ? ' coordinator' : ''}${alive && top ? ` st-${top}` : ''}${alive && backup ? ' backup' : ''}${c.sel ? ' sel' : ''}${c.drag ? ' dragging' : ''}`);
    T(r.role, alive ? (coord ? 'C' : 'P') : '✕');
    const bal = balances(nd.kv, '').join(' ');
    const term = coord ? `${open.length} active` : bal || '—';
    T(r.term, term.length > TERM_CHARS ? term.slice(0, TERM_CHARS - 1) + '…' : term);
    const line = open.map((t) => `t${t.id} ${t.state}`).join(' ') + (backup ? ' · backup' : '');
    fitText(r.sub, !alive ? (open.length ? `down, ${line} logged` : 'down') : line, SUB_CHARS);
    A(r.sub, 'class', 'sub');
    A(r.g, 'aria-label', `n${id}, ${alive ? tp.role : 'crashed'}, ${c.sw}` + (coord ? '' : `, balances ${bal || 'none'}`) +
      (open.length ? `, undecided ${open.map((t) => `t${t.id} in ${t.state}`).join(', ')}` : '') + (backup ? ', backup coordinator' : ''));
    return r.sub.__fit !== was;
  },

  panel: {
    title: (nd, c) => {
      const tp = nd.threepc;
      return `n${c.id} — ${c.alive ? tp.role : 'crashed (its log is durable)'}${tp.role === 'coordinator' ? '' : `, owns ${tp.owns.join(', ') || 'no accounts'}`}`;
    },
    // Durable: the log (each state change forced before the message it allows) and the balances.
    durable: (v) => [
      ['log', (v.log || []).slice(-6).map((e) => e.text).join(' · ') || 'empty'],
      ...(v.threepc.role === 'coordinator' ? [] : [['balances', balances(v.kv, ' = ').join(', ') || '—']]),
    ],
    summary: (v) => `log ${(v.log || []).slice(-3).map((e) => e.text).join(' · ') || 'empty'}` +
      (v.threepc.role === 'coordinator' ? '' : `; balances ${balances(v.kv, ' = ').join(', ') || '—'}`),
    volatile: (nd) => {
      const tp = nd.threepc;
      return [
        ['locks held', tp.locks.length ? tp.locks.map(([key, t]) => `${key} by t${t}`).join(', ') : 'none'],
        ['undecided', undecided(tp).map((t) => `t${t.id} in ${t.state}${t.backup ? ' (backup coordinator)' : ''}`).join(', ') || 'none'],
      ];
    },
    other: (nd) => {
      const tp = nd.threepc, coord = tp.role === 'coordinator';
      return [['role', coord ? 'coordinator: q1 → w1 → p1 → c1 (or a1), each logged before it is sent' : 'participant: q → w → p → c (or a); on silence, the termination protocol'],
        ['committed / aborted', `${tp.committed} / ${tp.aborted}`], ['backup runs', String(tp.terminations)]];
    },
    lost: 'locks, transactions still in q, and a backup\'s collected states (its log brings w and p back)',
    table: (nd) => [['txn', 'state', 'keys', 'detail'],
      ...nd.threepc.txns.map((t) => ['t' + t.id, t.state, t.keys.join(',') || '—', t.text || ''])],
  },

  mount(ui) {
    const s = section();
    ui.add('side', s.sec);
    return {
      ui(f) {
        s.update(f);
        T(ui.$('.v-sub'), f.violations?.length ? 'a 3PC invariant broke (atomicity?): see the status line'
          : 'transfers span accounts: atomicity and conservation are checked by the 3PC invariants, after every event');
      },
    };
  },
};
