#!/usr/bin/env node
// Idempotent installer for everything the build and the tests need.
// Each step checks first and touches the network only when something is missing,
// so a second run is fast and works offline.
//
//   node scripts/setup.mjs            # toolchain + npm packages
//   node scripts/setup.mjs --browser  # also Chromium + chromedriver (for the tests)
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, log, run, must, capture, elapsed, isMain } from './lib.mjs';

const TARGET = 'wasm32-unknown-unknown';
const tag = 'setup';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const CHROMEDRIVER = process.env.CHROMEDRIVER || '/usr/bin/chromedriver';

/** The version of the `wasm-bindgen` crate the build uses (Cargo.lock, else Cargo.toml's `=x.y.z`). */
export function wasmBindgenVersion() {
  const lockPath = path.join(ROOT, 'Cargo.lock');
  if (fs.existsSync(lockPath)) {
    const lock = fs.readFileSync(lockPath, 'utf8');
    const m = lock.match(/\[\[package\]\]\s*\nname = "wasm-bindgen"\s*\nversion = "([^"]+)"/);
    if (m) return { version: m[1], from: 'Cargo.lock' };
  }
  const toml = fs.readFileSync(path.join(ROOT, 'Cargo.toml'), 'utf8');
  const m = toml.match(/^\s*wasm-bindgen\s*=\s*(?:\{[^}]*version\s*=\s*)?"=\s*([0-9][^"]*)"/m);
  if (m) return { version: m[1], from: 'Cargo.toml (exact pin)' };
  return null;
}

async function ensureWasmTarget() {
  const t0 = Date.now();
  const r = capture('rustup', ['target', 'list', '--installed']);
  if (r.code === 0 && r.stdout.split('\n').includes(TARGET)) {
    log(tag, `rust target ${TARGET}: present`);
    return;
  }
  if (r.code !== 0) {
    // No rustup: accept a toolchain that already ships the target's std.
    const sysroot = capture('rustc', ['--print', 'sysroot']).stdout.trim();
    if (sysroot && fs.existsSync(path.join(sysroot, 'lib/rustlib', TARGET))) {
      log(tag, `rust target ${TARGET}: present (no rustup)`);
      return;
    }
    throw new Error(`rustup not found and the ${TARGET} target is missing: install rustup (https://rustup.rs)`);
  }
  log(tag, `installing rust target ${TARGET}`);
  await must('rustup', ['target', 'add', TARGET]);
  log(tag, `rust target ${TARGET}: installed (${elapsed(t0)})`);
}

function toolVersion(bin) {
  const r = capture(bin, ['--version']);
  if (r.code !== 0) return null;
  const m = r.stdout.match(/(\d+\.\d+\.\d+\S*)/);
  return m ? m[1] : null;
}

async function ensureWasmBindgen() {
  const t0 = Date.now();
  let want = wasmBindgenVersion();
  if (!want) {
    log(tag, 'no Cargo.lock yet: generating it to learn the wasm-bindgen version');
    await must('cargo', ['generate-lockfile']);
    want = wasmBindgenVersion();
  }
  if (!want) throw new Error('cannot find the wasm-bindgen version in Cargo.lock or Cargo.toml');
  const have = toolVersion('wasm-bindgen');
  const haveRunner = toolVersion('wasm-bindgen-test-runner');
  if (have === want.version && haveRunner === want.version) {
    log(tag, `wasm-bindgen CLI ${have}: matches ${want.from}`);
    return;
  }
  log(tag, `wasm-bindgen CLI ${have ?? 'missing'} (test runner ${haveRunner ?? 'missing'}), ` +
    `need ${want.version} (${want.from}): cargo install wasm-bindgen-cli (about 2 minutes)`);
  const base = ['install', 'wasm-bindgen-cli', '--version', want.version, '--force'];
  let code = await run('cargo', [...base, '--locked']);
  if (code !== 0) {
    log(tag, 'install with --locked failed; retrying without --locked');
    await must('cargo', base);
  }
  const now = toolVersion('wasm-bindgen');
  if (now !== want.version) {
    throw new Error(`wasm-bindgen on PATH is ${now ?? 'missing'} after install, expected ${want.version}; ` +
      'is ~/.cargo/bin first on PATH?');
  }
  log(tag, `wasm-bindgen CLI ${now}: installed (${elapsed(t0)})`);
}

