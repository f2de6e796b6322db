// The front end's module graph (www/, no browser needed): no import cycles, the drawing helpers
// and the protocol manifest are leaves, protocol views import only the drawing helpers (so they
// never pull the element in, and load with their wasm bundle alone), and every protocol of the
// manifest has a view that implements the one interface (www/protocols/README.md).
// The graph is esbuild's (a real parser: comments and strings are not imports), static and
// dynamic imports with a literal path alike.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const WWW = path.join(ROOT, 'www');
const rel = (p) => path.relative(WWW, path.resolve(ROOT, p)).split(path.sep).join('/');

function jsFiles(dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'pkg' ? [] : jsFiles(p);
    return /\.m?js$/.test(e.name) ? [p] : [];
  });
}

/** www/'s import graph: file (relative to www/) → [{ path, kind }] of the www/ files it imports. */
async function importGraph() {
  const files = jsFiles(WWW);
  const r = await esbuild.build({
    entryPoints: files, bundle: true, write: false, metafile: true, format: 'esm', outdir: path.join(ROOT, 'target', 'import-graph'),
    logLevel: 'silent', external: ['./pkg/*', '../pkg/*'], absWorkingDir: ROOT,
  });
  const graph = new Map();
  for (const [file, info] of Object.entries(r.metafile.inputs)) {
    graph.set(rel(file), info.imports.filter((i) => !i.external).map((i) => ({ path: rel(i.path), kind: i.kind })));
  }
  for (const f of files) if (!graph.has(rel(f))) graph.set(rel(f), []);
  return graph;
}

/** The cycles of a graph (one per strongly connected component with more than one module, or a self-import). */
function cycles(graph) {
  let index = 0;
  const idx = new Map(), low = new Map(), stack = [], on = new Set(), out = [];
  const visit = (v) => {
    idx.set(v, index); low.set(v, index); index++;
    stack.push(v); on.add(v);
    for (const { path: w } of graph.get(v) || []) {
      if (!idx.has(w)) { visit(w); low.set(v, Math.min(low.get(v), low.get(w))); }
      else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const scc = [];
      let w;
      do { w = stack.pop(); on.delete(w); scc.push(w); } while (w !== v);
      if (scc.length > 1 || (graph.get(v) || []).some((e) => e.path === v)) out.push(scc.sort());
    }
  };
  for (const v of [...graph.keys()].sort()) if (!idx.has(v)) visit(v);
  return out;
}

test('www/ has no import cycle between JavaScript modules', async () => {
  const graph = await importGraph();
  assert.ok(graph.size >= 20, `only ${graph.size} modules found under www/`);
  const found = cycles(graph);
  assert.deepEqual(found, [], `import cycles: ${found.map((c) => c.join(' → ')).join('; ')}`);
});

test('the cycle check finds a cycle when there is one (a → b → c → a)', () => {
  const g = new Map([['a', [{ path: 'b' }]], ['b', [{ path: 'c' }]], ['c', [{ path: 'a' }]], ['d', [{ path: 'a' }]]]);
  assert.deepEqual(cycles(g), [['a', 'b', 'c']]);
  assert.deepEqual(cycles(new Map([['x', [{ path: 'x' }]]])), [['x']]);
});

test('leaves: render/draw.js and the manifest protocols.js import nothing; geometry.js only draw.js', async () => {
  const graph = await importGraph();
  assert.deepEqual(graph.get('render/draw.js'), []);
  assert.deepEqual(graph.get('protocols.js'), []);
  assert.deepEqual(graph.get('render/geometry.js').map((e) => e.path), ['render/draw.js']);
});

test('protocol views import only the drawing helpers (render/), and nothing imports a view statically', async () => {
  const graph = await importGraph();
  const views = [...graph.keys()].filter((f) => f.startsWith('protocols/'));
  assert.ok(views.length >= 5, `views: ${views}`);
  for (const v of views) {
    for (const e of graph.get(v)) assert.match(e.path, /^render\/(draw|glyph|strip)\.js$/, `${v} imports ${e.path}`);
  }
  for (const [f, edges] of graph) for (const e of edges) assert.ok(!e.path.startsWith('protocols/'), `${f} imports the view ${e.path} (views load with their bundle, at run time)`);
});

test('every protocol of the manifest has a view implementing the interface of www/protocols/README.md', async () => {
  const { PROTOCOLS } = await import(pathToFileURL(path.join(WWW, 'protocols.js')).href);
  assert.deepEqual(PROTOCOLS.map((p) => p.name), ['raft', 'paxos', 'multipaxos', 'dynamo', 'zab', '2pc', '3pc']);
  for (const p of PROTOCOLS) {
    assert.deepEqual(Object.keys(p).sort(), ['bundle', 'label', 'linearizable', 'name', 'view'], p.name);
    const file = path.join(WWW, 'protocols', `${p.view}.js`);
    assert.ok(fs.existsSync(file), `${p.name}: www/protocols/${p.view}.js missing`);
    const v = (await import(pathToFileURL(file).href)).default;
    assert.equal(v.name, p.view, `${p.view}.js: name`);
    assert.equal(typeof v.glyph, 'function', `${p.view}.js: glyph`);
    assert.equal(typeof v.css, 'string', `${p.view}.js: css`);
    assert.ok(Array.isArray(v.legend) && v.legend.length && v.legend.every((x) => Array.isArray(x) && typeof x[0] === 'string'), `${p.view}.js: legend`);
    assert.ok(v.stripTitle === null || typeof v.stripTitle === 'string', `${p.view}.js: stripTitle`);
    for (const k of ['title', 'durable', 'summary', 'volatile']) assert.equal(typeof v.panel?.[k], 'function', `${p.view}.js: panel.${k}`);
    assert.equal(typeof v.panel.lost, 'string', `${p.view}.js: panel.lost`);
    if (v.stripTitle) assert.equal(typeof v.mount, 'function', `${p.view}.js: a view with a strip mounts it`);
  }
});
