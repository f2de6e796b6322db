//! Share links: a recorded run (see [`super::travel`]) in a URL fragment. The fragment value is
//!
//! ```text
//! 1.<protocol>.<data>              a default run (the element's protocol / nodes / seed)
//! 1.<protocol>.<scenario>.<data>   a run of the library scenario scenarios/<scenario>.json
//! ```
//!
//! The protocol (and scenario name) are plain text so the page knows which wasm bundle (and
//! file) to load before it can decode the rest. `<data>` is base64url (no padding) of bytes:
//!
//! ```text
//! kind            0 = default run: nodes, seed · 1 = library scenario: seed · 2 = inline: JSON
//! actions         count, then per action: Δat, Δevents (from the previous one), tag, fields
//! end             Δat, Δevents from the last action: the end of the recorded run
//! moment          at, events: where the reader was (the opener lands there)
//! hash            8 bytes, little-endian: the trace hash at the end (checked on replay)
//! ```
//!
//! Numbers are LEB128 varints (signed ones zigzagged), strings a length and UTF-8 bytes. A
//! partition with its drag, a crash and a client write cost a few bytes each; a fresh default
//! run's link is about 30 characters.

use super::{Position, Recorded, TimeMachine};
use crate::core::ops::{LinkRead, LinkWrite};
use crate::protocol::Time;
use crate::registry::any::AnySim;
use crate::registry::{accepted, profile, Profile, PROTOCOLS};
use crate::sim::scenario::{Action, ConfigText, Member, OpText, Scenario, Workload};

/// Format version (the first field of the fragment value).
pub const VERSION: &str = "1";
/// Most actions a link may carry (and so the most a recorded run accepts: see
/// [`TimeMachine::apply`]).
pub const MAX_ACTIONS: u64 = 100_000;
/// Latest end a link may ask for (simulated ms): 100 hours. A recorded run stops there (see
/// [`super::MAX_RUN_MS`]), so every run the element holds can be shared.
pub const MAX_END_MS: Time = 100 * 3_600_000;

/// The run the element starts without a scenario: `nodes` servers of `protocol`, two clients
/// and a light workload, running until the reader stops it. Share links name it by its three
/// parameters only.
pub fn playground_default(protocol: &str, nodes: u32, seed: u64) -> Scenario {
    let mut s = Scenario::default_for(protocol, nodes, seed);
    s.workload = Some(Workload { interval_ms: 700, ..Default::default() });
    // A protocol with a workload of its own (2PC: a bank's transfers and balance reads).
    if let Some(w) = profile(protocol).and_then(|v| v.playground_workload) {
        s.workload = serde_json::from_str(w).ok().or(s.workload);
    }
    s.until = u64::MAX / 4;
    s
}

/// Where a shared run's scenario comes from.
#[derive(Clone, Debug, PartialEq)]
pub enum Source {
    /// [`playground_default`] with these parameters.
    Defaults {
        /// Protocol.
        protocol: String,
        /// Servers.
        nodes: u32,
        /// Seed.
        seed: u64,
    },
    /// `scenarios/<name>.json` with its seed replaced.
    Library {
        /// Protocol (checked against the file).
        protocol: String,
        /// File name without `.json`.
        name: String,
        /// Seed.
        seed: u64,
    },
    /// The scenario itself, as JSON.
    Inline {
        /// Protocol (checked against the JSON).
        protocol: String,
        /// Scenario JSON.
        json: String,
    },
}

impl Source {
    /// The protocol the link names.
    pub fn protocol(&self) -> &str {
        match self {
            Source::Defaults { protocol, .. } | Source::Library { protocol, .. } | Source::Inline { protocol, .. } => {
                protocol
            }
        }
    }
}

/// A decoded share link.
#[derive(Clone, Debug, PartialEq)]
pub struct SharedRun {
    /// The scenario.
    pub source: Source,
    /// The reader's actions.
    pub actions: Vec<Recorded>,
    /// The end of the recorded run.
    pub end: Position,
    /// Where the reader was.
    pub moment: Position,
    /// Trace hash at `end`.
    pub hash: u64,
}

