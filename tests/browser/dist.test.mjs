// dist/ is self-contained: copied to any static host under any sub-path, it still works
// (relative URLs only; nothing fetched from outside dist/). Its JavaScript is minified, the default
// (Raft) page downloads only the raft bundle's wasm, once (index.html's early compile is adopted), and
// each protocol page's gzipped size is what `npm run bench` reports, within the ratchet below.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { ROOT, startSession, waitForDiagram, watchPage } from './helpers.mjs';
import { elementFiles, ON_DEMAND, budgetKb } from '../../scripts/bench.mjs';
import { LAZY_BUNDLES, EAGER_HINT, REST_WASM, REST_LOADER } from '../../scripts/build.mjs';
import { PROTOCOLS } from '../../www/protocols.js';

const DIST = path.join(ROOT, 'dist');
const PREFIX = '/some/blog/post/';
// Gzipped wasm + glue + JS + CSS that a reader downloads, per page: issue 20's budgets (Raft 140 KB,
// every other page 150 KB; issue 3's 100 KB was given up there, see the README's Size section).
// dist/ does not fit the budget yet. Until it does, it may only shrink: lower the ratchets
// whenever it shrinks, and drop a page's ratchet once it fits its budget. Sizes are deterministic (same
// inputs, same bytes); times are never asserted.
//   2026-11-26, Raft only:               116.5 KB (wasm 96.3 KB, JS 20.2 KB)
//   2026-11-26, + Paxos/Dynamo (WIP):    204.5 KB (wasm 183.2 KB, JS 21.3 KB)
//   2026-11-26, + CAP scoreboard, client timeline, workload controls, export (issue 4):
//                                        210.0 KB (wasm 183.2 KB, JS 26.8 KB)
//   2026-11-26, + Paxos/Dynamo protocol UI (ring, slot table, N/R/W; wasm also grew):
//                                        219.3 KB (wasm 187.0 KB, JS + CSS 32.3 KB)
//   2026-11-26, + ZAB (one wasm carrying all five protocols): 239.1 KB
//   2026-11-26, one wasm bundle per protocol (a page downloads only its own): largest page 181.2 KB
//                                        (dynamo; paxos 179.3, zab 176.4, raft 172.5 KB = wasm 139.7 + JS 32.8)
//   2026-11-26, + Paxos back-off switch: largest page 181.5 KB, JS + CSS + glue 33.1 KB
//   2026-11-26, + embedding (issue 9): largest page 184.0 KB, JS + CSS + glue 35.6 KB: host.js (CSP-safe
//                styles, sizing) and keyboard / ARIA / caption code +1.3 KB, and embed.html's own embed.js +
//                embed.css 1.2 KB (counted here although a page with the element does not load them)
//   2026-11-26, + ZAB UI (www/zab.js: phase pills, votes, history panel, sync-reads switch; +3.7 KB
//                gzipped JS + CSS, +0.1 KB zab wasm): largest page 188.1 KB (dynamo; paxos 186.3,
//                zab 183.5, raft 179.3), JS + CSS + glue 39.3 KB
//   2026-11-26, size pass: one small sort instead of std's per-type sorts (-8.5 KB wasm), wasm-opt
//                --converge (-1.5 KB), the element's modules bundled into one file (-1.6 KB): largest
//                page 176.9 KB (dynamo; paxos 174.7, zab 170.5, raft 167.4), JS + CSS + glue 36.9 KB;
//                after main's tutorials merge, counting only what a playground page loads (the one
//                bundled module): 175.7 KB (paxos 173.5, zab 169.3, raft 166.2), JS + CSS + glue 35.8 KB
//   2026-11-26, + time travel and share links (issue 9: src/sim/travel.rs + share.rs, the whole world
//                Clone for checkpoints, www/travel.js): largest page 199.4 KB (dynamo; paxos 197.9, zab
//                193.6, raft 190.3: wasm +14 KB gzipped per bundle), JS + CSS + glue 39.9 KB (+4.1 KB)
//   2026-11-26, + 2PC: its bundle (pkg/twopc/) and its view (twopc-view.js), which the element imports
//                only with that bundle, so it counts on the 2pc page alone. Measured after merging 2PC
//                with time travel: dynamo 200.3 KB (paxos 198.7, zab 194.4, raft 191.1), JS + CSS +
//                glue 40.1 KB; the 2pc page 206.7 KB (wasm 163.4, its glue + view 5.9 KB)
//   2026-11-26, zab.js → zab-view.js, loaded with the ZAB bundle only (as twopc-view.js): shared JS + CSS
//                35.5 KB (-2.0 KB), largest page dynamo 198.5 KB (paxos 196.9, raft 189.4); the zab page
//                195.3 KB (its view 2.7 KB gzipped, its own ratchet now); 2pc 204.9 KB. After the
//                checkpoint size estimates (Protocol::approx_bytes): raft 189.5, dynamo 198.6, zab 195.7,
//                2pc 205.0 KB. + the 2PC legend (JS + CSS +0.2 KB) and VecMap's quarter growth (+0.2 KB
//                wasm): dynamo 199.0 KB, raft 189.9, zab 196.1, 2pc 205.5
//   2026-12-04, one view module per protocol (www/protocols/<view>.js), loaded with its bundle only: the
//                shared JS + CSS fell from 35.7 to 29.8 KB (Paxos's slots, Dynamo's ring and N/R/W left
//                it), each page adds its view (raft 3.0, paxos 3.1, twopc 3.2, dynamo 4.5, zab 5.2 KB):
//                raft 186.9 KB (was 189.9), paxos 194.7 (197.5), dynamo 197.6 (199.0), zab 192.7 (196.1),
//                twopc 199.5 (205.5); JS + CSS per page 35.5 to 37.7 KB. After main's layered Rust folders
//                (wasm +0.2 KB): dynamo 198.0, paxos 195.0, raft 187.3, zab 193.0, twopc 199.8 KB
//   2026-12-04, issue 17: the live checker's witnesses as proofs (localise, shrink, re-check before
//                showing) and its compact exact memo with a memory bound: wasm +6.7 to +7.3 KB gzipped
//                per bundle (measured without it: the same change to one bundle built with -Oz was
//                +6.3 KB; the std sorts and a BTreeMap first pulled in were replaced by core::sort):
//                dynamo 204.9, paxos 201.9, raft 194.2, zab 200.0, twopc 206.5 KB
//   2026-12-04, issue 14: Multi-Paxos log compaction (snapshots, folding, catch-up by Snapshot, the
//                checker's floor; +9.7 KB wasm after wasm-opt, +4.0 KB gzipped) on the paxos page, its
//                own ratchet: paxos 211.6 KB (main measured 207.6 before it); raft (Figure 2's timer, InstallSnapshot once per need) 199.6 KB
//   2026-12-04, issue 16 (space-time diagram): every playground wasm keeps the world's journal and the
//                bounded space-time record and hands it to the page as JSON (src/sim/journal.rs,
//                src/spacetime/, wasm/spacetime.rs; the exporters live in the lazy pkg/lab/): raft wasm
//                173.4 KB gzipped against main's 163.7 (+9.7 KB, measured by building main's raft bundle
//                the same way), shared JS + CSS 30.9 KB (the panel's stub, the view attribute, tutorial
//                hooks; the panel itself, 11.4 KB, loads on demand). Measured after merging main at
//                28baaa3 (proto's compaction included): dynamo 222.0, paxos 222.1, raft 210.1, twopc 224.1,
//                zab 216.6 KB; ratchets set to those + at most 0.5 KB, per page (and the dynamo page's
//                JS + CSS, 38.3 KB with its 4.6 KB view: its own JS ratchet, 38.7)
//   2026-12-05, issue 15 (3PC, its own bundle pkg/threepc/ and view protocols/threepc.js): a threepc page
//                measured 223.9 KB gzipped (wasm 187.6, view 2.6, JS + CSS 36.4 KB, under the shared JS
//                ratchet); raft measured 210.3 in the same build; ratchet threepc 224.4
//   2026-12-05, issue 18 item 4 (branch travel2): long seeks and link replays in slices with a progress
//                bar, Cancel and an in-element question (panels/travel.js; wasm holdSpot/releaseHold/
//                travelLimits): shared JS +1.8 KB gzipped (cap-playground.js 31,477 → 33,355 bytes,
//                measured against 5e5e7f6 bundled the same way), raft wasm +0.4 KB (180,626 → 181,062
//                bytes, 5e5e7f6's raft bundle built the same way). The branch's base was already over
//                its ratchets by about 4 KB of wasm per page (the issue 18 bounds and durable merges,
//                not re-measured here). Measured: dynamo 228.5, paxos 228.3, raft 216.7, threepc 230.0,
//                twopc 230.5, zab 223.2 KB; JS + CSS 38.3 to 40.9 KB; ratchets set to those + 0.5
//   2026-12-05, the merge of issues 15, 16 and 18 (branch integ: persist mutants in the unsafe tables and the
//                explorer, frames.js for the durable/volatile panel, the time-travel step fix): wasm +0.2 to
//                +0.6 KB, shared JS + CSS 32.9 KB. Measured: dynamo 229.2, paxos 229.1, raft 217.7, threepc
//                230.9, twopc 231.4, zab 224.0 KB; JS + CSS 38.4 to 41.0 KB; ratchets set to those + 0.5
//   2026-12-05, 2PC's and 3PC's durable log as an AppendLog whose copies share full chunks (src/core/applog.rs:
//                an hour of 2PC at 10x 38.5 -> 23.5 MB of wasm, 51 -> 1.2 s): twopc 231.4 -> 232.8, threepc
//                230.9 -> 232.3 KB (wasm +1.4 KB: the chunked log's iterators); ratchets set to those + 0.5
//   2026-12-05, ZAB's history and its checker's committed history as AppendLogs (an hour at 10x: seek 1.3 s
//                -> 92 ms, 2 -> 8 checkpoints): zab 224.0 -> 225.9 KB (wasm +1.9 KB); ratchet 226.4
//   2026-12-06, issue 20 (simulator speed): the invariant checks' memory of each node's last clean check, the
//                word-at-a-time trace hash, Raft entries sharing their operation (Arc), the event queue's order
//                and a few accessors #[inline(always)] (native 1,210x -> ~4,100x real time, wasm 1,030x -> 1,315x):
//                wasm +1.4 to +1.9 KB gzipped per page, a trade made on purpose. The budgets are now issue 20's
//                140 KB (Raft) / 150 KB (the others). Measured: dynamo 230.1, paxos 230.2, raft 219.6, threepc
//                233.4, twopc 233.8, zab 226.7 KB; ratchets set to those + 0.4
//   2026-12-06, issue 20 (later): talc as the wasm heap allocator instead of dlmalloc (raft wasm 183.9 -> 178.3
//                KB) and the fast replays (long replays on pkg/<bundle>-fast/, loaded on demand: +0.3 KB of JS
//                on every page). Measured: dynamo 228.1, paxos 228.2, raft 218.0, threepc 231.3, twopc 231.8,
//                zab 224.9 KB (JS + CSS + glue + view: 41.1, 39.8, 39.7, 39.1, 39.8, 41.8); ratchets + 0.4 / + 0.2
//   2026-12-06, issue 20 (event queue): a timing wheel over the next 512 simulated ms in front of the binary
//                heap (native bench-raft median 3,173x -> 4,179x real time): wasm +0.7 to +1.1 KB gzipped per page,
//                a trade made on purpose. Measured: dynamo 229.2, paxos 229.2, raft 219.1, threepc 232.4, twopc
//                233.0, zab 226.0 KB; ratchets + 0.4
//   2026-12-06, issue 20 item 1: the client history's exporters (Porcupine JSON, Jepsen EDN) left every page
//                for a bundle of their own, pkg/export/ (72 KB gzipped, built for size), fetched on the first
//                export; the page hands it the run's history JSON. wasm -9.3 to -9.7 KB gzipped per page.
//                Measured: dynamo 219.8, paxos 220.0, raft 209.5, threepc 222.8, twopc 223.3, zab 216.6 KB;
//                ratchets lowered to those + 0.4
//   2026-12-07, issue 20 item 1: opening share links (fromShare) and the space-time record (spacetimeJson)
//                left every page's bundle for pkg/<bundle>-full/ (cargo feature `full`, built for size), which
//                a page opening a link loads instead and onto which opening the space-time panel moves the
//                run. wasm -8.7 to -9.0 KB gzipped per page, JS +0.4 to +0.6 KB (the move, the preload's
//                choice). Measured: dynamo 211.7, paxos 211.7, raft 201.1, threepc 214.6, twopc 215.2, zab
//                208.3 KB (JS + CSS + glue + view: 41.7, 40.3, 40.3, 39.7, 40.3, 42.3); a page opening a link:
//                220.6, 220.7, 210.2, 223.5, 224.0, 217.3 KB. Ratchets those + 0.4 / + 0.2
//   2026-12-07, issue 20 (first frame; bad links): index.html compiles the wasm early and the element adopts
//                it; a link naming no known protocol is refused before any download. JS +0.2 KB per page, wasm
//                unchanged. Measured: dynamo 211.9, paxos 211.9, raft 201.3, threepc 214.7, twopc 215.4, zab
//                208.5 KB (within the page ratchets); JS + CSS + glue + view 41.9, 40.5, 40.5, 39.8, 40.5, 42.5:
//                JS ratchets those + 0.2
//   2026-12-07, issue 20 item 4 (simulator speed): messages in flight in an id-indexed ring over a slab
//                (src/core/idmap.rs) instead of a sorted Vec shifted on every delivery, the Raft checker's
//                narrowed Log Matching and per-node Vecs, Raft's snapshot shared by Rc. bench-raft natively
//                ~1.4x faster (median of 9 interleaved runs 3,617x -> 5,199x real time), the speed-built wasm
//                at 0.61x native. The price, raised knowingly: wasm +2.2 to +2.8 KB gzipped per page (the
//                map's code; its VecDeque version cost +4.3 KB on raft). Measured: dynamo 214.1, paxos 214.1,
//                raft 204.1, threepc 217.3, twopc 217.7, zab 210.7 KB; a page opening a link: 223.2, 223.2,
//                212.8, 226.2, 226.4, 219.4 KB. Ratchets those + 0.1; JS unchanged
//   2026-12-07, issue 20: network faults draw through rand's Bernoulli directly instead of random_bool, whose
//                panic message printed p with {:?} and alone kept core's f64 Debug (Grisu, Dragon) in every page's
//                wasm (same draws, same trace hashes): wasm -0.7 to -1.0 KB gzipped per page. Measured: dynamo 213.3,
//                paxos 213.4, raft 203.3, threepc 216.5, twopc 216.7, zab 209.7 KB; a page opening a link: 222.2,
//                222.5, 212.1, 225.3, 225.5, 218.5 KB. Then serde_json without its `std` feature in wasm (Cargo.toml:
//                the native CLI keeps it; the pages only read and write strings): wasm -1.9 to -2.5 KB gzipped more.
//                Measured: dynamo 210.8, paxos 211.5, raft 201.0, threepc 214.3, twopc 214.7, zab 207.3 KB; a page
//                opening a link: 219.7, 220.4, 209.8, 223.2, 223.6, 215.9 KB. Ratchets those + 0.1; JS unchanged
//   2026-12-07, issue 20 (first frame): V8's compile hint `//# allFunctionsCalledOnLoad` on the first line of
//                the element's bundle, the views and the page bundles' glue (build.mjs hintEagerCompile: their
//                functions compile off the main thread while they stream in): +29 bytes per file, three per
//                page. Measured: dynamo 210.9, paxos 211.6, raft 201.0, threepc 214.4, twopc 214.8, zab 207.4 KB;
//                a page opening a link: 219.8, 220.5, 210.0, 223.3, 223.6, 216.0 KB. Ratchets those + 0.1
//   2026-12-07, issue 20 (first frame): provideView — a page hands the element its protocol's view, imported
//                statically (index.html: Raft's), instead of waiting for the element's dynamic import of it
//                (element/wasm.js loadView): JS +0.1 to +0.2 KB per page. Measured: dynamo 211.0, paxos 211.7,
//                raft 201.2, threepc 214.6, twopc 214.9, zab 207.5 KB; a page opening a link: 219.9, 220.6,
//                210.1, 223.4, 223.8, 216.1 KB (JS + CSS + glue + view 42.1, 40.8, 40.7, 40.1, 40.7, 42.7).
//                Ratchets those + 0.1; JS ratchets + 0.2
//   2026-12-08, issue 20 (the size budgets): a page's bundle is two wasm modules (scripts/build.mjs,
//                src/wasm/rest.rs): the first download carries the main one (building a run, its first
//                frame, the reads of it), split_rest.wasm follows once the first frame is painted. Every page
//                within its budget: dynamo 139.8, paxos 146.3, raft 133.8, threepc 141.6, twopc 143.0, zab
//                141.2 KB (wasm 91.5 to 103.9 KB, was 160 to 174); JS + glue +1.5 KB (wasm-bindgen's promise glue
//                for loadRest(), the rest's loader imported lazily). The whole page (with its rest) 216.7 to
//                232.7 KB, +15 to +18 KB over one module. A page opening a share link (one module, the full
//                API, through the same Rest trait object): +1.1 to +1.3 KB. Ratchets those (rounded up) + 0.1
const BUNDLES = [...new Set(PROTOCOLS.map((p) => p.bundle))];
const RATCHET_KB = 150; // per bundle: shared JS + CSS + the bundle's glue, view and main wasm (a new bundle: the budget)
const JS_RATCHET_KB = 42.5; // the shared JavaScript + CSS (minified) + a bundle's glue and view: the element's share
// A page opening a share link (pkg/<bundle>-full/ instead of pkg/<bundle>/), per bundle.
const FULL_RATCHET_OF = { threepc: 224.5, twopc: 225.0, zab: 217.6, paxos: 221.9, dynamo: 221.3, raft: 211.6 };
// Every page has its own ratchet, under its budget (issue 20: 140 KB Raft, 150 KB the others), measured.
const RATCHET_OF = { threepc: 141.7, twopc: 143.1, zab: 141.3, paxos: 146.4, dynamo: 139.9, raft: 133.9 }, JS_RATCHET_OF = { threepc: 41.8, zab: 44.4, dynamo: 43.8 };

