// The node panel (click a server, or Enter on it): what the server holds, its durable state (what a
// crash keeps: it is on disk) apart from its volatile state (what a crash loses), then the view's
// table (a log, a history, slots, a store) and the crash / restart / time out buttons. What each
// protocol shows comes from its view's `panel` (www/protocols/README.md).
//
// Durability: when the frame carries a node's persisted copy (`nodes[].durable`, the same shape as
// the node's view), the durable rows show that copy, and a field whose live value differs is marked
// "not yet persisted" (a crash now would lose the change). Without it, the live values are shown.
import { T, h } from '../render/draw.js';

/** The rows of a node's panel: [{ label, value, cls? }] with group heads (cls 'grp'). */
export function panelRows(view, nd, c) {
  const P = view.panel, rows = [];
  const alive = c.alive, d = nd.durable;
  const disk = P.durable(alive ? d ?? nd : nd, c);
  const live = alive && d ? new Map(P.durable(nd, c).map(([k, v]) => [k, String(v)])) : null;
  let unsaved = 0;
  const drows = disk.map(([k, v]) => {
    const now = live?.get(k);
    if (now == null || now === String(v)) return { label: k, value: String(v) };
    unsaved++;
    return { label: k, value: `${v} · in memory: ${now} (not yet persisted)`, cls: 'unsaved' };
  });
  rows.push({ label: 'durable state', value: alive ? (unsaved ? `on disk; ${unsaved} change${unsaved === 1 ? '' : 's'} not yet persisted (a crash now loses ${unsaved === 1 ? 'it' : 'them'})` : 'on disk: survives a crash')
    : P.summary(nd, c), cls: 'grp' }, ...drows);
  if (alive) rows.push({ label: 'volatile state', value: 'in memory: lost in a crash', cls: 'grp' }, ...P.volatile(nd, c).map(([k, v]) => ({ label: k, value: String(v) })));
  else {
    rows.push({ label: 'lost in the crash', value: P.lost, cls: 'grp' });
    // The durable fields it had changed and not yet persisted when it crashed (nodes[].at_crash).
    for (const [k, v] of nd.at_crash ? unsavedFields(P, nd.at_crash, nd, c) : []) rows.push({ label: k, value: `${v} (not yet persisted)`, cls: 'unsaved' });
  }
  for (const [k, v] of P.other?.(nd, c) || []) rows.push({ label: k, value: String(v) });
  rows.push({ label: 'restarts', value: String(nd.restarts) });
  return { rows, unsaved };
}

/** The durable fields of `live` (a running state) whose value differs from the persisted copy `disk`: [[label, live value]]. */
function unsavedFields(P, live, disk, c) {
  const saved = new Map(P.durable(disk, c).map(([k, v]) => [k, String(v)]));
  return P.durable(live, c).filter(([k, v]) => saved.has(k) && saved.get(k) !== String(v));
}

/**
 * What a crash of `nd` (a running state, with its persisted copy as `nd.durable`) loses: the
 * view's volatile state, and the durable fields whose change was not yet persisted. Lines for the
 * caption by the crashed server.
 */
export function lostLines(view, nd, c) {
  const lines = ['✕ crashed: lost ' + view.panel.lost];
  if (nd?.durable) {
    const gone = unsavedFields(view.panel, nd, nd.durable, c).map(([k, v]) => `${k} ${v}`);
    if (gone.length) lines.push('and, not yet persisted: ' + gone.join(', '));
  }
  return lines;
}

/**
 * The running state a crash of server `id` ended, with its persisted copy as `durable`: from the
 * frame after the crash when it has them (nodes[].at_crash and, the crashed view, the copy it
 * restarts from: both as they were at the crash), else the last frame drawn while it ran.
 */
export function crashedState(id, prev, f) {
  const now = f?.nodes[id];
  if (now && !now.alive && now.at_crash) return { ...now.at_crash, durable: now };
  const nd = prev?.nodes[id];
  return nd?.alive ? nd : null;
}

export default {
  name: 'node',
  mount(host) {
    const $ = host.$, P = $('.node-panel'), dl = $('.np-dl'), tb = $('.np-peers');
    const update = (f) => {
      const id = host.layout.selected, nd = f.nodes[id], view = host.view;
      if (!nd || !view) { P.hidden = true; return; }
      P.hidden = false;
      const c = { id, alive: !!(nd.alive && nd.role), f, vi: host.vi };
      T($('.np-title'), view.panel.title(nd, c));
      const { rows } = panelRows(view, nd, c);
      const sig = rows.map((r) => r.label + '|' + (r.cls || '')).join();
      if (dl.__sig !== sig) {
        dl.__sig = sig;
        dl.replaceChildren();
        dl.__dd = rows.map((r) => {
          const dt = h('dt', r.cls ? { class: r.cls } : {}, dl, r.label);
          dt.__cls = r.cls;
          return h('dd', r.cls ? { class: r.cls } : {}, dl);
        });
      }
      rows.forEach((r, i) => T(dl.__dd[i], r.value));
      const table = view.panel.table?.(nd, c) ?? null;
      const psig = JSON.stringify(table) + (table?.map((r) => r.cls || '').join() ?? '');
      if (tb.__sig !== psig) {
        tb.__sig = psig;
        tb.replaceChildren();
        (table || []).forEach((cells, i) => {
          const r = tb.insertRow();
          if (cells.cls) r.className = cells.cls;
          for (const x of cells) h(i ? 'td' : 'th', {}, r, x);
        });
      }
      P.querySelector('[data-action=crash]').disabled = !c.alive;
      P.querySelector('[data-action=timeout]').disabled = !c.alive;
      P.querySelector('[data-action=restart]').disabled = c.alive;
    };
    return {
      reset() { P.hidden = true; },
      frame(f, t, slow) { if (slow && host.layout.selected != null) update(f); },
      actions: {
        crash: () => host.crash(host.layout.selected),
        restart: () => host.restart(host.layout.selected),
        timeout: () => host.timeout(host.layout.selected),
        'close-node': () => { host.layout.selected = null; P.hidden = true; host._draw(); },
      },
    };
  },
};