// ---- base64url --------------------------------------------------------------------------------

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// base64url without padding.
pub fn b64_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, &b)| n | (b as u32) << (16 - 8 * i));
        for i in 0..chunk.len() + 1 {
            out.push(B64[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

/// Decode base64url (padding and standard base64's `+` `/` tolerated); says where it is wrong.
pub fn b64_decode(text: &str) -> Result<Vec<u8>, String> {
    let text = text.trim_end_matches('=');
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0);
    for (i, c) in text.chars().enumerate() {
        let v = match c {
            'A'..='Z' => c as u32 - 'A' as u32,
            'a'..='z' => c as u32 - 'a' as u32 + 26,
            '0'..='9' => c as u32 - '0' as u32 + 52,
            '-' | '+' => 62,
            '_' | '/' => 63,
            _ => return Err(format!("character {} ('{c}') is not base64url (A–Z, a–z, 0–9, - and _)", i + 1)),
        };
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    if bits == 6 {
        return Err("the data ends with a stray character: the link was cut short".into());
    }
    Ok(out)
}

// ---- bytes ------------------------------------------------------------------------------------

struct Writer(Vec<u8>);

impl Writer {
    fn u(&mut self, mut v: u64) {
        loop {
            let b = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                self.0.push(b);
                return;
            }
            self.0.push(b | 0x80);
        }
    }
    fn i(&mut self, v: i64) {
        self.u(((v << 1) ^ (v >> 63)) as u64);
    }
    fn s(&mut self, s: &str) {
        self.u(s.len() as u64);
        self.0.extend_from_slice(s.as_bytes());
    }
    fn m(&mut self, m: Member) {
        match m {
            Member::Node(n) => self.u(2 * n as u64),
            Member::Client(c) => self.u(2 * c as u64 + 1),
        }
    }
}

struct Reader<'a> {
    b: &'a [u8],
    pos: usize,
    /// What is being read, for messages: "action 3 of 5".
    what: String,
}

impl Reader<'_> {
    fn short(&self) -> String {
        format!("the link is cut short: its data ends inside {}", self.what)
    }
    fn byte(&mut self) -> Result<u8, String> {
        let b = *self.b.get(self.pos).ok_or_else(|| self.short())?;
        self.pos += 1;
        Ok(b)
    }
    fn u(&mut self) -> Result<u64, String> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            v |= ((b & 0x7f) as u64) << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(format!("a number in {} is too long", self.what))
    }
    fn u32(&mut self, what: &str, max: u64) -> Result<u32, String> {
        let v = self.u()?;
        if v > max {
            return Err(format!("{} has {what} {v}: at most {max} is possible", self.what));
        }
        Ok(v as u32)
    }
    fn i(&mut self) -> Result<i64, String> {
        let v = self.u()?;
        Ok(((v >> 1) as i64) ^ -((v & 1) as i64))
    }
    fn s(&mut self) -> Result<String, String> {
        let n = self.u()? as usize;
        let end = self.pos.checked_add(n).filter(|&e| e <= self.b.len()).ok_or_else(|| self.short())?;
        let s = std::str::from_utf8(&self.b[self.pos..end])
            .map_err(|_| format!("a text in {} is not UTF-8", self.what))?
            .to_string();
        self.pos = end;
        Ok(s)
    }
    fn m(&mut self) -> Result<Member, String> {
        let v = self.u32("a member id", 255)?;
        Ok(if v % 2 == 0 { Member::Node(v / 2) } else { Member::Client(v / 2) })
    }
}

const TAGS: &[&str] = &[
    "partition",
    "heal",
    "cut",
    "crash",
    "restart",
    "timeout",
    "client",
    "drop_next",
    "duplicate_next",
    "move_client",
    "drop_message",
    "configure",
    "deliver",
    "fire_timer",
    "client_timer",
];

impl LinkWrite for Writer {
    fn uint(&mut self, v: u64) {
        self.u(v);
    }
    fn int(&mut self, v: i64) {
        self.i(v);
    }
    fn text(&mut self, s: &str) {
        self.s(s);
    }
}

impl LinkRead for Reader<'_> {
    fn uint(&mut self) -> Result<u64, String> {
        self.u()
    }
    fn int(&mut self) -> Result<i64, String> {
        self.i()
    }
    fn text(&mut self) -> Result<String, String> {
        self.s()
    }
}

