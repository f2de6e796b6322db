// Time travel and share links for <cap-playground>: a timeline slider with the run's events
// marked on it, the "you are in the past" state, and the `#r=` fragment (copy link / open link).
// The recorded run, its checkpoints and the replay live in Rust (src/sim/travel.rs,
// src/sim/share.rs); this file only draws and translates gestures.
//
// Which element reads the URL: only one with the `share` attribute. `share` alone uses the key
// `r` (`page.html#r=1.raft.…`); `share="left"` uses `#left=…`, so several elements on one page
// can each have a link (the fragment holds `key=value` pairs joined by `&`). Elements without
// `share` never read location.hash and show no "copy link" button.
import { A, T } from '../render/draw.js';
import { appUrl, loadWasm, loadFastWasm, hasFullApi, isRestIn } from '../element/wasm.js';

const NS = 'http://www.w3.org/2000/svg';
const W = 640, H = 18;
/**
 * Long replays (issue 18): a seek or a link replay runs as slices of the simulator's seekSlice /
 * seekEndSlice, one per task, with a progress bar and Cancel; beyond the bounds (travelLimits() in
 * src/wasm/travel.rs: more than `confirm_ms` of simulated time to replay, 10 minutes; or
 * `ask_events` events processed without arriving) the reader is asked first, inside the element.
 * A seek's first slice runs at once: a short seek returns the time as before.
 *
 * Fast replays (issue 20): a page downloads its protocol's bundle built for size. A replay of
 * FAST_MIN_MS of simulated time or more runs on the same Rust built for speed instead
 * (pkg/<bundle>-fast/, fetched then, once per page: loadFastWasm), when replaying the whole run
 * there from t = 0 costs less than the replay here would: the run travels as its share link (the
 * same scenario, seed and actions, so the same trace), replays there with the same progress bar
 * and Cancel, and the element then keeps running on it. If it cannot load, the page's bundle
 * replays as before.
 */
const FIRST_BUDGET = 3000; // events in the slice seek() runs at once
const FAST_MIN_MS = 60000; // simulated ms of replay from which the speed-built bundle is worth its download
const FAST_GAIN = 1.7; // its events per second over the page bundle's (npm run bench, section 2c)
const FAST_NOTE = ' · on the speed-built simulator';
const SLICE_MS = 12; // the wall time a slice aims at (its event budget adapts)
const DEFAULT_LIMITS = { max_run_ms: 360000000, confirm_ms: 600000, ask_events: 2000000 };
const KINDS = ['commit', 'leader', 'partition', 'heal', 'crash', 'restart', 'action', 'violation', 'stale', 'lost'];
const KIND_WORD = { commit: 'commit', leader: 'leader elected', partition: 'partition', heal: 'heal', crash: 'crash', restart: 'restart', action: 'your action', violation: 'invariant violated', stale: 'stale read', lost: 'lost write' };

// One string per line in the source, none in the built file (dist/ keeps template literals verbatim).
export const TRAVEL_CSS = [
  '.travel{margin:2px 0 4px;font-size:12.5px;color:var(--muted)}',
  '.tt-row{display:flex;align-items:center;gap:8px}',
  '.tt-track{position:relative;flex:1;min-width:0}',
  '.tt-range{width:100%;margin:0;padding:0;display:block;accent-color:var(--accent)}',
  '.tt-marks{display:block;width:100%;height:18px;cursor:pointer}',
  '.tt-marks path{fill:none;stroke-width:1.6}',
  '.tt-marks .k-commit{stroke:var(--ok);opacity:.55}.tt-marks .k-leader{stroke:var(--accent);stroke-width:2.4}',
  '.tt-marks .k-partition,.tt-marks .k-heal{stroke:var(--handle);stroke-width:2.4}.tt-marks .k-heal{stroke-dasharray:3 2}',
  '.tt-marks .k-crash,.tt-marks .k-restart{stroke:var(--muted);stroke-width:2}',
  '.tt-marks .k-action{stroke:var(--ink);stroke-width:2}',
  '.tt-marks .k-violation,.tt-marks .k-stale,.tt-marks .k-lost{stroke:var(--bad);stroke-width:2.6}',
  '.tt-marks .now{stroke:var(--ink);stroke-width:1;opacity:.6}',
  '.tt-time{font-variant-numeric:tabular-nums;min-width:10.5em;text-align:right}',
  '.tt-hover{min-height:1.3em;font-size:12px}',
  '.tt-past{border:1px dashed var(--handle);border-radius:6px;padding:2px 8px;margin-top:3px;color:var(--ink);display:flex;flex-wrap:wrap;gap:4px 8px;align-items:center}',
  '.tt-past b{color:var(--handle)}',
  '.tt-past button,.share-row button{font-size:12px;padding:1px 8px}',
  '.share-row{display:flex;flex-wrap:wrap;align-items:center;gap:4px 8px;margin-top:3px}',
  '.share-url{flex:1;min-width:12em;font:11.5px ui-monospace,monospace}',
  '.share-out{font-weight:600}',
  '.share-note{border:2px solid var(--handle);border-radius:8px;padding:5px 28px 5px 8px;margin-bottom:6px;background:var(--panel);color:var(--ink);position:relative;font-size:13px}',
  '.share-note.bad{border-color:var(--bad)}',
  '.share-note button{position:absolute;right:4px;top:3px;padding:0 6px}',
  '.tt-job,.tt-ask{display:flex;flex-wrap:wrap;align-items:center;gap:4px 8px;margin-top:3px;color:var(--ink)}',
  '.tt-job[hidden],.tt-ask[hidden]{display:none}',
  '.tt-progress{flex:1;min-width:8em;height:10px;accent-color:var(--accent)}',
  '.tt-job-text{font-variant-numeric:tabular-nums}',
  '.tt-ask{border:2px solid var(--handle);border-radius:8px;padding:4px 8px;background:var(--panel)}',
  '.tt-ask span{flex:1 1 16em}',
  '.tt-job button,.tt-ask button{font-size:12px;padding:1px 8px}',
].join('');

