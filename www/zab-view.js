// ZAB's part of <cap-playground> (issue 6): the node glyph, the node panel and the local / sync
// reads switch. Everything is drawn from the frame's `nodes[].zab` view (src/protocol/zab.rs):
//
//        n2            ← server id
//      ( L  )          ← L leading · F following · ? looking (ring: thick = leader, dashed = looking)
//      ( 2:5 )         ← last zxid, epoch:counter (the body's colour follows currentEpoch)
//    [BROADCAST]       ← phase pill: ELECTION / DISCOVERY / SYNC / BROADCAST (word + colour)
//    LEADING e2        ← server state; while LOOKING "LOOKING, votes n4 (1:3)" and a dashed arrow
//                         to the voted-for server, dots on the rim = peers that agree with the vote
//
// Loaded with the ZAB wasm bundle only (like twopc-view.js): render.js calls zabNode() / zabCell() /
// zabCellTitle() and cap-playground.js calls zabPanel() and zabReads() through `views.zab`, which
// is set before the first ZAB frame exists. The drawing helpers come from the element's module
// (in dist/ render.js is bundled into it), the same module instance the page already runs.
import { A, T, NODE_R, mk } from './cap-playground.js';

/** The frame's ZooKeeper states, as the element's data-role vocabulary (stable contract). */
const ROLE = { leading: 'leader', following: 'follower', looking: 'candidate' };
const LETTER = { LEADING: 'L', FOLLOWING: 'F', LOOKING: '?' };
const f1 = (x) => (Math.round(x * 10) / 10).toString();

/** data-role of a live ZAB node: leader (LEADING), follower (FOLLOWING), candidate (LOOKING). */
export const zabRole = (nd) => ROLE[nd.role] || nd.role;

/** The line under the phase pill: the server state, and while LOOKING its vote. */
function stateLine(z, id) {
  if (z.state === 'LOOKING') {
    const v = z.vote;
    return v ? `LOOKING, votes ${v.leader === id ? 'itself' : 'n' + v.leader} (${v.zxid})` : 'LOOKING';
  }
  if (z.state === 'LEADING') return `LEADING e${z.epoch}${z.established ? '' : ' …'}`;
  return `FOLLOWING${z.leader == null ? '' : ' n' + z.leader}`;
}

/**
 * Draw one ZAB server (record r of render.js's node()): classes and data attributes, the letter,
 * the last zxid, the phase pill, the state / vote line and the vote arrow; sw = which side of the
 * partition line it is on, in words (for the label). Timer arc and vote dots
 * stay with render.js (role "candidate" = LOOKING gets the dots).
 */
