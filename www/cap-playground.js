/**
 * <cap-playground>: a consensus cluster you can partition with your mouse (or finger).
 *
 * STABLE CONTRACT (tests, the bench and embedding pages rely on it; change it only on purpose)
 *
 * Attributes
 *   protocol   one of PROTOCOLS (the manifest www/protocols.js)                   default "raft"
 *   nodes      number of servers, 1..9                                            default 5
 *   seed       whole number 0..2^53-1, or "random"                                default: scenario's / 1
 *   scenario   a file name from scenarios/ (e.g. "raft-minority-partition", resolved against this
 *              module's URL) or a URL ending in .json (resolved against the page). When set, the
 *              scenario decides protocol and nodes; `seed` still overrides its seed.
 *   speed      simulated ms per wall ms, 0.001..10                                default 0.1
 *   controls   "false" hides the control bar                                      default shown
 *   theme      "light" | "dark"                                                   default: prefers-color-scheme
 *   The element fills its container's width; given a height (CSS, flex or grid), it fills that box
 *   and scrolls inside (host.js). Its styles are a constructed stylesheet: it works under a strict CSP.
 *   paused     present → start paused (otherwise it plays while visible)
 *   share      present → this element reads its run from location.hash (`#r=…`; `share="k"` uses
 *              `#k=…`) and shows "copy link" (see travel.js). A bad link shows why and starts the default run.
 *   A bad value shows a message inside the element saying what is accepted.
 *
 * Shadow DOM (open) hooks
 *   [data-node-id="n3"]    each server's SVG group; also data-role (leader|follower|candidate|
 *                          pre_candidate|…|crashed) and data-side (index of its partition group,
 *                          "0" for all when healed). Focusable; arrow keys move it.
 *   [data-partition-line]  the partition line group (.hit = body, [data-handle="1"|"2"] = handles)
 *   [data-client-id="c0"]  each client glyph; also data-side. Focusable; arrow keys move it.
 *   [data-msg-id]          each message in flight
 *   [data-action=…]        buttons: toggle (play/pause), step, heal, reset, crash, restart, timeout,
 *                          verdict, timeline, workload, export-porcupine, export-edn, …
 *   .verdict[data-verdict] the consistency badge: data-verdict = linearizable_so_far | violation |
 *                          unknown | "" (not checked); click → the client timeline (witness)
 *   .capnote[data-cap]     one line on the CAP trade-off now: ap | cp | both | neither | ""
 *   .tl                    the client timeline (hidden until opened); .op.wit = witness bars
 *   [data-roles]           Paxos: role badges "PAL" on the node group; .sub = chosen value / ★ leader
 *   .log .row[data-node]   Paxos: slot table rows; rect[data-state] = proposed | accepted | chosen
 *   .ring, .pref           Dynamo: ring with tokens, the selected key's preference list (.ring-key)
 *   .diverge[data-divergent]  Dynamo: keys whose owners' digests disagree now; "converged in X ms"
 *   .nrw input             Dynamo: N / R / W sliders (.nrw-n/-r/-w), .nrw .q the quorum sentence
 *   [data-state] [data-phase]  ZAB: on the node group, LOOKING|FOLLOWING|LEADING|CRASHED and
 *                          ELECTION|DISCOVERY|SYNC|BROADCAST (data-role: leader|follower|candidate =
 *                          LOOKING|crashed); .zphase = the phase pill, .zvote = the vote arrow,
 *                          .term = last zxid "epoch:counter"; .zab-sync = the local / sync reads switch
 *
 * JS API (element methods)
 *   play(), pause(), paused (get), speed (get/set), advance(ms) → now, step() → bool,
 *   setPartition(groups)   groups: [["n0","n1","c0"],["n2",3,"c1"]]; also moves the drawn nodes
 *   heal(), crash(id), restart(id), timeout(id)   id: 2 or "n2"
 *   submit(op)             op: {client?: 0|"c0", f: "write"|"read"|"cas", key, value?, from?, to?}
 *   apply(action)          any scenario action, e.g. {action: "cut", from: "n0", to: "n1"}
 *   moveClient(client, node), dropMessage(id)
 *   state()                the current frame as plain JSON (the frame shape is documented in
 *                          README.md (Scripting API))
 *   history()              the client history (Jepsen-style)
 *   loadScenario(json)     object or JSON text; throws (and shows) a readable error. Same protocol bundle as
 *                          the current run: synchronous; another bundle: returns a Promise (rejected on error)
 *   configure(cfg)         live reconfiguration of every node (Dynamo: {n, r, w, sloppy_quorum,
 *                          last_writer_wins}); throws the simulator's readable error otherwise
 *   seek(ms) → now, seekEnd()   time travel: identical to running straight there; acting in the past forks.
 *                          A long replay runs in slices (progress bar, Cancel) and returns a Promise of
 *                          the time instead; more than 10 simulated minutes of replay asks first;
 *                          ms outside 0..360000000 (100 hours) throws a readable error
 *                          A replay of a minute or more runs on the same simulator built for speed
 *                          (pkg/<bundle>-fast/, fetched then; the element goes on running there)
 *   fastReplays            (get/set) false keeps long replays on the page's bundle   default true
 *   simulatorBuild         (get) "size" (the page's bundle) or "speed" (after a long replay)
 *                          A share link and the space-time panel need the simulator's full API,
 *                          pkg/<bundle>-full/ (size-built too): a page opening a link loads it instead of
 *                          pkg/<bundle>/, and opening the panel moves the run onto it first (same run)
 *   runTimeline()          {now, end, in_past, actions, applied, marks[{at, kind, text}], checkpoints, spacing}
 *   shareLink()            a URL that replays this run and lands at this moment (needs `share`)
 *   ready                  a Promise resolved when the current run exists
 *   metrics                {frames (rAF callbacks), lastFrameMs, frameTimes (ring, ms), frameIndex,
 *                           firstFrameMs, simTimeMs}
 *
 * DOM events (bubbling, composed)
 *   leader-elected      {node, term}
 *   partition-change    {groups}                   whenever the simulator's groups change
 *   client-op-complete  {client, request, label, outcome: "ok"|"fail"|"info", result, at, latency}
 *                       exactly once per completed operation (keyed by client + request id)
 *   error               {message, fatal}           fatal = the simulator panicked (banner shown)
 *
 *   [data-lost="n2"]       the crash caption by a server that just crashed: what the crash lost
 *   .np-dl dt.grp          the node panel's group heads: "durable state" (what a crash keeps: on disk)
 *                          and "volatile state" / "lost in the crash"; dd.unsaved = a durable field
 *                          changed in memory but not yet persisted (when the frame has nodes[].durable),
 *                          or, on a crashed server, lost in its crash (nodes[].at_crash)
 *
 * No work when idle: paused, page hidden or element disconnected → no rAF callback, no timer.
 * Never innerHTML with data: the static template is in element/styles.js; everything else is textContent.
 *
 * Where things are (www/): element/ (this element: lifecycle, loop, gestures, API; its template and
 * styles), render/ (the diagram; draw.js = the drawing helpers, a leaf module), protocols/ (one view
 * per protocol, loaded with its wasm bundle: the interface is protocols/README.md), panels/ (scoreboard,
 * timeline, time travel, node and message panels, …: panels/index.js says how to add one), pages/
 * (the demo pages' scripts). The list of protocols is written once, in protocols.js.
 */
import { CapPlayground, SCENARIOS, preload } from './element/playground.js';
import { setBase, NAMES, BUNDLE_OF, provideView } from './element/wasm.js';

// The app's files (pkg/, scenarios/, protocols/) are found next to this module, wherever it is served.
setBase(new URL('./', import.meta.url));

/** Every protocol the element accepts (names, from the manifest www/protocols.js). */
export const PROTOCOLS = NAMES;
export { BUNDLE_OF, SCENARIOS, CapPlayground };
/**
 * provideView(name, view): a page that knows which protocol it shows may import that protocol's
 * view (protocols/<name>.js) statically and hand it over, so the first run does not wait for the
 * element's own dynamic import of it (index.html does, for Raft: first frame, issue 20).
 */
export { provideView };
// For the protocol views loaded with their bundle: the drawing helpers, from this module, so that
// in dist/ (where render/draw.js is bundled in) the views use the same instance.
export * from './render/draw.js';

// The wasm first: its download and compilation (streamed, off the main thread) then overlap the
// elements' construction that `define` runs (about 10 ms on the default page's first frame).
preload();
if (!customElements.get('cap-playground')) customElements.define('cap-playground', CapPlayground);
