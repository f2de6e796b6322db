#!/usr/bin/env node
// npm run bench: programs that print numbers (docs/architecture.md), not timed tests.
//   1. gzipped size (gzip -9) of what a reader downloads: wasm + JS + CSS, per file and per page
//      (shared JS/CSS + one protocol's wasm bundle), and the raft wasm's top 15 functions and crates
//      by code bytes (scripts/wasm-size.mjs, twiggy's "top"),
//      for dist/ (what ships: minified JS) and www/ (readable sources), against the budgets (Raft
//      140 KB, every other page 150 KB)
//   2. `cap bench`        native simulator speed
//   2b. `cap run --peak-memory` of bench-raft: 1 hour and 24 hours (--repeat 24) side by side
//   2c. simulator speed: bench-raft natively (with and without the live checker) and in wasm (node)
//   3. `cap check-bench`  linearizability checker speed (skipped with a note if absent), then the
//      checker table: per Porcupine history, native ms | wasm ms (node, a bench-only wasm built
//      with the `checker-bench` feature into target/bench-wasm) | Porcupine (Go) ms, the 10
//      slowest files and the totals, verdicts checked against verdicts.tsv
//   3c. the checker's time and memory on generated single-register histories (`cap gen-history`):
//      100,000 and 200,000 operations, linearizable and with one stale read near the end; each
//      checked by `cap check --stats` in its own process: time, verdict, witness size, the
//      memory it accounted and its peak RSS, next to the memory budget (--max-memory, 1 GiB)
//   4. browser metrics (headless Chromium via playwright-core): first frame after navigation, cold
//      and warm, and how far the cold median is above a floor page's (budget 100 ms),
//      per-frame JS cost p50/p95, rAF callbacks while paused, wasm memory after 1 simulated hour
//      at 10x speed; the space-time panel's frame cost while a window of 10,000 messages pans
//      (budget p95 8 ms) and its open / follow costs.
//
//   node scripts/bench.mjs [--no-build] [--no-native] [--no-wasm-check] [--no-browser] [--sizes-only] [--speed-only]
//                          [--spacetime-only]   (sizes and the space-time panel's bench only)
//   BENCH_SIM_SECONDS=3600 BENCH_SPEED=10   (the long run; lower them for a quick look)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { pathToFileURL } from 'node:url';
import { ROOT, log, run, capture, elapsed, isMain, loadWasmInNode } from './lib.mjs';
import { build, LAZY_BUNDLES, namedRaftWasm, fastBundle, fullBundle, REST_WASM } from './build.mjs';
import { topLines } from './wasm-size.mjs';
import { PROTOCOLS } from '../www/protocols.js';

const tag = 'bench';
// Issue 20's page budgets: gzipped first download (wasm + glue + JS + CSS), per page.
export const BUDGET_KB_OF = { raft: 140 };
export const BUDGET_KB = 150; // every other page
/** A page's budget in KB. */
export const budgetKb = (bundle) => BUDGET_KB_OF[bundle] ?? BUDGET_KB;
const args = process.argv.slice(2);

function walk(dir) {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? walk(p) : [p];
  });
}

// What is served and measured: $CAP_WWW, else dist/ (after a build), else www/.
function servedDir() {
  if (process.env.CAP_WWW) return path.resolve(ROOT, process.env.CAP_WWW);
  return fs.existsSync(path.join(ROOT, 'dist')) ? path.join(ROOT, 'dist') : path.join(ROOT, 'www');
}

function pad(s, n) { return String(s).padEnd(n); }
function kb(n) { return `${(n / 1024).toFixed(1)} KB`; }

// ---------------------------------------------------------------------------------------------
// 1. sizes

/** Gzipped (level 9) sizes of the .wasm/.js/.mjs/.css files under dir: { files: [{file, raw, gz}], raw, gz }. */
export function measureSizes(dir) {
  const files = walk(dir).filter((f) => /\.(wasm|m?js|css)$/.test(f)).sort().map((f) => {
    const buf = fs.readFileSync(f);
    return { file: path.relative(dir, f).split(path.sep).join('/'), raw: buf.length, gz: zlib.gzipSync(buf, { level: 9 }).length };
  });
  return { files, raw: files.reduce((s, f) => s + f.raw, 0), gz: files.reduce((s, f) => s + f.gz, 0) };
}

/**
 * The files a page with <cap-playground> loads besides a wasm bundle: cap-playground.js and what it
 * imports statically, transitively (relative paths under dir). Pages of their own (tutorials,
 * compare) load more, but a playground page never downloads them.
 */
