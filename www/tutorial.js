/**
 * <cap-tutorial src="tutorials/cap-in-one-drag.json"> and <cap-compare left="raft" right="dynamo">:
 * one or two <cap-playground> elements on ONE simulated clock, with a narration panel.
 *
 * The stage (both elements) keeps its playgrounds paused and advances them itself, in lockstep, so:
 *   - a shared workload sends the same client operation to every cluster at the same simulated time
 *     (a client still waiting on its previous operation in one cluster skips it there: each client
 *     has one operation outstanding);
 *   - in compare mode a partition the reader drags in either diagram is applied, by node and client
 *     index, to the other one;
 *   - every input (the script's actions and the reader's gestures, crashes, restarts and client
 *     moves) is logged with its simulated time, so Back and "restart step" reload the scenarios and
 *     replay the log up to the start of that step: the simulator is deterministic, so the replayed
 *     state is the state the step began with.
 *
 * Tutorial state machine (data-state on the host):
 *   loading ──▶ waiting ──(wait satisfied)──▶ ready ──(next)──▶ waiting … ──(finish)──▶ done
 *      │           ▲  (step with no wait: straight to ready)                            │
 *      ▼           └──────────────────────────(back / restart step: replay)◀────────────┘
 *    error (malformed file, missing scenario, a failing action: the message says what is accepted)
 *
 * Text from the tutorial file is only ever set with textContent. Styles are a constructed sheet
 * (adoptedStyleSheets), so a strict CSP needs no 'unsafe-inline'.
 *
 * Host API: ready (Promise), load(specOrText), next(), back(), restartStep(), play(), pause(),
 * advance(ms), playgrounds (the <cap-playground> elements), step (index; steps.length when done),
 * now (simulated ms), waitDone (bool), tutorial (the parsed script).
 */
import './cap-playground.js'; // defines <cap-playground>
import { PROTOCOLS as MANIFEST } from './protocols.js';
import { parseTutorial, describeWait, CONTROLS } from './tutorial-spec.js';

const PROTOCOLS = MANIFEST.map((p) => p.name);

const STYLE = `
:host{display:block;position:relative;font:15px/1.5 system-ui,sans-serif;
 --ink:#1d232a;--muted:#5f6873;--panel:#f4f2ec;--border:#d9d7cf;--accent:#0072b2;--hl:#d55e00;--ok:#009e73;--bad:#d55e00;color:var(--ink)}
@media (prefers-color-scheme:dark){:host(:not([theme=light])){--ink:#e8eaed;--muted:#a3abb5;--panel:#1f252c;--border:#333b45;--accent:#56b4e9;--hl:#ff8f4d;--ok:#3fcf9f;--bad:#ff8f4d}}
:host([theme=dark]){--ink:#e8eaed;--muted:#a3abb5;--panel:#1f252c;--border:#333b45;--accent:#56b4e9;--hl:#ff8f4d;--ok:#3fcf9f;--bad:#ff8f4d}
[hidden]{display:none!important}
.tut{position:relative;container-type:inline-size}
h2{font-size:1.25rem;margin:0 0 6px}
.err{border:2px solid var(--bad);border-radius:8px;padding:8px 10px;margin:6px 0;background:var(--panel);white-space:pre-line}
.narr{border:1px solid var(--border);border-left:4px solid var(--accent);border-radius:8px;padding:8px 12px;margin:0 0 8px;background:var(--panel)}
.count{margin:0;font-size:13px;color:var(--muted)}
.text{margin:4px 0;white-space:pre-line}
.wait{margin:4px 0;font-size:14px;color:var(--muted)}.wait.done{color:var(--ok);font-weight:600}
nav{display:flex;gap:8px;justify-content:flex-end}
button,input{font:inherit;font-size:14px;color:var(--ink);background:var(--panel);border:1px solid var(--border);border-radius:6px;padding:3px 10px}
button{cursor:pointer}button:disabled{opacity:.45;cursor:default}button:hover:not(:disabled){border-color:var(--accent)}
button.next:not(:disabled){border-color:var(--accent);font-weight:600}
:focus-visible{outline:2px solid var(--accent);outline-offset:2px}
.bar{display:flex;flex-wrap:wrap;align-items:center;gap:6px 8px;margin:0 0 6px;font-size:14px}
.bar .play{min-width:5em;font-weight:600}.speed{display:inline-flex;align-items:center;gap:4px;color:var(--muted)}
.speed input{width:110px;padding:0}.clock{font-variant-numeric:tabular-nums;color:var(--muted);min-width:7em}
.stage{display:grid;grid-template-columns:minmax(0,1fr);gap:10px}
@container (min-width:900px){.stage.two{grid-template-columns:minmax(0,1fr) minmax(0,1fr)}}
figure{margin:0;min-width:0}figcaption{font-weight:600;margin:0 0 2px}
table.summary{border-collapse:collapse;margin:0 0 8px;font-size:14px;font-variant-numeric:tabular-nums;width:100%}
.summary th,.summary td{text-align:left;padding:2px 10px 2px 0;border-bottom:1px solid var(--border)}
.summary th{color:var(--muted);font-weight:400}.summary .down{color:var(--bad);font-weight:600}.summary .up{color:var(--ok)}
.hls{position:absolute;left:0;top:0;width:0;height:0;pointer-events:none}
.hl{position:absolute;box-sizing:border-box;border:3px solid var(--hl);border-radius:10px;box-shadow:0 0 0 4px color-mix(in srgb,var(--hl) 25%,transparent);animation:pulse 1.4s ease-in-out infinite}
@keyframes pulse{50%{box-shadow:0 0 0 9px color-mix(in srgb,var(--hl) 10%,transparent)}}
@media (prefers-reduced-motion:reduce){.hl{animation:none}}
`;

