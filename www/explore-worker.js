// Web Worker for the "find a bug" panel (explore-panel.js): loads the explorer's own wasm bundle
// (pkg/explore/, fetched only now) and runs one search in slices, posting progress at most every
// 150 ms and the result at the end. The panel stops a search by terminating this worker.
self.onmessage = async (ev) => {
  const { spec } = ev.data;
  let session;
  try {
    const m = await import(new URL('./pkg/explore/cap_playground.js', import.meta.url).href);
    await m.default();
    session = new m.ExploreSession(JSON.stringify(spec));
  } catch (e) {
    self.postMessage({ type: 'error', message: String(e && e.message ? e.message : e) });
    return;
  }
  const t0 = performance.now();
  let last = 0;
  for (;;) {
    const progress = JSON.parse(session.run(2000));
    const now = performance.now();
    progress.elapsed = now - t0;
    if (progress.status !== 'running') {
      if (progress.status === 'violation') progress.counterexample = JSON.parse(session.counterexample());
      self.postMessage({ type: 'done', progress });
      return;
    }
    if (now - last >= 150) {
      last = now;
      self.postMessage({ type: 'progress', progress });
    }
  }
};
