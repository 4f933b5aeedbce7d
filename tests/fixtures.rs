//! Checks the core against candidate strings and SDPs in the exact format Chromium and Firefox emit (tests/fixtures/).

use iceveil::candidate::{parse_candidate, CandidateType};
use iceveil::sdp::{count_end_of_candidates, filter_sdp, first_leak, is_candidate_line, lines};
use iceveil::verdict::{judge, judge_str, Mode, Reason, Verdict};
use std::path::PathBuf;

fn fixture(rel: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(rel);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// (file, hide-local, proxy-only) expected actions; off is always allow, disable always drop.
const CANDIDATES: &[(&str, &str, &str)] = &[
    ("chromium156/host-ipv4.txt", "drop:hidden-address", "drop:not-relay"),
    ("chromium156/host-mdns.txt", "allow:mdns-name", "drop:not-relay"),
    ("chromium156/srflx.txt", "rewrite:hidden-related-address", "drop:not-relay"),
    ("chromium156/srflx-mdns-raddr.txt", "allow:global-address", "drop:not-relay"),
    ("chromium156/relay.txt", "allow:global-address", "rewrite:hidden-related-address"),
    ("chromium156/relay-scrubbed.txt", "allow:global-address", "allow:relay-candidate"),
    ("chromium156/tcp-active.txt", "drop:hidden-address", "drop:not-relay"),
    ("chromium156/tcp-passive.txt", "drop:hidden-address", "drop:not-relay"),
    ("chromium156/host-ipv6-global.txt", "allow:global-address", "drop:not-relay"),
    ("chromium156/host-ipv6-ula.txt", "drop:hidden-address", "drop:not-relay"),
    ("chromium156/host-ipv6-linklocal.txt", "drop:hidden-address", "drop:not-relay"),
    ("chromium156/host-ipv4-mapped.txt", "drop:hidden-address", "drop:not-relay"),
    ("chromium156/host-cgnat.txt", "drop:hidden-address", "drop:not-relay"),
    ("firefox153/host-ipv4.txt", "drop:hidden-address", "drop:not-relay"),
    ("firefox153/host-mdns.txt", "allow:mdns-name", "drop:not-relay"),
    ("firefox153/srflx.txt", "rewrite:hidden-related-address", "drop:not-relay"),
    ("firefox153/relay.txt", "allow:global-address", "rewrite:hidden-related-address"),
    ("firefox153/tcp-active.txt", "drop:hidden-address", "drop:not-relay"),
    ("firefox153/tcp-passive.txt", "drop:hidden-address", "drop:not-relay"),
    ("firefox153/host-ipv6.txt", "drop:hidden-address", "drop:not-relay"),
    ("firefox153/end-of-candidates.txt", "allow:end-of-candidates", "allow:end-of-candidates"),
];

fn short(v: &Verdict) -> String {
    let (a, r) = match v {
        Verdict::Allow { reason } => ("allow", reason),
        Verdict::Drop { reason } => ("drop", reason),
        Verdict::Rewrite { reason, .. } => ("rewrite", reason),
    };
    format!("{a}:{}", r.as_str())
}

#[test]
fn candidate_fixtures() {
    for (file, hide, proxy) in CANDIDATES {
        let text = fixture(file);
        assert_eq!(short(&judge_str(Mode::Off, &text)), "allow:mode-off", "{file}");
        assert_eq!(short(&judge_str(Mode::HideLocal, &text)), *hide, "{file}");
        assert_eq!(short(&judge_str(Mode::ProxyOnly, &text)), *proxy, "{file}");
        let dis = judge_str(Mode::Disable, &text);
        if text.is_empty() {
            assert_eq!(dis, Verdict::Allow { reason: Reason::EndOfCandidates });
            continue;
        }
        assert_eq!(dis, Verdict::Drop { reason: Reason::Disabled }, "{file}");
        // Every real candidate parses, prints back verbatim, and judge == judge_str.
        let c = parse_candidate(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(c.to_string(), text, "{file} prints back verbatim");
        for m in Mode::ALL {
            assert_eq!(judge(m, &c), judge_str(m, &text), "{file} {m}");
            assert_eq!(judge_str(m, &format!("a={text}\r\n")), judge_str(m, &text), "{file} {m}");
        }
        // Rewrites scrub exactly raddr/rport.
        if let Verdict::Rewrite { candidate, .. } = judge_str(Mode::HideLocal, &text) {
            let r = parse_candidate(&candidate).unwrap();
            assert!(r.raddr.as_ref().unwrap().is_unspecified());
            assert_eq!(r.rport, Some(0));
            assert_eq!((r.address, r.port, r.extensions), (c.address.clone(), c.port, c.extensions.clone()));
        }
    }
    let ff_udp = parse_candidate(&fixture("firefox153/host-ipv4.txt")).unwrap();
    assert_eq!(ff_udp.transport, "UDP");
    let tcp = parse_candidate(&fixture("chromium156/tcp-passive.txt")).unwrap();
    assert_eq!((tcp.tcptype.as_deref(), tcp.typ), (Some("passive"), CandidateType::Host));
}

const SDPS: &[&str] = &[
    "chromium156/offer-gathered.sdp.txt",
    "chromium156/offer-mdns.sdp.txt",
    "firefox153/offer-gathered.sdp.txt",
    "firefox153/offer-host-only-lf.sdp.txt",
];

fn untouched_lines(s: &str) -> Vec<String> {
    lines(s)
        .filter(|(c, _)| !is_candidate_line(c) && !c.starts_with("c=") && !c.starts_with("a=rtcp:"))
        .map(|(c, t)| format!("{c}{t}"))
        .collect()
}

#[test]
fn sdp_fixtures() {
    for file in SDPS {
        let sdp = fixture(file);
        assert!(sdp.contains("a=candidate:"), "{file}");
        assert_eq!(filter_sdp(Mode::Off, &sdp).sdp, sdp);
        for m in Mode::ALL {
            let f = filter_sdp(m, &sdp);
            assert_eq!(first_leak(m, &f.sdp), None, "{file} {m}");
            assert_eq!(filter_sdp(m, &f.sdp).sdp, f.sdp, "{file} {m} idempotent");
            assert_eq!(untouched_lines(&f.sdp), untouched_lines(&sdp), "{file} {m} lossless");
            assert_eq!(count_end_of_candidates(&f.sdp), count_end_of_candidates(&sdp), "{file} {m}");
            // LF twin gives the LF twin of the result
            let lf = sdp.replace("\r\n", "\n");
            assert_eq!(filter_sdp(m, &lf).sdp, f.sdp.replace("\r\n", "\n"), "{file} {m} LF");
        }
        if *file != "chromium156/offer-mdns.sdp.txt" {
            assert!(first_leak(Mode::HideLocal, &sdp).is_some(), "{file} leaks before filtering");
        }
    }
}

#[test]
fn chromium_offer_counts() {
    let sdp = fixture("chromium156/offer-gathered.sdp.txt");
    let f = filter_sdp(Mode::HideLocal, &sdp);
    // dropped: 2 private + 1 ULA + 2 TCP host (audio) + 1 host (data); rewritten: 2 srflx raddr
    assert_eq!((f.removed, f.rewritten), (6, 2));
    assert!(f.sdp.contains("a=candidate:842163049 1 udp 1686052607 8.8.4.4 61665 typ srflx raddr 0.0.0.0 rport 0 generation 0 network-id 1 network-cost 10\r\n"));
    assert!(f.sdp.contains("2606:4700:4700::1111"));
    let p = filter_sdp(Mode::ProxyOnly, &sdp);
    assert_eq!(p.sdp.matches("a=candidate:").count(), 1);
    assert!(p.sdp.contains("typ relay raddr 0.0.0.0 rport 0"));
    let ff = fixture("firefox153/offer-gathered.sdp.txt");
    let f = filter_sdp(Mode::HideLocal, &ff);
    assert!(f.sdp.contains("a=rtcp:50124 IN IP4 0.0.0.0\r\n"));
    assert!(f.sdp.contains("c=IN IP4 8.8.4.4\r\n"));
    let lf = fixture("firefox153/offer-host-only-lf.sdp.txt");
    let f = filter_sdp(Mode::HideLocal, &lf);
    assert!(f.sdp.contains("c=IN IP4 0.0.0.0\n"));
    assert!(f.sdp.ends_with("a=max-message-size:1073741823"));
    assert_eq!(f.sdp.matches("a=candidate:").count(), 0);
}
