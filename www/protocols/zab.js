// ZooKeeper's atomic broadcast (Junqueira, Reed, Serafini, Zab: High-performance broadcast for
// primary-backup systems, DSN 2011; Medeiros, ZooKeeper's atomic broadcast protocol: Theory and
// practice, 2012), loaded with the zab wasm bundle. Drawn from the frame's `nodes[].zab` view
// (src/protocol/zab.rs). The interface every view implements is in ./README.md.
//
//        n2            ← server id
//      ( L  )          ← L leading · F following · ? looking (ring: thick = leader, dashed = looking)
//      ( 2:5 )         ← last zxid, epoch:counter (the body's colour follows currentEpoch)
//    [BROADCAST]       ← phase pill: ELECTION / DISCOVERY / SYNC / BROADCAST (word + colour)
//    LEADING e2        ← server state; while LOOKING "LOOKING, votes n4 (1:3)" and a dashed arrow
//                         to the voted-for server, dots on the rim = peers that agree with the vote
//
// The strip shows each server's history by index, cells labelled with their zxid. The node panel
// keeps what ZooKeeper writes to disk (the history, acceptedEpoch, currentEpoch) apart from the
// election and synchronisation state. In the control bar: local / sync reads.
import { NODE_R, A, T, h, mk, f1, fitText, storeText } from '../render/draw.js';
import { timerArc, voteDots } from '../render/glyph.js';
import { Strip, indexLog, indexLogTitle } from '../render/strip.js';

const CSS = `
.node .zphase rect{fill-opacity:.2;stroke-width:1.5;fill:var(--m-other);stroke:var(--m-other)}
.node .zphase text{font-size:9.5px!important;font-weight:700;text-anchor:middle;letter-spacing:.03em}
.node .zph-election rect{fill:var(--m-vote);stroke:var(--m-vote)}.node .zph-discovery rect{fill:var(--m-prevote);stroke:var(--m-prevote)}
.node .zph-sync rect{fill:var(--m-snap);stroke:var(--m-snap)}.node .zph-broadcast rect{fill:var(--m-append);stroke:var(--m-append)}
.node .zph-crashed rect{fill:none;stroke:var(--muted);stroke-dasharray:2 2}
.node .sub.zlook{fill:var(--m-vote)!important}
.node .zvote line{stroke:var(--m-vote);stroke-width:1.6;stroke-dasharray:5 3}.node .zvote path{fill:var(--m-vote)}
.panel tr.zc td:last-child{color:var(--ok);font-weight:600}.panel tr.zu td{color:var(--muted)}.panel tr.zedge td{border-bottom:2px solid var(--ok)}
.zab-reads{display:inline-flex;align-items:center;gap:4px}.zr-note{font-size:12.5px;font-weight:600}.zr-note.ok{color:var(--ok)}.zr-note.no{color:var(--bad)}
`;

/** The frame's ZooKeeper states, as the element's data-role vocabulary (stable contract). */
const ROLE = { leading: 'leader', following: 'follower', looking: 'candidate' };
const LETTER = { LEADING: 'L', FOLLOWING: 'F', LOOKING: '?' };
const HISTORY_ROWS = 12;
/** Characters a line of the state line under the pill: longer ones wrap (the whole text is in the tooltip). */
const SUB_CHARS = 18;

/** The line under the phase pill: the server state, and while LOOKING its vote. */
function stateLine(z, id, leader) {
  if (z.state === 'LOOKING') {
    const v = z.vote;
    return v ? `LOOKING, votes ${v.leader === id ? 'itself' : 'n' + v.leader} (${v.zxid})` : 'LOOKING';
  }
  if (z.state === 'LEADING') return `LEADING e${z.epoch}${z.established ? '' : ' …'}`;
  return `FOLLOWING${leader == null ? '' : ' n' + leader}`;
}

/** The committed prefix of view v, in words. */
function prefix(v) {
  const z = v.zab, hist = z.history, ncommitted = hist.filter((x) => x.committed).length;
  const lastC = hist.length && ncommitted ? hist[ncommitted - 1] : null;
  return v.last_index === 0 ? 'empty history'
    : `#1–#${v.commit_index}${lastC ? ` (up to zxid ${lastC.zxid})` : z.commit_zxid !== '0:0' ? ` (up to zxid ${z.commit_zxid})` : ''}` +
      (v.last_index > v.commit_index ? `; #${v.commit_index + 1}–#${v.last_index} accepted, not committed` : '; nothing uncommitted');
}

