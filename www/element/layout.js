// The element's layout state: where each server and client is drawn and where the partition line
// runs. The simulator knows nothing of it; a gesture ends in one setPartition() from the sides.
import { W, H, clampClient, CLIENT_EXT } from '../render/geometry.js';

/** The partition line at the start: bottom → top, so side A (0) is the left. */
export const DEFAULT_LINE = { x1: 470, y1: 388, x2: 470, y2: 12 };
/** How far an attached client sits from its server's centre. */
const CLIENT_R = 52;

/** Node positions, the partition line and free-standing clients. */
export class Layout {
  constructor(n) {
    const cx = 232, cy = 205, r = n <= 1 ? 0 : n <= 3 ? 110 : 145;
    this.home = Array.from({ length: n }, (_, i) => {
      const a = -Math.PI / 2 + (2 * Math.PI * i) / n;
      return { x: cx + r * Math.cos(a), y: cy + r * Math.sin(a), a };
    });
    this.nodes = this.home.map((p) => ({ x: p.x, y: p.y }));
    this.line = { ...DEFAULT_LINE };
    this.free = new Map(); // client id → {x,y} when dropped away from a node
    this.attach = new Map(); // client id → [node, k-th client of that node]
    this.selected = null;
    this.dragging = null;
  }
  goHome() {
    this.nodes = this.home.map((p) => ({ x: p.x, y: p.y }));
    this.line = { ...DEFAULT_LINE };
    this.free.clear();
  }
  /** Where client `id` is drawn: where it was dropped, else beside its server, on a side that keeps it inside the diagram. */
  clientPos(id) {
    const f = this.free.get(id);
    if (f) return f;
    const [node, k] = this.attach.get(id) || [0, 0];
    const p = this.nodes[node], h = this.home[node];
    if (!p) return { x: 0, y: 0 };
    const a0 = h ? h.a : 0, sg = Math.sin(a0 - 0.8) > Math.sin(a0 + 0.8) + 0.01 ? -1 : 1; // avoid the id label above
    // Its usual angle; a server dragged to an edge or a corner turns its clients inwards.
    for (let i = 0; i < 12; i++) {
      const a = a0 + sg * (0.8 + 0.65 * k) + (i ? (i % 2 ? 1 : -1) * Math.ceil(i / 2) * 0.55 : 0);
      const q = { x: p.x + CLIENT_R * Math.cos(a), y: p.y + CLIENT_R * Math.sin(a) };
      if (q.x >= CLIENT_EXT.l && q.x <= W - CLIENT_EXT.r && q.y >= CLIENT_EXT.t && q.y <= H - CLIENT_EXT.b) return q;
    }
    return clampClient({ x: p.x, y: p.y + CLIENT_R });
  }
}
