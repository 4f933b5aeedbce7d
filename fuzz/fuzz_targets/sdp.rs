//! Fuzzes the SDP filter: in every mode the output reveals nothing the mode hides, filtering is idempotent, off is the identity, and the fast filter matches the plain reference one.
#![no_main]

use iceveil::reference;
use iceveil::sdp::{count_end_of_candidates, filter_sdp, first_leak};
use iceveil::verdict::Mode;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    for m in Mode::ALL {
        let once = filter_sdp(m, s);
        assert_eq!(once, reference::filter_sdp(m, s), "{m}: fast and reference filters differ on {s:?}");
        if let Some(leak) = first_leak(m, &once.sdp) {
            panic!("{m}: {leak} in output {:?} of input {s:?}", once.sdp);
        }
        let twice = filter_sdp(m, &once.sdp);
        assert_eq!(twice.sdp, once.sdp, "{m}: not idempotent for {s:?}");
        assert_eq!(count_end_of_candidates(&once.sdp), count_end_of_candidates(s), "{m}: end-of-candidates changed");
        if m == Mode::Off {
            assert_eq!(once.sdp, s);
        }
    }
});
