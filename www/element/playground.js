// The <cap-playground> custom element: its lifecycle (attributes → a run), the animation loop, the
// gestures and the public JS API. Everything it draws is delegated: the diagram to the renderer
// (render/renderer.js), each protocol's glyphs, strip, node panel, controls and legend to the
// protocol's view (protocols/<view>.js, loaded with its wasm bundle), the rest to the panels
// (panels/index.js). Its contract (attributes, DOM hooks, events, API) is documented at the top of
// www/cap-playground.js, the module embedders load.
import { CSS, HTML } from './styles.js';
import { adoptStyles, sizeObserver } from './host.js';
import { attachDrag } from './drag.js';
import { Layout } from './layout.js';
import { NAMES, BUNDLE_OF, loadWasm, loadRest, isRestIn, hasFullApi, isLoaded, viewOf, appUrl } from './wasm.js';
import { Renderer } from '../render/renderer.js';
import { W, H, sideOf, spotsOnSide, clampPt, clampClient, clamp } from '../render/geometry.js';
import { A, T, h, adoptCss, family } from '../render/draw.js';
import { PANELS } from '../panels/index.js';
import { shareKey, hashPairs } from '../panels/travel.js';
import { frameOf, lightFrameOf } from './frames.js';

/** The scenario library (www/scenarios/<name>.json). */
export const SCENARIOS = ['raft-basic', 'raft-leader-crash', 'raft-minority-partition', 'raft-figure-8', 'bench-raft',
  'paxos-basic', 'paxos-dueling-proposers', 'multipaxos-leader-failover', 'multipaxos-minority-partition',
  'dynamo-partition-both-sides-write', 'dynamo-strict-quorum', 'dynamo-hinted-handoff', 'dynamo-lww-lost-write',
  'zab-election', 'zab-follower-behind-diff', 'zab-truncate-uncommitted', 'zab-stale-local-read',
  '2pc-happy', '2pc-participant-votes-no', '2pc-coordinator-crash', '2pc-partition-during-prepare',
  '3pc-happy', '3pc-coordinator-crash', '3pc-partition-split'];
const DEFAULT_SPEED = 0.1;

/**
 * Start loading, at module evaluation rather than when the first element connects (first frame
 * budget: 250 ms), the bundles of the elements already in the page (a module script runs after
 * parsing), Raft when there are none yet; an element with a scenario names its protocol only in the file.
 */
export function preload() {
  const els = [...document.querySelectorAll('cap-playground')];
  const want = new Map(); // "bundle" or "bundle full" → [bundle, full]
  for (const e of els) {
    // One opening a share link from the fragment: the link's protocol, with the full API (fromShare).
    const k = shareKey(e), link = k == null ? null : hashPairs().get(k);
    const lp = link?.split('.')[1], ep = (e.getAttribute('protocol') ?? 'raft').trim();
    const b = link != null ? (Object.hasOwn(BUNDLE_OF, lp) ? BUNDLE_OF[lp] : null) : e.hasAttribute('scenario') || !Object.hasOwn(BUNDLE_OF, ep) ? null : BUNDLE_OF[ep];
    const full = link != null || (e.getAttribute('view') ?? '').trim() === 'spacetime'; // the space-time panel: the full API too
    if (b) want.set(`${b}${full ? ' full' : ''}`, [b, full]);
  }
  if (!els.length) want.set('raft', ['raft', false]);
  for (const [b, full] of want.values()) loadWasm(b, full).catch(() => { /* the element says what went wrong when it connects */ });
}

/** The protocol a scenario's JSON text names: a string, or null when the text is not JSON. */
function scenarioProtocol(text) {
  let o;
  try { o = JSON.parse(text); } catch { return null; }
  return String(o?.protocol ?? '');
}
const protocolError = (where, proto) => `cap-playground: ${where}protocol="${proto}" is not available. Accepted protocols: ${NAMES.join(', ')}.`;

/** A panic poisons an instance: the trap, or wasm-bindgen's guard on the half-borrowed handle. */
const isFatal = (e) => e instanceof WebAssembly.RuntimeError || /recursive use of an object|null pointer passed to rust|unreachable/i.test(e?.message || '');

/** Equal arrays of arrays of strings (partition groups, cuts)? */
function sameLists(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i], y = b[i];
    if (x.length !== y.length) return false;
    for (let j = 0; j < x.length; j++) if (x[j] !== y[j]) return false;
  }
  return true;
}

function nodeIndex(id) {
  const m = /^n?(\d+)$/.exec(String(id).trim());
  if (!m) throw new Error(`"${id}" is not a server id: use a number (2) or "n2"`);
  return +m[1];
}
function clientIndex(id) {
  const m = /^c?(\d+)$/.exec(String(id).trim());
  if (!m) throw new Error(`"${id}" is not a client id: use a number (0) or "c0"`);
  return +m[1];
}

/** The element. */
export class CapPlayground extends HTMLElement {
  static observedAttributes = ['protocol', 'nodes', 'seed', 'scenario', 'speed', 'theme', 'view'];

  constructor() {
    super();
    const root = this.attachShadow({ mode: 'open' });
    root.innerHTML = adoptStyles(root, CSS) + HTML; // static markup; a constructed stylesheet: allowed under a strict CSP
    const found = new Map(); // the template is static: look each selector up once
    const $ = (s) => { let e = found.get(s); if (e === undefined) found.set(s, (e = root.querySelector(s))); return e; };
    this.$ = $;
    this.svg = $('.diagram');
    this.svg.setAttribute('tabindex', '-1');
    this.renderer = new Renderer(this.svg);
    this.pg = null;
    this._fast = false; // running on the speed-built bundle (_adoptFast)
    /** False keeps long replays on the page's bundle (no download of pkg/<bundle>-fast/). */
    this.fastReplays = true;
    this.f = null;
    this.layout = new Layout(0);
    this.view = null; // the protocol's view module (protocols/<view>.js) …
    this.vi = null; // … and its instance in this element (its controls, its strip)
    this._paused = false;
    this._speed = DEFAULT_SPEED;
    this._acc = 0;
    this._raf = 0;
    this._token = 0;
    this._narrow = false;
    this._reduced = matchMedia('(prefers-reduced-motion: reduce)');
    this.metrics = { frames: 0, lastFrameMs: 0, frameTimes: new Float64Array(240), frameIndex: 0, firstFrameMs: null, simTimeMs: 0 };
    this.ready = new Promise((r) => { this._readyResolve = r; });
    this._tick = this._tick.bind(this);
    this._slowAt = 0;
    this._drawOpt = {};
    this._onVis = () => (document.hidden ? this._stopLoop() : this._startLoop());
    this._panels = PANELS.map((p) => [p.name, p.mount(this)]);
    this._panelsBy = new Map(this._panels);
    this._wire();
    this.speed = DEFAULT_SPEED;
    this._applySpeedAttr();
  }

