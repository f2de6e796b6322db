/**
 * <cap-history>: the history lab. Drop, choose or paste a history — a Jepsen etcd log, a Porcupine
 * kv log, a Jepsen/Knossos EDN history (register or cas-register; `:nemesis` lines are kept as
 * fault markers) or one of the playground's own exports — and it is checked for linearizability
 * in this page, in a Web Worker (history-worker.js) running the lab's own wasm bundle (pkg/lab/:
 * the parsers `cap check` uses). Nothing is uploaded. A long search shows its progress and can be
 * cancelled; a malformed file gets the line and what was expected.
 *
 * What it shows: the verdict; for a violation the witness (the operations that cannot be put in
 * one order) and the sentence explaining it; a Porcupine-style timeline per key (one lane per
 * process, each operation a bar from invocation to completion, the witness outlined, faults as
 * markers over it); and, for a selected operation, the orders that were tried ("why").
 *
 * Attributes: `src` (a URL to load a history from, same origin), `theme` (light / dark), and how an
 * EDN register history is read, as `cap check`'s flags: `model` (cas-register, the default, or
 * register), `initial` (the registers' value before any write: an integer, default 0, or nil) and
 * `new-process-on-reuse`; the page's controls set the same (a change re-checks the history).
 * API: load(text, name) → Promise<summary>, options ({model, initial, newProcessOnReuse}), check() → Promise<result>, cancel(), why(id) →
 * Promise<why>, summary, result, data-state (empty | loading | loaded | checking | done |
 * cancelled | error). Event: `history-verdict` {verdict, witness}.
 * Hooks: .drop (the drop zone), .paste + [data-action=check], [data-action=cancel],
 * .verdict[data-verdict], .sentence, .wlines (witness lines, each with a "why" button),
 * .err (the parse error), progress.prog, svg.hl-tl (the timeline: rect.op[data-id], .wit, .fault),
 * .why (the why panel: .why-orders li).
 * Everything from a file is shown as text (textContent), never parsed as markup.
 */

