//! Applies the candidate verdicts to a whole SDP blob, line by line and losslessly, so offers and answers cannot leak what a single candidate would not.
//!
//! What changes (nothing else does; every other byte, including each line's
//! `\r\n` or `\n` terminator and a missing final terminator, is copied through):
//!
//! - `a=candidate:` lines: removed on Drop, replaced (same terminator) on Rewrite, per [`judge`](crate::verdict::judge).
//!   An unparseable candidate line is removed (fail closed).
//! - `c=<nettype> <addrtype> <addr>[/ttl…]`: a hidden address becomes `0.0.0.0` (`IP4`) or `::` (`IP6`),
//!   keeping any `/ttl` suffix. A `c=` line that cannot be read becomes `c=IN IP4 0.0.0.0`.
//! - `a=rtcp:<port> <nettype> <addrtype> <addr>`: same as `c=`, the port is kept. An unreadable one becomes
//!   `a=rtcp:<port> IN IP4 0.0.0.0` (port 9 if the port is unreadable too).
//!
//! Which `c=`/`a=rtcp:` addresses are hidden: under `hide-local` those [`hides`] says; under `disable`
//! every address but `0.0.0.0`/`::`; under `proxy-only` every address except one equal to the address of a
//! relay candidate the filter keeps in the same media section (any section, for a session-level `c=`).
//!
//! `a=end-of-candidates` is never removed nor added. `o=` lines are left alone (browsers put
//! `127.0.0.1` / `0.0.0.0` there, never a real address). `a=remote-candidates` (ICE-lite only, never
//! produced by browsers) is not rewritten. The filter is idempotent, and `off` returns the input unchanged.

use crate::candidate::{is_empty_candidate, parse_ref_lite, AddrRef, CandidateErrorKind, CandidateRef};
use crate::verdict::{decide, hides_ref, scrub_placeholder, Decision, Facts, Mode};
use std::net::IpAddr;
use std::fmt::Write as _;

/// The filtered SDP and what was done to it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct SdpFiltered {
    pub sdp: String,
    /// `a=candidate:` lines removed.
    pub removed: u32,
    /// Lines rewritten (candidates with a scrubbed `raddr`, `c=` and `a=rtcp:` lines).
    pub rewritten: u32,
}

/// Splits into (content without terminator, terminator) pairs; the terminator is `"\r\n"`, `"\n"` or `""`.
pub fn lines(sdp: &str) -> Lines<'_> {
    Lines { rest: sdp }
}

/// Iterator returned by [`lines`].
pub struct Lines<'a> {
    rest: &'a str,
}

impl<'a> Iterator for Lines<'a> {
    type Item = (&'a str, &'a str);
    fn next(&mut self) -> Option<(&'a str, &'a str)> {
        if self.rest.is_empty() {
            return None;
        }
        // memchr-backed search; '\n' is ASCII, so i + 1 is a char boundary.
        let (line, rest) = match self.rest.find('\n') {
            Some(i) => self.rest.split_at(i + 1),
            None => (self.rest, ""),
        };
        self.rest = rest;
        let content_len = if line.ends_with("\r\n") {
            line.len() - 2
        } else if line.ends_with('\n') {
            line.len() - 1
        } else {
            line.len()
        };
        Some(line.split_at(content_len))
    }
}

fn starts_with_ci(s: &str, prefix: &str) -> bool {
    s.len() >= prefix.len() && s.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
}

/// Is this line an `a=candidate:` attribute?
pub fn is_candidate_line(content: &str) -> bool {
    starts_with_ci(content, "a=candidate:")
}

/// A parsed `<nettype> <addrtype> <addr>[/suffix]` triple (the tail of `c=` and of `a=rtcp:<port> `).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConnField<'a> {
    pub nettype: &'a str,
    pub addrtype: &'a str,
    pub addr: AddrRef<'a>,
    /// `/ttl[/count]` after the address, or `""`.
    pub suffix: &'a str,
}

