/**
 * <cap-playground>: a consensus cluster you can partition with your mouse (or finger).
 *
 * STABLE CONTRACT (tests, the bench and embedding pages rely on it; change it only on purpose)
 *
 * Attributes
 *   protocol   one of PROTOCOLS (raft, paxos, multipaxos, dynamo, zab, 2pc)                  default "raft"
 *   nodes      number of servers, 1..9                                            default 5
 *   seed       whole number 0..2^53-1, or "random"                                default: scenario's / 1
 *   scenario   a file name from scenarios/ (e.g. "raft-minority-partition", resolved against this
 *              module's URL) or a URL ending in .json (resolved against the page). When set, the
 *              scenario decides protocol and nodes; `seed` still overrides its seed.
 *   speed      simulated ms per wall ms, 0.001..10                                default 0.1
 *   controls   "false" hides the control bar                                      default shown
 *   theme      "light" | "dark"                                                   default: prefers-color-scheme
 *   The element fills its container's width; given a height (CSS, flex or grid), it fills that box
 *   and scrolls inside (host.js). Its styles are a constructed stylesheet: it works under a strict CSP.
 *   paused     present → start paused (otherwise it plays while visible)
 *   share      present → this element reads its run from location.hash (`#r=…`; `share="k"` uses
 *              `#k=…`) and shows "copy link" (see travel.js). A bad link shows why and starts the default run.
 *   view       "spacetime" → the space-time diagram (panels/spacetime.js) is open from the start
 *   A bad value shows a message inside the element saying what is accepted.
 *
 * Shadow DOM (open) hooks
 *   [data-node-id="n3"]    each server's SVG group; also data-role (leader|follower|candidate|
 *                          pre_candidate|…|crashed) and data-side (index of its partition group,
 *                          "0" for all when healed). Focusable; arrow keys move it.
 *   [data-partition-line]  the partition line group (.hit = body, [data-handle="1"|"2"] = handles)
 *   [data-client-id="c0"]  each client glyph; also data-side. Focusable; arrow keys move it.
 *   [data-msg-id]          each message in flight
 *   [data-action=…]        buttons: toggle (play/pause), step, heal, reset, crash, restart, timeout,
 *                          verdict, timeline, workload, export-porcupine, export-edn, spacetime (open /
 *                          close the space-time diagram), export-shiviz, export-svg, …
 *   section.st             the space-time diagram (once opened): .st-box (canvas + SVG text, focusable),
 *                          .st-info (the arrow or operation under the pointer / selected), [data-lane]
 *                          line filters, .st-hide-hb, .st-kinds input[data-kind]; the cluster's message
 *                          group gets data-hl while its arrow is hovered or selected
 *   .verdict[data-verdict] the consistency badge: data-verdict = linearizable_so_far | violation |
 *                          unknown | "" (not checked); click → the client timeline (witness)
 *   .capnote[data-cap]     one line on the CAP trade-off now: ap | cp | both | neither | ""
 *   .tl                    the client timeline (hidden until opened); .op.wit = witness bars
 *   [data-roles]           Paxos: role badges "PAL" on the node group; .sub = chosen value / ★ leader
 *   .log .row[data-node]   Paxos: slot table rows; rect[data-state] = proposed | accepted | chosen
 *   .ring, .pref           Dynamo: ring with tokens, the selected key's preference list (.ring-key)
 *   .diverge[data-divergent]  Dynamo: keys whose owners' digests disagree now; "converged in X ms"
 *   .nrw input             Dynamo: N / R / W sliders (.nrw-n/-r/-w), .nrw .q the quorum sentence
 *   [data-state] [data-phase]  ZAB: on the node group, LOOKING|FOLLOWING|LEADING|CRASHED and
 *                          ELECTION|DISCOVERY|SYNC|BROADCAST (data-role: leader|follower|candidate =
 *                          LOOKING|crashed); .zphase = the phase pill, .zvote = the vote arrow,
 *                          .term = last zxid "epoch:counter"; .zab-sync = the local / sync reads switch
 *
 * JS API (element methods)
 *   play(), pause(), paused (get), speed (get/set), advance(ms) → now, step() → bool,
 *   setPartition(groups)   groups: [["n0","n1","c0"],["n2",3,"c1"]]; also moves the drawn nodes
 *   heal(), crash(id), restart(id), timeout(id)   id: 2 or "n2"
 *   submit(op)             op: {client?: 0|"c0", f: "write"|"read"|"cas", key, value?, from?, to?}
 *   apply(action)          any scenario action, e.g. {action: "cut", from: "n0", to: "n1"}
 *   moveClient(client, node), dropMessage(id)
 *   state()                the current frame as plain JSON (the frame shape is documented in
 *                          README.md (Scripting API))
 *   history()              the client history (Jepsen-style)
 *   loadScenario(json)     object or JSON text; throws (and shows) a readable error. Same protocol bundle as
 *                          the current run: synchronous; another bundle: returns a Promise (rejected on error)
 *   configure(cfg)         live reconfiguration of every node (Dynamo: {n, r, w, sloppy_quorum,
 *                          last_writer_wins}); throws the simulator's readable error otherwise
 *   seek(ms) → now, seekEnd()   time travel: identical to running straight there; acting in the past forks
 *   runTimeline()          {now, end, in_past, actions, applied, marks[{at, kind, text}], checkpoints, spacing}
 *   shareLink()            a URL that replays this run and lands at this moment (needs `share`)
 *   openPanel(name, on)    load (once, on demand) and open / close a lazy panel ("spacetime"); a Promise of
 *                          the panel (its API: point({kind, from, to, after}), select(id), setView(a, b), …)
 *   ready                  a Promise resolved when the current run exists
 *   metrics                {frames (rAF callbacks), lastFrameMs, frameTimes (ring, ms), frameIndex,
 *                           firstFrameMs, simTimeMs}
 *
 * DOM events (bubbling, composed)
 *   leader-elected      {node, term}
 *   partition-change    {groups}                   whenever the simulator's groups change
 *   client-op-complete  {client, request, label, outcome: "ok"|"fail"|"info", result, at, latency}
 *                       exactly once per completed operation (keyed by client + request id)
 *   error               {message, fatal}           fatal = the simulator panicked (banner shown)
 *   spacetime-select    {id, kind, from, to, sent, end, fate, detail}   an arrow clicked in the space-time diagram
 *
 * No work when idle: paused, page hidden or element disconnected → no rAF callback, no timer.
 * Never innerHTML with data: the static template is in styles.js; everything else is textContent.
 */
import { CSS, HTML } from './styles.js';
import { Renderer, T, A, roleWord, views, family } from './render.js';
import { W, H, sideOf, attachDrag, spotsOnSide, clampPt, clamp } from './gestures.js';
import { Timeline, liveWindow } from './timeline.js';
import { Travel, shareKey } from './travel.js';
import { adoptStyles, sizeObserver } from './host.js';

export const SCENARIOS = ['raft-basic', 'raft-leader-crash', 'raft-minority-partition', 'raft-figure-8', 'bench-raft',
  'paxos-basic', 'paxos-dueling-proposers', 'multipaxos-leader-failover', 'multipaxos-minority-partition',
  'dynamo-partition-both-sides-write', 'dynamo-strict-quorum', 'dynamo-hinted-handoff', 'dynamo-lww-lost-write',
  'zab-election', 'zab-follower-behind-diff', 'zab-truncate-uncommitted', 'zab-stale-local-read',
  '2pc-happy', '2pc-participant-votes-no', '2pc-coordinator-crash', '2pc-partition-during-prepare'];
