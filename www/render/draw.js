// Drawing helpers shared by the element, its panels and the protocol views: create SVG / HTML
// elements, write an attribute or a text only when it changed, fit a label to a width. A LEAF
// module: it imports nothing, so anything may import it without making a cycle
// (tests/js/imports.test.mjs checks this). In dist/ it is bundled into cap-playground.js, and the
// protocol views (loaded with their wasm bundle) import it from there: one instance per page.

export const NS = 'http://www.w3.org/2000/svg';
/** The diagram's viewBox: 640 × 400 units, whatever its size on screen. */
export const W = 640, H = 400;
/** Radius of a server's circle, in diagram units (the diagram's viewBox is 640 × 400). */
export const NODE_R = 24;
/** Radius and circumference of the election-timer arc around a server. */
export const TIMER_R = NODE_R + 4, TIMER_C = 2 * Math.PI * TIMER_R;

/** A new SVG element with attributes, appended to parent if given. */
export function mk(tag, attrs, parent) {
  const e = document.createElementNS(NS, tag);
  for (const k in attrs) e.setAttribute(k, attrs[k]);
  if (parent) parent.appendChild(e);
  return e;
}
/** A new HTML element with attributes and text (always textContent: never markup), appended to parent if given. */
export function h(tag, attrs, parent, text) {
  const e = document.createElement(tag);
  for (const k in attrs) e.setAttribute(k, attrs[k]);
  if (text != null) e.textContent = text;
  if (parent) parent.appendChild(e);
  return e;
}
/** setAttribute only when the value changed. */
export function A(e, k, v) {
  const c = e.__c || (e.__c = {});
  if (c[k] !== v) { c[k] = v; e.setAttribute(k, v); }
}
/** textContent only when the value changed. */
export function T(e, v) {
  if (e.__t !== v) { e.__t = v; e.textContent = v; }
}
/** A number rounded to one decimal, as an attribute string. */
export const f1 = (x) => (Math.round(x * 10) / 10).toString();
/** Milliseconds as seconds with one decimal: "1.2 s". */
export const secs = (ms) => `${(ms / 1000).toFixed(1)} s`;
/** "1 key" / "2 keys". */
export const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`;
/** A node's key-value store as "x=1 y=2", or "—". */
export const storeText = (kv) => Object.entries(kv || {}).map(([k, v]) => `${k}=${v}`).join(' ') || '—';

/**
 * Write `text` into the SVG <text> element `e`, at most `max` characters a line: one line when it
 * fits, else two lines (the second `lineH` units lower) broken after a " · " or ", " when one
 * gives two lines that fit, else at the last space that does, else cut with "…".
 * textContent stays the whole text when it is wrapped (the first line keeps its trailing space);
 * returns true when the text had to be cut (the caller puts the full text in the tooltip).
 */
export function fitText(e, text, max, lineH = 12) {
  if (e.__fit === text && e.__fitMax === max) return e.__cut;
  e.__fit = text; e.__fitMax = max; e.__t = undefined;
  let lines = [text];
  if (text.length > max) {
    // After a separator (the most even split), else after the last space that fits.
    let i = -1;
    for (const sep of [' · ', ', ']) {
      for (let j = text.indexOf(sep); j >= 0; j = text.indexOf(sep, j + 1)) {
        const at = j + sep.length - 1, a = at + 1, b = text.length - a;
        if (a <= max && b <= max && (i < 0 || Math.abs(a - b) < Math.abs(2 * (i + 1) - text.length))) i = at;
      }
      if (i >= 0) break;
    }
    if (i < 0) i = text.lastIndexOf(' ', max);
    lines = i > 0 ? [text.slice(0, i + 1), text.slice(i + 1)] : [text.slice(0, max - 1) + '…'];
    if (lines[1] && lines[1].length > max) lines[1] = lines[1].slice(0, max - 1) + '…';
  }
  e.__cut = lines.join('') !== text;
  if (lines.length === 1) { e.textContent = lines[0]; return e.__cut; }
  e.textContent = '';
  lines.forEach((l, k) => {
    const t = document.createElementNS(NS, 'tspan');
    t.setAttribute('x', '0');
    if (k) t.setAttribute('dy', String(lineH));
    t.textContent = l;
    e.appendChild(t);
  });
  return e.__cut;
}

/** Message colour families (CSS class k-<family>); each protocol view adds its message names. */
export const FAMILY = new Map();
/** The colour family of a message kind: from a view's table, else guessed from its name. */
export function family(kind) {
  let f = FAMILY.get(kind);
  if (!f) {
    const k = kind.toLowerCase();
    f = k.includes('prevote') ? 'prevote' : k.includes('vote') || k.includes('prepare') || k.includes('promise') ? 'vote'
      : k.includes('append') || k.includes('heartbeat') || k.includes('accept') || k.includes('proposal') ? 'append'
      : k.includes('snapshot') ? 'snap' : k.startsWith('client') ? 'client' : 'other';
    FAMILY.set(kind, f);
  }
  return f;
}

/**
 * A constructed stylesheet per CSS text, shared by every shadow root on the page (allowed under a
 * strict CSP, unlike a <style> element or a style attribute); a <style> element where the browser
 * has no constructed sheets. Adopting the same text twice into one root does nothing.
 */
const sheets = new Map();
export function adoptCss(root, css) {
  if (!css) return;
  try {
    let s = sheets.get(css);
    if (!s) { s = new CSSStyleSheet(); s.replaceSync(css); sheets.set(css, s); }
    if (!root.adoptedStyleSheets.includes(s)) root.adoptedStyleSheets = [...root.adoptedStyleSheets, s];
  } catch {
    if (root.__css?.has(css)) return;
    (root.__css ??= new Set()).add(css);
    h('style', {}, root, css);
  }
}
