// Two-phase commit (Bernstein, Hadzilacos, Goodman, Concurrency Control and Recovery in Database
// Systems, 1987, ch. 7), loaded with the twopc wasm bundle. The interface every view implements is
// in ./README.md.
//
//        n2
//      (  P  )         ← C coordinator · P participant · ✕ crashed
//      ( A12 )         ← the balances of the accounts it owns (coordinator: transactions active)
//   BLOCKED 1.2 s ·    ← prepared and waiting for the decision (red, dashed), with its time;
//      lock B            "lock B" = keys locked; on a crashed participant "down, PREPARED logged"
//
// No log strip (2PC's log is in the node panel). Beside the diagram, a section with the counters
// (committed / aborted / blocked, blocked time, locks held), every account's balance and the
// cooperative-termination switch. Stable hooks: a server group gets data-blocked="true|false" and
// data-locks="A,B"; the section is section.twopc with .tp-coop (the switch), .tp-metrics
// [data-metric=…] and .tp-bank.
import { A, T, h, fitText, secs } from '../render/draw.js';

const CSS = `
.node.twopc .body{fill:var(--t0)}
.node.twopc.coordinator .body{stroke-width:4.5}
.node.twopc.locked .body{fill:#f5d98b;stroke:#9a6b00}
.node.twopc.blocked .body{fill:#f4b5b0;stroke:var(--bad);stroke-width:4;stroke-dasharray:6 3}
.node.twopc.crashed .body{fill:var(--down);stroke:var(--muted);stroke-dasharray:3 3}
.node.twopc .sub.lock{fill:#9a6b00!important}
section.twopc{font-size:13px}
section.twopc h3{margin:0 0 4px}
section.twopc .tp-metrics{display:grid;grid-template-columns:repeat(auto-fit,minmax(96px,1fr));gap:4px;margin:0 0 6px}
section.twopc .tp-metrics div{border:1px solid var(--muted);border-radius:6px;padding:3px 6px}
section.twopc .tp-metrics b{display:block;font-size:16px;font-variant-numeric:tabular-nums}
section.twopc .tp-metrics .bad b{color:var(--bad)}
section.twopc .tp-bank{font-variant-numeric:tabular-nums;margin:2px 0}
section.twopc .tp-bank .lock{color:#9a6b00;font-weight:600}
section.twopc .tp-bank .blocked{color:var(--bad);font-weight:700}
section.twopc label{display:flex;gap:6px;align-items:center;margin-top:4px}
`;
/** Characters a line of the label under a server: longer ones wrap (the whole text is in the tooltip). */
const SUB_CHARS = 20;
/** Characters of the balances inside the circle: more are cut with "…" (all of them are in the tooltip). */
const TERM_CHARS = 11;

const balances = (kv, sep) => Object.entries(kv || {}).map(([key, v]) => `${key}${sep}${v}`);

