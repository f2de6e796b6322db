// Loading a protocol: its wasm bundle (www/pkg/<bundle>/) and its view module
// (www/protocols/<view>.js), together, once per page, shared by every element. Which protocol is in
// which bundle and drawn by which view comes from the manifest, www/protocols.js.
import { PROTOCOLS } from '../protocols.js';
import { FAMILY } from '../render/draw.js';

/** Every protocol name the element accepts, in the manifest's order. */
export const NAMES = PROTOCOLS.map((p) => p.name);
/** protocol → the wasm bundle carrying it. */
export const BUNDLE_OF = Object.fromEntries(PROTOCOLS.map((p) => [p.name, p.bundle]));
/** protocol → its view module's name (www/protocols/<view>.js). */
export const VIEW_OF = Object.fromEntries(PROTOCOLS.map((p) => [p.name, p.view]));

let base = null;
/** Where the app's files are (www/ or dist/): set once by the entry module, cap-playground.js, from its own URL. */
export function setBase(url) { base = url; }
/** A URL under the app's folder (pkg/…, scenarios/…, protocols/…). */
export const appUrl = (rel) => new URL(rel, base);

const wasmP = new Map();
const VIEWS = new Set(PROTOCOLS.map((p) => p.view)); // every view's name
const views = new Map(); // view name → its module's default export, once loaded
const viewP = new Map(); // view name → a promise that it is installed (loadView)
const waiting = new Map(); // view name → resolve() of that promise: whichever copy arrives first settles it

/** Install view `name` (its module's default export): its message families, then the view. */
function install(name, view) {
  if (views.has(name)) return;
  for (const [kind, fam] of Object.entries(view.families || {})) FAMILY.set(kind, fam);
  views.set(name, view);
  waiting.get(name)?.();
}

/**
 * Load view `name` (www/protocols/<name>.js) once per page: by a dynamic import (a variable path,
 * so a bundler leaves it to run time), unless the page hands the view over first (provideView).
 * A failed import is forgotten, so a later load retries.
 */
function loadView(name) {
  if (views.has(name)) return Promise.resolve();
  if (!viewP.has(name)) {
    viewP.set(name, new Promise((resolve, reject) => {
      waiting.set(name, resolve);
      import(appUrl(`./protocols/${name}.js`).href).then((m) => install(name, m.default), (e) => {
        if (!views.has(name)) { viewP.delete(name); reject(e); }
      });
    }));
  }
  return viewP.get(name);
}

/**
 * Hand the element view `name`'s module (the default export of www/protocols/<name>.js), imported
 * statically by a page that knows which protocol it shows (index.html: Raft's). A dynamic import
 * resolves on a loading page only after its layout and first paint (its evaluation measured ~50 ms
 * after the import started, on the default page's cold load: issue 20), and the first run waits for
 * its view; a static import in the page is evaluated with the page's module, before that layout
 * when the module is `async` (index.html), else just before DOMContentLoaded. Unknown names are ignored.
 */
export function provideView(name, view) {
  if (VIEWS.has(name) && view && typeof view === 'object') install(name, view);
}

/**
 * pkg/<bundle>'s .wasm, compiled while it streams in (errors reach whoever awaits it). A page may
 * have started that compile before its scripts ran (index.html: `window.capPlaygroundWasm`, the
 * wasm's absolute URL → a promise of its WebAssembly.Module), so that it overlaps their download
 * and parsing instead of following them; it is adopted, once, and compiled here again if it failed.
 */
function compile(bundle) {
  const url = appUrl(`./pkg/${bundle}/cap_playground_bg.wasm`).href;
  const own = () => fetch(url).then((r) => {
    if (!r.ok) throw new Error(`HTTP ${r.status} fetching ${r.url}`);
    return /^application\/wasm\b/.test(r.headers.get('Content-Type') || '') ? WebAssembly.compileStreaming(r)
      : r.arrayBuffer().then((b) => WebAssembly.compile(b)); // a host with the wrong MIME type
  });
  const early = globalThis.capPlaygroundWasm?.[url];
  if (early) delete globalThis.capPlaygroundWasm[url];
  const compiled = early instanceof Promise ? early.then((m) => (m instanceof WebAssembly.Module ? m : own()), own) : own();
  compiled.catch(() => {}); // reported through the glue's init, which awaits it
  return compiled;
}

/**
 * A bundle's wasm module, initialised once per page and shared by every element, with the views of
 * the protocols it carries. The .wasm is fetched here (or its compile adopted from the page:
 * `compile`, so a page that starts it downloads it once), and compiled while it streams in, in parallel with loading the wasm-bindgen glue and the views; the
 * glue then only instantiates the compiled module.
 *
 * `full`: pkg/<bundle>-full/ instead, the same build with the full API (`hasFullApi`), which a
 * share link and the space-time panel need; a page's first frame does without it, so its first
 * download is pkg/<bundle>/ (the cargo feature `full`, Cargo.toml).
 */
