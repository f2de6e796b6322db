// The crash caption: when a server crashes, a note by it says what the crash lost — its volatile
// state (the view's `panel.lost`) and any durable field changed but not yet persisted (when the frame
// carries the persisted copy, `nodes[].durable`). It stays about four seconds of wall time while the
// run plays, until the server restarts, or until a jump in time.
import { lostLines } from './node.js';

const SHOW_MS = 4000;

export default {
  name: 'crash',
  mount(host) {
    const notes = new Map(); // node id → caption lines, drawn by the renderer (Renderer.captions)
    const until = new Map(); // node id → performance.now() when it goes
    host._drawOpt.lost = notes;
    const clear = () => { notes.clear(); until.clear(); };
    return {
      reset: clear,
      jumped: clear,
      notice(nt, prev) {
        if (nt.kind !== 'crashed' || nt.node == null || !host.view) return;
        const nd = prev?.nodes[nt.node];
        notes.set(nt.node, lostLines(host.view, nd?.alive ? nd : null, { id: nt.node, alive: true, f: prev, vi: host.vi }));
        until.set(nt.node, null); // the clock starts with the first frame drawn while playing
      },
      frame(f) {
        if (!notes.size) return;
        const now = performance.now(), playing = !host.paused;
        for (const [id, t] of until) {
          if (playing && t == null) until.set(id, now + SHOW_MS);
          if (f.nodes[id]?.alive || (playing && t != null && now > t)) { notes.delete(id); until.delete(id); }
        }
      },
    };
  },
};