fn write_action(w: &mut Writer, a: &Action, vocab: &Profile) -> Result<(), String> {
    match a {
        Action::Partition { groups } => {
            w.u(0);
            w.u(groups.len() as u64);
            for g in groups {
                w.u(g.len() as u64);
                for m in g {
                    w.m(*m);
                }
            }
        }
        Action::Heal => w.u(1),
        Action::Cut { from, to } => {
            w.u(2);
            w.m(*from);
            w.m(*to);
        }
        Action::Crash { node } => {
            w.u(3);
            w.u(*node as u64);
        }
        Action::Restart { node } => {
            w.u(4);
            w.u(*node as u64);
        }
        Action::Timeout { node } => {
            w.u(5);
            w.u(*node as u64);
        }
        Action::Client { client, op } => {
            w.u(6);
            w.u(*client as u64);
            // The operation's own code and fields (0 read, 1 write, 2 cas, 3 transfer). A
            // recorded operation passed [`link_action`] when it was carried out, so it parses.
            (vocab.write_link)(op.get(), w)?;
        }
        Action::DropNext { from, to } => {
            w.u(7);
            w.m(*from);
            w.m(*to);
        }
        Action::DuplicateNext { from, to } => {
            w.u(8);
            w.m(*from);
            w.m(*to);
        }
        Action::MoveClient { client, node } => {
            w.u(9);
            w.u(*client as u64);
            w.u(*node as u64);
        }
        Action::DropMessage { id } => {
            w.u(10);
            w.u(*id);
        }
        Action::Configure { config } => {
            w.u(11);
            w.s(config.0.get());
        }
        Action::Deliver { id } => {
            w.u(12);
            w.u(*id);
        }
        Action::FireTimer { node, timer } => {
            w.u(13);
            w.u(*node as u64);
            w.s(timer);
        }
        Action::ClientTimer { client, timer } => {
            w.u(14);
            w.u(*client as u64);
            w.s(timer);
        }
    }
    Ok(())
}

fn read_action(r: &mut Reader, vocab: &Profile) -> Result<Action, String> {
    let tag = r.u()?;
    Ok(match tag {
        0 => {
            let n = r.u32("groups", 32)?;
            let mut groups = Vec::new();
            for _ in 0..n {
                let k = r.u32("members in a group", 64)?;
                groups.push((0..k).map(|_| r.m()).collect::<Result<Vec<_>, _>>()?);
            }
            Action::Partition { groups }
        }
        1 => Action::Heal,
        2 => Action::Cut { from: r.m()?, to: r.m()? },
        3 => Action::Crash { node: r.u32("node", 255)? },
        4 => Action::Restart { node: r.u32("node", 255)? },
        5 => Action::Timeout { node: r.u32("node", 255)? },
        6 => {
            let client = r.u32("client", 255)?;
            let code = r.u()?;
            let op = (vocab.read_link)(code, r)?.ok_or_else(|| {
                format!("{} has an unknown operation code {code}: {} ({})", r.what, vocab.link_codes, vocab.protocol)
            })?;
            Action::Client { client, op: OpText::parse(&op)? }
        }
        7 => Action::DropNext { from: r.m()?, to: r.m()? },
        8 => Action::DuplicateNext { from: r.m()?, to: r.m()? },
        9 => Action::MoveClient { client: r.u32("client", 255)?, node: r.u32("node", 255)? },
        10 => Action::DropMessage { id: r.u()? },
        11 => {
            let text = r.s()?;
            let raw = serde_json::value::RawValue::from_string(text)
                .map_err(|e| format!("{}: its config is not JSON ({e})", r.what))?;
            Action::Configure { config: ConfigText(raw) }
        }
        12 => Action::Deliver { id: r.u()? },
        13 => Action::FireTimer { node: r.u32("node", 255)?, timer: r.s()? },
        14 => Action::ClientTimer { client: r.u32("client", 255)?, timer: r.s()? },
        t => {
            return Err(format!(
                "{} has an unknown action code {t}: the codes are 0–{} ({})",
                r.what,
                TAGS.len() - 1,
                TAGS.join(", ")
            ))
        }
    })
}

/// The one test of what a run may record: an action is carried out by [`TimeMachine::apply`]
/// only when the link's own encoder writes it and the link's own decoder reads it back, and it is
/// recorded (and carried out) in the form the decoder reads: so every action the API accepts can
/// be shared, and a link replays exactly what was done. Errors say what a link cannot carry.
pub fn link_action(a: &Action, protocol: &str) -> Result<Action, String> {
    let vocab = profile(protocol).ok_or_else(|| format!("unknown protocol '{protocol}': {}", accepted()))?;
    let mut w = Writer(Vec::new());
    write_action(&mut w, a, &vocab)?;
    let mut r = Reader { b: &w.0, pos: 0, what: "the action".into() };
    let back = read_action(&mut r, &vocab)?;
    if r.pos != w.0.len() {
        return Err("the action does not read back whole from a link".into());
    }
    Ok(back)
}