const built = fs.existsSync(path.join(DIST, 'index.html'));
let s;
before(async () => {
  if (built) s = await startSession({ root: DIST, prefix: PREFIX });
});
after(async () => { await s?.close(); });

function needDist(t) {
  if (built) return true;
  if (process.env.CI) assert.fail('dist/index.html missing: run `npm run build` first');
  t.skip('dist/ not built (npm run build)');
  return false;
}

test(`dist/ served under ${PREFIX} renders the playground with no errors, fetching only the raft bundle's two wasm modules, once each`, async (t) => {
  if (!needDist(t)) return;
  const page = await s.context.newPage();
  const outside = [], wasm = [], pkg = [], views = [], warnings = [];
  page.on('request', (req) => {
    const u = new URL(req.url());
    if (/^https?:$/.test(u.protocol) && !u.pathname.startsWith(PREFIX)) outside.push(req.url());
    if (u.pathname.endsWith('.wasm')) wasm.push(req.url());
    if (u.pathname.includes('/pkg/')) pkg.push(u.pathname);
    if (u.pathname.startsWith(`${PREFIX}protocols/`)) views.push(u.pathname.slice(PREFIX.length));
  });
  page.on('console', (m) => { if (m.type() === 'warning') warnings.push(m.text()); });
  watchPage(page);
  await page.goto(s.url(''));
  const nodes = await waitForDiagram(page, { minNodes: 3, timeout: 5000 });
  assert.ok(nodes >= 3);
  // scenarios/ is found next to the (minified) module, under the sub-path too.
  const seed = await page.evaluate(async () => {
    const el = document.querySelector('cap-playground');
    el.setAttribute('scenario', 'raft-basic');
    for (let i = 0; i < 100 && el.state()?.seed !== 7; i++) await new Promise((r) => setTimeout(r, 50));
    return el.state().seed;
  });
  assert.equal(seed, 7, 'scenario raft-basic (seed 7) did not load');
  // Chromium warns about a preload left unused a few seconds after load: wait past that.
  await page.waitForTimeout(3500);
  assert.deepEqual(outside, [], 'requests outside the sub-path');
  // The main module and, after the first frame, the rest (split_rest.wasm: scripts/build.mjs).
  assert.deepEqual(wasm.map((u) => new URL(u).pathname.slice(PREFIX.length)).sort(), ['pkg/raft/cap_playground_bg.wasm', `pkg/raft/${REST_WASM}`],
    `the wasm was requested ${wasm.length} times: ${wasm.join(', ')}`);
  assert.ok(pkg.length && pkg.every((p) => p.startsWith(`${PREFIX}pkg/raft/`)), `the Raft page downloaded other bundles: ${pkg.join(', ')}`);
  // Protocol views come with their bundle only: the Raft page loads Raft's, once, and no other.
  assert.deepEqual(views, ['protocols/raft.js'], `protocol views the Raft page downloaded: ${views.join(', ')}`);
  // The wasm was compiled by index.html's inline script while the page's scripts loaded, and the
  // element took that compile (element/wasm.js: it deletes what it adopts) rather than its own.
  assert.deepEqual(await page.evaluate(() => window.capPlaygroundWasm && Object.keys(window.capPlaygroundWasm)), [],
    'the element did not adopt the page\'s early compile');
  assert.deepEqual(warnings, [], 'console warnings');
  s.assertNoErrors(page);
  await page.close();
});

