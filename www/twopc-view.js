/**
 * Two-phase commit's views, kept out of the shared files: the server glyph (C / P, balances,
 * locked keys, BLOCKED with its time, in colour and in words), the node panel's rows
 * (transactions per state, locks, the decision log), and a side section with the counters
 * (committed / aborted / blocked, blocked time, locks held), every account's balance and the
 * cooperative-termination switch. All text goes in through textContent; nothing is parsed as HTML.
 *
 * Stable hooks: a server group gets data-blocked="true|false" and data-locks="A,B"; the side
 * section is section.twopc with .tp-coop (the switch), .tp-metrics [data-metric=…] and .tp-bank.
 */
const T = (e, v) => { if (e.textContent !== v) e.textContent = v; };
const A = (e, k, v) => { if (e.getAttribute(k) !== v) e.setAttribute(k, v); };
let sheet = null; // one constructed stylesheet for every 2PC element on the page
const secs = (ms) => `${(ms / 1000).toFixed(1)} s`;

export const TWOPC_CSS = `
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

/** Draw one server from its `twopc` view (r: the renderer's record for it). */
export function twopcNode(r, nd, id, alive, sel, drag, sw) {
  const tp = nd.twopc, k = r.k;
  if (k.tp === tp && k.alive === alive && k.sel === sel && k.drag === drag && k.side === nd.side && k.sw === sw) return;
  k.tp = tp; k.alive = alive; k.sel = sel; k.drag = drag; k.side = nd.side; k.sw = sw; k.role = null; k.px = null;
  const coord = tp.role === 'coordinator';
  const role = alive ? tp.role : 'crashed';
  const locks = tp.locks.map((l) => l.key);
  const blocked = tp.txns.filter((t) => t.state === 'blocked');
  const state = !alive ? '' : blocked.length ? ' blocked' : locks.length ? ' locked' : '';
  A(r.timer, 'visibility', 'hidden');
  A(r.votes, 'visibility', 'hidden');
  A(r.badge, 'visibility', 'hidden');
  A(r.g, 'data-role', role);
  A(r.g, 'data-side', String(nd.side));
  A(r.g, 'data-blocked', String(alive && blocked.length > 0));
  A(r.g, 'data-locks', locks.join(','));
  A(r.g, 'class', `node twopc ${role}${coord ? ' coordinator' : ''}${state}${sel ? ' sel' : ''}${drag ? ' dragging' : ''}`);
  A(r.role, 'class', 'role');
  T(r.role, alive ? (coord ? 'C' : 'P') : '✕');
  const bal = Object.entries(nd.kv || {}).map(([key, v]) => `${key}${v}`).join(' ');
  T(r.term, coord ? `${tp.txns.length} active` : bal || '—');
  const b = blocked.reduce((m, t) => Math.max(m, t.blocked_ms), 0);
  const sub = !alive ? (coord ? 'down' : tp.txns.some((t) => t.state === 'prepared' || t.state === 'blocked') ? 'down, PREPARED logged' : 'down')
    : blocked.length ? `BLOCKED ${secs(b)} · lock ${locks.join(',')}` : locks.length ? `lock ${locks.join(',')}` : '';
  T(r.sub, sub);
  A(r.sub, 'class', blocked.length && alive ? 'sub warn' : locks.length && alive ? 'sub lock' : 'sub');
  A(r.g, 'aria-label', `n${id}, ${alive ? tp.role : 'crashed'}, ${sw}` + (coord ? '' : `, balances ${bal || 'none'}`) +
    (locks.length ? `, holds locks on ${locks.join(', ')}` : '') + (blocked.length && alive ? `, BLOCKED for ${secs(b)} waiting for the decision` : ''));
}

/** The node panel's title, rows and table for a 2PC node. */
export function twopcPanel(nd, id, alive) {
  const tp = nd.twopc, coord = tp.role === 'coordinator';
  const title = `n${id} — ${alive ? tp.role : 'crashed (its log is durable)'}${coord ? '' : `, owns ${tp.owns.join(', ') || 'no accounts'}`}`;
  const rows = [
    ['role', coord ? 'coordinator: logs BEGIN, forces COMMIT before sending it, ABORT, END' : 'participant: locks, forces PREPARED, votes'],
    ...(coord ? [] : [['balances', Object.entries(nd.kv || {}).map(([k, v]) => `${k} = ${v}`).join(', ') || '—']]),
    ['locks held', tp.locks.length ? tp.locks.map((l) => `${l.key} by t${l.txn}`).join(', ') : 'none'],
    ['blocked', tp.blocked && alive ? `YES — voted Yes, waiting for the decision (${secs(tp.blocked_ms)} blocked in all)` : `no (${secs(tp.blocked_ms)} blocked in all, ${tp.blocked_txns} txn${tp.blocked_txns === 1 ? '' : 's'})`],
    ['committed / aborted', `${tp.committed} / ${tp.aborted}`],
    ...(coord ? [['decision log', tp.decisions.join(' · ') || 'empty']] : []),
    ['log (durable)', (nd.log || []).slice(-6).map((e) => e.text).join(' · ') || 'empty'],
    ['cooperative termination', tp.cooperative_termination ? 'on' : 'off'],
    ['restarts', nd.restarts],
  ];
  const table = [['txn', 'state', 'keys', 'detail'],
    ...tp.txns.map((t) => ['t' + t.id, t.state === 'blocked' ? `BLOCKED ${secs(t.blocked_ms)}` : t.state, t.keys.join(',') || '—',
      t.text || (t.blocked_ms ? `was blocked ${secs(t.blocked_ms)}` : '')])];
  return { title, rows, table };
}

/** The side section: counters, balances, decision log and the cooperative-termination switch. */
export class TwoPcPanel {
  constructor(root, host) {
    this.host = host;
    const doc = root.ownerDocument || document;
    // A constructed stylesheet: allowed under a strict CSP, unlike a <style> element (see host.js).
    try {
      if (!sheet) { sheet = new CSSStyleSheet(); sheet.replaceSync(TWOPC_CSS); }
      if (!root.adoptedStyleSheets.includes(sheet)) root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
    } catch {
      const style = doc.createElement('style');
      style.textContent = TWOPC_CSS;
      root.appendChild(style);
    }
    const sec = (this.el = doc.createElement('section'));
    sec.className = 'twopc';
    sec.setAttribute('aria-label', 'two-phase commit');
    const h = doc.createElement('h3');
    h.textContent = 'transactions';
    this.metrics = doc.createElement('div');
    this.metrics.className = 'tp-metrics';
    this.m = {};
    for (const [key, label] of [['committed', 'committed'], ['aborted', 'aborted'], ['blocked', 'blocked now'],
      ['blocked_txns', 'ever blocked'], ['blocked_ms', 'blocked time'], ['locks', 'locks held']]) {
      const d = doc.createElement('div');
      d.setAttribute('data-metric', key);
      const b = doc.createElement('b');
      const s = doc.createElement('span');
      s.textContent = label;
      d.append(b, s);
      this.metrics.appendChild(d);
      this.m[key] = { d, b };
    }
    this.bank = doc.createElement('p');
    this.bank.className = 'tp-bank';
    this.log = doc.createElement('p');
    this.log.className = 'tp-log';
    const lab = doc.createElement('label');
    lab.title = 'Bernstein, Hadzilacos, Goodman §7.5: a blocked participant asks the other participants; any that knows the outcome (or has not voted, and so aborts) answers';
    this.coop = doc.createElement('input');
    this.coop.type = 'checkbox';
    this.coop.className = 'tp-coop';
    lab.append(this.coop, doc.createTextNode(' cooperative termination (blocked participants ask each other)'));
    this.coop.addEventListener('change', () => coop(host, this.coop.checked, this.coop));
    sec.append(h, this.metrics, this.bank, lab, this.log);
  }

  update(f) {
    let committed = 0, aborted = 0, blocked = 0, everBlocked = 0, blockedMs = 0, locks = 0, coop = false;
    const bank = [], decisions = [];
    let prepared = 0;
    for (const nd of f.nodes) {
      const tp = nd.twopc;
      if (!tp) continue;
      if (tp.role === 'coordinator') {
        committed = tp.committed; aborted = tp.aborted; coop = tp.cooperative_termination;
        decisions.push(...tp.decisions);
        continue;
      }
      if (nd.alive && tp.blocked) blocked++;
      everBlocked += tp.blocked_txns; blockedMs += tp.blocked_ms; locks += tp.locks.length;
      for (const t of tp.txns) if (t.state === 'prepared' || t.state === 'blocked') prepared += t.delta;
      for (const [k, v] of Object.entries(nd.kv || {})) {
        const l = tp.locks.find((x) => x.key === k);
        bank.push({ k, v, n: nd.id, lock: l ? l.txn : null, blocked: nd.alive && tp.blocked && l });
      }
    }
    const set = (key, v, bad) => { T(this.m[key].b, String(v)); A(this.m[key].d, 'class', bad ? 'bad' : ''); };
    set('committed', committed); set('aborted', aborted); set('blocked', blocked, blocked > 0);
    set('blocked_txns', everBlocked); set('blocked_ms', secs(blockedMs), blockedMs > 0); set('locks', locks, locks > 0);
    bank.sort((a, b) => (a.k < b.k ? -1 : 1));
    const sig = JSON.stringify(bank) + prepared;
    if (sig !== this._bank) {
      this._bank = sig;
      this.bank.replaceChildren();
      const total = bank.reduce((s, x) => s + x.v, 0);
      const doc = this.bank.ownerDocument;
      bank.forEach((x, i) => {
        const s = doc.createElement('span');
        s.className = x.blocked ? 'blocked' : x.lock != null ? 'lock' : '';
        s.textContent = `${x.k} = ${x.v} (n${x.n})${x.lock != null ? ` locked by t${x.lock}` : ''}${x.blocked ? ' BLOCKED' : ''}`;
        this.bank.append(...(i ? [doc.createTextNode(' · '), s] : [s]));
      });
      // Money a prepared transaction will move here on commit is not in the balances yet.
      this.bank.append(doc.createTextNode(`  — total ${total}` + (prepared ? `, ${prepared > 0 ? '+' : ''}${prepared} held in prepared transactions` : '')));
    }
    T(this.log, `decision log (n0): ${decisions.join(' · ') || 'empty'}`);
    if (this.host.shadowRoot?.activeElement !== this.coop) this.coop.checked = coop;
  }
}

/** The element's per-frame hook for 2PC (called from cap-playground.js's _ui on slow frames). */
export function ui(host, f) {
  const on = f.protocol === '2pc';
  if (on && !host._tp) {
    host._tp = new TwoPcPanel(host.shadowRoot, host);
    host.$('.side').insertBefore(host._tp.el, host.$('.cons'));
  }
  host._tp.el.hidden = !on;
  if (!on) return;
  host._tp.update(f);
  // Transfers span accounts: no register checker applies; the 2PC invariants judge the run.
  T(host.$('.v-sub'), f.violations?.length ? 'a 2PC invariant broke: see the status line'
    : 'transfers span accounts: atomicity and conservation are checked by the 2PC invariants, after every event');
}

/** Flip cooperative termination live, keeping the rest of the run's settings. */
function coop(host, on, box) {
  try {
    const sc = JSON.parse(host.pg.scenarioJson());
    host.configure({ ...(sc.config || {}), cooperative_termination: on });
    host._say(on ? 'cooperative termination on: a blocked participant also asks the other participants'
      : 'cooperative termination off: a blocked participant waits for the coordinator');
  } catch (e) {
    if (!host._poisoned) host._say(`configure: ${e.message || e}`, true);
    box.checked = !on;
  }
}
