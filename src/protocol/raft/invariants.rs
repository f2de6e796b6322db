//! Raft's safety properties (Figure 3 of the extended paper), checked after every event:
//!
//! * **Election Safety**: at most one leader can be elected in a given term.
//! * **Log Matching**: if two logs contain an entry with the same index and term, the logs are
//!   identical in all entries up through that index.
//! * **Leader Completeness**: if an entry is committed in a given term, it is present in the
//!   logs of the leaders of all higher-numbered terms.
//! * **State Machine Safety**: if a server has applied an entry at an index, no other server
//!   ever applies a different entry at that index (checked here on committed entries, which is
//!   stronger: every committed prefix must agree).
//! * A server that has not restarted never lowers its commit index.

use crate::core::vecmap::VecMap;
use crate::protocol::raft::{Entry, Raft, Role};
use crate::protocol::{InvariantChecker, Invariants, NodeId, Server, Time};

impl Invariants for Raft {
    type Checker = RaftChecker;
}

/// Memory the Raft checks need across events (`Hash`: part of the explorer's world).
#[derive(Clone, Default, Debug)]
pub struct RaftChecker {
    /// The leader seen in each term.
    leaders: VecMap<u64, NodeId>,
    /// Every committed entry still in some log, with the term in which its commit was observed.
    committed: VecMap<u64, (Entry, u64)>,
    /// Each node's commit index as last seen, by node id (forgotten when it restarts). One slot
    /// per server, not a map: it is read and written after every event.
    last_commit: Vec<Option<u64>>,
    /// What each node looked like at its last clean check ([`Seen`]), by node id: the log-wide
    /// checks are skipped, or narrowed to what changed, while nothing they read has changed. A
    /// cache: not part of `Hash`.
    seen: Vec<Option<Seen>>,
    /// Entries added to `committed` so far.
    commits: u64,
}

/// A node at its last check: its log (by change count and snapshot), commit index, term and
/// role, and how many commits the checker had recorded then.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Seen {
    log_changes: u64,
    last_index: u64,
    log_cuts: u64,
    snapshot_index: u64,
    commit_index: u64,
    term: u64,
    leader: bool,
    commits: u64,
}

impl std::hash::Hash for RaftChecker {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        // The state the checks carry, not their cache (`seen`, `commits`).
        self.leaders.hash(h);
        self.committed.hash(h);
        self.last_commit.hash(h);
    }
}

impl InvariantChecker<Raft> for RaftChecker {
    fn check(&mut self, _now: Time, touched: NodeId, nodes: &[Server<Raft>]) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let Some(node) = nodes.get(touched as usize).and_then(|s| s.node.as_ref()) else {
            return out;
        };
        let term = node.current_term();

        if node.role() == Role::Leader {
            let first = *self.leaders.get_or_insert_with(term, || touched);
            if first != touched {
                out.push(("Election Safety".into(), format!("two leaders in term {term}: n{first} and n{touched}")));
            }
        }

        // The per-node Vecs, sized to the cluster (`last_commit` once, so equal checkers hash
        // equal for the explorer's fingerprint; `seen` again after a violation or restart clears it).
        if self.last_commit.len() < nodes.len() {
            self.last_commit.resize(nodes.len(), None);
        }
        if self.seen.len() < nodes.len() {
            self.seen.resize(nodes.len(), None);
        }
        let prev = self.last_commit[touched as usize].replace(node.commit_index()).unwrap_or(0);
        if node.commit_index() < prev {
            out.push((
                "Commit monotonic".into(),
                format!(
                    "n{touched} lowered its commit index from {prev} to {} without restarting",
                    node.commit_index()
                ),
            ));
        }

