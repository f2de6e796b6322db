#!/usr/bin/env node
// npm test: every suite, output streamed live, in this order:
//   1. cargo test                                            (native unit + integration tests),
//      run from a copy of the repository alone in an empty temporary folder, so a test that
//      reads anything outside the repository (a folder beside the checkout) fails here as on a fresh clone;
//      then, for each wasm bundle of the registry (www/protocols.js, generated from
//      src/registry/mod.rs), `cargo test --no-default-features --features <bundle> --lib --tests`
//      (the library and integration tests as that bundle's feature set builds them; no doc tests,
//      no examples: those do not depend on the feature set), so a one-protocol build stays green
//   2. cargo test --target wasm32-unknown-unknown --test wasm (wasm-bindgen-test-runner, in node)
//   3. release wasm build (scripts/build.mjs)
//   4. node --test tests/js/ tests/browser/                  (node-only front-end tests, then
//      Playwright E2E) — LAST, so the closing lines are node's TAP counts (# tests / # pass / # fail).
// Disk: on CI (CI set) the native runs build without incremental caches and delete each run's
// test executables once it has finished (seven feature sets of ~27 test binaries each filled a CI
// machine's disk); free space is logged before and after, so a full disk is named, not guessed.
// A failing suite does not stop the later ones (except that no E2E runs without a build);
// the exit code is non-zero if anything failed.
//
//   node scripts/test.mjs [--no-native] [--no-features] [--no-wasm] [--no-browser]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { ROOT, log, run, capture, elapsed, isMain } from './lib.mjs';
import { setup, CHROMEDRIVER, CHROMIUM } from './setup.mjs';
import { build } from './build.mjs';
import { PROTOCOLS } from '../www/protocols.js';

const tag = 'test';

export async function main(argv = []) {
  const t0 = Date.now();
  const failed = [];
  const skip = (name) => argv.includes(`--no-${name}`);

  try {
    await setup({ browser: true });
  } catch (err) {
    log(tag, `setup FAILED: ${err.message}`);
    return 1;
  }

  const env = { CHROMEDRIVER, CHROMIUM_PATH: CHROMIUM, CARGO_TERM_COLOR: process.env.CARGO_TERM_COLOR || (process.env.CI ? 'never' : 'auto') };

  if (!skip('native')) {
    const t = Date.now();
    const copy = isolatedCopy();
    log(tag, `cargo test (native), from a copy of the repository alone in ${path.dirname(copy)}`);
    // The copy builds into its own target dir under ours: dependencies compile once and stay.
    const isoTarget = path.join(ROOT, 'target', 'isolated');
    const isoEnv = { ...env, CARGO_TARGET_DIR: isoTarget };
    // On CI nothing is rebuilt incrementally: the caches only cost disk.
    if (process.env.CI) isoEnv.CARGO_INCREMENTAL = '0';
    log(tag, `disk: ${freeDisk(ROOT)} free before the native tests`);
    const runTests = async (args) => {
      const before = testExecutables(isoTarget);
      const code = await run('cargo', args, { env: isoEnv, cwd: copy });
      if (process.env.CI) {
        const removed = removeNewTestExecutables(isoTarget, before);
        log(tag, `disk: removed this run's ${removed.count} test executables (${(removed.bytes / 1e6).toFixed(0)} MB); ${freeDisk(ROOT)} free`);
      }
      return code;
    };
    if (await runTests(['test', '--no-fail-fast']) !== 0) failed.push('cargo test');
    log(tag, `native tests: ${failed.includes('cargo test') ? 'FAILED' : 'ok'} (${elapsed(t)})`);

    if (!skip('features')) {
      // Every bundle's feature set, from the same copy and target dir (dependencies are shared;
      // cargo keeps each feature set's build apart, so the runs do not rebuild each other).
      for (const bundle of bundles()) {
        const tb = Date.now();
        const args = ['test', '--no-fail-fast', '--no-default-features', '--features', bundle, '--lib', '--tests'];
        log(tag, `cargo ${args.join(' ')}`);
        const ok = await runTests(args) === 0;
        if (!ok) failed.push(`cargo test --features ${bundle}`);
        log(tag, `native tests of bundle ${bundle}: ${ok ? 'ok' : 'FAILED'} (${elapsed(tb)})`);
      }
      log(tag, `native tests of every bundle's feature set: ${elapsed(t)} with the default build`);
    }
  }

  if (!skip('wasm')) {
    const t = Date.now();
    // Only tests/wasm.rs: the other test files are native (plain #[test] is invisible to the
    // wasm runner, and compiling them for wasm would only cost time).
    log(tag, 'cargo test --target wasm32-unknown-unknown --test wasm (wasm-bindgen-test-runner)');
    if (await run('cargo', ['test', '--target', 'wasm32-unknown-unknown', '--test', 'wasm'], { env }) !== 0) failed.push('wasm tests');
    log(tag, `wasm tests: ${failed.includes('wasm tests') ? 'FAILED' : 'ok'} (${elapsed(t)})`);
  }

  // Node-only tests of the front end (tests/js/: the module graph, the view interface): no build or
  // browser needed. They run with the browser tests below (one TAP count at the end), or alone.
  const jsDir = path.join('tests', 'js');
  const jsFiles = fs.existsSync(path.join(ROOT, jsDir))
    ? fs.readdirSync(path.join(ROOT, jsDir)).filter((f) => /\.test\.m?js$/.test(f)).sort().map((f) => path.join(jsDir, f))
    : [];
  let jsRan = false;

  if (!skip('browser')) {
    let built = false;
    const t = Date.now();
    try {
      await build({ doSetup: false, dist: true });
      built = true;
    } catch (err) {
      log(tag, `build FAILED: ${err.message}`);
      failed.push('wasm build');
    }
    log(tag, `build: ${built ? 'ok' : 'FAILED'} (${elapsed(t)})`);

    if (built) {
      const dir = path.join('tests', 'browser');
      const files = fs.existsSync(path.join(ROOT, dir))
        ? fs.readdirSync(path.join(ROOT, dir)).filter((f) => /\.test\.m?js$/.test(f)).sort().map((f) => path.join(dir, f))
        : [];
      if (files.length === 0) {
        log(tag, `no browser tests in ${dir}`);
        failed.push('browser tests (none found)');
      } else {
        log(tag, `node + browser tests: node --test ${[...jsFiles, ...files].join(' ')} (total so far ${elapsed(t0)})`);
        // Name the files explicitly: node 20 and node 22 read a directory argument differently.
        // TAP reporter always, so the closing lines are the counts even on a terminal.
        const code = await run(process.execPath, ['--test', '--test-reporter=tap', ...jsFiles, ...files], { env });
        jsRan = true;
        if (code !== 0) failed.push('browser tests');
      }
    }
  }

  if (!jsRan && jsFiles.length) {
    log(tag, `node tests: node --test ${jsFiles.join(' ')}`);
    if (await run(process.execPath, ['--test', '--test-reporter=tap', ...jsFiles], { env }) !== 0) failed.push('node tests');
  }

  if (failed.length) {
    process.stderr.write(`[${tag}] FAILED: ${failed.join(', ')} (${elapsed(t0)})\n`);
    return 1;
  }
  return 0;
}

