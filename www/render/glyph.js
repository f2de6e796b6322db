// Parts of a server's glyph that more than one protocol view draws: the draining election-timer
// arc and the vote dots on a candidate's rim. Used by www/protocols/*.js (imports only the leaf
// draw.js; in dist/ it is bundled into each view that uses it).
import { NODE_R, TIMER_C, mk, A, f1 } from './draw.js';

/**
 * The timer arc of record r: nd.timer = [armed at, fires at] drains as render time t passes;
 * hidden when the node has no timer or `show` is false. Reduced motion: it steps down in quarters.
 */
export function timerArc(r, nd, t, show, reduced) {
  if (!show || !nd.timer) { A(r.timer, 'visibility', 'hidden'); return; }
  const [a, b] = nd.timer;
  let left = b > a ? Math.max(0, Math.min(1, (b - t) / (b - a))) : 0;
  if (reduced) left = Math.ceil(left * 4) / 4;
  const off = Math.round(TIMER_C * (1 - left) * 10) / 10;
  A(r.timer, 'visibility', 'visible');
  if (r.k.off !== off) { r.k.off = off; r.timer.setAttribute('stroke-dashoffset', String(off)); }
}

/**
 * Vote dots for a candidate (`show`): one per peer, on the rim towards that peer, filled when it
 * granted (nd.votes). c: the view context (f, L, id, p).
 */
export function voteDots(r, nd, c, show) {
  A(r.votes, 'visibility', show ? 'visible' : 'hidden');
  if (!show) return;
  const granted = nd.votes || [], p = c.p, nodes = c.L.nodes;
  let k = 0;
  for (let j = 0; j < c.f.nodes.length; j++) {
    if (j === c.id) continue;
    const d = r.dots[k] || (r.dots[k] = mk('circle', { class: 'vote', r: '3.6' }, r.votes));
    const q = nodes[j];
    const ang = Math.atan2(q.y - p.y, q.x - p.x), rr = NODE_R + 11;
    A(d, 'cx', f1(Math.cos(ang) * rr)); A(d, 'cy', f1(Math.sin(ang) * rr));
    A(d, 'class', granted.includes(j) ? 'vote yes' : 'vote');
    k++;
  }
}
