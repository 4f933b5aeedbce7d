//! Property tests: whatever candidate or SDP a page or browser produces, the filtered output hides what the mode hides, and nothing panics.

use iceveil::addr::{classify, classify_str, AddrClass};
use iceveil::candidate::{parse_candidate, parse_ref_lite, AddrRef, CandidateType};
use iceveil::config::{origin_matches, validate_ice_server_url, validate_managed, validate_origin_pattern, validate_user};
use iceveil::reference;
use iceveil::sdp::{count_end_of_candidates, filter_sdp, first_leak};
use iceveil::verdict::{hides, judge, judge_str, Mode, Verdict};
use proptest::prelude::*;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

fn mode() -> impl Strategy<Value = Mode> {
    prop::sample::select(Mode::ALL.to_vec())
}

fn v4() -> impl Strategy<Value = Ipv4Addr> {
    prop_oneof![
        any::<u32>().prop_map(Ipv4Addr::from),
        // bias towards special-purpose ranges and their edges
        (prop::sample::select(vec![0u8, 10, 100, 127, 169, 172, 192, 198, 203, 224, 240, 255, 8, 1]), any::<[u8; 3]>())
            .prop_map(|(a, [b, c, d])| Ipv4Addr::new(a, b, c, d)),
        prop::sample::select(vec![
            Ipv4Addr::new(0, 0, 0, 0),
            Ipv4Addr::new(192, 0, 0, 9),
            Ipv4Addr::new(192, 0, 0, 10),
            Ipv4Addr::new(255, 255, 255, 255),
            Ipv4Addr::new(192, 168, 1, 1),
            Ipv4Addr::new(8, 8, 8, 8),
        ]),
    ]
}

fn v6() -> BoxedStrategy<Ipv6Addr> {
    prop_oneof![
        any::<u128>().prop_map(Ipv6Addr::from),
        (prop::sample::select(vec![0u16, 0x64, 0x100, 0x2001, 0x2002, 0x2606, 0x3fff, 0x5f00, 0xfc00, 0xfd12, 0xfe80, 0xff02]), any::<u128>())
            .prop_map(|(hi, rest)| Ipv6Addr::from(((hi as u128) << 112) | (rest >> 16))),
        v4().prop_map(|a| a.to_ipv6_mapped()),
        v4().prop_map(|a| Ipv6Addr::from(u32::from(a) as u128)),
        v4().prop_map(|a| Ipv6Addr::from((0x2002u128 << 112) | ((u32::from(a) as u128) << 80))),
        v4().prop_map(|a| Ipv6Addr::from((0x2001u128 << 96) | (0x4136_e378u128 << 64) | (!u32::from(a)) as u128)),
        v4().prop_map(|a| Ipv6Addr::from((0x64_ff9bu128 << 96) | u32::from(a) as u128)),
        Just(Ipv6Addr::UNSPECIFIED),
        Just(Ipv6Addr::LOCALHOST),
    ]
    .boxed()
}

fn ip() -> impl Strategy<Value = IpAddr> {
    prop_oneof![v4().prop_map(IpAddr::V4), v6().prop_map(IpAddr::V6)]
}

/// Connection-address text as browsers and hostile pages might spell it.
fn addr_text() -> BoxedStrategy<String> {
    prop_oneof![
        4 => ip().prop_map(|a| a.to_string()),
        1 => v4().prop_map(|a| format!("::ffff:{a}")),
        1 => (v6(), "[a-z0-9]{1,5}").prop_map(|(a, z)| format!("{a}%{z}")),
        1 => "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\\.(local|LOCAL)",
        1 => "[a-z]{1,8}(\\.[a-z]{1,8}){0,2}\\.(com|org|local|lan)\\.?",
        1 => "[0-9]{1,4}(\\.[0-9]{1,4}){0,4}",
        1 => "[ -~]{0,12}",
    ]
    .boxed()
}

