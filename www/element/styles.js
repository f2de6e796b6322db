// Static CSS and markup for <cap-playground>'s shadow root: the parts every protocol shares (each
// protocol's own CSS, controls, legend items and sections come with its view, protocols/<view>.js).
// Nothing here ever contains data from the simulation or from attributes: the element fills every
// dynamic value in with textContent / setAttribute. The DOM contract's protocol hooks that exist
// whatever the protocol (.nrw, .ring, .diverge: Dynamo's) are empty, hidden placeholders here, which
// the view showing them replaces with its own (element/playground.js, ui.add). Palette: Okabe–Ito (survives deuteranopia);
// every colour is doubled by text or shape.

export const CSS = `
:host{display:block;position:relative;font:14px/1.4 system-ui,sans-serif;
 --bg:#fbfaf7;--ink:#1d232a;--muted:#5f6873;--faint:#c9ced4;--panel:#f0efea;--border:#d9d7cf;
 --sideA:rgba(0,114,178,.07);--sideB:rgba(230,159,0,.12);--cut:#2b2f36;--handle:#d55e00;--accent:#0072b2;
 --ok:#00785a;--bad:#b34a00;--unk:#7a6000; /* Okabe–Ito green / vermillion / yellow, darkened to 4.5:1 as text on --panel */
 --t0:#d6e9f7;--t1:#fde3b0;--t2:#c7ebdd;--t3:#f3d3e4;--t4:#f6efa6;--t5:#d5dbe8;--down:#d8d8d8;
 --m-vote:#d55e00;--m-prevote:#cc79a7;--m-append:#0072b2;--m-snap:#009e73;--m-client:#e69f00;--m-other:#6b6b6b;
 color:var(--ink);color-scheme:light}
:host([theme=dark]){--bg:#161a1f;--ink:#e8eaed;--muted:#a3abb5;--faint:#3b434d;--panel:#1f252c;--border:#333b45;
 --sideA:rgba(86,180,233,.09);--sideB:rgba(230,159,0,.11);--cut:#e8eaed;--handle:#ff8f4d;--accent:#56b4e9;
 --ok:#3fcf9f;--bad:#ff8f4d;--unk:#f0e442;
 --t0:#1f4a66;--t1:#6b4a10;--t2:#145442;--t3:#5c2f49;--t4:#57531a;--t5:#36415a;--down:#3a3d42;
 --m-vote:#ff8f4d;--m-prevote:#e7a2c8;--m-append:#56b4e9;--m-snap:#3fcf9f;--m-client:#f0c040;--m-other:#b8b8b8;
 color-scheme:dark}
@media (prefers-color-scheme:dark){:host(:not([theme=light])){--bg:#161a1f;--ink:#e8eaed;--muted:#a3abb5;--faint:#3b434d;
 --panel:#1f252c;--border:#333b45;--sideA:rgba(86,180,233,.09);--sideB:rgba(230,159,0,.11);--cut:#e8eaed;--handle:#ff8f4d;
 --accent:#56b4e9;--ok:#3fcf9f;--bad:#ff8f4d;--unk:#f0e442;
 --t0:#1f4a66;--t1:#6b4a10;--t2:#145442;--t3:#5c2f49;--t4:#57531a;--t5:#36415a;--down:#3a3d42;
 --m-vote:#ff8f4d;--m-prevote:#e7a2c8;--m-append:#56b4e9;--m-snap:#3fcf9f;--m-client:#f0c040;--m-other:#b8b8b8;color-scheme:dark}}
.wrap{container-type:inline-size;background:var(--bg);border:1px solid var(--border);border-radius:10px;padding:8px;box-sizing:border-box}
[hidden]{display:none!important}
.wrap.loading{content-visibility:hidden;contain-intrinsic-size:auto 600px}
.probe{float:left;width:0;height:100%}
.wrap.fit{height:100%;overflow:auto;overscroll-behavior:contain}
.scen{margin:0 2px 4px;font-size:13px;color:var(--muted);overflow:hidden;display:-webkit-box;-webkit-line-clamp:2;-webkit-box-orient:vertical}
.scen b{color:var(--ink);margin-right:6px}
button,select,input{font:inherit;font-size:13px;color:var(--ink);background:var(--panel);border:1px solid var(--border);border-radius:6px;padding:3px 8px}
button{cursor:pointer}button:hover:not(:disabled){border-color:var(--accent)}button:disabled{opacity:.45;cursor:default}
:focus-visible{outline:2px solid var(--accent);outline-offset:2px}
.bar{display:flex;flex-wrap:wrap;align-items:center;gap:6px 8px;margin-bottom:6px}
.bar .play{min-width:4.6em;font-weight:600}
.speed{display:inline-flex;align-items:center;gap:4px;color:var(--muted)}.speed input{width:110px;padding:0}
.speed output{min-width:4.5em;color:var(--ink);font-variant-numeric:tabular-nums}
.clock{font-variant-numeric:tabular-nums;color:var(--muted);min-width:6.5em}
button.heal:not(:disabled){border-color:var(--handle);font-weight:600}
details.more{flex-basis:100%;color:var(--muted);font-size:13px}
details.more summary{cursor:pointer;width:max-content}
details.more .row{display:flex;flex-wrap:wrap;align-items:center;gap:6px;margin-top:4px}
details.more input{width:5em}
details.more input.n{width:3.6em}
.wl-note{font-size:12px}
.out{font-weight:600}.out.ok{color:var(--ok)}.out.fail{color:var(--bad)}.out.info{color:var(--unk)}
.main{display:grid;grid-template-columns:minmax(0,1fr);gap:8px}
/* Narrow: the scoreboard right under the diagram (readable while dragging), then timeline, legend, logs. */
.stage{display:contents}.stage>.status{order:1}.main>.side{order:2}.stage>.tl{order:3}.stage>.legend{order:4}.stage>.logwrap{order:5}
@container (min-width:860px){.main{grid-template-columns:minmax(0,1fr) 270px}.score{grid-template-columns:1fr}.stage{display:block}}
svg{display:block;width:100%;height:auto;user-select:none;-webkit-user-select:none}
.diagram{touch-action:none;border-radius:8px}
.diagram text{font-size:12px;fill:var(--ink);pointer-events:none}
.tintA{fill:var(--sideA)}.tintB{fill:var(--sideB)}
.sidelabel{fill:var(--muted)!important;font-size:12px!important}
.link line{stroke:var(--faint);stroke-width:1.5}
.link.client line{stroke-dasharray:3 3;stroke-width:1}
.link.broken line{stroke:var(--muted);stroke-dasharray:2 4}
.link text{fill:var(--bad)!important;font-size:13px!important;font-weight:700}
.pline .vis{stroke:var(--cut);stroke-width:4;stroke-linecap:round}
.pline .hit{stroke:transparent;stroke-width:26;cursor:grab}
.pline .handle{fill:var(--handle);stroke:var(--bg);stroke-width:3;cursor:grab}
.pline .grip{stroke:var(--bg);stroke-width:1.6;pointer-events:none}
.node{cursor:grab;outline:none}
.node .body{stroke:var(--ink);stroke-width:1.5;fill:var(--t0)}
.node.t1 .body{fill:var(--t1)}.node.t2 .body{fill:var(--t2)}.node.t3 .body{fill:var(--t3)}.node.t4 .body{fill:var(--t4)}.node.t5 .body{fill:var(--t5)}
.node.leader .body{stroke-width:4.5}
.node.candidate .body,.node.pre_candidate .body{stroke-dasharray:5 3;stroke-width:2.5}
.node.crashed .body{fill:var(--down);stroke-dasharray:3 3;stroke:var(--muted)}
.node.crashed text{fill:var(--muted)}
.node .role{font-size:17px!important;font-weight:700;text-anchor:middle}
.node .term{font-size:10px!important;text-anchor:middle}
.node .nid{font-size:11px!important;text-anchor:middle;fill:var(--muted)!important;font-weight:600}
.node .sub{font-size:10.5px!important;text-anchor:middle;font-weight:600;fill:var(--muted)!important}
.node .sub.warn{fill:var(--bad)!important}
.lost-cap{font-size:10.5px!important;font-weight:700;text-anchor:middle;fill:var(--bad)!important;paint-order:stroke;stroke:var(--bg);stroke-width:3px;stroke-linejoin:round}
.node .timer{fill:none;stroke:var(--muted);stroke-width:2.5;opacity:.8}
.node .vote{fill:var(--bg);stroke:var(--ink);stroke-width:1.3}.node .vote.yes{fill:var(--ink)}
.node .focus{fill:none;stroke:var(--accent);stroke-width:2.5;opacity:0}
.node:focus-visible .focus,.node.sel .focus{opacity:1}
.node.dragging{cursor:grabbing}
.client{cursor:grab;outline:none}
.client .focus{fill:none;stroke:var(--accent);stroke-width:2.5;opacity:0}.client:focus-visible .focus{opacity:1}
.client .scr{fill:var(--panel);stroke:var(--ink);stroke-width:1.3}
.client .base{stroke:var(--ink);stroke-width:2;stroke-linecap:round}
.client .cid{font-size:10px!important;text-anchor:middle;fill:var(--muted)!important}
.client .st{font-size:14px!important;font-weight:700;text-anchor:middle;opacity:.5}
.client .st.fresh{opacity:1}
.client .st.ok{fill:var(--ok)!important}.client .st.fail{fill:var(--bad)!important}.client .st.info{fill:var(--unk)!important}
.client .pend{font-size:10px!important;text-anchor:middle;fill:var(--muted)!important}
.msg{cursor:pointer}.msg .hit{fill:transparent}
.msg .dot{stroke-width:2;fill:currentColor;stroke:currentColor}
.msg.reply .dot{fill:var(--bg)}
.msg.sel .dot{stroke:var(--ink);stroke-width:2.5}
.k-vote{color:var(--m-vote)}.k-prevote{color:var(--m-prevote)}.k-append{color:var(--m-append)}.k-snap{color:var(--m-snap)}.k-client{color:var(--m-client)}.k-other{color:var(--m-other)}
.status{min-height:1.4em;font-size:13px;color:var(--muted);margin:2px 2px 0}
.status .warn{color:var(--bad);font-weight:600}
.legend{display:flex;flex-wrap:wrap;gap:2px 12px;font-size:12px;color:var(--muted);margin:2px}
.legend i{display:inline-block;width:9px;height:9px;border-radius:50%;margin-right:4px;vertical-align:-1px;border:2px solid currentColor;box-sizing:border-box}
.legend i.f{background:currentColor}
.logwrap{margin-top:6px}
.logwrap h3,.side h3{font-size:12px;font-weight:600;color:var(--muted);margin:0 0 2px;text-transform:uppercase;letter-spacing:.04em}
.log text{font-size:10px;fill:var(--ink);text-anchor:middle;pointer-events:none}
.log .lbl{text-anchor:start;font-weight:600;fill:var(--muted)}
.log .idx{fill:var(--muted)}
.log .cell{fill:var(--t0);stroke:var(--ink);stroke-width:1}
.log .cell.t1{fill:var(--t1)}.log .cell.t2{fill:var(--t2)}.log .cell.t3{fill:var(--t3)}.log .cell.t4{fill:var(--t4)}.log .cell.t5{fill:var(--t5)}
.log .cell.unc{fill:none;stroke-dasharray:3 2;stroke:var(--muted)}
.log .cell.snap{fill:var(--panel);stroke:var(--faint)}
.log .cell.none{fill:none;stroke:var(--faint);stroke-width:.6;opacity:.6}
.log .row.down{opacity:.5}.log .row.down text{fill:var(--muted)}
.side{display:flex;flex-direction:column;gap:8px;min-width:0}
.score{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:6px}
.col{background:var(--panel);border:1px solid var(--border);border-radius:8px;padding:5px 7px;font-size:12px;border-top:4px solid var(--accent)}
.col.s1{border-top-color:#e69f00}.col.s2{border-top-color:#009e73}.col.s3{border-top-color:#cc79a7}
.col b{font-size:17px;display:block;font-variant-numeric:tabular-nums}
.col.up b{color:var(--ok)}.col.mid b{color:var(--unk)}.col.stalled b{color:var(--muted)}
.cons{margin-top:8px}
.verdict{display:block;width:100%;text-align:left;border-width:2px;border-radius:8px;padding:5px 8px;background:var(--panel)}
.verdict b{display:block;font-size:15px}.verdict span{display:block;font-size:12px;color:var(--muted)}
.verdict.ok{border-color:var(--ok)}.verdict.ok b{color:var(--ok)}
.verdict.bad{border-color:var(--bad)}.verdict.bad b{color:var(--bad)}
.verdict.unk{border-color:var(--unk)}.verdict.unk b{color:var(--unk)}
.verdict.none{cursor:default}
.cons-row{display:flex;flex-wrap:wrap;align-items:center;gap:4px 10px;margin:4px 2px 0;font-size:12px;color:var(--muted)}
.cons-row .warn{color:var(--bad);font-weight:600}
.cons-row button{padding:1px 8px;font-size:12px;margin-left:auto}
.capnote{margin:4px 2px 0;font-size:12.5px;font-weight:600}
.capnote.ap{color:var(--bad)}.capnote.cp{color:var(--ok)}
.tl{margin-top:6px;border:1px solid var(--border);border-radius:8px;padding:4px 6px;background:var(--panel)}
.tl-head{display:flex;flex-wrap:wrap;align-items:center;gap:4px 8px;font-size:12px;color:var(--muted)}
.tl-head h3{margin:0}.tl-head .x{margin-left:auto;padding:0 6px}.tl-head button{font-size:12px;padding:1px 8px}
.tlsvg text{font-size:10px;fill:var(--ink);pointer-events:none}
.tlsvg .lane{fill:var(--muted);font-weight:600}.tlsvg .tick{fill:var(--muted);text-anchor:middle}
.tlsvg .grid{stroke:var(--faint);stroke-width:.6}.tlsvg .sep{stroke:var(--border);stroke-width:.6}
.tlsvg .bar{stroke-width:1;fill:var(--faint);stroke:var(--muted)}
.tlsvg .bar.ok{fill:var(--ok);stroke:var(--ok);fill-opacity:.55}.tlsvg .bar.fail{fill:var(--bad);stroke:var(--bad);fill-opacity:.5}
.tlsvg .bar.info{fill:var(--unk);stroke:var(--unk);fill-opacity:.5}.tlsvg .bar.open{fill-opacity:.2;stroke-dasharray:3 2}
.tlsvg .ext{stroke:var(--unk);stroke-width:1.4;stroke-dasharray:2 3}
.tlsvg .bar.stale{stroke:var(--bad);stroke-width:2;stroke-dasharray:4 2}
.tlsvg .bar.wit{stroke:var(--ink);stroke-width:2.6;stroke-dasharray:none}
.tlsvg .op.wit text{font-weight:700}.tlsvg .op.dim{opacity:.45}
.tlsvg .op.sel .bar{stroke:var(--handle);stroke-width:3;stroke-dasharray:none}.tlsvg .op.sel text{font-weight:700}
.tlsvg .op.stale text{fill:var(--bad)}
.tl-sentence{margin:4px 2px 2px;font-size:13px;font-weight:600;color:var(--bad)}
.tl-lines{margin:0 2px 2px;padding-left:1.2em;font:11.5px/1.45 ui-monospace,monospace;color:var(--ink)}
.col.stalled{border-style:dashed;border-top-color:var(--muted);background:transparent} /* greyed out, still legible (no opacity) */
.since{margin:4px 2px 0;font-size:12px;color:var(--muted)}
.col span{display:block;color:var(--muted);font-variant-numeric:tabular-nums}
.panel{background:var(--panel);border:1px solid var(--border);border-radius:8px;padding:6px 8px;font-size:12px;position:relative}
.panel h4{margin:0 22px 4px 0;font-size:14px}
.panel .x{position:absolute;right:4px;top:4px;padding:0 6px}
.panel dl{display:grid;grid-template-columns:auto 1fr;gap:1px 8px;margin:0 0 6px}
.panel dt{color:var(--muted)}.panel dd{margin:0;font-variant-numeric:tabular-nums;overflow-wrap:anywhere}
.panel dt.grp{color:var(--ink);font-weight:600;margin-top:3px}.panel dd.grp{margin-top:3px;color:var(--ink);font-style:italic}
.panel dd.unsaved{color:var(--bad);font-weight:600}
.panel table{border-collapse:collapse;margin-bottom:6px;font-variant-numeric:tabular-nums}
.panel td,.panel th{padding:0 8px 0 0;text-align:left}.panel th{color:var(--muted);font-weight:400}
.panel .acts{display:flex;gap:6px;flex-wrap:wrap}
.banner,.attr-error{border:2px solid var(--bad);border-radius:8px;padding:8px 10px;margin-bottom:8px;background:var(--panel)}
.banner b,.attr-error b{color:var(--bad)}
.banner button{margin-left:8px}
:host([controls=false]) .controls{display:none}
@media (prefers-reduced-motion:reduce){*{transition:none!important;animation:none!important}}
`;

