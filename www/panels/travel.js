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
import { appUrl } from '../element/wasm.js';

const NS = 'http://www.w3.org/2000/svg';
const W = 640, H = 18;
/** Simulated ms replayed per slice while opening a link (one slice per task: the page stays responsive). */
const OPEN_SLICE_MS = 20000;
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

/** The fragment's `key=value` pairs (values percent-decoded). */
function hashPairs() {
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

  /** A new run: forget the old one's marks. */
  reset() {
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
    if (!pg) return;
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
    const bundle = BUNDLE_OF[parts[1]] || BUNDLE_OF[(host.getAttribute('protocol') || 'raft').trim()] || 'raft';
    const bad = (why) => { this.say(`This link's run could not be opened: ${why}. Showing the default run instead.`, true); return false; };
    let m, text;
    try { m = await loadWasm(bundle); } catch (e) { return bad(`the simulator did not load (${e.message})`); }
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
    try { pg = m.Playground.fromShare(value, text); } catch (e) { return bad(String(e.message || e).replace(/^this link's run could not be opened: /, '')); }
    host.wasm = m;
    host._bundle = bundle;
    host._source = { kind: 'share', protocol: parts[1], file: name, name: name || parts[1] };
    host._paused = true;
    host._create(null, pg);
    host._stopLoop();
    // Replay the recorded run to its end in slices (marks and checkpoints on the way), then land.
    try {
      for (;;) {
        const tl = JSON.parse(pg.timelineJson(1 << 30));
        if (tl.now.at >= tl.end.at) break;
        host._sim((p) => p.seek(Math.min(tl.end.at, tl.now.at + OPEN_SLICE_MS)));
        T(this.time, `opening the shared run… ${Math.round((100 * tl.now.at) / Math.max(1, tl.end.at))} %`);
        await new Promise((r) => setTimeout(r, 0));
        if (token !== host._token || host.pg !== pg) return true;
      }
      host._sim((p) => { p.seekEnd(); p.seekLanding(); });
    } catch (e) {
      if (!host._poisoned) this.say(`The shared run stopped while replaying: ${e.message}`, true);
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