const NS = 'http://www.w3.org/2000/svg';
const CSS = [
  ':host{display:block;font:14px/1.45 system-ui,sans-serif;--bg:#fbfaf7;--ink:#1d232a;--muted:#5f6873;--faint:#c9ced4;--panel:#f0efea;--border:#d9d7cf;--accent:#0072b2;--ok:#00785a;--bad:#b34a00;--unk:#7a6000;--cut:#d55e00;color:var(--ink);color-scheme:light}',
  ':host([theme=dark]){--bg:#161a1f;--ink:#e8eaed;--muted:#a3abb5;--faint:#3b434d;--panel:#1f252c;--border:#333b45;--accent:#56b4e9;--ok:#3fcf9f;--bad:#ff8f4d;--unk:#f0e442;--cut:#ff8f4d;color-scheme:dark}',
  '@media (prefers-color-scheme:dark){:host(:not([theme=light])){--bg:#161a1f;--ink:#e8eaed;--muted:#a3abb5;--faint:#3b434d;--panel:#1f252c;--border:#333b45;--accent:#56b4e9;--ok:#3fcf9f;--bad:#ff8f4d;--unk:#f0e442;--cut:#ff8f4d;color-scheme:dark}}',
  '.lab{background:var(--bg);border:1px solid var(--border);border-radius:10px;padding:10px}',
  '[hidden]{display:none!important}',
  'button,select,textarea,input{font:inherit;font-size:13px;color:var(--ink);background:var(--panel);border:1px solid var(--border);border-radius:6px;padding:3px 8px}',
  'button{cursor:pointer}button:disabled{opacity:.45;cursor:default}:focus-visible{outline:2px solid var(--accent);outline-offset:2px}',
  '.drop{border:2px dashed var(--faint);border-radius:8px;padding:14px;text-align:center;color:var(--muted)}',
  '.drop.over{border-color:var(--accent);color:var(--ink);background:var(--panel)}',
  '.drop b{color:var(--ink)}',
  'textarea{width:100%;box-sizing:border-box;min-height:5em;margin-top:8px;font:12px ui-monospace,monospace}',
  '.row{display:flex;flex-wrap:wrap;align-items:center;gap:6px 10px;margin-top:6px}',
  '.status{color:var(--muted);font-size:13px}progress{width:12em}',
  '.err{border:2px solid var(--bad);border-radius:8px;padding:6px 10px;margin-top:8px;background:var(--panel)}.err b{color:var(--bad)}',
  '.verdict{font-size:18px;font-weight:700;margin:10px 0 2px}.verdict.ok{color:var(--ok)}.verdict.bad{color:var(--bad)}.verdict.unk{color:var(--unk)}',
  '.sentence{margin:2px 0 4px;font-weight:600}',
  '.wlines{margin:0;padding-left:1.2em;font:12px/1.6 ui-monospace,monospace}.wlines button{font:11px system-ui,sans-serif;padding:0 6px;margin-left:6px}',
  '.tlbox{margin-top:8px;border:1px solid var(--border);border-radius:8px;padding:4px;max-height:32em;overflow:auto;background:var(--panel)}',
  'svg.hl-tl{display:block;width:100%;height:auto}svg.hl-tl text{font-size:10px;fill:var(--ink);pointer-events:none}',
  'svg .lane{fill:var(--muted);font-weight:600}svg .tick{fill:var(--muted);text-anchor:middle}svg .grid{stroke:var(--faint);stroke-width:.6}',
  'svg .op{fill:var(--faint);stroke:var(--muted);stroke-width:1;cursor:pointer}svg .op.open{fill-opacity:.35;stroke-dasharray:3 2}',
  'svg .op.wit{fill:var(--bad);fill-opacity:.35;stroke:var(--ink);stroke-width:2.5}svg .op.fail{stroke:var(--bad);stroke-width:3}',
  'svg .op.sel{stroke:var(--accent);stroke-width:3}',
  'svg .fault{stroke:var(--cut);stroke-width:2;stroke-dasharray:5 3}svg .flabel{fill:var(--cut);font-weight:700}',
  '.why{margin-top:8px;border:1px solid var(--border);border-radius:8px;padding:6px 10px;background:var(--panel)}',
  '.why h3{margin:0 0 4px;font-size:14px}.why ol{margin:4px 0 0;padding-left:1.4em;font:12px/1.55 ui-monospace,monospace}',
  '.why li.at{color:var(--bad)}.why .note{color:var(--muted);font-size:12.5px}',
  '.muted{color:var(--muted)}',
  '.opts{font-size:13px}.opts input.initial{width:5em;padding:2px 6px}.opts input[type=checkbox]{vertical-align:middle}',
].join('');

const HTML = `
<div class="lab">
 <div class="drop" tabindex="0" role="button" aria-label="drop a history file here, or press Enter to choose one"><b>Drop a history file here</b> (Jepsen etcd log, Porcupine kv log, Jepsen / Knossos EDN, or a playground export), or <button type="button" data-action="choose">choose a file</button>. It is checked in this page: nothing is uploaded.</div>
 <textarea class="paste" aria-label="or paste a history here" placeholder="…or paste a history here, then press check"></textarea>
 <div class="row opts"><span class="muted">EDN register histories:</span>
  <label>model <select class="model" aria-label="register model for EDN histories"><option value="cas-register">cas-register (reads plain register histories too)</option><option value="register">register</option></select></label>
  <label>initial value <input class="initial" value="0" spellcheck="false" aria-label="every register's value before any write: an integer or nil"></label>
  <label><input type="checkbox" class="reuse"> a process reused after :info is a new process</label></div>
 <div class="row"><button type="button" data-action="check">check</button><button type="button" data-action="cancel" hidden>cancel</button>
  <progress class="prog" hidden></progress><span class="status" aria-live="polite"></span></div>
 <div class="err" role="alert" hidden></div>
 <div class="out" hidden>
  <div class="verdict" data-verdict=""></div><p class="sentence"></p><ul class="wlines"></ul>
  <div class="row"><label>key <select class="key" aria-label="key shown on the timeline"></select></label>
   <button type="button" data-action="zoom-witness">the witness</button><button type="button" data-action="zoom-all">whole history</button>
   <span class="legend muted">bars: operations from invocation to completion (dashed: outcome unknown) · outlined: the witness · dashed lines: faults</span></div>
  <div class="tlbox"><svg class="hl-tl" role="img" aria-label="timeline: one lane per process, each operation a bar from invocation to completion"></svg></div>
  <section class="why" hidden aria-live="polite"><h3 class="why-h"></h3><p class="why-s"></p><p class="note why-n"></p><ol class="why-orders"></ol></section>
 </div>
</div>`;

