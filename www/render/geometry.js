// Plane geometry of the diagram: the partition line's sides, its clipping to the box, free spots
// on a side, and keeping points inside the box. The simulation knows nothing of positions:
// positions and the line are the element's layout state, and a gesture ends in one
// setPartition()/heal() computed from the side of every node and client (element/drag.js).
import { W, H } from './draw.js';

export { W, H };

/** Which side of the (infinite) line through l.x1,y1 → x2,y2 point p is on: 0 (A) or 1 (B). */
export function sideOf(l, p) {
  return (l.x2 - l.x1) * (p.y - l.y1) - (l.y2 - l.y1) * (p.x - l.x1) < 0 ? 0 : 1;
}

/**
 * The side of the line point p is on, in words a screen reader can say: "left side" / "right side"
 * for a mostly vertical line, "upper side" / "lower side" for a mostly horizontal one.
 */
export function sideWord(l, p) {
  const dx = l.x2 - l.x1, dy = l.y2 - l.y1;
  if (Math.abs(dy) >= Math.abs(dx)) {
    const x = l.x1 + (dx * (p.y - l.y1)) / dy; // the line's x at p's height
    return p.x < x ? 'left side' : 'right side';
  }
  const y = l.y1 + (dy * (p.x - l.x1)) / dx;
  return p.y < y ? 'upper side' : 'lower side';
}

/** Clip the viewBox rectangle to one side of the line (Sutherland–Hodgman): polygon points. */
export function halfPlane(l, side) {
  const rect = [[0, 0], [W, 0], [W, H], [0, H]];
  const f = ([x, y]) => ((l.x2 - l.x1) * (y - l.y1) - (l.y2 - l.y1) * (x - l.x1)) * (side ? 1 : -1);
  const out = [];
  for (let i = 0; i < 4; i++) {
    const a = rect[i], b = rect[(i + 1) % 4], fa = f(a), fb = f(b);
    if (fa >= 0) out.push(a);
    if ((fa >= 0) !== (fb >= 0)) {
      const t = fa / (fa - fb);
      out.push([a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t]);
    }
  }
  return out;
}

/** The infinite line clipped to the viewBox: [x1,y1,x2,y2] (or the handles' segment if degenerate). */
export function clipLine(l) {
  const dx = l.x2 - l.x1, dy = l.y2 - l.y1;
  let t0 = -1e9, t1 = 1e9;
  for (const [p, q] of [[-dx, l.x1], [dx, W - l.x1], [-dy, l.y1], [dy, H - l.y1]]) {
    if (p === 0) continue;
    const r = q / p;
    if (p < 0) t0 = Math.max(t0, r); else t1 = Math.min(t1, r);
  }
  if (!(t0 < t1)) return [l.x1, l.y1, l.x2, l.y2];
  return [l.x1 + dx * t0, l.y1 + dy * t0, l.x1 + dx * t1, l.y1 + dy * t1];
}

/** Where segment a→b crosses the line, as a point, or null. */
export function crossing(l, a, b) {
  const sa = (l.x2 - l.x1) * (a.y - l.y1) - (l.y2 - l.y1) * (a.x - l.x1);
  const sb = (l.x2 - l.x1) * (b.y - l.y1) - (l.y2 - l.y1) * (b.x - l.x1);
  if ((sa < 0) === (sb < 0) || sa === sb) return null;
  const t = sa / (sa - sb);
  return { x: a.x + (b.x - a.x) * t, y: a.y + (b.y - a.y) * t };
}

export const clamp = (v, lo, hi) => (v < lo ? lo : v > hi ? hi : v);
/** p kept at least m units from every edge. */
export const clampPt = (p, m = 28) => ({ x: clamp(p.x, m, W - m), y: clamp(p.y, m, H - m) });
/**
 * How far a client's glyph reaches from its centre (focus ring, the ✓ / ✕ / ? mark on its right,
 * "…" above, its id below), so that a client kept this far from the edges is drawn wholly inside.
 */
export const CLIENT_EXT = { l: 20, r: 31, t: 23, b: 25 };
/** A client's position p kept inside the diagram with its labels. */
export const clampClient = (p) => ({ x: clamp(p.x, CLIENT_EXT.l, W - CLIENT_EXT.r), y: clamp(p.y, CLIENT_EXT.t, H - CLIENT_EXT.b) });

/**
 * Free spots for `count` items on `side` of the line: a column parallel to the line, `dist` units
 * into that side, spread along its visible length and kept inside the box.
 */
export function spotsOnSide(l, side, count, dist = 85) {
  const [x1, y1, x2, y2] = clipLine(l);
  const len = Math.hypot(x2 - x1, y2 - y1) || 1;
  let nx = -(y2 - y1) / len, ny = (x2 - x1) / len; // normal pointing to side B (sideOf = 1)
  if (!side) { nx = -nx; ny = -ny; }
  const out = [];
  for (let i = 0; i < count; i++) {
    const t = (i + 1) / (count + 1);
    const bx = x1 + (x2 - x1) * t, by = y1 + (y2 - y1) * t;
    let p = null;
    for (let d = dist; d >= 20; d -= 10) {
      const q = clampPt({ x: bx + nx * d, y: by + ny * d });
      if (sideOf(l, q) === side) { p = q; break; }
    }
    out.push(p || clampPt({ x: bx + nx * 20, y: by + ny * 20 }));
  }
  return out;
}
