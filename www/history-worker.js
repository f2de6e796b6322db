// The history lab's Web Worker: the checker runs here, off the page's thread, in its own wasm
// bundle (pkg/lab/, built with the `lab` feature: src/lab/ and the parsers `cap check` uses). The
// page (<cap-history>, www/history.js) posts a history's text; nothing leaves the browser. The
// page cancels a long search by terminating this worker.
//
//   page → worker                      worker → page
//   {type: 'load', text, options?}     {type: 'loaded', summary} | {type: 'bad', error: {line, message}}
//   {type: 'check', slice}             {type: 'progress', progress} … {type: 'done', result}
//   {type: 'timeline', key}            {type: 'timeline', key, data: {ops, faults}}
//   {type: 'why', id}                  {type: 'why', id, why}
//   any failure                        {type: 'failed', message}
let lab = null;
let ready = null;

function init() {
  // A variable, so that no bundler inlines the glue.
  const glue = './pkg/lab/cap_playground.js';
  ready ??= import(glue).then(async (m) => { await m.default(); return m; });
  return ready;
}

async function handle(msg) {
  const m = await init();
  switch (msg.type) {
    case 'load': {
      lab?.free();
      lab = null;
      try {
        const o = msg.options;
        lab = o ? m.HistoryLab.withOptions(msg.text, o.model || '', o.initial || '', !!o.newProcessOnReuse) : new m.HistoryLab(msg.text);
      } catch (e) {
        let error;
        try { error = JSON.parse(e.message); } catch { error = { line: 0, message: String(e.message || e) }; }
        postMessage({ type: 'bad', error });
        return;
      }
      postMessage({ type: 'loaded', summary: JSON.parse(lab.summary()) });
      return;
    }
    case 'check': {
      for (;;) {
        const progress = JSON.parse(lab.run(msg.slice || 1 << 20));
        postMessage({ type: 'progress', progress });
        if (progress.done) break;
        await new Promise((r) => setTimeout(r, 0));
      }
      postMessage({ type: 'done', result: JSON.parse(lab.result()) });
      return;
    }
    case 'timeline':
      postMessage({ type: 'timeline', key: msg.key, data: JSON.parse(lab.timeline(msg.key)) });
      return;
    case 'why':
      postMessage({ type: 'why', id: msg.id, why: JSON.parse(lab.why(msg.id)) });
  }
}

let queue = Promise.resolve();
onmessage = (ev) => {
  queue = queue.then(() => handle(ev.data)).catch((e) => postMessage({ type: 'failed', message: String(e?.message || e) }));
};