/**
 * Add this file's CSS to a shadow root: appended to the element's one constructed stylesheet
 * (shared by every element, allowed under a strict CSP: see host.js), else as a <style>.
 */
function adoptTravelStyles(root) {
  try {
    const sheet = root.adoptedStyleSheets?.[0];
    if (sheet) {
      if (!sheet.__travel) {
        sheet.__travel = true;
        for (const rule of TRAVEL_CSS.match(/[^{}]+\{[^{}]*\}/g)) sheet.insertRule(rule.trim(), sheet.cssRules.length);
      }
      return;
    }
  } catch { /* fall back to a <style> element */ }
  el('style', {}, root, TRAVEL_CSS);
}

function el(tag, attrs, parent, text) {
  const e = document.createElement(tag);
  for (const k in attrs) e.setAttribute(k, attrs[k]);
  if (text != null) e.textContent = text;
  if (parent) parent.appendChild(e);
  return e;
}
const secs = (ms) => `${(ms / 1000).toFixed(3)} s`;
/** A span of simulated time in words: 2.5 hours, 12 minutes, 40 seconds. */
const span = (ms) => (ms >= 5400000 ? `${+(ms / 3600000).toFixed(1)} hours` : ms >= 90000 ? `${Math.round(ms / 60000)} minutes` : `${Math.round(ms / 1000)} seconds`);
const yieldTask = () => new Promise((r) => setTimeout(r, 0));

/**
 * A replay job's `step` and `left` for a copy of a run opened from its share link (at t = 0): the
 * recorded run to its `end`, then on to `t` or back to it (t == null: stay at the end).
 */
function copySteps(t, end) {
  let atEnd = false;
  return {
    step: (p, b) => (atEnd ? p.seekSlice(t, b) : ((atEnd = p.seekEndSlice(false, b)), atEnd && t == null)),
    left: (p) => (atEnd ? (t == null ? 0 : p.replayCost(t)) : p.replayCostEnd(false) + (t != null && t > end ? t - end : 0)),
  };
}