impl<'a> ConnField<'a> {
    pub fn parse(s: &'a str) -> Option<ConnField<'a>> {
        let mut it = s.split(' ');
        let nettype = it.next()?;
        let addrtype = it.next()?;
        let full = it.next()?;
        if it.next().is_some() || nettype.is_empty() || addrtype.is_empty() {
            return None;
        }
        let (addr_text, suffix) = match full.find('/') {
            Some(i) => full.split_at(i),
            None => (full, ""),
        };
        let addr = AddrRef::parse(addr_text)?;
        Some(ConnField { nettype, addrtype, addr, suffix })
    }

    /// `::` for `IP6`, else `0.0.0.0`.
    pub fn placeholder(&self) -> &'static str {
        if self.addrtype.eq_ignore_ascii_case("IP6") {
            "::"
        } else {
            "0.0.0.0"
        }
    }
}

/// Splits `a=rtcp:` content into (port text, optional connection field text).
pub fn rtcp_parts(content: &str) -> (&str, Option<&str>) {
    let rest = content.get("a=rtcp:".len()..).unwrap_or("");
    match rest.split_once(' ') {
        Some((port, conn)) => (port, Some(conn)),
        None => (rest, None),
    }
}

fn same_addr(a: &AddrRef<'_>, b: &AddrRef<'_>) -> bool {
    match (a, b) {
        (AddrRef::Ip { ip: x, .. }, AddrRef::Ip { ip: y, .. }) => x == y,
        (AddrRef::Fqdn(x), AddrRef::Fqdn(y)) => x.trim_end_matches('.').eq_ignore_ascii_case(y.trim_end_matches('.')),
        _ => false,
    }
}

/// Relay addresses the filter keeps, with their media section (0 = session level, 1.. = m= sections).
struct KeptRelays<'a> {
    list: Vec<(usize, AddrRef<'a>)>,
}

impl KeptRelays<'_> {
    fn allows(&self, section: usize, addr: &AddrRef<'_>) -> bool {
        self.list.iter().any(|(s, a)| (section == 0 || *s == section) && same_addr(a, addr))
    }
}

#[allow(clippy::large_enum_variant)] // short-lived, on the stack
enum CandAction<'a> {
    Keep,
    Remove,
    Rewrite(CandidateRef<'a>),
}

/// A cheap look at the fields that decide most removals, before the full parse: a non-relay
/// under `proxy-only`, or a hidden connection address under `hide-local`, is removed whatever the
/// rest of the line holds. Removing is always safe, so a malformed line that this path removes
/// would have been removed as unparseable anyway; lines it keeps still get the full parse.
fn quick_remove(mode: Mode, content: &str) -> bool {
    // Fields 4..=7 (0-based) are: connection-address, port, "typ", candidate-type.
    let bytes = content.as_bytes();
    let mut fields: [(usize, usize); 8] = [(0, 0); 8];
    let (mut field, mut start) = (0usize, 0usize);
    for (i, &b) in bytes.iter().enumerate() {
        if b == b' ' {
            fields[field] = (start, i);
            field += 1;
            start = i + 1;
            if field == 8 {
                break;
            }
        }
    }
    if field < 7 {
        return false;
    }
    if field == 7 {
        fields[7] = (start, bytes.len());
    }
    let text = |f: usize| content.get(fields[f].0..fields[f].1).unwrap_or("");
    if !text(6).eq_ignore_ascii_case("typ") {
        return false;
    }
    match mode {
        Mode::ProxyOnly => !text(7).eq_ignore_ascii_case("relay"),
        Mode::HideLocal => AddrRef::parse(text(4)).is_some_and(|a| hides_ref(mode, &a)),
        Mode::Off | Mode::Disable => false,
    }
}

fn candidate_action<'a>(mode: Mode, content: &'a str) -> CandAction<'a> {
    if mode == Mode::Disable {
        // Every non-empty candidate goes, parseable or not: no need to parse.
        return if is_empty_candidate(content) { CandAction::Keep } else { CandAction::Remove };
    }
    if quick_remove(mode, content) {
        return CandAction::Remove;
    }
    match parse_ref_lite(content) {
        Ok(c) => match decide(mode, &Facts::from(&c)) {
            Decision::Allow(_) => CandAction::Keep,
            Decision::Drop(_) => CandAction::Remove,
            Decision::ScrubRelated(_) => CandAction::Rewrite(c),
        },
        // An empty `a=candidate:` is an end-of-candidates marker, not a leak.
        Err((_, CandidateErrorKind::Empty)) => CandAction::Keep,
        Err(_) => CandAction::Remove,
    }
}