/// Encode a shared run as the fragment value (`1.raft.…`).
pub fn encode(run: &SharedRun) -> String {
    let mut w = Writer(Vec::new());
    // A link names a protocol of this build (it was made by running it).
    let vocab = profile(run.source.protocol()).or_else(|| profile(PROTOCOLS[0])).expect("a protocol");
    let header = match &run.source {
        Source::Defaults { protocol, nodes, seed } => {
            w.u(0);
            w.u(*nodes as u64);
            w.u(*seed);
            format!("{VERSION}.{protocol}")
        }
        Source::Library { protocol, name, seed } => {
            w.u(1);
            w.u(*seed);
            format!("{VERSION}.{protocol}.{name}")
        }
        Source::Inline { protocol, json } => {
            w.u(2);
            w.s(json);
            format!("{VERSION}.{protocol}")
        }
    };
    w.u(run.actions.len() as u64);
    let mut last = Position::default();
    for a in &run.actions {
        w.u(a.at - last.at);
        w.u(a.events - last.events);
        // Every recorded action passed [`link_action`] (or came from a link): it encodes.
        let _ = write_action(&mut w, &a.action, &vocab);
        last = Position { at: a.at, events: a.events };
    }
    w.u(run.end.at - last.at);
    w.u(run.end.events - last.events);
    w.u(run.moment.at);
    w.u(run.moment.events);
    w.0.extend_from_slice(&run.hash.to_le_bytes());
    format!("{header}.{}", b64_encode(&w.0))
}

/// The plain-text head of a fragment value: `(protocol, library scenario name)`. The page calls
/// this (through the wasm layer or its own split) to pick the bundle and fetch the file.
pub fn header(value: &str) -> Result<(String, Option<String>), String> {
    let parts: Vec<&str> = value.split('.').collect();
    if parts.len() < 3 || parts.len() > 4 || parts[0] != VERSION {
        return Err(format!(
            "it is not a run link: expected {VERSION}.<protocol>.<data> or {VERSION}.<protocol>.<scenario>.<data>"
        ));
    }
    if !PROTOCOLS.contains(&parts[1]) {
        return Err(format!("unknown protocol '{}': {}", parts[1], accepted()));
    }
    let name = if parts.len() == 4 {
        if parts[2].is_empty() || !parts[2].chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') {
            return Err(format!("'{}' is not a scenario name (letters, digits, - and _)", parts[2]));
        }
        Some(parts[2].to_string())
    } else {
        None
    };
    Ok((parts[1].to_string(), name))
}

/// Decode a fragment value; every error says what was wrong.
pub fn decode(value: &str) -> Result<SharedRun, String> {
    let (protocol, name) = header(value)?;
    let vocab = profile(&protocol).ok_or_else(|| format!("unknown protocol '{protocol}': {}", accepted()))?;
    let data = value.rsplit('.').next().unwrap_or("");
    if data.is_empty() {
        return Err("the link has no data after the protocol".into());
    }
    let bytes = b64_decode(data)?;
    let mut r = Reader { b: &bytes, pos: 0, what: "the run's header".into() };
    let kind = r.u()?;
    let source = match (kind, name) {
        (0, None) => {
            let nodes = r.u32("nodes", 9)?;
            if nodes == 0 {
                return Err("the run has 0 nodes: accepted 1..=9".into());
            }
            Source::Defaults { protocol, nodes, seed: r.u()? }
        }
        (1, Some(name)) => Source::Library { protocol, name, seed: r.u()? },
        (2, None) => Source::Inline { protocol, json: r.s()? },
        (1, None) => return Err("the link names no scenario but its data is for one".into()),
        (_, Some(_)) => return Err("the link names a scenario but its data is not for one".into()),
        (k, None) => return Err(format!("unknown run kind {k}: 0 default run, 1 library scenario, 2 inline scenario")),
    };
    r.what = "the number of actions".into();
    let n = r.u()?;
    if n > MAX_ACTIONS {
        return Err(format!("the link claims {n} actions: at most {MAX_ACTIONS} are accepted"));
    }
    let mut actions = Vec::with_capacity(n as usize);
    let mut last = Position::default();
    for i in 0..n {
        r.what = format!("action {} of {n}", i + 1);
        let at = last.at.checked_add(r.u()?).ok_or_else(|| format!("{}: its time overflows", r.what))?;
        let events = last.events.checked_add(r.u()?).ok_or_else(|| format!("{}: its event count overflows", r.what))?;
        let action = read_action(&mut r, &vocab)?;
        last = Position { at, events };
        actions.push(Recorded { at, events, action });
    }
    r.what = "the end of the run".into();
    let end = Position {
        at: last.at.checked_add(r.u()?).ok_or("the end time overflows")?,
        events: last.events.checked_add(r.u()?).ok_or("the end's event count overflows")?,
    };
    if end.at > MAX_END_MS {
        return Err(format!(
            "the run ends at {} s: at most {} hours are accepted",
            end.at / 1000,
            MAX_END_MS / 3_600_000
        ));
    }
    r.what = "the moment to land at".into();
    let moment = Position { at: r.u()?, events: r.u()? };
    if !moment.le(end) {
        return Err("the moment to land at is after the end of the run".into());
    }
    r.what = "the trace hash".into();
    let mut h = [0u8; 8];
    for b in &mut h {
        *b = r.byte()?;
    }
    if r.pos != bytes.len() {
        return Err(format!("{} unexpected bytes after the end of the data", bytes.len() - r.pos));
    }
    Ok(SharedRun { source, actions, end, moment, hash: u64::from_le_bytes(h) })
}