export default {
  name: 'zab',
  css: CSS,
  // By phase (the same colours as the phase pills): election, discovery, sync, broadcast.
  families: { NOTIFICATION: 'vote', FOLLOWERINFO: 'prevote', NEWEPOCH: 'prevote', ACKEPOCH: 'prevote', DIFF: 'snap', TRUNC: 'snap', SNAP: 'snap',
    NEWLEADER: 'snap', UPTODATE: 'snap', PROPOSAL: 'append', ACK: 'append', COMMIT: 'append', PING: 'append', REQUEST: 'client', SYNC: 'client' },
  legend: [['NOTIFICATION (election)', 'k-vote'], ['FOLLOWERINFO / NEWEPOCH / ACKEPOCH (discovery)', 'k-prevote'],
    ['DIFF / TRUNC / SNAP / NEWLEADER / UPTODATE (sync)', 'k-snap'], ['PROPOSAL / ACK / COMMIT / PING (broadcast)', 'k-append'],
    ['L leading · F following · ? looking (dashed arrow = its vote) · 2:5 = zxid epoch:counter · pill = phase · ✕ crashed']],
  stripTitle: 'histories (cells = proposals labelled with their zxid epoch:counter; solid = committed prefix, dashed = accepted only)',

  /**
   * One ZAB server: classes and data attributes, the letter, the last zxid, the phase pill, the
   * state / vote line and the vote arrow; the timer arc, and vote dots while LOOKING.
   */
  glyph(r, nd, c) {
    const z = nd.zab, id = c.id, k = r.k, alive = c.alive, dots = r.dots.length;
    const role = alive ? ROLE[nd.role] || nd.role : 'crashed';
    let e = r.zab;
    if (!e) {
      const pill = mk('g', { class: 'zphase', transform: `translate(0,${NODE_R + 21})` }, r.g);
      // The arrow goes under everything else of the node; display (not visibility): a hidden arrow
      // must not stretch the node's bounding box. It is not part of the glyph's extent either.
      const arrow = mk('g', { class: 'zvote', display: 'none' });
      arrow.__noExt = true;
      r.g.insertBefore(arrow, r.g.firstChild);
      e = r.zab = { pill, rect: mk('rect', { y: '-7.5', height: '15', rx: '7.5' }, pill), txt: mk('text', { y: '3.5' }, pill),
        arrow, line: mk('line', {}, arrow), head: mk('path', {}, arrow) };
      A(r.sub, 'y', String(NODE_R + 41)); // pill and line below the vote dots (radius NODE_R + 11)
    }
    const p = c.p;
    const v = alive && z.state === 'LOOKING' && z.vote && z.vote.leader !== id ? z.vote.leader : null;
    const q = v == null ? null : c.L.nodes[v];
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
    timerArc(r, nd, c.t, alive, c.opt.reduced);
    voteDots(r, nd, c, alive && role === 'candidate');
    // The rest only when a new frame was pulled (views are new objects then) or the selection changed.
    if (k.zv === z && k.alive === alive && k.side === nd.side && k.sel === c.sel && k.drag === c.drag && k.sw === c.sw) return r.dots.length !== dots;
    k.zv = z; k.alive = alive; k.side = nd.side; k.sel = c.sel; k.drag = c.drag; k.sw = c.sw;
    const was = `${r.sub.__fit}|${e.txt.__t}`;
    A(r.g, 'data-role', role);
    A(r.g, 'data-side', String(nd.side));
    A(r.g, 'data-state', alive ? z.state : 'CRASHED');
    A(r.g, 'data-phase', alive ? z.phase : '');
    A(r.g, 'class', `node ${role} zab t${alive ? z.current_epoch % 6 : 0}${c.sel ? ' sel' : ''}${c.drag ? ' dragging' : ''}`);
    T(r.role, alive ? LETTER[z.state] || '?' : '✕');
    T(r.term, alive ? z.last_zxid : 'down');
    const phase = alive ? z.phase : 'CRASHED';
    A(e.pill, 'class', `zphase zph-${phase.toLowerCase()}`);
    A(e.rect, 'width', f1(phase.length * 6.7 + 12));
    A(e.rect, 'x', f1(-(phase.length * 6.7 + 12) / 2));
    T(e.txt, phase);
    fitText(r.sub, alive ? stateLine(z, id, nd.leader) : 'history on disk', SUB_CHARS);
    A(r.sub, 'class', alive && z.state === 'LOOKING' ? 'sub zlook' : 'sub');
    A(r.g, 'aria-label', alive
      ? `n${id}, ${z.state}, ${c.sw}, phase ${z.phase}` + (z.vote ? `, votes for n${z.vote.leader} (last zxid ${z.vote.zxid}, epoch ${z.vote.epoch}), round ${z.round}` : '') +
        (z.state === 'FOLLOWING' && nd.leader != null ? `, follows n${nd.leader}` : '') + (z.state === 'LEADING' ? `, epoch ${z.epoch}${z.established ? ' established' : ' not yet established'}` : '') +
        `; currentEpoch ${z.current_epoch}, acceptedEpoch ${z.accepted_epoch}, last zxid ${z.last_zxid}, committed to ${z.commit_zxid}`
      : `n${id}, crashed, ${c.sw} (durable: currentEpoch ${z.current_epoch}, acceptedEpoch ${z.accepted_epoch}, history to ${z.last_zxid})`);
    // The glyph's size: the state line, the pill, the vote dots.
    return `${r.sub.__fit}|${e.txt.__t}` !== was || r.dots.length !== dots;
  },

  panel: {
    title: (nd, c) => {
      const z = nd.zab;
      return c.alive ? `n${c.id} — ${z.state} · ${z.phase}${z.state === 'LEADING' ? (z.established ? ` (epoch ${z.epoch} established)` : ` (establishing epoch ${z.epoch})`) : ''}`
        : `n${c.id} — crashed`;
    },
    // Durable (ZooKeeper's transaction log and epoch files): the history with its committed count, both epochs.
    durable: (v) => [['currentEpoch', v.zab.current_epoch], ['acceptedEpoch', v.zab.accepted_epoch], ['last zxid', v.zab.last_zxid], ['committed prefix', prefix(v)]],
    summary: (v) => `currentEpoch ${v.zab.current_epoch}, acceptedEpoch ${v.zab.accepted_epoch}, history to ${v.zab.last_zxid}`,
    volatile: (nd) => {
      const z = nd.zab;
      return [
        ['state', `${z.state} (${{ LEADING: 'leader', FOLLOWING: 'follower', LOOKING: 'electing a leader' }[z.state]}), phase ${z.phase}`],
        ...(z.vote ? [['vote', `n${z.vote.leader}: last zxid ${z.vote.zxid}, epoch ${z.vote.epoch} (election round ${z.round})`],
          ['agreeing', nd.votes?.length ? nd.votes.map((x) => 'n' + x).join(' ') : 'nobody yet']] : [['leader', nd.leader == null ? '—' : 'n' + nd.leader]]),
        ['epoch', z.epoch || '— (electing)'],
        ...z.learners.map((l) => [`follower n${l.id}`, l.stage === 'synced' ? `synced by ${l.sync ?? '—'} · acked ${l.acked}`
          : l.stage === 'syncing' ? `${l.sync ?? 'sync'} + NEWLEADER sent (its last zxid was ${l.last}), waiting for its ACK`
            : 'FOLLOWERINFO received, in discovery']),
        ['store', storeText(nd.kv)],
      ];
    },
    lost: 'its state and phase, its vote, the leader it followed, the followers\' sync state',
    /** The history, the committed prefix marked (each row array may carry .cls). */
    table: (nd) => {
      const hist = nd.zab.history, log = nd.log || [], firstIdx = log.length ? log[0].index : 1;
      const from = Math.max(0, hist.length - HISTORY_ROWS);
      const table = [['#', 'zxid', 'proposal', hist.length > HISTORY_ROWS ? `last ${HISTORY_ROWS} of ${nd.last_index}` : 'history']];
      for (let k = from; k < hist.length; k++) {
        const x = hist[k], row = [`#${(log[k]?.index ?? firstIdx + k)}`, x.zxid, x.text, x.committed ? '✓ committed' : 'accepted'];
        row.cls = x.committed ? 'zc' : 'zu';
        // The boundary of the committed prefix, between the last committed and the first accepted row.
        if (x.committed && hist[k + 1] && !hist[k + 1].committed) row.cls += ' zedge';
        table.push(row);
      }
      return table;
    },
  },

  mount(ui) {
    const strip = new Strip(ui.strip, (i, col) => indexLogTitle(strip, i, col, (nd, e, k, alive) => {
      const x = nd.zab.history[k];
      if (!x) return '';
      const [ep, ctr] = x.zxid.split(':');
      return `#${e.index} zxid ${x.zxid} (epoch ${ep}, counter ${ctr}): ${x.text}` +
        (x.committed ? ' (committed)' : alive ? ' (accepted, not committed yet)' : ' (accepted, on disk)');
    }));
    // Local / sync reads: ZooKeeper answers a read at the server the client is connected to.
    const lab = h('label', { class: 'zab-reads', title: 'ZooKeeper answers a read at the server the client is connected to (sequentially consistent, may be stale); with sync() first the read sees every write committed before it' });
    const box = h('input', { class: 'zab-sync', type: 'checkbox' }, lab);
    lab.append(' sync before every read ');
    const note = h('span', { class: 'zr-note', 'aria-live': 'polite' }, lab);
    const say = () => {
      T(note, box.checked ? 'sync reads: linearizable' : 'local reads: may be stale');
      A(note, 'class', box.checked ? 'zr-note ok' : 'zr-note no');
    };
    box.addEventListener('change', () => {
      const on = box.checked;
      if (!ui.reconfigure({ sync_reads: on }, on ? 'sync reads: every read first sends SYNC to the leader and waits for it (linearizable)'
        : 'local reads: each server answers from its own state (sequentially consistent; may be stale)')) box.checked = !on;
      say();
    });
    ui.add('bar', lab);
    return {
      run: (sc) => { box.checked = !!sc.config?.sync_reads; say(); },
      strip: (f, opt) => indexLog(strip, f, opt, 'logs of all nodes, aligned by index', (nd, k) => nd.zab.history[k]?.zxid ?? ''),
      dispose: () => strip.dispose(),
    };
  },
};
