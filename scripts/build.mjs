#!/usr/bin/env node
// Release build of the wasm bundles, one per protocol feature (raft, paxos = paxos + multipaxos,
// dynamo, zab, twopc), so a page downloads only the protocol it shows:
//   cargo build --profile wasm-release --target wasm32-unknown-unknown --lib --no-default-features --features <b>
//   wasm-bindgen --target web --out-dir www/pkg/<b>
//   wasm-opt -Oz (npm `binaryen`; never Debian's /usr/bin/wasm-opt, see docs/toolchain.md trap 1)
// then a self-contained dist/ (www/ + pkg/<b>/) for any static host and sub-path, its JavaScript
// bundled per part (bundleElement) and minified with esbuild (the modules find pkg/ and scenarios/
// next to cap-playground.js, through its import.meta.url), what a first frame runs marked for V8's
// eager compilation (hintEagerCompile). www/ stays readable for `npm start`.
// The bundles and views come from the manifest www/protocols.js.
//
//   node scripts/build.mjs [--no-setup] [--no-dist] [--no-opt]      (CAP_BUNDLES=raft,zab: only those)
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, log, must, elapsed, isMain } from './lib.mjs';
import { setup, WASM_SPLIT } from './setup.mjs';
import { PROTOCOLS } from '../www/protocols.js';

const tag = 'build';
const CRATE = 'cap_playground';
const WWW = path.join(ROOT, 'www');
const PKG = path.join(WWW, 'pkg');
const DIST = path.join(ROOT, 'dist');
// npm's binaryen, by path: never whatever `wasm-opt` happens to be first on PATH.
const WASM_OPT = path.join(ROOT, 'node_modules', 'binaryen', 'bin', 'wasm-opt');

function targetDir() {
  return process.env.CARGO_TARGET_DIR ? path.resolve(ROOT, process.env.CARGO_TARGET_DIR) : path.join(ROOT, 'target');
}

/** Where the raft wasm with its function names is kept, for size attribution (bench). */
export const NAMED = path.join(targetDir(), 'wasm-names');

/**
 * The raft wasm optimised as it ships but with its function names kept (-g), made from the last
 * build's wasm-bindgen output when that is newer; null when there is no build to make it from.
 */
export async function namedRaftWasm() {
  const src = path.join(NAMED, 'raft.bindgen.wasm'), out = path.join(NAMED, 'raft.wasm');
  if (!fs.existsSync(src)) return null;
  if (!fs.existsSync(out) || fs.statSync(out).mtimeMs < fs.statSync(src).mtimeMs) {
    await must(process.execPath, [WASM_OPT, '-Oz', '--converge', '-g', src, '-o', out]);
  }
  return out;
}

function kb(n) {
  return `${(n / 1024).toFixed(1)} KB`;
}

function walk(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? walk(p) : [p];
  });
}

/** Minify every .js/.mjs under dir in place: per file, ES module in, ES module out. */
export async function minifyJs(dir) {
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    throw new Error('npm package esbuild missing: run npm ci');
  }
  let before = 0, after = 0, files = 0;
  for (const f of walk(dir).filter((p) => /\.m?js$/.test(p)).sort()) {
    const src = fs.readFileSync(f, 'utf8');
    const out = await esbuild.transform(src, {
      loader: 'js',
      format: 'esm',
      minify: true,
      charset: 'utf8', // keep ✓ ✕ → as they are (ASCII escapes would cost bytes)
      legalComments: 'none',
      target: 'es2022',
      sourcefile: path.relative(dir, f),
    });
    fs.writeFileSync(f, out.code);
    before += Buffer.byteLength(src);
    after += Buffer.byteLength(out.code);
    files++;
  }
  return { files, before, after };
}

/** V8's explicit compile hint (Chrome 136+): the file's functions are compiled while it streams in, off the main thread. */
export const EAGER_HINT = '//# allFunctionsCalledOnLoad\n';