/// Is a `c=`/`a=rtcp:` address hidden under `mode` in `section`?
fn conn_hidden(mode: Mode, addr: &AddrRef<'_>, section: usize, relays: &KeptRelays<'_>) -> bool {
    if addr.is_unspecified() {
        return false;
    }
    match mode {
        Mode::Off => false,
        Mode::HideLocal => hides_ref(mode, addr),
        Mode::ProxyOnly => !relays.allows(section, addr),
        Mode::Disable => true,
    }
}

/// Filters an SDP under `mode` (see the module docs for exactly what changes).
pub fn filter_sdp(mode: Mode, sdp: &str) -> SdpFiltered {
    if mode == Mode::Off {
        return SdpFiltered { sdp: sdp.to_string(), removed: 0, rewritten: 0 };
    }
    let mut relays = KeptRelays { list: Vec::new() };
    // proxy-only needs the kept relays before it meets the c= lines above them: decide every
    // candidate once up front and replay the decisions in the writing pass.
    let mut cached: Vec<CandAction<'_>> = Vec::new();
    if mode == Mode::ProxyOnly {
        let mut section = 0usize;
        for (content, _) in lines(sdp) {
            if content.starts_with("m=") {
                section += 1;
            } else if is_candidate_line(content) {
                let action = candidate_action(mode, content);
                match &action {
                    CandAction::Rewrite(c) => relays.list.push((section, c.address)),
                    CandAction::Keep => {
                        if let Ok(c) = parse_ref_lite(content) {
                            relays.list.push((section, c.address));
                        }
                    }
                    CandAction::Remove => {}
                }
                cached.push(action);
            }
        }
    }
    let mut cached = cached.into_iter();

    let mut out = String::with_capacity(sdp.len());
    let mut removed = 0u32;
    let mut rewritten = 0u32;
    let mut section = 0usize;
    for (content, term) in lines(sdp) {
        if content.starts_with("m=") {
            section += 1;
        } else if is_candidate_line(content) {
            let action = match cached.next() {
                Some(a) => a,
                None => candidate_action(mode, content),
            };
            match action {
                CandAction::Keep => {}
                CandAction::Remove => {
                    removed += 1;
                    continue;
                }
                CandAction::Rewrite(c) => {
                    let ph = match scrub_placeholder(&c.address, c.raddr.as_ref()) {
                        IpAddr::V4(_) => "0.0.0.0",
                        IpAddr::V6(_) => "::",
                    };
                    out.push_str("a=");
                    let _ = c.write_with_related(&mut out, Some(ph), Some(0));
                    out.push_str(term);
                    rewritten += 1;
                    continue;
                }
            }
        } else if let Some(rest) = content.strip_prefix("c=") {
            match ConnField::parse(rest) {
                Some(f) if !conn_hidden(mode, &f.addr, section, &relays) => {}
                Some(f) => {
                    let _ = write!(out, "c={} {} {}{}{term}", f.nettype, f.addrtype, f.placeholder(), f.suffix);
                    rewritten += 1;
                    continue;
                }
                None => {
                    out.push_str("c=IN IP4 0.0.0.0");
                    out.push_str(term);
                    rewritten += 1;
                    continue;
                }
            }
        } else if starts_with_ci(content, "a=rtcp:") {
            let (port, conn) = rtcp_parts(content);
            let port_ok = !port.is_empty() && port.len() <= 5 && port.bytes().all(|b| b.is_ascii_digit());
            match conn.map(ConnField::parse) {
                None if port_ok => {}
                Some(Some(f)) if port_ok && !conn_hidden(mode, &f.addr, section, &relays) => {}
                Some(Some(f)) if port_ok => {
                    let _ = write!(out, "a=rtcp:{port} {} {} {}{}{term}", f.nettype, f.addrtype, f.placeholder(), f.suffix);
                    rewritten += 1;
                    continue;
                }
                _ => {
                    let port = if port_ok { port } else { "9" };
                    let _ = write!(out, "a=rtcp:{port} IN IP4 0.0.0.0{term}");
                    rewritten += 1;
                    continue;
                }
            }
        }
        out.push_str(content);
        out.push_str(term);
    }
    SdpFiltered { sdp: out, removed, rewritten }
}

