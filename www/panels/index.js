// The panels of <cap-playground>: everything drawn around the diagram that is not a protocol's own
// (those come with its view, www/protocols/README.md). Adding a panel = one module + one line in
// PANELS below; the element calls every panel at the same points of its life:
//
//   default export { name, mount(host) → instance }     mount: once, when the element is created
//   instance (every member optional):
//     reset(scenario)         a new run exists (its scenario object; host.pg is the simulator,
//                             host.view its protocol's view; its first frame follows)
//     frame(f, t, slow)       a frame was drawn: f the frame, t the render time (simulated ms);
//                             slow = one of the ~10 Hz frames: do DOM work only then
//     notice(nt, prev, f)     a simulator notice (crashed, leader_elected, …) arrived; prev = the
//                             frame before it, f = the frame that brought it
//     jumped()                time travel moved the run (a seek): no notices for what was skipped
//     actions                 { [data-action]: () => … } for buttons anywhere in the element's shadow
//                             root (errors are shown in the status line)
//     dispose()               the element is gone for good (never called yet: elements keep theirs)
//   host (the element): its public API (README: Scripting API) plus $(selector) (the shadow root),
//   f (the last frame), layout, view / vi (the protocol's view and its instance), _sim(fn) (call the
//   simulator; a panic is shown), _say(text, warn) (the status line), _draw() (redraw now),
//   _drawOpt (what the renderer is given).
// A panel's DOM either lives in the static template (element/styles.js) or is created by the panel
// (then it adopts its CSS with adoptCss from render/draw.js).
import node from './node.js';
import crash from './crash.js';
import message from './message.js';
import score from './score.js';
import timeline from './timeline.js';
import workload from './workload.js';
import findBug from './find-bug.js';
import { Travel } from './travel.js';
import { appUrl } from '../element/wasm.js';

/** Time travel (the scrubber under the diagram, share links): reset per run, updated on slow frames. */
const travel = {
  name: 'travel',
  mount(host) {
    const tr = new Travel(host);
    return Object.assign(tr, { frame(f, t, slow) { if (slow) tr.update(); } });
  },
};

/**
 * The space-time diagram (panels/spacetime.js): loaded the first time it is asked for (its button,
 * an export, the `view` attribute, a tutorial), by a variable URL so that no bundler takes it into
 * a page's first download; until then this stub is all there is. load() → the panel's instance.
 */
const spacetime = {
  name: 'spacetime',
  mount(host) {
    let inst = null, loading = null;
    // It reads the space-time record, which only the full API has: the run moves onto it first
    // (pkg/<bundle>-full/, element._toFullApi), while the panel's module loads.
    const load = () => (inst ? Promise.resolve(inst) : (loading ??= Promise.all([import(appUrl('./panels/spacetime.js').href), host._toFullApi('opening the space-time panel')])
      .then(([m, full]) => {
        if (!full) throw new Error('the space-time panel was not opened: the run did not move onto the simulator that records it (cancelled)');
        return (inst = m.default.mount(host));
      }).catch((e) => { loading = null; throw e; })));
    const later = (fn) => () => load().then(fn).catch((e) => host._say(e.message, true));
    const own = {
      spacetime: later((p) => p.open(!p.isOpen)),
      'export-shiviz': later((p) => p.exportShiviz()),
      'export-svg': later((p) => p.exportSvg()),
    };
    return {
      load,
      get instance() { return inst; },
      reset(sc) { inst?.reset(sc); },
      frame(f, t, slow) { inst?.frame(f, t, slow); },
      jumped() { inst?.jumped(); },
      get actions() { return inst ? { ...inst.actions, ...own } : own; },
    };
  },
};

/** Every panel, in the order they are updated. */
export const PANELS = [score, timeline, travel, node, message, crash, workload, findBug, spacetime];
