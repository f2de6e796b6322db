// The scoreboard beside the diagram: per side of the partition, availability, operations ok /
// failed / unknown and latency since the partition last changed; the consistency verdict badge,
// stale reads and lost writes; and one line reading the CAP trade-off off them.
import { A, T, h } from '../render/draw.js';

/** The live verdict and its witness, whatever nesting the frame uses. */
export function verdictOf(f) {
  const live = f.consistency?.live, v = live?.verdict;
  return { verdict: live ? (typeof v === 'string' ? v : v?.verdict ?? null) : null, witness: live?.witness ?? v?.witness ?? null };
}
const sideName = (s) => 'ABCDEFGH'[s] || s;

export default {
  name: 'score',
  mount(host) {
    const $ = host.$, box = $('.score');
    let cols = null;
    const score = (f) => {
      const sides = f.sides || [];
      if (!cols || cols.length !== sides.length) {
        cols = sides.map((s, i) => {
          const col = h('div', { class: `col s${i}` });
          return { col, head: h('span', {}, col), big: h('b', {}, col), ops: h('span', {}, col), lat: h('span', {}, col) };
        });
        box.replaceChildren(...cols.map((c) => c.col));
      }
      const t0 = f.sides_since || 0;
      T($('.since'), (t0 ? `operations invoked since t = ${(t0 / 1000).toFixed(1)} s, when the partition last changed` : 'operations since the start')
        + (sides.length ? '' : ': none yet'));
      sides.forEach((s, i) => {
        const c = cols[i];
        const members = [...f.nodes.filter((n) => n.side === s.side).map((n) => 'n' + n.id), ...f.clients.filter((x) => x.side === s.side).map((x) => 'c' + x.id)];
        T(c.head, f.groups.length <= 1 ? 'whole cluster' : `side ${sideName(s.side)}: ${members.join(' ')}`);
        const av = s.availability, up = av != null && av >= 80, down = av != null && av < 50;
        T(c.big, av == null ? '— available' : `${up ? '✓' : down ? '✕' : '~'} ${Math.round(av)}% available`);
        T(c.ops, `✓ ${s.ok} ok · ✕ ${s.failed} failed · ? ${s.unknown} unknown${s.pending ? ` · ${s.pending} waiting` : ''}`);
        T(c.lat, s.p50 == null ? 'latency —' : `latency p50 ${s.p50} · p99 ${s.p99} ms`);
        A(c.col, 'class', `col s${i}${down ? ' stalled' : up ? ' up' : av != null ? ' mid' : ''}`);
      });
      consistency(f, sides);
    };
    /** The verdict badge, stale reads / lost writes and the one-line CAP reading. */
    const consistency = (f, sides) => {
      const c = f.consistency || {}, { verdict } = verdictOf(f), n = c.checked_ops ?? 0;
      const b = $('.verdict');
      const [cls, big, sub] = verdict === 'linearizable_so_far' ? ['ok', '✓ linearizable so far', `checked ${n} ops${c.capped ? ` (first ${n} ops; later ones not checked)` : ''}`]
        : verdict === 'violation' ? ['bad', '✕ violation: not linearizable', verdictOf(f).witness ? 'click to see the operations that cannot be ordered' : 'finding and checking the operations that cannot be ordered…']
        : verdict === 'unknown' ? ['unk', '? unknown', c.live?.verdict?.reason ?? `the checker ran out of budget on ${n} ops`]
        : ['none', 'consistency not checked', 'no live checker for this run'];
      A(b, 'class', `verdict ${cls}`);
      A(b, 'data-verdict', verdict || '');
      A(b, 'aria-label', `consistency: ${big.slice(2)}; ${sub}`);
      T($('.v-big'), big);
      T($('.v-sub'), sub);
      const st = $('.c-stale'), lw = $('.c-lost');
      T(st, `stale reads ${c.stale_reads ?? 0}`); A(st, 'class', c.stale_reads ? 'c-stale warn' : 'c-stale');
      T(lw, `lost writes ${c.lost_writes ?? 0}`); A(lw, 'class', c.lost_writes ? 'c-lost warn' : 'c-lost');
      // CAP at a glance, under a partition, once every side has completed something.
      const note = $('.capnote'), cut = f.groups.length > 1;
      let kind = '', text = '';
      if (cut && sides.length > 1 && sides.every((s) => s.availability != null)) {
        const all = sides.length === 2 ? 'Both sides' : 'Every side';
        const up = sides.every((s) => s.availability >= 80), down = sides.filter((s) => s.availability < 50);
        const bad = verdict === 'violation' || c.stale_reads > 0 || c.lost_writes > 0;
        const which = down.map((s) => sideName(s.side)).join(', ');
        if (up && bad) { kind = 'ap'; text = `${all} available (≥ 80 %), but consistency is given up: AP.`; }
        else if (up) { kind = 'both'; text = `${all} available (≥ 80 %) and linearizable so far.`; }
        else if (down.length && !bad) { kind = 'cp'; text = `Side ${which} unavailable (< 50 %), the history stays linearizable: CP.`; }
        else if (down.length) { kind = 'neither'; text = `Side ${which} unavailable and consistency violated.`; }
      }
      T(note, text);
      A(note, 'class', `capnote ${kind}`);
      A(note, 'data-cap', kind);
    };
    return {
      reset() { cols = null; },
      frame(f, t, slow) { if (slow) score(f); },
    };
  },
};
