// embed.html: the query string becomes the attributes of one <cap-playground> that fills the page.
//   embed.html?protocol=raft&nodes=5&seed=42&scenario=raft-figure-8&speed=0.5&controls=false&theme=dark&paused
// protocol, nodes, seed, scenario and speed go to the element as they are: a bad value shows the
// element's own message saying what is accepted. controls, theme and paused take a few spellings;
// an unknown parameter or value is named in a line above the element, which runs all the same.
// A scenario is a library name or a .json URL on this page's own origin: the page fetches nothing else.

/** The query parameters embed.html accepts: the element's attributes. */
export const PARAMS = ['protocol', 'nodes', 'seed', 'scenario', 'speed', 'controls', 'theme', 'paused'];
const YES = /^(|1|true|yes|on)$/i, NO = /^(0|false|no|off)$/i;

/** The attributes for `search` (a query string) and the notes about what was not understood. */
export function attributesFrom(search, base) {
  const attrs = {}, notes = [];
  for (const [k, raw] of new URLSearchParams(search)) {
    const v = raw.trim();
    if (!PARAMS.includes(k)) { notes.push(`unknown parameter "${k}" ignored (accepted: ${PARAMS.join(', ')})`); continue; }
    if (k === 'paused') {
      if (YES.test(v)) attrs.paused = '';
      else if (!NO.test(v)) notes.push(`paused="${raw}" ignored: use paused, paused=true or paused=false`);
      else delete attrs.paused;
    } else if (k === 'controls') {
      if (NO.test(v)) attrs.controls = 'false';
      else if (YES.test(v)) delete attrs.controls;
      else notes.push(`controls="${raw}" ignored: use controls=false to hide the control bar`);
    } else if (k === 'theme') {
      if (/^(light|dark)$/i.test(v)) attrs.theme = v.toLowerCase();
      else if (/^(|auto|system)$/i.test(v)) delete attrs.theme;
      else notes.push(`theme="${raw}" ignored: use light, dark or auto (the system's)`);
    } else if (k === 'scenario' && /\.json([?#].*)?$/i.test(v)) {
      let u = null;
      try { u = new URL(v, base); } catch { /* below */ }
      if (u && u.origin === new URL(base).origin) attrs.scenario = u.href;
      else notes.push(`scenario="${raw}" ignored: a scenario file must be on this site (a name from scenarios/ or a same-origin URL ending in .json)`);
    } else attrs[k] = raw;
  }
  return { attrs, notes };
}

{
  const { attrs, notes } = attributesFrom(location.search, location.href);
  const el = document.createElement('cap-playground');
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  if (attrs.theme) document.documentElement.dataset.theme = attrs.theme;
  const note = document.querySelector('.note');
  if (notes.length) { note.textContent = notes.join(' · '); note.hidden = false; }
  document.body.append(el);
  // Defined after the element is in the page, so the module starts loading its protocol's bundle.
  import('../cap-playground.js').catch((e) => {
    note.textContent = `cap-playground could not load (${e.message}): serve this folder over HTTP, as built by npm run build.`;
    note.hidden = false;
  });
}
