// Raft's view (In Search of an Understandable Consensus Algorithm, Ongaro & Ousterhout 2014),
// loaded with the raft wasm bundle. The interface every view implements is in ./README.md.
//
//        n2            ← server id
//      ( L  )          ← L leader · C candidate · P pre-candidate · F follower · ✕ crashed
//      ( T3 )          ← its term, which also picks the body's colour
//                      arc = election timer draining; dots on a candidate's rim = votes granted
//
// The node panel follows Figure 2: persistent state (currentTerm, votedFor, log[]; and the snapshot,
// §7) apart from volatile state (commitIndex, the role, the leader's nextIndex / matchIndex).
import { A, T, storeText } from '../render/draw.js';
import { timerArc, voteDots } from '../render/glyph.js';
import { Strip, indexLog, indexLogTitle } from '../render/strip.js';

const LETTER = { leader: 'L', candidate: 'C', pre_candidate: 'P', follower: 'F' };
const WORD = { pre_candidate: 'pre-candidate' };
/** The role in words: "pre-candidate", "leader", … */
export const roleWord = (r) => WORD[r] || (r || 'unknown').replace(/_/g, ' ');
const logText = (v) => {
  const lg = v.log || [];
  return v.last_index ? `#1–#${v.last_index}${lg.length ? ` (last term ${lg[lg.length - 1].term})` : ''}` : 'empty';
};
const vote = (v) => (v.voted_for == null ? 'nobody' : 'n' + v.voted_for);

export default {
  name: 'raft',
  css: '',
  families: null, // RequestVote / PreVote / AppendEntries / InstallSnapshot: their names say it (draw.js's family())
  legend: [['vote', 'k-vote'], ['pre-vote', 'k-prevote'], ['append / heartbeat', 'k-append'], ['snapshot', 'k-snap'],
    ['L leader · C candidate · F follower · ✕ crashed · T = term']],
  stripTitle: 'logs (cells = entries, number = term; solid = committed)',
  // Its seeded bugs (src/protocol/raft: Protocol::UNSAFE_SWITCHES) with bounds that find them quickly.
  explore: [
    ['no-election-restriction', 'Raft without the election restriction (§5.4.1)', { clients: 0, ops: 0 }],
    ['local-reads', 'Raft answering reads locally', { clients: 2, ops: 1, timers: 1 }],
    // Figure 8 lies deeper than breadth-first search reaches: random walks find it (walk.rs).
    ['commit-old-terms', 'Raft committing old-term entries by counting (Figure 8)', { clients: 0, ops: 0, timers: 4, depth: 40, mode: 'walks', walks: 2000000, seed: 1 }],
    ['no-persist-vote', 'Raft granting a vote before votedFor is on disk (Figure 2)', { clients: 0, ops: 0, crashes: 1, timers: 2 }],
  ],

  glyph(r, nd, c) {
    const role = c.alive ? nd.role : 'crashed', k = r.k, dots = r.dots.length;
    if (k.role !== role || k.term !== nd.term || k.side !== nd.side || k.ci !== nd.commit_index || k.sel !== c.sel || k.drag !== c.drag || k.sw !== c.sw) {
      k.role = role; k.term = nd.term; k.side = nd.side; k.ci = nd.commit_index; k.sel = c.sel; k.drag = c.drag; k.sw = c.sw;
      A(r.g, 'data-role', role);
      A(r.g, 'data-side', String(nd.side));
      A(r.g, 'class', `node ${role} t${c.alive ? nd.term % 6 : 0}${c.sel ? ' sel' : ''}${c.drag ? ' dragging' : ''}`);
      T(r.role, c.alive ? LETTER[role] || (role ? role[0].toUpperCase() : '?') : '✕');
      T(r.term, c.alive ? 'T' + nd.term : 'down');
      A(r.g, 'aria-label', c.alive ? `n${c.id}, ${roleWord(role)}, term ${nd.term}, ${c.sw}, commit index ${nd.commit_index}`
        : `n${c.id}, crashed, ${c.sw} (durable state: term ${nd.term ?? '?'}, log to #${nd.last_index ?? 0})`);
    }
    timerArc(r, nd, c.t, c.alive, c.opt.reduced);
    voteDots(r, nd, c, c.alive && (role === 'candidate' || role === 'pre_candidate'));
    // Its size changes only when the vote dots are first drawn (the letter and term stay in the circle).
    return r.dots.length !== dots;
  },

  panel: {
    title: (nd, c) => (c.alive ? `n${c.id} — ${roleWord(nd.role)}, term ${nd.term}` : `n${c.id} — crashed`),
    durable: (v) => [['currentTerm', v.term], ['votedFor', vote(v)], ['log', logText(v)], ['snapshot', v.snapshot_index ? `to #${v.snapshot_index}` : 'none']],
    summary: (v) => `term ${v.term}, voted for ${vote(v)}, log ${logText(v)}` + (v.snapshot_index ? `, snapshot to #${v.snapshot_index}` : ''),
    volatile: (nd) => [
      ['role', roleWord(nd.role)], ['leader', nd.leader == null ? '—' : 'n' + nd.leader], ['commitIndex', nd.commit_index],
      ['election timer', nd.timer ? `fires at ${nd.timer[1]} ms` : '—'], ['votes', nd.votes?.length ? nd.votes.map((x) => 'n' + x).join(' ') : '—'],
      ['store', storeText(nd.kv)],
    ],
    lost: 'role, leader, commit index, votes, timers',
    table: (nd, c) => (c.alive && nd.peers?.length ? [['peer', 'next', 'match'], ...nd.peers.map((p) => ['n' + p.id, String(p.next_index), String(p.match_index)])] : null),
  },

  mount(ui) {
    const strip = new Strip(ui.strip, (i, col) => indexLogTitle(strip, i, col, (nd, e, k, alive) =>
      `#${e.index} term ${e.term}: ${e.text}${!alive ? ' (on disk; the commit index is not)' : e.committed ? ' (committed)' : ' (not committed)'}`));
    return {
      strip: (f, opt) => indexLog(strip, f, opt, 'logs of all nodes, aligned by index', (nd, k) => nd.log[k].term),
      dispose: () => strip.dispose(),
    };
  },
};