test('when the page\'s early compile of the wasm fails, the element fetches and compiles its own', async (t) => {
  if (!needDist(t)) return;
  const page = await s.context.newPage();
  const wasm = [];
  let failed = 0;
  // The first request for the wasm (index.html's inline script's) is answered 503; later ones are served.
  await page.route('**/pkg/raft/cap_playground_bg.wasm', (route) => (failed++ ? route.continue() : route.fulfill({ status: 503, body: 'busy' })));
  page.on('request', (req) => { if (new URL(req.url()).pathname.endsWith('.wasm')) wasm.push(new URL(req.url()).pathname.slice(PREFIX.length)); });
  watchPage(page);
  await page.goto(s.url(''));
  assert.ok(await waitForDiagram(page, { minNodes: 5, timeout: 10000 }) >= 5, 'no diagram after the early compile failed');
  await page.waitForFunction(() => document.querySelector('cap-playground').state()?.now > 0, null, { timeout: 10000 });
  assert.deepEqual(wasm, ['pkg/raft/cap_playground_bg.wasm', 'pkg/raft/cap_playground_bg.wasm', `pkg/raft/${REST_WASM}`], `wasm requests: ${wasm.join(', ')}`);
  // Only the refused request is an error; nothing else went wrong (no page error, no error shown).
  s.assertNoErrors(page, { ignore: [/503/, /Failed to load resource/] });
  assert.ok(await page.locator('cap-playground .attr-error').isHidden(), 'an error is shown in the element');
  await page.close();
});