        // State Machine Safety: this node's committed entries agree with every entry ever
        // committed at the same index. New commits are recorded.
        let snap = node.snapshot();
        let before = self.seen[touched as usize];
        // Entries recorded as committed by the other nodes' checks since this node's last one.
        let commits_at_start = self.commits;
        // The snapshot against the entry committed at its last index (unless both are as at the
        // last check).
        if before.is_none_or(|b| b.snapshot_index != snap.last_index || b.commits != commits_at_start) {
            if let Some((e, _)) = self.committed.get(&snap.last_index) {
                if snap.last_index > 0 && e.term != snap.last_term {
                    out.push(("State Machine Safety".into(), format!("n{touched}'s snapshot ends at index {} with term {}, but the entry committed there has term {}", snap.last_index, snap.last_term, e.term)));
                }
            }
        }
        // What this node was at its last clean check decides how much below must be looked at
        // again. Log Matching compares whole logs, so it is skipped while the log is unchanged
        // (`same_log`: the other nodes' logs were compared with this one when they last changed);
        // State Machine Safety and Leader Completeness only need the log to have grown, not been
        // cut (`appended_only`). Events that touch no log (heartbeats, votes, reads) are most events.
        let now_seen = Seen {
            log_changes: node.log_changes(),
            last_index: node.last_index(),
            log_cuts: node.log_cuts(),
            snapshot_index: snap.last_index,
            commit_index: node.commit_index(),
            term,
            leader: node.role() == Role::Leader,
            commits: self.commits,
        };
        let same_log =
            before.is_some_and(|b| b.log_changes == now_seen.log_changes && b.snapshot_index == snap.last_index);
        // Nothing cut from the log and the same snapshot since the last check: every entry it
        // held then is still there (appends only), so the entries up to the commit index seen
        // then were checked and only the newly committed ones are new.
        let appended_only =
            before.is_some_and(|b| b.log_cuts == now_seen.log_cuts && b.snapshot_index == snap.last_index);
        let from = match before {
            Some(b) if appended_only => b.commit_index.max(snap.last_index) + 1,
            _ => snap.last_index + 1,
        };
        for i in from..=node.commit_index() {
            let Some(entry) = node.entry(i) else { break };
            match self.committed.get(&i) {
                Some((e, _)) if e != entry => {
                    out.push((
                        "State Machine Safety".into(),
                        format!(
                            "n{touched} committed {} at index {i}, but {} was committed there before",
                            describe(entry),
                            describe(e)
                        ),
                    ));
                    break;
                }
                Some(_) => {}
                None => {
                    self.committed.insert(i, (entry.clone(), term));
                    self.commits += 1;
                }
            }
        }

        // Leader Completeness: a leader holds every entry committed in an earlier term. Skipped
        // when it was leader of this term at its last check, nothing was cut from its log since
        // and no other node recorded a commit since: the entries found then are still there, and
        // what it committed itself since is of its own term.
        let same_reign =
            before.is_some_and(|b| b.leader && b.term == term && appended_only && b.commits == commits_at_start);
        if node.role() == Role::Leader && !same_reign {
            for (i, (e, t)) in self.committed.range_from(&(snap.last_index + 1)) {
                if *t < term && node.entry(*i) != Some(e) {
                    out.push((
                        "Leader Completeness".into(),
                        format!(
                            "n{touched}, leader of term {term}, lacks the entry committed at index {i} (term {})",
                            e.term
                        ),
                    ));
                    break;
                }
            }
        }

        // Log Matching against every other running node. When the log only grew since the last
        // clean check, the entries up to its last index then are as they were when every pair of
        // logs last matched (each change of another log since was compared with this one).
        let unchanged_to = match before {
            Some(b) if appended_only => b.last_index,
            _ => 0,
        };
        for (j, other) in nodes.iter().enumerate().filter(|_| !same_log) {
            let Some(other) = other.node.as_ref() else {
                continue;
            };
            if j as NodeId == touched {
                continue;
            }
            if let Some(detail) = log_matching(node, other, unchanged_to) {
                out.push(("Log Matching".into(), detail));
                break;
            }
        }

        // Forget committed entries that every node has compacted into its snapshot.
        let floor = nodes
            .iter()
            .map(|s| match (&s.node, &s.durable) {
                (Some(n), _) => n.snapshot().last_index,
                (None, Some(d)) => d.snapshot.last_index,
                (None, None) => 0,
            })
            .min()
            .unwrap_or(0);
        self.committed.remove_below(&floor);
        if out.is_empty() {
            self.seen[touched as usize] = Some(Seen { commits: self.commits, ..now_seen });
        } else {
            // Only a clean check may let later ones be skipped: a violation is reported again at
            // every event that would have found it, as before.
            self.seen.clear();
        }
        out
    }

    fn on_restart(&mut self, id: NodeId) {
        if let Some(c) = self.last_commit.get_mut(id as usize) {
            *c = None;
        }
        // The restarted node's log is whatever its disk kept: compare every log afresh.
        self.seen.clear();
    }
}

