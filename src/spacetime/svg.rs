//! The space-time diagram as one self-contained SVG file, readable on a slide: a title, a time
//! axis, one line per server and per client, every message an arrow from its send to its
//! delivery (a lost one ends in ✕ where it was lost, one still in flight is dashed to where it is
//! due), marks for elections, commits, crashes, restarts, partitions and heals, each client
//! operation a bar coloured by its outcome (witness operations outlined), and a legend. Colours
//! and fonts are written into the file (a system font stack, no web font, no external reference,
//! no script), so it opens the same in a browser, an editor or a slide tool.
//!
//! ```text
//!        0 s         1 s         2 s
//!   n0 ──●──────╲──────────────┆────      ●  leader elected   ✕ crash   ┆ partition
//!   n1 ─────────▶───╲──────────┆────      ╲▶ delivered        ╲✕ lost
//!   c0 ──[write x=3 ✓]─────────┆────      [  ] operation (green ok, red failed, yellow unknown)
//! ```

use super::{Fate, Record};
use crate::core::history::Outcome;
use crate::protocol::Time;
use crate::sim::journal::MarkKind;
use crate::sim::scenario::Member;
use std::fmt::Write;

/// What to draw (the panel's view: window, filters, colours). No serde: the wasm handle passes
/// these as arguments (a JSON reader for them cost the playground's wasm several KB).
#[derive(Clone, Debug, Default)]
pub struct SvgOptions {
    /// Window start (ms); default: the record's start.
    pub from: Option<Time>,
    /// Window end (ms); default: the record's end.
    pub to: Option<Time>,
    /// Servers in the cluster (lanes `n0`…); default: those the record mentions.
    pub nodes: Option<u32>,
    /// Clients (lanes `c0`…); default: those the record mentions.
    pub clients: Option<u32>,
    /// Only these lanes (`"n0"`, `"c1"`); default: all.
    pub members: Option<Vec<String>>,
    /// Message kinds left out.
    pub hide_kinds: Vec<String>,
    /// Leave out heartbeats and the replies to them.
    pub hide_heartbeats: bool,
    /// (kind, colour family: `vote`, `prevote`, `append`, `snap`, `client`, `other`), as the
    /// page's legend has it; kinds not listed use [`family`].
    pub families: Vec<(String, String)>,
    /// Ids of the checker's witness operations (outlined).
    pub witness: Vec<u64>,
    /// The cursor (ms), drawn as a line; none by default.
    pub cursor: Option<Time>,
    /// Title line; default: "space-time diagram".
    pub title: Option<String>,
}

/// The colour family of a message kind, as the page's legend groups them (mirrors the table in
/// www/render.js; the page passes its own in [`SvgOptions::families`]).
pub fn family(kind: &str) -> &'static str {
    match kind {
        "Prepare" | "Promise" | "Get" | "GetResponse" | "NOTIFICATION" | "VoteYes" | "VoteNo" => "vote",
        "Accept" | "Accepted" | "Put" | "PutAck" | "WriteAcked" | "PROPOSAL" | "ACK" | "COMMIT" | "PING" | "Commit"
        | "Abort" | "Ack" => "append",
        "Chosen" | "MerkleDigest" | "MerkleDiff" | "ReadRepair" | "DIFF" | "TRUNC" | "SNAP" | "NEWLEADER"
        | "UPTODATE" => "snap",
        "HintedHandoff" | "HandoffAck" | "FOLLOWERINFO" | "NEWEPOCH" | "ACKEPOCH" | "DecisionRequest" => "prevote",
        "REQUEST" | "SYNC" => "client",
        "Nack" => "other",
        _ => {
            let k = kind.to_ascii_lowercase();
            if k.contains("prevote") {
                "prevote"
            } else if k.contains("vote") || k.contains("prepare") || k.contains("promise") {
                "vote"
            } else if k.contains("append") || k.contains("heartbeat") || k.contains("accept") || k.contains("proposal")
            {
                "append"
            } else if k.contains("snapshot") {
                "snap"
            } else if k.starts_with("client") {
                "client"
            } else {
                "other"
            }
        }
    }
}