let sheet = null;
function adopt(root) {
  try {
    if (!sheet) { sheet = new CSSStyleSheet(); sheet.replaceSync(CSS); }
    root.adoptedStyleSheets = [sheet];
    return '';
  } catch { return `<style>${CSS}</style>`; }
}
function sv(tag, attrs, parent, text) {
  const e = document.createElementNS(NS, tag);
  for (const k in attrs) e.setAttribute(k, attrs[k]);
  if (text != null) e.textContent = text;
  if (parent) parent.appendChild(e);
  return e;
}
function el(tag, attrs, parent, text) {
  const e = document.createElement(tag);
  for (const k in attrs) e.setAttribute(k, attrs[k]);
  if (text != null) e.textContent = text;
  if (parent) parent.appendChild(e);
  return e;
}
const WORKER = new URL('./history-worker.js', import.meta.url);

export class CapHistory extends HTMLElement {
  static observedAttributes = ['src', 'model', 'initial', 'new-process-on-reuse'];

  constructor() {
    super();
    const root = this.attachShadow({ mode: 'open' });
    root.innerHTML = adopt(root) + HTML; // static markup only
    this.$ = (s) => root.querySelector(s);
    this.summary = null;
    this.result = null;
    this.dataset.state = 'empty';
    this._wire();
  }

  connectedCallback() {
    this._syncOptions();
    const src = this.getAttribute('src');
    if (src && !this._srcDone) { this._srcDone = true; this._fromUrl(src); }
  }
  attributeChangedCallback(name, old, val) {
    if (name === 'src' && this.isConnected && val && old !== val) this._fromUrl(val);
    else if (name !== 'src' && old !== val) { this._syncOptions(); this._recheck(); }
  }

  /** How an EDN register history is read (the controls, set from the attributes). */
  get options() {
    return { model: this.$('.model').value, initial: this.$('.initial').value.trim(), newProcessOnReuse: this.$('.reuse').checked };
  }
  _syncOptions() {
    const model = this.getAttribute('model');
    // An unknown model stays visible as an option, so the parser's error names it.
    if (model != null) {
      const sel = this.$('.model');
      if (![...sel.options].some((o) => o.value === model)) el('option', { value: model, 'data-unknown': '' }, sel, model);
      sel.value = model;
    }
    if (this.hasAttribute('initial')) this.$('.initial').value = this.getAttribute('initial');
    this.$('.reuse').checked = this.hasAttribute('new-process-on-reuse');
  }
  /** Check the last history again under changed options (nothing when none was loaded). */
  _recheck() {
    if (this._text == null) return;
    // One re-check at a time: a change made meanwhile (two attributes set in a row, a key pressed
    // while the last check runs) is not dropped but checked once the current one has settled.
    if (this._rechecking || this.dataset.state === 'loading' || this.dataset.state === 'checking') {
      this._again = true;
      if (!this._rechecking) this._rechecking = this._idle().then(() => { this._rechecking = null; this._recheck(); });
      return;
    }
    this._again = false;
    // Either step may fail or be cancelled (a paste or a file replaces the history meanwhile): the
    // element has shown it; the rejection must not go unhandled (it did, for a cancelled check).
    this._rechecking = this.load(this._text, this._name).then(() => this.check()).catch(() => {}).finally(() => {
      this._rechecking = null;
      if (this._again) this._recheck();
    });
  }
  /** Resolves once the element is neither loading nor checking (polled: the work runs in the worker). */
  _idle() {
    return new Promise((resolve) => {
      const poll = () => (this.dataset.state === 'loading' || this.dataset.state === 'checking' ? setTimeout(poll, 50) : resolve());
      poll();
    });
  }