/**
 * Mark the JavaScript a page's first frame runs nearly all of — the element's bundle, the protocol
 * views and the page bundles' wasm-bindgen glue — for eager compilation (EAGER_HINT, on the first
 * line, where V8 looks for it). Otherwise V8 compiles each function on its first call, on the main
 * thread, which on a loading page is the busiest thread there is. Measured on the default page
 * (issue 20): the element's constructor 13 → 8 ms and the first run's first frame 18 → 11 ms (marks);
 * the cold first frame −10 and −20 ms median in two runs of interleaved loads, ±0 in a third (this
 * machine's noise is ±15 ms). Other engines read a comment.
 * The tutorial, the explorer, the history lab and the on-demand bundles' glue stay lazy: a page
 * runs little of them up front. Returns how many files were marked.
 */
export function hintEagerCompile(dir) {
  const files = ['cap-playground.js',
    ...fs.readdirSync(path.join(dir, 'protocols')).filter((f) => f.endsWith('.js')).map((f) => `protocols/${f}`),
    ...BUNDLES.flatMap((b) => [b, fullBundle(b)]).map((b) => `pkg/${b}/cap_playground.js`)];
  const found = files.map((x) => path.join(dir, x)).filter((x) => fs.existsSync(x));
  for (const f of found) fs.writeFileSync(f, EAGER_HINT + fs.readFileSync(f, 'utf8'));
  return found.length;
}

/**
 * Bundle the JavaScript of dist/ so a page fetches one module per part, not a waterfall of many,
 * and gzip sees each part as one text (smaller than the files compressed one by one):
 *   - cap-playground.js: the element with everything it imports statically (element/, render/,
 *     panels/, the manifest protocols.js);
 *   - tutorial.js: <cap-tutorial> and <cap-compare>, importing cap-playground.js (left as it is);
 *   - protocols/<view>.js, one per protocol view: each loads with its wasm bundle only (the element
 *     imports it at run time); the drawing helpers it imports (render/draw.js) come from
 *     cap-playground.js, which re-exports them, so a page holds one instance of them.
 * The glue in pkg/ stays a separate dynamic import (each page loads only its protocol's). The
 * bundled files leave dist/, and so do the <link rel="modulepreload"> tags pointing at them; a page
 * that still loads one of them fails the build. Returns the names of the files bundled away.
 */
export async function bundleElement(dir) {
  const esbuild = await import('esbuild');
  const { PROTOCOLS } = await import(pathToFileURL(path.join(WWW, 'protocols.js')).href);
  const views = [...new Set(PROTOCOLS.map((p) => p.view))].map((v) => `protocols/${v}.js`);
  const common = { bundle: true, write: false, metafile: true, format: 'esm', target: 'es2022', charset: 'utf8', legalComments: 'none', logLevel: 'silent' };
  // A view's imports of the drawing helpers → the element's module, already on the page.
  const drawFromElement = {
    name: 'draw-from-element',
    setup(b) {
      b.onResolve({ filter: /(^|\/)draw\.js$/ }, (a) => (path.resolve(a.resolveDir, a.path) === path.join(dir, 'render', 'draw.js') ? { path: '../cap-playground.js', external: true } : undefined));
    },
  };
  const parts = [
    { entry: 'cap-playground.js', external: ['./pkg/*'] },
    { entry: 'tutorial.js', external: ['./cap-playground.js', './pkg/*'] },
    ...views.map((entry) => ({ entry, external: [], plugins: [drawFromElement] })),
  ];
  const entries = new Set(parts.map((p) => path.join(dir, p.entry)));
  const gone = new Set();
  for (const part of parts) {
    const entry = path.join(dir, part.entry);
    const r = await esbuild.build({ ...common, entryPoints: [entry], external: part.external, plugins: part.plugins || [] });
    for (const p of Object.keys(r.metafile.inputs).map((x) => path.resolve(x))) {
      if (!entries.has(p) && !p.includes(`${path.sep}pkg${path.sep}`)) gone.add(p);
    }
    fs.writeFileSync(entry, r.outputFiles[0].contents);
  }
  for (const p of gone) fs.rmSync(p);
  const names = [...gone].map((p) => path.relative(dir, p).split(path.sep).join('/')).sort();
  const pkgDir = path.join(dir, 'pkg') + path.sep;
  for (const file of walk(dir).filter((p) => /\.(html|m?js)$/.test(p) && !p.startsWith(pkgDir))) {
    let text = fs.readFileSync(file, 'utf8');
    for (const n of names) {
      const rel = path.relative(path.dirname(file), path.join(dir, n)).split(path.sep).join('/');
      const esc = rel.replace(/[.]/g, '\\.');
      text = text.replace(new RegExp(`[ \\t]*<link rel="modulepreload" href="(\\./)?${esc}">\\n?`, 'g'), '');
      if (new RegExp(`["'\`](\\./)?${esc}["'\`]`).test(text)) {
        throw new Error(`${path.relative(dir, file)} still loads ${rel}, which is bundled into ${n.startsWith('protocols/') ? 'a view' : 'cap-playground.js or tutorial.js'}`);
      }
    }
    fs.writeFileSync(file, text);
  }
  // Folders left empty (element/, render/, panels/ once bundled) go too.
  for (const d of ['element', 'render', 'panels']) {
    const p = path.join(dir, d);
    if (fs.existsSync(p) && !fs.readdirSync(p).length) fs.rmdirSync(p);
  }
  return names;
}

