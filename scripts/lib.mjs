// Small shared helpers for the project scripts (no dependencies).
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export function log(tag, msg) {
  process.stderr.write(`[${tag}] ${msg}\n`);
}

/** Run a command with live output (inherited stdio). Resolves to the exit code. */
export function run(cmd, args = [], opts = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      cwd: ROOT,
      stdio: ['ignore', 'inherit', 'inherit'],
      ...opts,
      env: { ...process.env, ...(opts.env || {}) },
    });
    child.on('error', (err) => {
      log('run', `cannot start ${cmd}: ${err.message}`);
      resolve(127);
    });
    child.on('close', (code, signal) => resolve(signal ? 128 : code));
  });
}

/** Like run(), but throws when the command fails. */
export async function must(cmd, args = [], opts = {}) {
  const code = await run(cmd, args, opts);
  if (code !== 0) {
    const err = new Error(`command failed (exit ${code}): ${cmd} ${args.join(' ')}`);
    err.exitCode = code;
    throw err;
  }
}

/** Run quietly and capture stdout; returns { code, stdout, stderr }. */
export function capture(cmd, args = [], opts = {}) {
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', ...opts });
  if (r.error) return { code: 127, stdout: '', stderr: String(r.error.message) };
  return { code: r.status ?? 128, stdout: r.stdout || '', stderr: r.stderr || '' };
}

export function elapsed(t0) {
  return `${((Date.now() - t0) / 1000).toFixed(1)} s`;
}

/** True when the module with this import.meta.url is the script node was started with. */
export function isMain(metaUrl) {
  if (!process.argv[1]) return false;
  return path.resolve(fileURLToPath(metaUrl)) === path.resolve(process.argv[1]);
}

/**
 * A wasm bundle (www/pkg/<bundle>/ or dist/'s) loaded in node, ready: its glue initialised with
 * its .wasm and, for a page bundle in two modules (scripts/build.mjs, issue 20), its second module
 * loaded (`loadRest()`). `fresh`: a module instance of its own (its own memory), from a copy of the
 * folder — a page bundle's loader (__wasm_split.js) is shared by every glue of its folder, so a
 * query string on the glue's URL is not enough.
 */
export async function loadWasmInNode(pkgDir, { fresh = false } = {}) {
  const fs = await import('node:fs');
  const os = await import('node:os');
  const { pathToFileURL } = await import('node:url');
  let dir = pkgDir;
  if (fresh) {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cap-pkg-'));
    fs.cpSync(pkgDir, dir, { recursive: true });
  }
  const m = await import(pathToFileURL(path.join(dir, 'cap_playground.js')).href);
  m.initSync({ module: fs.readFileSync(path.join(dir, 'cap_playground_bg.wasm')) });
  // The second module's loader fetches it beside itself; node's fetch does not read file: URLs.
  const fetch0 = globalThis.fetch;
  globalThis.fetch = async (url, ...rest) => {
    const u = new URL(String(url));
    if (u.protocol !== 'file:') return fetch0(url, ...rest);
    return new Response(fs.readFileSync(fileURLToPath(u)), { headers: { 'Content-Type': 'application/wasm' } });
  };
  try {
    await m.loadRest?.();
  } finally {
    globalThis.fetch = fetch0;
  }
  if (fresh) fs.rmSync(dir, { recursive: true, force: true });
  return m;
}
