// Same scenario + seed → same trace, natively and in wasm: every shipped scenario is run by the
// native CLI (`cap run`) and by the wasm build (in node), and their trace hashes must be equal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, WWW } from './helpers.mjs';
import { loadWasmInNode } from '../../scripts/lib.mjs';

const SCENARIOS = path.join(ROOT, 'www', 'scenarios');

function nativeCap() {
  // Built by `cargo test` already; building again is a no-op then.
  execFileSync('cargo', ['build', '--quiet', '--bin', 'cap'], { cwd: ROOT, stdio: 'inherit' });
  return path.join(process.env.CARGO_TARGET_DIR ? path.resolve(ROOT, process.env.CARGO_TARGET_DIR) : path.join(ROOT, 'target'), 'debug', 'cap');
}

/** protocol → bundle, from the manifest www/protocols.js (the one list the element reads too). */
async function bundleMap() {
  const { PROTOCOLS } = await import(pathToFileURL(path.join(ROOT, 'www', 'protocols.js')).href);
  assert.ok(PROTOCOLS.length, 'www/protocols.js lists no protocol');
  return { BUNDLE_OF: Object.fromEntries(PROTOCOLS.map((p) => [p.name, p.bundle])) };
}

test('wasm and native runs of every scenario have the same trace hash', async () => {
  const cap = nativeCap();
  // Each scenario runs in the bundle of its protocol (www/pkg/<bundle>/), as the element loads it.
  const { BUNDLE_OF } = await bundleMap();
  const bundles = new Map();
  const wasmFor = async (protocol) => {
    const b = BUNDLE_OF[protocol];
    assert.ok(b, `no bundle for protocol ${protocol}`);
    if (!bundles.has(b)) {
      const pkg = path.join(WWW, 'pkg', b);
      const wasm = await loadWasmInNode(pkg);
      bundles.set(b, wasm);
    }
    return bundles.get(b);
  };
  const files = fs.readdirSync(SCENARIOS).filter((f) => f.endsWith('.json') && f !== 'index.json' && !f.startsWith('bench-'));
  assert.ok(files.length >= 4, `scenario library: ${files}`);
  for (const f of files) {
    const text = fs.readFileSync(path.join(SCENARIOS, f), 'utf8');
    // Exit 1 is a scenario that shows a violation (a lesson, e.g. 3pc-partition-split): its trace still counts.
    const run = spawnSync(cap, ['run', path.join(SCENARIOS, f), '--compact'], { maxBuffer: 64 << 20 });
    assert.ok(run.status === 0 || run.status === 1, `${f}: cap run exited ${run.status}: ${run.stderr}`);
    const native = JSON.parse(run.stdout.toString());
    const wasm = await wasmFor(JSON.parse(text).protocol);
    const pg = new wasm.Playground(text);
    pg.advance(JSON.parse(text).until ?? 10000);
    assert.equal(pg.traceHash(), native.trace_hash, `${f}: wasm and native traces differ (seed ${native.seed})`);
    assert.equal(pg.now(), native.end_time, f);
    pg.free();
  }
});
