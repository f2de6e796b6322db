// The pointer-drag helper (mouse, pen and touch alike), in the coordinates of the diagram's viewBox.
/**
 * Pointer drag on `target` (an SVG element) in the coordinates of `svg`'s viewBox.
 * handlers: pick(ev) → a drag subject or null; move(subject, p); end(subject, p, moved).
 * Pointer capture keeps the drag when the pointer leaves the element; touch-action: none on the svg
 * keeps the page from scrolling under a finger.
 */
export function attachDrag(svg, { pick, start, move, end }) {
  let drag = null;
  const toSvg = (ev) => {
    const m = drag.ctm;
    return { x: m.a * ev.clientX + m.c * ev.clientY + m.e, y: m.b * ev.clientX + m.d * ev.clientY + m.f };
  };
  svg.addEventListener('pointerdown', (ev) => {
    if (drag || (ev.pointerType === 'mouse' && ev.button !== 0)) return;
    const subject = pick(ev);
    if (!subject) return;
    const ctm = svg.getScreenCTM();
    if (!ctm) return;
    drag = { id: ev.pointerId, subject, ctm: ctm.inverse(), moved: false };
    drag.p0 = toSvg(ev);
    try { svg.setPointerCapture(ev.pointerId); } catch { /* synthetic pointers */ }
    start?.(subject, drag.p0);
    ev.preventDefault();
  });
  svg.addEventListener('pointermove', (ev) => {
    if (!drag || ev.pointerId !== drag.id) return;
    const p = toSvg(ev);
    if (!drag.moved && Math.hypot(p.x - drag.p0.x, p.y - drag.p0.y) < 4) return;
    drag.moved = true;
    move(drag.subject, p, drag.p0);
  });
  const finish = (ev, cancel) => {
    if (!drag || ev.pointerId !== drag.id) return;
    const d = drag;
    drag = null;
    try { svg.releasePointerCapture(ev.pointerId); } catch { /* already released */ }
    end(d.subject, cancel ? d.p0 : toSvgWith(d.ctm, ev), d.moved, cancel);
  };
  const toSvgWith = (m, ev) => ({ x: m.a * ev.clientX + m.c * ev.clientY + m.e, y: m.b * ev.clientX + m.d * ev.clientY + m.f });
  svg.addEventListener('pointerup', (ev) => finish(ev, false));
  svg.addEventListener('pointercancel', (ev) => finish(ev, true));
}