/** The wasm bundles: one per cargo feature, each carrying only its protocol(s) (from the manifest www/protocols.js). */
export const BUNDLES = [...new Set(PROTOCOLS.map((p) => p.bundle))];
/**
 * Bundles no page loads up front: the "find a bug" explorer (every protocol plus src/explore/),
 * fetched by its Web Worker (www/explore-worker.js) only when the reader opens the panel; and the
 * tools bundle (src/lab/ and the space-time exporters; the crate needs one protocol feature to
 * compile, and `lab` exports none of it), fetched by the history lab's worker (check.html,
 * <cap-history>) and by the space-time panel when it exports; and the history exporters' bundle.
 */
export const LAZY_BUNDLES = {
  explore: ['explore', ...BUNDLES],
  lab: ['raft', 'lab'],
  // The history exporters (src/wasm/export.rs; Porcupine JSON, Jepsen EDN), fetched on a page's
  // first history export: every protocol feature, so that they read each protocol's operations.
  export: [...BUNDLES, 'export'],
  // <bundle>-fast: the same protocol(s) built for speed (opt-level 3, wasm-opt -O3; ~1.8x the
  // page bundle's events/s, 20-40 % more bytes), which the element fetches only for a long replay
  // (a seek or a share link replaying minutes of simulated time: www/panels/travel.js) and then
  // keeps running on. It carries the full API (feature `full`), as <bundle>-full does.
  ...Object.fromEntries(BUNDLES.map((b) => [fastBundle(b), [b, 'full']])),
  // <bundle>-full: the page bundle plus what a page's first frame does without (feature `full`: a
  // run from a share link, the space-time record), built for size: the first download of a page
  // opening a share link, and where the element moves a run when the reader opens the space-time
  // panel (www/element/wasm.js).
  ...Object.fromEntries(BUNDLES.map((b) => [fullBundle(b), [b, 'full']])),
};
/** The on-demand bundles built for size (opt-level "z", wasm-opt -Oz), as the page bundles are. */
const SIZE_BUILT = new Set(['export', ...BUNDLES.map(fullBundle)]);
/** The speed-built twin of page bundle `b` (see LAZY_BUNDLES). */
export function fastBundle(b) { return `${b}-fast`; }
/** Page bundle `b` with the full API, built for size (see LAZY_BUNDLES). */
export function fullBundle(b) { return `${b}-full`; }
const ALL_BUNDLES = [...BUNDLES, ...Object.keys(LAZY_BUNDLES)];

/** The file a page bundle's second module is written to (`wasm-split-cli`'s name for the split point `rest`). */
export const REST_WASM = 'split_rest.wasm';
/** The loader the main module's glue imports to fetch REST_WASM (written by `wasm-split-cli`). */
export const REST_LOADER = '__wasm_split.js';