export const HTML = `
<div class="probe" aria-hidden="true"></div>
<div class="wrap loading">
 <div class="attr-error" role="alert" hidden></div>
 <div class="banner" role="alert" hidden><b>The simulator stopped.</b> <span class="banner-msg"></span><button type="button" data-action="restart-sim">restart</button></div>
 <div class="bar controls" role="toolbar" aria-label="simulation controls">
  <button type="button" class="play" data-action="toggle" aria-label="play">▶ play</button>
  <button type="button" data-action="step" aria-label="step one event" title="process one event">step</button>
  <label class="speed">speed <input class="speed-in" type="range" min="-3" max="1" step="0.05" aria-label="speed (log scale)"><output class="speed-out"></output></label>
  <span class="clock" aria-label="simulated time">t = 0.000 s</span>
  <button type="button" class="heal" data-action="heal" aria-label="heal the partition" title="reconnect everything and bring the nodes home">heal</button>
  <button type="button" data-action="reset" aria-label="reset the run">reset</button>
  <button type="button" data-action="spacetime" aria-pressed="false" title="the space-time diagram: every message as an arrow from send to delivery">space-time</button>
  <div class="nrw" hidden></div>
  <details class="more"><summary>seed, workload, client write &amp; export</summary>
   <div class="row"><label>seed <input class="seed" inputmode="numeric" aria-label="seed"></label>
    <button type="button" data-action="seed">run seed</button><button type="button" data-action="random">random seed</button></div>
   <div class="row"><label>client <select class="client" aria-label="client"></select></label>
    <label>key <input class="key" value="x" aria-label="key"></label>
    <label>value <input class="value" type="number" value="1" aria-label="value"></label>
    <button type="button" data-action="write">write</button><span class="out write-out" aria-live="polite"></span></div>
   <div class="row" role="group" aria-label="client workload"><b>workload</b>
    <label>clients <input class="n wl-clients" type="number" min="1" max="6" aria-label="clients (1 to 6)"></label>
    <label>read <input class="n wl-read" type="number" min="0" max="99" aria-label="read weight"></label>
    <label>write <input class="n wl-write" type="number" min="0" max="99" aria-label="write weight"></label>
    <label>cas <input class="n wl-cas" type="number" min="0" max="99" aria-label="compare-and-set weight"></label>
    <label class="wl-transfer-l" hidden>transfer <input class="n wl-transfer" type="number" min="0" max="99" aria-label="transfer weight (2PC transactions between two accounts)"></label>
    <label>keys <input class="n wl-keys" type="number" min="1" max="9" aria-label="keys (1 to 3; 2PC accounts 2 to 9)"></label>
    <label>every <input class="n wl-interval" type="number" min="10" max="10000" step="10" aria-label="pause between operations, ms"> ms</label>
    <label>timeout <input class="n wl-timeout" type="number" min="50" max="60000" step="50" aria-label="client timeout, ms"> ms</label>
    <button type="button" data-action="workload">apply</button>
    <span class="wl-note">restarts the run at t = 0: same protocol, servers, seed and partition; scripted steps are dropped</span></div>
   <div class="row"><b>history</b>
    <button type="button" data-action="export-porcupine" title="download the client history for Porcupine's visualiser">export history → Porcupine JSON</button>
    <button type="button" data-action="export-edn" title="download the client history for Knossos / Jepsen">→ Jepsen EDN</button>
    <b>run</b><button type="button" data-action="export-shiviz" title="download the run's events with vector clocks for ShiViz">→ ShiViz log</button>
    <button type="button" data-action="export-svg" title="download the space-time diagram as an SVG (what its panel shows)">→ space-time SVG</button></div>
  </details>
 </div>
 <div class="main">
  <div class="stage">
   <p class="scen" hidden><b class="scen-name"></b><span class="scen-desc"></span></p>
   <svg class="diagram" viewBox="0 0 640 400" role="group" aria-label="cluster diagram: drag servers across the line to partition them, or Tab to a server and move it with the arrow keys">
    <g class="tints"><polygon class="tintA"/><polygon class="tintB"/></g>
    <g class="labels"><text class="sidelabel la"/><text class="sidelabel lb"/></g>
    <g class="links"></g><g class="msgs"></g>
    <g class="pline" data-partition-line="" aria-label="partition line: drag to move, drag the round handles to rotate">
     <line class="vis"/><line class="hit"/>
     <g class="h1"><circle class="handle" r="11" data-handle="1" tabindex="-1"/><path class="grip" d="M-4-3h8M-4 0h8M-4 3h8"/></g>
     <g class="h2"><circle class="handle" r="11" data-handle="2" tabindex="-1"/><path class="grip" d="M-4-3h8M-4 0h8M-4 3h8"/></g>
    </g>
    <g class="clients"></g><g class="nodes"></g><g class="notes" aria-live="polite"></g>
   </svg>
   <div class="status" aria-live="polite"></div>
   <section class="tl" hidden aria-label="client timeline">
    <div class="tl-head"><h3>client timeline</h3><span class="tl-mode"></span><button type="button" data-action="tl-mode" hidden></button>
     <button type="button" class="x" data-action="timeline" aria-label="close the timeline">×</button></div>
    <svg class="tlsvg" viewBox="0 0 640 40" role="img" aria-label="client operations over time, one lane per client"></svg>
    <p class="tl-sentence" hidden></p><ul class="tl-lines" hidden></ul>
   </section>
   <div class="legend" aria-hidden="true"><span><i class="f"></i>request</span><span><i></i>reply</span><span class="lg-client"><i class="f k-client"></i>client</span></div>
   <div class="logwrap"><h3 class="log-title"></h3><svg class="log" viewBox="0 0 640 40" aria-label="logs of all nodes, aligned by index"></svg></div>
  </div>
  <div class="side">
   <div><h3>per side of the partition</h3><div class="score" aria-live="off"></div><p class="since"></p></div>
   <section class="ring" hidden></section>
   <div class="cons"><h3>consistency</h3>
    <button type="button" class="verdict none" data-action="verdict" data-verdict=""><b class="v-big"></b><span class="v-sub"></span></button>
    <div class="cons-row"><span class="c-stale"></span><span class="c-lost"></span><button type="button" data-action="timeline" class="tl-btn" aria-pressed="false">timeline</button></div>
    <p class="capnote"></p><p class="diverge" hidden></p></div>
   <section class="panel node-panel" hidden aria-label="node details">
    <button type="button" class="x" data-action="close-node" aria-label="close node panel">×</button>
    <h4 class="np-title"></h4><dl class="np-dl"></dl><table class="np-peers"></table>
    <div class="acts"><button type="button" data-action="crash">crash</button><button type="button" data-action="restart">restart</button><button type="button" data-action="timeout">time out</button></div>
   </section>
   <section class="panel msg-panel" hidden aria-label="message details">
    <button type="button" class="x" data-action="close-msg" aria-label="close message panel">×</button>
    <h4 class="mp-title"></h4><dl class="mp-dl"></dl><div class="acts"><button type="button" data-action="drop">drop it</button></div>
   </section>
  </div>
 </div>
</div>`;
