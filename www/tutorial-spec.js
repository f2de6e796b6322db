/**
 * Tutorial scripts: the JSON format and its validator (no DOM: node's test runner imports it too).
 *
 * A tutorial is a title, one or two playgrounds and a list of steps. Each step has narration text
 * (plain text, never markup), optional actions the script performs, an optional wait for something
 * to happen (often something the reader does) and optional highlights. README.md ("Tutorials")
 * documents the format with a complete example; this file is the one place that says what is
 * accepted, and every message it throws names the field, what was wrong and what is accepted.
 *
 *   {
 *     "title": "…", "description": "…", "speed": 0.2, "compare": false, "end": "…",
 *     "playgrounds": [{ "id": "raft", "label": "…", "scenario": "raft-basic" | {…scenario…}, "seed": 3 }],
 *     "workload": { "interval_ms": 300, "read": 1, "write": 1, "cas": 0, "keys": 1, "max_value": 9,
 *                   "start_ms": 500, "seed": 1, "clients": 2 },
 *     "steps": [{ "text": "…", "actions": [{ "do": "setPartition", "on": "raft", "groups": [["n0"], ["n1"]] }],
 *                 "wait": { "for": "leader", "on": "raft", "side": "majority", "pause": true },
 *                 "highlight": [{ "node": "n2" }, { "target": "scoreboard" }, { "control": "heal" }] }]
 *   }
 */

/** What each action (`steps[].actions[].do`) takes besides `do` and `on`. */
export const ACTIONS = {
  loadScenario: { req: ['scenario'], opt: ['seed'] },
  setPartition: { req: ['groups'] },
  heal: {},
  crash: { req: ['node'] },
  restart: { req: ['node'] },
  timeout: { req: ['node'] },
  submit: { req: ['op'] },
  configure: { req: ['config'] },
  apply: { req: ['action'] },
  moveClient: { req: ['client', 'node'] },
  // The space-time diagram (www/panels/spacetime.js): open or close it; point at the first message
  // matching kind / from / to sent at `after` ms or later (boxed, centred in a window of `span` ms).
  openPanel: { req: ['panel'], opt: ['open'] },
  pointMessage: { opt: ['kind', 'from', 'to', 'after', 'span'] },
  // Stage-wide: every playground runs on one clock, so these take no "on".
  play: { stage: true },
  pause: { stage: true },
  advance: { req: ['ms'], stage: true },
  speed: { req: ['value'], stage: true },
};

/** What each wait (`steps[].wait.for`) takes besides `for`, `on` and `pause`. */
export const WAITS = {
  leader: ['side', 'new'], // a live leader (on a side: 0, 1, "majority", "minority"); new = elected during this step
  partition: ['healed'], // the reader moved the line or a node across it (or healed, with healed: true)
  commit: ['client'], // an update (write, compare-and-set, transfer…) completed ok and took effect
  op: ['client', 'f', 'outcome'], // a client operation completed (filters optional)
  time: ['at'], // simulated time reached `at` ms
  stale: [], // a stale read, a consistency violation or a broken invariant was flagged
  arrow: ['kind', 'from', 'to', 'after'], // the reader clicked a matching arrow in the space-time diagram
};

/** Panels a tutorial can open. */
export const PANELS = ['spacetime'];

/** Named highlight targets inside a playground. */
export const TARGETS = ['partition-line', 'scoreboard', 'verdict', 'log', 'diagram', 'clock', 'spacetime'];
/** Controls of the tutorial's own bar (a `control` highlight may also name a playground's button). */
export const CONTROLS = ['play', 'step', 'speed', 'heal', 'reset', 'back', 'next'];

const TOP = ['title', 'description', 'speed', 'compare', 'end', 'playgrounds', 'workload', 'steps'];
const WORKLOAD = ['interval_ms', 'read', 'write', 'cas', 'keys', 'max_value', 'start_ms', 'seed', 'clients'];
const OUTCOMES = ['ok', 'fail', 'info'];
const OPS = ['read', 'write', 'cas'];