export function zabNode(r, nd, L, role, alive, sel, drag, sw) {
  const z = nd.zab, id = nd.id, k = r.k;
  let e = r.zab;
  if (!e) {
    const pill = mk('g', { class: 'zphase', transform: `translate(0,${NODE_R + 21})` }, r.g);
    // The arrow goes under everything else of the node (first child).
    // display (not visibility): a hidden arrow must not stretch the node's bounding box.
    const arrow = mk('g', { class: 'zvote', display: 'none' });
    r.g.insertBefore(arrow, r.g.firstChild);
    e = r.zab = { pill, rect: mk('rect', { y: '-7.5', height: '15', rx: '7.5' }, pill), txt: mk('text', { y: '3.5' }, pill),
      arrow, line: mk('line', {}, arrow), head: mk('path', {}, arrow) };
    A(r.sub, 'y', String(NODE_R + 41)); // pill and line below the vote dots (radius NODE_R + 11)
  }
  const p = L.nodes[id];
  const v = alive && z.state === 'LOOKING' && z.vote && z.vote.leader !== id ? z.vote.leader : null;
  const q = v == null ? null : L.nodes[v];
  // Redraw the arrow only when an end moved or the vote changed.
  if (q ? k.vq !== v || k.vx !== p.x || k.vy !== p.y || k.wx !== q.x || k.wy !== q.y : k.vq !== null) {
    k.vq = q ? v : null;
    if (q) {
      k.vx = p.x; k.vy = p.y; k.wx = q.x; k.wy = q.y;
      const dx = q.x - p.x, dy = q.y - p.y, len = Math.hypot(dx, dy) || 1, ux = dx / len, uy = dy / len;
      const a = NODE_R + 3, b = Math.max(a + 4, len - NODE_R - 4);
      A(e.line, 'x1', f1(ux * a)); A(e.line, 'y1', f1(uy * a)); A(e.line, 'x2', f1(ux * (b - 6))); A(e.line, 'y2', f1(uy * (b - 6)));
      const tx = ux * b, ty = uy * b, bx = tx - ux * 9, by = ty - uy * 9;
      A(e.head, 'd', `M${f1(tx)} ${f1(ty)}L${f1(bx - uy * 4.5)} ${f1(by + ux * 4.5)}L${f1(bx + uy * 4.5)} ${f1(by - ux * 4.5)}Z`);
    }
    A(e.arrow, 'display', q ? 'inline' : 'none');
  }
  // The rest only when a new frame was pulled (views are new objects then) or the selection changed.
  if (k.zv === z && k.alive === alive && k.side === nd.side && k.sel === sel && k.drag === drag && k.sw === sw) return;
  k.zv = z; k.alive = alive; k.side = nd.side; k.sel = sel; k.drag = drag; k.sw = sw;
  k.role = null; // render.js's generic branch redraws everything if the protocol ever changes
  A(r.g, 'data-role', role);
  A(r.g, 'data-side', String(nd.side));
  A(r.g, 'data-state', alive ? z.state : 'CRASHED');
  A(r.g, 'data-phase', alive ? z.phase : '');
  A(r.g, 'class', `node ${role} zab t${alive ? z.current_epoch % 6 : 0}${sel ? ' sel' : ''}${drag ? ' dragging' : ''}`);
  T(r.role, alive ? LETTER[z.state] || '?' : '✕');
  T(r.term, alive ? z.last_zxid : 'down');
  const phase = alive ? z.phase : 'CRASHED';
  A(e.pill, 'class', `zphase zph-${phase.toLowerCase()}`);
  A(e.rect, 'width', f1(phase.length * 6.7 + 12));
  A(e.rect, 'x', f1(-(phase.length * 6.7 + 12) / 2));
  T(e.txt, phase);
  T(r.sub, alive ? stateLine({ ...z, leader: nd.leader }, id) : 'history on disk');
  A(r.sub, 'class', alive && z.state === 'LOOKING' ? 'sub zlook' : 'sub');
  A(r.g, 'aria-label', alive
    ? `n${id}, ${z.state}, ${sw}, phase ${z.phase}` + (z.vote ? `, votes for n${z.vote.leader} (last zxid ${z.vote.zxid}, epoch ${z.vote.epoch}), round ${z.round}` : '') +
      (z.state === 'FOLLOWING' && nd.leader != null ? `, follows n${nd.leader}` : '') + (z.state === 'LEADING' ? `, epoch ${z.epoch}${z.established ? ' established' : ' not yet established'}` : '') +
      `; currentEpoch ${z.current_epoch}, acceptedEpoch ${z.accepted_epoch}, last zxid ${z.last_zxid}, committed to ${z.commit_zxid}`
    : `n${id}, crashed, ${sw} (durable: currentEpoch ${z.current_epoch}, acceptedEpoch ${z.accepted_epoch}, history to ${z.last_zxid})`);
}

/** Text of the log-strip cell for the k-th entry of nd.log: the proposal's zxid, epoch:counter. */
export const zabCell = (nd, k) => nd.zab.history[k]?.zxid ?? '';

/** Tooltip of a history cell. */
export function zabCellTitle(nd, k, alive) {
  const h = nd.zab.history[k], e = nd.log[k];
  if (!h) return '';
  return `#${e.index} zxid ${h.zxid} (epoch ${h.zxid.split(':')[0]}, counter ${h.zxid.split(':')[1]}): ${h.text}` +
    (h.committed ? ' (committed)' : alive ? ' (accepted, not committed yet)' : ' (accepted, on disk)');
}

const HISTORY_ROWS = 12;

/**
 * The node panel's content for a ZAB server: { title, rows (dt / dd pairs), table (history rows,
 * committed prefix marked; each row array may carry .cls) }.
 */
