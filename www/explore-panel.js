/**
 * "Find a bug": the exhaustive explorer (src/explore/) for the element's protocol, in a panel,
 * with random walks (src/explore/walk.rs) for bugs deeper than a search can reach.
 *
 * Loaded only when the reader presses *find a bug* (the element imports this module then, and
 * this module starts a Web Worker, explore-worker.js, which fetches the explorer's own wasm bundle
 * pkg/explore/): nothing here is part of a page's first download.
 *
 * The reader sets the bounds (servers, clients, operations, depth, timer firings, crashes,
 * partition changes, loss, a state limit) and a seeded bug, presses *search*, and sees a live
 * count of states and states per second, a progress bar against the state limit, and an honest
 * label: "exhaustive" only when every state within the bounds was explored. In *random walks*
 * mode the explorer takes seeded random walks of at most `depth` steps instead (a sample, labelled
 * so: "no violation in N random walks (a sample, not exhaustive)"), and a walk that breaks an
 * invariant is shrunk before it is shown. On a violation the
 * counterexample opens in the element as a run to step through (explicit schedule: each *step*
 * is one of the explorer's steps), the violated invariant is named in words, the steps are
 * listed, and a share link reproduces it. *stop* terminates the worker at once.
 *
 * Hooks: section.explore, [data-x=…] inputs (select[data-x=mode]: search|walks), [data-action=
 * x-start|x-stop], progress.x-bar,
 * .x-label[data-state=running|exhaustive|depth_limited|state_limit|sampled|violation|error], .x-count,
 * .x-invariant, ol.x-steps, input.x-share.
 */

const FIELDS = [
  ['nodes', 'servers', 3, 1, 5], ['clients', 'clients', 1, 0, 3], ['ops', 'ops each', 1, 0, 4],
  ['depth', 'depth ≤', '', 1, 1000], ['timers', 'timer firings ≤', 2, 0, 1000], ['crashes', 'crashes', 0, 0, 3],
  ['partitions', 'partition changes', 0, 0, 4], ['max_states', 'state limit', 200000, 1, 5000000],
  ['walks', 'walks', 100000, 1, 1000000000], ['seed', 'seed', 1, 0, 9007199254740991],
];
/** Inputs that belong to one mode only. */
const ONLY = { max_states: 'search', walks: 'walks', seed: 'walks' };

const CSS = `
section.explore { border: 1px solid var(--line, #8886); border-radius: 6px; padding: 6px 8px; margin: 4px 0; font-size: 13px; }
section.explore h3 { margin: 0 0 4px; font-size: 14px; }
section.explore .x-row { display: flex; flex-wrap: wrap; gap: 4px 10px; align-items: center; margin: 3px 0; }
section.explore input[type=number] { width: 5.5em; }
section.explore progress { width: 12em; }
section.explore .x-label[data-state=violation] { font-weight: bold; color: var(--bad, #b00020); }
section.explore .x-label[data-state=exhaustive], section.explore .x-label[data-state=depth_limited] { font-weight: bold; }
section.explore ol.x-steps { max-height: 12em; overflow: auto; margin: 4px 0; padding-left: 2.5em; }
section.explore .x-share { width: 100%; }
`;

function el(tag, props = {}, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === 'text') e.textContent = v;
    else if (k.includes('-') || k === 'type' || k === 'min' || k === 'max') e.setAttribute(k, v);
    else e[k] = v;
  }
  for (const k of kids) e.append(k);
  return e;
}

const panels = new WeakMap();

/** Open the panel in `host` (a <cap-playground>), or close it if open. Returns the panel. */
export function togglePanel(host) {
  const open = panels.get(host);
  if (open) {
    open.close();
    panels.delete(host);
    return null;
  }
  const p = new Panel(host);
  panels.set(host, p);
  return p;
}