/// The light theme's colours (Okabe–Ito, as the element's stylesheet).
fn colour(family: &str) -> &'static str {
    match family {
        "vote" => "#d55e00",
        "prevote" => "#cc79a7",
        "append" => "#0072b2",
        "snap" => "#009e73",
        "client" => "#e69f00",
        _ => "#6b6b6b",
    }
}
const INK: &str = "#1d232a";
const MUTED: &str = "#5f6873";
const FAINT: &str = "#c9ced4";
const CUT: &str = "#d55e00";
const FONT: &str = "system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif";

/// Escape text for SVG content and attributes.
fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '&' => o.push_str("&amp;"),
            '"' => o.push_str("&quot;"),
            c if (c as u32) < 0x20 => o.push(' '),
            c => o.push(c),
        }
    }
    o
}

/// A coordinate with at most one decimal, written with integers (the playground's wasm carries no
/// float formatter).
fn f1(x: f64) -> String {
    let t = (x * 10.0).round() as i64;
    let (sign, t) = if t < 0 { ("-", -t) } else { ("", t) };
    if t % 10 == 0 {
        format!("{sign}{}", t / 10)
    } else {
        format!("{sign}{}.{}", t / 10, t % 10)
    }
}

/// Seconds for an axis label, with as many decimals as the step needs.
fn secs(t: Time, step: Time) -> String {
    let (s, ms) = (t / 1000, t % 1000);
    if step < 100 {
        format!("{s}.{:02} s", ms / 10)
    } else if step < 1000 {
        format!("{s}.{} s", ms / 100)
    } else {
        format!("{s} s")
    }
}

