//! Calibration probe for `Sim::approx_bytes` (the estimate time travel budgets its checkpoints
//! with): runs the playground's default scenario for a simulated hour in 10×-speed frames and
//! prints, every five simulated minutes, the live heap (counting allocator), the bytes one copy
//! of the world really takes, and the estimate.
//!
//!     cargo run --release --example memprobe [protocol]

use cap_playground::registry::any::AnySim;
use cap_playground::travel::TimeMachine;

#[path = "../tests/common/counting_alloc.rs"]
mod counting_alloc;
use counting_alloc::live;

fn main() {
    let protocol = std::env::args().nth(1).unwrap_or_else(|| "raft".into());
    let scenario = cap_playground::travel::share::playground_default(&protocol, 5, 1);
    let mut sim = AnySim::new(scenario).expect("the default scenario is valid");
    sim.enable_live_check();
    let mut tm = TimeMachine::new(sim);
    while tm.now() < 3_600_000 {
        tm.advance(167);
        tm.check_consistency();
        if tm.now() % 300_000 < 167 {
            let before = live();
            let copy = (*tm).clone();
            let one = live() - before;
            drop(copy);
            println!(
                "t={:>4} s  heap {:5.1} MB  checkpoints {:2} ({:4.1} MB est.) {:3} s apart  one copy {:.2} MB, estimate {:.2} MB  ({} ops)",
                tm.now() / 1000,
                live() as f64 / 1e6,
                tm.checkpoint_count(),
                tm.checkpoint_bytes() as f64 / 1e6,
                tm.spacing() / 1000,
                one as f64 / 1e6,
                tm.approx_bytes() as f64 / 1e6,
                tm.history().len()
            );
        }
    }
}