/** The side section: counters, balances, decision log and the cooperative-termination switch. */
function section(ui) {
  const sec = h('section', { class: 'twopc', 'aria-label': 'two-phase commit' });
  h('h3', {}, sec, 'transactions');
  const metrics = h('div', { class: 'tp-metrics' }, sec), m = {};
  for (const [key, label] of [['committed', 'committed'], ['aborted', 'aborted'], ['blocked', 'blocked now'],
    ['blocked_txns', 'ever blocked'], ['blocked_ms', 'blocked time'], ['locks', 'locks held']]) {
    const d = h('div', { 'data-metric': key }, metrics);
    m[key] = { d, b: h('b', {}, d) };
    h('span', {}, d, label);
  }
  const bank = h('p', { class: 'tp-bank' }, sec);
  const lab = h('label', { title: 'Bernstein, Hadzilacos, Goodman §7.5: a blocked participant asks the other participants; any that knows the outcome (or has not voted, and so aborts) answers' }, sec);
  const coop = h('input', { type: 'checkbox', class: 'tp-coop' }, lab);
  lab.append(' cooperative termination (blocked participants ask each other)');
  const log = h('p', { class: 'tp-log' }, sec);
  coop.addEventListener('change', () => {
    const on = coop.checked;
    if (!ui.reconfigure({ cooperative_termination: on }, on ? 'cooperative termination on: a blocked participant also asks the other participants'
      : 'cooperative termination off: a blocked participant waits for the coordinator')) coop.checked = !on;
  });
  let bankSig = null;
  const update = (f) => {
    let committed = 0, aborted = 0, blocked = 0, everBlocked = 0, blockedMs = 0, locks = 0, on = false, prepared = 0;
    const accounts = [], decisions = [];
    for (const nd of f.nodes) {
      const tp = nd.twopc;
      if (!tp) continue;
      if (tp.role === 'coordinator') {
        committed = tp.committed; aborted = tp.aborted; on = tp.cooperative_termination;
        decisions.push(...tp.decisions);
        continue;
      }
      if (nd.alive && tp.blocked) blocked++;
      everBlocked += tp.blocked_txns; blockedMs += tp.blocked_ms; locks += tp.locks.length;
      for (const t of tp.txns) if (t.state === 'prepared' || t.state === 'blocked') prepared += t.delta;
      for (const [k, v] of Object.entries(nd.kv || {})) {
        const l = tp.locks.find((x) => x.key === k);
        accounts.push({ k, v, n: nd.id, lock: l ? l.txn : null, blocked: nd.alive && tp.blocked && l });
      }
    }
    const set = (key, v, bad) => { T(m[key].b, String(v)); A(m[key].d, 'class', bad ? 'bad' : ''); };
    set('committed', committed); set('aborted', aborted); set('blocked', blocked, blocked > 0);
    set('blocked_txns', everBlocked); set('blocked_ms', secs(blockedMs), blockedMs > 0); set('locks', locks, locks > 0);
    accounts.sort((a, b) => (a.k < b.k ? -1 : 1));
    const sig = JSON.stringify(accounts) + prepared;
    if (sig !== bankSig) {
      bankSig = sig;
      bank.replaceChildren();
      const total = accounts.reduce((s, x) => s + x.v, 0);
      accounts.forEach((x, i) => {
        if (i) bank.append(' · ');
        h('span', { class: x.blocked ? 'blocked' : x.lock != null ? 'lock' : '' }, bank, `${x.k} = ${x.v} (n${x.n})${x.lock != null ? ` locked by t${x.lock}` : ''}${x.blocked ? ' BLOCKED' : ''}`);
      });
      // Money a prepared transaction will move here on commit is not in the balances yet.
      bank.append(`  — total ${total}` + (prepared ? `, ${prepared > 0 ? '+' : ''}${prepared} held in prepared transactions` : ''));
    }
    T(log, `decision log (n0): ${decisions.join(' · ') || 'empty'}`);
    if (ui.root.activeElement !== coop) coop.checked = on;
  };
  return { sec, update };
}

