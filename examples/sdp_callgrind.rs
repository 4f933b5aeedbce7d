//! Runs `filter_sdp` on the benches' 40-candidate offer N times, for instruction counts under callgrind (not shipped: an example).
//!
//! ```text
//! cargo build --release --example sdp_callgrind
//! valgrind --tool=callgrind target/release/examples/sdp_callgrind hide-local 1000
//! ```
//!
//! Subtract a run with N = 0 (set-up only) and divide by N for the instructions per filter.

#[path = "../benches/fixtures/offer.rs"]
mod offer;

use iceveil::sdp::filter_sdp;
use iceveil::verdict::Mode;
use std::hint::black_box;

fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args.next().and_then(|m| Mode::parse(&m)).unwrap_or(Mode::HideLocal);
    let n: u32 = args.next().and_then(|n| n.parse().ok()).unwrap_or(1000);
    let sdp = offer::offer_40();
    let mut bytes = 0usize;
    for _ in 0..n {
        bytes += filter_sdp(mode, black_box(&sdp)).sdp.len();
    }
    println!("{mode}: {n} filters, {bytes} bytes out");
}