test(`the first frame is drawn from the main module alone; the run moves, and el.ready resolves, once the rest (${REST_WASM}) is in`, async (t) => {
  if (!needDist(t)) return;
  const page = await s.context.newPage();
  let release;
  const held = new Promise((r) => { release = r; });
  await page.route(`**/pkg/raft/${REST_WASM}`, async (route) => { await held; await route.continue(); });
  watchPage(page);
  await page.goto(s.url(''));
  assert.ok(await waitForDiagram(page, { minNodes: 5, timeout: 10000 }) >= 5, 'no first frame while the rest was held back');
  const waiting = () => page.evaluate(() => {
    const el = document.querySelector('cap-playground');
    return Promise.race([el.ready.then(() => 'ready'), new Promise((r) => setTimeout(() => r('waiting'), 300))]).then((w) => ({ w, now: el.state().now }));
  });
  assert.deepEqual(await waiting(), { w: 'waiting', now: 0 }, 'the run moved (or said it was ready) before its rest arrived');
  release();
  await page.waitForFunction(() => document.querySelector('cap-playground').state()?.now > 0, null, { timeout: 10000 });
  assert.equal((await waiting()).w, 'ready');
  s.assertNoErrors(page);
  await page.close();
});

for (const missing of [REST_WASM, REST_LOADER]) {
  test(`when the rest cannot be loaded (${missing} missing), the element says so, naming ${REST_WASM}, and never waits forever`, async (t) => {
    if (!needDist(t)) return;
    const page = await s.context.newPage();
    await page.route(`**/pkg/raft/${missing}`, (route) => route.fulfill({ status: 404, body: 'gone' }));
    watchPage(page);
    await page.goto(s.url(''));
    const err = page.locator('cap-playground .attr-error');
    await err.waitFor({ state: 'visible', timeout: 10000 });
    assert.match(await err.textContent(), new RegExp(`could not load the simulator \\(pkg/raft/${REST_WASM.replace('.', '\\.')}\\)`));
    s.assertNoErrors(page, { ignore: [/404/, /Failed to load resource/, /HTTP 404/, /module script/i, /dynamically imported module/i, /requestfailed: .*__wasm_split\.js/] });
    await page.close();
  });
}

