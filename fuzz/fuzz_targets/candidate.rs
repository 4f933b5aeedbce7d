//! Fuzzes the candidate grammar: parse never panics and matches the plain reference parser, print→parse round-trips, and every verdict keeps hidden addresses out.
#![no_main]

use iceveil::candidate::{parse_candidate, parse_ref_lite, AddrRef, CandidateType};
use iceveil::reference;
use iceveil::verdict::{hides, judge, judge_str, Mode, Verdict};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else { return };
    assert_eq!(parse_ref_lite(s), reference::parse_ref_lite(s), "fast and reference parsers differ on {s:?}");
    assert_eq!(AddrRef::parse(s), reference::addr_parse(s), "fast and reference address readers differ on {s:?}");
    let parsed = parse_candidate(s);
    for m in Mode::ALL {
        let by_str = judge_str(m, s);
        let Ok(c) = &parsed else {
            assert!(m == Mode::Off || !matches!(by_str, Verdict::Rewrite { .. }));
            continue;
        };
        assert_eq!(judge(m, c), by_str, "judge != judge_str for {s:?}");
        let out = match &by_str {
            Verdict::Drop { .. } => continue,
            Verdict::Allow { .. } => c.clone(),
            Verdict::Rewrite { candidate, .. } => parse_candidate(candidate).expect("rewritten candidate parses"),
        };
        assert!(m != Mode::Disable, "disable let {s:?} through");
        if m == Mode::ProxyOnly {
            assert_eq!(out.typ, CandidateType::Relay);
            assert!(!hides(Mode::HideLocal, &out.address));
        } else {
            assert!(!hides(m, &out.address), "{m}: address of {s:?}");
        }
        assert!(!out.raddr.as_ref().is_some_and(|r| hides(m, r)), "{m}: raddr of {s:?}");
    }
    if let Ok(c) = parsed {
        let printed = c.to_string();
        let again = parse_candidate(&printed).expect("printed candidate parses");
        assert_eq!(again, c, "round trip of {s:?} via {printed:?}");
        assert_eq!(again.to_string(), printed);
    }
});
