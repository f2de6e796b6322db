// Frames as the element pulls them from the simulator (the wasm side hands over JSON text): a full
// frame, or the animation loop's light one with the slow parts carried over from the last frame.
// A leaf module (no imports), so the carrying-over rules run in node (tests/js/frames.test.mjs).

/** The frame as a plain object. */
export const frameOf = (pg) => JSON.parse(pg.frameJson());

/**
 * Between full frames the loop pulls a light one (no node logs and stores, no ops or per-side
 * scoreboard: the bulk of a busy frame, drawn only ~10 times a second) and carries those over
 * from the last frame, so the element's frame keeps the whole shape.
 *
 * A server that crashed or restarted since the last frame has nothing to carry over: its view
 * switched between its running state and its persisted copy (a crashed server's view is that
 * copy, and it has no `durable` of its own), so the last frame's log, store and copy are another
 * state's. Then the frame is a full one: a crashed server never shows the log it had running, nor
 * the persisted copy from before its crash as its `durable`.
 */
export const lightFrameOf = (pg, prev) => {
  const f = JSON.parse(pg.lightFrameJson());
  if (f.nodes.length !== prev.nodes.length || f.nodes.some((nd, i) => nd.alive !== prev.nodes[i].alive)) return frameOf(pg);
  f.ops = prev.ops;
  f.sides = prev.sides;
  f.nodes.forEach((nd, i) => {
    const p = prev.nodes[i];
    if (nd.log) { nd.log = p.log; nd.kv = p.kv; }
    // The persisted copy of a running server (nodes[].durable), stripped the same way.
    if (nd.durable && p.durable) { nd.durable.log = p.durable.log; nd.durable.kv = p.durable.kv; }
    // A crashed server's running state at the crash (nodes[].at_crash), the same.
    if (nd.at_crash && p.at_crash) { nd.at_crash.log = p.at_crash.log; nd.at_crash.kv = p.at_crash.kv; }
  });
  return f;
};