test(`a host that serves ${REST_WASM} with another type than application/wasm still runs the page`, async (t) => {
  if (!needDist(t)) return;
  const page = await s.context.newPage();
  const bytes = fs.readFileSync(path.join(DIST, 'pkg', 'raft', REST_WASM));
  await page.route(`**/pkg/raft/${REST_WASM}`, (route) => route.fulfill({ status: 200, body: bytes, headers: { 'Content-Type': 'application/octet-stream' } }));
  watchPage(page);
  await page.goto(s.url(''));
  await page.waitForFunction(() => document.querySelector('cap-playground').state()?.now > 0, null, { timeout: 10000 });
  assert.ok(await page.locator('cap-playground .attr-error').isHidden(), 'an error is shown in the element');
  s.assertNoErrors(page);
  await page.close();
});

test('a browser that refuses a synchronous instantiation (RangeError) gets the element running through the async one', async (t) => {
  if (!needDist(t)) return;
  const page = await s.context.newPage();
  // element/wasm.js instantiates the compiled module with initSync (new WebAssembly.Instance); here it throws.
  await page.addInitScript(() => {
    window.__syncRefused = 0;
    const real = WebAssembly.Instance;
    WebAssembly.Instance = function Instance() { window.__syncRefused++; throw new RangeError('synchronous instantiation refused (test)'); };
    WebAssembly.Instance.prototype = real.prototype; // what WebAssembly.instantiate returns is still an instance of it
  });
  watchPage(page);
  await page.goto(s.url(''));
  assert.ok(await waitForDiagram(page, { minNodes: 5, timeout: 10000 }) >= 5, 'no diagram when the synchronous instantiation was refused');
  await page.waitForFunction(() => document.querySelector('cap-playground').state()?.now > 0, null, { timeout: 10000 });
  assert.ok(await page.evaluate(() => window.__syncRefused) >= 1, 'the element never tried the synchronous instantiation');
  assert.ok(await page.locator('cap-playground .attr-error').isHidden(), 'an error is shown in the element');
  s.assertNoErrors(page);
  await page.close();
});