const DEFAULT_SPEED = 0.1;
const DEFAULT_LINE = { x1: 470, y1: 388, x2: 470, y2: 12 }; // bottom → top: side A (0) is the left

/** Every protocol the element accepts; each lives in one wasm bundle (www/pkg/<bundle>/). */
export const PROTOCOLS = ['raft', 'paxos', 'multipaxos', 'dynamo', 'zab', '2pc'];
/** protocol → the wasm bundle carrying it (one cargo feature per bundle). */
export const BUNDLE_OF = { raft: 'raft', paxos: 'paxos', multipaxos: 'paxos', dynamo: 'dynamo', zab: 'zab', '2pc': 'twopc' };

/**
 * Panels loaded on demand (not in a page's first download): name → module, by a variable path so a
 * bundler leaves it to run time. A module's default export is { name, mount(host) → instance } with
 * instance.open(on), reset(), frame(f, t, slow), jumped() and actions { [data-action]: fn } (the
 * interface of www/panels); the element calls them at those points of its life once loaded.
 */
const LAZY_PANELS = { spacetime: './panels/spacetime.js' };
/** bundle → its view module, loaded with the bundle (counted on that bundle's page only). */
const VIEW_OF = { twopc: './twopc-view.js', zab: './zab-view.js' };
const wasmP = new Map();
/**
 * A bundle's wasm module, initialised once per page and shared by every element. The .wasm is
 * fetched here, by the same URL and mode as index.html's <link rel="preload" as="fetch" crossorigin>
 * (so a page that preloads it downloads it once), and compiled while it streams in, in parallel with
 * loading the wasm-bindgen glue; the glue then only instantiates the compiled module.
 */
function loadWasm(bundle) {
  let p = wasmP.get(bundle);
  if (!p) {
    p = (async () => {
      const compiled = fetch(new URL(`./pkg/${bundle}/cap_playground_bg.wasm`, import.meta.url)).then((r) => {
        if (!r.ok) throw new Error(`HTTP ${r.status} fetching ${r.url}`);
        return /^application\/wasm\b/.test(r.headers.get('Content-Type') || '') ? WebAssembly.compileStreaming(r)
          : r.arrayBuffer().then((b) => WebAssembly.compile(b)); // a host with the wrong MIME type
      });
      compiled.catch(() => {}); // reported through init below
      // A protocol's own drawing code (www/<bundle>-view.js) is fetched only by pages that show it
      // (a variable path, so a bundler leaves it to run time too).
      const view = VIEW_OF[bundle] ? import(VIEW_OF[bundle]).then((v) => { views[bundle] = v; }) : null;
      // A variable, not a template literal: a bundler must leave this import to run time.
      const glue = `./pkg/${bundle}/cap_playground.js`;
      const m = await import(glue);
      await m.default({ module_or_path: compiled });
      await view;
      return m;
    })().catch((e) => { wasmP.delete(bundle); throw e; });
    wasmP.set(bundle, p);
  }
  return p;
}
// Start at module evaluation, not when the first element connects (first frame budget: 250 ms): the
// bundles of the elements already in the page (a module script runs after parsing), Raft when there
// are none yet; an element with a scenario names its protocol only in the file.
{
  const els = [...document.querySelectorAll('cap-playground')];
  const want = new Set(els.filter((e) => !e.hasAttribute('scenario')).map((e) => BUNDLE_OF[(e.getAttribute('protocol') ?? 'raft').trim()]).filter(Boolean));
  if (!els.length) want.add('raft');
  for (const b of want) loadWasm(b).catch(() => { /* the element says what went wrong when it connects */ });
}

/** The protocol a scenario's JSON text names: a string, or null when the text is not JSON. */
function scenarioProtocol(text) {
  let o;
  try { o = JSON.parse(text); } catch { return null; }
  return String(o?.protocol ?? '');
}
const protocolError = (where, proto) => `cap-playground: ${where}protocol="${proto}" is not available. Accepted protocols: ${PROTOCOLS.join(', ')}.`;

/** A panic poisons an instance: the trap, or wasm-bindgen's guard on the half-borrowed handle. */
const isFatal = (e) => e instanceof WebAssembly.RuntimeError || /recursive use of an object|null pointer passed to rust|unreachable/i.test(e?.message || '');

/** The frame as a plain object (the wasm side hands over JSON text). */
const frameOf = (pg) => JSON.parse(pg.frameJson());
/**
 * Between full frames the loop pulls a light one (no node logs and stores, no ops or per-side
 * scoreboard: the bulk of a busy frame, drawn only ~10 times a second) and carries those over
 * from the last full frame, so this.f keeps the whole shape.
 */
const lightFrameOf = (pg, prev) => {
  const f = JSON.parse(pg.lightFrameJson());
  f.ops = prev.ops;
  f.sides = prev.sides;
  f.nodes.forEach((nd, i) => { const p = prev.nodes[i]; if (p && nd.log) { nd.log = p.log; nd.kv = p.kv; } });
  return f;
};

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

/** Node positions, the partition line and free-standing clients: the element's layout state. */
class Layout {
  constructor(n) {
    const cx = 232, cy = 205, r = n <= 1 ? 0 : n <= 3 ? 110 : 145;
    this.home = Array.from({ length: n }, (_, i) => {
      const a = -Math.PI / 2 + (2 * Math.PI * i) / n;
      return { x: cx + r * Math.cos(a), y: cy + r * Math.sin(a), a };
    });
    this.nodes = this.home.map((p) => ({ x: p.x, y: p.y }));
    this.line = { ...DEFAULT_LINE };
    this.free = new Map(); // client id → {x,y} when dropped away from a node
    this.attach = new Map(); // client id → [node, k-th client of that node]
    this.selected = null;
    this.dragging = null;
  }
  goHome() {
    this.nodes = this.home.map((p) => ({ x: p.x, y: p.y }));
    this.line = { ...DEFAULT_LINE };
    this.free.clear();
  }
  clientPos(id) {
    const f = this.free.get(id);
    if (f) return f;
    const [node, k] = this.attach.get(id) || [0, 0];
    const p = this.nodes[node], h = this.home[node];
    if (!p) return { x: 0, y: 0 };
    const a0 = h ? h.a : 0, sg = Math.sin(a0 - 0.8) > Math.sin(a0 + 0.8) + 0.01 ? -1 : 1; // avoid the id label above
    const a = a0 + sg * (0.8 + 0.65 * k);
    return { x: p.x + 52 * Math.cos(a), y: p.y + 52 * Math.sin(a) };
  }
}

class CapPlayground extends HTMLElement {
  static observedAttributes = ['protocol', 'nodes', 'seed', 'scenario', 'speed', 'theme', 'view'];

