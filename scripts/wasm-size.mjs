// What a wasm module's bytes are made of, twiggy-style ("top"): the code size of each function by
// its name (the module's `name` section: build with names kept, e.g. cargo's output or
// `wasm-opt -g`), the largest first, and the same summed per crate / module path, plus the data
// and other sections. Used by `npm run bench`; also runnable alone:
//   node scripts/wasm-size.mjs FILE.wasm [N]
import fs from 'node:fs';
import { isMain } from './lib.mjs';

/** Legacy (`_ZN…E`) and v0 (`_R…`) Rust symbols to a readable path (best effort, no hashes). */
export function demangle(s) {
  let q, parts = [];
  if (s.startsWith('_ZN')) {
    q = 3;
    while (q < s.length && s[q] !== 'E') {
      const m = /^\d+/.exec(s.slice(q));
      if (!m) break;
      q += m[0].length;
      parts.push(s.slice(q, q + Number(m[0])));
      q += Number(m[0]);
    }
    if (/^h[0-9a-f]{16}$/.test(parts.at(-1))) parts.pop();
    return parts.join('::').replace(/\$LT\$/g, '<').replace(/\$GT\$/g, '>').replace(/\$u20\$/g, ' ').replace(/\$C\$/g, ',')
      .replace(/\$RF\$/g, '&').replace(/\$BP\$/g, '*').replace(/\.\./g, '::');
  }
  if (s.startsWith('_R')) {
    // v0: take the length-prefixed identifiers in order (crate names follow their `Cs<hash>_`).
    const re = /(?:Cs[0-9A-Za-z]+_)?(\d+)_?([A-Za-z][A-Za-z0-9_]*)/g;
    for (let m; (m = re.exec(s));) {
      const n = Number(m[1]), id = m[2].slice(0, n);
      if (id.length === n) parts.push(id);
      re.lastIndex = m.index + m[0].length - (m[2].length - id.length);
    }
    return parts.join('::') || s;
  }
  return s;
}

/** Which crate (or, for this crate, which module) a function belongs to. */
export function owner(name) {
  const n = name.replace(/^_?<(?:&mut |&)?/, '').replace(/^impl /, '');
  const segs = n.split(/::|<| as /).filter(Boolean);
  if (segs[0] === 'cap_playground') return segs.slice(0, 3).join('::');
  return segs[0] || '?';
}

/** Parse a module: sections with their sizes and every defined function's code size and name. */
export function wasmSizes(buf) {
  let p = 8;
  const leb = () => { let r = 0, s = 0, b; do { b = buf[p++]; r += (b & 0x7f) * 2 ** s; s += 7; } while (b & 0x80); return r; };
  const names = new Map(), bodies = [], sections = [];
  let imports = 0;
  const KINDS = ['custom', 'type', 'import', 'function', 'table', 'memory', 'global', 'export', 'start', 'element', 'code', 'data', 'datacount'];
  while (p < buf.length) {
    const id = buf[p++], len = leb(), end = p + len;
    let name = KINDS[id] || `section ${id}`;
    if (id === 0) {
      const nl = leb();
      name = `custom "${buf.subarray(p, p + nl).toString()}"`;
      p += nl;
      if (name === 'custom "name"') {
        while (p < end) {
          const sid = buf[p++], sl = leb(), se = p + sl;
          if (sid === 1) for (let n = leb(), i = 0; i < n; i++) { const idx = leb(), l = leb(); names.set(idx, buf.subarray(p, p + l).toString()); p += l; }
          p = se;
        }
      }
    } else if (id === 2) {
      for (let n = leb(), i = 0; i < n; i++) {
        for (let k = 0; k < 2; k++) { const l = leb(); p += l; } // module, field (`p += leb()` would read p first)
        const k = buf[p++];
        if (k === 0) { leb(); imports++; } else if (k === 1) { p++; if (buf[p++] & 1) { leb(); leb(); } else leb(); } else if (k === 2) { if (buf[p++] & 1) { leb(); leb(); } else leb(); } else p += 2;
      }
    } else if (id === 10) {
      for (let n = leb(), i = 0; i < n; i++) { const s0 = p, l = leb(); p += l; bodies.push(p - s0); }
    }
    sections.push({ name, bytes: len });
    p = end;
  }
  const functions = bodies.map((bytes, i) => ({ bytes, name: demangle(names.get(i + imports) || `code[${i}]`) }));
  return { total: buf.length, sections, functions, named: names.size > 0 };
}

/** The n largest functions and owners, as printable lines. */
export function topLines(buf, n = 15) {
  const { total, sections, functions, named } = wasmSizes(buf);
  const pct = (b) => `${((100 * b) / total).toFixed(1).padStart(5)}%`;
  const out = [];
  out.push(`sections: ${sections.filter((s) => s.bytes > 1024).map((s) => `${s.name} ${s.bytes}`).join(', ')} (of ${total} bytes)`);
  if (!named) out.push('(no name section: function names unknown)');
  out.push(`top ${n} functions by code bytes:`);
  for (const f of [...functions].sort((a, b) => b.bytes - a.bytes).slice(0, n)) out.push(`  ${String(f.bytes).padStart(7)} ${pct(f.bytes)}  ${f.name.slice(0, 110)}`);
  const by = new Map();
  for (const f of functions) by.set(owner(f.name), (by.get(owner(f.name)) || 0) + f.bytes);
  out.push(`top ${n} crates / modules by code bytes (${functions.length} functions):`);
  for (const [k, v] of [...by].sort((a, b) => b[1] - a[1]).slice(0, n)) out.push(`  ${String(v).padStart(7)} ${pct(v)}  ${k}`);
  return out;
}

if (isMain(import.meta.url)) {
  const [file, n] = process.argv.slice(2);
  if (!file) { console.error('usage: node scripts/wasm-size.mjs FILE.wasm [N]'); process.exit(2); }
  for (const l of topLines(fs.readFileSync(file), Number(n || 15))) console.log(l);
}