test('a page that hands the element its protocol\'s view (provideView, as index.html does) runs on it, without waiting for the element\'s own import', async (t) => {
  if (!needDist(t)) return;
  const page = await s.context.newPage();
  watchPage(page);
  // The element's own import of the Raft view fails: only the page's copy (another URL) can draw.
  await page.route((u) => u.pathname.endsWith('/protocols/raft.js') && !u.search, (route) => route.fulfill({ status: 404, body: 'not here' }));
  await page.route((u) => u.pathname.endsWith('/provided.html'), (route) => route.fulfill({ contentType: 'text/html', body: `<!doctype html><meta charset="utf-8">
<script type="module">
  import { provideView } from './cap-playground.js';
  import raft from './protocols/raft.js?from-the-page';
  provideView('no-such-view', {});
  provideView('raft', { ...raft, legend: [...raft.legend, ['handed over by the page']] });
</script>
<cap-playground protocol="raft" nodes="3"></cap-playground>` }));
  await page.goto(s.url('provided.html'));
  assert.equal(await waitForDiagram(page, { minNodes: 3, timeout: 10000 }), 3);
  assert.match(await page.locator('cap-playground .legend').innerText(), /handed over by the page/);
  assert.ok(await page.locator('cap-playground .attr-error').isHidden(), 'an error is shown in the element');
  s.assertNoErrors(page, { ignore: [/404/, /Failed to load resource/, /protocols\/raft\.js net::ERR_ABORTED/] });
  await page.close();
});

