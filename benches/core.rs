//! Criterion benchmarks for the IceVeil core's hot paths: address classification, candidate parsing and judging, and SDP filtering.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use iceveil::addr::classify;
use iceveil::candidate::parse_candidate;
use iceveil::sdp::filter_sdp;
use iceveil::verdict::{judge_str, Mode};
use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

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

/// A Chromium-style offer with 2 media sections and 40 candidates (host v4/v6, mDNS, TCP, srflx, relay).
fn offer_40() -> String {
    let mut s = String::from(
        "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\na=extmap-allow-mixed\r\na=msid-semantic: WMS\r\n",
    );
    for (mid, m) in ["m=audio 61665 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126", "m=video 61665 UDP/TLS/RTP/SAVPF 96 97 98 99"].iter().enumerate() {
        s += m;
        s += "\r\nc=IN IP4 8.8.4.4\r\na=rtcp:9 IN IP4 0.0.0.0\r\n";
        for i in 0..20u32 {
            let line = match i % 10 {
                0 => format!("a=candidate:{} 1 udp 2122260223 192.168.1.{} 5432{} typ host generation 0 network-id 1 network-cost 10", 1467250027 + i, 20 + i, i % 10),
                1 => format!("a=candidate:{} 1 udp 2122194687 10.8.0.{} 60012 typ host generation 0 network-id 2 network-cost 50", 3075962395u64 + i as u64, i),
                2 => format!("a=candidate:{} 1 udp 2122262783 2606:4700:4700::{:x} 54322 typ host generation 0 network-id 3 network-cost 10", 1135489011 + i, 0x1111 + i),
                3 => format!("a=candidate:{} 1 udp 2122129151 fd12:3456:789a:1::{:x} 54323 typ host generation 0 network-id 4 network-cost 10", 2999745851u64 + i as u64, i),
                4 => format!("a=candidate:{} 1 tcp 1518280447 192.168.1.{} 9 typ host tcptype active generation 0 network-id 1 network-cost 10", 2043225432 + i, 20 + i),
                5 => format!("a=candidate:{} 1 udp 2122260223 6f1c9a3e-8a2b-4c5d-9e0f-{:012x}.local 54321 typ host generation 0 network-id 1 network-cost 10", 3885250869u64 + i as u64, i),
                6 | 7 => format!("a=candidate:{} 1 udp 1686052607 8.8.4.4 6166{} typ srflx raddr 192.168.1.{} rport 54321 generation 0 network-id 1 network-cost 10", 842163049 + i, i % 10, 20 + i),
                8 => format!("a=candidate:{} 1 udp 41885439 1.1.1.1 3478 typ relay raddr 8.8.4.4 rport 61665 generation 0 network-id 1 network-cost 10", 2157334355u64 + i as u64),
                _ => format!("a=candidate:{} 1 udp 41885439 1.0.0.1 3478 typ relay raddr 0.0.0.0 rport 0 generation 0 network-id 1 network-cost 10", 2157334400u64 + i as u64),
            };
            s += &line;
            s += "\r\n";
        }
        s += &format!(
            "a=ice-ufrag:sO4v\r\na=ice-pwd:k9Zx3rT1mQ8wYp2LsV7nB4cD\r\na=ice-options:trickle\r\na=fingerprint:sha-256 6B:8B:5D:EA:59:04:20:23:29:C8:87:1C:CC:87:32:BE:DD:8C:66:A5:8E:50:55:EA:8C:D3:B6:5C:09:5E:D6:BC\r\na=setup:actpass\r\na=mid:{mid}\r\na=sendrecv\r\na=rtcp-mux\r\na=rtpmap:111 opus/48000/2\r\na=fmtp:111 minptime=10;useinbandfec=1\r\n"
        );
    }
    s
}

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

criterion_group!(benches, bench_classify, bench_candidate, bench_sdp);
criterion_main!(benches);