const HTML = `
<div class="tut">
 <h2 class="title" hidden></h2>
 <div class="err" role="alert" hidden></div>
 <section class="narr" hidden aria-label="tutorial narration">
  <p class="count"></p><p class="text"></p><p class="wait" aria-live="polite"></p>
  <nav><button type="button" data-action="back" class="back">◀ back</button><button type="button" data-action="next" class="next">next ▶</button></nav>
 </section>
 <div class="bar" role="toolbar" aria-label="simulation controls" hidden>
  <button type="button" class="play" data-action="play" aria-label="play">▶ play</button>
  <button type="button" data-action="step" title="advance simulated time by 10 ms">+10 ms</button>
  <label class="speed" data-action="speed">speed <input class="speed-in" type="range" min="-3" max="1" step="0.05" aria-label="speed (log scale)"><output class="speed-out"></output></label>
  <span class="clock" aria-label="simulated time">t = 0.000 s</span>
  <button type="button" data-action="heal" title="reconnect every cluster">heal</button>
  <button type="button" data-action="reset" class="reset" title="replay from the start of this step">restart step</button>
 </div>
 <table class="summary" hidden aria-label="the clusters side by side"><thead><tr><th>cluster</th><th>side A</th><th>side B</th><th>stale reads</th><th>consistency</th></tr></thead><tbody></tbody></table>
 <div class="stage"></div>
 <div class="hls" aria-hidden="true"></div>
</div>`;

let sheet = null;
function styleRoot(root) {
  try {
    sheet ??= new CSSStyleSheet();
    if (!sheet.cssRules.length) sheet.replaceSync(STYLE);
    root.adoptedStyleSheets = [sheet];
  } catch {
    const s = document.createElement('style'); // browsers without constructable sheets
    s.textContent = STYLE;
    root.prepend(s);
  }
}

const LEADER_ROLES = new Set(['leader', 'leading']);
const verdictOf = (f) => { const v = f?.consistency?.live?.verdict; return typeof v === 'string' ? v : v?.verdict ?? null; };
const memberIndex = (m) => (typeof m === 'number' ? m : Number(String(m).replace(/^[nc]/, '')));
/** A 32-bit integer hash (stateless, so the workload at time t does not depend on what ran before). */
function mix(a) {
  a = Math.imul(a ^ (a >>> 16), 0x7feb352d);
  a = Math.imul(a ^ (a >>> 15), 0x846ca68b);
  return (a ^ (a >>> 16)) >>> 0;
}

/** Shared machinery of <cap-tutorial> and <cap-compare>: the stage, its clock, log and waits. */
class StageElement extends HTMLElement {
  constructor() {
    super();
    const root = this.attachShadow({ mode: 'open' });
    styleRoot(root);
    const tpl = document.createElement('template');
    tpl.innerHTML = HTML; // static markup only
    root.append(tpl.content.cloneNode(true));
    this.$ = (s) => root.querySelector(s);
    this.pgs = [];
    this.spec = null;
    this.now = 0;
    this._playing = false;
    this._speed = 0.2;
    this._acc = 0;
    this._raf = 0;
    this._busy = 0; // > 0 while the stage itself calls into the playgrounds: their events are not the reader's
    this._replaying = false;
    this.log = [];
    this.marks = [];
    this.stepIdx = -1;
    this.w = null;
    this._scenCache = new Map();
    this._hl = [];
    this._gen = 0;
    this.ready = new Promise((r) => { this._readyResolve = r; });
    this._tick = this._tick.bind(this);
    this._wire();
  }

  connectedCallback() {
    this._ro ??= new ResizeObserver(() => this._placeHl());
    this._ro.observe(this);
    if (this._playing) this._startLoop();
  }
  disconnectedCallback() { this._ro?.disconnect(); this._stopLoop(); }

  // ---- public API ------------------------------------------------------------------------------
  get playgrounds() { return this.pgs.map((p) => p.el); }
  get step() { return this.stepIdx; }
  get waitDone() { return !this.w || this.w.done; }
  get tutorial() { return this.spec; }
  play() { this._playing = true; this._startLoop(); this._syncBar(); }
  pause() { this._playing = false; this._stopLoop(); this._syncBar(); }
  get paused() { return !this._playing; }
  get speed() { return this._speed; }
  set speed(x) {
    x = Number(x);
    if (!Number.isFinite(x) || x <= 0) throw new Error(`speed ${x} is not accepted: use a number from 0.001 to 10`);
    this._speed = Math.min(10, Math.max(0.001, x));
    this.$('.speed-in').value = String(Math.log10(this._speed));
    const s = this._speed;
    this.$('.speed-out').textContent = `${s >= 1 ? +s.toFixed(1) : s >= 0.01 ? +s.toFixed(2) : '1/' + Math.round(1 / s)}×`;
  }
  /** Advance every playground by ms of simulated time (workload, waits and pauses included). */
  advance(ms) {
    this._advanceBy(Math.max(0, Math.floor(Number(ms) || 0)));
    this._summary(true); // the animation loop refreshes it 4 times a second; a script sees it now
    return this.now;
  }

