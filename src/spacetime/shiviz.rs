//! The run as a ShiViz log (Beschastnikh et al., "Debugging distributed systems", CACM 2016;
//! <https://bestchai.bitbucket.io/shiviz/>): every event of every process with its vector clock,
//! in the two-line form GoVector writes, so ShiViz draws the same space-time diagram and can
//! answer happened-before questions about it.
//!
//! ```text
//! (?<time>\d+) ms (?<event>.*)\n(?<host>\S+) (?<clock>\{.*\})      ← line 1: the expression
//!                                                                  ← line 2: no delimiter
//! 812 ms n0 sends AppendEntries #41 to n2: term 2, prev 3@2, 0 entries, commit 3
//! n0 {"n0":17,"n1":9,"n2":12}
//! 826 ms n2 receives AppendEntries #41 from n0
//! n2 {"n0":17,"n1":9,"n2":13}
//! ```
//!
//! Processes are the servers (`n0`…), the clients (`c0`…) and, for partitions and heals, `net`.
//! Events, in the order the simulator processed them: a send (one per message; a copy the network
//! duplicated is received as the same send), a receive (a lost message has none: its send says
//! where it was lost), elections, commits, crashes and restarts at their node, and a client's
//! invocations and completions. Clocks follow Fidge and Mattern: a process's own entry counts its
//! events (1 for its first), a receive takes the entry-wise maximum with the send's clock, and
//! entries that are zero are left out (ShiViz's convention).

use super::{Fate, Record};
use crate::sim::journal::MarkKind;
use crate::sim::scenario::Member;

/// The expression to paste into ShiViz's "log parsing regular expression" field.
pub const REGEX: &str = r"(?<time>\d+) ms (?<event>.*)\n(?<host>\S+) (?<clock>\{.*\})";

/// One event of the log, before clocks are computed.
struct Event {
    seq: u64,
    host: String,
    time: u64,
    text: String,
    /// A send: the message id whose clock receivers merge.
    sends: Option<u64>,
    /// A receive: the message id (or its original's, for a duplicate) whose clock to merge.
    receives: Option<u64>,
}

/// The record as a ShiViz log: the expression on the first line, an empty delimiter line, then
/// the events (ShiViz's upload format; paste from the third line on with [`REGEX`]).
pub fn to_shiviz(record: &Record) -> String {
    let host = |m: Member| m.to_string();
    // Ids grow with sends: the ids held, sorted, for a binary search.
    let held: Vec<u64> = record.messages().filter(|m| m.seq > 0).map(|m| m.id).collect();
    let mut events: Vec<Event> = Vec::new();
    for m in record.messages() {
        // A duplicate's send is its original's, when that is in the record.
        let origin = m.dup_of.filter(|o| held.binary_search(o).is_ok()).unwrap_or(m.id);
        if m.seq > 0 && origin == m.id {
            let fate = match m.fate {
                Fate::Lost => format!(" (lost at {} ms)", m.end),
                Fate::InFlight => " (in flight at the end)".to_string(),
                Fate::Delivered => String::new(),
            };
            events.push(Event {
                seq: m.seq,
                host: host(m.from),
                time: m.sent,
                text: format!("{} sends {} #{} to {}: {}{fate}", m.from, m.kind, m.id, m.to, m.detail),
                sends: Some(m.id),
                receives: None,
            });
        }
        if m.fate == Fate::Delivered {
            let copy = if origin != m.id { format!(" (a duplicate of #{origin})") } else { String::new() };
            events.push(Event {
                seq: m.end_seq,
                host: host(m.to),
                time: m.end,
                text: format!("{} receives {} #{} from {}{copy}", m.to, m.kind, m.id, m.from),
                sends: None,
                receives: Some(origin),
            });
        }
    }
    for k in record.marks() {
        let h = match (k.member, k.kind) {
            (Some(m), _) => host(m),
            (None, MarkKind::Partition | MarkKind::Heal) => "net".to_string(),
            (None, _) => continue,
        };
        events.push(Event { seq: k.seq, host: h, time: k.at, text: k.text.clone(), sends: None, receives: None });
    }
    for o in record.ops() {
        let c = format!("c{}", o.op.client);
        let label = &o.label;
        if o.seq > 0 {
            events.push(Event {
                seq: o.seq,
                host: c.clone(),
                time: o.op.invoke,
                text: format!("{c} invokes #{} {label}", o.op.id),
                sends: None,
                receives: None,
            });
        }
        if let (Some(t), Some(out)) = (o.op.complete, o.op.outcome) {
            let result = o.result_label.as_ref().map(|r| format!(" {r}")).unwrap_or_default();
            let out = serde_json::to_value(out).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
            events.push(Event {
                seq: o.end_seq,
                host: c,
                time: t,
                text: format!("c{} completes #{} {label}: {out}{result}", o.op.client, o.op.id),
                sends: None,
                receives: None,
            });
        }
    }
    let mut order: Vec<&Event> = events.iter().collect();
    crate::core::sort::sort_by_key(&mut order, |e| e.seq);

    let mut out = String::with_capacity(events.len() * 96 + 128);
    out.push_str(REGEX);
    out.push_str("\n\n");
    // Processes in the order they first appear; a clock is one count per process (so no map: the
    // playground's wasm carries no BTreeMap for this).
    let mut hosts: Vec<&str> = Vec::new();
    for e in &order {
        if !hosts.contains(&e.host.as_str()) {
            hosts.push(&e.host);
        }
    }
    let n = hosts.len();
    let mut clocks: Vec<Vec<u64>> = vec![vec![0; n]; n];
    // The clock of each send, by message id (sends come in id order: binary search).
    let mut sent: Vec<(u64, Vec<u64>)> = Vec::new();
    // Keys sorted by name, as ShiViz's own logs have them.
    let mut by_name: Vec<usize> = (0..n).collect();
    crate::core::sort::sort_by(&mut by_name, |a, b| hosts[*a].cmp(hosts[*b]));
    for e in order {
        let h = hosts.iter().position(|x| *x == e.host).unwrap_or(0);
        let mut c = std::mem::take(&mut clocks[h]);
        c[h] += 1;
        if let Some(Ok(k)) = e.receives.map(|id| sent.binary_search_by_key(&id, |(i, _)| *i)) {
            for (x, v) in c.iter_mut().zip(&sent[k].1) {
                *x = (*x).max(*v);
            }
        }
        if let Some(id) = e.sends {
            sent.push((id, c.clone()));
        }
        let clock: Vec<String> =
            by_name.iter().filter(|&&i| c[i] > 0).map(|&i| format!("\"{}\":{}", hosts[i], c[i])).collect();
        out.push_str(&format!("{} ms {}\n{} {{{}}}\n", e.time, one_line(&e.text), e.host, clock.join(",")));
        clocks[h] = c;
    }
    out
}

/// Event text on one line (ShiViz's expression reads the event up to the line's end).
fn one_line(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}