  async _fromUrl(src) {
    let text;
    try {
      const u = new URL(src, document.baseURI);
      if (u.origin !== location.origin) throw new Error('only histories on this site can be loaded by URL; drop or paste others');
      const r = await fetch(u);
      if (!r.ok) throw new Error(`HTTP ${r.status}`);
      text = await r.text();
    } catch (e) {
      this._error({ line: 0, message: `src="${src}" could not be loaded (${e.message})` });
      return;
    }
    this.load(text, src.split('/').pop()).then(() => this.check(), () => {});
  }

  // ---- the worker ---------------------------------------------------------------------------
  _worker() {
    if (this.w) return this.w;
    const w = this.w = new Worker(WORKER, { type: 'module' });
    this._pending = new Map();
    w.onmessage = (ev) => this._onMessage(ev.data);
    w.onerror = (ev) => { ev.preventDefault?.(); this._fail(`the checker did not start (${ev.message || 'worker error'}): build it with npm run build`); };
    return w;
  }
  _post(msg, wait) {
    const w = this._worker();
    return new Promise((resolve, reject) => {
      this._pending.set(wait, { resolve, reject });
      w.postMessage(msg);
    });
  }
  _settle(kind, value, error) {
    const p = this._pending?.get(kind);
    if (!p) return;
    this._pending.delete(kind);
    if (error) p.reject(error); else p.resolve(value);
  }
  _onMessage(m) {
    switch (m.type) {
      case 'loaded': return this._settle('load', m.summary);
      case 'bad': this._error(m.error); return this._settle('load', null, new Error(`line ${m.error.line}: ${m.error.message}`));
      case 'progress': return this._progress(m.progress);
      case 'done': return this._settle('check', m.result);
      case 'timeline': return this._settle('timeline', m.data);
      case 'why': return this._settle('why', m.why);
      case 'failed': this._fail(m.message); for (const k of [...(this._pending?.keys() || [])]) this._settle(k, null, new Error(m.message));
    }
  }
  _fail(msg) {
    this._error({ line: 0, message: msg });
  }

  // ---- API ----------------------------------------------------------------------------------
  /** Parse `text` in the worker; resolves to its summary (rejects with the line and message). */
  async load(text, name = 'the pasted history') {
    this.cancel(true);
    this._text = text;
    this._name = name;
    this.summary = this.result = null;
    this._timelines = new Map();
    this.$('.err').hidden = true;
    this.$('.out').hidden = true;
    this.$('.why').hidden = true;
    this.dataset.state = 'loading';
    this._status(`reading ${name} (${(text.length / 1024).toFixed(1)} KB)…`);
    const s = await this._post({ type: 'load', text, options: this.options }, 'load');
    this.summary = s;
    this.dataset.state = 'loaded';
    const faults = s.faults.length ? `, ${s.faults.length} fault${s.faults.length === 1 ? '' : 's'} (nemesis)` : '';
    this._status(`${name}: ${s.format} · ${s.ops} operations, ${s.keys.length} key${s.keys.length === 1 ? '' : 's'}, ${s.processes} processes${faults}`);
    return s;
  }

  /** Check the loaded history; resolves to the result (progress shown meanwhile). */
  async check() {
    if (!this.summary) throw new Error('cap-history: load a history first');
    this.dataset.state = 'checking';
    this.$('[data-action=cancel]').hidden = false;
    const prog = this.$('.prog');
    prog.hidden = false;
    prog.removeAttribute('value');
    this._t0 = performance.now();
    const result = await this._post({ type: 'check', slice: 1 << 22 }, 'check');
    this.$('[data-action=cancel]').hidden = true;
    prog.hidden = true;
    this.result = result;
    this.dataset.state = 'done';
    await this._show(result);
    this.dispatchEvent(new CustomEvent('history-verdict', { detail: { verdict: result.verdict, witness: result.witness }, bubbles: true, composed: true }));
    return result;
  }