export default {
  name: 'twopc',
  css: CSS,
  // By phase (BHG ch. 7): voting, decision, the termination protocol.
  families: { Prepare: 'vote', VoteYes: 'vote', VoteNo: 'vote', Commit: 'append', Abort: 'append', Ack: 'append', DecisionRequest: 'prevote' },
  legend: [['Prepare / VoteYes / VoteNo (phase 1: voting)', 'k-vote'], ['Commit / Abort / Ack (phase 2: decision)', 'k-append'],
    ['DecisionRequest (termination: an uncertain participant asks)', 'k-prevote'],
    ['C coordinator · P participant · A12 = account A holds 12 · BLOCKED = prepared, waiting for the decision · lock = keys held · ✕ crashed']],
  stripTitle: null,
  // Its seeded bugs (src/protocol/twopc: Protocol::UNSAFE_SWITCHES) with bounds that find them quickly.
  explore: [
    ['abort-when-blocked', 'a blocked participant aborting on its own', { clients: 1, ops: 1, timers: 4 }],
    ['no-force-prepared', 'a participant voting Yes before PREPARED is forced to disk', { clients: 1, ops: 1, crashes: 1, timers: 3 }],
  ],
  // Its keys are bank accounts, and a transfer needs two.
  workload: { transfer: true, keys: [2, 9], keysWord: 'accounts' },

  glyph(r, nd, c) {
    const tp = nd.twopc, k = r.k, alive = c.alive, id = c.id;
    if (k.tp === tp && k.alive === alive && k.sel === c.sel && k.drag === c.drag && k.side === nd.side && k.sw === c.sw) return false;
    k.tp = tp; k.alive = alive; k.sel = c.sel; k.drag = c.drag; k.side = nd.side; k.sw = c.sw;
    const was = r.sub.__fit;
    const coord = tp.role === 'coordinator';
    const role = alive ? tp.role : 'crashed';
    const locks = tp.locks.map((l) => l.key);
    const blocked = tp.txns.filter((t) => t.state === 'blocked');
    const state = !alive ? '' : blocked.length ? ' blocked' : locks.length ? ' locked' : '';
    A(r.g, 'data-role', role);
    A(r.g, 'data-side', String(nd.side));
    A(r.g, 'data-blocked', String(alive && blocked.length > 0));
    A(r.g, 'data-locks', locks.join(','));
    A(r.g, 'class', `node twopc ${role}${coord ? ' coordinator' : ''}${state}${c.sel ? ' sel' : ''}${c.drag ? ' dragging' : ''}`);
    T(r.role, alive ? (coord ? 'C' : 'P') : '✕');
    const bal = balances(nd.kv, '').join(' ');
    const term = coord ? `${tp.txns.length} active` : bal || '—';
    T(r.term, term.length > TERM_CHARS ? term.slice(0, TERM_CHARS - 1) + '…' : term);
    const b = blocked.reduce((m, t) => Math.max(m, t.blocked_ms), 0);
    fitText(r.sub, !alive ? (coord ? 'down' : tp.txns.some((t) => t.state === 'prepared' || t.state === 'blocked') ? 'down, PREPARED logged' : 'down')
      : blocked.length ? `BLOCKED ${secs(b)} · lock ${locks.join(',')}` : locks.length ? `lock ${locks.join(',')}` : '', SUB_CHARS);
    A(r.sub, 'class', blocked.length && alive ? 'sub warn' : locks.length && alive ? 'sub lock' : 'sub');
    A(r.g, 'aria-label', `n${id}, ${alive ? tp.role : 'crashed'}, ${c.sw}` + (coord ? '' : `, balances ${bal || 'none'}`) +
      (locks.length ? `, holds locks on ${locks.join(', ')}` : '') + (blocked.length && alive ? `, BLOCKED for ${secs(b)} waiting for the decision` : ''));
    return r.sub.__fit !== was; // the label under it: the glyph's size
  },

  panel: {
    title: (nd, c) => {
      const tp = nd.twopc;
      return `n${c.id} — ${c.alive ? tp.role : 'crashed (its log is durable)'}${tp.role === 'coordinator' ? '' : `, owns ${tp.owns.join(', ') || 'no accounts'}`}`;
    },
    // Durable: the log, forced before each vote and decision is sent, and the committed balances.
    durable: (v) => {
      const tp = v.twopc, coord = tp.role === 'coordinator';
      return [
        ['log', (v.log || []).slice(-6).map((e) => e.text).join(' · ') || 'empty'],
        ...(coord ? [['decision log', tp.decisions.join(' · ') || 'empty']] : [['balances', balances(v.kv, ' = ').join(', ') || '—']]),
      ];
    },
    summary: (v) => `log ${(v.log || []).slice(-3).map((e) => e.text).join(' · ') || 'empty'}` +
      (v.twopc.role === 'coordinator' ? '' : `; balances ${balances(v.kv, ' = ').join(', ') || '—'}`),
    volatile: (nd) => {
      const tp = nd.twopc;
      return [
        ['locks held', tp.locks.length ? tp.locks.map((l) => `${l.key} by t${l.txn}`).join(', ') : 'none'],
        ['blocked', tp.blocked ? `YES — voted Yes, waiting for the decision (${secs(tp.blocked_ms)} blocked in all)` : `no (${secs(tp.blocked_ms)} blocked in all, ${tp.blocked_txns} txn${tp.blocked_txns === 1 ? '' : 's'})`],
      ];
    },
    other: (nd) => {
      const tp = nd.twopc, coord = tp.role === 'coordinator';
      return [['role', coord ? 'coordinator: logs BEGIN, forces COMMIT before sending it, ABORT, END' : 'participant: locks, forces PREPARED, votes'],
        ['committed / aborted', `${tp.committed} / ${tp.aborted}`], ['cooperative termination', tp.cooperative_termination ? 'on' : 'off']];
    },
    lost: 'locks and transactions in progress (its log brings them back)',
    table: (nd) => [['txn', 'state', 'keys', 'detail'],
      ...nd.twopc.txns.map((t) => ['t' + t.id, t.state === 'blocked' ? `BLOCKED ${secs(t.blocked_ms)}` : t.state, t.keys.join(',') || '—',
        t.text || (t.blocked_ms ? `was blocked ${secs(t.blocked_ms)}` : '')])],
  },

  mount(ui) {
    const s = section(ui);
    ui.add('side', s.sec);
    return {
      ui(f) {
        s.update(f);
        // Transfers span accounts: no register checker applies; the 2PC invariants judge the run.
        T(ui.$('.v-sub'), f.violations?.length ? 'a 2PC invariant broke: see the status line'
          : 'transfers span accounts: atomicity and conservation are checked by the 2PC invariants, after every event');
      },
    };
  },
};
