// The "seed, workload, client write & export" row under the control bar: one client write by hand
// (its outcome said next to it), the random workload (clients, weights, keys, pace, timeout:
// applying it restarts the run with the same protocol, servers, seed and partition), and the client
// history exported for Porcupine or Jepsen. A view's `workload` adapts the row (2PC: transfers,
// and accounts instead of keys).
import { loadExporters } from '../element/wasm.js';

export default {
  name: 'workload',
  mount(host) {
    const $ = host.$;
    let w = null; // the write the reader sent by hand, until it completes
    const num = (cls, lo, hi, what) => {
      const v = Number($(cls).value);
      if (!Number.isInteger(v) || v < lo || v > hi) throw new Error(`${what} "${$(cls).value}" is not accepted: use a whole number from ${lo} to ${hi}`);
      return v;
    };
    /** Rebuild the run with the workload inputs: same protocol, servers, seed, config and partition. */
    const apply = () => {
      const f = host.f, wl = host.view?.workload ?? {};
      const n = num('.wl-clients', 1, 6, 'clients'), read = num('.wl-read', 0, 99, 'read weight'), write = num('.wl-write', 0, 99, 'write weight');
      // The register protocols' checker stays quick with up to three keys; a view may say otherwise (2PC's accounts).
      const [klo, khi] = wl.keys ?? [1, 3];
      const cas = num('.wl-cas', 0, 99, 'cas weight'), keys = num('.wl-keys', klo, khi, wl.keysWord ?? 'keys');
      const transfer = wl.transfer ? num('.wl-transfer', 0, 99, 'transfer weight') : 0;
      const interval = num('.wl-interval', 10, 10000, 'interval ms'), timeout = num('.wl-timeout', 50, 60000, 'timeout ms');
      if (read + write + cas + transfer === 0) throw new Error(`workload: give at least one of read / write / cas${wl.transfer ? ' / transfer' : ''} a weight above 0`);
      const sc = JSON.parse(host._sim((pg) => pg.scenarioJson()));
      const nodes = sc.nodes;
      sc.clients = Array.from({ length: n }, (_, i) => ({ node: f.clients[i]?.node ?? (n === 1 ? 0 : Math.round((i * (nodes - 1)) / (n - 1))), timeout_ms: timeout }));
      sc.workload = { ...(sc.workload || { max_value: 9, start_ms: 500 }), interval_ms: interval, read, write, cas, transfer, keys };
      sc.steps = [];
      if (f.groups.length > 1) {
        const groups = f.groups.map((g) => g.filter((m) => m[0] === 'n'));
        sc.clients.forEach((c, i) => groups[f.clients[i]?.side ?? f.nodes[c.node]?.side ?? 0]?.push('c' + i));
        sc.steps.push({ at: 0, action: 'partition', groups: groups.filter((g) => g.length) });
      }
      host.loadScenario(sc);
      host._say(`workload applied: the run restarted at t = 0 (${sc.protocol}, ${nodes} servers, seed ${sc.seed}${f.groups.length > 1 ? ', same partition' : ''})`);
    };
    /**
     * Download the client history (Porcupine JSON or Jepsen EDN) through a Blob. The exporters
     * (Rust's check/formats/export.rs, as `cap run --export-porcupine / --export-edn` writes them)
     * are a bundle of their own, pkg/export/, fetched the first time: they write the text from
     * the run's history JSON. A failure (the bundle did not load) is said in the status line.
     */
    const exportHistory = async (edn) => {
      const f = host.f, json = host._sim((pg) => pg.historyJson());
      let text;
      try {
        text = (await loadExporters()).exportHistory(f.protocol, json, edn);
      } catch (e) {
        host._say(`history export: ${e.message}`, true);
        return;
      }
      const url = URL.createObjectURL(new Blob([text], { type: edn ? 'application/edn' : 'application/json' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = `cap-${f.protocol}-seed${f.seed}.${edn ? 'edn' : 'json'}`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
    };
    const say = (text, cls) => { const out = $('.write-out'); out.textContent = text; out.className = `out write-out${cls ? ' ' + cls : ''}`; };
    return {
      /** A new run: the inputs show its scenario's workload; the client picker lists its clients. */
      reset(sc) {
        w = null;
        say('');
        const wl = sc.workload || {}, spec = host.view?.workload ?? {};
        $('.wl-transfer-l').hidden = !spec.transfer;
        $('.wl-clients').value = String(sc.clients?.length ?? 2);
        $('.wl-read').value = String(wl.read ?? 2); $('.wl-write').value = String(wl.write ?? 2); $('.wl-cas').value = String(wl.cas ?? 1);
        $('.wl-transfer').value = String(wl.transfer ?? 0);
        $('.wl-keys').value = String(wl.keys ?? 1); $('.wl-interval').value = String(wl.interval_ms ?? 300);
        $('.wl-timeout').value = String(sc.clients?.[0]?.timeout_ms ?? 1000);
      },
      // Our write: the request submit() returned, else the first request this client started after
      // the submit (ids are sequential per client; queued explicit operations go first).
      frame(f) {
        const sel = $('.client');
        if (sel.options.length !== f.clients.length) {
          sel.replaceChildren(...f.clients.map((c) => Object.assign(document.createElement('option'), { value: String(c.id), textContent: `c${c.id}` })));
        }
        if (!w) return;
        const l = f.clients[w.client]?.last;
        if (!l || !(w.request != null ? l.request === w.request : l.request > w.after)) return;
        say(`${l.label} → ${l.outcome === 'ok' ? '✓ ok' : l.outcome === 'fail' ? '✕ failed' : '? unknown'} ${l.result || ''} (${l.latency} ms)`, l.outcome);
        w = null;
      },
      actions: {
        workload: apply,
        'export-porcupine': () => exportHistory(false),
        'export-edn': () => exportHistory(true),
        write: () => {
          const client = Number($('.client').value || 0), key = $('.key').value.trim() || 'x';
          const value = Number($('.value').value);
          const cf = host.f?.clients[client];
          const mine = { client, after: cf?.pending?.request ?? cf?.last?.request ?? 0, request: null };
          w = mine;
          say('waiting…');
          const r = host.submit({ client, f: 'write', key, value });
          if (typeof r === 'number') mine.request = r;
        },
      },
    };
  },
};