  /** Load a tutorial (object or JSON text) and enter its first step. Resolves when shown. */
  async load(spec, src = 'tutorial') {
    const gen = ++this._gen;
    this._stopLoop();
    this._playing = false;
    this._syncBar();
    this._state('loading');
    this.log = [];
    this.marks = [];
    this.stepIdx = -1;
    this.w = null;
    this._highlight(undefined);
    for (const s of ['.err', '.narr', '.bar', '.summary']) this.$(s).hidden = true;
    this.$('.title').hidden = true;
    for (const p of this.pgs) p.el.remove();
    this.pgs = [];
    this.$('.stage').replaceChildren();
    let t;
    try {
      t = parseTutorial(spec, src);
    } catch (e) {
      return this._fail(e, gen);
    }
    this.spec = t;
    try {
      await this._build(t, gen);
      if (gen !== this._gen) return;
      await this._enter(0);
    } catch (e) {
      return this._fail(e, gen);
    }
    this._readyResolve();
  }

  /** Show a message instead of a tutorial (e.g. a page given a bad tutorial name). */
  showError(message) { this._gen++; this._fail(new Error(message), this._gen); }

  _fail(e, gen) {
    if (gen !== this._gen) return;
    const box = this.$('.err');
    box.textContent = `${this.localName}: ${e.message}`;
    box.hidden = false;
    this._state('error');
    this._readyResolve();
  }

  _state(s) { this.dataset.state = s; }

  // ---- building the stage -----------------------------------------------------------------------
  async _build(t, gen) {
    const title = this.$('.title');
    title.textContent = t.title || '';
    title.hidden = !t.title || this._free;
    this.speed = t.speed ?? 0.2;
    const stage = this.$('.stage');
    stage.classList.toggle('two', t.playgrounds.length > 1);
    // Scenario texts first (they say which wasm bundle each element needs).
    const texts = await Promise.all(t.playgrounds.map((p) => this._scenarioText(p.scenario, p.seed)));
    if (gen !== this._gen) return;
    t.playgrounds.forEach((p, i) => {
      const fig = document.createElement('figure');
      const cap = document.createElement('figcaption');
      cap.textContent = p.label || p.id;
      const el = document.createElement('cap-playground');
      const o = JSON.parse(texts[i]);
      if (PROTOCOLS.includes(o.protocol)) el.setAttribute('protocol', o.protocol);
      if (Number.isInteger(o.nodes)) el.setAttribute('nodes', String(o.nodes));
      el.setAttribute('paused', '');
      el.setAttribute('controls', 'false');
      if (this.hasAttribute('theme')) el.setAttribute('theme', this.getAttribute('theme'));
      el.dataset.pg = p.id;
      fig.append(cap, el);
      stage.append(fig);
      const pg = { id: p.id, i, el, base: texts[i], cur: texts[i], label: p.label || p.id };
      this.pgs.push(pg);
      this._listen(pg);
    });
    this.$('.bar').hidden = false;
    this.$('.summary').hidden = !t.compare;
    await Promise.all(this.pgs.map((p) => p.el.ready));
    await this._reloadAll();
  }

