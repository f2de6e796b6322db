// The message panel (click a message in flight): its kind, ends, fields, times and status, and a
// button to drop it. The selected message stays shown after it was delivered or lost.
import { T, h } from '../render/draw.js';

export default {
  name: 'message',
  mount(host) {
    const $ = host.$, P = $('.msg-panel'), dl = $('.mp-dl');
    let snap = null;
    const update = (f) => {
      const live = f.messages.find((m) => m.id === host._selMsg);
      if (live) snap = live;
      const m = snap;
      if (!m) { P.hidden = true; return; }
      P.hidden = false;
      const lost = m.lost_at != null && m.lost_at <= f.now;
      const status = lost ? `lost at ${m.lost_at} ms` : live ? 'in flight' : 'delivered';
      T($('.mp-title'), `${m.kind}: ${m.from} → ${m.to}`);
      const rows = [['kind', m.is_reply ? 'reply (hollow dot)' : 'request (filled dot)'], ['fields', m.detail], ['sent', `${m.sent} ms`], ['arrives', `${m.deliver_at} ms`], ['status', status]];
      dl.__dd ??= rows.map(() => [h('dt', {}, dl), h('dd', {}, dl)]);
      rows.forEach((r, i) => { T(dl.__dd[i][0], r[0]); T(dl.__dd[i][1], r[1]); });
      P.querySelector('[data-action=drop]').disabled = !live || lost;
    };
    return {
      reset() { snap = null; P.hidden = true; },
      /** A message was clicked (or the selection cleared): show it from scratch. */
      select() { snap = null; dl.__dd = null; dl.replaceChildren(); if (host.f) update(host.f); },
      frame(f, t, slow) { if (slow && host._selMsg != null) update(f); },
      actions: {
        'close-msg': () => { host._selMsg = null; P.hidden = true; host._draw(); },
        drop: () => host.dropMessage(host._selMsg),
      },
    };
  },
};