export function loadWasm(bundle, full = false) {
  const name = full ? `${bundle}-full` : bundle;
  return once(name, async () => {
    const compiled = compile(name);
    // The bundle's views are fetched only by pages that show one of its protocols.
    const names = [...new Set(PROTOCOLS.filter((x) => x.bundle === bundle).map((x) => x.view))];
    const viewsP = Promise.all(names.map(loadView));
    const m = await instantiate(name, compiled);
    await viewsP;
    return m;
  });
}

/** True when wasm module `m` has the full API (pkg/<bundle>-full/ or -fast/, not a plain page's pkg/<bundle>/). */
export const hasFullApi = (m) => typeof m?.Playground?.fromShare === 'function';

/**
 * The speed-built twin of `bundle` (pkg/<bundle>-fast/: the same Rust built at opt-level 3, about
 * twice the events per second, a fifth more bytes), initialised once per page. Never part of a
 * page's first download: the element fetches it only for a long replay (www/panels/travel.js)
 * and moves its run onto it. It has the full API (`hasFullApi`). The views are the page bundle's (loadWasm).
 */
export function loadFastWasm(bundle) {
  const name = `${bundle}-fast`;
  return once(name, () => instantiate(name, compile(name)));
}

/**
 * The history exporters (pkg/export/: Porcupine JSON and Jepsen EDN from a run's history JSON),
 * initialised once per page. Never part of a page's first download: fetched on the first export.
 */
export function loadExporters() {
  return once('export', () => instantiate('export', compile('export')));
}

const ready = new Set(); // names whose module is initialised
/** `make()`'s promise for pkg/<name>, made once per page; forgotten if it fails, so a later call retries. */
function once(name, make) {
  let p = wasmP.get(name);
  if (!p) {
    p = make().then((m) => { ready.add(name); return m; }, (e) => { wasmP.delete(name); throw e; });
    wasmP.set(name, p);
  }
  return p;
}

/** True when `bundle`'s module (with `full`, pkg/<bundle>-full/'s) is initialised in this page. */
export const isLoaded = (bundle, full = false) => ready.has(full ? `${bundle}-full` : bundle);

/**
 * pkg/<name>'s wasm-bindgen glue, initialised with the `compiled` module. The module is compiled
 * already, so it is instantiated synchronously (`initSync`): the glue's async init would wait for
 * one more task on a main thread that is busy while a page loads (first frame, issue 20: measured
 * −4 ms median). A browser that refuses a synchronous instantiation gets the async one.
 */
async function instantiate(name, compiled) {
  const [m, module] = await Promise.all([import(appUrl(`./pkg/${name}/cap_playground.js`).href), compiled]);
  try {
    m.initSync({ module });
  } catch (e) {
    if (!(e instanceof RangeError)) throw e; // a size limit on synchronous instantiation; anything else is real
    await m.default({ module_or_path: module });
  }
  return m;
}

const restP = new WeakMap(); // wasm module → the promise of its second module (loadRest)
const restIn = new WeakSet(); // wasm modules whose every method works

/**
 * The rest of wasm module `m`, loaded once: a page bundle is two wasm modules (issue 20; built by
 * scripts/build.mjs, src/wasm/rest.rs). Its main one builds a run and draws its first frame
 * (`withDefaults`, `frameJson` and the other reads); everything else — moving the run, acting on
 * it, time travel, a run from a scenario's JSON — works once `m.loadRest()` resolved (before, such
 * a call throws "still loading", never more). The element starts it once its first frame is
 * painted (so that it does not compete with it) and starts the run when it resolves. A module
 * built in one piece (pkg/<bundle>-full/, -fast/) resolves at once, synchronously. A failed load
 * is forgotten, so a later call retries.
 */
export function loadRest(m) {
  let p = restP.get(m);
  if (!p) {
    const loading = m.loadRest?.();
    if (loading instanceof Promise) p = loading.then(() => { restIn.add(m); }, (e) => { restP.delete(m); throw e; });
    else { restIn.add(m); p = Promise.resolve(); } // one piece: at once, so that a move onto it never waits
    restP.set(m, p);
  }
  return p;
}

/** True when every method of wasm module `m` works (its rest is in: `loadRest`). */
export const isRestIn = (m) => restIn.has(m);

/** The view module of `protocol` (loaded with its bundle: call after loadWasm resolved). */
export const viewOf = (protocol) => views.get(VIEW_OF[protocol]);