  /** JSON text of a scenario given by name, URL or object; `seed` overrides its seed. */
  async _scenarioText(ref, seed) {
    let text;
    if (typeof ref === 'object') text = JSON.stringify(ref);
    else {
      const url = /\.json([?#].*)?$/i.test(ref) ? new URL(ref, this._base()) : new URL(`./scenarios/${ref}.json`, import.meta.url);
      if (!this._scenCache.has(url.href)) {
        const p = fetch(url).then((r) => { if (!r.ok) throw new Error(`HTTP ${r.status}`); return r.text(); });
        this._scenCache.set(url.href, p);
        p.catch(() => this._scenCache.delete(url.href));
      }
      try {
        text = await this._scenCache.get(url.href);
      } catch (e) {
        throw new Error(`scenario "${ref}" could not be loaded (${e.message}). Accepted: a file name from scenarios/ (e.g. "raft-basic"), a URL ending in .json, or a scenario object.`);
      }
    }
    let o;
    try { o = JSON.parse(text); } catch (e) { throw new Error(`scenario "${ref}" is not valid JSON (${e.message})`); }
    if (seed !== undefined) o.seed = seed;
    return JSON.stringify(o);
  }
  _base() { return document.baseURI; }

  /** Restart every playground from its current scenario at t = 0 (the clock is shared). */
  async _reloadAll() {
    this._busy++;
    try {
      for (const p of this.pgs) {
        try {
          await p.el.loadScenario(p.cur);
        } catch (e) {
          throw new Error(`playground "${p.id}": ${e.message}`);
        }
      }
    } finally { this._busy--; }
    this.now = 0;
    this._acc = 0;
    const wl = this.spec.workload;
    this._wlNext = wl ? wl.start_ms ?? 500 : Infinity;
    this._wlK = 0;
    this._clock();
    this._summary(true);
  }

  // ---- the reader's inputs ---------------------------------------------------------------------
  _listen(pg) {
    const el = pg.el;
    el.addEventListener('partition-change', (ev) => {
      if (this._busy) return;
      const groups = ev.detail.groups;
      const a = { do: 'gesture', on: pg.id, groups };
      this._record(a);
      this._mirror(pg, groups);
      this.w?.reader.push({ pg: pg.i, healed: groups.length <= 1 });
      this._afterInput();
    });
    el.addEventListener('leader-elected', () => this.w?.leaders.add(pg.i));
    el.addEventListener('client-op-complete', (ev) => this.w?.ops.push({ pg: pg.i, ...ev.detail }));
    el.addEventListener('spacetime-select', (ev) => { if (this.w) { this.w.arrows.push({ pg: pg.i, ...ev.detail }); this._checkWait(); } });
    // Crashes, restarts and client moves from the element's own panels: compare before and after.
    for (const type of ['click', 'pointerup', 'keydown']) {
      el.addEventListener(type, () => { if (!this._busy && el.pg) this._snap = [pg, this._facts(el)]; }, true);
      el.addEventListener(type, () => this._diffFacts(pg));
    }
    // Space inside a diagram toggles the stage's clock, not one element's own loop.
    el.addEventListener('keydown', (ev) => {
      const t = ev.composedPath()[0];
      if (ev.key === ' ' && !/^(INPUT|BUTTON|SELECT|TEXTAREA|SUMMARY)$/.test(t?.tagName || '')) {
        ev.stopPropagation();
        ev.preventDefault();
        this._playing ? this.pause() : this.play();
      }
    }, true);
    el.addEventListener('pointermove', () => this._placeHlSoon());
  }

  _facts(el) {
    const f = el.state();
    return { alive: f.nodes.map((n) => n.alive), attach: f.clients.map((c) => c.node) };
  }
  _diffFacts(pg) {
    const s = this._snap;
    this._snap = null;
    if (!s || s[0] !== pg || this._busy || !pg.el.pg) return;
    const before = s[1], after = this._facts(pg.el);
    let any = false;
    after.alive.forEach((a, n) => { if (a !== before.alive[n]) { this._record({ do: a ? 'restart' : 'crash', on: pg.id, node: n }); any = true; } });
    after.attach.forEach((n, c) => { if (n !== before.attach[c]) { this._record({ do: 'moveClient', on: pg.id, client: c, node: n }); any = true; } });
    if (any) this._afterInput();
  }

  _record(a) { this.log.push({ at: this.now, a }); }

  /** Compare mode: the same partition, by node and client index, on the other cluster(s). */
  _mirror(src, groups) {
    if (!this.spec?.compare) return;
    this._busy++;
    try {
      for (const p of this.pgs) {
        if (p === src) continue;
        const f = p.el.state();
        const have = new Set([...f.nodes.map((n) => 'n' + n.id), ...f.clients.map((c) => 'c' + c.id)]);
        const g = groups.map((gr) => gr.filter((m) => have.has(m)));
        if (groups.length <= 1 || g.filter((gr) => gr.length).length <= 1) { if (f.groups.length > 1 || f.cuts.length) p.el.heal(); }
        else p.el.setPartition(g);
      }
    } finally { this._busy--; }
  }

  _afterInput() {
    this._checkWait();
    this._summary(true);
    this._placeHl();
  }

  // ---- applying actions ------------------------------------------------------------------------
  _pgsFor(on) { return on === undefined ? this.pgs : this.pgs.filter((p) => p.id === on); }

  /** Apply one action (a script action or a logged reader input). */
  async _exec(a) {
    switch (a.do) {
      case 'play': if (!this._replaying) this.play(); else this._playing = true; return;
      case 'pause': if (!this._replaying) this.pause(); else this._playing = false; return;
      case 'speed': this.speed = a.value; return;
      case 'advance': this._advanceBy(a.ms); return;
      case 'loadScenario': {
        const text = await this._scenarioText(a.scenario, a.seed);
        for (const p of this._pgsFor(a.on)) p.cur = text;
        await this._reloadAll();
        return;
      }
    }
    this._busy++;
    try {
      if (a.do === 'gesture') {
        const src = this.pgs.find((p) => p.id === a.on);
        if (a.groups.length <= 1) src.el.heal(); else src.el.setPartition(a.groups);
        this._mirror(src, a.groups);
        return;
      }
      for (const p of this._pgsFor(a.on)) {
        const el = p.el;
        try {
          switch (a.do) {
            case 'setPartition': el.setPartition(a.groups); break;
            case 'heal': el.heal(); break;
            case 'crash': case 'restart': case 'timeout': el[a.do](a.node); break;
            case 'submit': el.submit(a.op); break;
            case 'configure': el.configure(a.config); break;
            case 'apply': el.apply(a.action); break;
            case 'moveClient': el.moveClient(a.client, a.node); break;
            case 'openPanel': await el.openPanel(a.panel, a.open ?? true); break;
            case 'pointMessage': {
              const panel = await el.openPanel('spacetime', true);
              if (a.span) { const t = el.state().now; panel.setView(t - a.span / 2, t + a.span / 2); }
              if (!panel.point({ kind: a.kind, from: a.from, to: a.to, after: a.after })) {
                throw new Error(`no message ${[a.kind, a.from && 'from ' + a.from, a.to && 'to ' + a.to, a.after != null && 'after ' + a.after + ' ms'].filter(Boolean).join(' ')} in the space-time record`);
              }
              break;
            }
          }
        } catch (e) {
          throw new Error(`${a.do} on "${p.id}": ${e.message}`);
        }
      }
    } finally { this._busy--; }
  }

  // ---- the clock ----------------------------------------------------------------------------------
  _startLoop() {
    if (this._raf || !this._playing || !this.isConnected || this._replaying || !this.pgs.length) return;
    this._lastTs = null;
    this._raf = requestAnimationFrame(this._tick);
  }
  _stopLoop() { if (this._raf) cancelAnimationFrame(this._raf); this._raf = 0; }
  _tick(ts) {
    this._raf = 0;
    const dt = this._lastTs == null ? 0 : Math.min(ts - this._lastTs, 50);
    this._lastTs = ts;
    this._acc += dt * this._speed;
    const whole = Math.floor(this._acc);
    if (whole >= 1) {
      this._acc -= whole;
      try { this._advanceBy(whole); } catch (e) { this._fail(e, this._gen); this._playing = false; }
    }
    if (this._playing && this.isConnected && !document.hidden) this._raf = requestAnimationFrame(this._tick);
  }

  /**
   * Advance every playground by ms, in lockstep, stopping exactly at each workload time (to send
   * the operations) and at a pending "time" wait (so the step ends at the same moment every run).
   */
  _advanceBy(ms) {
    const target = this.now + ms;
    while (this.now < target) {
      let next = Math.min(target, this._wlNext);
      const w = this.w;
      if (w && !w.done && w.spec.for === 'time' && w.spec.at > this.now) next = Math.min(next, w.spec.at);
      const d = next - this.now;
      if (d > 0) {
        this._busy++;
        try { for (const p of this.pgs) p.el.advance(d); } finally { this._busy--; }
        this.now = next;
      }
      if (this.now >= this._wlNext) this._workload();
      if (!this._replaying) {
        this._checkWait();
        if (!this._playing && w && w.done && w.spec.pause && this.w === w && w.pausedAt === this.now) break;
      }
    }
    this._clock();
    if (!this._replaying) { this._summary(false); this._placeHl(); }
  }

  /** The shared workload: operation k of client c is a pure function of (seed, k, c). */
  _workload() {
    const wl = this.spec.workload;
    const k = this._wlK++;
    this._wlNext += wl.interval_ms ?? 300;
    const rw = wl.read ?? 1, ww = wl.write ?? 1, cw = wl.cas ?? 0, keys = wl.keys ?? 1, seed = wl.seed ?? 1;
    const max = wl.clients ?? Infinity;
    this._busy++;
    try {
      for (const p of this.pgs) {
        const f = p.el.state();
        for (const c of f.clients) {
          if (c.id >= max || c.pending) continue;
          const h = mix(seed ^ mix(k * 0x9e3779b1 + c.id * 0x85ebca6b + 1));
          const r = h % (rw + ww + cw), key = 'xyz'[(h >>> 8) % keys];
          const value = k * 8 + c.id + 1; // unique, so a read of an overwritten value is recognisable
          const op = r < rw ? { f: 'read', key } : r < rw + ww ? { f: 'write', key, value } : { f: 'cas', key, from: value - 8, to: value };
          p.el.submit({ client: c.id, ...op });
        }
      }
    } finally { this._busy--; }
  }

  _clock() { this.$('.clock').textContent = `t = ${(this.now / 1000).toFixed(3)} s`; }
  _syncBar() {
    const b = this.$('.play');
    b.textContent = this._playing ? '❚❚ pause' : '▶ play';
    b.setAttribute('aria-label', this._playing ? 'pause' : 'play');
    b.setAttribute('aria-pressed', String(this._playing));
  }

  // ---- steps ---------------------------------------------------------------------------------------
  /** Enter step k at the current state: run its actions, set up its wait and highlights. */
  async _enter(k) {
    const steps = this.spec.steps;
    if (k >= steps.length) return this._finish();
    const s = steps[k];
    this.stepIdx = k;
    this.marks[k] = { at: this.now, logLen: this.log.length, playing: this._playing };
    this.marks.length = k + 1;
    // Until its actions are done (some load a panel: they take a while), a step with a wait shows
    // it waiting, never ready; events meanwhile are kept for nothing (`entering`).
    this.w = s.wait ? { spec: s.wait, done: false, entering: true, leaders: new Set(), reader: [], ops: [], arrows: [] } : null;
    this._narrate(k);
    for (const a of s.actions || []) {
      this._record(a);
      await this._exec(a);
    }
    this._startWait(s.wait);
    this._highlight(s.highlight);
    this._summary(true);
  }

  _finish() {
    this.stepIdx = this.spec.steps.length;
    this.w = null;
    this._highlight(undefined);
    this._narrate(null);
    this._state('done');
    if (!this._playing) this.play(); // the reader's turn: the clusters keep running
  }

  /** Go back to the start of step k: reload and replay the log up to the moment it began. */
  async _rewind(k) {
    const m = this.marks[k];
    if (!m) return;
    const gen = this._gen;
    const keep = this.log.slice(0, m.logLen);
    this._stopLoop();
    this._highlight(undefined);
    this._state('loading');
    this._replaying = true;
    this.w = null;
    try {
      for (const p of this.pgs) p.cur = p.base;
      this._playing = false;
      await this._reloadAll();
      this.log = [];
      for (const e of keep) {
        if (e.at > this.now) this._advanceBy(e.at - this.now);
        this.log.push(e);
        await this._exec(e.a);
        if (gen !== this._gen) return;
      }
      if (m.at > this.now) this._advanceBy(m.at - this.now);
    } finally {
      this._replaying = false;
    }
    this._playing = m.playing;
    this._syncBar();
    this._clock();
    await this._enter(k);
    if (this._playing) this._startLoop();
  }

  _narrate(k) {
    const t = this.spec, n = t.steps.length, narr = this.$('.narr');
    narr.hidden = this._free;
    if (this._free) return;
    if (k == null) {
      this.$('.count').textContent = `done · ${n} of ${n} steps`;
      this.$('.text').textContent = t.end || 'That is the end of the tutorial. The playground is yours now: drag servers across the line, click one to crash or restart it, heal, and watch the scoreboard.';
      this.$('.wait').textContent = '';
    } else {
      this.$('.count').textContent = `step ${k + 1} of ${n}`;
      this.$('.text').textContent = t.steps[k].text;
    }
    this.dataset.step = String(k == null ? n : k);
    this._nav();
  }

  _startWait(spec) {
    if (!spec) { this.w = null; this._nav(); return; }
    const base = this.pgs.map((p) => {
      const f = p.el.state();
      return { stale: f.consistency?.stale_reads ?? 0, viol: f.violations?.length ?? 0, violation: verdictOf(f) === 'violation' };
    });
    this.w = { spec, done: false, leaders: new Set(), reader: [], ops: [], arrows: [], base };
    this._nav();
    this._checkWait();
  }

  _checkWait() {
    const w = this.w;
    if (!w || w.done || w.entering) return;
    const idx = w.spec.on === undefined ? this.pgs.map((p) => p.i) : [this.pgs.find((p) => p.id === w.spec.on).i];
    if (!idx.some((i) => this._holds(w, i))) return;
    w.done = true;
    if (w.spec.pause) { this.pause(); w.pausedAt = this.now; }
    this._nav();
  }

  /** Does the step's wait hold on playground i now? */
  _holds(w, i) {
    const s = w.spec, el = this.pgs[i].el;
    const client = s.client === undefined ? null : memberIndex(s.client);
    switch (s.for) {
      case 'time': return this.now >= s.at;
      case 'partition': return w.reader.some((r) => r.pg === i && r.healed === !!s.healed);
      // An update that took effect: not a read, and not a compare-and-set that found another value.
      case 'commit': return w.ops.some((o) => o.pg === i && o.outcome === 'ok' && (client == null || o.client === client)
        && !o.label.startsWith('read ') && o.result === 'ok');
      case 'op': return w.ops.some((o) => o.pg === i && (client == null || o.client === client)
        && (!s.f || o.label.startsWith(s.f + ' ')) && (!s.outcome || o.outcome === s.outcome));
      case 'leader': {
        if (s.new && !w.leaders.has(i)) return false;
        const f = el.state();
        const leaders = f.nodes.filter((n) => n.alive && LEADER_ROLES.has(n.role));
        if (s.side === undefined) return leaders.length > 0;
        let side = s.side;
        if (typeof side === 'string') {
          const count = new Map();
          for (const n of f.nodes) count.set(n.side, (count.get(n.side) || 0) + 1);
          const half = f.nodes.length / 2;
          return leaders.some((n) => (side === 'majority' ? count.get(n.side) > half : count.get(n.side) < half));
        }
        return leaders.some((n) => n.side === side);
      }
      case 'arrow': return w.arrows.some((a) => a.pg === i && (s.kind == null || a.kind === s.kind) && (s.from == null || a.from === s.from)
        && (s.to == null || a.to === s.to) && (s.after == null || a.sent >= s.after));
      case 'stale': {
        const f = el.state(), b = w.base[i];
        return (f.consistency?.stale_reads ?? 0) > b.stale || (f.violations?.length ?? 0) > b.viol
          || (!b.violation && verdictOf(f) === 'violation');
      }
    }
    return false;
  }

  _nav() {
    if (this._free) return;
    const k = this.stepIdx, n = this.spec.steps.length, done = k >= n;
    const next = this.$('.next'), back = this.$('.back'), wait = this.$('.wait');
    back.disabled = k <= 0 && !done;
    next.hidden = done;
    const ok = !this.w || this.w.done;
    next.disabled = !ok;
    next.textContent = k === n - 1 ? 'finish ✓' : 'next ▶';
    if (!done && this.w) {
      const labelOf = (id) => this.pgs.find((p) => p.id === id)?.label || id;
      wait.textContent = `${ok ? '✓ ' : 'Waiting until '}${describeWait(this.w.spec, labelOf)}${ok ? '.' : '…'}`;
      wait.className = ok ? 'wait done' : 'wait';
    } else if (!done) { wait.textContent = ''; wait.className = 'wait'; }
    if (!done) this._state(ok ? 'ready' : 'waiting');
  }

  // ---- highlights ------------------------------------------------------------------------------
  _highlight(h) {
    const list = h === undefined ? [] : Array.isArray(h) ? h : [h];
    const out = [];
    for (const x of list) {
      if (x.control !== undefined) { out.push({ x, pg: null }); continue; }
      for (const p of this._pgsFor(x.on)) out.push({ x, pg: p });
    }
    this._hl = out;
    const layer = this.$('.hls');
    layer.replaceChildren(...out.map(({ x, pg }) => {
      const d = document.createElement('div');
      d.className = 'hl';
      const kind = Object.keys(x).find((k) => k !== 'on');
      d.dataset.highlight = `${pg ? pg.id + ':' : ''}${kind}=${x[kind]}`;
      return d;
    }));
    this._placeHl();
  }

  _hlTarget({ x, pg }) {
    if (x.control !== undefined) {
      const own = CONTROLS.includes(x.control) ? this.shadowRoot.querySelector(`[data-action="${x.control}"]`) : null;
      if (own) return own;
      for (const p of this.pgs) {
        const b = p.el.shadowRoot.querySelector(`[data-action="${CSS.escape(x.control)}"]`);
        if (b && b.getClientRects().length) return b;
      }
      return null;
    }
    const r = pg.el.shadowRoot;
    if (x.node !== undefined) {
      return x.node === 'leader' ? r.querySelector('[data-node-id][data-role="leader"],[data-node-id][data-role="leading"]')
        : r.querySelector(`[data-node-id="n${memberIndex(x.node)}"]`);
    }
    if (x.client !== undefined) return r.querySelector(`[data-client-id="c${memberIndex(x.client)}"]`);
    switch (x.target) {
      case 'partition-line': return r.querySelector('[data-partition-line] .vis');
      case 'scoreboard': return r.querySelector('.score')?.parentElement;
      case 'verdict': return r.querySelector('.cons');
      case 'log': return r.querySelector('.logwrap');
      case 'diagram': return r.querySelector('svg.diagram');
      case 'clock': return this.$('.clock');
      case 'spacetime': return r.querySelector('section.st .st-box');
    }
    return null;
  }

  _placeHlSoon() {
    if (!this._hl.length || this._hlRaf) return;
    this._hlRaf = requestAnimationFrame(() => { this._hlRaf = 0; this._placeHl(); });
  }
  _placeHl() {
    if (!this._hl.length) return;
    const o = this.$('.tut').getBoundingClientRect();
    const boxes = this.$('.hls').children;
    this._hl.forEach((h, i) => {
      const el = this._hlTarget(h), d = boxes[i];
      const r = el?.getBoundingClientRect();
      if (!r || (!r.width && !r.height)) { d.hidden = true; return; }
      d.hidden = false;
      const pad = 6;
      d.style.left = `${r.left - o.left - pad}px`;
      d.style.top = `${r.top - o.top - pad}px`;
      d.style.width = `${r.width + 2 * pad}px`;
      d.style.height = `${r.height + 2 * pad}px`;
    });
  }

  // ---- compare summary ---------------------------------------------------------------------------
  _summary(force) {
    if (!this.spec?.compare || !this.pgs.length) return;
    const t = performance.now();
    if (!force && t < (this._sumAt || 0)) return;
    this._sumAt = t + 250;
    const body = this.$('.summary tbody');
    if (body.rows.length !== this.pgs.length) {
      body.replaceChildren(...this.pgs.map((p) => {
        const tr = document.createElement('tr');
        tr.dataset.pg = p.id;
        for (let j = 0; j < 5; j++) tr.append(document.createElement(j ? 'td' : 'th'));
        tr.cells[0].textContent = p.label;
        return tr;
      }));
    }
    this.pgs.forEach((p, i) => {
      if (!p.el.pg) return;
      const f = p.el.state(), tr = body.rows[i];
      const cell = (j, s) => {
        const c = tr.cells[j];
        if (!s) { c.textContent = f.groups.length > 1 ? '—' : j === 2 ? '(no partition)' : '—'; c.className = ''; return; }
        const av = s.availability;
        c.textContent = `${av == null ? '—' : Math.round(av) + '%'} available · ✓${s.ok} ✕${s.failed} ?${s.unknown}`;
        c.className = av == null ? '' : av < 50 ? 'down' : av >= 80 ? 'up' : '';
      };
      cell(1, f.sides?.[0]);
      cell(2, f.groups.length > 1 ? f.sides?.[1] : null);
      tr.cells[3].textContent = String(f.consistency?.stale_reads ?? 0);
      tr.cells[3].className = f.consistency?.stale_reads ? 'down' : '';
      const v = verdictOf(f);
      tr.cells[4].textContent = v === 'linearizable_so_far' ? '✓ linearizable so far' : v === 'violation' ? '✕ violation' : v === 'unknown' ? '? unknown' : 'not checked';
      tr.cells[4].className = v === 'violation' ? 'down' : v === 'linearizable_so_far' ? 'up' : '';
      tr.dataset.stale = String(f.consistency?.stale_reads ?? 0);
      tr.dataset.verdict = v || '';
    });
  }

  // ---- wiring ------------------------------------------------------------------------------------
  _wire() {
    const root = this.shadowRoot;
    this.$('.speed-in').addEventListener('input', (ev) => { this.speed = 10 ** Number(ev.target.value); });
    root.addEventListener('click', (ev) => {
      const b = ev.target.closest('button[data-action]');
      if (!b || b.disabled || !this.pgs.length) return;
      const act = b.dataset.action;
      this._serial(async () => {
        switch (act) {
          case 'play': return this._playing ? this.pause() : this.play();
          case 'step': return this._advanceBy(10);
          case 'heal': return this._readerHeal();
          case 'reset': return this.restartStep();
          case 'next': return this.next();
          case 'back': return this.back();
        }
      });
    });
  }

  /** Run UI actions one at a time (a replay must not interleave with another click). */
  _serial(fn) {
    this._chain = (this._chain || Promise.resolve()).then(fn).catch((e) => this._fail(e, this._gen));
    return this._chain;
  }

  _readerHeal() {
    const a = { do: 'heal' };
    this._record(a);
    this._busy++;
    try { for (const p of this.pgs) { const f = p.el.state(); if (f.groups.length > 1 || f.cuts.length) p.el.heal(); } } finally { this._busy--; }
    this.w?.reader.push(...this.pgs.map((p) => ({ pg: p.i, healed: true })));
    this._afterInput();
  }

  /** Next step (when the current step's wait is satisfied). */
  next() {
    if (!this.spec || this.stepIdx >= this.spec.steps.length || !this.waitDone) return Promise.resolve(false);
    if (this.w?.pausedAt != null) this.play(); // a wait's "pause" holds the picture until Next
    return this._enter(this.stepIdx + 1).then(() => true);
  }
  /** Back to the start of the previous step (replayed deterministically); from the end, the last step. */
  back() {
    if (!this.spec) return Promise.resolve(false);
    const n = this.spec.steps.length, k = this.stepIdx >= n ? n - 1 : this.stepIdx - 1;
    if (k < 0) return Promise.resolve(false);
    return this._rewind(k).then(() => true);
  }
  /** Replay to the start of the current step. */
  restartStep() {
    if (!this.spec) return Promise.resolve(false);
    if (this._free) return this._rewind(0).then(() => { this._finish(); return true; }); // start over
    return this._rewind(Math.min(this.stepIdx, this.spec.steps.length - 1)).then(() => true);
  }
}

/** <cap-tutorial src="tutorials/NAME.json">: a scripted walk through one or two playgrounds. */
class CapTutorial extends StageElement {
  static observedAttributes = ['src'];
  attributeChangedCallback(name, old, val) {
    if (name !== 'src' || old === val || val == null) return;
    const url = new URL(val, document.baseURI);
    this._srcUrl = url;
    const token = (this._srcToken = (this._srcToken || 0) + 1);
    fetch(url).then((r) => { if (!r.ok) throw new Error(`HTTP ${r.status}`); return r.text(); }).then(
      (text) => { if (token === this._srcToken) this.load(text, val); },
      (e) => {
        if (token !== this._srcToken) return;
        this._fail(new Error(`${val}: could not be loaded (${e.message}). Accepted: the URL of a tutorial JSON file, e.g. tutorials/cap-in-one-drag.json.`), this._gen);
      },
    );
  }
  _base() { return this._srcUrl?.href || document.baseURI; }
}

/** A protocol's caption in <cap-compare>: its name, and whether it promises linearizability (the CP side of the trade-off). */
const caption = (name) => { const p = MANIFEST.find((x) => x.name === name); return `${p.label} — ${p.linearizable ? 'CP' : 'not linearizable'}`; };
/** Protocol → the settings of its inline scenario in <cap-compare>. */
const CONFIG = {
  dynamo: { n: 3, r: 2, w: 2, vnodes: 4, sloppy_quorum: true, hinted_handoff: true, last_writer_wins: false, read_repair: true, anti_entropy_ms: 500 },
};

/**
 * <cap-compare left="raft" right="dynamo" seed="3" nodes="5" speed="0.2">: two clusters, one
 * partition gesture, one workload, scoreboards side by side. No narration.
 */
class CapCompare extends StageElement {
  static observedAttributes = ['left', 'right', 'seed', 'nodes', 'speed'];
  connectedCallback() {
    super.connectedCallback();
    if (!this._queued && !this.spec) this._queue();
  }
  attributeChangedCallback() { if (this.isConnected) this._queue(); }
  _queue() {
    if (this._queued) return;
    this._queued = true;
    queueMicrotask(() => { this._queued = false; this._start(); });
  }
  async _start() {
    this._free = true;
    const left = (this.getAttribute('left') || 'raft').trim(), right = (this.getAttribute('right') || 'dynamo').trim();
    const seed = Number(this.getAttribute('seed') ?? 3), nodes = Number(this.getAttribute('nodes') ?? 5);
    const speed = Number(this.getAttribute('speed') ?? 0.2);
    const problems = [];
    for (const [k, v] of [['left', left], ['right', right]]) if (!PROTOCOLS.includes(v)) problems.push(`${k}="${v}" is not a protocol. Accepted: ${PROTOCOLS.join(', ')}.`);
    if (!Number.isInteger(seed) || seed < 0) problems.push(`seed="${this.getAttribute('seed')}" is not accepted: use a whole number.`);
    if (!Number.isInteger(nodes) || nodes < 2 || nodes > 9) problems.push(`nodes="${this.getAttribute('nodes')}" is not accepted: use a whole number from 2 to 9.`);
    if (!(speed >= 0.001 && speed <= 10)) problems.push(`speed="${this.getAttribute('speed')}" is not accepted: use a number from 0.001 to 10.`);
    if (problems.length) return this._fail(new Error(problems.join(' ')), ++this._gen);
    const reset = this.$('.reset');
    reset.textContent = 'restart';
    reset.title = 'start both clusters again from t = 0';
    const far = Math.floor(nodes / 2) + (nodes > 2 ? 1 : 0);
    const scen = (protocol) => ({
      name: `${protocol}, compared`, protocol, nodes, seed,
      ...(CONFIG[protocol] ? { config: CONFIG[protocol] } : {}),
      clients: [{ node: 0, timeout_ms: 800 }, { node: Math.min(far, nodes - 1), timeout_ms: 800 }],
    });
    await this.load({
      title: `${caption(left)} and ${caption(right)}, side by side`,
      compare: true,
      speed,
      playgrounds: [{ id: 'left', label: caption(left), scenario: scen(left) }, { id: 'right', label: caption(right), scenario: scen(right) }],
      workload: { interval_ms: 250, read: 1, write: 1, keys: 1, start_ms: 500, seed },
      steps: [{ text: 'free play' }],
    }, this.localName);
    if (this.dataset.state === 'error') return;
    this._finish();
  }
}

if (!customElements.get('cap-tutorial')) customElements.define('cap-tutorial', CapTutorial);
if (!customElements.get('cap-compare')) customElements.define('cap-compare', CapCompare);
export { CapTutorial, CapCompare, StageElement };