/** The fragment's `key=value` pairs (values percent-decoded; a share link is one of them). */
export function hashPairs() {
  const out = new Map();
  const h = location.hash.replace(/^#/, '');
  if (!h) return out;
  for (const part of h.split('&')) {
    const i = part.indexOf('=');
    if (i <= 0) continue;
    let v = part.slice(i + 1);
    try { v = decodeURIComponent(v); } catch { /* keep it raw: Rust says what is wrong */ }
    out.set(part.slice(0, i), v);
  }
  return out;
}

/** The fragment key this element reads and writes, or null without the `share` attribute. */
export function shareKey(host) {
  if (!host.hasAttribute('share')) return null;
  const k = (host.getAttribute('share') || '').trim();
  return /^[\w-]{1,32}$/.test(k) && k !== 'true' ? k : 'r';
}

export class Travel {
  constructor(host) {
    this.host = host;
    const root = host.shadowRoot;
    adoptTravelStyles(root);
    const wrap = root.querySelector('.wrap');
    this.note = el('div', { class: 'share-note', role: 'alert', hidden: '' });
    this.noteText = el('span', {}, this.note);
    el('button', { type: 'button', 'aria-label': 'dismiss' }, this.note, '×').addEventListener('click', () => { this.note.hidden = true; });
    wrap.insertBefore(this.note, root.querySelector('.main'));
    // Right under the diagram, as a video's scrubber (and after it in document order: the
    // diagram stays the shadow root's first svg).
    const box = this.box = el('section', { class: 'travel controls', 'aria-label': 'time travel' });
    root.querySelector('.diagram').after(box);
    const row = el('div', { class: 'tt-row' }, box);
    const track = el('div', { class: 'tt-track' }, row);
    this.svg = document.createElementNS(NS, 'svg');
    A(this.svg, 'class', 'tt-marks');
    A(this.svg, 'viewBox', `0 0 ${W} ${H}`);
    A(this.svg, 'preserveAspectRatio', 'none');
    A(this.svg, 'aria-hidden', 'true');
    track.appendChild(this.svg);
    this.paths = new Map(KINDS.map((k) => { const p = document.createElementNS(NS, 'path'); A(p, 'class', 'k-' + k); this.svg.appendChild(p); return [k, p]; }));
    this.nowLine = document.createElementNS(NS, 'line');
    A(this.nowLine, 'class', 'now'); A(this.nowLine, 'y1', '0'); A(this.nowLine, 'y2', String(H));
    this.svg.appendChild(this.nowLine);
    this.range = el('input', { class: 'tt-range', type: 'range', min: '0', max: '0', step: '1', value: '0', 'data-action': 'timeline-seek', 'aria-label': 'time travel: simulated time; drag back to replay the run' }, track);
    this.time = el('span', { class: 'tt-time', 'aria-live': 'off' }, row);
    this.hover = el('div', { class: 'tt-hover' }, box);
    this.past = el('div', { class: 'tt-past', role: 'status', hidden: '' }, box);
    this.pastText = el('span', {}, this.past);
    el('button', { type: 'button', 'data-action': 'timeline-end', title: 'jump to the end of the recorded run' }, this.past, 'back to the end').addEventListener('click', () => this._try(() => host.seekEnd()));
    // A long replay: its progress and Cancel; the question asked before one beyond the bounds.
    this.jobBox = el('div', { class: 'tt-job', role: 'status', hidden: '' }, box);
    this.jobBar = el('progress', { class: 'tt-progress', max: '1', value: '0', 'aria-label': 'replay progress' }, this.jobBox);
    this.jobText = el('span', { class: 'tt-job-text' }, this.jobBox);
    el('button', { type: 'button', 'data-action': 'replay-cancel', title: 'stop the replay' }, this.jobBox, 'Cancel').addEventListener('click', () => { if (this.job) this.job.cancelled = true; });
    this.askBox = el('div', { class: 'tt-ask', role: 'alertdialog', 'aria-label': 'a long replay', hidden: '' }, box);
    this.askText = el('span', {}, this.askBox);
    this.askGo = el('button', { type: 'button', 'data-action': 'replay-go' }, this.askBox, 'Replay it');
    this.askGo.addEventListener('click', () => this._answer(true));
    el('button', { type: 'button', 'data-action': 'replay-no' }, this.askBox, 'Cancel').addEventListener('click', () => this._answer(false));
    this.job = null;
    const sr = this.shareRow = el('div', { class: 'share-row', hidden: '' }, box);
    el('button', { type: 'button', 'data-action': 'copy-link', title: 'a link that replays this run and lands at this moment' }, sr, 'copy link').addEventListener('click', () => this.copy());
    this.url = el('input', { class: 'share-url', readonly: '', hidden: '', 'aria-label': 'link to this run' }, sr);
    this.out = el('span', { class: 'share-out', 'aria-live': 'polite' }, sr);
    this.marks = [];
    this.epoch = -1;
    this.sig = '';
    this.want = null;
    this.dragging = false;
    this.resume = false;
    this.range.addEventListener('pointerdown', () => this._grab());
    this.range.addEventListener('keydown', (ev) => { if (ev.key.startsWith('Arrow') || ev.key === 'Home' || ev.key === 'End' || ev.key.startsWith('Page')) this._grab(); });
    this.range.addEventListener('input', () => this._scrub(Number(this.range.value)));
    this.range.addEventListener('change', () => this._release());
    this.svg.addEventListener('mousemove', (ev) => this._hover(ev));
    this.svg.addEventListener('mouseleave', () => T(this.hover, ''));
    this.svg.addEventListener('click', (ev) => { const m = this._near(ev); if (m) this._try(() => host.seek(m.at)); });
    addEventListener('hashchange', () => {
      const key = shareKey(host);
      if (!key || !host.isConnected) return;
      const v = hashPairs().get(key);
      if (v != null && v !== this.lastValue) { host._shareTried = false; host._rebuild(); }
    });
  }

  _try(fn) {
    try { fn(); } catch (e) { if (!this.host._poisoned) this.host._say(e.message, true); }
  }

  /** Scrubbing pauses a playing run, and play resumes from where the reader let go. */
  _grab() {
    if (this.dragging) return;
    this.dragging = true;
    this.resume = !this.host.paused;
    if (this.resume) this.host.pause();
  }
  _scrub(t) {
    this._grab();
    this.want = t;
    if (this._raf) return;
    this._raf = requestAnimationFrame(() => {
      this._raf = 0;
      const w = this.want;
      this.want = null;
      if (w != null) this._try(() => (w >= Number(this.range.max) ? this.host.seekEnd() : this.host.seek(w)));
    });
  }
  _release() {
    if (!this.dragging) return;
    this.dragging = false;
    if (this.resume) { this.resume = false; setTimeout(() => this.host.play(), 0); }
  }

  _near(ev) {
    const r = this.svg.getBoundingClientRect(), end = this.end || 1;
    if (!r.width || !this.marks.length) return null;
    const x = ((ev.clientX - r.left) / r.width) * W;
    let best = null, bd = 6;
    for (const m of this.marks) {
      const d = Math.abs(this._x(m.at, end) - x);
      if (d < bd) { bd = d; best = m; }
    }
    return best;
  }
  _hover(ev) {
    const m = this._near(ev);
    T(this.hover, m ? `${secs(m.at)} · ${KIND_WORD[m.kind] || m.kind}: ${m.text}` : '');
  }
  _x(at, end) { return 8 + (Math.min(at, end) / end) * (W - 16); }

  /** The bounds of long replays (see the top of this file). */
  limits() {
    if (!this._limits) {
      try { this._limits = { ...DEFAULT_LIMITS, ...JSON.parse(this.host.wasm.travelLimits()) }; } catch { return DEFAULT_LIMITS; }
    }
    return this._limits;
  }

  /** Ask the reader inside the element (never window.confirm); resolves true (go) or false. An older question is answered no. */
  _ask(text, go) {
    this._answer(false);
    return new Promise((res) => {
      T(this.askText, text);
      T(this.askGo, go);
      this.askBox.hidden = false;
      this._asking = res;
      this.askGo.focus({ preventScroll: true });
    });
  }
  _answer(yes) {
    const res = this._asking;
    if (!res) return;
    this._asking = null;
    this.askBox.hidden = true;
    res(yes);
  }

  /** Simulated time and events processed now. */
  _now(pg) { return JSON.parse(pg.timelineJson(1 << 30)).now; }

  /**
   * Go to time `t` (ms; validated by the element) or, with t == null, to the end of the recorded
   * run. A seek whose first slice gets there returns the new time, as a plain seek always did; a
   * longer one shows the progress bar with Cancel and returns a Promise of the time where the run
   * ends up: the target, or where it started when the reader cancels (or declines: a seek replaying
   * more than `confirm_ms` asks first). A seek while a long one runs takes it over (Cancel still
   * goes back to where the first started).
   */
  seek(t) {
    const host = this.host, lim = this.limits();
    const prev = this.job;
    if (prev && prev.kind !== 'seek') throw new Error(prev.kind === 'move' ? 'the run is still moving onto the simulator with the space-time record: wait for it, or cancel it' : 'a shared run is still opening: wait for it, or cancel it');
    const where = t == null ? 'the end of the recorded run' : `t = ${secs(t)}`;
    const step = t == null ? (pg, b) => pg.seekEndSlice(false, b) : (pg, b) => pg.seekSlice(t, b);
    const left = t == null ? (pg) => pg.replayCostEnd(false) : (pg) => pg.replayCost(t);
    const cost = host._sim(left);
    if (!prev) {
      if (cost <= lim.confirm_ms) {
        host._sim((pg) => pg.holdSpot());
        let done = false;
        try { done = host._sim((pg) => step(pg, FIRST_BUDGET)); } finally { if (done || !host.pg) host.pg?.releaseHold(false); }
        if (done) { host._jumped(); return host.f.now; }
      }
    }
    const job = {
      kind: 'seek', pg: host.pg, target: t, where, cost, step, left,
      held: prev ? prev.held : cost <= lim.confirm_ms,
      confirmed: cost <= lim.confirm_ms || !!prev?.confirmed,
      resume: prev ? prev.resume : !host.paused,
      from: prev ? prev.from : host.f?.now ?? 0,
      waiters: prev ? prev.waiters : [],
    };
    if (prev) prev.superseded = true;
    this._answer(false); // a question the superseded seek was asking: it sees `superseded` and leaves
    if (!prev && job.resume) host.pause();
    this.job = job;
    const p = new Promise((r) => job.waiters.push(r));
    this._seekJob(job).catch((e) => {
      if (!host._poisoned) host._say(e.message, true);
      if (this.job === job) this._endJob();
      for (const w of job.waiters) w(host.f?.now ?? null);
    });
    return p;
  }

  async _seekJob(job) {
    const host = this.host, lim = this.limits();
    let outcome = null;
    if (!job.confirmed) {
      const yes = await this._ask(`Going to ${job.where} replays ${span(job.cost)} of simulated time, more than ${span(lim.confirm_ms)}: ` +
        'it may take a while (a progress bar shows how far it is, and you can cancel it). Replay it?', 'Replay it');
      if (job.superseded) return;
      if (this.job !== job || host.pg !== job.pg) outcome = 'lost';
      else if (!yes) outcome = 'declined';
      else job.confirmed = true;
    }
    if (!outcome) {
      if (!job.held) { host._sim((pg) => pg.holdSpot()); job.held = true; }
      const label = `going to ${job.where}`;
      outcome = (await this._replayFast(job, label)) ?? await this._replay(job, label);
    }
    if (outcome === 'superseded') return;
    if (this.job === job) this._endJob();
    if (outcome !== 'lost') {
      if (outcome === 'done') host._sim((pg) => pg.releaseHold(false));
      else {
        const back = job.held && host._sim((pg) => pg.releaseHold(true));
        host._say(outcome === 'declined' ? `Not replayed: the run stays at t = ${secs(host.f?.now ?? 0)}.`
          : back ? `Replay cancelled: back at t = ${secs(job.from)}, where it started.` : `Replay cancelled at t = ${secs(this._now(host.pg).at)}.`, false);
      }
      host._jumped();
      if (job.resume) host.play();
    }
    for (const w of job.waiters) w(outcome === 'lost' ? null : host.f.now);
  }

  /**
   * Run a long replay as slices, one per task (the page paints and takes clicks in between),
   * with the progress bar and Cancel: job.step(pg, budget) runs one slice (true once there),
   * job.left(pg) says the simulated ms still to replay. After `ask_events` events without
   * arriving the reader is asked again (a busy run). Resolves 'done', 'cancelled' (Cancel, or no to
   * the question), 'superseded' (another replay took over) or 'lost' (a new run replaced this one).
   */
  async _replay(job, label) {
    // job.owner: the element's run when job.pg is its copy on the speed-built bundle (_replayFast).
    const host = this.host, lim = this.limits(), pg = job.pg, owner = job.owner ?? pg;
    this.job = job;
    job.budget ??= FIRST_BUDGET;
    job.cost0 = Math.max(1, job.left(pg));
    job.events0 ??= this._now(pg).events;
    this.jobBox.hidden = false;
    for (;;) {
      const now = this._now(pg);
      const frac = Math.min(1, Math.max(0, 1 - job.left(pg) / job.cost0));
      this.jobBar.value = frac;
      T(this.jobText, `${label}: ${Math.floor(frac * 100)} % (t = ${secs(now.at)}, ${now.events.toLocaleString('en')} events)${job.fast ? FAST_NOTE : ''}`);
      T(this.time, `${secs(now.at)} …`);
      await yieldTask();
      if (job.superseded) return 'superseded';
      if (job.lost || this.job !== job || host.pg !== owner) return 'lost';
      if (job.cancelled) return 'cancelled';
      if (!job.busyOk && now.events - job.events0 >= lim.ask_events) {
        const yes = await this._ask(`This replay has processed ${(now.events - job.events0).toLocaleString('en')} events and is ` +
          `${Math.floor(frac * 100)} % of the way (a busy run: simulated time alone does not say how long it takes). Go on?`, 'Go on');
        if (job.superseded) return 'superseded';
        if (job.lost || this.job !== job || host.pg !== owner) return 'lost';
        if (!yes) return 'cancelled';
        job.busyOk = true;
      }
      const t0 = performance.now();
      const done = host._sim(() => job.step(pg, job.budget));
      const dt = performance.now() - t0;
      job.budget = Math.round(Math.min(1e6, Math.max(100, job.budget * Math.min(2, Math.max(0.5, SLICE_MS / Math.max(dt, 0.1))))));
      if (done) return 'done';
    }
  }

  /**
   * The seek `job` on the speed-built bundle (see FAST_MIN_MS at the top): null when it is not
   * worth it (a short replay, one that would cost more from t = 0 than from here, a run already on
   * it, `fastReplays = false`) or the bundle could not be loaded or opened the run; otherwise
   * _replay's outcome, the element running on the new copy when it is 'done'.
   */
  async _replayFast(job, label) {
    const host = this.host, t = job.target;
    if (host._fast || host.fastReplays === false || job.cost < FAST_MIN_MS) return null;
    const tl = JSON.parse(job.pg.timelineJson(1 << 30)), end = tl.end.at;
    // From t = 0 there: the recorded run to its end (its marks and checkpoints), then on to t or
    // back to it from the checkpoint at or before it.
    const there = t == null ? end : t >= end ? t : end + Math.min(t, tl.spacing || t);
    if (there / FAST_GAIN >= job.cost) return null;
    let m, fpg;
    this.jobBox.hidden = false; // at once, as _replay would
    T(this.jobText, `${label}: loading the speed-built simulator …`);
    try { m = await loadFastWasm(host._bundle); } catch { return null; }
    if (job.superseded) return 'superseded';
    if (job.lost || this.job !== job || host.pg !== job.pg) return 'lost';
    try { fpg = m.Playground.fromShare(host._sim((pg) => pg.share(undefined)), undefined); } catch { return null; }
    Object.assign(job, {
      owner: job.pg, pg: fpg, ...copySteps(t, end),
      events0: undefined, budget: undefined, fast: true,
    });
    const outcome = await this._replay(job, label);
    if (outcome === 'done') host._adoptFast(m, fpg);
    else fpg.free();
    return outcome;
  }

  _endJob() {
    this.job = null;
    this.jobBox.hidden = true;
  }

  /**
   * Move the run onto a module with the full API (element._toFullApi): pkg/<bundle>-full/, or the
   * speed-built twin when the replay is long enough to be worth it there (FAST_MIN_MS). As
   * _replayFast does: the copy that this run's own link opens replays the recorded run to its end
   * (and, when this run is in the past, back to its moment), in slices with the progress bar and
   * Cancel, while the run waits paused. Resolves true when the element runs on the copy (or already
   * ran on the full API), false when the reader cancelled or a new run replaced this one.
   */
  async toFullApi(label) {
    const host = this.host;
    const idle = async () => { while (this.job) await new Promise((r) => setTimeout(r, 50)); }; // after a seek or a link replaying
    const at = () => JSON.parse(host._sim((pg) => pg.timelineJson(1 << 30)));
    const sigOf = (x) => JSON.stringify([x.now, x.end, x.actions]);
    await idle();
    const owner = host.pg;
    if (!owner || hasFullApi(host.wasm)) return !!owner;
    const first = at();
    const there = first.in_past ? first.end.at + Math.min(first.now.at, first.spacing || first.now.at) : first.end.at;
    const fast = host.fastReplays !== false && there >= FAST_MIN_MS;
    let resume = !host.paused;
    if (resume) host.pause();
    this.jobBox.hidden = false;
    T(this.jobText, `${label}: loading the simulator …`);
    let m;
    try {
      m = await (fast ? loadFastWasm(host._bundle) : loadWasm(host._bundle, true));
    } catch (e) {
      if (!this.job) this.jobBox.hidden = true;
      if (resume && host.pg === owner) host.play();
      throw new Error(`${label}: the simulator did not load (${e.message})`);
    }
    // The copy: this run's own link, replayed there to this moment. An action or a seek on the run
    // while it replays (the run's signature changed): copy again.
    for (;;) {
      await idle();
      if (host.pg !== owner || hasFullApi(host.wasm)) return hasFullApi(host.wasm);
      const tl = at(), sig = sigOf(tl);
      const end = tl.end.at, t = tl.in_past ? tl.now.at : null;
      const fpg = m.Playground.fromShare(host._sim((pg) => pg.share(undefined)), undefined);
      const job = { kind: 'move', owner, pg: fpg, target: t, fast, resume, ...copySteps(t, end) };
      let outcome = 'lost';
      try { outcome = await this._replay(job, label); } finally { if (this.job === job) this._endJob(); }
      resume = job.resume; // play / pause pressed during the replay
      if (outcome === 'done' && host.pg === owner && sigOf(at()) !== sig) { fpg.free(); continue; }
      if (outcome === 'done') {
        host._adoptFast(m, fpg, fast);
        host._jumped();
      } else fpg.free();
      if (resume && outcome !== 'lost') host.play();
      return outcome === 'done';
    }
  }

  /** A new run: forget the old one's marks (and any long replay of the old one). */
  reset() {
    if (this.job) { this.job.lost = true; this._endJob(); }
    this._answer(false);
    this.marks = [];
    this.epoch = -1;
    this.sig = '';
    this.shareRow.hidden = shareKey(this.host) == null;
    this.url.hidden = true;
    T(this.out, '');
  }

  /** Redraw from the simulator's timeline (the element's slow frames, ~10 Hz, and after jumps). */
  update() {
    const pg = this.host.pg;
    // The timeline is the recorded run's: the element updates it again once the rest is in.
    if (!pg || !isRestIn(this.host.wasm)) return;
    const tl = JSON.parse(pg.timelineJson(this.epoch === -1 ? 0 : this.marks.length));
    if (tl.epoch !== this.epoch || tl.total_marks < this.marks.length + tl.marks.length) {
      this.epoch = tl.epoch;
      this.marks = JSON.parse(pg.timelineJson(0)).marks;
    } else if (tl.marks.length) this.marks.push(...tl.marks);
    this.tl = tl;
    const now = tl.now.at, end = Math.max(tl.end.at, now, 1);
    this.end = end;
    if (!this.dragging && this.want == null) { A(this.range, 'max', String(end)); this.range.max = String(end); this.range.value = String(now); }
    A(this.range, 'aria-valuetext', `${secs(now)} of ${secs(end)}`);
    T(this.time, `${secs(now)} / ${secs(end)}`);
    const sig = `${this.epoch}:${this.marks.length}:${end}`;
    if (sig !== this.sig) {
      this.sig = sig;
      const d = new Map(KINDS.map((k) => [k, []]));
      const seen = new Set();
      for (const m of this.marks) {
        const x = Math.round(this._x(m.at, end) * 2) / 2, key = m.kind + x;
        if (seen.has(key)) continue; // one tick per half pixel and kind
        seen.add(key);
        const tall = m.kind === 'commit' ? [10, 17] : m.kind === 'action' ? [0, 9] : [2, 17];
        d.get(m.kind)?.push(`M${x} ${tall[0]}V${tall[1]}`);
      }
      for (const [k, p] of this.paths) A(p, 'd', d.get(k).join('') || 'M0 0');
    }
    const nx = String(Math.round(this._x(now, end) * 10) / 10);
    A(this.nowLine, 'x1', nx); A(this.nowLine, 'x2', nx);
    this.past.hidden = !tl.in_past;
    this.box.dataset.past = tl.in_past ? 'true' : 'false';
    if (tl.in_past) {
      const ahead = tl.actions - tl.applied;
      T(this.pastText, `You are in the past: t = ${secs(now)} of ${secs(tl.end.at)}. Play replays what happened` +
        `${ahead ? ` (${ahead} of your action${ahead === 1 ? '' : 's'} ahead)` : ''}; acting here forks the run and drops everything after this moment.`);
    }
    if (tl.warning && this.warned !== tl.warning) { this.warned = tl.warning; this.say(`⚠ ${tl.warning}`, true); }
  }

  say(msg, bad) {
    this.noteText.textContent = msg;
    this.note.className = bad ? 'share-note bad' : 'share-note';
    this.note.hidden = false;
  }

  /** The URL of this run at this moment (this element's key in the fragment; others kept). */
  link() {
    const host = this.host, key = shareKey(host) || 'r';
    const value = host._sim((pg) => pg.share(host._source?.file ?? undefined));
    const pairs = hashPairs();
    pairs.set(key, value);
    this.lastValue = value;
    const frag = [...pairs].map(([k, v]) => `${k}=${v}`).join('&');
    return `${location.href.split('#')[0]}#${frag}`;
  }

  copy() {
    let url;
    try { url = this.link(); } catch (e) { this.host._say(e.message, true); return; }
    this.url.hidden = false;
    this.url.value = url;
    this.url.focus({ preventScroll: true });
    this.url.select();
    const fallback = () => T(this.out, 'press Ctrl+C (⌘C) to copy the selected link');
    try {
      if (!navigator.clipboard?.writeText) return fallback();
      navigator.clipboard.writeText(url).then(() => T(this.out, 'copied ✓'), fallback);
    } catch { fallback(); }
  }

  /**
   * Open this element's link from the fragment, if it has one: load the bundle (and the library
   * scenario), replay in slices, land on the shared moment, paused. Returns true when a run was
   * opened; false when there is no link (or it is bad: the message is shown and the caller starts
   * the default run).
   */
  async openFromHash(token, loadWasm, BUNDLE_OF) {
    const host = this.host, key = shareKey(host);
    if (!key) return false;
    const value = hashPairs().get(key);
    if (value == null) return false;
    this.lastValue = value;
    const parts = value.split('.');
    const bad = (why) => { this.say(`This link's run could not be opened: ${why}. Showing the default run instead.`, true); return false; };
    const why = (e) => String(e.message || e).replace(/^this link's run could not be opened: /, '');
    // A value naming no protocol this page runs cannot open: refused here, before any download
    // (the simulator, from pkg/<bundle>-full/, checks the rest of a link that names one).
    if (!Object.hasOwn(BUNDLE_OF, parts[1])) {
      return bad(parts.length < 3 ? 'it is not a run link: expected 1.<protocol>.<data> or 1.<protocol>.<scenario>.<data>'
        : `unknown protocol '${parts[1]}': accepted ${Object.keys(BUNDLE_OF).join(', ')}`);
    }
    const bundle = BUNDLE_OF[parts[1]];
    let m, text;
    // The bundle with the full API (fromShare): pkg/<bundle>-full/.
    try { m = await loadWasm(bundle, true); } catch (e) { return bad(`the simulator did not load (${e.message})`); }
    if (token !== host._token) return true;
    const name = parts.length === 4 && /^[\w-]+$/.test(parts[2]) ? parts[2] : null;
    if (name) {
      try {
        const r = await fetch(appUrl(`./scenarios/${name}.json`));
        if (!r.ok) throw new Error(`HTTP ${r.status}`);
        text = await r.text();
      } catch (e) { return bad(`its scenario "${name}" could not be loaded (${e.message})`); }
      if (token !== host._token) return true;
    }
    let pg;
    try { pg = m.Playground.fromShare(value, text); } catch (e) { return bad(why(e)); }
    // A long run replays on the speed-built bundle (see FAST_MIN_MS at the top).
    let fast = false;
    if (host.fastReplays !== false && pg.replayCostEnd(false) >= FAST_MIN_MS) {
      try {
        const fm = await loadFastWasm(bundle);
        if (token !== host._token) { pg.free(); return true; }
        const fpg = fm.Playground.fromShare(value, text);
        pg.free();
        [pg, m, fast] = [fpg, fm, true];
      } catch { /* the page's bundle replays it */ }
    }
    host._module(m, bundle, fast);
    this._limits = null;
    host._source = { kind: 'share', protocol: parts[1], file: name, name: name || parts[1] };
    const wasPaused = host._paused;
    host._paused = true;
    host._create(null, pg);
    host._stopLoop();
    const lim = this.limits(), cost = pg.replayCostEnd(false);
    const unopened = (why) => {
      this.say(`This link's run was not opened: ${why}. Showing the default run instead.`, true);
      host._paused = wasPaused; // the default run plays (or not) as it would have without the link
      return false;
    };
    // Beyond the bound: ask first (the link is only data: it may claim a run of 100 hours).
    if (cost > lim.confirm_ms) {
      const yes = await this._ask(`This link replays ${span(cost)} of simulated time (${parts[1]}${name ? `, scenario ${name}` : ''}), ` +
        `more than ${span(lim.confirm_ms)}: opening it may take a while (a progress bar shows how far it is, and you can cancel it). Open it?`, 'Open it');
      if (token !== host._token || host.pg !== pg) return true;
      if (!yes) return unopened('you chose not to replay it');
    }
    // Replay the recorded run to its end in slices (marks and checkpoints on the way), then land.
    let atEnd = false;
    const job = {
      kind: 'link', pg, fast,
      step: (p, b) => (atEnd ? p.seekEndSlice(true, b) : ((atEnd = p.seekEndSlice(false, b)), false)),
      left: (p) => (atEnd ? 0 : p.replayCostEnd(false)),
    };
    try {
      const outcome = await this._replay(job, 'opening the shared run');
      if (this.job === job) this._endJob();
      if (outcome === 'lost' || outcome === 'superseded' || token !== host._token || host.pg !== pg) return true;
      if (outcome === 'cancelled') return unopened(`you cancelled its replay at t = ${secs(this._now(pg).at)}`);
    } catch (e) {
      if (this.job === job) this._endJob();
      if (!host._poisoned) this.say(`The shared run stopped while replaying: ${e.message}`, true);
      return true;
    }
    try {
      host._sim((p) => p.seekLanding());
    } catch (e) {
      // A made-up moment: say so, and show the run's end (in slices when long).
      if (host._poisoned) return true;
      this.say(`The shared run stopped while replaying: ${e.message}`, true);
      try { await this.seek(null); } catch { /* said */ }
      return true;
    }
    host._jumped();
    const tl = JSON.parse(pg.timelineJson(1 << 30)), f = host.f;
    this.say(`Opened a shared run: ${f.protocol}, ${f.nodes.length} servers, seed ${f.seed}${name ? `, scenario ${name}` : ''}, ` +
      `${tl.actions} action${tl.actions === 1 ? '' : 's'}, at t = ${secs(f.now)} (paused; trace hash ${f.trace_hash}).`, false);
    if (tl.warning) this.say(`⚠ ${tl.warning}`, true);
    return true;
  }
}