test('dist/ JavaScript is minified (www/ stays readable), and what the first frame runs is marked for eager compilation and runs as soon as it is compiled (async)', (t) => {
  if (!needDist(t)) return;
  // dist/cap-playground.js bundles the element's modules (render.js, … are gone from dist/).
  assert.ok(!fs.existsSync(path.join(DIST, 'render.js')), 'dist/render.js should be bundled into cap-playground.js');
  for (const f of ['cap-playground.js', 'pkg/raft/cap_playground.js']) {
    const d = fs.readFileSync(path.join(DIST, f), 'utf8');
    // The bundle against all the element's sources (www/**/*.js but pkg/), the glue against its own.
    const sources = (dir) => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? (e.name === 'pkg' ? [] : sources(path.join(dir, e.name)))
      : e.name.endsWith('.js') ? [fs.readFileSync(path.join(dir, e.name), 'utf8')] : []));
    const w = f === 'cap-playground.js' ? sources(path.join(ROOT, 'www')).join('') : fs.readFileSync(path.join(ROOT, 'www', f), 'utf8');
    assert.ok(d.length < w.length * 0.8, `dist/${f} (${d.length} B) is not minified (www/: ${w.length} B)`);
    // Only the CSS and markup template literals (element/styles.js) keep their line breaks.
    const lines = f === 'cap-playground.js' ? fs.readFileSync(path.join(ROOT, 'www', 'element', 'styles.js'), 'utf8').split('\n').length : 0;
    assert.ok(d.split('\n').length < lines + 10, `dist/${f} has ${d.split('\n').length} lines`);
  }
  assert.match(fs.readFileSync(path.join(ROOT, 'www', 'cap-playground.js'), 'utf8'), /STABLE CONTRACT/);
  // What a page's first frame runs carries V8's compile hint on its first line (compiled off the main
  // thread while it streams in; issue 20); what a page loads on demand does not.
  const head = (f) => fs.readFileSync(path.join(DIST, f), 'utf8').slice(0, EAGER_HINT.length);
  for (const f of ['cap-playground.js', 'protocols/raft.js', 'protocols/zab.js', 'pkg/raft/cap_playground.js', 'pkg/raft-full/cap_playground.js']) {
    assert.equal(head(f), EAGER_HINT, `dist/${f} is not marked for eager compilation`);
  }
  for (const f of ['tutorial.js', 'panels/spacetime.js', 'explore-panel.js', 'pkg/raft-fast/cap_playground.js', 'pkg/export/cap_playground.js']) {
    assert.notEqual(head(f), EAGER_HINT, `dist/${f} (on demand) is marked for eager compilation`);
  }
  // The playground page runs the element's module, and the module handing over the Raft view, as
  // soon as they are compiled (`async`), not just before DOMContentLoaded: the page's own layout and
  // first paint then no longer come between the module and its first run (issue 20: −27 ms median
  // to the first frame).
  const index = fs.readFileSync(path.join(DIST, 'index.html'), 'utf8');
  assert.match(index, /<script type="module" async src="\.\/cap-playground\.js"><\/script>/, 'dist/index.html: the element\'s module is not async');
  assert.match(index, /<script type="module" async>\s*import \{ provideView \}/, 'dist/index.html: the module handing over the Raft view is not async');
});