  constructor() {
    super();
    const root = this.attachShadow({ mode: 'open' });
    root.innerHTML = adoptStyles(root, CSS) + HTML; // a constructed stylesheet: allowed under a strict CSP
    const found = new Map(); // the template is static: look each selector up once
    const $ = (s) => { let e = found.get(s); if (e === undefined) found.set(s, (e = root.querySelector(s))); return e; };
    this.$ = $;
    this.svg = $('.diagram');
    this.svg.setAttribute('tabindex', '-1');
    this.renderer = new Renderer(this.svg, $('.log'));
    this.timeline = new Timeline($('.tlsvg'));
    this.pg = null;
    this.f = null;
    this.layout = new Layout(0);
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
    this._lazy = new Map(); // lazy panels loaded so far: name → instance
    this._wire();
    this.travel = new Travel(this);
    this.speed = DEFAULT_SPEED;
    this._applySpeedAttr();
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
      else if (/^[\w.-]+$/.test(name)) url = new URL(`./scenarios/${name}.json`, import.meta.url);
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
      else if (!PROTOCOLS.includes(p)) return this._attrError(protocolError(`scenario "${name}": `, p));
      else bundle = BUNDLE_OF[p];
    } else {
      proto = (this.getAttribute('protocol') ?? 'raft').trim();
      if (!PROTOCOLS.includes(proto)) return this._attrError(protocolError('', proto));
      const na = this.getAttribute('nodes');
      if (na != null) {
        if (!/^\s*\d{1,3}\s*$/.test(na)) return this._attrError(`cap-playground: nodes="${na}" is not accepted: use a whole number from 1 to 9.`);
        nodes = Number(na);
      }
      bundle = BUNDLE_OF[proto];
    }
    let m;
    try {
      m = await loadWasm(bundle);
    } catch (e) {
      if (token === this._token) this._attrError(`cap-playground: could not load the simulator (pkg/${bundle}/cap_playground.js): ${e.message}. Build it first: npm run build.`);
      return;
    }
    if (token !== this._token) return;
    this.wasm = m;
    this._bundle = bundle;
    if (seed === 'random') seed = m.randomSeed();
    this._source = scenario ? { kind: 'json', text, name: scenario.name, file: /^[\w-]+$/.test(scenario.name) ? scenario.name : undefined } : { kind: 'defaults', protocol: proto, nodes };
    try { this._create(seed); } catch { /* message already shown */ }
  }

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
    this._msgSnap = null;
    this._write = null;
    this.$('.write-out').textContent = '';
    this.$('.msg-panel').hidden = true;
    this.$('.node-panel').hidden = true;
    this.layout = new Layout(0);
    this.renderer.reset();
    this._scoreCols = null;
    this._tlMode = 'live';
    this._witCache = null;
    this._dyn = null; this._healAt = null; this._convIn = null; this._wasSplit = false; this._nrwDirty = false;
    this.$('.ringsvg').__sig = null;
    this.travel.reset();
    this._tlSel = null;
    this._refresh();
    for (const p of this._lazy.values()) p.reset?.();
    if (!this._viewDone) { this._viewDone = true; this._applyView(); }
    this.$('.wrap').dataset.proto = this.f.protocol;
    this._caption();
    this._fillWorkload();
    this.$('.seed').value = String(this.f.seed);
    const sel = this.$('.client');
    sel.replaceChildren(...this.f.clients.map((c) => {
      const o = document.createElement('option');
      o.value = String(c.id);
      o.textContent = `c${c.id}`;
      return o;
    }));
    // Until the first run is drawn the box is laid out empty (content-visibility: hidden): no
    // layout of the bare template on the way to the first frame.
    this.$('.wrap').classList.remove('loading');
    this._startLoop();
    // First frame = the first rAF callback after the first run exists (its DOM is drawn above).
    if (this.metrics.firstFrameMs == null && !this._raf) requestAnimationFrame(() => { this.metrics.firstFrameMs ??= performance.now(); });
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
    if (this._raf || this._paused || !this.isConnected || document.hidden || !this.pg) return;
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
   * Pull a frame from the simulator, draw it, emit events. slow = also the ~10 Hz parts (log
   * strip, scoreboard, status, panels); false only from the animation loop.
   */
  _refresh(slow = true) {
    const prev = this.f;
    const f = slow || !prev ? this._sim(frameOf) : this._sim((pg) => lightFrameOf(pg, prev));
    this.f = f;
    this.metrics.simTimeMs = f.now;
    const events = [];
    this._syncLayout(f, events);
    this._draw(slow);
    this._collectEvents(f, events);
    for (const [type, detail] of events) this.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }

  /** Draw the last frame again (layout changed, or a resize) without touching the simulator. */
  _draw(slow = true) {
    const f = this.f;
    if (!f) return;
    const t = f.now + this._acc;
    if (slow) this._slowAt = performance.now() + 100;
    const o = this._drawOpt;
    o.reduced = this._reduced.matches; o.selectedMsg = this._selMsg; o.narrow = this._narrow; o.slow = slow;
    if (slow && f.protocol === 'dynamo') this._dyn = this._dynSummary(f);
    o.pref = f.protocol === 'dynamo' ? this._dyn?.pref : null;
    this.renderer.render(f, t, this.layout, o);
    this._ui(f, t, slow);
    for (const p of this._lazy.values()) p.frame?.(f, t, slow);
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
      cw[s].forEach((id, i) => L.free.set(id, spots[i]));
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

  _collectEvents(f, events) {
    const ns = f.notices;
    // Newest last: walk back to the first unseen one, then forward (each notice once, by seq).
    let i = ns.length;
    while (i > 0 && ns[i - 1].seq > this._noticeSeq) i--;
    for (; i < ns.length; i++) {
      const nt = ns[i];
      this._noticeSeq = nt.seq;
      this._lastNotice = nt;
      if (nt.kind === 'leader_elected') events.push(['leader-elected', { node: nt.node, term: nt.term }]);
    }
    for (const c of f.clients) {
      const l = c.last;
      if (!l || this._lastReq.get(c.id) === l.request) continue;
      this._lastReq.set(c.id, l.request);
      events.push(['client-op-complete', { client: c.id, request: l.request, label: l.label, outcome: l.outcome, result: l.result, at: l.at, latency: l.latency }]);
      const w = this._write;
      // Our write: the request submit() returned, else the first request this client started
      // after the submit (ids are sequential per client; queued explicit operations go first).
      if (w && w.client === c.id && (w.request != null ? l.request === w.request : l.request > w.after)) {
        const out = this.$('.write-out');
        out.textContent = `${l.label} → ${l.outcome === 'ok' ? '✓ ok' : l.outcome === 'fail' ? '✕ failed' : '? unknown'} ${l.result || ''} (${l.latency} ms)`;
        out.className = `out write-out ${l.outcome}`;
        this._write = null;
      }
    }
  }

  // ---- panels, scoreboard, status ----------------------------------------------------------
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

  _ui(f, t, slow) {
    T(this.$('.clock'), `t = ${(t / 1000).toFixed(3)} s`);
    if (!slow) return;
    this.$('.heal').disabled = f.groups.length <= 1 && !f.cuts.length;
    this._syncPlay();
    this._status();
    this._score(f);
    this._timeline(f);
    this.travel.update();
    if (this.layout.selected != null) this._nodePanel(f);
    if (this._selMsg != null) this._msgPanel(f);
    if (f.protocol === 'dynamo' && this._dyn) this._dynUi(f, this._dyn);
    if ((f.protocol === '2pc' && views.twopc) || this._tp) views.twopc.ui(this, f); // twopc-view.js
  }

  // ---- Dynamo: ring, preference list, divergence, N / R / W ---------------------------------
  /** From the views: per key its preference list and owners' digests; the selected key's owners and stand-ins. */
  _dynSummary(f) {
    const keys = new Map(), hints = [];
    for (const nd of f.nodes) {
      const dy = nd.dynamo;
      if (!dy) continue;
      for (const kv of dy.keys) {
        let e = keys.get(kv.key);
        if (!e) keys.set(kv.key, (e = { pos: kv.pos, preference: kv.preference, digests: new Map() }));
        e.digests.set(nd.id, kv.digest);
      }
      for (const h of dy.hints) hints.push({ holder: nd.id, owner: h.owner, key: h.key, value: h.value, versions: h.versions });
    }
    let divergent = 0;
    for (const e of keys.values()) {
      const ds = new Set(e.preference.map((o) => (f.nodes[o]?.dynamo ? e.digests.get(o) ?? 'absent' : 'unknown')).filter((d) => d !== 'unknown'));
      if ((e.divergent = ds.size > 1)) divergent++;
    }
    const sel = this._ringKey || 'x', ke = keys.get(sel), pref = new Map();
    ke?.preference.forEach((o, i) => pref.set(o, String(i + 1)));
    const selHints = hints.filter((h) => h.key === sel);
    for (const h of selHints) if (!pref.has(h.holder)) pref.set(h.holder, 'h');
    return { keys, hints, divergent, sel, ke, pref, selHints };
  }

  _dynUi(f, d) {
    // Divergence and time to convergence (simulated ms since the last heal).
    const split = f.groups.length > 1 || f.cuts.length > 0;
    if (split) { this._healAt = null; this._convIn = null; }
    else if (this._wasSplit) { this._healAt = f.now; this._convIn = null; }
    this._wasSplit = split;
    if (this._healAt != null && this._convIn == null && d.divergent === 0) this._convIn = f.now - this._healAt;
    const dv = this.$('.diverge'), n = d.divergent;
    const ks = [...d.keys].filter(([, e]) => e.divergent).map(([k]) => k).join(', ');
    T(dv, n ? `≠ diverging: ${n} key${n === 1 ? '' : 's'} (${ks}): owners' digests disagree` +
      (this._healAt != null ? ` · ${f.now - this._healAt} ms since the heal` : '')
      : this._convIn != null ? `= converged in ${this._convIn} ms after the heal: every key's owners agree`
      : `= 0 divergent keys: every key's owners agree`);
    A(dv, 'class', `diverge for-dynamo ${n ? 'bad' : 'ok'}`);
    A(dv, 'data-divergent', String(n));
    A(dv, 'data-converged-ms', this._convIn == null ? '' : String(this._convIn));
    // Key picker: the keys any node holds (x first).
    const selEl = this.$('.ring-key'), names = [...new Set(['x', ...d.keys.keys()])].sort();
    const ksig = names.join();
    if (selEl.__sig !== ksig) {
      selEl.__sig = ksig;
      selEl.replaceChildren(...names.map((k) => { const o = document.createElement('option'); o.textContent = k; return o; }));
      selEl.value = d.sel;
    }
    this._ring(f, d);
    this._nrwSync(f);
  }

  /** The ring: every token a tick (labelled with its node), the selected key and the clockwise walk to its N owners. */
  _ring(f, d) {
    const svg = this.$('.ringsvg'), cx = 110, cy = 92, R = 62;
    const toks = [];
    for (const nd of f.nodes) for (const t of nd.dynamo?.tokens || []) toks.push([t, nd.id]);
    toks.sort((a, b) => a[0] - b[0]);
    const ke = d.ke, pref = ke?.preference || [];
    const sig = JSON.stringify([toks, d.sel, ke?.pos, pref, d.selHints.map((h) => [h.holder, h.owner])]);
    if (svg.__sig !== sig) {
      svg.__sig = sig;
      const NS = 'http://www.w3.org/2000/svg';
      const mk = (tag, at, txt) => { const e = document.createElementNS(NS, tag); for (const k in at) e.setAttribute(k, at[k]); if (txt != null) e.textContent = txt; return e; };
      const ang = (p) => (p / 4294967296) * 2 * Math.PI - Math.PI / 2;
      const pt = (a, r) => [(cx + r * Math.cos(a)).toFixed(1), (cy + r * Math.sin(a)).toFixed(1)];
      const out = [mk('circle', { class: 'rc', cx, cy, r: R })];
      // The walk from the key clockwise: the first token of each owner in preference order.
      const firstTok = new Map();
      if (ke) {
        const start = toks.findIndex(([t]) => t >= ke.pos);
        for (let i = 0; i < toks.length && firstTok.size < pref.length; i++) {
          const [t, id] = toks[(Math.max(0, start) + i) % toks.length];
          if (start < 0 && i === 0) { /* wrapped: start at the smallest token */ }
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
        out.push(mk('text', { class: own ? 'tkl own' : 'tkl', x: lx, y: (+ly + 3.5 + dy).toFixed(1) }, own ? `${rank + 1}·n${id}` : String(id)));
      }
      if (ke) {
        const a = ang(ke.pos), [kx, ky] = pt(a, R), [lx, ly] = pt(a, R - 17);
        out.push(mk('circle', { class: 'key', cx: kx, cy: ky, r: 5 }), mk('text', { class: 'kl', x: lx, y: (+ly + 3.5).toFixed(1) }, d.sel));
      }
      out.push(mk('text', { x: cx, y: cy + 4, class: 'tkl' }, `${toks.length} tokens`));
      svg.replaceChildren(...out);
    }
    const hints = d.selHints.map((h) => `n${h.holder} holds a hint for n${h.owner}`);
    T(this.$('.pref'), ke ? `${d.sel} → ${pref.map((o, i) => `${i + 1} n${o}${i === 0 ? ' (home)' : ''}`).join(' · ')}` + (hints.length ? ` · stand-ins: ${hints.join(', ')}` : '')
      : `no node holds ${d.sel} yet: its preference list appears with the first write`);
  }

  /** Slider positions ← the nodes' N / R / W (unless the reader is moving one). */
  _nrwSync(f) {
    const nrw = f.nodes.find((nd) => nd.dynamo)?.dynamo.nrw;
    if (!nrw) return;
    const $ = this.$, n = f.nodes.length;
    for (const [i, c] of ['n', 'r', 'w'].entries()) {
      const e = $('.nrw-' + c);
      A(e, 'max', String(n));
      if (this.shadowRoot.activeElement !== e && !this._nrwDirty) e.value = String(nrw[i]);
    }
    this._nrwText();
  }
  _nrwText() {
    const $ = this.$, [n, r, w] = ['n', 'r', 'w'].map((c) => Number($('.nrw-' + c).value));
    T($('.o-n'), String(n)); T($('.o-r'), String(r)); T($('.o-w'), String(w));
    const ok = r + w > n, q = $('.nrw .q');
    T(q, ok ? `R + W = ${r + w} > N = ${n}: quorums overlap: reads see the latest acknowledged write${$('.nrw-sloppy').checked ? ' (unless sloppy stand-ins answered)' : ''}`
      : `R + W = ${r + w} ≤ N = ${n}: quorums may miss each other (stale reads possible)`);
    A(q, 'class', ok ? 'q ok' : 'q no');
  }
  /** Paxos: switch the dueling-proposers remedy live, keeping the rest of the run's settings. */
  _backoffApply() {
    const on = this.$('.px-backoff').checked;
    try {
      const sc = JSON.parse(this.pg.scenarioJson());
      this.configure({ ...(sc.config || {}), random_backoff: on });
      this._say(on ? 'random back-off on: a pre-empted proposer now waits a random pause' : 'random back-off off: proposers retry after a fixed pause (may livelock)');
    } catch (e) {
      if (!this._poisoned) this._say(`configure: ${e.message || e}`, true);
      this.$('.px-backoff').checked = !on;
    }
  }

  _nrwApply() {
    const $ = this.$, [n, r, w] = ['n', 'r', 'w'].map((c) => Number($('.nrw-' + c).value));
    this._nrwDirty = false;
    try {
      // Keep the run's other settings; hinted handoff goes with the sloppy-quorum switch (a
      // strict quorum writes no hints, and the simulator refuses handoff without it).
      let base = {};
      try { base = JSON.parse(this.pg.scenarioJson()).config || {}; } catch { /* defaults */ }
      const sloppy = $('.nrw-sloppy').checked;
      this.configure({ ...base, n, r: Math.min(r, n), w: Math.min(w, n), sloppy_quorum: sloppy, hinted_handoff: sloppy, last_writer_wins: $('.nrw-lww').checked });
      this._say(`reconfigured every node live: N = ${n}, R = ${Math.min(r, n)}, W = ${Math.min(w, n)}`);
    } catch (e) {
      if (!this._poisoned) this._say(`configure: ${e.message || e}`, true);
      if (this.f) this._nrwSync(this.f);
    }
  }

  _score(f) {
    const box = this.$('.score');
    const sides = f.sides || [];
    if (!this._scoreCols || this._scoreCols.length !== sides.length) {
      this._scoreCols = sides.map((s, i) => {
        const col = document.createElement('div');
        col.className = `col s${i}`;
        const mk = (tag) => col.appendChild(document.createElement(tag));
        return { col, head: mk('span'), big: mk('b'), ops: mk('span'), lat: mk('span') };
      });
      box.replaceChildren(...this._scoreCols.map((c) => c.col));
    }
    const t0 = f.sides_since || 0;
    T(this.$('.since'), (t0 ? `operations invoked since t = ${(t0 / 1000).toFixed(1)} s, when the partition last changed` : 'operations since the start')
      + (sides.length ? '' : ': none yet'));
    sides.forEach((s, i) => {
      const c = this._scoreCols[i];
      const members = [...f.nodes.filter((n) => n.side === s.side).map((n) => 'n' + n.id),
        ...f.clients.filter((c) => c.side === s.side).map((c) => 'c' + c.id)];
      T(c.head, f.groups.length <= 1 ? 'whole cluster' : `side ${'ABCDEFGH'[s.side] || s.side}: ${members.join(' ')}`);
      const av = s.availability, up = av != null && av >= 80, down = av != null && av < 50;
      T(c.big, av == null ? '— available' : `${up ? '✓' : down ? '✕' : '~'} ${Math.round(av)}% available`);
      T(c.ops, `✓ ${s.ok} ok · ✕ ${s.failed} failed · ? ${s.unknown} unknown${s.pending ? ` · ${s.pending} waiting` : ''}`);
      T(c.lat, s.p50 == null ? 'latency —' : `latency p50 ${s.p50} · p99 ${s.p99} ms`);
      A(c.col, 'class', `col s${i}${down ? ' stalled' : up ? ' up' : av != null ? ' mid' : ''}`);
    });
    this._consistency(f, sides);
  }

  /** The live verdict and its witness, whatever nesting the frame uses. */
  _verdict(f) {
    const live = f.consistency?.live, v = live?.verdict;
    return { verdict: live ? (typeof v === 'string' ? v : v?.verdict ?? null) : null, witness: live?.witness ?? v?.witness ?? null };
  }

  /** The verdict badge, stale reads / lost writes and the one-line CAP reading. */
  _consistency(f, sides) {
    const c = f.consistency || {}, { verdict } = this._verdict(f), n = c.checked_ops ?? 0;
    const b = this.$('.verdict');
    const [cls, big, sub] = verdict === 'linearizable_so_far' ? ['ok', '✓ linearizable so far', `checked ${n} ops${c.capped ? ` (first ${n} ops; later ones not checked)` : ''}`]
      : verdict === 'violation' ? ['bad', '✕ violation: not linearizable', 'click to see the operations that cannot be ordered']
      : verdict === 'unknown' ? ['unk', '? unknown', `the checker ran out of budget on ${n} ops`]
      : ['none', 'consistency not checked', 'no live checker for this run'];
    A(b, 'class', `verdict ${cls}`);
    A(b, 'data-verdict', verdict || '');
    A(b, 'aria-label', `consistency: ${big.slice(2)}; ${sub}`);
    T(this.$('.v-big'), big);
    T(this.$('.v-sub'), sub);
    const st = this.$('.c-stale'), lw = this.$('.c-lost');
    T(st, `stale reads ${c.stale_reads ?? 0}`); A(st, 'class', c.stale_reads ? 'c-stale warn' : 'c-stale');
    T(lw, `lost writes ${c.lost_writes ?? 0}`); A(lw, 'class', c.lost_writes ? 'c-lost warn' : 'c-lost');
    // CAP at a glance, under a partition, once every side has completed something.
    const note = this.$('.capnote'), cut = f.groups.length > 1;
    let kind = '', text = '';
    if (cut && sides.length > 1 && sides.every((s) => s.availability != null)) {
      const all = sides.length === 2 ? 'Both sides' : 'Every side';
      const up = sides.every((s) => s.availability >= 80), down = sides.filter((s) => s.availability < 50);
      const bad = verdict === 'violation' || c.stale_reads > 0 || c.lost_writes > 0;
      const which = down.map((s) => 'ABCDEFGH'[s.side] || s.side).join(', ');
      if (up && bad) { kind = 'ap'; text = `${all} available (≥ 80 %), but consistency is given up: AP.`; }
      else if (up) { kind = 'both'; text = `${all} available (≥ 80 %) and linearizable so far.`; }
      else if (down.length && !bad) { kind = 'cp'; text = `Side ${which} unavailable (< 50 %), the history stays linearizable: CP.`; }
      else if (down.length) { kind = 'neither'; text = `Side ${which} unavailable and consistency violated.`; }
    }
    T(note, text);
    A(note, 'class', `capnote ${kind}`);
    A(note, 'data-cap', kind);
  }

  /** Open / close the timeline; mode 'witness' shows the violation's witness window. */
  _toggleTimeline(open, mode) {
    const box = this.$('.tl');
    box.hidden = !open;
    if (mode) this._tlMode = mode;
    A(this.$('.tl-btn'), 'aria-pressed', open ? 'true' : 'false');
    if (open && this.f) this._timeline(this.f);
  }

  /** The witness's operations and those overlapping them, from the full history (parsed once per witness). */
  _witnessView(w, f) {
    const key = w.failing_op + ':' + w.ops.join(',');
    if (this._witCache?.key !== key) {
      const ids = new Set(w.ops);
      let all = f.ops;
      if (!w.ops.every((id) => f.ops.some((o) => o.id === id))) all = this._sim((pg) => JSON.parse(pg.historyJson()));
      const wo = all.filter((o) => ids.has(o.id));
      this._witCache = { key, all, wo, ids };
    }
    const { all, wo, ids } = this._witCache;
    let lo = Infinity, hi = 0;
    for (const o of wo) { lo = Math.min(lo, o.invoke); hi = Math.max(hi, o.complete ?? f.now); }
    if (!wo.length) [lo, hi] = liveWindow(f.now);
    const pad = Math.max(40, (hi - lo) * 0.06);
    lo = Math.max(0, lo - pad); hi = Math.min(f.now, hi + pad);
    return { ops: all.filter((o) => (ids.has(o.id) || o.op?.key === w.key) && (o.complete ?? f.now) >= lo && o.invoke <= hi), lo, hi, ids };
  }

  _timeline(f) {
    if (this.$('.tl').hidden) return;
    const { witness: w } = this._verdict(f), stale = new Set(f.consistency?.stale_ids || []);
    const modeBtn = this.$('[data-action=tl-mode]');
    modeBtn.hidden = !w;
    const wmode = !!w && this._tlMode === 'witness';
    const sel = this._tlMode === 'sel' ? this._tlSel : null;
    let ops, lo, hi, ids = w ? new Set(w.ops) : null;
    if (wmode) ({ ops, lo, hi, ids } = this._witnessView(w, f));
    else if (sel) {
      // The operation picked in the space-time diagram, with its neighbours (from the record, which
      // may reach past the present when the run is in the past).
      const o = sel.op, end = o.complete ?? f.now, pad = Math.max(500, (end - o.invoke) * 0.5);
      [lo, hi] = [Math.max(0, o.invoke - pad), end + pad];
      ops = (sel.ops || f.ops).filter((x) => x.invoke <= hi && (x.complete ?? f.now) >= lo);
      if (!ops.some((x) => x.id === o.id)) ops = [...ops, o];
    } else { [lo, hi] = liveWindow(f.now); ops = f.ops; }
    T(modeBtn, wmode ? 'show recent operations' : 'show the witness');
    T(this.$('.tl-mode'), wmode ? `the violation on key ${w.key}: outlined operations cannot be put in one order (t = ${(lo / 1000).toFixed(2)}–${(hi / 1000).toFixed(2)} s)`
      : sel ? `operation #${sel.op.id} (c${sel.op.client}), picked in the space-time diagram · t = ${(lo / 1000).toFixed(2)}–${(hi / 1000).toFixed(2)} s`
      : `last ${((hi - lo) / 1000).toFixed(0)} s · ✓ ok ✕ failed ? unknown … waiting · stale = read of an overwritten value`);
    this.timeline.draw(ops, lo, hi, f.now, f.clients.map((c) => c.id), ids, stale, wmode, sel?.op.id);
    const sen = this.$('.tl-sentence'), ul = this.$('.tl-lines');
    sen.hidden = ul.hidden = !w;
    if (w) {
      T(sen, `✕ ${w.sentence}`);
      const sig = w.lines.join('\n') + w.minimal;
      if (ul.__sig !== sig) {
        ul.__sig = sig;
        ul.replaceChildren(...w.lines.map((l) => { const li = document.createElement('li'); li.textContent = l; return li; }));
        if (!w.minimal) { const li = document.createElement('li'); li.textContent = '(not shrunk to a minimal set)'; ul.append(li); }
      }
    }
  }

  /** Workload inputs ← the current run's scenario. */
  _fillWorkload() {
    let sc;
    try { sc = JSON.parse(this.pg.scenarioJson()); } catch { return; }
    const w = sc.workload || {}, $ = this.$;
    $('.nrw-sloppy').checked = !!sc.config?.sloppy_quorum;
    $('.nrw-lww').checked = !!sc.config?.last_writer_wins;
    $('.px-backoff').checked = sc.config?.random_backoff !== false; // Paxos's default is on
    $('.zab-sync').checked = !!sc.config?.sync_reads;
    views.zab?.zabReadsNote(this);
    $('.wl-clients').value = String(sc.clients?.length ?? 2);
    $('.wl-read').value = String(w.read ?? 2); $('.wl-write').value = String(w.write ?? 2); $('.wl-cas').value = String(w.cas ?? 1);
    $('.wl-transfer').value = String(w.transfer ?? 0);
    $('.wl-keys').value = String(w.keys ?? 1); $('.wl-interval').value = String(w.interval_ms ?? 300);
    $('.wl-timeout').value = String(sc.clients?.[0]?.timeout_ms ?? 1000);
  }

  /** Rebuild the run with the workload inputs: same protocol, servers, seed, config and partition. */
  _applyWorkload() {
    const f = this.f;
    const num = (cls, lo, hi, what) => {
      const v = Number(this.$(cls).value);
      if (!Number.isInteger(v) || v < lo || v > hi) throw new Error(`${what} "${this.$(cls).value}" is not accepted: use a whole number from ${lo} to ${hi}`);
      return v;
    };
    const n = num('.wl-clients', 1, 6, 'clients'), read = num('.wl-read', 0, 99, 'read weight'), write = num('.wl-write', 0, 99, 'write weight');
    // 2PC's keys are bank accounts (a transfer needs two); the register protocols' checker stays
    // quick with up to three keys.
    const bank = f.protocol === '2pc';
    const cas = num('.wl-cas', 0, 99, 'cas weight'), keys = bank ? num('.wl-keys', 2, 9, 'accounts') : num('.wl-keys', 1, 3, 'keys');
    const transfer = bank ? num('.wl-transfer', 0, 99, 'transfer weight') : 0;
    const interval = num('.wl-interval', 10, 10000, 'interval ms'), timeout = num('.wl-timeout', 50, 60000, 'timeout ms');
    if (read + write + cas + transfer === 0) throw new Error(`workload: give at least one of read / write / cas${bank ? ' / transfer' : ''} a weight above 0`);
    const sc = JSON.parse(this._sim((pg) => pg.scenarioJson()));
    const nodes = sc.nodes;
    sc.clients = Array.from({ length: n }, (_, i) => ({ node: f.clients[i]?.node ?? (n === 1 ? 0 : Math.round((i * (nodes - 1)) / (n - 1))), timeout_ms: timeout }));
    sc.workload = { ...(sc.workload || { max_value: 9, start_ms: 500 }), interval_ms: interval, read, write, cas, transfer, keys };
    sc.steps = [];
    if (f.groups.length > 1) {
      const groups = f.groups.map((g) => g.filter((m) => m[0] === 'n'));
      sc.clients.forEach((c, i) => groups[f.clients[i]?.side ?? f.nodes[c.node]?.side ?? 0]?.push('c' + i));
      sc.steps.push({ at: 0, action: 'partition', groups: groups.filter((g) => g.length) });
    }
    this.loadScenario(sc);
    this._say(`workload applied: the run restarted at t = 0 (${sc.protocol}, ${nodes} servers, seed ${sc.seed}${f.groups.length > 1 ? ', same partition' : ''})`);
  }

  /** Download the client history (Porcupine JSON or Jepsen EDN) through a Blob: no request. */
  _export(kind) {
    const f = this.f, edn = kind === 'edn';
    const text = this._sim((pg) => (edn ? pg.exportEdn() : pg.exportPorcupine()));
    const url = URL.createObjectURL(new Blob([text], { type: edn ? 'application/edn' : 'application/json' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `cap-${f.protocol}-seed${f.seed}.${edn ? 'edn' : 'json'}`;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }

  _nodePanel(f) {
    const id = this.layout.selected, nd = f.nodes[id], P = this.$('.node-panel');
    if (!nd) { P.hidden = true; return; }
    P.hidden = false;
    const alive = nd.alive && nd.role;
    const px = nd.paxos, dy = nd.dynamo, multi = f.protocol === 'multipaxos', zp = nd.zab ? views.zab.zabPanel(nd, alive) : null;
    const tp = nd.twopc && views.twopc ? views.twopc.twopcPanel(nd, id, alive) : null;
    const timer = nd.timer ? `fires at ${nd.timer[1]} ms` : '—';
    const lg = nd.log || [];
    let table = null;
    const clock = (c) => `[${Object.entries(c || {}).map(([k, v]) => `${k}:${v}`).join(', ')}]`;
    if (tp) {
      T(this.$('.np-title'), tp.title);
      table = tp.table;
    } else if (zp) {
      T(this.$('.np-title'), zp.title);
      table = zp.table;
    } else if (px) {
      const rw = [...px.roles].map((c) => ({ P: 'proposer', A: 'acceptor', L: 'learner' })[c]).filter(Boolean).join(' · ');
      T(this.$('.np-title'), `n${id} — ${alive ? px.roles + (nd.role === 'leader' ? ' ★ leader' : '') : 'crashed'}, promised ${px.promised ? 'b' + px.promised : '—'}`);
      table = [['slot', 'proposed', 'accepted (ballot)', 'chosen'],
        ...px.slots.map((x) => [String(x.slot), x.proposed ?? '—', x.accepted != null ? `${x.accepted} (b${x.accepted_ballot})` : '—', x.chosen != null ? '✓ ' + x.chosen : '—'])];
    } else if (dy) {
      T(this.$('.np-title'), `n${id} — ${alive ? 'replica' : 'crashed'}, ${dy.keys.length} key${dy.keys.length === 1 ? '' : 's'}`);
      table = [['key', 'value', 'vector clock', 'siblings']];
      for (const kv of dy.keys) kv.versions.forEach((v, i) => table.push([i ? '' : kv.key, String(v.value) + (v.acked ? '' : ' (not acked)'), clock(v.clock), i ? '' : String(kv.siblings)]));
    } else T(this.$('.np-title'), alive ? `n${id} — ${roleWord(nd.role)}, term ${nd.term}` : `n${id} — crashed`);
    const store = ['store', Object.entries(nd.kv || {}).map(([k, v]) => `${k}=${v}`).join(' ') || '—'];
    const rows = tp ? tp.rows : zp ? zp.rows : px ? [
      ['roles', px.roles.split('').join(' ') + ' = ' + [...px.roles].map((c) => ({ P: 'proposer', A: 'acceptor', L: 'learner' })[c]).filter(Boolean).join(', ')],
      ['state', alive ? px.phase : 'crashed (promises and accepts are durable)'], ['own ballot', px.ballot ? 'b' + px.ballot : '—'],
      ['promised ballot', px.promised ? 'b' + px.promised : '—'],
      ...(multi ? [['accepted ballots', [...new Set(px.slots.map((x) => x.accepted_ballot).filter(Boolean))].map((b) => 'b' + b).join(', ') || '—'],
        ['leader', px.leader == null ? '—' : 'n' + px.leader], ['chosen up to', `slot ${Math.max(0, px.chosen_upto - 1)} (applied in order)`], store]
        : [['accepted', px.accepted ? 'b' + px.accepted : '—'], ['chosen', px.chosen ? `✓ ${px.chosen} (never changes)` : 'not yet']]),
      ['restarts', nd.restarts],
    ] : dy ? [
      ['tokens', `${dy.tokens.length}: ${dy.tokens.map((t) => (t / 4294967296 * 100).toFixed(1) + '%').join(' ')}`],
      ['N / R / W', dy.nrw.join(' / ')], ['suspects', dy.suspects.length ? dy.suspects.map((x) => 'n' + x).join(' ') : '—'],
      ['hints held', dy.hints.length ? dy.hints.map((h) => `${h.key}=${h.value ?? '—'} for n${h.owner}${h.versions > 1 ? ` (${h.versions} versions)` : ''}`).join('; ') : 'none'],
      ['lost (LWW)', dy.keys.reduce((a, k) => a + k.lost, 0)], ['restarts', nd.restarts],
    ] : !alive ? [
      // A crashed node's frame entry is its durable state (term, vote, log): what a restart reads.
      ['durable state', nd.term == null ? '—' : `term ${nd.term}, voted for ${nd.voted_for == null ? 'nobody' : 'n' + nd.voted_for}, ` +
        `log ${nd.last_index ? `#1–#${nd.last_index}${lg.length ? ` (last term ${lg[lg.length - 1].term})` : ''}` : 'empty'}` +
        (nd.snapshot_index ? `, snapshot to #${nd.snapshot_index}` : '')],
      ['lost in the crash', 'role, leader, commit index, votes, timers'], ['restarts', nd.restarts],
    ] : [
      ['voted for', nd.voted_for == null ? '—' : 'n' + nd.voted_for], ['leader', nd.leader == null ? '—' : 'n' + nd.leader],
      ['commit index', nd.commit_index], ['last index', nd.last_index], ['snapshot', nd.snapshot_index],
      ['election timer', timer], ['store', Object.entries(nd.kv || {}).map(([k, v]) => `${k}=${v}`).join(' ') || '—'],
      ['votes', nd.votes?.length ? nd.votes.map((v) => 'n' + v).join(' ') : '—'], ['restarts', nd.restarts],
    ];
    const dl = this.$('.np-dl');
    const sig = rows.map((r) => r[0]).join();
    if (dl.__sig !== sig) {
      dl.__sig = sig;
      dl.replaceChildren();
      dl.__dd = rows.map(([k]) => {
        const dt = document.createElement('dt');
        dt.textContent = k;
        const dd = document.createElement('dd');
        dl.append(dt, dd);
        return dd;
      });
    }
    rows.forEach((r, i) => T(dl.__dd[i], String(r[1])));
    const tb = this.$('.np-peers');
    const peers = alive && nd.peers?.length ? nd.peers : [];
    if (!table && peers.length) table = [['peer', 'next', 'match'], ...peers.map((p) => ['n' + p.id, String(p.next_index), String(p.match_index)])];
    const psig = JSON.stringify(table);
    if (tb.__sig !== psig) {
      tb.__sig = psig;
      tb.replaceChildren();
      (table || []).forEach((cells, i) => {
        const r = tb.insertRow();
        if (cells.cls) r.className = cells.cls;
        for (const c of cells) { const e = document.createElement(i ? 'td' : 'th'); e.textContent = c; r.appendChild(e); }
      });
    }
    P.querySelector('[data-action=crash]').disabled = !alive;
    P.querySelector('[data-action=timeout]').disabled = !alive;
    P.querySelector('[data-action=restart]').disabled = !!alive;
  }

  _msgPanel(f) {
    const P = this.$('.msg-panel');
    const live = f.messages.find((m) => m.id === this._selMsg);
    if (live) this._msgSnap = live;
    const m = this._msgSnap;
    if (!m) { P.hidden = true; return; }
    P.hidden = false;
    const lost = m.lost_at != null && m.lost_at <= f.now;
    const status = lost ? `lost at ${m.lost_at} ms` : live ? 'in flight' : 'delivered';
    T(this.$('.mp-title'), `${m.kind}: ${m.from} → ${m.to}`);
    const rows = [['', m.is_reply ? 'reply (hollow dot)' : 'request (filled dot)'], ['fields', m.detail], ['sent', `${m.sent} ms`], ['arrives', `${m.deliver_at} ms`], ['status', status]];
    const dl = this.$('.mp-dl');
    if (!dl.__dd) {
      dl.__dd = rows.map(() => {
        const dt = document.createElement('dt'), dd = document.createElement('dd');
        dl.append(dt, dd);
        return [dt, dd];
      });
    }
    rows.forEach((r, i) => { T(dl.__dd[i][0], r[0] || 'kind'); T(dl.__dd[i][1], r[1]); });
    P.querySelector('[data-action=drop]').disabled = !live || lost;
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
    for (const c of ['n', 'r', 'w']) {
      const e = $('.nrw-' + c);
      e.addEventListener('input', () => { this._nrwDirty = true; this._nrwText(); });
      e.addEventListener('change', () => this._nrwApply());
    }
    for (const c of ['sloppy', 'lww']) $('.nrw-' + c).addEventListener('change', () => this._nrwApply());
    $('.px-backoff').addEventListener('change', () => this._backoffApply());
    $('.zab-sync').addEventListener('change', () => views.zab?.zabReads(this));
    $('.ring-key').addEventListener('change', () => { this._ringKey = $('.ring-key').value; if (this.f) { this._draw(); } });
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
        if (s.type === 'node') { L.dragging = s.id; L.nodes[s.id] = clampPt({ x: p.x + s.off.x, y: p.y + s.off.y }); }
        else if (s.type === 'client') L.free.set(s.id, clampPt({ x: p.x + s.off.x, y: p.y + s.off.y }, 14));
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

  _moveHandle(h, p) {
    const L = this.layout, q = { x: clamp(p.x, 0, W), y: clamp(p.y, 0, H) };
    const o = h === '1' ? { x: L.line.x2, y: L.line.y2 } : { x: L.line.x1, y: L.line.y1 };
    if (Math.hypot(q.x - o.x, q.y - o.y) < 40) return;
    L.line = h === '1' ? { x1: q.x, y1: q.y, x2: o.x, y2: o.y } : { x1: o.x, y1: o.y, x2: q.x, y2: q.y };
  }

  _select(id, el) {
    this.layout.selected = id;
    this.$('.node-panel').hidden = false;
    el?.focus({ preventScroll: true });
    if (this.f) this._nodePanel(this.f);
  }
  _selectMsg(id) {
    this._selMsg = id;
    this._msgSnap = null;
    this.shadowRoot.querySelector('.mp-dl').__dd = null;
    this.$('.mp-dl').replaceChildren();
    if (this.f) this._msgPanel(this.f);
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
        L.free.set(id, clampPt({ x: p.x + dx, y: p.y + dy }, 14));
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

  _action(a) {
    const L = this.layout;
    for (const p of this._lazy.values()) {
      const fn = p.actions?.[a];
      if (fn) { try { return fn(); } catch (e) { if (!this._poisoned) this._say(e.message, true); return; } }
    }
    try {
      switch (a) {
        case 'spacetime': return this.openPanel('spacetime', true).catch((e) => this._say(e.message, true));
        case 'export-shiviz': case 'export-svg':
          return this.openPanel('spacetime', null).then((p) => (a === 'export-svg' ? p.exportSvg() : p.exportShiviz())).catch((e) => this._say(e.message, true));
        case 'toggle': return this._paused ? this.play() : this.pause();
        case 'step': return this.step();
        case 'heal': return this.heal();
        case 'reset': return this._create(this._seedInput());
        case 'seed': return this._create(this._seedInput());
        case 'random': return this._create(this.wasm.randomSeed());
        case 'restart-sim': return this._create(this.f?.seed ?? null);
        case 'crash': return this.crash(L.selected);
        case 'restart': return this.restart(L.selected);
        case 'timeout': return this.timeout(L.selected);
        case 'close-node': L.selected = null; this.$('.node-panel').hidden = true; return this._draw();
        case 'close-msg': this._selMsg = null; this.$('.msg-panel').hidden = true; return this._draw();
        case 'drop': return this.dropMessage(this._selMsg);
        case 'verdict': {
          const { witness } = this._verdict(this.f || {});
          if (witness) return this._toggleTimeline(true, 'witness');
          return this._toggleTimeline(this.$('.tl').hidden, 'live');
        }
        case 'timeline': this._tlSel = null; return this._toggleTimeline(this.$('.tl').hidden, 'live');
        case 'tl-mode': this._tlMode = this._tlMode === 'witness' ? 'live' : 'witness'; return this._timeline(this.f);
        case 'workload': return this._applyWorkload();
        case 'export-porcupine': return this._export('json');
        case 'export-edn': return this._export('edn');
        case 'write': {
          const client = Number(this.$('.client').value || 0), key = this.$('.key').value.trim() || 'x';
          const value = Number(this.$('.value').value);
          const cf = this.f?.clients[client];
          const w = { client, after: cf?.pending?.request ?? cf?.last?.request ?? 0, request: null };
          this._write = w;
          const out = this.$('.write-out');
          out.textContent = 'waiting…';
          out.className = 'out write-out';
          const r = this.submit({ client, f: 'write', key, value });
          if (typeof r === 'number') w.request = r;
          return;
        }
      }
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
  play() { this._paused = false; this._startLoop(); this._syncPlay(); }
  pause() { this._paused = true; this._stopLoop(); this._syncPlay(); }
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
  seek(ms) { const t = Number(ms); if (!Number.isFinite(t) || t < 0) throw new Error(`seek(${ms}): use a time in simulated ms from 0`); this._sim((pg) => pg.seek(t)); this._jumped(); return this.f.now; }
  /** Time travel: back to the end of the recorded run. */
  seekEnd() { this._sim((pg) => pg.seekEnd()); this._jumped(); return this.f.now; }
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
    this._refresh();
    for (const p of this._lazy.values()) p.jumped?.();
  }
  history() { return this._sim((pg) => JSON.parse(pg.historyJson())); }
  loadScenario(json) {
    const text = typeof json === 'string' ? json : JSON.stringify(json);
    if (!this.wasm) throw new Error('cap-playground: not ready yet (await el.ready)');
    let name;
    try { name = JSON.parse(text).name; } catch { /* Rust says what is wrong */ }
    const p = scenarioProtocol(text);
    if (p !== null && !PROTOCOLS.includes(p)) {
      const msg = protocolError('scenario: ', p);
      this._attrError(msg);
      throw new Error(msg);
    }
    const bundle = p === null ? null : BUNDLE_OF[p];
    const create = () => { this._source = { kind: 'json', text, name }; this._create(null); };
    // Same bundle (or not JSON: the current module reports it): synchronous, as before.
    if (bundle === null || bundle === this._bundle) return create();
    // Another protocol's bundle: load it first, then create the run (errors shown and rejected).
    const token = ++this._token;
    this._stopLoop();
    const p2 = loadWasm(bundle);
    return p2.then((m) => {
      if (token !== this._token) throw new Error('cap-playground: superseded by a newer run');
      this.wasm = m;
      this._bundle = bundle;
      create();
    }, (e) => {
      const msg = `cap-playground: could not load the simulator (pkg/${bundle}/cap_playground.js): ${e.message}. Build it first: npm run build.`;
      if (token === this._token) this._attrError(msg);
      throw new Error(msg);
    });
  }
  /**
   * Load a lazy panel (LAZY_PANELS) once, then open (on = true) or close it; resolves to the panel.
   * Fetched only when first asked for: a page that never opens one never downloads it.
   */
  openPanel(name, on = true) {
    const url = LAZY_PANELS[name];
    if (!url) return Promise.reject(new Error(`no panel "${name}": accepted ${Object.keys(LAZY_PANELS).join(', ')}`));
    let p = this._lazy.get(name);
    const ready = p ? Promise.resolve(p) : (this._lazyP ??= {})[name] ??= import(url).then((m) => {
      p = m.default.mount(this);
      this._lazy.set(name, p);
      return p;
    }).finally(() => { delete this._lazyP[name]; });
    return ready.then((panel) => { if (on != null) panel.open(on); if (!this._raf) this._draw(); return panel; });
  }
  /** The `view` attribute: "spacetime" opens the space-time diagram; "" / "cluster" nothing more. */
  _applyView() {
    const v = (this.getAttribute('view') ?? '').trim();
    if (v === 'spacetime') this.openPanel('spacetime', true).catch((e) => this._say(e.message, true));
    else if (v !== '' && v !== 'cluster') this._say(`view="${v}" ignored: use "spacetime" (or leave it out)`, true);
  }
  /** A message kind's colour family (the legend's), for panels. */
  familyOf(kind) { return family(kind); }
  /** Show operation `op` (a history entry) in the client timeline, selected; null clears. */
  selectOp(op) {
    this._tlSel = op ? { op, ops: this._lazy.get('spacetime')?.ops ?? null } : null;
    this._toggleTimeline(true, this._tlSel ? 'sel' : 'live');
  }
  /** Test hook: panic inside wasm on purpose; this element shows its error banner. */
  debugPanic() { this._sim(() => this.wasm.debugPanic()); }
}

if (!customElements.get('cap-playground')) customElements.define('cap-playground', CapPlayground);
export { CapPlayground };
// For the protocol views loaded with their bundle (zab-view.js): the drawing helpers, from this
// module so that dist/ (where render.js is bundled in) serves them from the same instance.
export { A, T, mk, NODE_R } from './render.js';