impl TimeMachine {
    /// This run as a fragment value. `library` names the scenario file it was loaded from (then
    /// only its name and seed travel); otherwise a default run is named by its parameters and
    /// any other scenario travels inline.
    pub fn share(&self, library: Option<&str>) -> String {
        let sc = self.base_scenario();
        let protocol = sc.protocol.clone();
        let default = playground_default(&sc.protocol, sc.nodes, sc.seed);
        let same_as_default =
            serde_json::to_string(sc).ok().zip(serde_json::to_string(&default).ok()).is_some_and(|(a, b)| a == b);
        // A name the link header would refuse travels inline instead (the link must open).
        let library =
            library.filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        let source = match library {
            Some(name) => Source::Library { protocol, name: name.to_string(), seed: sc.seed },
            None if same_as_default => Source::Defaults { protocol, nodes: sc.nodes, seed: sc.seed },
            None => {
                // The description is for pickers; the run does not need it.
                let mut s = sc.clone();
                s.description.clear();
                Source::Inline { protocol, json: serde_json::to_string(&s).unwrap_or_default() }
            }
        };
        // The link carries the whole recorded run; its hash is the end's, known only once the
        // run has been there (it has, unless a shared run is still being replayed).
        let hash = if self.in_past() { self.end_hash().unwrap_or(0) } else { self.trace_hash() };
        encode(&SharedRun { source, actions: self.actions().to_vec(), end: self.end(), moment: self.position(), hash })
    }

    /// Open a fragment value: `scenario_text` is the library file's text when the link names
    /// one, `live` turns on the live linearizability verdict. The run is positioned at t = 0
    /// with the whole log ahead: [`TimeMachine::seek_end`] replays it (the page does so in
    /// slices, then lands on [`TimeMachine::landing`]).
    pub fn from_share(value: &str, scenario_text: Option<&str>, live: bool) -> Result<TimeMachine, String> {
        let run = decode(value)?;
        let scenario = match &run.source {
            Source::Defaults { protocol, nodes, seed } => playground_default(protocol, *nodes, *seed),
            Source::Library { name, seed, protocol } => {
                let text = scenario_text.ok_or_else(|| format!("the scenario '{name}' could not be read"))?;
                let mut s = Scenario::from_json(text).map_err(|e| format!("scenario '{name}': {e}"))?;
                if &s.protocol != protocol {
                    return Err(format!("the link says {protocol} but scenario '{name}' runs {}", s.protocol));
                }
                s.seed = *seed;
                s
            }
            Source::Inline { protocol, json } => {
                let s = Scenario::from_json(json).map_err(|e| format!("its scenario: {e}"))?;
                if &s.protocol != protocol {
                    return Err(format!("the link says {protocol} but its scenario runs {}", s.protocol));
                }
                s
            }
        };
        let mut sim = AnySim::new(scenario)?;
        if live {
            sim.enable_live_check();
        }
        TimeMachine::replaying(sim, run.actions, run.end, Some(run.hash), Some(run.moment))
    }
}