/// The first Log Matching violation between two logs, if any. `a`'s entries up to
/// `unchanged_to` are as they were when the two logs last matched (0: nothing known).
fn log_matching(a: &Raft, b: &Raft, unchanged_to: u64) -> Option<String> {
    let lo = a.snapshot().last_index.max(b.snapshot().last_index) + 1;
    let hi = a.last_index().min(b.last_index());
    if lo > hi {
        return None;
    }
    // The two logs over the indices both hold, as slices (compared in tight loops: this runs
    // whenever a log changes).
    let (xs, ys) = (a.entries(lo, hi), b.entries(lo, hi));
    // The highest index where both logs hold an entry of the same term...
    let top = xs.iter().zip(ys).rposition(|(x, y)| x.term == y.term)?;
    // ...and everything at or below it must be identical. Up to the highest index of the same
    // term among `a`'s unchanged entries, it was: the logs matched then (Log Matching itself).
    let unchanged = (unchanged_to.saturating_sub(lo - 1) as usize).min(xs.len());
    let known = xs[..unchanged].iter().zip(ys).rposition(|(x, y)| x.term == y.term).map_or(0, |t| t + 1);
    if top < known || xs[known..=top] == ys[known..=top] {
        return None;
    }
    let k = known + xs[known..].iter().zip(&ys[known..]).position(|(x, y)| x != y)?;
    let (i, top) = (lo + k as u64, lo + top as u64);
    Some(format!(
        "n{} and n{} agree on the term of index {top} but differ at index {i} ({} vs {})",
        a.id(),
        b.id(),
        describe(&xs[k]),
        describe(&ys[k])
    ))
}

fn describe(e: &Entry) -> String {
    format!("{} (term {})", e.text(), e.term)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::raft::{Command, Durable, RaftConfig};
    use crate::protocol::{Outbox, Protocol};

    /// A follower (never a leader, so only the log rules apply) whose log holds no-ops of `terms`.
    fn server(id: NodeId, terms: &[u64]) -> Server<Raft> {
        let log = terms.iter().map(|&term| Entry { term, command: Command::Noop }).collect();
        let durable = Durable { current_term: 9, log, ..Durable::default() };
        let node = Raft::start(id, 2, &RaftConfig::default(), Some(durable), 0, &mut Outbox::new());
        Server { node: Some(node), durable: None }
    }

    fn append(s: &mut Server<Raft>, term: u64) {
        if let Some(n) = s.node.as_mut() {
            n.log.push(Entry { term, command: Command::Noop });
        }
    }

    fn found(c: &mut RaftChecker, touched: NodeId, nodes: &[Server<Raft>]) -> Vec<String> {
        c.check(0, touched, nodes).into_iter().map(|(name, _)| name).collect()
    }

    // Figure 3, Log Matching: two logs that hold an entry of the same term at index 3 must be
    // identical up to it. They differ at index 2, which neither log's last append touched: the
    // check that only compares what changed must still find it.
    #[test]
    fn log_matching_is_found_below_the_entries_just_appended() {
        let mut nodes = vec![server(0, &[1, 1]), server(1, &[1, 2])];
        let mut c = RaftChecker::default();
        // Index 2 differs but no higher index shares a term: no violation yet.
        assert!(found(&mut c, 0, &nodes).is_empty());
        assert!(found(&mut c, 1, &nodes).is_empty());
        append(&mut nodes[1], 3);
        assert!(found(&mut c, 1, &nodes).is_empty(), "n0 holds no index 3 yet");
        append(&mut nodes[0], 3);
        assert_eq!(found(&mut c, 0, &nodes), ["Log Matching"], "index 3 has term 3 in both logs, index 2 differs");
        // A fresh checker (nothing cached) agrees.
        assert_eq!(found(&mut RaftChecker::default(), 0, &nodes), ["Log Matching"]);
    }

    #[test]
    fn logs_that_match_stay_clean_as_they_grow() {
        let mut nodes = vec![server(0, &[1, 1]), server(1, &[1, 1])];
        let mut c = RaftChecker::default();
        for term in [2, 2, 3] {
            append(&mut nodes[0], term);
            assert!(found(&mut c, 0, &nodes).is_empty());
            append(&mut nodes[1], term);
            assert!(found(&mut c, 1, &nodes).is_empty());
        }
    }
}