const isObj = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const list = (a) => a.map((x) => `"${x}"`).join(', ');

/** A readable error: "where: what was wrong. Accepted: …". */
class TutorialError extends Error {}
function bad(where, what, accepted) {
  throw new TutorialError(`${where}: ${what}.${accepted ? ` Accepted: ${accepted}.` : ''}`);
}
function fields(o, where, allowed) {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) bad(where, `unknown field "${k}"`, `fields ${list(allowed)}`);
}
function str(v, where, { optional = false, nonEmpty = true } = {}) {
  if (v === undefined && optional) return;
  if (typeof v !== 'string' || (nonEmpty && !v.trim())) bad(where, `expected ${nonEmpty ? 'non-empty ' : ''}text, got ${show(v)}`);
}
function num(v, where, lo, hi, { optional = false, int = false } = {}) {
  if (v === undefined && optional) return;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi || (int && !Number.isInteger(v))) {
    bad(where, `expected ${int ? 'a whole number' : 'a number'} from ${lo} to ${hi}, got ${show(v)}`);
  }
}
function show(v) {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s.length > 40 ? s.slice(0, 37) + '…' : s;
}
const memberRe = /^[nc]?\d+$/;
function member(v, where) {
  if (!(Number.isInteger(v) && v >= 0) && !(typeof v === 'string' && memberRe.test(v))) bad(where, `${show(v)} is not a server or client`, 'a node number (2), "n2" or a client "c1"');
}

/**
 * Parse and check a tutorial. `text` is JSON text or an already parsed object; `src` names the file
 * in messages. Returns the tutorial object (the same shape, defaults filled in); throws an Error
 * whose message says what was wrong and what is accepted.
 */
export function parseTutorial(text, src = 'tutorial') {
  let t = text;
  if (typeof text === 'string') {
    try {
      t = JSON.parse(text);
    } catch (e) {
      bad(src, `not valid JSON (${e.message})`, 'a JSON object with "title", "playgrounds" and "steps" (see README.md, Tutorials)');
    }
  }
  if (!isObj(t)) bad(src, `expected a JSON object, got ${show(t)}`, 'an object with "title", "playgrounds" and "steps"');
  fields(t, src, TOP);
  str(t.title, `${src}: "title"`);
  str(t.description, `${src}: "description"`, { optional: true });
  str(t.end, `${src}: "end"`, { optional: true });
  num(t.speed, `${src}: "speed"`, 0.001, 10, { optional: true });
  if (t.compare !== undefined && typeof t.compare !== 'boolean') bad(`${src}: "compare"`, `expected true or false, got ${show(t.compare)}`);

  if (!Array.isArray(t.playgrounds) || t.playgrounds.length < 1 || t.playgrounds.length > 2) {
    bad(`${src}: "playgrounds"`, `expected a list of 1 or 2 playgrounds, got ${show(t.playgrounds)}`, '[{"id": "raft", "scenario": "raft-basic"}]');
  }
  const ids = [];
  t.playgrounds.forEach((p, i) => {
    const w = `${src}: playgrounds[${i}]`;
    if (!isObj(p)) bad(w, `expected an object, got ${show(p)}`, '{"id", "label", "scenario", "seed"}');
    fields(p, w, ['id', 'label', 'scenario', 'seed']);
    if (typeof p.id !== 'string' || !/^[\w-]{1,32}$/.test(p.id)) bad(`${w}.id`, `expected a short name (letters, digits, - or _), got ${show(p.id)}`);
    if (ids.includes(p.id)) bad(`${w}.id`, `"${p.id}" is used twice`, 'a different id per playground');
    ids.push(p.id);
    str(p.label, `${w}.label`, { optional: true });
    scenarioRef(p.scenario, `${w}.scenario`);
    num(p.seed, `${w}.seed`, 0, Number.MAX_SAFE_INTEGER, { optional: true, int: true });
  });
  if (t.compare && t.playgrounds.length !== 2) bad(`${src}: "compare"`, 'needs exactly two playgrounds', 'two playgrounds with the same number of servers');

  if (t.workload !== undefined) {
    const w = `${src}: "workload"`;
    if (!isObj(t.workload)) bad(w, `expected an object, got ${show(t.workload)}`, `fields ${list(WORKLOAD)}`);
    fields(t.workload, w, WORKLOAD);
    num(t.workload.interval_ms, `${w}.interval_ms`, 10, 60000, { optional: true, int: true });
    for (const k of ['read', 'write', 'cas']) num(t.workload[k], `${w}.${k}`, 0, 99, { optional: true, int: true });
    num(t.workload.keys, `${w}.keys`, 1, 3, { optional: true, int: true });
    num(t.workload.max_value, `${w}.max_value`, 1, 1e6, { optional: true, int: true });
    num(t.workload.start_ms, `${w}.start_ms`, 0, 1e9, { optional: true, int: true });
    num(t.workload.seed, `${w}.seed`, 0, 2 ** 32 - 1, { optional: true, int: true });
    num(t.workload.clients, `${w}.clients`, 1, 6, { optional: true, int: true });
    const { read = 1, write = 1, cas = 0 } = t.workload;
    if (read + write + cas === 0) bad(w, 'read, write and cas weights are all 0', 'at least one weight above 0');
  }

  if (!Array.isArray(t.steps) || !t.steps.length) bad(`${src}: "steps"`, `expected a non-empty list of steps, got ${show(t.steps)}`, '[{"text": "…", "actions": […], "wait": {…}, "highlight": […]}]');
  t.steps.forEach((s, i) => step(s, `${src}: steps[${i}]`, ids));
  return t;
}