  /** The time-travel panel (panels/travel.js). */
  get travel() { return this._panelsBy.get('travel'); }

  /** Call `hook` (with args) on every panel that has it. */
  _each(hook, ...args) {
    for (const [, p] of this._panels) if (p[hook]) p[hook](...args);
  }

  // ---- lifecycle ---------------------------------------------------------------------------
  connectedCallback() {
    document.addEventListener('visibilitychange', this._onVis);
    const $ = this.$;
    this._ro ??= sizeObserver(this, { wrap: $('.wrap'), bar: $('.bar'), svg: this.svg, probe: $('.probe'), below: [this.travel.box, $('.status')], watch: [$('.scen')] }, (narrow) => {
      if (narrow !== this._narrow) { this._narrow = narrow; if (!this._raf) this._draw(); }
    });
    this._ro.observe();
    this._applyThemeAttr();
    if (!this._started) {
      this._started = true;
      this._paused = this.hasAttribute('paused');
      this._rebuild();
    } else this._startLoop();
  }
  disconnectedCallback() {
    document.removeEventListener('visibilitychange', this._onVis);
    this._ro?.disconnect();
    this._stopLoop();
  }
  attributeChangedCallback(name, old, val) {
    if (name === 'speed') return this._applySpeedAttr();
    if (name === 'theme') return this._applyThemeAttr();
    if (name === 'view') return this._started && this._applyView();
    if (!this._started || old === val || this._rebuildQueued) return;
    this._rebuildQueued = true;
    queueMicrotask(() => { this._rebuildQueued = false; this._rebuild(); });
  }

  _rebuild() {
    const p = this._build();
    p.then(() => this._readyResolve?.());
    return p;
  }

  _applySpeedAttr() {
    const v = this.getAttribute('speed');
    if (v == null) return;
    const x = Number(v);
    if (!Number.isFinite(x) || x <= 0) { this._say(`speed="${v}" ignored: use a number from 0.001 to 10`, true); return; }
    this.speed = x;
  }

  /** theme is CSS only (styles.js); a value it does not know is said, and the system's theme used. */
  _applyThemeAttr() {
    const v = this.getAttribute('theme');
    if (v != null && !/^(light|dark|auto|)$/.test(v.trim())) this._say(`theme="${v}" ignored: use "light" or "dark" (or leave it out to follow the system)`, true);
  }