class Panel {
  constructor(host) {
    this.host = host;
    this.worker = null;
    const root = host.shadowRoot;
    if (!root.__exploreCss) {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS);
      root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
      root.__exploreCss = true;
    }
    this.protocol = host.state().protocol;
    const inputs = {};
    const labels = {};
    const fields = FIELDS.map(([key, label, value, min, max]) => {
      inputs[key] = el('input', { type: 'number', min: String(min), max: String(max), value: String(value), 'data-x': key, 'aria-label': label });
      return (labels[key] = el('label', {}, `${label} `, inputs[key]));
    });
    this.mode = el('select', { 'data-x': 'mode', 'aria-label': 'how to search' },
      el('option', { value: 'search', text: 'every schedule (breadth-first)' }),
      el('option', { value: 'walks', text: 'random walks (a sample)' }));
    this.title = el('h3');
    const showMode = () => {
      const m = this.mode.value;
      for (const [k, only] of Object.entries(ONLY)) labels[k].hidden = only !== m;
      this.title.textContent = m === 'walks'
        ? `Find a bug in ${this.protocol}: seeded random walks, each at most "depth ≤" steps (a sample, not a proof)`
        : `Find a bug in ${this.protocol}: every schedule within these bounds`;
    };
    this.mode.addEventListener('change', showMode);
    this.loss = el('input', { type: 'checkbox', 'data-x': 'loss' });
    this.bug = el('select', { 'data-x': 'unsafe', 'aria-label': 'seeded bug' });
    this.bug.append(el('option', { value: '', text: 'none (the protocol as written)' }));
    // The protocol's seeded bugs come with its view (protocols/<view>.js: `explore`).
    const switches = (host.view && host.view.explore) || [];
    for (const [name, label] of switches) this.bug.append(el('option', { value: name, text: label }));
    this.bug.addEventListener('change', () => {
      const s = switches.find(([n]) => n === this.bug.value);
      if (!s) return;
      this.mode.value = s[2].mode || 'search';
      for (const [k, v] of Object.entries(s[2])) if (inputs[k]) inputs[k].value = String(v);
      showMode();
    });
    this.inputs = inputs;
    this.start = el('button', { type: 'button', 'data-action': 'x-start', text: 'search' });
    this.stop = el('button', { type: 'button', 'data-action': 'x-stop', text: 'stop', disabled: true });
    this.bar = el('progress', { className: 'x-bar', max: 1, value: 0, 'aria-label': 'distinct states against the state limit' });
    this.label = el('span', { className: 'x-label', 'aria-live': 'polite', text: 'not started' });
    this.count = el('span', { className: 'x-count' });
    this.invariant = el('p', { className: 'x-invariant', hidden: true });
    this.steps = el('ol', { className: 'x-steps', hidden: true });
    this.share = el('input', { className: 'x-share', readOnly: true, hidden: true, 'aria-label': 'share link to the counterexample' });
    this.section = el('section', { className: 'explore', 'aria-label': 'find a bug' },
      this.title,
      el('div', { className: 'x-row' }, el('label', {}, 'search ', this.mode), ...fields, el('label', {}, this.loss, ' message loss')),
      el('div', { className: 'x-row' }, el('label', {}, 'seeded bug ', this.bug), this.start, this.stop),
      el('div', { className: 'x-row' }, this.bar, this.label, this.count),
      this.invariant, this.steps, this.share);
    this.start.addEventListener('click', () => this.run());
    this.stop.addEventListener('click', () => this.halt('stopped by you: not exhaustive', 'state_limit'));
    showMode();
    const bar = root.querySelector('.controls');
    (bar ? bar.after(this.section) : root.append(this.section));
  }

  spec() {
    const num = (k) => {
      const v = this.inputs[k].value.trim();
      if (v === '') return null;
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0) throw new Error(`${k}: "${v}" is not a whole number`);
      return n;
    };
    return {
      protocol: this.protocol, nodes: num('nodes') ?? 3, clients: num('clients') ?? 0, ops: num('ops') ?? 0,
      depth: num('depth'), timers: num('timers'), crashes: num('crashes') ?? 0, partitions: num('partitions') ?? 0,
      loss: this.loss.checked, dfs: false, symmetry: false, unsafe_switches: this.bug.value ? [this.bug.value] : [],
      max_states: num('max_states') ?? 200000,
      walks: this.mode.value === 'walks' ? (num('walks') ?? 100000) : null, seed: num('seed') ?? 1,
    };
  }

  setLabel(state, text) {
    this.label.dataset.state = state;
    this.label.textContent = text;
  }

  run() {
    let spec;
    try { spec = this.spec(); } catch (e) { return this.setLabel('error', e.message); }
    this.halt();
    this.invariant.hidden = this.steps.hidden = this.share.hidden = true;
    this.steps.replaceChildren();
    this.bar.max = spec.walks ?? spec.max_states;
    this.bar.value = 0;
    this.setLabel('running', spec.walks ? 'walking… a sample, not exhaustive' : 'searching… not exhaustive yet');
    this.start.disabled = true;
    this.stop.disabled = false;
    const w = new Worker(new URL('./explore-worker.js', import.meta.url), { type: 'module' });
    this.worker = w;
    w.onmessage = (ev) => this.onMessage(ev.data, spec);
    w.onerror = (ev) => this.halt(`the explorer failed: ${ev.message || 'worker error'}`, 'error');
    w.postMessage({ spec });
  }

  halt(text, state) {
    if (this.worker) this.worker.terminate();
    this.worker = null;
    this.start.disabled = false;
    this.stop.disabled = true;
    if (text) this.setLabel(state, text);
  }

  onMessage(m, spec) {
    if (m.type === 'error') return this.halt(m.message, 'error');
    const p = m.progress, s = p.stats, secs = p.elapsed / 1000;
    const n = (x) => x.toLocaleString('en');
    if (spec.walks) {
      this.bar.value = Math.min(s.walks, spec.walks);
      this.count.textContent = `${n(s.walks)} walks · ${n(s.generated)} steps · deepest ${s.max_depth} · ` +
        `${n(secs > 0 ? Math.round(s.generated / secs) : 0)} steps/s`;
    } else {
      this.bar.value = Math.min(s.distinct, spec.max_states);
      this.count.textContent = `${n(s.distinct)} distinct · ${n(s.generated)} generated · ` +
        `depth ${s.max_depth} · ${n(secs > 0 ? Math.round(s.distinct / secs) : 0)} states/s · ~${p.bytes_per_state} B/state`;
    }
    if (m.type !== 'done') return;
    this.halt();
    switch (p.status) {
      case 'exhaustive': return this.setLabel('exhaustive', 'no violation within these bounds (exhaustive)');
      case 'depth_limited': return this.setLabel('depth_limited', `no violation within these bounds (exhaustive to depth ${spec.depth})`);
      case 'state_limit': return this.setLabel('state_limit', `stopped at ${spec.max_states.toLocaleString('en')} states (not exhaustive)`);
      case 'sampled': return this.setLabel('sampled', `no violation in ${n(s.walks)} random walks of at most ${spec.depth} steps (a sample, not exhaustive)`);
      case 'violation': return this.showViolation(p, m.progress.counterexample, spec);
    }
  }

  async showViolation(p, cx, spec) {
    this.bar.value = this.bar.max;
    this.setLabel('violation', spec.walks
      ? `violation found by walk ${p.stats.walks.toLocaleString('en')}: ${p.invariant} (the walk shrunk to ${cx?.steps.length ?? '?'} steps)`
      : `violation found: ${p.invariant}`);
    this.invariant.hidden = false;
    this.invariant.textContent = `${p.invariant} is broken: ${p.detail}`;
    this.steps.replaceChildren(...(cx?.steps || []).map((t) => el('li', { text: t })));
    this.steps.hidden = false;
    if (!cx?.scenario) return;
    try {
      await this.host.loadScenario(cx.scenario);
      this.host.pause();
      // Run it to its end once, for a share link that lands on the violation, then go back to
      // its start (time travel) for the reader to step through.
      this.host.advance(JSON.parse(cx.scenario).until);
      this.share.value = this.host.shareLink();
      this.share.hidden = false;
      this.host.seek(0);
      this.host.speed = 10;
      this.invariant.textContent += ` — the counterexample is loaded above, paused: press step (or drag the timeline) to go through its ${cx.steps.length} steps.`;
    } catch (e) {
      this.invariant.textContent += ` (could not open it in the playground: ${e.message})`;
    }
  }

  close() {
    this.halt();
    this.section.remove();
  }
}