test(`npm run bench prints, per bundle, the gzipped wasm+js+css a page downloads; each is within its ratchet (budget ${budgetKb('raft')} KB for Raft, ${budgetKb('')} KB for the others)`, (t) => {
  if (!needDist(t)) return;
  const files = [];
  const walk = (d) => fs.readdirSync(d, { withFileTypes: true }).forEach((e) => {
    const p = path.join(d, e.name);
    if (e.isDirectory()) walk(p);
    else if (/\.(wasm|m?js|css)$/.test(e.name)) files.push(p);
  });
  walk(DIST);
  const rel = (f) => path.relative(DIST, f).split(path.sep).join('/');
  const gzOf = (fs_) => fs_.reduce((sum, f) => sum + zlib.gzipSync(fs.readFileSync(f), { level: 9 }).length, 0);
  // The old single bundle (pkg/cap_playground*) must not linger, nor unknown bundles.
  // pkg/explore/ (the "find a bug" panel's) and pkg/lab/ (the history lab's and the space-time
  // exporters') are lazily loaded bundles: no page fetches them up front.
  const known = [...BUNDLES, ...Object.keys(LAZY_BUNDLES)];
  for (const f of files) assert.match(rel(f), new RegExp(`^(?!pkg/)|^pkg/(${known.join('|')})/`), `stale file in dist/: ${rel(f)}`);
  const element = elementFiles(DIST); // what a playground page loads (tutorial pages load more)
  // dist/cap-playground.js is one bundle: no module of the element is left to import.
  assert.deepEqual([...element], ['cap-playground.js'], `element files: ${[...element]}`);
  const shared = files.filter((f) => !rel(f).startsWith('pkg/') && element.has(rel(f)));
  const out = execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'bench.mjs'), '--no-build', '--sizes-only'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  for (const f of files) assert.ok(out.includes(rel(f)), `bench did not list ${f}`);
  // What loads on demand (the space-time panel, the history lab and its checker) is listed with its
  // size and is never part of a playground page's first download.
  for (const [f] of ON_DEMAND) {
    assert.match(out, new RegExp(`ONDEMAND ${f.replace(/[.]/g, '\\.')}: \\d+ bytes gzipped`), `bench printed no on-demand size for ${f}`);
    assert.ok(!element.has(f), `${f} is in a playground page's first download`);
  }
  for (const b of BUNDLES) {
    // The bundle's wasm and glue, and its protocols' views (protocols/<view>.js, loaded with the bundle only).
    const views = new Set(PROTOCOLS.filter((p) => p.bundle === b).map((p) => `protocols/${p.view}.js`));
    const own = files.filter((f) => rel(f).startsWith(`pkg/${b}/`) || views.has(rel(f)));
    // pkg/<b>/ is two wasm modules (scripts/build.mjs): the main one, its glue and the loader of
    // the rest, which the page fetches once its first frame is painted (not in its first download).
    assert.deepEqual(own.filter((f) => rel(f).startsWith('pkg/')).map(rel).sort(),
      [`pkg/${b}/${REST_LOADER}`, `pkg/${b}/cap_playground.js`, `pkg/${b}/cap_playground_bg.wasm`, `pkg/${b}/${REST_WASM}`], `dist/pkg/${b}/`);
    const rest = own.filter((f) => rel(f) === `pkg/${b}/${REST_WASM}`);
    own.splice(own.indexOf(rest[0]), 1);
    const gz = gzOf(shared) + gzOf(own);
    const m = new RegExp(`PAGE dist/ ${b}: (\\d+) bytes`).exec(out);
    assert.ok(m, `bench printed no dist/ page total for ${b}:\n${out}`);
    assert.equal(Number(m[1]), gz, `bench's ${b} page total differs from the gzipped shared JS/CSS + pkg/${b}/`);
    const budget = budgetKb(b), cap = RATCHET_OF[b] ?? RATCHET_KB, jsCap = JS_RATCHET_OF[b] ?? JS_RATCHET_KB;
    assert.ok(gz <= budget * 1024, `a ${b} page is ${(gz / 1024).toFixed(1)} KB gzipped, over its ${budget} KB budget`);
    assert.ok(gz <= cap * 1024, `a ${b} page is ${(gz / 1024).toFixed(1)} KB gzipped, over the ${cap} KB ratchet`);
    const js = gz - gzOf(own.filter((f) => f.endsWith('.wasm')));
    assert.ok(js <= jsCap * 1024, `a ${b} page's JS + CSS is ${(js / 1024).toFixed(1)} KB gzipped, over the ${jsCap} KB ratchet`);
    t.diagnostic(`dist/ ${b} page: ${(gz / 1024).toFixed(1)} KB gzipped (JS + CSS ${(js / 1024).toFixed(1)} KB, wasm ${((gz - js) / 1024).toFixed(1)} KB); budget ${budget} KB`);
    // A page opening a share link downloads pkg/<b>-full/ instead of pkg/<b>/ (www/element/wasm.js):
    // what every page downloaded before the split, held at its own ratchet.
    const full = files.filter((f) => rel(f).startsWith(`pkg/${b}-full/`));
    assert.deepEqual(full.map(rel).sort(), [`pkg/${b}-full/cap_playground.js`, `pkg/${b}-full/cap_playground_bg.wasm`], `dist/pkg/${b}-full/`);
    const fullGz = gz - gzOf(own.filter((f) => rel(f).startsWith('pkg/'))) + gzOf(full);
    const fm = new RegExp(`PAGE\\+FULL dist/ ${b}: (\\d+) bytes`).exec(out);
    assert.ok(fm, `bench printed no dist/ total for a ${b} page opening a share link`);
    assert.equal(Number(fm[1]), fullGz, `bench's ${b} share-link page total differs from the gzipped shared JS/CSS + pkg/${b}-full/`);
    // The whole plain page: its first download, then the rest.
    const total = gz + gzOf(rest);
    const rm = new RegExp(`PAGE\\+REST dist/ ${b}: (\\d+) bytes`).exec(out);
    assert.ok(rm, `bench printed no dist/ total (first download + ${REST_WASM}) for ${b}`);
    assert.equal(Number(rm[1]), total, `bench's ${b} page total with its rest differs from the first download + pkg/${b}/${REST_WASM}`);
    t.diagnostic(`dist/ ${b} page with its rest: ${(total / 1024).toFixed(1)} KB gzipped (${REST_WASM} ${(gzOf(rest) / 1024).toFixed(1)} KB)`);
    // A link's page downloads the full API in one module: more than a plain page's first download,
    // less than the plain page in all.
    assert.ok(fullGz > gz && fullGz < total, `a ${b} page opening a link: ${(fullGz / 1024).toFixed(1)} KB, the plain page ${(gz / 1024).toFixed(1)} KB first, ${(total / 1024).toFixed(1)} KB in all`);
    assert.ok(fullGz <= FULL_RATCHET_OF[b] * 1024, `a ${b} page opening a share link is ${(fullGz / 1024).toFixed(1)} KB gzipped, over its ${FULL_RATCHET_OF[b]} KB ratchet`);
  }
});