/**
 * The loader `wasm-split-cli` writes instantiates REST_WASM with `WebAssembly.instantiateStreaming`,
 * which refuses a response that is not `application/wasm`, and says nothing of an HTTP error. The
 * element's own compile (www/element/wasm.js) accepts any static host: so does this, by the same
 * rule (the streaming path when the type is right, the bytes otherwise; an HTTP error named).
 */
function hostTolerantLoader(file) {
  const streaming = 'return async (imports) => (WebAssembly.instantiateStreaming(src, imports));';
  const js = fs.readFileSync(file, 'utf8');
  if (!js.includes(streaming)) throw new Error(`${file}: ${WASM_SPLIT.bin}'s loader changed (no \`${streaming}\`): update hostTolerantLoader`);
  fs.writeFileSync(file, js.replace(streaming, 'return async (imports) => instantiateAnyHost(await src, imports);') + `
// scripts/build.mjs (hostTolerantLoader): a host serving .wasm with another type works too.
async function instantiateAnyHost(r, imports) {
    if (!r.ok) throw new Error(\`HTTP \${r.status} fetching \${r.url}\`);
    if (/^application\\/wasm\\b/.test(r.headers.get('Content-Type') || '')) return WebAssembly.instantiateStreaming(r, imports);
    return WebAssembly.instantiate(await r.arrayBuffer(), imports);
}
`);
}

/**
 * wasm-bindgen's glue imports REST_LOADER statically (the main module imports its load function),
 * which put the loader's fetch and a module cycle (it imports the glue back) on the way to the
 * first frame: the glue's import resolved ~30 ms later on a cold load (measured, issue 20). Only
 * `loadRest()` calls it, so the glue gets the loader by a dynamic import on that first call
 * instead. A loader that cannot be fetched fails the load (the split point's callback, called with
 * `false`), so `loadRest()` rejects rather than waits forever.
 */
function lazyRestLoader(glueFile, wasmFile) {
  const js = fs.readFileSync(glueFile, 'utf8');
  const stmt = new RegExp(`^import \\* as (\\w+) from "\\./${REST_LOADER.replace('.', '\\.')}";?$`, 'm');
  const m = stmt.exec(js);
  if (!m || !/^let wasmModule, wasmInstance, wasm;$/m.test(js)) throw new Error(`${glueFile}: wasm-bindgen's glue changed (no static import of ./${REST_LOADER}, or no \`wasm\`): update lazyRestLoader`);
  const names = WebAssembly.Module.imports(new WebAssembly.Module(fs.readFileSync(wasmFile)))
    .filter((i) => i.module === `./${REST_LOADER}`).map((i) => i.name);
  if (!names.length) throw new Error(`${wasmFile} imports nothing from ./${REST_LOADER}`);
  const fns = names.map((n) => `  ${n}: (callback, data) => {
    import("./${REST_LOADER}").then((l) => l.${n}(callback, data), (e) => {
      console.error(e);
      wasm.__indirect_function_table.get(callback)(data, false);
    });
  },`).join('\n');
  fs.writeFileSync(glueFile, js.replace(stmt, `// scripts/build.mjs (lazyRestLoader): ./${REST_LOADER} is imported when loadRest() first needs it.\nconst ${m[1]} = {\n${fns}\n};`));
}

/**
 * cargo build with only `bundle`'s feature, then wasm-bindgen + wasm-opt into www/pkg/<bundle>/.
 *
 * A page bundle (not one of LAZY_BUNDLES) is split in two (issue 20: a page's first download
 * carries only what its first frame runs): built with the feature `split` and linked with
 * `--emit-relocs`, `wasm-split-cli` cuts it at src/wasm/rest.rs's split point into the main
 * module (building a run, its first frame and the reads of it; wasm-bindgen's input as before,
 * which then keeps the function table the second module fills: `--keep-lld-exports`) and
 * REST_WASM with everything else, fetched by the main module's `loadRest()` through REST_LOADER.
 * Each is optimised on its own.
 */