export function elementFiles(dir, entry = 'cap-playground.js') {
  const seen = new Set();
  const visit = (rel) => {
    if (seen.has(rel) || !fs.existsSync(path.join(dir, rel))) return;
    seen.add(rel);
    const src = fs.readFileSync(path.join(dir, rel), 'utf8');
    // Static imports, and dynamic ones with a literal path (counted as if every page loaded them).
    for (const m of src.matchAll(/\b(?:from|import)\s*\(?\s*["'](\.\.?\/[^"']+)["']/g)) {
      visit(path.posix.normalize(path.posix.join(path.posix.dirname(rel), m[1])));
    }
  };
  visit(entry);
  return seen;
}

/**
 * What a page showing one protocol downloads, per wasm bundle (www/pkg/<bundle>/): the shared JS
 * and CSS (`shared`: the element's files, elementFiles(dir); default every .js/.mjs/.css outside
 * pkg/; never a protocol's view) + that bundle's glue, wasm and views (www/protocols/<view>.js of the
 * bundle's protocols, from the manifest www/protocols.js, with what they import that the element
 * does not: the element imports them only with that bundle). From measureSizes(dir):
 * [{ bundle, gz, raw, shared, glue, wasm, views }] sorted by bundle name.
 */
export function pageSizes(m, only = null, dir = null) {
  const viewFiles = (bundle) => {
    const out = new Set();
    for (const v of new Set(PROTOCOLS.filter((p) => p.bundle === bundle).map((p) => p.view))) {
      const entry = `protocols/${v}.js`;
      for (const f of dir ? elementFiles(dir, entry) : [entry]) if (!only?.has(f)) out.add(f);
    }
    return out;
  };
  const anyView = (f) => f.file.startsWith('protocols/');
  const shared = m.files.filter((f) => !f.file.startsWith('pkg/') && !anyView(f) && (!only || only.has(f.file)));
  const sum = (fs_, k = 'gz') => fs_.reduce((s, f) => s + f[k], 0);
  // Playground pages only: the on-demand bundles (the history lab's) belong to pages of their own.
  const bundles = [...new Set(m.files.map((f) => /^pkg\/([^/]+)\//.exec(f.file)?.[1]).filter((b) => b && !(b in LAZY_BUNDLES)))].sort();
  return bundles.map((bundle) => {
    const vf = viewFiles(bundle);
    // A page bundle's second module (REST_WASM) comes after the first frame: not in its first download.
    const own = m.files.filter((f) => (f.file.startsWith(`pkg/${bundle}/`) && f.file !== `pkg/${bundle}/${REST_WASM}`) || vf.has(f.file));
    const rest = m.files.filter((f) => f.file === `pkg/${bundle}/${REST_WASM}`);
    const glue = own.filter((f) => f.file.startsWith('pkg/') && !f.file.endsWith('.wasm')), wasm = own.filter((f) => f.file.endsWith('.wasm'));
    const views = own.filter((f) => !f.file.startsWith('pkg/'));
    const css = sum(shared.filter((f) => f.file.endsWith('.css')));
    return { bundle, gz: sum(shared) + sum(own), raw: sum(shared, 'raw') + sum(own, 'raw'), shared: sum(shared), css, glue: sum(glue), wasm: sum(wasm), views: sum(views), rest: sum(rest) };
  });
}

/**
 * Print the per-file table and one line per bundle with the page total (tests parse
 * `PAGE <dir>/ <bundle>: N bytes`).
 */
export function sizes(dir, what) {
  const name = path.relative(ROOT, dir) || dir;
  console.log(`\n## download size (gzip -9) of ${name}/ — ${what}`);
  if (!fs.existsSync(dir)) { console.log(`  ${name}/ does not exist (npm run build)`); return null; }
  const m = measureSizes(dir);
  const byKind = {};
  for (const f of m.files) {
    const kind = path.extname(f.file).replace('.mjs', '.js');
    byKind[kind] = (byKind[kind] || 0) + f.gz;
    console.log(`  ${pad(f.file, 34)} ${pad(kb(f.raw), 10)} gz ${pad(kb(f.gz), 9)} (${f.gz} B)`);
  }
  for (const [k, v] of Object.entries(byKind).sort()) console.log(`  ${pad('total ' + k, 34)} ${pad('', 10)} gz ${kb(v)}`);
  console.log(`  all files: ${m.gz} bytes = ${kb(m.gz)} gzipped (no page downloads them all: one bundle per protocol)`);
  const pages = pageSizes(m, elementFiles(dir), dir);
  if (!pages.length) console.log(`  no wasm bundle under ${name}/pkg/ (npm run build)`);
  for (const p of pages) {
    const budget = budgetKb(p.bundle) * 1024, over = p.gz > budget;
    console.log(`  PAGE ${name}/ ${p.bundle}: ${p.gz} bytes = ${kb(p.gz)} (wasm ${kb(p.wasm)}, glue ${kb(p.glue)}, JS ${kb(p.shared - p.css + p.views)} of which the protocol's view ${kb(p.views)}, CSS ${p.css ? kb(p.css) : "0 (the element's styles are in its JS)"}) — budget ${budgetKb(p.bundle)} KB: ` +
      (over ? `OVER BUDGET by ${kb(p.gz - budget)}` : `ok, ${kb(budget - p.gz)} to spare`));
  }
  // And right after its first frame, the rest of its simulator: what the page downloads in all.
  for (const p of pages) {
    if (p.rest) console.log(`  PAGE+REST ${name}/ ${p.bundle}: ${p.gz + p.rest} bytes = ${kb(p.gz + p.rest)} — the first download and pkg/${p.bundle}/${REST_WASM} (${kb(p.rest)}), fetched once the first frame is painted: the whole page`);
  }
  // A page opening a share link loads pkg/<bundle>-full/ instead.
  for (const p of pages) {
    const full = m.files.filter((f) => f.file.startsWith(`pkg/${fullBundle(p.bundle)}/`));
    if (!full.length) continue;
    const wasm = full.filter((f) => f.file.endsWith('.wasm')).reduce((a, f) => a + f.gz, 0), glue = full.reduce((a, f) => a + f.gz, 0) - wasm;
    const gz = p.gz - p.wasm - p.glue + wasm + glue;
    console.log(`  PAGE+FULL ${name}/ ${p.bundle}: ${gz} bytes = ${kb(gz)} (wasm ${kb(wasm)}, glue ${kb(glue)}) — a page opening a share link (pkg/${fullBundle(p.bundle)}/ instead of pkg/${p.bundle}/)`);
  }
  return { ...m, pages, over: pages.some((p) => p.gz > budgetKb(p.bundle) * 1024) };
}

/** What pages load only on demand (not in a playground page's first download), gzipped. */
export const ON_DEMAND = [
  ['panels/spacetime.js', 'the space-time panel, when it is first opened'],
  ['history.js', 'the history lab\'s element (check.html)'],
  ['history-worker.js', 'the history lab\'s worker'],
  ['pkg/lab/cap_playground.js', 'the history lab\'s checker: glue'],
  ['pkg/lab/cap_playground_bg.wasm', 'the history lab\'s checker: wasm (parsers, checker, why)'],
  ['pkg/export/cap_playground.js', 'the history exporters (Porcupine JSON, Jepsen EDN), on the first export: glue'],
  ['pkg/export/cap_playground_bg.wasm', 'the history exporters: wasm'],
  // Each page bundle's speed-built twin, fetched for a long replay (www/panels/travel.js).
  // and its size-built twin with the full API (share links, the space-time record): the first
  // download of a page opening a share link, and fetched when the space-time panel first opens.
  ...PROTOCOLS.map((p) => p.bundle).filter((b, i, all) => all.indexOf(b) === i).flatMap((b) => [
    [`pkg/${b}/${REST_WASM}`, `${b}'s simulator past the first frame (moving the run, time travel, the live checker's search, scenario JSON), fetched once the first frame is painted`],
    [`pkg/${fastBundle(b)}/cap_playground.js`, `${b}'s speed-built simulator, for long replays: glue`],
    [`pkg/${fastBundle(b)}/cap_playground_bg.wasm`, `${b}'s speed-built simulator, for long replays: wasm`],
    [`pkg/${fullBundle(b)}/cap_playground.js`, `${b}'s full API (share links, space-time record): glue`],
    [`pkg/${fullBundle(b)}/cap_playground_bg.wasm`, `${b}'s full API: wasm`],
  ]),
];

async function allSizes() {
  sizes(path.join(ROOT, 'dist'), 'what ships (minified JS)');
  sizes(path.join(ROOT, 'www'), 'readable sources (npm start)');
  // What the raft wasm is made of (twiggy's "top"), from a named copy of the same code.
  const named = await namedRaftWasm();
  console.log(`\n## the raft page's main wasm module (its first download; ${REST_WASM} follows): largest contributors (uncompressed code bytes; ${named ? path.relative(ROOT, named) : 'target/wasm-names/'})`);
  if (named) for (const l of topLines(fs.readFileSync(named), 15)) console.log(`  ${l}`);
  else console.log('  missing: run npm run build');
  const dist = path.join(ROOT, 'dist');
  if (!fs.existsSync(dist)) return;
  console.log('\n## loaded on demand (dist/, gzip -9), not part of any playground page\'s first download');
  const first = elementFiles(dist);
  for (const [file, what] of ON_DEMAND) {
    const f = path.join(dist, file);
    if (!fs.existsSync(f)) { console.log(`  ${file}: missing`); continue; }
    const buf = fs.readFileSync(f);
    console.log(`  ONDEMAND ${file}: ${zlib.gzipSync(buf, { level: 9 }).length} bytes gzipped (${kb(buf.length)} raw) — ${what}` +
      (first.has(file) ? ' — ERROR: the element imports it statically' : ''));
  }
}

// ---------------------------------------------------------------------------------------------
// 2/3. native benches through the CLI
async function nativeBench() {
  console.log('\n## native (cap CLI, release)');
  if (await run('cargo', ['build', '--release', '--quiet', '--bin', 'cap']) !== 0) {
    console.log('  cap did not build: native benches skipped');
    return null;
  }
  let checkOut = null;
  const cap = path.join(process.env.CARGO_TARGET_DIR ? path.resolve(ROOT, process.env.CARGO_TARGET_DIR) : path.join(ROOT, 'target'), 'release', 'cap');
  for (const sub of ['bench', 'check-bench']) {
    console.log(`\n### cap ${sub}`);
    const help = capture(cap, ['help']);
    const known = new RegExp(`(^|\\s)${sub}(\\s|$)`, 'm').test(help.stdout + help.stderr);
    const t = Date.now();
    const r = capture(cap, [sub], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 10 * 60 * 1000 });
    if (r.code !== 0) {
      const msg = (r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ');
      console.log(`  skipped: \`cap ${sub}\` ${known ? 'failed' : 'is not available yet'} (exit ${r.code}${msg ? `: ${msg}` : ''})`);
      continue;
    }
    if (sub === 'check-bench') {
      checkOut = r.stdout;
      generatedHistories(cap);
      const total = r.stdout.trim().split('\n').pop();
      console.log(`  ${total}\n  (per-file figures in the checker table below; ${elapsed(t)} wall)`);
      continue;
    }
    process.stdout.write(r.stdout.replace(/^/gm, '  '));
    console.log(`  (${elapsed(t)} wall)`);
    if (sub === 'bench') {
      longRunMemory(cap);
      await simSpeed(cap, r.stdout);
    }
  }
  return checkOut;
}

/**
 * 2c. Simulator speed side by side (issue 20: >= 3,600x real time natively, wasm >= 0.6x native
 * with the live checker on): bench-raft's simulated hour natively (`cap bench`, invariants after
 * every event; and `cap bench --live`, the live linearizability checker on as in the element) and
 * in wasm (node, the `Playground` of the raft page bundle and of its speed-built twin that long
 * replays run on, as the element drives it: live checker and time-travel checkpoints on, advanced
 * one simulated second per call). The same trace hash on both sides means the same run.
 */
async function simSpeed(cap, nativeOut) {
  const num = (text, re) => Number((text.match(re) || [])[1]);
  const row = (text) => ({ x: num(text, /simulated seconds per wall second: (\d+)/), eps: num(text, /events per wall second: (\d+)/), hash: (text.match(/trace hash: ([0-9a-f]+)/) || [])[1] });
  const text = fs.readFileSync(path.join(ROOT, 'www', 'scenarios', 'bench-raft.json'), 'utf8');
  const until = JSON.parse(text).until;
  // The wasm side: each bundle's glue loaded once (one module instance, as in a page), a fresh
  // Playground per run.
  const modules = {};
  for (const [key, bundle] of [['raft', 'raft'], ['fast', fastBundle('raft')]]) {
    const glue = ['dist', 'www'].map((d) => path.join(ROOT, d, 'pkg', bundle, 'cap_playground.js')).find((f) => fs.existsSync(f));
    if (!glue) continue;
    modules[key] = await loadWasmInNode(path.dirname(glue));
  }
  const wasmRun = (m) => {
    const pg = new m.Playground(text);
    const t0 = performance.now();
    for (let t = 1000; t <= until; t += 1000) pg.advance(1000);
    const secs = (performance.now() - t0) / 1000;
    const f = JSON.parse(pg.lightFrameJson());
    const w = { x: Math.round(until / 1000 / secs), eps: f.counters.events / secs, hash: pg.traceHash() };
    pg.free();
    return w;
  };
  // Three rounds, native and wasm interleaved (this machine's speed drifts by 10-20% over a minute):
  // each line is the median round, with the range.
  const runs = { off: [row(nativeOut)], on: [], raft: [], fast: [] };
  for (let round = 0; round < 3; round++) {
    if (round) {
      const r0 = capture(cap, ['bench'], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 10 * 60 * 1000 });
      if (r0.code === 0) runs.off.push(row(r0.stdout));
    }
    const r = capture(cap, ['bench', '--live'], { stdio: ['ignore', 'pipe', 'pipe'], timeout: 10 * 60 * 1000 });
    if (r.code === 0) runs.on.push(row(r.stdout));
    if (modules.raft) runs.raft.push(wasmRun(modules.raft));
    if (modules.fast) runs.fast.push(wasmRun(modules.fast));
  }
  const median = (xs) => {
    if (!xs.length) return null;
    const sorted = [...xs].sort((a, b) => a.x - b.x);
    return { ...sorted[(sorted.length - 1) >> 1], lo: sorted[0].x, hi: sorted[sorted.length - 1].x, n: xs.length };
  };
  const off = median(runs.off), on = median(runs.on);
  console.log('\n### simulator speed, bench-raft (one simulated hour), simulated seconds per wall second and events per second');
  console.log('  (the median of 3 runs, native and wasm interleaved, with the range; wasm: node, the element\'s Playground, live checker and');
  console.log('   time-travel checkpoints on, one simulated second per call; long seeks and share links replay on the speed-built bundle)');
  const line = (what, v, note = '') => console.log(`  ${pad(what, 40)} ${String(v.x).padStart(6)}x real time (${v.lo}-${v.hi})  ${String(Math.round(v.eps)).padStart(9)} events/s${note}`);
  line('native, invariants after every event', off, off.x >= 3600 ? '' : '  (target 3,600x)');
  if (on) line('native, + live checker', on);
  const ref = on || off;
  for (const [key, what] of [['raft', 'wasm, page bundle (size-built)'], ['fast', 'wasm, speed-built (long replays)']]) {
    const w = median(runs[key]);
    if (!w) { console.log(`  ${what}: missing (npm run build)`); continue; }
    const hashes = new Set(runs[key].map((r) => r.hash));
    line(what, w, `  = ${(w.x / ref.x).toFixed(2)}x native${on ? ' with the live checker' : ''}` +
      `${key === 'raft' || w.x / ref.x >= 0.6 ? '' : ' (target 0.6x)'}; ${hashes.size === 1 && w.hash === ref.hash ? 'the same trace hash' : `trace hash ${[...hashes].join(', ')} DIFFERS from native ${ref.hash}`}`);
  }
}

/**
 * 2b. Peak memory of `cap run` over bench-raft's hour and the same schedule repeated for 24
 * simulated hours in one call (issue 18: lost messages are released as time passes, so the long
 * run stays within 64 MB), side by side; each in its own process, so each has its own VmHWM.
 */
function longRunMemory(cap) {
  console.log('\n### cap run --peak-memory www/scenarios/bench-raft.json: 1 hour and 24 hours (--repeat 24)');
  const scenario = path.join(ROOT, 'www', 'scenarios', 'bench-raft.json');
  const rows = [];
  for (const repeat of [1, 24]) {
    const r = capture(cap, ['run', '--compact', '--peak-memory', '--repeat', String(repeat), scenario], { timeout: 20 * 60 * 1000, maxBuffer: 256 << 20 });
    const m = /peak memory (\S+ MB) \(VmHWM\), (\d+) events, ([\d.]+) simulated h in ([\d.]+) s/.exec(r.stderr);
    if (!m) {
      console.log(`  --repeat ${repeat}: no figure (exit ${r.code}: ${r.stderr.trim().split('\n').pop() ?? ''})`);
      continue;
    }
    rows.push({ hours: m[3], peak: m[1], events: m[2], wall: m[4] });
  }
  if (!rows.length) return;
  console.log(`  ${pad('simulated h', 13)}${pad('peak RSS', 11)}${pad('events', 12)}wall s`);
  for (const r of rows) console.log(`  ${pad(r.hours, 13)}${pad(r.peak, 11)}${pad(r.events, 12)}${r.wall}`);
  console.log('  (budget: 64 MB for the 24 hours)');
}

/** 3c: `cap check --stats` on generated histories, one process each (so each has its own peak RSS). */
function generatedHistories(cap) {
  console.log('\n### the checker on generated single-register histories (cap gen-history | cap check --stats)');
  const dir = path.join(ROOT, 'target', 'bench-histories');
  fs.mkdirSync(dir, { recursive: true });
  for (const ops of [100000, 200000]) {
    for (const stale of [false, true]) {
      const file = path.join(dir, `register-${ops}${stale ? '-stale' : ''}.log`);
      const g = capture(cap, ['gen-history', '--ops', String(ops), ...(stale ? ['--stale-read'] : [])], { maxBuffer: 1 << 30 });
      if (g.code !== 0) { console.log(`  gen-history failed: ${g.stderr.trim()}`); return; }
      fs.writeFileSync(file, g.stdout);
      const t = Date.now();
      const r = capture(cap, ['check', file, '--stats'], { timeout: 10 * 60 * 1000, maxBuffer: 64 << 20 });
      const lines = r.stdout.trim().split('\n');
      const verdict = (lines[0] || '').replace(/ \(.*\)/, '').replace(/, witness included/, '');
      const witness = /witness: (\d+) operations/.exec(r.stdout)?.[1];
      const stats = lines.find((l) => l.startsWith('stats:')) || `exit ${r.code}: ${r.stderr.trim().split('\n').pop()}`;
      console.log(`  ${pad(`${ops.toLocaleString('en')} ops${stale ? ', one stale read' : ''}`, 28)} ${verdict}${witness ? `, witness ${witness} ops` : ''} (${elapsed(t)} wall)`);
      console.log(`  ${pad('', 28)} ${stats}`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// 3a. the exhaustive explorer: native beside Stateright (bench/stateright, its own package and
// lockfile, never part of the main build), then the same searches in wasm (node, the browser's
// lazily loaded pkg/explore bundle). Distinct states per second; wasm should reach 0.5x native.
async function exploreBench() {
  console.log('\n## exhaustive explorer: distinct states/s, native vs Stateright vs wasm');
  const manifest = path.join(ROOT, 'bench', 'stateright', 'Cargo.toml');
  const env = { ...process.env, CARGO_TARGET_DIR: path.join(ROOT, 'target', 'explore-bench') };
  const r = capture('cargo', ['run', '--release', '--quiet', '--manifest-path', manifest, '--', '5', '5'], { env, timeout: 30 * 60 * 1000 });
  if (r.code !== 0) { console.log(`  the native explorer bench failed (exit ${r.code}): ${(r.stderr || '').trim().split('\n').slice(-3).join(' | ')}`); return; }
  process.stdout.write(r.stdout.replace(/^/gm, '  '));
  const num = (re) => Number((r.stdout.match(re) || [])[1]);
  const native = { twophase: num(/NATIVE_TWOPHASE .*ours_states_per_s=(\d+)/), raft: num(/NATIVE_RAFT states_per_s=(\d+)/), walks: num(/NATIVE_WALKS steps_per_s=(\d+)/), walkCount: num(/NATIVE_WALKS .*walks=(\d+)/) };
  const glue = ['dist', 'www'].map((d) => path.join(ROOT, d, 'pkg', 'explore', 'cap_playground.js')).find((f) => fs.existsSync(f));
  if (!glue) { console.log('  pkg/explore missing (npm run build): wasm column skipped'); return; }
  const m = await import(pathToFileURL(glue).href);
  m.initSync({ module: fs.readFileSync(glue.replace(/\.js$/, '_bg.wasm')) });
  const specs = {
    twophase: { protocol: 'twophase', nodes: 5, clients: 0, ops: 0 },
    raft: { protocol: 'raft', nodes: 3, clients: 1, ops: 2, timers: 2, max_states: 100000 },
  };
  for (const [name, spec] of Object.entries(specs)) {
    let best = Infinity, distinct = 0, bytes = 0;
    for (let rep = 0; rep < (name === 'twophase' ? 10 : 2); rep++) { // best of N: the first runs include the JIT's tiering
      const t0 = performance.now();
      const sess = new m.ExploreSession(JSON.stringify(spec));
      let p;
      do { p = JSON.parse(sess.run(1e9)); } while (p.status === 'running');
      const ms = performance.now() - t0;
      sess.free();
      if (ms < best) { best = ms; distinct = p.stats.distinct; bytes = p.bytes_per_state; }
    }
    const rate = distinct / (best / 1000), ratio = rate / native[name];
    console.log(`  wasm ${pad(name, 9)} ${String(distinct).padStart(8)} distinct in ${best.toFixed(1)} ms: ${rate.toFixed(0)} states/s = ${ratio.toFixed(2)}x native` +
      ` (~${bytes} B/state estimated)${ratio < 0.5 ? '  BELOW the 0.5x target' : ''}`);
  }
  // Random walks: Figure 8's mutant, the same seed as the native line above, until the violation.
  const walks = { protocol: 'raft', nodes: 3, clients: 0, ops: 0, timers: 4, depth: 40, walks: 2000000, seed: 5, unsafe_switches: ['commit-old-terms'] };
  const t0 = performance.now();
  const sess = new m.ExploreSession(JSON.stringify(walks));
  let p;
  do { p = JSON.parse(sess.run(1e9)); } while (p.status === 'running');
  const ms = performance.now() - t0;
  const cx = p.status === 'violation' ? JSON.parse(sess.counterexample()) : null;
  sess.free();
  const rate = p.stats.generated / (ms / 1000);
  console.log(`  wasm walks     ${p.stats.walks} walks, ${p.stats.generated} steps in ${ms.toFixed(0)} ms: ${rate.toFixed(0)} steps/s = ` +
    `${(rate / native.walks).toFixed(2)}x native; ${p.status}${cx ? ` (${p.invariant}, shrunk to ${cx.steps.length} steps)` : ''}; ` +
    `${p.stats.walks === native.walkCount ? 'the same walks as native' : `NOT the same walks as native (${native.walkCount})`}`);
}

// ---------------------------------------------------------------------------------------------
// 3b. the checker in wasm (node) beside native and Porcupine (Go)
const PORCUPINE = path.join(ROOT, 'tests', 'data', 'porcupine');
const BENCH_WASM_DIR = path.join(ROOT, 'target', 'bench-wasm');

/** `cap check-bench` output → Map file → ms. */
function parseCheckBench(text) {
  const m = new Map();
  for (const line of (text || '').split('\n')) {
    const r = /^(\S+\.(?:log|txt))\s+([\d.]+)\s/.exec(line);
    if (r) m.set(r[1], Number(r[2]));
  }
  return m;
}

/** Build the bench-only wasm (feature checker-bench) and its ES-module glue; returns the glue's path or null. */
async function buildBenchWasm() {
  const args = ['build', '--lib', '--release', '--quiet', '--target', 'wasm32-unknown-unknown', '--features', 'checker-bench', '--target-dir', BENCH_WASM_DIR];
  if (await run('cargo', args) !== 0) return null;
  const raw = path.join(BENCH_WASM_DIR, 'wasm32-unknown-unknown', 'release', 'cap_playground.wasm');
  const pkg = path.join(BENCH_WASM_DIR, 'pkg');
  const glue = path.join(pkg, 'cap_playground.js');
  const stamp = path.join(pkg, '.stamp'), mt = String(fs.statSync(raw).mtimeMs);
  if (!(fs.existsSync(glue) && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === mt)) {
    if (await run('wasm-bindgen', [raw, '--target', 'web', '--out-dir', pkg, '--no-typescript']) !== 0) return null;
    fs.writeFileSync(stamp, mt);
  }
  return glue;
}

async function checkerTable(nativeOut) {
  console.log('\n## linearizability checker: native | wasm (node) | Porcupine (Go), per Porcupine history');
  const tsv = path.join(PORCUPINE, 'verdicts.tsv');
  if (!fs.existsSync(tsv)) { console.log(`  ${tsv} missing: skipped`); return; }
  const ref = fs.readFileSync(tsv, 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t'))
    .map(([file, , expect, go]) => ({ file, expect: expect === 'NA' ? null : expect === 'true', go: Number(go) }));
  const native = parseCheckBench(nativeOut);
  let wasm = null;
  if (!args.includes('--no-wasm-check')) {
    const t = Date.now();
    const glue = await buildBenchWasm();
    if (!glue) console.log('  the bench wasm did not build: wasm column skipped');
    else {
      const m = await import(pathToFileURL(glue).href);
      m.initSync({ module: fs.readFileSync(glue.replace(/\.js$/, '_bg.wasm')) });
      wasm = new Map();
      for (const r of ref) {
        const h = new m.ExternalHistory(fs.readFileSync(path.join(PORCUPINE, r.file), 'utf8')); // parsing: not timed
        let reps = 0, v;
        const t0 = performance.now();
        do { v = h.verdict(); reps++; } while (performance.now() - t0 < 10);
        wasm.set(r.file, { ms: (performance.now() - t0) / reps, v });
        h.free();
      }
      console.log(`  wasm: ${ref.length} files, each repeated until >= 10 ms (${elapsed(t)} wall with the build)`);
    }
  }
  const rows = ref.map((r) => ({ ...r, nat: native.get(r.file), w: wasm?.get(r.file) }));
  const fmt = (x) => (x == null || Number.isNaN(x) ? '—' : x.toFixed(3));
  const slow = [...rows].sort((a, b) => Math.max(b.nat ?? 0, b.w?.ms ?? 0, b.go) - Math.max(a.nat ?? 0, a.w?.ms ?? 0, a.go)).slice(0, 10);
  console.log(`  ${pad('file (10 slowest)', 24)} ${'native ms'.padStart(10)} ${'wasm ms'.padStart(10)} ${'Porcupine ms'.padStart(13)}  expected`);
  for (const r of slow) {
    console.log(`  ${pad(r.file, 24)} ${fmt(r.nat).padStart(10)} ${fmt(r.w?.ms).padStart(10)} ${fmt(r.go).padStart(13)}  ${r.expect == null ? 'NA' : r.expect ? 'linearizable' : 'not linearizable'}`);
  }
  const sum = (f) => rows.reduce((s, r) => s + (f(r) || 0), 0);
  const tn = sum((r) => r.nat), tw = sum((r) => r.w?.ms), tg = sum((r) => (Number.isFinite(r.go) ? r.go : 0));
  console.log(`  ${pad(`TOTAL (${rows.length} files)`, 24)} ${(native.size ? tn.toFixed(1) : '—').padStart(10)} ${(wasm ? tw.toFixed(1) : '—').padStart(10)} ${tg.toFixed(1).padStart(13)}`);
  if (native.size) console.log(`  native / Porcupine: ${(tn / tg).toFixed(2)}x (goal <= 0.5x)`);
  if (wasm) {
    console.log(`  wasm / Porcupine:   ${(tw / tg).toFixed(2)}x (goal <= 1x)`);
    const wrong = rows.filter((r) => r.expect != null && r.w && r.w.v !== (r.expect ? 1 : 0));
    console.log(`  wasm verdicts: ${rows.length - wrong.length - rows.filter((r) => r.expect == null).length} right, ${wrong.length} wrong` +
      `${rows.some((r) => r.expect == null) ? `, ${rows.filter((r) => r.expect == null).map((r) => `${r.file} NA (answered ${r.w?.v})`).join(', ')}` : ''}` +
      (wrong.length ? `: ${wrong.map((r) => `${r.file} answered ${r.w.v}`).join(', ')}` : ''));
    if (wrong.length) process.exitCode = 1;
  }
}

// ---------------------------------------------------------------------------------------------
// 4. browser
//
// Instrumentation injected before any page script: it needs no cooperation from the element.
//  - wraps requestAnimationFrame to count callbacks and time each one (JS + wasm work per frame);
//  - wraps WebAssembly.instantiate(Streaming) and the WebAssembly.Instance constructor (the element
//    instantiates its compiled module synchronously: element/wasm.js) to keep the instance's exported memory.
const INIT = () => {
  const b = (window.__capBench = { rafCount: 0, rafTimes: [], memories: [] });
  // Callable again after load: Playwright's fake clock replaces requestAnimationFrame.
  b.wrapRaf = () => {
    if (window.requestAnimationFrame.__capWrapped) return;
    const raf = window.requestAnimationFrame.bind(window);
    const wrapped = (cb) => raf((ts) => {
      const t0 = performance.now();
      try { cb(ts); } finally {
        b.rafCount++;
        if (b.rafTimes.length < 100000) b.rafTimes.push(performance.now() - t0);
      }
    });
    wrapped.__capWrapped = true;
    window.requestAnimationFrame = wrapped;
  };
  b.wrapRaf();
  const keep = (r) => {
    const inst = r instanceof WebAssembly.Instance ? r : r?.instance;
    for (const v of Object.values(inst?.exports ?? {})) if (v instanceof WebAssembly.Memory) b.memories.push(v);
    return r;
  };
  const wi = WebAssembly.instantiate.bind(WebAssembly);
  WebAssembly.instantiate = (...a) => wi(...a).then(keep);
  if (WebAssembly.instantiateStreaming) {
    const wis = WebAssembly.instantiateStreaming.bind(WebAssembly);
    WebAssembly.instantiateStreaming = (...a) => wis(...a).then(keep);
  }
  const Instance = WebAssembly.Instance;
  WebAssembly.Instance = function Instance_(module, imports) { return keep(new Instance(module, imports)); };
  WebAssembly.Instance.prototype = Instance.prototype; // instanceof still holds
  b.wasmBytes = () => b.memories.reduce((s, m) => s + m.buffer.byteLength, 0);
};

// ---- HOOKS: how the bench drives the element -------------------------------------------------
// Written against the STABLE CONTRACT at the top of www/cap-playground.js: play(), pause(),
// speed (simulated ms per wall ms, max 10), state().now (simulated ms), ready (Promise),
// metrics {frames, frameTimes, firstFrameMs, simTimeMs}. Each hook says which call it used.
const HOOKS = {
  // ms from navigation start until the first frame was drawn: the element's own metric
  // (performance.now() in the first requestAnimationFrame callback after the run exists). Read
  // after the fact, from node: page.waitForFunction would inject Playwright's script into the page
  // while it loads and slow the very thing measured, and so does any page.evaluate — so the first
  // look is 1 s after the navigation commits (the first frame comes at ~0.2 s), then every 0.1 s.
  // (Looking at 0.1 s, as this did until 2026-12-07, put a few ms of Playwright's work on the
  // page's main thread in the middle of its load, and none on the floor's, done by then.)
  firstFrame: async (page) => {
    for (let i = 0; i < 150; i++) {
      await new Promise((r) => setTimeout(r, i ? 100 : 1000));
      const v = await page.evaluate(() => document.querySelector('cap-playground')?.metrics?.firstFrameMs ?? null).catch(() => null);
      if (typeof v === 'number') return v;
    }
    throw new Error('no first frame within 16 s');
  },
  play: (page) => page.evaluate(async () => {
    const el = document.querySelector('cap-playground');
    await el?.ready;
    if (typeof el?.play === 'function') { el.play(); return 'el.play()'; }
    return 'no el.play(): NOT PLAYING';
  }),
  pause: (page) => page.evaluate(() => {
    const el = document.querySelector('cap-playground');
    if (typeof el?.pause === 'function') { el.pause(); return 'el.pause()'; }
    return 'no el.pause(): NOT PAUSED';
  }),
  setSpeed: (page, x) => page.evaluate(async (x) => {
    const el = document.querySelector('cap-playground');
    await el?.ready;
    if (el && 'speed' in el) { el.speed = x; return `el.speed = ${x} (now ${el.speed})`; }
    return 'no el.speed: speed NOT SET';
  }, x),
  // The element's own per-frame cost ring (ms), or [].
  frameTimes: (page) => page.evaluate(() => {
    const m = document.querySelector('cap-playground')?.metrics;
    return m?.frameTimes ? Array.from(m.frameTimes).slice(0, Math.min(m.frameTimes.length, m.frameIndex ?? Infinity)) : [];
  }),
  // Simulated time in ms as the element reports it, or null.
  simTime: (page) => page.evaluate(() => {
    const el = document.querySelector('cap-playground');
    const v = el?.metrics?.simTimeMs || (typeof el?.state === 'function' ? el.state()?.now : null);
    return typeof v === 'number' ? v : null;
  }),
};
// ----------------------------------------------------------------------------------------------

const FIRST_FRAME_RUNS = Number(process.env.BENCH_FIRST_FRAME_RUNS || 15);
// The frame-cost workload: 9 servers, heavy client traffic (frames of ~20 KB JSON).
const HEAVY = {
  name: '9 servers, heavy traffic',
  protocol: 'raft',
  nodes: 9,
  seed: 5,
  clients: [{ node: 0 }, { node: 2 }, { node: 4 }, { node: 6 }],
  workload: { interval_ms: 100, read: 1, write: 3, cas: 1, keys: 3, max_value: 99, start_ms: 300 },
  until: 1e9,
};

function pct(xs, p) {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

async function browserBench() {
  console.log('\n## browser (headless Chromium)');
  const { startSession } = await import('../tests/browser/helpers.mjs');
  const simSeconds = Number(process.env.BENCH_SIM_SECONDS || 3600);
  const speed = Number(process.env.BENCH_SPEED || 10);
  let s;
  try {
    s = await startSession({ root: servedDir() });
    await s.context.addInitScript(INIT);

    // First frame (budget: within 100 ms of the floor page, cold medians), without the instrumentation: cold = a new browser context per
    // load (no HTTP or code cache: a first visit), warm = reloads in one context. For scale, the
    // same on a floor page: the index page's head and text with a trivial custom element that
    // draws one line in its first animation frame (what this browser and machine take for any
    // page with a module script; it does not depend on this project's code). The cold loads of the
    // page and of the floor alternate in one browser (the order swapped every pair), so that a
    // change in the machine's load during the run falls on both alike.
    const viewport = { width: 1000, height: 700 };
    const coldLoad = async (url) => {
      const ctx = await s.browser.newContext({ viewport });
      try {
        const p = await ctx.newPage();
        await p.goto(url, { waitUntil: 'commit' });
        return await HOOKS.firstFrame(p);
      } finally { await ctx.close(); }
    };
    const warmFrames = async (runs) => {
      const out = [], ctx = await s.browser.newContext({ viewport });
      try {
        for (let i = 0; i < runs + 1; i++) {
          const p = await ctx.newPage();
          await p.goto(s.url('/'), { waitUntil: 'commit' });
          const v = await HOOKS.firstFrame(p);
          if (i > 0) out.push(v); // the first load only fills the caches
          await p.close();
        }
      } finally { await ctx.close(); }
      return out;
    };
    const line = (xs) => `median ${pct(xs, 50).toFixed(0)} ms, min ${Math.min(...xs).toFixed(0)}, max ${Math.max(...xs).toFixed(0)}`;
    const floorDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cap-floor-'));
    const head = fs.readFileSync(path.join(servedDir(), 'index.html'), 'utf8').split('</head>')[0]
      // Every script of the page's head goes: the wasm preload and early compile, the module handing
      // over the view (index.html: its imports would 404 on the floor's server), the element's own.
      .replace(/<link rel="(?:modulepreload|preload)"[^>]*>\n?/g, '').replace(/<script\b[\s\S]*?<\/script>\n?/g, '');
    fs.writeFileSync(path.join(floorDir, 'index.html'), `${head}</head>\n<body><h1>cap-playground</h1><p>Five servers run Raft.</p>\n` +
      '<cap-playground></cap-playground>\n<script type="module" src="./floor.js"></script>\n</body></html>\n');
    fs.writeFileSync(path.join(floorDir, 'floor.js'), 'customElements.define("cap-playground", class extends HTMLElement {\n' +
      '  connectedCallback() { this.attachShadow({ mode: "open" }).textContent = "one line"; this.metrics = {};\n' +
      '    requestAnimationFrame(() => { this.metrics.firstFrameMs = performance.now(); }); } });\n');
    const { startServer } = await import('./serve.mjs');
    const floorServer = await startServer({ root: floorDir, port: 0 });
    const cold = [], floor = [];
    try {
      for (let i = 0; i < FIRST_FRAME_RUNS; i++) {
        const pair = [[cold, s.url('/')], [floor, floorServer.url]];
        for (const [out, url] of i % 2 ? pair.reverse() : pair) out.push(await coldLoad(url));
      }
    } finally { await floorServer.close(); fs.rmSync(floorDir, { recursive: true, force: true }); }
    const warm = await warmFrames(FIRST_FRAME_RUNS);
    const gap = pct(cold, 50) - pct(floor, 50);
    console.log(`  first frame after navigation, cold (${cold.length} loads, a new context each): ${line(cold)}`);
    console.log(`  first frame after navigation, warm (${warm.length} reloads, HTTP + code cache): ${line(warm)}`);
    console.log(`    floor: a trivial element on the same page head, cold, its loads alternating with the page's: ${line(floor)} (the browser's share on this machine)`);
    console.log(`    cold median minus the floor's: ${gap.toFixed(0)} ms — budget 100 ms (issue 20: a ratio to the floor, so it holds on a noisy machine)` +
      (gap > 100 ? '  OVER' : ''));

    // Frame cost while playing: index.html's default run (5 servers, speed 0.1).
    const page = await s.open('/', { waitUntil: 'load' });
    console.log(`  play: ${await HOOKS.play(page)}`);
    await page.evaluate(() => { window.__capBench.rafTimes.length = 0; window.__capBench.rafCount = 0; });
    await page.waitForTimeout(5000);
    const { times, count } = await page.evaluate(() => ({ times: window.__capBench.rafTimes, count: window.__capBench.rafCount }));
    console.log(`  frame cost over 5 s playing (all rAF callbacks on the page): ${count} callbacks, ` +
      `p50 ${pct(times, 50).toFixed(2)} ms, p95 ${pct(times, 95).toFixed(2)} ms, max ${Math.max(0, ...times).toFixed(2)} ms`);
    const own = await HOOKS.frameTimes(page);
    if (own.length) console.log(`  frame cost, element's own metrics (last ${own.length} frames): p50 ${pct(own, 50).toFixed(2)} ms, p95 ${pct(own, 95).toFixed(2)} ms`);

    // Frame cost under load: 9 servers, 4 clients writing every ~100 ms, speed 1 (budget: p95 4 ms).
    const heavy = await page.evaluate(async ([sc, secs]) => {
      const el = document.querySelector('cap-playground');
      el.pause();
      await el.loadScenario(sc);
      el.advance(3000);
      el.speed = 1;
      el.play();
      const wait = (ms) => new Promise((r) => setTimeout(r, ms));
      await wait(1000);
      const m = el.metrics, ring = m.frameTimes.length, times = [];
      let seen = m.frameIndex, bytes = 0, light = 0, msgs = 0, n = 0;
      for (let t = 0; t < secs * 1000; t += 500) {
        await wait(500);
        for (; seen < m.frameIndex; seen++) if (m.frameIndex - seen <= ring) times.push(m.frameTimes[seen % ring]);
        const f = el.state();
        bytes += JSON.stringify(f).length; msgs += f.messages.length; n++;
        // The light frame the loop pulls between full ones (~10 Hz), when the bundle has it.
        light += el.pg?.lightFrameJson?.().length ?? 0;
      }
      el.pause();
      return { times, bytes: bytes / n, light: light / n, msgs: msgs / n };
    }, [HEAVY, 6]);
    console.log(`  frame cost, ${HEAVY.name}, speed 1 (element's own metrics, ${heavy.times.length} frames over 6 s): ` +
      `p50 ${pct(heavy.times, 50).toFixed(2)} ms, p95 ${pct(heavy.times, 95).toFixed(2)} ms, max ${Math.max(0, ...heavy.times).toFixed(2)} ms — budget p95 4 ms`);
    console.log(`    frame JSON ${kb(heavy.bytes)} on average (light frame ${kb(heavy.light)}), ${heavy.msgs.toFixed(0)} messages in flight`);

    await spacetimeBench(page);

    // rAF while paused: should be 0 (the element stops its loop when nothing moves).
    console.log(`  pause: ${await HOOKS.pause(page)}`);
    await page.waitForTimeout(300);
    await page.evaluate(() => { window.__capBench.rafCount = 0; });
    await page.waitForTimeout(2000);
    console.log(`  rAF callbacks while paused (2 s): ${await page.evaluate(() => window.__capBench.rafCount)}`);
    // Every wasm memory of the page: by now the heavy run's and the space-time panel's module (pkg/raft-full/) too.
    console.log(`  wasm memory of the page's modules (the page bundle and, after the space-time panel, pkg/raft-full/): ${kb(await page.evaluate(() => window.__capBench.wasmBytes()))}`);
    s.errors(page).forEach((e) => console.log(`  page error: ${e}`));
    await page.close();

    // Long run with a fake clock: simSeconds of simulated time at `speed`x = simSeconds/speed s
    // of page time, fast-forwarded frame by frame (rAF fires every 16 ms of fake time).
    const t = Date.now();
    const long = await s.context.newPage();
    await long.clock.install();
    await long.goto(s.url('/'), { waitUntil: 'load' });
    await long.evaluate(() => window.__capBench.wrapRaf());
    await long.clock.runFor(500);
    console.log(`  speed: ${await HOOKS.setSpeed(long, speed)}`);
    await HOOKS.play(long);
    const pageMs = (simSeconds * 1000) / speed;
    const chunk = 10000;
    for (let done = 0; done < pageMs; done += chunk) await long.clock.runFor(Math.min(chunk, pageMs - done));
    const m = await long.evaluate(() => ({
      wasm: window.__capBench.wasmBytes(),
      frames: window.__capBench.rafCount,
    }));
    const cdp = await s.context.newCDPSession(long);
    m.heap = (await cdp.send('Runtime.getHeapUsage')).usedSize;
    const sim = await HOOKS.simTime(long);
    console.log(`  after ${simSeconds} s simulated at ${speed}x (${m.frames} frames, ${elapsed(t)} wall): ` +
      `wasm memory ${kb(m.wasm)}, JS heap ${kb(m.heap)}` +
      (sim === null ? ' (element reports no sim time: check the speed hook)' : `, element sim time ${(sim / 1000).toFixed(0)} s`));
    // Time travel after the hour: seeks to moments spread over the run (each restores the
    // checkpoint before it and replays up to `spacing` of simulated time). Timed with Date.now
    // in node: the page's clock is fake.
    const seeks = [];
    const end = await long.evaluate(() => document.querySelector('cap-playground').state().now);
    for (let i = 1; i <= 12; i++) {
      const to = Math.floor((end * i) / 13) + 997 * i; // off the checkpoint grid
      const t1 = process.hrtime.bigint();
      await long.evaluate((to) => document.querySelector('cap-playground').seek(to), to);
      seeks.push(Number(process.hrtime.bigint() - t1) / 1e6);
    }
    const tl = await long.evaluate(() => JSON.parse(document.querySelector('cap-playground').pg.timelineJson(1 << 30)));
    console.log(`  seek after the hour (${seeks.length} seeks, ${tl.checkpoints} checkpoints ${tl.spacing / 1000} s apart): ` +
      `median ${pct(seeks, 50).toFixed(0)} ms, max ${Math.max(...seeks).toFixed(0)} ms; ` +
      `wasm memory then ${kb(await long.evaluate(() => window.__capBench.wasmBytes()))}`);
    await long.close();
  } catch (err) {
    console.log(`  browser bench failed: ${err.message.split('\n')[0]}`);
    process.exitCode = 1;
  } finally {
    await s?.close();
  }
}

/**
 * The space-time panel (www/panels/spacetime.js): open it on a busy run (9 servers, 4 clients),
 * size its window to hold 10,000 messages, then pan it one step per animation frame and take the
 * panel's own cost per frame (its metrics: JS time of each paint, pulls included) and the frame
 * rate the page kept. Budget: p95 8 ms per frame (60 frames a second leaves 16.7 ms in all).
 */
async function spacetimeBench(page) {
  const r = await page.evaluate(async (sc) => {
    const el = document.querySelector('cap-playground');
    el.pause();
    await el.loadScenario(sc);
    const p = await el.openPanel('spacetime', true);
    const t0 = performance.now();
    el.advance(45000);
    const advanceMs = performance.now() - t0;
    const t1 = performance.now();
    p.reset(); // forget what was pulled, as when the panel opens on a running simulation,
    p.jumped(); // then pull the record whole and paint (reset alone leaves the pull to the next frame)
    const openMs = performance.now() - t1;
    // A window that holds 10,000 messages, ending at the present.
    const now = el.state().now;
    let lo = 100, hi = 45000;
    for (let i = 0; i < 30; i++) {
      const mid = (lo + hi) / 2;
      p.setView(now - mid, now);
      if (p.visible().length < 10000) lo = mid; else hi = mid;
    }
    p.setView(now - hi, now);
    const span = hi, inView = p.visible().length, held = p.msgs.length;
    p.syncPaint = true; // count the canvas's rasterisation in each frame's cost (a pixel read flushes it)
    // Pan 240 frames, a 1/120 of the window per frame, back towards the start of the record.
    const m = p.metrics;
    const start = m.draws, gaps = [];
    let last = null;
    await new Promise((done) => {
      let n = 0;
      const step = (ts) => {
        if (last != null) gaps.push(ts - last);
        last = ts;
        if (n++ >= 240) return done();
        p.panBy(-span / 120);
        requestAnimationFrame(step);
      };
      requestAnimationFrame(step);
    });
    const ring = m.frameTimes.length, costs = [];
    for (let i = Math.max(start, m.draws - ring); i < m.draws; i++) costs.push(m.frameTimes[i % ring]);
    // Following while the run plays at speed 1: pulls of what changed plus a paint each frame.
    p.zoom(0.1);
    el.speed = 1;
    const f0 = m.draws;
    p.actions['st-follow']();
    el.play();
    await new Promise((d) => setTimeout(d, 3000));
    el.pause();
    const follow = [];
    for (let i = Math.max(f0, m.draws - ring); i < m.draws; i++) follow.push(m.frameTimes[i % ring]);
    p.open(false);
    return { advanceMs, openMs, span, inView, held, costs, gaps, follow };
  }, HEAVY);
  const fps = 1000 / pct(r.gaps, 50);
  console.log(`  space-time panel, ${HEAVY.name}: ${r.held} messages in the record after 45 s; a window of ${(r.span / 1000).toFixed(1)} s holds ${r.inView} messages`);
  console.log(`    pan, 240 frames: panel frame cost p50 ${pct(r.costs, 50).toFixed(2)} ms, p95 ${pct(r.costs, 95).toFixed(2)} ms, max ${Math.max(0, ...r.costs).toFixed(2)} ms — budget p95 8 ms; ` +
    `frame interval p50 ${pct(r.gaps, 50).toFixed(1)} ms (${fps.toFixed(0)} fps), p95 ${pct(r.gaps, 95).toFixed(1)} ms`);
  console.log(`    open on a 45 s run (rebuild + whole pull): ${r.openMs.toFixed(0)} ms (the 45 s of simulation with the record on took ${r.advanceMs.toFixed(0)} ms); ` +
    `following while playing at 1x (${r.follow.length} frames): p50 ${pct(r.follow, 50).toFixed(2)} ms, p95 ${pct(r.follow, 95).toFixed(2)} ms`);
}

if (isMain(import.meta.url)) {
  const t0 = Date.now();
  if (args.includes('--explore-only')) { await exploreBench(); process.exit(0); } // the explorer's section alone (after a build)
  if (args.includes('--speed-only')) { // section 2c alone (after a build and cargo build --release)
    const cap = path.join(process.env.CARGO_TARGET_DIR ? path.resolve(ROOT, process.env.CARGO_TARGET_DIR) : path.join(ROOT, 'target'), 'release', 'cap');
    await simSpeed(cap, capture(cap, ['bench'], { stdio: ['ignore', 'pipe', 'pipe'] }).stdout);
    process.exit(0);
  }
  if (!args.includes('--no-build')) {
    try { await build(); } catch (err) { log(tag, `build FAILED: ${err.message}`); process.exit(1); }
  }
  await allSizes();
  if (args.includes('--spacetime-only')) {
    const { startSession } = await import('../tests/browser/helpers.mjs');
    const s = await startSession({ root: servedDir() });
    try {
      console.log('\n## browser (headless Chromium): the space-time panel');
      const page = await s.open('/', { waitUntil: 'load' });
      await page.waitForFunction(() => document.querySelector('cap-playground')?.state()?.nodes?.length);
      await spacetimeBench(page);
      s.errors(page).forEach((e) => console.log(`  page error: ${e}`));
    } finally { await s.close(); }
    log(tag, `done (${elapsed(t0)})`);
    process.exit(0);
  }
  if (!args.includes('--no-native') && !args.includes('--sizes-only')) await checkerTable(await nativeBench());
  if (!args.includes('--no-native') && !args.includes('--sizes-only') && !args.includes('--no-explore')) await exploreBench();
  if (!args.includes('--no-browser') && !args.includes('--sizes-only')) await browserBench();
  log(tag, `done (${elapsed(t0)})`);
}