  /** Stop the search now (the worker is dropped; the next check starts a new one). */
  cancel(quiet) {
    if (!this.w) return;
    this.w.terminate();
    this.w = null;
    for (const k of [...(this._pending?.keys() || [])]) this._settle(k, null, new Error('cancelled'));
    this.$('[data-action=cancel]').hidden = true;
    this.$('.prog').hidden = true;
    if (!quiet) {
      this.dataset.state = 'cancelled';
      this._status(`cancelled after ${((performance.now() - (this._t0 || 0)) / 1000).toFixed(1)} s: no verdict. Load it again to check it again.`);
      this.summary = null;
    }
  }

  /** The orders tried around operation `id`; also shown in the why panel. */
  async why(id) {
    this._sel = id;
    this._drawTimeline();
    const w = await this._post({ type: 'why', id }, 'why');
    this._showWhy(id, w);
    return w;
  }

  // ---- drawing ------------------------------------------------------------------------------
  _status(text) { this.$('.status').textContent = text; }
  _progress(p) {
    const prog = this.$('.prog');
    if (p.keys > 1) { prog.max = p.keys; prog.value = p.keys_done; } else prog.removeAttribute('value');
    const secs = ((performance.now() - (this._t0 || 0)) / 1000).toFixed(1);
    this._status(`checking: key ${Math.min(p.keys_done + 1, p.keys)} of ${p.keys} (${p.key_ops} operations), ${(p.steps / 1e6).toFixed(1)} M steps, ${secs} s`);
  }
  _error(e) {
    this.dataset.state = 'error';
    const box = this.$('.err');
    box.replaceChildren(el('b', {}, null, e.line ? `line ${e.line}: ` : 'error: '), e.message);
    box.hidden = false;
    this._status('');
    this.$('[data-action=cancel]').hidden = true;
    this.$('.prog').hidden = true;
  }

  async _show(r) {
    const out = this.$('.out'), v = this.$('.verdict');
    out.hidden = false;
    const [cls, text] = r.verdict === 'linearizable' ? ['ok', '✓ linearizable: every key has an order that respects real time']
      : r.verdict === 'not_linearizable' ? ['bad', '✕ not linearizable'] : ['unk', `? unknown: ${r.reason || 'the search did not finish'}`];
    v.className = `verdict ${cls}`;
    v.dataset.verdict = r.verdict;
    v.textContent = text;
    const w = r.witness;
    this.$('.sentence').textContent = w ? w.sentence : '';
    const ul = this.$('.wlines');
    ul.replaceChildren(...(w ? w.lines.map((line, i) => {
      const li = el('li', {}, null, line);
      const b = el('button', { type: 'button', 'data-why': String(w.ops[i]), 'aria-label': `why: the orders tried around operation ${w.ops[i]}` }, li, 'why?');
      b.addEventListener('click', () => this.why(w.ops[i]));
      return li;
    }) : []));
    this._status(`${this._name}: ${this.summary.format} · ${this.summary.ops} operations · ${(r.steps / 1e6).toFixed(1)} M steps in ${((performance.now() - this._t0) / 1000).toFixed(1)} s`);
    // Keys: the witness's first.
    const sel = this.$('.key');
    const keys = r.keys.map(([k, n, verdict], i) => ({ k, n, verdict, i }));
    sel.replaceChildren(...keys.map((x) => el('option', { value: String(x.i) }, null, `${x.k === '' ? '(the register)' : x.k} · ${x.n} ops · ${x.verdict.replace('_', ' ')}`)));
    const wk = w ? keys.find((x) => x.k === w.key) : null;
    sel.value = String(wk ? wk.i : 0);
    this._zoom = w ? 'witness' : 'all';
    await this._loadKey(Number(sel.value));
  }