export function zabPanel(nd, alive) {
  const z = nd.zab, id = nd.id, h = z.history, log = nd.log || [];
  const ncommitted = h.filter((x) => x.committed).length;
  const title = alive ? `n${id} — ${z.state} · ${z.phase}${z.state === 'LEADING' ? (z.established ? ` (epoch ${z.epoch} established)` : ` (establishing epoch ${z.epoch})`) : ''}`
    : `n${id} — crashed`;
  const lastC = h.length && ncommitted ? h[ncommitted - 1] : null;
  const firstIdx = log.length ? log[0].index : 1;
  const prefix = nd.last_index === 0 ? 'empty history'
    : `#1–#${nd.commit_index}${lastC ? ` (up to zxid ${lastC.zxid})` : z.commit_zxid !== '0:0' ? ` (up to zxid ${z.commit_zxid})` : ''}` +
      (nd.last_index > nd.commit_index ? `; #${nd.commit_index + 1}–#${nd.last_index} accepted, not committed` : '; nothing uncommitted');
  const rows = [
    ['state', alive ? `${z.state} (${{ LEADING: 'leader', FOLLOWING: 'follower', LOOKING: 'electing a leader' }[z.state]}), phase ${z.phase}`
      : 'crashed (the history, currentEpoch and acceptedEpoch are durable)'],
    ...(alive && z.vote ? [['vote', `n${z.vote.leader}: last zxid ${z.vote.zxid}, epoch ${z.vote.epoch} (election round ${z.round})`],
      ['agreeing', nd.votes?.length ? nd.votes.map((v) => 'n' + v).join(' ') : 'nobody yet']] : []),
    ...(alive && !z.vote ? [['leader', nd.leader == null ? '—' : 'n' + nd.leader]] : []),
    ['currentEpoch', z.current_epoch], ['acceptedEpoch', z.accepted_epoch], ...(alive ? [['epoch', z.epoch || '— (electing)']] : []),
    ['last zxid', z.last_zxid], ['committed prefix', prefix],
    ...z.learners.map((l) => [`follower n${l.id}`, l.stage === 'synced' ? `synced by ${l.sync ?? '—'} · acked ${l.acked}`
      : l.stage === 'syncing' ? `${l.sync ?? 'sync'} + NEWLEADER sent (its last zxid was ${l.last}), waiting for its ACK`
        : 'FOLLOWERINFO received, in discovery']),
    ['store', Object.entries(nd.kv || {}).map(([k, v]) => `${k}=${v}`).join(' ') || '—'], ['restarts', nd.restarts],
  ];
  const from = Math.max(0, h.length - HISTORY_ROWS);
  const table = [['#', 'zxid', 'proposal', h.length > HISTORY_ROWS ? `last ${HISTORY_ROWS} of ${nd.last_index}` : 'history']];
  for (let k = from; k < h.length; k++) {
    const x = h[k], row = [`#${(log[k]?.index ?? firstIdx + k)}`, x.zxid, x.text, x.committed ? '✓ committed' : 'accepted'];
    row.cls = x.committed ? 'zc' : 'zu';
    // The boundary of the committed prefix, between the last committed and the first accepted row.
    if (x.committed && h[k + 1] && !h[k + 1].committed) row.cls += ' zedge';
    table.push(row);
  }
  return { title, rows, table };
}

/** Local / sync reads switch: reconfigure every node live, keeping the run's other settings. */
export function zabReads(el) {
  const box = el.$('.zab-sync'), on = box.checked;
  try {
    let base = {};
    try { base = JSON.parse(el.pg.scenarioJson()).config || {}; } catch { /* defaults */ }
    el.configure({ ...base, sync_reads: on });
    el._say(on ? 'sync reads: every read first sends SYNC to the leader and waits for it (linearizable)'
      : 'local reads: each server answers from its own state (sequentially consistent; may be stale)');
  } catch (e) {
    if (!el._poisoned) el._say(`configure: ${e.message || e}`, true);
    box.checked = !on;
  }
  zabReadsNote(el);
}

/** The sentence next to the switch. */
export function zabReadsNote(el) {
  const on = el.$('.zab-sync').checked, n = el.$('.zr-note');
  T(n, on ? 'sync reads: linearizable' : 'local reads: may be stale');
  A(n, 'class', on ? 'zr-note ok' : 'zr-note no');
}