  /** Read the attributes, load wasm (and the scenario file), then create the run. */
  async _build() {
    const token = ++this._token;
    this._stopLoop();
    // A share link in the fragment (elements with `share`, first build or a new fragment only).
    if (!this._shareTried && shareKey(this)) {
      this._shareTried = true;
      if (await this.travel.openFromHash(token, loadWasm, BUNDLE_OF)) return;
      if (token !== this._token) return;
    }
    // The scenario file downloads while the wasm loads.
    const scen = this.getAttribute('scenario');
    let scenario = null;
    if (scen != null && scen.trim() !== '') {
      const name = scen.trim();
      let url;
      if (/\.json([?#].*)?$/i.test(name)) url = new URL(name, document.baseURI);
      else if (/^[\w.-]+$/.test(name)) url = appUrl(`./scenarios/${name}.json`);
      else return this._attrError(`cap-playground: scenario="${scen}" is not accepted: use a file name from scenarios/ (${SCENARIOS.join(', ')}) or a URL ending in .json.`);
      const text = fetch(url).then((r) => { if (!r.ok) throw new Error(`HTTP ${r.status}`); return r.text(); });
      text.catch(() => {}); // reported below
      scenario = { name, text };
    }
    const seedAttr = this.getAttribute('seed');
    let seed = null;
    if (seedAttr != null && seedAttr.trim() !== '') {
      const s = seedAttr.trim();
      if (s === 'random') seed = 'random'; // drawn by the wasm module, once loaded
      else if (/^\d{1,16}$/.test(s) && Number(s) <= Number.MAX_SAFE_INTEGER) seed = Number(s);
      else return this._attrError(`cap-playground: seed="${seedAttr}" is not accepted: use a whole number from 0 to ${Number.MAX_SAFE_INTEGER}, or "random".`);
    }
    // Which bundle: the scenario's protocol (so its text first), else the protocol attribute.
    let bundle, text, proto, nodes = 5;
    if (scenario) {
      const { name } = scenario;
      try {
        text = await scenario.text;
      } catch (e) {
        if (token === this._token) this._attrError(`cap-playground: scenario "${name}" could not be loaded (${e.message}). Accepted: a file name from scenarios/ (${SCENARIOS.join(', ')}) or a URL ending in .json.`);
        return;
      }
      if (token !== this._token) return;
      const p = scenarioProtocol(text);
      if (p === null) bundle = 'raft'; // not JSON: the simulator says what is wrong
      else if (!NAMES.includes(p)) return this._attrError(protocolError(`scenario "${name}": `, p));
      else bundle = BUNDLE_OF[p];
    } else {
      proto = (this.getAttribute('protocol') ?? 'raft').trim();
      if (!NAMES.includes(proto)) return this._attrError(protocolError('', proto));
      const na = this.getAttribute('nodes');
      if (na != null) {
        if (!/^\s*\d{1,3}\s*$/.test(na)) return this._attrError(`cap-playground: nodes="${na}" is not accepted: use a whole number from 1 to 9.`);
        nodes = Number(na);
      }
      bundle = BUNDLE_OF[proto];
    }
    // The space-time panel needs the full API (pkg/<bundle>-full/): once opened (or asked for by
    // the `view` attribute, before the first run), every run of this element starts on it.
    if ((this.getAttribute('view') ?? '').trim() === 'spacetime') this._wantFull = true;
    // A module with the full API already in the page (a link that could not be opened loaded it)
    // serves a plain run too: a bad link costs one download, not two.
    const full = !!this._wantFull || (isLoaded(bundle, true) && !isLoaded(bundle));
    let m;
    try {
      m = await loadWasm(bundle, full);
    } catch (e) {
      if (token === this._token) this._attrError(`cap-playground: could not load the simulator (pkg/${bundle}${full ? '-full' : ''}/cap_playground.js): ${e.message}. Build it first: npm run build.`);
      return;
    }
    if (token !== this._token) return;
    if (this._wantFull && !hasFullApi(m)) { // the space-time panel asked for it meanwhile (openPanel before the first run)
      try { m = await loadWasm(bundle, true); } catch (e) {
        if (token === this._token) this._attrError(`cap-playground: could not load the simulator (pkg/${bundle}-full/cap_playground.js): ${e.message}. Build it first: npm run build.`);
        return;
      }
      if (token !== this._token) return;
    }
    this._module(m, bundle);
    if (seed === 'random') seed = m.randomSeed();
    this._source = scenario ? { kind: 'json', text, name: scenario.name, file: /^[\w-]+$/.test(scenario.name) ? scenario.name : undefined } : { kind: 'defaults', protocol: proto, nodes };
    // The first frame of a default run needs only the main module; a scenario's JSON is read by
    // the rest (loadRest), which every run needs before it moves.
    const restFailed = (e) => {
      if (token === this._token) this._attrError(`cap-playground: could not load the simulator (pkg/${bundle}/split_rest.wasm): ${e.message}. Build it first: npm run build.`);
    };
    if (this._source.kind !== 'defaults') {
      try { await loadRest(m); } catch (e) { restFailed(e); return; }
      if (token !== this._token) return;
    }
    try { this._create(seed); } catch { return; /* message already shown */ }
    // The rest's download and compile wait for the first frame's paint (or 100 ms: a hidden page paints nothing).
    if (!isRestIn(m)) await new Promise((r) => { requestAnimationFrame(() => setTimeout(r, 0)); setTimeout(r, 100); });
    try { await loadRest(m); } catch (e) { restFailed(e); return; }
    if (token !== this._token) return;
    // Everything works from here: the slow parts that read the recorded run (the timeline), then the loop.
    this._refresh();
    this._startLoop();
  }

  /** Run on wasm module `m`, page bundle `bundle`'s (or, with `fast`, its speed-built twin's). */
  _module(m, bundle, fast = false) {
    // A module in one piece (-full, -fast: the full API) works at once; a page bundle's rest is
    // loaded where a run needs it (_build, loadScenario).
    if (hasFullApi(m)) loadRest(m);
    this.wasm = m;
    this._bundle = bundle;
    this._fast = fast;
  }

  /**
   * Go on with `pg`, a copy of this run made on the speed-built bundle `m` by a long replay
   * (www/panels/travel.js), or on pkg/<bundle>-full/ (`fast` false) by toFullApi: the same run at
   * the replay's target, so nothing but the module changes.
   */
  _adoptFast(m, pg, fast = true) {
    if (this.pg && !this._poisoned) { try { this.pg.free(); } catch { /* already gone */ } }
    this.pg = pg;
    this._module(m, this._bundle, fast);
    this.travel._limits = null;
  }

  /**
   * Run on a module with the full API (`hasFullApi`: share links, the space-time record) from now
   * on: this run moves onto one (travel.toFullApi: the copy a share link of it opens, at this same
   * moment) unless it is on one already, and every later run of this element starts on one.
   * Resolves true when the run is on the full API; false when the reader cancelled the move.
   */
  async _toFullApi(label) {
    this._wantFull = true;
    if (!this.pg || hasFullApi(this.wasm)) return true;
    return this.travel.toFullApi(label);
  }

  /** Which build of the simulator this element runs: "size" (the page's bundle) or "speed" (pkg/<bundle>-fast/, after a long replay). */
  get simulatorBuild() { return this._fast ? 'speed' : 'size'; }

  /** (Re)create the Playground from the current source; null seed → the source's own. `made`: a run already built (a share link). */
  _create(seed, made) {
    const m = this.wasm, src = this._source;
    let pg = made;
    try {
      if (pg) { if (src.kind === 'share') this._source = { ...src, kind: 'json', text: pg.scenarioJson() }; }
      else if (src.kind === 'defaults') pg = m.Playground.withDefaults(src.protocol, src.nodes, seed ?? 1);
      else {
        let text = src.text;
        if (seed != null) {
          const o = JSON.parse(text);
          o.seed = seed;
          text = JSON.stringify(o);
        }
        pg = new m.Playground(text);
      }
    } catch (e) {
      this._attrError(`cap-playground: ${e.message}`);
      throw e;
    }
    if (this.pg && !this._poisoned) { try { this.pg.free(); } catch { /* already gone */ } }
    this.pg = pg;
    this._poisoned = false;
    this.$('.attr-error').hidden = true;
    this.$('.banner').hidden = true;
    this.$('.main').hidden = false;
    this._acc = 0;
    this._groupsSig = undefined;
    this._noticeSeq = -1; // highest notices[].seq already handled
    this._lastReq = new Map(); // client id → request id of the last completion reported
    this._lastNotice = null;
    this._selMsg = null;
    this.layout = new Layout(0);
    this.renderer.reset();
    const sc = JSON.parse(pg.scenarioJson());
    this._useView(viewOf(sc.protocol));
    this.vi.run?.(sc);
    this._each('reset', sc);
    this._refresh();
    if (!this._viewDone) { this._viewDone = true; this._applyView(); }
    this.$('.wrap').dataset.proto = this.f.protocol;
    this._caption();
    this.$('.seed').value = String(this.f.seed);
    // Until the first run is drawn the box is laid out empty (content-visibility: hidden): no
    // layout of the bare template on the way to the first frame.
    this.$('.wrap').classList.remove('loading');
    this._startLoop();
    // First frame = the first rAF callback after the first run exists (its DOM is drawn above).
    if (this.metrics.firstFrameMs == null && !this._raf) requestAnimationFrame(() => { this.metrics.firstFrameMs ??= performance.now(); });
    // Once that frame is painted, measure the glyphs its layout guessed (Renderer.settle).
    if (!this.renderer.settled) requestAnimationFrame(() => requestAnimationFrame(() => { if (this.renderer.settle() && !this._raf) this._draw(); }));
  }

  /**
   * Show `view`'s parts (its CSS, legend, strip title, controls and sections) instead of the last
   * one's: a protocol's view stays mounted from run to run until the element shows another view.
   */
  _useView(view) {
    if (view === this.view && this.vi) return;
    this.vi?.dispose?.();
    for (const [e, ph] of this._viewEls || []) { if (ph) e.replaceWith(ph); else e.remove(); }
    this._viewEls = [];
    this.view = view;
    const $ = this.$, root = this.shadowRoot;
    adoptCss(root, view.css);
    // The legend: the view's message colours before the shared "client" item, its words after it.
    const client = $('.lg-client');
    for (const [text, cls] of view.legend || []) {
      const s = h('span', {});
      if (cls) h('i', { class: `f ${cls}` }, s);
      s.append(text);
      client.parentNode.insertBefore(s, cls ? client : null);
      this._viewEls.push([s]);
    }
    const title = view.stripTitle;
    $('.logwrap').hidden = !title;
    T($('.log-title'), title || '');
    const slots = { bar: [$('.bar'), $('.more')], side: [$('.side'), $('.cons')], cons: [$('.cons'), null] };
    const ui = {
      root, strip: $('.log'),
      get f() { return ui.host.f; },
      host: this,
      $,
      /**
       * Put one of the view's elements in the element: 'bar' (the control bar), 'side' (beside the
       * scoreboard), 'cons' (under the verdict), or a contract hook's placeholder by its selector
       * ('.nrw', '.ring', '.diverge': el takes its place).
       */
      add: (where, el) => {
        if (slots[where]) { const [parent, before] = slots[where]; parent.insertBefore(el, before); this._viewEls.push([el]); return; }
        const ph = root.querySelector(where);
        ph.replaceWith(el);
        this._viewEls.push([el, ph]);
      },
      say: (msg, warn) => this._say(msg, warn),
      draw: () => this._draw(),
      /** Reconfigure every node live with `patch` over the run's config; says `ok` (or the error). Returns false when refused. */
      reconfigure: (patch, ok) => {
        try {
          let base = {};
          try { base = JSON.parse(this.pg.scenarioJson()).config || {}; } catch { /* defaults */ }
          this.configure({ ...base, ...patch });
          if (ok) this._say(ok);
          return true;
        } catch (e) {
          if (!this._poisoned) this._say(`configure: ${e.message || e}`, true);
          return false;
        }
      },
    };
    this.vi = view.mount?.(ui) || {};
    this._drawOpt.view = view;
    this._drawOpt.vi = this.vi;
  }

  /** The scenario's name and description over the diagram: text, never markup. */
  _caption() {
    const src = this._source, box = this.$('.scen');
    let name = '', desc = '';
    if (src.kind === 'json') {
      let o = null;
      try { o = JSON.parse(src.text); } catch { /* the run exists, so it parsed */ }
      name = String(o?.name ?? src.name ?? '');
      desc = typeof o?.description === 'string' ? o.description : '';
    }
    box.hidden = !name && !desc;
    T(this.$('.scen-name'), name);
    T(this.$('.scen-desc'), desc);
    A(box, 'title', desc ? `${name}: ${desc}` : name);
  }

  _attrError(msg) {
    this._stopLoop();
    const box = this.$('.attr-error');
    box.textContent = msg;
    box.hidden = false;
    this.$('.main').hidden = true;
    this.$('.wrap').classList.remove('loading');
    this.dispatchEvent(new CustomEvent('error', { detail: { message: msg, fatal: false }, bubbles: true, composed: true }));
  }

  _poison(e) {
    if (this._poisoned) return;
    this._poisoned = true;
    this.pg = null; // possibly mid-borrow: never touch it again
    this._stopLoop();
    const src = this._source || {};
    const msg = `${e?.name || 'Error'}: ${e?.message || e} (seed ${this.f?.seed ?? '?'}, ${src.name ? 'scenario ' + src.name : (src.protocol || '') + ' ' + (src.nodes || '') + ' nodes'}). The Rust panic message is in the browser console.`;
    this.$('.banner-msg').textContent = msg;
    this.$('.banner').hidden = false;
    this._syncPlay();
    this.dispatchEvent(new CustomEvent('error', { detail: { message: msg, fatal: true }, bubbles: true, composed: true }));
  }

  /** Run fn(pg); a panic poisons this element (banner) and is rethrown. */
  _sim(fn) {
    if (!this.pg) throw new Error(this._poisoned ? 'cap-playground: the simulator stopped (see the banner); restart it first' : 'cap-playground: not ready yet (await el.ready)');
    try {
      return fn(this.pg);
    } catch (e) {
      if (isFatal(e)) this._poison(e);
      throw e;
    }
  }

  // ---- the loop ----------------------------------------------------------------------------
  _startLoop() {
    // Not before the wasm module's rest is in (loadRest: _build starts the loop then).
    if (this._raf || this._paused || !this.isConnected || document.hidden || !this.pg || !isRestIn(this.wasm)) return;
    this._lastTs = null;
    this._raf = requestAnimationFrame(this._tick);
    this._syncPlay();
  }
  _stopLoop() {
    if (this._raf) cancelAnimationFrame(this._raf);
    this._raf = 0;
    this._lastTs = null;
  }
  _tick(ts) {
    this._raf = 0;
    const t0 = performance.now();
    const mt = this.metrics;
    mt.firstFrameMs ??= t0;
    mt.frames++;
    const dt = this._lastTs == null ? 0 : Math.min(ts - this._lastTs, 50);
    this._lastTs = ts;
    try {
      this._acc += dt * this._speed;
      const whole = Math.floor(this._acc);
      let quiet = true; // no simulator event in the elapsed time: the frame is the same but for `now`
      if (whole >= 1) {
        this._acc -= whole;
        const pg = this.pg, f = this.f;
        quiet = this._sim(() => {
          const next = pg.nextEventTime();
          pg.advance(whole);
          return f != null && (next < 0 || next > f.now + whole);
        });
        if (quiet) f.now += whole;
      }
      // Full pull + parse of the frame when something happened, and at least ~10 times a second.
      const slow = t0 >= this._slowAt;
      if (!quiet || slow) this._refresh(slow);
      else { this.metrics.simTimeMs = this.f.now; this._draw(false); }
    } catch (e) {
      if (!this._poisoned) this._say(e.message, true);
    }
    const ms = performance.now() - t0;
    mt.lastFrameMs = ms;
    mt.frameTimes[mt.frameIndex++ % mt.frameTimes.length] = ms;
    if (!this._paused && this.pg && this.isConnected && !document.hidden) this._raf = requestAnimationFrame(this._tick);
  }

  /**
   * Pull a frame from the simulator, draw it, emit events. slow = also the ~10 Hz parts (strip,
   * scoreboard, status, panels); false only from the animation loop.
   */
  _refresh(slow = true) {
    const prev = this.f;
    const f = slow || !prev ? this._sim(frameOf) : this._sim((pg) => lightFrameOf(pg, prev));
    this.f = f;
    this.metrics.simTimeMs = f.now;
    const events = [];
    this._syncLayout(f, events);
    this._collectEvents(f, prev, events);
    this._draw(slow);
    for (const [type, detail] of events) this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }

  /** Draw the last frame again (layout changed, or a resize) without touching the simulator. */
  _draw(slow = true) {
    const f = this.f;
    if (!f) return;
    const t = f.now + this._acc;
    if (slow) this._slowAt = performance.now() + 100;
    const o = this._drawOpt, vi = this.vi;
    o.reduced = this._reduced.matches; o.selectedMsg = this._selMsg; o.narrow = this._narrow; o.slow = slow;
    vi.frame?.(f, slow);
    this.renderer.render(f, t, this.layout, o);
    if (slow && vi.strip) vi.strip(f, o);
    T(this.$('.clock'), `t = ${(t / 1000).toFixed(3)} s`);
    if (slow) {
      this.$('.heal').disabled = f.groups.length <= 1 && !f.cuts.length;
      this._syncPlay();
      this._status();
    }
    this._each('frame', f, t, slow);
    if (slow) vi.ui?.(f);
  }

  // ---- layout ↔ simulator -------------------------------------------------------------------
  _syncLayout(f, events) {
    let L = this.layout;
    if (L.nodes.length !== f.nodes.length) L = this.layout = new Layout(f.nodes.length);
    if (f.clients.some((c) => L.attach.get(c.id)?.[0] !== c.node)) {
      const per = new Map();
      for (const c of f.clients) {
        const k = per.get(c.node) || 0;
        per.set(c.node, k + 1);
        L.attach.set(c.id, [c.node, k]);
      }
    }
    const prev = this._groupsSig;
    if (prev && sameLists(prev[0], f.groups) && sameLists(prev[1], f.cuts)) return;
    const first = prev === undefined;
    this._groupsSig = [f.groups, f.cuts];
    if (!first) events.push(['partition-change', { groups: f.groups, cuts: f.cuts }]);
    this._placeBySides(f);
  }

  /** Move drawn nodes/clients so the picture matches the simulator's groups (only those that are wrong). */
  _placeBySides(f) {
    const L = this.layout;
    if (f.groups.length <= 1) {
      const sides = new Set(L.nodes.map((p) => sideOf(L.line, p)));
      for (const c of f.clients) sides.add(sideOf(L.line, L.clientPos(c.id)));
      if (sides.size > 1) L.goHome();
      return;
    }
    const want = new Map();
    f.groups.forEach((g, i) => g.forEach((m) => want.set(m, i === 0 ? 0 : 1)));
    const wrong = [[], []];
    f.nodes.forEach((nd) => {
      const s = want.get('n' + nd.id) ?? 0;
      if (sideOf(L.line, L.nodes[nd.id]) !== s) {
        const h = L.home[nd.id];
        if (sideOf(L.line, h) === s) L.nodes[nd.id] = { x: h.x, y: h.y };
        else wrong[s].push(nd.id);
      }
    });
    for (const s of [0, 1]) {
      const spots = spotsOnSide(L.line, s, wrong[s].length);
      wrong[s].forEach((id, i) => { L.nodes[id] = spots[i]; });
    }
    const cw = [[], []];
    for (const c of f.clients) {
      const s = want.get('c' + c.id) ?? 0;
      if (sideOf(L.line, L.clientPos(c.id)) !== s) { L.free.delete(c.id); if (sideOf(L.line, L.clientPos(c.id)) !== s) cw[s].push(c.id); }
    }
    for (const s of [0, 1]) {
      const spots = spotsOnSide(L.line, s, cw[s].length, 40);
      cw[s].forEach((id, i) => L.free.set(id, clampClient(spots[i])));
    }
  }

  /** After a gesture: one setPartition from the sides of all nodes and clients (or heal). */
  _applySides() {
    const f = this.f, L = this.layout;
    if (!f) return;
    const g = [[], []];
    for (const nd of f.nodes) g[sideOf(L.line, L.nodes[nd.id])].push('n' + nd.id);
    for (const c of f.clients) g[sideOf(L.line, L.clientPos(c.id))].push('c' + c.id);
    try {
      if (!g[0].length || !g[1].length) {
        if (f.groups.length > 1 || f.cuts.length) this._sim((pg) => pg.heal());
      } else if (JSON.stringify(g) !== JSON.stringify(f.groups)) {
        this._sim((pg) => pg.setPartition(JSON.stringify(g)));
      }
      this._refresh();
    } catch (e) {
      if (!this._poisoned) this._say(e.message, true);
    }
  }

  /** New notices (each once, by seq) and client completions since the last frame, as DOM events; notices also go to the panels. */
  _collectEvents(f, prev, events) {
    const ns = f.notices;
    // Newest last: walk back to the first unseen one, then forward.
    let i = ns.length;
    while (i > 0 && ns[i - 1].seq > this._noticeSeq) i--;
    for (; i < ns.length; i++) {
      const nt = ns[i];
      this._noticeSeq = nt.seq;
      this._lastNotice = nt;
      if (nt.kind === 'leader_elected') events.push(['leader-elected', { node: nt.node, term: nt.term }]);
      this._each('notice', nt, prev, f);
    }
    for (const c of f.clients) {
      const l = c.last;
      if (!l || this._lastReq.get(c.id) === l.request) continue;
      this._lastReq.set(c.id, l.request);
      events.push(['client-op-complete', { client: c.id, request: l.request, label: l.label, outcome: l.outcome, result: l.result, at: l.at, latency: l.latency }]);
    }
  }

  // ---- status line ---------------------------------------------------------------------------
  _say(msg, warn) {
    this._sayMsg = { msg, warn, until: performance.now() + 4000 };
    this._status();
  }
  _status() {
    const st = this.$('.status');
    const s = this._sayMsg;
    let text = '', warn = false;
    if (s && performance.now() < s.until) ({ msg: text, warn } = s);
    else if (this.f?.violations?.length) { const v = this.f.violations[0]; text = `⚠ ${v.invariant} violated at ${v.at} ms: ${v.detail}`; warn = true; }
    else if (this._lastNotice) text = `${(this._lastNotice.at / 1000).toFixed(3)} s · ${this._lastNotice.text}`;
    T(st, text);
    A(st, 'class', warn ? 'status warn' : 'status');
  }

  _syncPlay() {
    const b = this.$('.play');
    const playing = !this._paused && !!this.pg;
    T(b, playing ? '❚❚ pause' : '▶ play');
    A(b, 'aria-label', playing ? 'pause' : 'play');
    A(b, 'aria-pressed', playing ? 'true' : 'false');
  }

  // ---- input ---------------------------------------------------------------------------------
  _wire() {
    const root = this.shadowRoot, $ = this.$;
    const speedIn = $('.speed-in');
    speedIn.addEventListener('input', () => { this.speed = 10 ** Number(speedIn.value); });
    root.addEventListener('click', (ev) => {
      const b = ev.target.closest('[data-action]');
      if (b && b.tagName === 'BUTTON') this._action(b.dataset.action);
    });
    $('.seed').addEventListener('keydown', (ev) => { if (ev.key === 'Enter') this._action('seed'); });
    root.addEventListener('keydown', (ev) => this._key(ev));
    attachDrag(this.svg, {
      pick: (ev) => {
        const t = ev.target;
        let e;
        if ((e = t.closest('[data-node-id]'))) return { type: 'node', id: +e.dataset.nodeId.slice(1), el: e };
        if ((e = t.closest('[data-client-id]'))) return { type: 'client', id: +e.dataset.clientId.slice(1) };
        if ((e = t.closest('[data-handle]'))) return { type: 'handle', h: e.dataset.handle };
        if (t.closest('[data-partition-line]')) return { type: 'line', l0: { ...this.layout.line } };
        if ((e = t.closest('[data-msg-id]'))) return { type: 'msg', id: +e.dataset.msgId };
        return null;
      },
      start: (s, p) => {
        const L = this.layout;
        if (s.type === 'node') { const q = L.nodes[s.id]; s.off = { x: q.x - p.x, y: q.y - p.y }; }
        if (s.type === 'client') { const q = L.clientPos(s.id); s.off = { x: q.x - p.x, y: q.y - p.y }; }
      },
      move: (s, p, p0) => {
        const L = this.layout;
        // The renderer keeps a server's glyph (labels included) inside the diagram; a client's has a fixed size.
        if (s.type === 'node') { L.dragging = s.id; L.nodes[s.id] = clampPt({ x: p.x + s.off.x, y: p.y + s.off.y }); }
        else if (s.type === 'client') L.free.set(s.id, clampClient({ x: p.x + s.off.x, y: p.y + s.off.y }));
        else if (s.type === 'handle') this._moveHandle(s.h, p);
        else if (s.type === 'line') {
          const dx = p.x - p0.x, dy = p.y - p0.y, l = s.l0;
          const lim = (v, d, max) => clamp(v + d, 0, max) - v;
          const mdx = dx >= 0 ? Math.min(lim(l.x1, dx, W), lim(l.x2, dx, W)) : Math.max(lim(l.x1, dx, W), lim(l.x2, dx, W));
          const mdy = dy >= 0 ? Math.min(lim(l.y1, dy, H), lim(l.y2, dy, H)) : Math.max(lim(l.y1, dy, H), lim(l.y2, dy, H));
          L.line = { x1: l.x1 + mdx, y1: l.y1 + mdy, x2: l.x2 + mdx, y2: l.y2 + mdy };
        }
        if (!this._raf) this._draw();
      },
      end: (s, p, moved, cancel) => {
        const L = this.layout;
        L.dragging = null;
        if (!moved || cancel) {
          if (s.type === 'node') this._select(s.id, s.el);
          else if (s.type === 'msg') this._selectMsg(s.id);
          if (!this._raf) this._draw();
          return;
        }
        if (s.type === 'client') {
          const q = L.free.get(s.id);
          const near = L.nodes.findIndex((n) => Math.hypot(n.x - q.x, n.y - q.y) < 44);
          if (near >= 0) {
            L.free.delete(s.id);
            try { this._sim((pg) => pg.moveClient(s.id, near)); } catch (e) { if (!this._poisoned) this._say(e.message, true); }
          }
        }
        this._applySides();
      },
    });
  }

  _moveHandle(hd, p) {
    const L = this.layout, q = { x: clamp(p.x, 0, W), y: clamp(p.y, 0, H) };
    const o = hd === '1' ? { x: L.line.x2, y: L.line.y2 } : { x: L.line.x1, y: L.line.y1 };
    if (Math.hypot(q.x - o.x, q.y - o.y) < 40) return;
    L.line = hd === '1' ? { x1: q.x, y1: q.y, x2: o.x, y2: o.y } : { x1: o.x, y1: o.y, x2: q.x, y2: q.y };
  }

  _select(id, el) {
    this.layout.selected = id;
    this.$('.node-panel').hidden = false;
    el?.focus({ preventScroll: true });
    if (this.f) this._draw();
  }
  _selectMsg(id) {
    this._selMsg = id;
    this._panelsBy.get('message').select();
  }

  _key(ev) {
    const t = ev.composedPath()[0];
    const tag = t?.tagName;
    const nodeEl = t?.closest?.('[data-node-id]');
    const clientEl = !nodeEl && t?.closest?.('[data-client-id]');
    if ((nodeEl || clientEl) && ev.key.startsWith('Arrow')) {
      // The keyboard's drag: move the focused server (or client) and end like a drop.
      const L = this.layout, d = ev.shiftKey ? 6 : 24;
      const dx = ev.key === 'ArrowLeft' ? -d : ev.key === 'ArrowRight' ? d : 0;
      const dy = ev.key === 'ArrowUp' ? -d : ev.key === 'ArrowDown' ? d : 0;
      if (nodeEl) {
        const id = +nodeEl.dataset.nodeId.slice(1), p = L.nodes[id];
        L.nodes[id] = clampPt({ x: p.x + dx, y: p.y + dy });
      } else {
        const id = +clientEl.dataset.clientId.slice(1), p = L.clientPos(id);
        L.free.set(id, clampClient({ x: p.x + dx, y: p.y + dy }));
      }
      ev.preventDefault();
      this._applySides();
      if (!this._raf) this._draw();
      return;
    }
    if (nodeEl && ev.key === 'Enter') { this._select(+nodeEl.dataset.nodeId.slice(1), nodeEl); ev.preventDefault(); return; }
    if (ev.key === 'Escape') { this._action('close-node'); this._action('close-msg'); return; }
    if (ev.key === ' ' && !/^(INPUT|BUTTON|SELECT|TEXTAREA|SUMMARY)$/.test(tag || '')) {
      ev.preventDefault();
      this._paused ? this.play() : this.pause();
    }
  }

  /** A button's data-action: the element's own (play, step, heal, runs and seeds), else a panel's. */
  _action(a) {
    try {
      switch (a) {
        case 'toggle': return this._paused ? this.play() : this.pause();
        case 'step': return this.step();
        case 'heal': return this.heal();
        case 'reset': return this._create(this._seedInput());
        case 'seed': return this._create(this._seedInput());
        case 'random': return this._create(this.wasm.randomSeed());
        case 'restart-sim': return this._create(this.f?.seed ?? null);
      }
      for (const [, p] of this._panels) if (p.actions?.[a]) return p.actions[a]();
    } catch (e) {
      if (!this._poisoned) this._say(e.message, true);
    }
  }

  _seedInput() {
    const v = this.$('.seed').value.trim();
    if (!/^\d{1,16}$/.test(v) || Number(v) > Number.MAX_SAFE_INTEGER) throw new Error(`seed "${v}" is not accepted: use a whole number from 0 to ${Number.MAX_SAFE_INTEGER}`);
    return Number(v);
  }

  // ---- public API ----------------------------------------------------------------------------
  play() {
    // During a long replay the run is not played under it: it plays once the replay is done.
    const job = this.travel.job;
    if (job) { job.resume = true; return; }
    this._paused = false; this._startLoop(); this._syncPlay();
  }
  pause() { if (this.travel.job) this.travel.job.resume = false; this._paused = true; this._stopLoop(); this._syncPlay(); }
  get paused() { return this._paused; }
  get speed() { return this._speed; }
  set speed(x) {
    x = Number(x);
    if (!Number.isFinite(x) || x <= 0) throw new Error(`speed ${x} is not accepted: use a number from 0.001 to 10`);
    this._speed = clamp(x, 0.001, 10);
    this.$('.speed-in').value = String(Math.log10(this._speed));
    const s = this._speed;
    this.$('.speed-out').textContent = `${s >= 1 ? +s.toFixed(1) : s >= 0.01 ? +s.toFixed(2) : '1/' + Math.round(1 / s)}×`;
  }
  /** Advance simulated time by ms (works while paused) and redraw; returns the new time. */
  advance(ms) { this._sim((pg) => pg.advance(Number(ms))); this._refresh(); return this.f.now; }
  /** Process exactly one event; false when nothing is scheduled. */
  step() { const r = this._sim((pg) => pg.step()); this._acc = 0; this._refresh(); return r; }
  setPartition(groups) {
    if (!Array.isArray(groups) || !groups.every(Array.isArray)) throw new Error('setPartition expects an array of groups, each an array of members (2, "n2", "c0")');
    const g = groups.map((gr) => gr.map((m) => (typeof m === 'number' ? 'n' + m : String(m))));
    this._sim((pg) => pg.setPartition(JSON.stringify(g)));
    this._refresh();
  }
  heal() {
    this._sim((pg) => pg.heal());
    this.layout.goHome();
    this._groupsSig = undefined; // re-sync quietly below, then report the change
    const before = this.f?.groups;
    this._refresh();
    if (before && before.length > 1) this.dispatchEvent(new CustomEvent('partition-change', { detail: { groups: this.f.groups, cuts: this.f.cuts }, bubbles: true, composed: true }));
  }
  crash(id) { const n = nodeIndex(id); this._sim((pg) => pg.crash(n)); this._refresh(); }
  restart(id) { const n = nodeIndex(id); this._sim((pg) => pg.restart(n)); this._refresh(); }
  timeout(id) { const n = nodeIndex(id); this._sim((pg) => pg.timeout(n)); this._refresh(); }
  dropMessage(id) { this._sim((pg) => pg.dropMessage(Number(id))); this._refresh(); }
  moveClient(client, node) { const c = clientIndex(client), n = nodeIndex(node); this._sim((pg) => pg.moveClient(c, n)); this.layout.free.delete(c); this._refresh(); }
  submit(op) {
    const { client = 0, ...rest } = op || {};
    const c = clientIndex(client);
    const r = this._sim((pg) => pg.submit(c, JSON.stringify(rest)));
    this._refresh();
    return r;
  }
  apply(action) {
    if (!action || typeof action !== 'object') throw new Error('apply expects an action object, e.g. {action: "cut", from: "n0", to: "n1"}');
    this._sim((pg) => pg.apply(JSON.stringify(action)));
    this._refresh();
  }
  /** Reconfigure every node live (Dynamo: {n, r, w, sloppy_quorum, last_writer_wins}); throws the simulator's error. */
  configure(config) {
    if (!config || typeof config !== 'object') throw new Error('configure expects an object, e.g. {n: 3, r: 2, w: 2}');
    this._sim((pg) => pg.apply(JSON.stringify({ action: 'configure', config })));
    this._refresh();
  }
  state() { return this.pg ? this._sim(frameOf) : null; }
  /** Time travel: go to simulated time ms (exactly as if run straight there); returns the time. */
  /**
   * Time travel: go to simulated time ms (exactly as if run straight there). Returns the time; a
   * long replay runs in slices with a progress bar and Cancel and returns a Promise of the time
   * (where it started when cancelled); one of more than 10 simulated minutes asks first.
   */
  seek(ms) {
    const t = typeof ms === 'number' || typeof ms === 'string' ? Number(ms) : NaN, max = this.travel.limits().max_run_ms;
    if (!Number.isFinite(t) || t < 0 || t > max) {
      throw new Error(`seek(${String(ms).slice(0, 40)}) is not accepted: use a time in simulated ms from 0 to ${max} (${max / 3600000} hours, the longest a run goes)`);
    }
    return this.travel.seek(t);
  }
  /** Time travel: back to the end of the recorded run (as seek: the time, or a Promise of it when long). */
  seekEnd() { return this.travel.seek(null); }
  /** The recorded run: now, end, in_past, actions, applied, marks, checkpoints, spacing. */
  runTimeline() { return JSON.parse(this._sim((pg) => pg.timelineJson(0))); }
  /** A URL that replays this run and lands at this moment (the `share` attribute's key in the fragment). */
  shareLink() { return this.travel.link(); }
  /** After a jump in time: no events for what was skipped or replayed; redraw. */
  _jumped() {
    const f = this._sim(frameOf), ns = f.notices;
    this._acc = 0;
    this._noticeSeq = ns.length ? ns[ns.length - 1].seq : -1;
    this._lastNotice = ns.length ? ns[ns.length - 1] : null;
    this._lastReq = new Map(f.clients.filter((c) => c.last).map((c) => [c.id, c.last.request]));
    this._each('jumped');
    this._refresh();
  }
  history() { return this._sim((pg) => JSON.parse(pg.historyJson())); }
  loadScenario(json) {
    const text = typeof json === 'string' ? json : JSON.stringify(json);
    if (!this.wasm) throw new Error('cap-playground: not ready yet (await el.ready)');
    let name;
    try { name = JSON.parse(text).name; } catch { /* Rust says what is wrong */ }
    const p = scenarioProtocol(text);
    if (p !== null && !NAMES.includes(p)) {
      const msg = protocolError('scenario: ', p);
      this._attrError(msg);
      throw new Error(msg);
    }
    const bundle = p === null ? null : BUNDLE_OF[p];
    const create = () => { this._source = { kind: 'json', text, name }; this._create(null); };
    // Same bundle (or not JSON: the current module reports it): synchronous once the element is
    // ready, as before.
    if ((bundle === null || bundle === this._bundle) && isRestIn(this.wasm)) return create();
    // Another protocol's bundle, or this one's rest (which reads scenarios) still on its way
    // right after the first frame: load it first, then create the run (errors shown and rejected).
    const token = ++this._token;
    this._stopLoop();
    if (bundle === null || bundle === this._bundle) {
      return loadRest(this.wasm).then(() => {
        if (token !== this._token) throw new Error('cap-playground: superseded by a newer run');
        create();
      }, (e) => {
        const msg = `cap-playground: could not load the simulator (pkg/${this._bundle}/split_rest.wasm): ${e.message}. Build it first: npm run build.`;
        if (token === this._token) this._attrError(msg);
        throw new Error(msg);
      });
    }
    // A scenario's JSON is read by the module's rest (loadRest): both before the run.
    let file = 'cap_playground.js';
    const p2 = loadWasm(bundle, !!this._wantFull).then((m) => { file = 'split_rest.wasm'; return loadRest(m).then(() => m); });
    return p2.then((m) => {
      if (token !== this._token) throw new Error('cap-playground: superseded by a newer run');
      this._module(m, bundle);
      create();
    }, (e) => {
      const msg = `cap-playground: could not load the simulator (pkg/${bundle}${this._wantFull ? '-full' : ''}/${file}): ${e.message}. Build it first: npm run build.`;
      if (token === this._token) this._attrError(msg);
      throw new Error(msg);
    });
  }
  /** Test hook: panic inside wasm on purpose; this element shows its error banner. */
  debugPanic() { this._sim(() => this.wasm.debugPanic()); }
  /**
   * A panel loaded on demand ("spacetime"), loaded once; on = true / false opens / closes it, null
   * leaves it as it is. Resolves to the panel (its API: point({kind, from, to, after}), select(id),
   * setView(a, b), exportSvg(), exportShiviz(), …).
   */
  openPanel(name, on = true) {
    const stub = this._panelsBy.get(name);
    if (!stub?.load) return Promise.reject(new Error(`no panel "${name}": accepted spacetime`));
    return stub.load().then((p) => { if (on != null) p.open(on); if (!this._raf) this._draw(); return p; });
  }
  /** The `view` attribute: "spacetime" opens the space-time diagram; "" / "cluster": nothing more. */
  _applyView() {
    const v = (this.getAttribute('view') ?? '').trim();
    if (v === 'spacetime') this.openPanel('spacetime', true).catch((e) => this._say(e.message, true));
    else if (v !== '' && v !== 'cluster') this._say(`view="${v}" ignored: use "spacetime" (or leave it out)`, true);
  }
  /** A message kind's colour family, as the legend has it (for panels). */
  familyOf(kind) { return family(kind); }
  /** Show operation `op` (a history entry) selected in the client timeline; null clears. */
  selectOp(op) { this._panelsBy.get('timeline').select(op, this._panelsBy.get('spacetime')?.instance?.ops ?? null); }
}