/// How many `a=end-of-candidates` lines (the whole line, any terminator) the SDP has; the filter never changes this.
pub fn count_end_of_candidates(sdp: &str) -> usize {
    lines(sdp).filter(|(content, _)| *content == "a=end-of-candidates").count()
}

/// Independently re-reads a (filtered) SDP and reports the first line that would reveal
/// something `mode` hides, or `None`. Used by the tests and fuzzers as the oracle for
/// [`filter_sdp`], and usable as a self-check: it shares [`hides`](crate::verdict::hides) but not the filter's control flow.
pub fn first_leak(mode: Mode, sdp: &str) -> Option<String> {
    use crate::candidate::TypRef;
    if mode == Mode::Off {
        return None;
    }
    // Relay addresses present, by section.
    let mut relays = KeptRelays { list: Vec::new() };
    let mut section = 0usize;
    for (content, _) in lines(sdp) {
        if content.starts_with("m=") {
            section += 1;
        } else if is_candidate_line(content) {
            if let Ok(c) = parse_ref_lite(content) {
                if c.typ == TypRef::Relay {
                    relays.list.push((section, c.address));
                }
            }
        }
    }
    let leak = |why: &str, line: &str| Some(format!("{why}: {line:?}"));
    let mut section = 0usize;
    for (content, _) in lines(sdp) {
        if content.starts_with("m=") {
            section += 1;
        } else if is_candidate_line(content) {
            if is_empty_candidate(content) {
                continue;
            }
            let Ok(c) = parse_ref_lite(content) else { return leak("unparseable candidate", content) };
            let raddr_hidden = c.raddr.is_some_and(|r| hides_ref(mode, &r));
            match mode {
                Mode::Off => {}
                Mode::Disable => return leak("candidate under disable", content),
                Mode::HideLocal => {
                    if matches!(c.typ, TypRef::Other(_)) {
                        return leak("unknown candidate type", content);
                    }
                    if hides_ref(mode, &c.address) || raddr_hidden {
                        return leak("hidden address in candidate", content);
                    }
                }
                Mode::ProxyOnly => {
                    if c.typ != TypRef::Relay {
                        return leak("non-relay candidate under proxy-only", content);
                    }
                    if hides_ref(Mode::HideLocal, &c.address) || raddr_hidden || c.rport.is_some_and(|p| p != 0) {
                        return leak("relay candidate reveals an address", content);
                    }
                }
            }
        } else if let Some(rest) = content.strip_prefix("c=") {
            let Some(f) = ConnField::parse(rest) else { return leak("unreadable c= line", content) };
            if conn_hidden(mode, &f.addr, section, &relays) {
                return leak("hidden address in c=", content);
            }
        } else if starts_with_ci(content, "a=rtcp:") {
            if let (_, Some(conn)) = rtcp_parts(content) {
                let Some(f) = ConnField::parse(conn) else { return leak("unreadable a=rtcp: line", content) };
                if conn_hidden(mode, &f.addr, section, &relays) {
                    return leak("hidden address in a=rtcp:", content);
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const OFFER: &str = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 192.168.1.2\r\na=rtcp:9 IN IP4 10.0.0.2\r\na=candidate:1 1 udp 2122260223 192.168.1.2 5000 typ host generation 0\r\na=candidate:2 1 udp 1686052607 8.8.4.4 5000 typ srflx raddr 192.168.1.2 rport 5000 generation 0\r\na=candidate:3 1 udp 41885439 1.1.1.1 3478 typ relay raddr 8.8.4.4 rport 5000 generation 0\r\na=candidate:4 1 udp 2122260223 x.local 5000 typ host\r\na=end-of-candidates\r\na=rtcp-mux\r\n";

    #[test]
    fn off_is_identity() {
        for s in [OFFER, "", "garbage\n\n\r\n", "a=candidate:junk"] {
            assert_eq!(filter_sdp(Mode::Off, s), SdpFiltered { sdp: s.to_string(), removed: 0, rewritten: 0 });
        }
    }

    #[test]
    fn hide_local() {
        let f = filter_sdp(Mode::HideLocal, OFFER);
        assert_eq!(
            f.sdp,
            "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\na=candidate:2 1 udp 1686052607 8.8.4.4 5000 typ srflx raddr 0.0.0.0 rport 0 generation 0\r\na=candidate:3 1 udp 41885439 1.1.1.1 3478 typ relay raddr 8.8.4.4 rport 5000 generation 0\r\na=candidate:4 1 udp 2122260223 x.local 5000 typ host\r\na=end-of-candidates\r\na=rtcp-mux\r\n"
        );
        assert_eq!((f.removed, f.rewritten), (1, 3));
        assert_eq!(first_leak(Mode::HideLocal, &f.sdp), None);
        assert!(first_leak(Mode::HideLocal, OFFER).is_some());
    }

    #[test]
    fn proxy_only_and_disable() {
        let f = filter_sdp(Mode::ProxyOnly, OFFER);
        assert_eq!(
            f.sdp,
            "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\na=candidate:3 1 udp 41885439 1.1.1.1 3478 typ relay raddr 0.0.0.0 rport 0 generation 0\r\na=end-of-candidates\r\na=rtcp-mux\r\n"
        );
        assert_eq!((f.removed, f.rewritten), (3, 3));
        // c= equal to the kept relay address survives
        let s = "m=audio 9 X 1\nc=IN IP4 1.1.1.1\na=candidate:3 1 udp 41885439 1.1.1.1 3478 typ relay raddr 0.0.0.0 rport 0\nm=video 9 X 1\nc=IN IP4 1.1.1.1\n";
        let f = filter_sdp(Mode::ProxyOnly, s);
        assert_eq!(f.sdp, "m=audio 9 X 1\nc=IN IP4 1.1.1.1\na=candidate:3 1 udp 41885439 1.1.1.1 3478 typ relay raddr 0.0.0.0 rport 0\nm=video 9 X 1\nc=IN IP4 0.0.0.0\n");
        let f = filter_sdp(Mode::Disable, OFFER);
        assert_eq!(
            f.sdp,
            "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\r\na=end-of-candidates\r\na=rtcp-mux\r\n"
        );
        assert_eq!((f.removed, f.rewritten), (4, 2));
    }

    #[test]
    fn line_endings_are_preserved() {
        let mixed = "v=0\nc=IN IP6 fd00::1\r\na=candidate:1 1 udp 1 10.0.0.1 9 typ host\na=x\r\nc=IN IP4 10.1.1.1/127/2";
        let f = filter_sdp(Mode::HideLocal, mixed);
        assert_eq!(f.sdp, "v=0\nc=IN IP6 ::\r\na=x\r\nc=IN IP4 0.0.0.0/127/2");
        let lf = OFFER.replace("\r\n", "\n");
        let f_lf = filter_sdp(Mode::HideLocal, &lf);
        assert_eq!(f_lf.sdp, filter_sdp(Mode::HideLocal, OFFER).sdp.replace("\r\n", "\n"));
    }

    #[test]
    fn unreadable_lines_fail_closed() {
        let s = "c=IN IP4\r\na=rtcp:x IN IP4 10.0.0.1\na=rtcp:7 IN IP4 ??\na=rtcp:5\na=candidate:1 1 udp\n";
        let f = filter_sdp(Mode::HideLocal, s);
        assert_eq!(f.sdp, "c=IN IP4 0.0.0.0\r\na=rtcp:9 IN IP4 0.0.0.0\na=rtcp:7 IN IP4 0.0.0.0\na=rtcp:5\n");
        assert_eq!((f.removed, f.rewritten), (1, 3));
    }

    #[test]
    fn idempotent_on_examples() {
        for m in Mode::ALL {
            for s in [OFFER, "a=candidate:\r\n", "c=IN IP4 ::1\n", "a=candidate:1 1 udp 1 8.8.8.8 9 typ relay rport 5"] {
                let once = filter_sdp(m, s).sdp;
                assert_eq!(filter_sdp(m, &once).sdp, once, "{m} {s:?}");
                assert_eq!(first_leak(m, &once), None, "{m} {s:?}");
            }
        }
    }
}
