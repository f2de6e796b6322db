// The crash caption: when a server crashes, a note by it says what the crash lost — its volatile
// state (the view's `panel.lost`) and any durable field changed but not yet persisted: its running
// state at the crash (the frame's `nodes[].at_crash`) against the copy it restarts from (its view
// while crashed). It stays about four seconds of wall time while the
// run plays (two simulated seconds at most), until the server restarts, or until a jump in time.
import { lostLines, crashedState } from './node.js';

const SHOW_MS = 4000, SHOW_SIM_MS = 2000;

export default {
  name: 'crash',
  mount(host) {
    const notes = new Map(); // node id → caption lines, drawn by the renderer (Renderer.captions)
    const until = new Map(); // node id → performance.now() when it goes
    const at = new Map(); // node id → the simulated time of the crash
    host._drawOpt.lost = notes;
    const clear = () => { notes.clear(); until.clear(); at.clear(); };
    return {
      reset: clear,
      jumped: clear,
      notice(nt, prev, f) {
        if (nt.kind !== 'crashed' || nt.node == null || !host.view) return;
        notes.set(nt.node, lostLines(host.view, crashedState(nt.node, prev, f), { id: nt.node, alive: true, f: prev, vi: host.vi }));
        until.set(nt.node, null); // the clock starts with the first frame drawn while playing
        at.set(nt.node, nt.at);
      },
      frame(f) {
        if (!notes.size) return;
        const now = performance.now(), playing = !host.paused;
        for (const [id, t] of until) {
          if (playing && t == null) until.set(id, now + SHOW_MS);
          // Gone after four seconds of play, or two simulated seconds (a run advanced by hand or by a tutorial).
          if (f.nodes[id]?.alive || (playing && t != null && now > t) || f.now - (at.get(id) ?? f.now) > SHOW_SIM_MS) { notes.delete(id); until.delete(id); at.delete(id); }
        }
      },
    };
  },
};