/** The wasm splitter the page bundles are built with (scripts/build.mjs, issue 20): crate and version. */
export const WASM_SPLIT = { crate: 'wasm_split_cli_support', version: '0.2.4', bin: 'wasm-split-cli' };

/**
 * `wasm-split-cli` at WASM_SPLIT.version (it prints no version: `cargo install --list` says which
 * one cargo installed). About a minute to build on 2 cores (57 s measured here, with the registry index fresh).
 */
async function ensureWasmSplit() {
  const t0 = Date.now();
  const want = `${WASM_SPLIT.crate} v${WASM_SPLIT.version}:`;
  const listed = capture('cargo', ['install', '--list']).stdout.split('\n').some((l) => l.trim() === want);
  if (listed && capture(WASM_SPLIT.bin, ['--help']).code === 0) {
    log(tag, `${WASM_SPLIT.bin} ${WASM_SPLIT.version}: present`);
    return;
  }
  log(tag, `${WASM_SPLIT.bin} ${WASM_SPLIT.version}: missing; cargo install ${WASM_SPLIT.crate} (about a minute)`);
  await must('cargo', ['install', '--locked', WASM_SPLIT.crate, '--version', WASM_SPLIT.version, '--features', 'build-binary', '--force']);
  log(tag, `${WASM_SPLIT.bin} ${WASM_SPLIT.version}: installed (${elapsed(t0)})`);
}

async function ensureNodeModules() {
  const t0 = Date.now();
  const nm = path.join(ROOT, 'node_modules');
  const marker = path.join(nm, '.package-lock.json');
  const lock = path.join(ROOT, 'package-lock.json');
  const needed = ['binaryen/package.json', 'playwright-core/package.json'];
  const present = needed.every((p) => fs.existsSync(path.join(nm, p)));
  const stale = present && fs.existsSync(lock) && fs.existsSync(marker) &&
    fs.statSync(lock).mtimeMs > fs.statSync(marker).mtimeMs + 1000;
  if (present && !stale) {
    log(tag, 'npm packages: present');
    return;
  }
  const args = fs.existsSync(lock) ? ['ci', '--no-audit', '--no-fund'] : ['install', '--no-audit', '--no-fund'];
  log(tag, `npm ${args[0]}${stale ? ' (package-lock.json changed)' : ''}`);
  await must('npm', args);
  log(tag, `npm packages: installed (${elapsed(t0)})`);
}

async function ensureBrowser() {
  const t0 = Date.now();
  const missing = [CHROMIUM, CHROMEDRIVER].filter((p) => !fs.existsSync(p));
  if (missing.length === 0) {
    log(tag, `browser: ${CHROMIUM} and ${CHROMEDRIVER} present`);
    return;
  }
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const hasApt = capture('apt-get', ['--version']).code === 0;
  if (!isRoot || !hasApt) {
    throw new Error(`missing ${missing.join(' and ')}. Install Chromium and its driver, e.g. on Debian/Ubuntu:\n` +
      '    sudo apt-get update && sudo apt-get install -y chromium chromium-driver\n' +
      'or point CHROMIUM_PATH / CHROMEDRIVER at existing binaries.');
  }
  log(tag, `installing chromium + chromium-driver with apt-get (missing: ${missing.join(', ')})`);
  const env = { DEBIAN_FRONTEND: 'noninteractive' };
  await must('apt-get', ['update', '-q'], { env });
  await must('apt-get', ['install', '-y', '-q', 'chromium', 'chromium-driver'], { env });
  log(tag, `browser: installed (${elapsed(t0)})`);
}

export async function setup({ browser = false } = {}) {
  const t0 = Date.now();
  await ensureWasmTarget();
  await ensureWasmBindgen();
  await ensureWasmSplit();
  await ensureNodeModules();
  if (browser) await ensureBrowser();
  log(tag, `done (${elapsed(t0)})`);
}

if (isMain(import.meta.url)) {
  setup({ browser: process.argv.includes('--browser') }).catch((err) => {
    log(tag, `FAILED: ${err.message}`);
    process.exit(1);
  });
}