async function buildBundle(bundle, { opt, buildHash }) {
  let t = Date.now();
  const split = !(bundle in LAZY_BUNDLES);
  // [profile.wasm-release] in Cargo.toml: opt-level "z", for size. Cargo caches each feature set in
  // the same target dir, but the output path is shared: read the wasm right after each build.
  const features = [...(LAZY_BUNDLES[bundle] || [bundle]), ...(split ? ['split'] : [])].join(',');
  // The explorer and the replay bundles are loaded on demand and run for seconds: built for speed
  // (opt-level 3, wasm-opt -O3), not size like the page bundles.
  // The history exporters run once per export: built for size, like the pages.
  const lazy = bundle in LAZY_BUNDLES && !SIZE_BUILT.has(bundle), profile = lazy ? 'release' : 'wasm-release';
  // `cargo rustc` passes the link argument to this crate's link only: the dependencies stay cached.
  const args = split
    ? ['rustc', '--profile', profile, '--target', 'wasm32-unknown-unknown', '--lib', '--no-default-features', '--features', features, '--', '-C', 'link-arg=--emit-relocs']
    : ['build', '--profile', profile, '--target', 'wasm32-unknown-unknown', '--lib', '--no-default-features', '--features', features];
  log(tag, `[${bundle}] cargo ${args.join(' ')}`);
  await must('cargo', args);
  const raw = path.join(targetDir(), 'wasm32-unknown-unknown', profile, `${CRATE}.wasm`);
  if (!fs.existsSync(raw)) throw new Error(`expected ${raw} after cargo build`);
  const rawBytes = fs.readFileSync(raw);
  log(tag, `[${bundle}] cargo: ${kb(rawBytes.length)} (${elapsed(t)})`);

  // wasm-bindgen + wasm-opt take a while: skip them when cargo's output is the one already processed.
  const out = path.join(PKG, bundle);
  const stampFile = path.join(out, '.build-stamp');
  const stamp = JSON.stringify({ wasm: crypto.createHash('sha256').update(rawBytes).digest('hex'), opt, bundle, build: buildHash });
  const wasm = path.join(out, `${CRATE}_bg.wasm`);
  const upToDate = fs.existsSync(wasm) && fs.existsSync(path.join(out, `${CRATE}.js`)) &&
    (!split || fs.existsSync(path.join(out, REST_WASM))) &&
    fs.existsSync(stampFile) && fs.readFileSync(stampFile, 'utf8') === stamp;
  if (upToDate) {
    log(tag, `[${bundle}] www/pkg/${bundle} is up to date with cargo's output (${kb(fs.statSync(wasm).size)}): wasm-bindgen and wasm-opt skipped`);
    return;
  }
  t = Date.now();
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  const copy = path.join(out, `${CRATE}.wasm`); // private copy: the next bundle's cargo build overwrites raw
  const parts = [wasm];
  try {
    if (split) {
      // The main module goes to `copy` (wasm-bindgen's input); REST_WASM and REST_LOADER to `out`.
      const tmp = path.join(out, '.split');
      fs.mkdirSync(tmp);
      fs.writeFileSync(path.join(tmp, 'linked.wasm'), rawBytes);
      await must(WASM_SPLIT.bin, [path.join(tmp, 'linked.wasm'), out, '--out-name', CRATE]);
      fs.rmSync(tmp, { recursive: true, force: true });
      for (const f of [REST_WASM, REST_LOADER]) {
        if (!fs.existsSync(path.join(out, f))) throw new Error(`${WASM_SPLIT.bin} wrote no ${f} for ${bundle}: is src/wasm/rest.rs's split point in the build?`);
      }
      hostTolerantLoader(path.join(out, REST_LOADER));
      parts.push(path.join(out, REST_WASM));
      log(tag, `[${bundle}] ${WASM_SPLIT.bin}: main ${kb(fs.statSync(copy).size)}, ${REST_WASM} ${kb(fs.statSync(parts[1]).size)}`);
    } else {
      fs.writeFileSync(copy, rawBytes);
    }
    await must('wasm-bindgen', [copy, '--target', 'web', '--out-dir', out, '--no-typescript', ...(split ? ['--keep-lld-exports'] : [])]);
    if (split) lazyRestLoader(path.join(out, `${CRATE}.js`), wasm);
  } finally {
    fs.rmSync(copy, { force: true });
  }
  log(tag, `[${bundle}] wasm-bindgen: ${kb(fs.statSync(wasm).size)} (${elapsed(t)})`);
  if (opt) {
    t = Date.now();
    if (!fs.existsSync(WASM_OPT)) throw new Error(`${WASM_OPT} missing: run npm ci`);
    // --converge repeats -Oz until the module stops shrinking: measured on the raft bundle, 1.5 KB
    // less gzipped than one pass (-Os, -O3 and cargo's opt-level "s" all came out larger).
    const level = lazy ? ['-O3'] : ['-Oz', '--converge'];
    if (bundle === 'raft') {
      // wasm-bindgen's output, names intact, for `npm run bench`'s size attribution: the bench
      // optimises it the same way with -g (namedRaftWasm), not every build. (Not what ships:
      // optimising with -g and then stripping came out 0.4 KB gzipped larger.)
      fs.mkdirSync(NAMED, { recursive: true });
      fs.copyFileSync(wasm, path.join(NAMED, 'raft.bindgen.wasm'));
    }
    for (const part of parts) {
      const tmp = `${part}.opt`;
      await must(process.execPath, [WASM_OPT, ...level, '--strip-debug', '--strip-producers', part, '-o', tmp]);
      fs.renameSync(tmp, part);
    }
    log(tag, `[${bundle}] wasm-opt ${level.join(' ')}: ${parts.map((p) => `${path.basename(p)} ${kb(fs.statSync(p).size)}`).join(', ')} (${elapsed(t)})`);
  }
  fs.writeFileSync(stampFile, stamp);
}