/// The diagram as an SVG document (see the module docs).
pub fn to_svg(record: &Record, opt: &SvgOptions) -> String {
    let a = opt.from.unwrap_or(record.from());
    let b = opt.to.unwrap_or(record.to()).max(a + 1);
    // Lanes: servers, then clients.
    let mut nodes = opt.nodes.unwrap_or(0);
    let mut clients = opt.clients.unwrap_or(0);
    let mut see = |m: Member| match m {
        Member::Node(n) if opt.nodes.is_none() => nodes = nodes.max(n + 1),
        Member::Client(c) if opt.clients.is_none() => clients = clients.max(c + 1),
        _ => {}
    };
    for m in record.messages() {
        see(m.from);
        see(m.to);
    }
    for k in record.marks() {
        if let Some(m) = k.member {
            see(m);
        }
    }
    for o in record.ops() {
        see(Member::Client(o.op.client));
    }
    let mut lanes: Vec<Member> = (0..nodes).map(Member::Node).chain((0..clients).map(Member::Client)).collect();
    if let Some(only) = &opt.members {
        lanes.retain(|m| only.iter().any(|s| *s == m.to_string()));
    }

    const W: f64 = 1200.0;
    const X0: f64 = 64.0;
    const X1: f64 = 1176.0;
    const TOP: f64 = 78.0;
    const LANE: f64 = 46.0;
    let span = (b - a) as f64;
    let x = |t: Time| X0 + (t.clamp(a, b) - a) as f64 / span * (X1 - X0);
    let xf = |t: f64| X0 + (t.clamp(a as f64, b as f64) - a as f64) / span * (X1 - X0);
    let y = |m: Member| lanes.iter().position(|l| *l == m).map(|i| TOP + 18.0 + i as f64 * LANE);
    let body_h = lanes.len().max(1) as f64 * LANE;
    let legend_y = TOP + body_h + 26.0;

    let fam = |kind: &str| -> &str {
        opt.families.iter().find(|(k, _)| k == kind).map(|(_, f)| f.as_str()).unwrap_or_else(|| family(kind))
    };
    let shown = |m: &super::Msg| !(opt.hide_heartbeats && m.heartbeat) && !opt.hide_kinds.iter().any(|k| k == m.kind);
    let msgs: Vec<&super::Msg> =
        record.messages_in(a, b).filter(|m| shown(m) && y(m.from).is_some() && y(m.to).is_some()).collect();

    let mut kinds: Vec<(&str, bool)> = Vec::new();
    for m in &msgs {
        if !kinds.iter().any(|(k, _)| *k == m.kind) {
            kinds.push((m.kind, m.is_reply));
        }
    }
    // The body first: the height is known once the legend has wrapped.
    let mut s = String::with_capacity(256 + msgs.len() * 160);
    let title = opt.title.clone().unwrap_or_else(|| "space-time diagram".to_string());
    let _ = writeln!(
        s,
        "<text x=\"{X0}\" y=\"28\" font-size=\"19\" font-weight=\"700\" fill=\"{INK}\">{}</text>",
        esc(&title)
    );
    let mut sub = format!("{} – {} of simulated time · {} messages", secs(a, 1), secs(b, 1), msgs.len());
    if opt.hide_heartbeats {
        sub.push_str(" (heartbeats hidden)");
    }
    let _ = writeln!(s, "<text x=\"{X0}\" y=\"48\" fill=\"{MUTED}\">{}</text>", esc(&sub));

    // Time axis: about eight ticks at a round step.
    const STEPS: [Time; 16] = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 60000, 120000];
    let step = STEPS.iter().copied().find(|st| (b - a) / st <= 8).unwrap_or(300_000);
    s.push_str("<g font-size=\"13\" fill=\"");
    s.push_str(MUTED);
    s.push_str("\" text-anchor=\"middle\">\n");
    let mut t = a.div_ceil(step) * step;
    while t <= b {
        let xt = f1(x(t));
        let _ = writeln!(
            s,
            "<line x1=\"{xt}\" x2=\"{xt}\" y1=\"{}\" y2=\"{}\" stroke=\"{FAINT}\" stroke-width=\"0.8\"/><text x=\"{xt}\" y=\"{}\">{}</text>",
            TOP - 6.0,
            f1(TOP + body_h),
            TOP - 10.0,
            secs(t, step)
        );
        t += step;
    }
    s.push_str("</g>\n");

    // Partitions: tint the lanes cut off, from the partition to the next heal or partition.
    let net: Vec<&super::Mark> = record.marks().filter(|k| k.member.is_none()).collect();
    for (i, k) in net.iter().enumerate() {
        if k.kind != MarkKind::Partition || k.at > b {
            continue;
        }
        let until = net.get(i + 1).map(|n| n.at).unwrap_or(b);
        if until < a {
            continue;
        }
        for m in &k.cut_off {
            if let Some(yy) = y(*m) {
                let _ = writeln!(
                    s,
                    "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#e69f00\" fill-opacity=\"0.14\"/>",
                    f1(x(k.at)),
                    f1(yy - LANE / 2.0 + 3.0),
                    f1((x(until) - x(k.at)).max(0.5)),
                    f1(LANE - 6.0)
                );
            }
        }
    }

    // Lanes, dashed while the node is down.
    for (i, m) in lanes.iter().enumerate() {
        let yy = TOP + 18.0 + i as f64 * LANE;
        let _ = writeln!(
            s,
            "<text x=\"{}\" y=\"{}\" font-size=\"16\" font-weight=\"700\" fill=\"{INK}\" text-anchor=\"end\">{m}</text>",
            X0 - 12.0,
            f1(yy + 5.0)
        );
        let _ = writeln!(
            s,
            "<line x1=\"{X0}\" x2=\"{X1}\" y1=\"{0}\" y2=\"{0}\" stroke=\"{MUTED}\" stroke-width=\"1.4\"/>",
            f1(yy)
        );
        let mut down: Option<Time> = None;
        let mut spans = Vec::new();
        for k in record.marks().filter(|k| k.member == Some(*m)) {
            match k.kind {
                MarkKind::Crash => down = Some(k.at),
                MarkKind::Restart => {
                    if let Some(d) = down.take() {
                        spans.push((d, k.at));
                    }
                }
                _ => {}
            }
        }
        if let Some(d) = down {
            spans.push((d, b));
        }
        for (d, u) in spans.into_iter().filter(|(d, u)| *u >= a && *d <= b) {
            let _ = writeln!(
                s,
                "<line x1=\"{}\" x2=\"{}\" y1=\"{2}\" y2=\"{2}\" stroke=\"#ffffff\" stroke-width=\"3\"/><line x1=\"{0}\" x2=\"{1}\" y1=\"{2}\" y2=\"{2}\" stroke=\"{MUTED}\" stroke-width=\"1.4\" stroke-dasharray=\"3 4\"/>",
                f1(x(d)),
                f1(x(u)),
                f1(yy)
            );
        }
    }

    // Client operations: bars on their client's lane.
    let witness = &opt.witness;
    for o in record.ops_in(a, b) {
        let Some(yy) = y(Member::Client(o.op.client)) else { continue };
        let end = o.op.complete.unwrap_or(record.to());
        let (fill, mark) = match o.op.outcome {
            Some(Outcome::Ok) => ("#00785a", "✓"),
            Some(Outcome::Fail) => ("#b34a00", "✕"),
            Some(Outcome::Info) => ("#7a6000", "?"),
            None => (MUTED, "…"),
        };
        let (x0, x1) = (x(o.op.invoke), x(end).max(x(o.op.invoke) + 2.0));
        let wit = witness.contains(&o.op.id);
        let stroke = if wit { format!(" stroke=\"{INK}\" stroke-width=\"2.5\"") } else { String::new() };
        let _ = writeln!(
            s,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"10\" rx=\"2\" fill=\"{fill}\" fill-opacity=\"0.6\"{stroke}><title>#{} c{}: {} {mark}</title></rect>",
            f1(x0),
            f1(yy + 5.0),
            f1(x1 - x0),
            o.op.id,
            o.op.client,
            esc(&o.label)
        );
        let label = format!(
            "{}{} {mark}",
            if wit { "#".to_string() + &o.op.id.to_string() + " " } else { String::new() },
            o.label
        );
        if (x1 - x0) >= label.chars().count() as f64 * 6.6 || wit {
            let _ = writeln!(
                s,
                "<text x=\"{}\" y=\"{}\" font-size=\"12\" fill=\"{INK}\"{}>{}</text>",
                f1(x0),
                f1(yy + 28.0),
                if wit { " font-weight=\"700\"" } else { "" },
                esc(&label)
            );
        }
    }

    // Messages: arrows from send to delivery (or to where they were lost).
    s.push_str("<g stroke-linecap=\"round\" fill=\"none\">\n");
    for m in &msgs {
        let (Some(ya), Some(yb)) = (y(m.from), y(m.to)) else { continue };
        let c = colour(&fam(m.kind));
        let x0 = x(m.sent);
        let frac = |t: Time| if m.due > m.sent { (t - m.sent) as f64 / (m.due - m.sent) as f64 } else { 1.0 };
        let (xe, ye) = match m.fate {
            Fate::Lost => (x(m.end), ya + (yb - ya) * frac(m.end).clamp(0.0, 1.0)),
            _ => (xf(m.due as f64), yb),
        };
        let dash = match (m.fate, m.is_reply) {
            (Fate::InFlight, _) => " stroke-dasharray=\"2 3\"",
            (_, true) => " stroke-dasharray=\"6 3\"",
            _ => "",
        };
        let width = if m.heartbeat { "1" } else { "1.6" };
        let op = if m.heartbeat { " stroke-opacity=\"0.55\"" } else { "" };
        let _ = write!(
            s,
            "<path d=\"M{} {}L{} {}\" stroke=\"{c}\" stroke-width=\"{width}\"{dash}{op}><title>{} #{} {} → {}: {} · sent {} ms, {}</title></path>",
            f1(x0),
            f1(ya),
            f1(xe),
            f1(ye),
            m.kind,
            m.id,
            m.from,
            m.to,
            esc(&m.detail),
            m.sent,
            match m.fate {
                Fate::Delivered => format!("delivered {} ms", m.end),
                Fate::Lost => format!("lost {} ms", m.end),
                Fate::InFlight => format!("due {} ms", m.due),
            }
        );
        match m.fate {
            Fate::Delivered => {
                // An arrowhead along the arrow's direction.
                let (dx, dy) = (xe - x0, ye - ya);
                let len = (dx * dx + dy * dy).sqrt().max(1e-6);
                let (ux, uy) = (dx / len, dy / len);
                let (bx, by) = (xe - ux * 7.0, ye - uy * 7.0);
                let _ = write!(
                    s,
                    "<path d=\"M{} {}L{} {}L{} {}Z\" fill=\"{c}\" stroke=\"none\"{op}/>",
                    f1(xe),
                    f1(ye),
                    f1(bx - uy * 3.5),
                    f1(by + ux * 3.5),
                    f1(bx + uy * 3.5),
                    f1(by - ux * 3.5)
                );
            }
            Fate::Lost => {
                let _ = write!(
                    s,
                    "<path d=\"M{} {}l8 8m0 -8l-8 8\" stroke=\"{CUT}\" stroke-width=\"2.2\"/>",
                    f1(xe - 4.0),
                    f1(ye - 4.0)
                );
            }
            Fate::InFlight => {}
        }
        if m.dup_of.is_some() {
            let _ = write!(
                s,
                "<text x=\"{}\" y=\"{}\" font-size=\"11\" fill=\"{c}\" stroke=\"none\">×2</text>",
                f1(xe + 3.0),
                f1(ye - 5.0)
            );
        }
        s.push('\n');
    }
    s.push_str("</g>\n");

    // Marks.
    for k in record.marks_in(a, b) {
        let xk = f1(x(k.at));
        match (k.member.and_then(y), k.kind) {
            (None, MarkKind::Partition | MarkKind::Heal) => {
                let heal = k.kind == MarkKind::Heal;
                let _ = writeln!(
                    s,
                    "<line x1=\"{xk}\" x2=\"{xk}\" y1=\"{}\" y2=\"{}\" stroke=\"{CUT}\" stroke-width=\"2.4\"{}><title>{}</title></line><text x=\"{xk}\" y=\"{}\" font-size=\"13\" font-weight=\"700\" fill=\"{CUT}\" text-anchor=\"middle\">{}</text>",
                    TOP - 4.0,
                    f1(TOP + body_h),
                    if heal { " stroke-dasharray=\"5 4\"" } else { "" },
                    esc(&k.text),
                    f1(TOP + body_h + 15.0),
                    if heal { "heal" } else { "partition" }
                );
            }
            (Some(yy), MarkKind::Leader) => {
                let term = k.term.map(|t| format!(" T{t}")).unwrap_or_default();
                let _ = writeln!(
                    s,
                    "<circle cx=\"{xk}\" cy=\"{}\" r=\"6\" fill=\"{INK}\"><title>{}</title></circle><text x=\"{xk}\" y=\"{}\" font-size=\"12.5\" font-weight=\"700\" fill=\"{INK}\" text-anchor=\"middle\">L{term}</text>",
                    f1(yy),
                    esc(&k.text),
                    f1(yy - 10.0)
                );
            }
            (Some(yy), MarkKind::Commit) => {
                let _ = writeln!(
                    s,
                    "<path d=\"M{xk} {}v12\" stroke=\"#00785a\" stroke-width=\"2\"><title>{}</title></path>",
                    f1(yy - 6.0),
                    esc(&k.text)
                );
            }
            (Some(yy), MarkKind::Crash) => {
                let _ = writeln!(
                    s,
                    "<text x=\"{xk}\" y=\"{}\" font-size=\"20\" font-weight=\"700\" fill=\"#b34a00\" text-anchor=\"middle\">✕<title>{}</title></text>",
                    f1(yy + 7.0),
                    esc(&k.text)
                );
            }
            (Some(yy), MarkKind::Restart) => {
                let _ = writeln!(
                    s,
                    "<text x=\"{xk}\" y=\"{}\" font-size=\"16\" font-weight=\"700\" fill=\"{INK}\" text-anchor=\"middle\">↺<title>{}</title></text>",
                    f1(yy + 6.0),
                    esc(&k.text)
                );
            }
            _ => {}
        }
    }
    if let Some(c) = opt.cursor.filter(|c| *c >= a && *c <= b) {
        let xc = f1(x(c));
        // The label stays on the page at either end.
        let anchor = if x(c) > X1 - 60.0 {
            "end"
        } else if x(c) < X0 + 60.0 {
            "start"
        } else {
            "middle"
        };
        let _ = writeln!(
            s,
            "<line x1=\"{xc}\" x2=\"{xc}\" y1=\"{}\" y2=\"{}\" stroke=\"{INK}\" stroke-width=\"1.5\"/><text x=\"{xc}\" y=\"{}\" font-size=\"12\" fill=\"{INK}\" text-anchor=\"{anchor}\">now {}</text>",
            TOP - 4.0,
            f1(TOP + body_h),
            f1(TOP + body_h + 30.0),
            secs(c, 1)
        );
    }

    // Legend.
    let mut lx = X0;
    let mut ly = legend_y + 14.0;
    let item = |s: &mut String, lx: &mut f64, ly: &mut f64, glyph: String, text: &str| {
        let w = 48.0 + text.chars().count() as f64 * 8.0;
        if *lx + w > X1 {
            *lx = X0;
            *ly += 24.0;
        }
        let _ = writeln!(
            s,
            "<g transform=\"translate({},{})\">{glyph}<text x=\"34\" y=\"5\" fill=\"{INK}\">{}</text></g>",
            f1(*lx),
            f1(*ly),
            esc(text)
        );
        *lx += w;
    };
    for (k, _) in &kinds {
        let c = colour(&fam(k));
        item(&mut s, &mut lx, &mut ly, format!("<path d=\"M0 0h26\" stroke=\"{c}\" stroke-width=\"2.4\"/>"), k);
    }
    lx = X0;
    ly += 24.0;
    item(&mut s, &mut lx, &mut ly, format!("<path d=\"M0 0h26\" stroke=\"{INK}\" stroke-width=\"1.6\"/>"), "request");
    item(
        &mut s,
        &mut lx,
        &mut ly,
        format!("<path d=\"M0 0h26\" stroke=\"{INK}\" stroke-width=\"1.6\" stroke-dasharray=\"6 3\"/>"),
        "reply",
    );
    item(
        &mut s,
        &mut lx,
        &mut ly,
        format!("<path d=\"M0 0h18\" stroke=\"{INK}\" stroke-width=\"1.6\"/><path d=\"M18 -4l8 8m0 -8l-8 8\" stroke=\"{CUT}\" stroke-width=\"2.2\"/>"),
        "lost",
    );
    item(
        &mut s,
        &mut lx,
        &mut ly,
        format!("<path d=\"M0 0h26\" stroke=\"{INK}\" stroke-width=\"1.6\" stroke-dasharray=\"2 3\"/>"),
        "in flight",
    );
    if msgs.iter().any(|m| m.dup_of.is_some()) {
        let glyph = format!("<text x=\"13\" y=\"5\" font-size=\"12\" fill=\"{INK}\" text-anchor=\"middle\">×2</text>");
        item(&mut s, &mut lx, &mut ly, glyph, "duplicate");
    }
    item(
        &mut s,
        &mut lx,
        &mut ly,
        format!("<circle cx=\"13\" cy=\"0\" r=\"6\" fill=\"{INK}\"/>"),
        "leader elected (T = term)",
    );
    item(&mut s, &mut lx, &mut ly, "<path d=\"M13 -6v12\" stroke=\"#00785a\" stroke-width=\"2\"/>".into(), "commit");
    item(
        &mut s,
        &mut lx,
        &mut ly,
        "<text x=\"13\" y=\"7\" font-size=\"20\" font-weight=\"700\" fill=\"#b34a00\" text-anchor=\"middle\">✕</text>"
            .into(),
        "crash (dashed while down)",
    );
    item(
        &mut s,
        &mut lx,
        &mut ly,
        format!("<path d=\"M13 -9v18\" stroke=\"{CUT}\" stroke-width=\"2.4\"/>"),
        "partition / heal (dashed)",
    );
    item(
        &mut s,
        &mut lx,
        &mut ly,
        "<rect x=\"0\" y=\"-5\" width=\"26\" height=\"10\" rx=\"2\" fill=\"#00785a\" fill-opacity=\"0.6\"/>".into(),
        "operation ✓ ok (red ✕ failed, yellow ? unknown; outlined: the checker's witness)",
    );
    let h = ly + 22.0;
    let mut doc = String::with_capacity(s.len() + 400);
    let _ = writeln!(
        doc,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {W} {0}\" width=\"{W}\" height=\"{0}\" font-family=\"{FONT}\" font-size=\"14\">",
        f1(h)
    );
    let _ = writeln!(doc, "<title>{}</title>", esc(&title));
    let _ = writeln!(doc, "<rect width=\"{W}\" height=\"{}\" fill=\"#ffffff\"/>", f1(h));
    doc.push_str(&s);
    doc.push_str("</svg>\n");
    doc
}
