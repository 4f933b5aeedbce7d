//! Runs the core over candidates and SDPs captured from real Chromium and Firefox in the NAT lab (tests/fixtures/captured).
use std::fs;
use std::path::PathBuf;

use iceveil::candidate::{parse_candidate, CandidateType, ConnectionAddress};
use iceveil::sdp::filter_sdp;
use iceveil::verdict::{hides, judge_str, Mode, Verdict};

/// The lab's client addresses: what must never survive hide-local, proxy-only or disable.
const LAB_PRIVATE: [&str; 2] = ["10.77.0.2", "fd77::2"];
/// The router's public address: the srflx every site sees; proxy-only must hide it.
const LAB_PUBLIC: &str = "11.22.33.1";

fn captures() -> Vec<(String, String, String)> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/captured");
    let mut out = Vec::new();
    for entry in fs::read_dir(&root).expect("tests/fixtures/captured exists") {
        let dir = entry.expect("readable entry").path();
        if !dir.is_dir() {
            continue;
        }
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let cands = fs::read_to_string(dir.join("candidates.txt")).expect("candidates.txt");
        let sdp = fs::read_to_string(dir.join("offer.sdp.txt")).expect("offer.sdp.txt");
        out.push((name, cands, sdp));
    }
    assert!(out.len() >= 4, "expected Chromium and Firefox captures, with and without mDNS");
    out
}

/// Every address an SDP still shows: candidate addresses and raddr, c= and a=rtcp lines; the flag marks
/// relay candidate addresses and c= lines (which proxy-only may point at a kept relay).
fn addresses_in_sdp(sdp: &str) -> Vec<(String, bool)> {
    let mut found = Vec::new();
    for line in sdp.lines() {
        let line = line.trim_end_matches('\r');
        if let Some(c) = line.strip_prefix("a=") {
            if c.starts_with("candidate:") {
                let cand = parse_candidate(c).expect("filtered SDP candidates parse");
                let relay = cand.typ == CandidateType::Relay;
                found.push((cand.address.as_text().to_string(), relay));
                if let Some(r) = cand.raddr {
                    found.push((r.as_text().to_string(), false));
                }
            } else if let Some(rest) = c.strip_prefix("rtcp:") {
                if let Some(addr) = rest.split_whitespace().nth(3) {
                    found.push((addr.to_string(), false));
                }
            }
        } else if let Some(rest) = line.strip_prefix("c=IN ") {
            if let Some(addr) = rest.split_whitespace().nth(1) {
                found.push((addr.to_string(), true));
            }
        }
    }
    found
}

#[test]
fn every_captured_candidate_parses_and_round_trips() {
    for (name, cands, _) in captures() {
        let mut n = 0;
        for line in cands.lines().filter(|l| !l.is_empty()) {
            let c = parse_candidate(line).unwrap_or_else(|e| panic!("{name}: {line:?}: {e}"));
            let again = parse_candidate(&c.to_string()).unwrap();
            assert_eq!(c, again, "{name}: round trip of {line:?}");
            n += 1;
        }
        assert!(n >= 4, "{name}: expected host, srflx and relay candidates, got {n}");
    }
}

#[test]
fn verdicts_on_captured_candidates_hide_what_each_mode_promises() {
    for (name, cands, _) in captures() {
        for line in cands.lines().filter(|l| !l.is_empty()) {
            for mode in [Mode::HideLocal, Mode::ProxyOnly, Mode::Disable] {
                let shown = match judge_str(mode, line) {
                    Verdict::Allow { .. } => line.to_string(),
                    Verdict::Rewrite { candidate, .. } => candidate,
                    Verdict::Drop { .. } => continue,
                };
                assert_ne!(mode, Mode::Disable, "{name}: disable let {line:?} through");
                for private in LAB_PRIVATE {
                    assert!(!shown.contains(&format!(" {private} ")), "{name} {mode:?}: {private} survives in {shown:?}");
                }
                let c = parse_candidate(&shown).unwrap();
                // A relay's own address is the TURN server's, which proxy-only exists to allow.
                let relay_in_proxy_only = mode == Mode::ProxyOnly && c.typ == CandidateType::Relay;
                assert!(relay_in_proxy_only || !hides(mode, &c.address), "{name} {mode:?}: {shown:?}");
                if let Some(r) = &c.raddr {
                    assert!(!hides(mode, r) || r.is_unspecified(), "{name} {mode:?}: raddr in {shown:?}");
                }
                if mode == Mode::ProxyOnly {
                    assert_eq!(c.typ, CandidateType::Relay, "{name}: proxy-only passes only relays");
                    assert!(!shown.contains(LAB_PUBLIC), "{name}: proxy-only leaks the public address via {shown:?}");
                }
            }
        }
    }
}

#[test]
fn filtered_captured_sdps_show_no_hidden_address_and_are_stable() {
    for (name, _, sdp) in captures() {
        assert_eq!(filter_sdp(Mode::Off, &sdp).sdp, sdp, "{name}: off changes nothing");
        for mode in [Mode::HideLocal, Mode::ProxyOnly, Mode::Disable] {
            let once = filter_sdp(mode, &sdp);
            assert_eq!(filter_sdp(mode, &once.sdp).sdp, once.sdp, "{name} {mode:?}: idempotent");
            for private in LAB_PRIVATE {
                assert!(!once.sdp.contains(private), "{name} {mode:?}: {private} survives");
            }
            for (addr, relay_or_c) in addresses_in_sdp(&once.sdp) {
                let a = ConnectionAddress::parse(&addr).unwrap();
                let allowed_relay = mode == Mode::ProxyOnly && relay_or_c;
                assert!(allowed_relay || !hides(mode, &a) || a.is_unspecified(), "{name} {mode:?}: {addr} survives");
            }
            if mode != Mode::HideLocal {
                assert!(!once.sdp.contains(LAB_PUBLIC), "{name} {mode:?}: the non-proxied public address survives");
            }
            // Everything that is not an address line survives byte for byte.
            let keep = |s: &str| s.lines().filter(|l| !l.starts_with("a=candidate") && !l.starts_with("c=") && !l.starts_with("a=rtcp:")).map(str::to_owned).collect::<Vec<_>>();
            assert_eq!(keep(&once.sdp), keep(&sdp), "{name} {mode:?}: other lines untouched");
        }
        if !name.ends_with("-mdns") {
            let hl = filter_sdp(Mode::HideLocal, &sdp).sdp;
            assert!(hl.contains(&format!(" {LAB_PUBLIC} ")), "{name}: hide-local keeps the public srflx");
        }
    }
}