fn typ() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("host".to_string()),
        Just("srflx".to_string()),
        Just("prflx".to_string()),
        Just("relay".to_string()),
        Just("RELAY".to_string()),
        "[a-z]{1,6}",
    ]
}

fn candidate_text() -> BoxedStrategy<String> {
    (
        "[A-Za-z0-9+/]{1,10}",
        1u32..=3,
        prop::sample::select(vec!["udp", "UDP", "tcp", "TCP"]),
        any::<u32>(),
        addr_text(),
        any::<u16>(),
        typ(),
        prop::option::of((addr_text(), any::<u16>())),
        prop::option::of(prop::sample::select(vec!["active", "passive", "so"])),
        prop::collection::vec(("(generation|ufrag|network-id|network-cost|[a-z]{1,5})", "[!-~]{1,6}"), 0..4),
        prop::sample::select(vec!["", "a=", "candidate:", "a=candidate:"]),
        prop::sample::select(vec!["", "\r\n", "\n"]),
    )
        .prop_map(|(f, comp, tr, prio, addr, port, typ, rel, tcptype, ext, prefix, end)| {
            let prefix = if prefix == "a=" { "a=candidate:" } else { prefix };
            let mut s = format!("{prefix}{f} {comp} {tr} {prio} {addr} {port} typ {typ}");
            if let Some((ra, rp)) = rel {
                s += &format!(" raddr {ra} rport {rp}");
            }
            if let Some(t) = tcptype {
                s += &format!(" tcptype {t}");
            }
            for (n, v) in ext {
                s += &format!(" {n} {v}");
            }
            s + end
        })
        .boxed()
}

fn sdp_line() -> BoxedStrategy<String> {
    prop_oneof![
        6 => candidate_text().prop_map(|c| {
            let body = c.trim_end_matches(['\r', '\n']);
            let body = body.strip_prefix("a=").unwrap_or(body);
            let body = body.strip_prefix("candidate:").unwrap_or(body);
            format!("a=candidate:{body}")
        }),
        2 => (prop::sample::select(vec!["IP4", "IP6", "ip4", "XX"]), addr_text(), prop::sample::select(vec!["", "/127", "/127/3"]))
            .prop_map(|(t, a, s)| format!("c=IN {t} {a}{s}")),
        2 => (any::<u16>(), prop::option::of((prop::sample::select(vec!["IP4", "IP6"]), addr_text())))
            .prop_map(|(p, c)| match c { Some((t, a)) => format!("a=rtcp:{p} IN {t} {a}"), None => format!("a=rtcp:{p}") }),
        1 => Just("m=audio 9 UDP/TLS/RTP/SAVPF 111".to_string()),
        1 => Just("a=end-of-candidates".to_string()),
        1 => Just("a=candidate:".to_string()),
        1 => Just("a=rtcp-mux".to_string()),
        1 => Just("o=- 4611731400430051336 2 IN IP4 127.0.0.1".to_string()),
        1 => "[ -~]{0,20}",
        1 => "(a=|c=)[ -~]{0,30}",
    ]
    .boxed()
}

