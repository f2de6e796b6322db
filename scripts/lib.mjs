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