  async _loadKey(i) {
    this._key = i;
    let d = this._timelines.get(i);
    if (!d) { d = await this._post({ type: 'timeline', key: i }, 'timeline'); this._timelines.set(i, d); }
    this._drawTimeline();
  }

  _drawTimeline() {
    const d = this._timelines?.get(this._key);
    const svg = this.$('svg.hl-tl');
    if (!d) { svg.replaceChildren(); return; }
    const ops = d.ops, faults = d.faults, w = this.result?.witness;
    let lo = Infinity, hi = 0;
    for (const o of ops) { lo = Math.min(lo, o.call); hi = Math.max(hi, o.ret ?? o.call); }
    for (const f of faults) { lo = Math.min(lo, f.line); hi = Math.max(hi, f.line); }
    if (!ops.length) { lo = 0; hi = 1; }
    const end = hi + 1;
    if (this._zoom === 'witness' && w) {
      const wo = ops.filter((o) => o.witness);
      if (wo.length) {
        let a = Infinity, b = 0;
        for (const o of wo) { a = Math.min(a, o.call); b = Math.max(b, o.ret ?? end); }
        const pad = Math.max(3, (b - a) * 0.15);
        lo = Math.max(lo, a - pad); hi = Math.min(end, b + pad);
      }
    }
    const shown = ops.filter((o) => o.call <= hi && (o.ret ?? end) >= lo);
    const procs = [...new Set(shown.map((o) => o.process))].sort((a, b) => a - b);
    const laneOf = new Map(procs.map((p, i) => [p, i]));
    const W = 760, X0 = 64, X1 = 750, TOP = 26, LANE = 22;
    const x = (t) => X0 + ((Math.min(Math.max(t, lo), hi) - lo) / Math.max(1, hi - lo)) * (X1 - X0);
    const H = TOP + procs.length * LANE + 8;
    svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
    const parts = [];
    const span = hi - lo, step = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000].find((s) => span / s <= 8) || 100000;
    for (let t = Math.ceil(lo / step) * step; t <= hi; t += step) {
      parts.push(sv('line', { class: 'grid', x1: x(t), x2: x(t), y1: 14, y2: H }));
      parts.push(sv('text', { class: 'tick', x: x(t), y: 11 }, null, `line ${t}`));
    }
    procs.forEach((p, i) => parts.push(sv('text', { class: 'lane', x: 2, y: TOP + i * LANE + 14 }, null, `p${p}`)));
    const failing = w?.failing_op;
    for (const o of shown) {
      const y = TOP + laneOf.get(o.process) * LANE + 4, x0 = x(o.call), x1 = Math.max(x0 + 3, x(o.ret ?? end));
      const cls = `op${o.ret == null ? ' open' : ''}${o.witness ? ' wit' : ''}${o.id === failing ? ' fail' : ''}${o.id === this._sel ? ' sel' : ''}`;
      const r = sv('rect', { class: cls, x: x0, y, width: x1 - x0, height: 13, rx: 2, 'data-id': String(o.id) });
      sv('title', {}, r, `#${o.id} p${o.process}: ${o.text}, line ${o.call}–${o.ret ?? '∞ (unknown outcome)'}${o.witness ? ' · witness' : ''}${o.id === failing ? ' · cannot be placed' : ''}`);
      parts.push(r);
      const label = `${o.witness ? '#' + o.id + ' ' : ''}${o.text}`;
      if (x1 - x0 > label.length * 5.2 || (o.witness && this._zoom === 'witness')) parts.push(sv('text', { x: x0 + 2, y: y + 10 }, null, label));
    }
    for (const f of faults) {
      if (f.line < lo || f.line > hi) continue;
      const g = sv('g', { class: 'faultg' });
      sv('line', { class: 'fault', x1: x(f.line), x2: x(f.line), y1: 14, y2: H }, g);
      sv('text', { class: 'flabel', x: x(f.line) + 3, y: 22 }, g, `⚡ ${f.what}`);
      sv('title', {}, g, `line ${f.line}: nemesis ${f.what} ${f.value}`);
      parts.push(g);
    }
    svg.replaceChildren(...parts);
  }

  _showWhy(id, w) {
    const box = this.$('.why');
    box.hidden = false;
    if (!w) { this.$('.why-h').textContent = `operation #${id}: not on any key`; this.$('.why-s').textContent = ''; this.$('.why-orders').replaceChildren(); return; }
    this.$('.why-h').textContent = `why: the orders tried around #${id} ${w.op}`;
    this.$('.why-s').textContent = w.summary;
    const relaxed = new Set(w.relaxed);
    this.$('.why-n').textContent = `Operations taken as they are: ${w.among.map((i) => '#' + i).join(' ')}` +
      (w.relaxed.length ? `; relaxed (may take effect at any point after their invocation, or never): ${w.relaxed.map((i) => '#' + i).join(' ')}` : '') +
      `. Showing ${w.orders.length} of ${w.total} orders, those that stop at #${id} first.`;
    this.$('.why-orders').replaceChildren(...w.orders.map((o) => {
      const li = el('li', { class: o.at_selected ? 'at' : '' }, null,
        `${o.ids.map((i) => `#${i}${relaxed.has(i) ? '(relaxed)' : ''}`).join(' → ')} · ${o.stop}`);
      return li;
    }));
  }

  // ---- input --------------------------------------------------------------------------------
  _wire() {
    const $ = this.$, drop = $('.drop');
    const take = async (f) => {
      try { await this.load(await f.text(), f.name); await this.check(); } catch { /* shown */ }
    };
    // A fresh file input per choice (one reused after a choice may not open again).
    const choose = () => {
      const file = el('input', { class: 'file', type: 'file', hidden: '' }, this.shadowRoot.querySelector('.lab'));
      file.addEventListener('change', () => { if (file.files[0]) take(file.files[0]); file.remove(); });
      file.addEventListener('cancel', () => file.remove());
      file.click();
    };
    drop.addEventListener('dragover', (ev) => { ev.preventDefault(); drop.classList.add('over'); });
    drop.addEventListener('dragleave', () => drop.classList.remove('over'));
    drop.addEventListener('drop', (ev) => {
      ev.preventDefault();
      drop.classList.remove('over');
      const f = ev.dataTransfer?.files?.[0];
      if (f) take(f);
      else if (ev.dataTransfer?.getData('text/plain')) { $('.paste').value = ev.dataTransfer.getData('text/plain'); this._checkPaste(); }
    });
    drop.addEventListener('keydown', (ev) => { if (ev.key === 'Enter' || ev.key === ' ') { ev.preventDefault(); choose(); } });
    this.shadowRoot.addEventListener('click', (ev) => {
      const a = ev.target.closest?.('[data-action]')?.dataset.action;
      if (a === 'choose') choose();
      else if (a === 'check') this._checkPaste();
      else if (a === 'cancel') this.cancel();
      else if (a === 'zoom-witness' || a === 'zoom-all') { this._zoom = a === 'zoom-all' ? 'all' : 'witness'; this._drawTimeline(); }
      const r = ev.target.closest?.('rect.op');
      if (r) this.why(Number(r.dataset.id)).catch(() => {});
    });
    $('.key').addEventListener('change', () => this._loadKey(Number($('.key').value)));
    for (const c of ['.model', '.reuse']) $(c).addEventListener('change', () => this._recheck());
    $('.initial').addEventListener('change', () => this._recheck());
  }
  async _checkPaste() {
    const text = this.$('.paste').value;
    if (!text.trim()) { this._error({ line: 0, message: 'nothing to check: paste a history, drop a file or choose one' }); return; }
    try { await this.load(text); await this.check(); } catch { /* shown */ }
  }
}

if (!customElements.get('cap-history')) customElements.define('cap-history', CapHistory);