function scenarioRef(v, w) {
  if (typeof v === 'string') {
    if (!/^[\w.-]+$/.test(v) && !/\.json([?#].*)?$/i.test(v)) bad(w, `${show(v)} is not a scenario`, 'a file name from scenarios/ (e.g. "raft-basic"), a URL ending in .json, or a scenario object');
    return;
  }
  if (!isObj(v)) bad(w, `expected a scenario name or object, got ${show(v)}`, 'a file name from scenarios/ (e.g. "raft-basic"), a URL ending in .json, or a scenario object');
  if (typeof v.protocol !== 'string') bad(w, 'the scenario object has no "protocol"', 'a scenario as in README.md (Scenario files), e.g. {"protocol": "raft", "nodes": 5}');
}

function step(s, w, ids) {
  if (!isObj(s)) bad(w, `expected an object, got ${show(s)}`, '{"text", "actions", "wait", "highlight"}');
  fields(s, w, ['text', 'actions', 'wait', 'highlight']);
  str(s.text, `${w}.text`);
  if (s.actions !== undefined) {
    if (!Array.isArray(s.actions)) bad(`${w}.actions`, `expected a list, got ${show(s.actions)}`);
    s.actions.forEach((a, j) => action(a, `${w}.actions[${j}]`, ids));
  }
  if (s.wait !== undefined) wait(s.wait, `${w}.wait`, ids);
  if (s.highlight !== undefined) {
    const hs = Array.isArray(s.highlight) ? s.highlight : [s.highlight];
    hs.forEach((h, j) => highlight(h, `${w}.highlight${Array.isArray(s.highlight) ? `[${j}]` : ''}`, ids));
  }
}

function on(v, w, ids) {
  if (v !== undefined && !ids.includes(v)) bad(`${w}.on`, `${show(v)} is not a playground of this tutorial`, `${list(ids)} (or leave "on" out for every playground)`);
}

function action(a, w, ids) {
  if (!isObj(a)) bad(w, `expected an object, got ${show(a)}`, '{"do": "crash", "node": 2}');
  const spec = ACTIONS[a.do];
  if (!spec) bad(`${w}.do`, `${show(a.do)} is not an action`, list(Object.keys(ACTIONS)));
  const allowed = ['do', ...(spec.stage ? [] : ['on']), ...(spec.req || []), ...(spec.opt || [])];
  fields(a, `${w} (${a.do})`, allowed);
  for (const k of spec.req || []) if (a[k] === undefined) bad(`${w} (${a.do})`, `"${k}" is missing`, `fields ${list(allowed)}`);
  on(a.on, w, ids);
  switch (a.do) {
    case 'loadScenario': scenarioRef(a.scenario, `${w}.scenario`); num(a.seed, `${w}.seed`, 0, Number.MAX_SAFE_INTEGER, { optional: true, int: true }); break;
    case 'setPartition':
      if (!Array.isArray(a.groups) || a.groups.length < 1 || !a.groups.every(Array.isArray)) bad(`${w}.groups`, `expected a list of groups, got ${show(a.groups)}`, '[["n0", "n1", "c0"], ["n2", "n3", "n4", "c1"]]');
      a.groups.forEach((g, k) => g.forEach((m) => member(m, `${w}.groups[${k}]`)));
      break;
    case 'crash': case 'restart': case 'timeout': member(a.node, `${w}.node`); break;
    case 'moveClient': member(a.client, `${w}.client`); member(a.node, `${w}.node`); break;
    case 'submit':
      if (!isObj(a.op) || !OPS.includes(a.op.f)) bad(`${w}.op`, `expected an operation, got ${show(a.op)}`, '{"client": 0, "f": "write", "key": "x", "value": 3}, {"f": "read", "key": "x"}, {"f": "cas", "key", "from", "to"}');
      break;
    case 'configure': if (!isObj(a.config)) bad(`${w}.config`, `expected an object, got ${show(a.config)}`, 'the protocol\'s settings, e.g. {"sync_reads": true}'); break;
    case 'apply': if (!isObj(a.action) || typeof a.action.action !== 'string') bad(`${w}.action`, `expected a scenario action, got ${show(a.action)}`, '{"action": "cut", "from": "n0", "to": "n1"} (README.md, Scenario files)'); break;
    case 'advance': num(a.ms, `${w}.ms`, 0, 3.6e6, { int: true }); break;
    case 'openPanel':
      if (!PANELS.includes(a.panel)) bad(`${w}.panel`, `${show(a.panel)} is not a panel`, list(PANELS));
      if (a.open !== undefined && typeof a.open !== 'boolean') bad(`${w}.open`, `expected true or false, got ${show(a.open)}`);
      break;
    case 'pointMessage':
      arrowQuery(a, w);
      num(a.span, `${w}.span`, 20, 600000, { optional: true, int: true });
      break;
    case 'speed': num(a.value, `${w}.value`, 0.001, 10); break;
  }
}

function wait(v, w, ids) {
  if (!isObj(v)) bad(w, `expected an object, got ${show(v)}`, '{"for": "leader"}');
  const extra = WAITS[v.for];
  if (!extra) bad(`${w}.for`, `${show(v.for)} is not a condition`, list(Object.keys(WAITS)));
  const allowed = ['for', 'on', 'pause', ...extra];
  fields(v, `${w} (${v.for})`, allowed);
  on(v.on, w, ids);
  if (v.pause !== undefined && typeof v.pause !== 'boolean') bad(`${w}.pause`, `expected true or false, got ${show(v.pause)}`);
  if (v.for === 'time' && v.at === undefined) bad(`${w} (time)`, '"at" is missing', '{"for": "time", "at": 1200} (simulated ms)');
  if (v.at !== undefined) num(v.at, `${w}.at`, 0, 1e9, { int: true });
  if (v.side !== undefined && ![0, 1, 'majority', 'minority'].includes(v.side)) bad(`${w}.side`, `${show(v.side)} is not a side`, '0, 1, "majority", "minority"');
  for (const k of ['new', 'healed']) if (v[k] !== undefined && typeof v[k] !== 'boolean') bad(`${w}.${k}`, `expected true or false, got ${show(v[k])}`);
  if (v.client !== undefined) member(v.client, `${w}.client`);
  if (v.f !== undefined && !OPS.includes(v.f)) bad(`${w}.f`, `${show(v.f)} is not an operation`, list(OPS));
  if (v.outcome !== undefined && !OUTCOMES.includes(v.outcome)) bad(`${w}.outcome`, `${show(v.outcome)} is not an outcome`, list(OUTCOMES));
  if (v.for === 'arrow') arrowQuery(v, w);
}

/** A message in the space-time diagram: its kind (as the paper names it), ends and earliest send. */
function arrowQuery(q, w) {
  if (q.kind !== undefined && (typeof q.kind !== 'string' || !/^[\w-]+$/.test(q.kind))) bad(`${w}.kind`, `${show(q.kind)} is not a message kind`, 'a kind as the paper names it, e.g. "AppendEntries"');
  for (const k of ['from', 'to']) {
    if (q[k] !== undefined && !(typeof q[k] === 'string' && memberRe.test(q[k]) && /^[nc]/.test(q[k]))) bad(`${w}.${k}`, `${show(q[k])} is not a server or client`, '"n2" or "c1"');
  }
  num(q.after, `${w}.after`, 0, 1e9, { optional: true, int: true });
}

function highlight(h, w, ids) {
  if (!isObj(h)) bad(w, `expected an object, got ${show(h)}`, '{"node": "n2"}, {"client": "c0"}, {"target": "scoreboard"}, {"control": "heal"}');
  const kinds = ['node', 'client', 'target', 'control'].filter((k) => h[k] !== undefined);
  if (kinds.length !== 1) bad(w, kinds.length ? `give one of ${list(kinds)}, not several` : 'nothing to highlight', '{"node": "n2" or "leader"}, {"client": "c0"}, {"target": one of ' + list(TARGETS) + '}, {"control": one of ' + list(CONTROLS) + ' or a playground button}');
  fields(h, w, ['on', kinds[0]]);
  on(h.on, w, ids);
  const v = h[kinds[0]];
  if (kinds[0] === 'node' && v !== 'leader') member(v, `${w}.node`);
  if (kinds[0] === 'client') member(v, `${w}.client`);
  if (kinds[0] === 'target' && !TARGETS.includes(v)) bad(`${w}.target`, `${show(v)} is not a target`, list(TARGETS));
  if (kinds[0] === 'control' && (typeof v !== 'string' || !/^[\w-]+$/.test(v))) bad(`${w}.control`, `${show(v)} is not a control`, `${list(CONTROLS)} or a playground button's data-action`);
}

/** A plain-words description of a wait, for the narration panel. */
export function describeWait(v, labelOf = (id) => id) {
  const where = v.on ? ` (${labelOf(v.on)})` : '';
  switch (v.for) {
    case 'leader': {
      const side = v.side === undefined ? '' : typeof v.side === 'number' ? ` on side ${'AB'[v.side]}` : ` on the ${v.side} side`;
      return `${v.new ? 'a new leader is elected' : 'there is a leader'}${side}${where}`;
    }
    case 'partition': return v.healed ? `you heal the partition${where} (drag the nodes back, or press heal)` : `you drag a server across the line${where}`;
    case 'commit': return `an update commits${v.client !== undefined ? ` for client ${fmtMember(v.client, 'c')}` : ''}${where}`;
    case 'op': {
      const what = v.f ? `${v.f}` : 'operation';
      const who = v.client !== undefined ? `client ${fmtMember(v.client, 'c')}'s ${what}` : v.f ? `a ${what}` : 'a client operation';
      return `${who} completes${v.outcome ? ` (${v.outcome})` : ''}${where}`;
    }
    case 'time': return `simulated time reaches ${(v.at / 1000).toFixed(3)} s`;
    case 'stale': return `a stale read or consistency violation is flagged${where}`;
    case 'arrow': {
      const what = `${v.kind ? v.kind + ' ' : 'message '}${v.from ? 'from ' + v.from + ' ' : ''}${v.to ? 'to ' + v.to + ' ' : ''}`.trim();
      return `you click the ${what} arrow${v.after !== undefined ? ` sent at ${(v.after / 1000).toFixed(3)} s or later` : ''} in the space-time diagram${where}`;
    }
  }
  return v.for;
}
const fmtMember = (m, p) => (typeof m === 'number' ? p + m : m);
