// How <cap-playground> fits into the page that hosts it: its stylesheet under a strict Content
// Security Policy, its size in its container, and the words a screen reader hears for a side.
//
// CSP: `default-src 'self'` (no 'unsafe-inline' for styles) refuses a <style> element inside the
// shadow root and every style="" attribute parsed from markup, but not a constructed stylesheet
// (adoptedStyleSheets) and not CSSOM writes (el.style.maxHeight = …). So the element adopts one
// shared CSSStyleSheet and sets its few computed sizes through CSSOM, never through markup.
//
// Size: the element is as wide as its container, and the diagram scales with it (the SVG keeps
// its viewBox's aspect). When the container also fixes the height (an iframe page, a grid cell,
// `height: 400px`), the element fills exactly that box: the diagram shrinks so the controls and the
// diagram stay in view, and what does not fit (scoreboard, logs) scrolls inside the element, never
// the host page. Whether the height is fixed is read from a zero-width probe with `height: 100%`,
// which resolves to 0 when the host's height is auto (then the element just grows with its content).
// Work happens only when a size changes (ResizeObserver), never per animation frame.

let shared = null; // one sheet for every element on the page

/**
 * Style a shadow root with `css`: a constructed stylesheet when the browser has them (allowed under
 * CSP), else the returned `<style>` markup to prepend to the template (older browsers without CSP).
 */
export function adoptStyles(root, css) {
  try {
    if ('adoptedStyleSheets' in root && typeof CSSStyleSheet === 'function' && 'replaceSync' in CSSStyleSheet.prototype) {
      if (!shared) {
        const s = new CSSStyleSheet();
        s.replaceSync(css);
        shared = s;
      }
      root.adoptedStyleSheets = [shared];
      return '';
    }
  } catch { /* fall back to a <style> element */ }
  return `<style>${css}</style>`;
}

/** The container width (px) below which the scoreboard goes under the diagram and the log strip narrows. */
export const NARROW_PX = 560;
/** The diagram never shrinks below this height (px) to make room, however small the box. */
export const MIN_DIAGRAM_PX = 120;

/**
 * Observe the element's box. `parts`: { wrap, bar, svg, probe, below, watch } from the shadow root
 * (`below`: what sits under the diagram in a fixed-height box — the time slider, the status line;
 * `watch`: more boxes whose size changes the diagram's room — the caption above it). onNarrow(narrow)
 * is called when the width crosses NARROW_PX. Returns { observe(), disconnect() }. Measuring only
 * in the ResizeObserver callback (after layout) keeps it from forcing a layout of its own.
 */
export function sizeObserver(host, parts, onNarrow) {
  const { wrap, bar, svg, probe, below = [], watch = [] } = parts;
  let narrow = null, fit = null, maxH = '';
  const measure = () => {
    const w = host.clientWidth;
    if (w === 0) return; // hidden (display: none, a closed <details>): keep the last layout until shown
    const n = w < NARROW_PX;
    if (n !== narrow) { narrow = n; onNarrow(n); }
    if (wrap.classList.contains('loading')) return; // not laid out yet: measured again once the first run is drawn
    // A fixed height: fill it, shrink the diagram to fit under the controls, scroll the rest inside.
    const f = probe.offsetHeight > 0;
    if (f !== fit) { fit = f; wrap.classList.toggle('fit', f); }
    let want = '';
    if (f) {
      const top = svg.getBoundingClientRect().top - wrap.getBoundingClientRect().top + wrap.scrollTop;
      const under = below.reduce((h, e) => h + (e?.offsetHeight || 0), 10); // + the wrap's padding
      want = `${Math.max(MIN_DIAGRAM_PX, Math.floor(wrap.clientHeight - top - under))}px`;
    }
    if (want !== maxH) { maxH = want; svg.style.maxHeight = want; }
  };
  const ro = new ResizeObserver(measure);
  return {
    observe() { for (const e of [host, bar, ...below, ...watch]) if (e) ro.observe(e); },
    disconnect() { ro.disconnect(); },
    measure,
  };
}