fn sdp() -> impl Strategy<Value = String> {
    (
        prop::collection::vec((sdp_line(), prop::sample::select(vec!["\r\n", "\n", "\r\n", "\r\n"])), 0..40),
        any::<bool>(),
    )
        .prop_map(|(lines, final_term)| {
            let mut s = String::new();
            let n = lines.len();
            for (i, (l, t)) in lines.into_iter().enumerate() {
                s += &l;
                if i + 1 < n || final_term {
                    s += t;
                }
            }
            s
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn filtered_sdp_hides_what_the_mode_hides(m in mode(), s in sdp()) {
        let once = filter_sdp(m, &s);
        prop_assert_eq!(first_leak(m, &once.sdp), None, "mode {} input {:?} output {:?}", m, s, once.sdp);
        let twice = filter_sdp(m, &once.sdp);
        prop_assert_eq!(&twice.sdp, &once.sdp);
        prop_assert_eq!((twice.removed, twice.rewritten), (0, 0));
        prop_assert_eq!(count_end_of_candidates(&once.sdp), count_end_of_candidates(&s));
        if m == Mode::Off {
            prop_assert_eq!(&once.sdp, &s);
        }
    }

    #[test]
    fn candidate_roundtrip(s in candidate_text()) {
        if let Ok(c) = parse_candidate(&s) {
            let printed = c.to_string();
            let again = parse_candidate(&printed);
            prop_assert_eq!(again.as_ref(), Ok(&c), "{:?} -> {:?}", s, printed);
            prop_assert_eq!(again.map(|c| c.to_string()), Ok(printed));
        }
    }

    #[test]
    fn verdicts_agree_with_hides(m in mode(), s in candidate_text()) {
        let v = judge_str(m, &s);
        let Ok(c) = parse_candidate(&s) else {
            let dropped = matches!(v, Verdict::Drop { .. });
            prop_assert!(dropped || m == Mode::Off);
            return Ok(());
        };
        prop_assert_eq!(&judge(m, &c), &v);
        let out = match &v {
            Verdict::Drop { .. } => return Ok(()),
            Verdict::Allow { .. } => c.clone(),
            Verdict::Rewrite { candidate, .. } => parse_candidate(candidate).expect("rewrite parses"),
        };
        if m == Mode::Disable {
            prop_assert!(false, "disable allowed {:?}", s);
        }
        if m == Mode::ProxyOnly {
            prop_assert_eq!(&out.typ, &CandidateType::Relay);
            prop_assert!(!hides(Mode::HideLocal, &out.address));
        } else {
            prop_assert!(!hides(m, &out.address));
        }
        prop_assert!(!out.raddr.as_ref().is_some_and(|r| hides(m, r)));
        // a rewrite changes nothing but raddr/rport
        if let Verdict::Rewrite { .. } = v {
            prop_assert_eq!((&out.address, out.port, &out.extensions, &out.typ), (&c.address, c.port, &c.extensions, &c.typ));
            prop_assert_eq!(out.rport, Some(0));
        }
    }

    #[test]
    fn embedded_forms_follow_their_ipv4(a in v4()) {
        let inner = classify(IpAddr::V4(a)).class;
        let mapped = classify(IpAddr::V6(a.to_ipv6_mapped()));
        prop_assert_eq!(mapped.class, inner);
        prop_assert_eq!(mapped.embedded_v4, Some(a));
        let six_to_four = Ipv6Addr::from((0x2002u128 << 112) | ((u32::from(a) as u128) << 80) | 1);
        prop_assert_eq!(classify(IpAddr::V6(six_to_four)).class, inner);
        let teredo = Ipv6Addr::from((0x2001_0000u128 << 96) | (0x4136_e378u128 << 64) | (0x8000_63bfu128 << 32) | (!u32::from(a)) as u128);
        prop_assert_eq!(classify(IpAddr::V6(teredo)).embedded_v4, Some(a));
        prop_assert_eq!(classify(IpAddr::V6(teredo)).class, inner);
        let nat64 = Ipv6Addr::from((0x64_ff9bu128 << 96) | u32::from(a) as u128);
        prop_assert_eq!(classify(IpAddr::V6(nat64)).class, inner);
        let text = format!("::ffff:{a}");
        prop_assert_eq!(classify_str(&text).map(|c| c.class), Ok(inner));
    }

    #[test]
    fn classify_str_matches_classify(a in ip(), zone in prop::option::of("[a-z0-9]{1,4}"), brackets in any::<bool>()) {
        let mut text = a.to_string();
        if let (IpAddr::V6(_), Some(z)) = (a, &zone) {
            text = format!("{text}%{z}");
        }
        if brackets && a.is_ipv6() {
            text = format!("[{text}]");
        }
        prop_assert_eq!(classify_str(&text), Ok(classify(a)));
        let c = classify(a);
        prop_assert_eq!(c.class.is_global(), c.class == AddrClass::Global);
    }

    #[test]
    fn arbitrary_text_never_panics(s in "\\PC{0,200}", m in mode(), t in "(a=candidate:|c=|candidate:)?[ -~\u{80}-\u{10ffff}\t\r\n]{0,120}") {
        for x in [&s, &t] {
            let _ = parse_candidate(x).map(|c| c.to_string());
            let _ = judge_str(m, x);
            let f = filter_sdp(m, x);
            prop_assert_eq!(first_leak(m, &f.sdp), None);
            prop_assert_eq!(filter_sdp(m, &f.sdp).sdp, f.sdp);
            let _ = classify_str(x);
            let _ = validate_origin_pattern(x);
            let _ = origin_matches(x, x);
            let _ = origin_matches("https://*.example.com", x);
            let _ = validate_ice_server_url(x);
            let j = serde_json::Value::String(x.to_string());
            let _ = validate_user(&serde_json::json!({"mode": j, "exceptions": [j], "selfTestIceServers": [j, {"urls": j}]}));
            let _ = validate_managed(&serde_json::json!({"mode": j, "locked": j, "exceptions": [j]}));
        }
    }

    #[test]
    fn arbitrary_json_never_panics(v in json_value()) {
        let u = validate_user(&v);
        let m = validate_managed(&v);
        let merged = iceveil::config::merge(u.value.clone(), &m.value);
        for p in &merged.exceptions {
            let again = validate_origin_pattern(p);
            prop_assert_eq!(again.as_deref(), Ok(p.as_str()));
        }
        for srv in &merged.self_test_ice_servers {
            for url in &srv.urls {
                prop_assert_eq!(validate_ice_server_url(url), Ok(()));
            }
        }
        let wrapped = serde_json::json!({"mode": v, "exceptions": v, "selfTestIceServers": v, "locked": v});
        let _ = validate_user(&wrapped);
        let _ = validate_managed(&wrapped);
    }
}

// The fast candidate parser and SDP filter against the plain ones they replaced: byte for byte,
// error position for error position.
proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    #[test]
    fn fast_filter_matches_reference(m in mode(), s in sdp()) {
        prop_assert_eq!(filter_sdp(m, &s), reference::filter_sdp(m, &s), "mode {} input {:?}", m, s);
    }

    #[test]
    fn fast_parser_matches_reference(s in candidate_text(), a in addr_text()) {
        prop_assert_eq!(parse_ref_lite(&s), reference::parse_ref_lite(&s), "{:?}", s);
        prop_assert_eq!(AddrRef::parse(&a), reference::addr_parse(&a), "{:?}", a);
        if let Ok(c) = parse_ref_lite(&s) {
            let mut printed = String::new();
            c.write_with_related(&mut printed, c.raddr.map(|r| r.as_text()), c.rport).unwrap();
            prop_assert_eq!(printed, c.to_owned().to_string());
        }
    }

    #[test]
    fn fast_paths_match_reference_on_any_text(
        m in mode(),
        s in "(a=candidate:|c=|candidate:|a=rtcp:)?[ -~\u{80}-\u{10ffff}\t\r\n]{0,120}",
        a in "[0-9a-fA-F.:%\\[\\] ]{0,24}",
    ) {
        prop_assert_eq!(filter_sdp(m, &s), reference::filter_sdp(m, &s));
        prop_assert_eq!(parse_ref_lite(&s), reference::parse_ref_lite(&s));
        prop_assert_eq!(AddrRef::parse(&a), reference::addr_parse(&a), "{:?}", a);
    }
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        prop_oneof![
            Just("hide-local".to_string()),
            Just("https://*.example.com".to_string()),
            Just("stun:x.org:3478".to_string()),
            "\\PC{0,16}",
        ]
        .prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec(
                (prop::sample::select(vec!["mode", "exceptions", "selfTestIceServers", "locked", "urls", "username", "credential", "x"]), inner),
                0..4
            )
            .prop_map(|kv| Value::Object(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect())),
        ]
    })
}