/** Free space on the file system holding `dir`, for the log ("12.3 GB"); "unknown" if unreadable. */
export function freeDisk(dir) {
  try {
    const st = fs.statfsSync(dir);
    return `${((st.bavail * st.bsize) / 1e9).toFixed(1)} GB`;
  } catch {
    return 'unknown';
  }
}

/** The test executables cargo left in `<target>/debug/deps` (files with no extension and an x bit). */
export function testExecutables(target) {
  const deps = path.join(target, 'debug', 'deps');
  if (!fs.existsSync(deps)) return new Set();
  return new Set(fs.readdirSync(deps).filter((f) => {
    if (!/^[A-Za-z0-9_]+-[0-9a-f]{16}$/.test(f)) return false;
    const st = fs.statSync(path.join(deps, f));
    return st.isFile() && (st.mode & 0o111) !== 0;
  }));
}

/** Delete the test executables that were not in `before`; returns how many and their bytes. */
export function removeNewTestExecutables(target, before) {
  const deps = path.join(target, 'debug', 'deps');
  let count = 0;
  let bytes = 0;
  for (const f of testExecutables(target)) {
    if (before.has(f)) continue;
    const file = path.join(deps, f);
    bytes += fs.statSync(file).size;
    fs.rmSync(file, { force: true });
    count += 1;
  }
  return { count, bytes };
}

/** The registry's wasm bundles (= cargo features), each once, in the table's order. */
export function bundles() {
  return [...new Set(PROTOCOLS.map((p) => p.bundle))];
}

/**
 * Copy the repository's files (tracked, plus untracked ones git does not ignore) into an empty
 * temporary folder with nothing beside it, as a person's fresh clone would be. Timestamps are
 * kept so cargo rebuilds only what changed since the last run. Returns the copy's path.
 */
export function isolatedCopy() {
  const key = crypto.createHash('sha256').update(ROOT).digest('hex').slice(0, 12);
  const parent = path.join(os.tmpdir(), `cap-playground-isolated-${key}`);
  const dest = path.join(parent, 'repo');
  const listed = capture('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard']);
  if (listed.code !== 0) throw new Error(`git ls-files failed: ${listed.stderr.trim()}`);
  const files = listed.stdout.split('\0').filter((f) => f && fs.existsSync(path.join(ROOT, f)));
  const wanted = new Set(files);
  // Keep the parent empty but for the copy; remove files the repository no longer has.
  fs.mkdirSync(dest, { recursive: true });
  for (const entry of fs.readdirSync(parent)) if (entry !== 'repo') fs.rmSync(path.join(parent, entry), { recursive: true, force: true });
  const walk = (dir, rel = '') => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path.join(dir, e.name), r);
      else if (!wanted.has(r)) fs.rmSync(path.join(dir, e.name), { force: true });
    }
  };
  walk(dest);
  for (const f of files) {
    const from = path.join(ROOT, f);
    const to = path.join(dest, f);
    const st = fs.statSync(from);
    if (!st.isFile()) continue;
    let same = false;
    try {
      const t = fs.statSync(to);
      same = t.size === st.size && t.mtimeMs === st.mtimeMs;
    } catch { /* not copied yet */ }
    if (same) continue;
    fs.mkdirSync(path.dirname(to), { recursive: true });
    fs.copyFileSync(from, to);
    fs.utimesSync(to, st.atime, st.mtime);
    fs.chmodSync(to, st.mode);
  }
  return dest;
}

if (isMain(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