export async function build({ doSetup = true, dist = true, opt = true } = {}) {
  const t0 = Date.now();
  if (doSetup) await setup();

  let t = Date.now();
  // Stale output of the old single-bundle layout (www/pkg/cap_playground*) and unknown bundles go.
  fs.mkdirSync(PKG, { recursive: true });
  for (const e of fs.readdirSync(PKG)) {
    if (!ALL_BUNDLES.includes(e)) fs.rmSync(path.join(PKG, e), { recursive: true, force: true });
  }
  const buildHash = crypto.createHash('sha256').update(fs.readFileSync(new URL(import.meta.url))).digest('hex');
  // CAP_BUNDLES=raft,zab builds only those (for quick iteration); the others keep their last build.
  const only = (process.env.CAP_BUNDLES || '').split(',').map((b) => b.trim()).filter(Boolean);
  const unknown = only.filter((b) => !ALL_BUNDLES.includes(b));
  if (unknown.length) throw new Error(`CAP_BUNDLES: unknown bundle ${unknown.join(', ')}; accepted: ${ALL_BUNDLES.join(', ')}`);
  for (const b of ALL_BUNDLES) if (!only.length || only.includes(b)) await buildBundle(b, { opt, buildHash });
  if (dist) {
    t = Date.now();
    fs.rmSync(DIST, { recursive: true, force: true });
    fs.cpSync(WWW, DIST, {
      recursive: true,
      // .gitignore files and editor leftovers stay behind.
      filter: (src) => !/(^|\/)(\.gitignore|\.DS_Store|\.build-stamp)$/.test(src) && !src.endsWith('~'),
    });
    if (!fs.existsSync(path.join(DIST, 'index.html'))) log(tag, 'warning: www/index.html does not exist yet');
    const bundled = await bundleElement(DIST);
    log(tag, `dist/ bundled into cap-playground.js, tutorial.js and the protocol views: ${bundled.join(', ')}`);
    const m = await minifyJs(DIST);
    const hinted = hintEagerCompile(DIST);
    log(tag, `dist/ written, ${m.files} JS files minified ${kb(m.before)} → ${kb(m.after)}, ${hinted} hinted for eager compilation (${elapsed(t)})`);
  }
  log(tag, `done (${elapsed(t0)})`);
}

if (isMain(import.meta.url)) {
  const a = process.argv.slice(2);
  build({ doSetup: !a.includes('--no-setup'), dist: !a.includes('--no-dist'), opt: !a.includes('--no-opt') })
    .catch((err) => {
      log(tag, `FAILED: ${err.message}`);
      process.exit(err.exitCode || 1);
    });
}
