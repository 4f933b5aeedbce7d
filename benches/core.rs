//! Criterion benchmarks for the IceVeil core's hot paths: address classification, candidate parsing and judging, SDP filtering, and the paths a page or an admin can make large (the self-test report, thousands of exceptions).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use iceveil::addr::classify;
use iceveil::config::{merge, validate_user, ExceptionSet, ManagedSettings};
use iceveil::selftest::{evaluate, Outcome};
use iceveil::candidate::parse_candidate;
use iceveil::sdp::filter_sdp;
use iceveil::verdict::{judge_str, Mode};
use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

mod fixtures {
    pub mod offer;
}
use fixtures::offer::offer_40;

/// A mix of addresses from every bucket of the table (private, CGNAT, IPv6 ULA, embedded forms, global).
fn sample_addrs() -> Vec<IpAddr> {
    let mut out = Vec::with_capacity(1024);
    let mut s: u64 = 0x2545_f491_4f6c_dd1d;
    for i in 0..1024u32 {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        let ip = match i % 8 {
            0 => IpAddr::V4(Ipv4Addr::from(s as u32)),
            1 => IpAddr::V4(Ipv4Addr::new(192, 168, (s >> 8) as u8, s as u8)),
            2 => IpAddr::V4(Ipv4Addr::new(100, 64 | ((s >> 16) as u8 & 63), (s >> 8) as u8, s as u8)),
            3 => IpAddr::V4(Ipv4Addr::new(192, 0, 0, s as u8)),
            4 => IpAddr::V6(Ipv6Addr::from(((0x2001_0db8u128 + (s as u128 & 0xffff)) << 96) | s as u128)),
            5 => IpAddr::V6(Ipv4Addr::from(s as u32).to_ipv6_mapped()),
            6 => IpAddr::V6(Ipv6Addr::from((0xfd00u128 << 112) | s as u128)),
            _ => IpAddr::V6(Ipv6Addr::from((0x2001_0000u128 << 96) | s as u128)),
        };
        out.push(ip);
    }
    out
}

const SRFLX: &str = "candidate:842163049 1 udp 1677729535 8.8.4.4 61665 typ srflx raddr 10.0.0.5 rport 61665 generation 0 ufrag sO4v network-id 1 network-cost 10";

fn bench_classify(c: &mut Criterion) {
    let addrs = sample_addrs();
    let mut g = c.benchmark_group("classify");
    g.throughput(Throughput::Elements(addrs.len() as u64));
    g.bench_function("mixed_1024", |b| {
        b.iter(|| {
            let mut n = 0u32;
            for &ip in black_box(&addrs) {
                n += classify(ip).class.is_global() as u32;
            }
            n
        })
    });
    g.finish();
}

fn bench_candidate(c: &mut Criterion) {
    c.bench_function("parse_candidate/chromium_srflx", |b| b.iter(|| parse_candidate(black_box(SRFLX))));
    let mut g = c.benchmark_group("judge_str");
    for m in [Mode::HideLocal, Mode::ProxyOnly] {
        g.bench_with_input(BenchmarkId::new("chromium_srflx", m.as_str()), &m, |b, &m| b.iter(|| judge_str(m, black_box(SRFLX))));
    }
    let host = "candidate:1467250027 1 udp 2122260223 192.168.1.20 54321 typ host generation 0 ufrag sO4v network-id 1 network-cost 10";
    g.bench_function("chromium_host/hide-local", |b| b.iter(|| judge_str(Mode::HideLocal, black_box(host))));
    g.finish();
}

fn bench_sdp(c: &mut Criterion) {
    let sdp = offer_40();
    assert_eq!(sdp.matches("a=candidate:").count(), 40);
    let mut g = c.benchmark_group("filter_sdp/offer_40_candidates");
    g.throughput(Throughput::Bytes(sdp.len() as u64));
    for m in Mode::ALL {
        g.bench_with_input(BenchmarkId::from_parameter(m.as_str()), &m, |b, &m| b.iter(|| filter_sdp(m, black_box(&sdp))));
    }
    g.finish();
}

/// 80,000 distinct candidates (host and srflx over distinct addresses): the report's address dedup must stay linear.
fn bench_selftest(c: &mut Criterion) {
    let candidates: Vec<String> = (0..80_000u32)
        .map(|i| {
            let (a, b) = ((i >> 8) & 0xff, i & 0xff);
            if i % 2 == 0 {
                format!("candidate:{i} 1 udp 2122260223 10.{}.{a}.{b} 5{} typ host", i >> 16, i % 1000)
            } else {
                format!("candidate:{i} 1 udp 1686052607 11.{}.{a}.{b} 4{} typ srflx raddr 10.0.{a}.{b} rport 5000", i >> 16, i % 1000)
            }
        })
        .collect();
    let outcome = Outcome { webrtc_available: true, completed: true, ice_servers: 1, ..Outcome::default() };
    let mut g = c.benchmark_group("selftest");
    g.sample_size(10);
    g.bench_function("report_80k_candidates", |b| b.iter(|| evaluate(Mode::HideLocal, black_box(&candidates), &outcome)));
    g.finish();
}

/// 8,000 exceptions (exact and wildcard, some repeated): resolving the settings (validation, the public-suffix
/// check, dedup) and building the index, then one per-request question against them.
fn bench_exceptions(c: &mut Criterion) {
    let list: Vec<serde_json::Value> = (0..8_000u32)
        .map(|i| match i % 4 {
            0 => format!("https://meet{}.example.com", i / 4),
            1 => format!("https://*.team{}.example.org", i / 4),
            2 => format!("*://calls{}.example.net:8443", i / 4),
            _ => format!("https://meet{}.example.com", i / 8), // a repeat
        })
        .map(serde_json::Value::String)
        .collect();
    let stored = serde_json::json!({ "exceptions": list });
    let mut g = c.benchmark_group("exceptions");
    g.sample_size(20);
    g.bench_function("resolve_8k", |b| {
        b.iter(|| {
            let s = merge(validate_user(black_box(&stored)).value, &ManagedSettings::default());
            ExceptionSet::of_settings(&s)
        })
    });
    let set = ExceptionSet::new(&validate_user(&stored).value.exceptions);
    g.bench_function("page_mode_8k", |b| b.iter(|| set.applies(black_box("https://a.b.team1999.example.org"), black_box("https://meet3.example.com"))));
    g.finish();
}

criterion_group!(benches, bench_classify, bench_candidate, bench_sdp, bench_selftest, bench_exceptions);
criterion_main!(benches);
