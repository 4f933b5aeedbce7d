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

use crate::candidate::{find_byte, find_byte_inlined, is_empty_candidate, parse_head, parse_ref_lite, AddrRef, CandidateErrorKind, CandidateRef};
use crate::verdict::{decide_head, decide_related, hides_ref, scrub_placeholder, Decision, Facts, Mode};
use std::net::IpAddr;

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
    Lines { sdp, pos: 0 }
}

/// Iterator returned by [`lines`].
pub struct Lines<'a> {
    sdp: &'a str,
    /// Where the next line starts.
    pos: usize,
}

/// One line's byte offsets: content `start..content_end`, terminator `content_end..end`.
#[derive(Clone, Copy)]
struct Span {
    start: usize,
    content_end: usize,
    end: usize,
}

impl Lines<'_> {
    fn next_span(&mut self) -> Option<Span> {
        let b = self.sdp.as_bytes();
        let start = self.pos;
        if start >= b.len() {
            return None;
        }
        let (content_end, end) = match find_byte_inlined(b, start, b'\n') {
            Some(lf) if lf > start && b.get(lf - 1) == Some(&b'\r') => (lf - 1, lf + 1),
            Some(lf) => (lf, lf + 1),
            None => (b.len(), b.len()),
        };
        self.pos = end;
        Some(Span { start, content_end, end })
    }
}

impl<'a> Iterator for Lines<'a> {
    type Item = (&'a str, &'a str);
    fn next(&mut self) -> Option<(&'a str, &'a str)> {
        let sp = self.next_span()?;
        // `\r` and `\n` are ASCII, so every offset is a char boundary.
        Some((self.sdp.get(sp.start..sp.content_end)?, self.sdp.get(sp.content_end..sp.end)?))
    }
}

#[inline]
fn starts_with_ci(s: &str, prefix: &str) -> bool {
    // The exact spelling first: it is what browsers write, and a plain compare is cheaper.
    s.starts_with(prefix) || s.as_bytes().get(..prefix.len()).is_some_and(|p| p.eq_ignore_ascii_case(prefix.as_bytes()))
}

/// Is this line an `a=candidate:` attribute?
#[inline]
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
        // Exactly three fields, split on single spaces; the first two not empty.
        let b = s.as_bytes();
        let first = find_byte(b, 0, b' ')?;
        let second = find_byte(b, first + 1, b' ')?;
        if first == 0 || second == first + 1 || find_byte(b, second + 1, b' ').is_some() {
            return None;
        }
        // Spaces and `/` are ASCII: every cut is on a char boundary.
        let (nettype, addrtype, full) = (s.get(..first)?, s.get(first + 1..second)?, s.get(second + 1..)?);
        let (addr_text, suffix) = full.split_at_checked(find_byte(full.as_bytes(), 0, b'/').unwrap_or(full.len()))?;
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
    match find_byte(rest.as_bytes(), 0, b' ') {
        Some(i) => (rest.get(..i).unwrap_or(""), rest.get(i + 1..)),
        None => (rest, None),
    }
}

/// An address as relay matching compares it: the IP, or the name without a trailing dot, lowercased.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum AddrKey {
    Ip(IpAddr),
    Name(String),
}

impl AddrKey {
    fn of(a: &AddrRef<'_>) -> AddrKey {
        match a {
            AddrRef::Ip { ip, .. } => AddrKey::Ip(*ip),
            AddrRef::Fqdn(n) => AddrKey::Name(n.trim_end_matches('.').to_ascii_lowercase()),
        }
    }
}

/// Relay addresses the filter keeps, per media section (0 = session level, 1.. = m= sections), in hash
/// sets, so each `c=` or `a=rtcp:` line costs one lookup however many relays the SDP has.
#[derive(Default)]
pub(crate) struct KeptRelays {
    by_section: std::collections::HashSet<(usize, AddrKey)>,
    anywhere: std::collections::HashSet<AddrKey>,
}

impl KeptRelays {
    /// Walks `sdp` once and keeps, per section, the address `relay_of` gives for each candidate line.
    pub(crate) fn collect<'a>(sdp: &'a str, mut relay_of: impl FnMut(&'a str) -> Option<AddrRef<'a>>) -> Self {
        let mut relays = KeptRelays::default();
        let mut section = 0usize;
        for (content, _) in lines(sdp) {
            if content.starts_with("m=") {
                section += 1;
            } else if is_candidate_line(content) {
                if let Some(a) = relay_of(content) {
                    let key = AddrKey::of(&a);
                    relays.anywhere.insert(key.clone());
                    relays.by_section.insert((section, key));
                }
            }
        }
        relays
    }

    /// A session-level line (section 0) may name a relay kept in any section.
    fn allows(&self, section: usize, addr: &AddrRef<'_>) -> bool {
        let key = AddrKey::of(addr);
        if section == 0 {
            self.anywhere.contains(&key)
        } else {
            self.by_section.contains(&(section, key))
        }
    }
}

#[allow(clippy::large_enum_variant)] // short-lived, on the stack
enum CandAction<'a> {
    /// With the candidate's address, unless it is an empty end-of-candidates marker.
    Keep(Option<AddrRef<'a>>),
    Remove,
    /// With [`Head::printed`](crate::candidate::Head).
    Rewrite(CandidateRef<'a>, Option<&'a str>),
}

impl<'a> CandAction<'a> {
    fn kept_address(&self) -> Option<AddrRef<'a>> {
        match self {
            CandAction::Keep(a) => *a,
            CandAction::Rewrite(c, _) => Some(c.address),
            CandAction::Remove => None,
        }
    }
}

/// Only relays pass proxy-only, so a line whose type field is not `relay` goes without a full parse.
/// The fields are read off the raw line: a type followed by trailing whitespace (and nothing else)
/// is not `relay` here, so such a line is removed (as it has always been; the parse would trim it).
fn type_field_may_be_relay(content: &str) -> bool {
    let b = content.as_bytes();
    let mut spaces = [0usize; 8];
    let mut n = 0usize;
    let mut from = 0usize;
    while let Some(i) = find_byte(b, from, b' ') {
        if let Some(s) = spaces.get_mut(n) {
            *s = i;
        }
        n += 1;
        if n == spaces.len() {
            break;
        }
        from = i + 1;
    }
    if n < 7 {
        return true; // too few fields to tell: the full parse decides
    }
    let field = |from: usize, to: usize| content.get(from + 1..to).unwrap_or("");
    let typ_kw = field(spaces[5], spaces[6]);
    let typ = field(spaces[6], if n == 8 { spaces[7] } else { b.len() });
    !typ_kw.eq_ignore_ascii_case("typ") || typ.eq_ignore_ascii_case("relay")
}

/// What happens to one `a=candidate:` line: [`decide`](crate::verdict::decide) on the strict parse, unparseable lines removed.
fn candidate_action(mode: Mode, content: &str) -> CandAction<'_> {
    if mode == Mode::Disable {
        // Every non-empty candidate goes, parseable or not: no need to parse.
        return if is_empty_candidate(content) { CandAction::Keep(None) } else { CandAction::Remove };
    }
    if mode == Mode::ProxyOnly && !type_field_may_be_relay(content) {
        return CandAction::Remove;
    }
    // Under hide-local a hidden address is a drop whatever the rest holds: no need to read further.
    let stop: fn(&AddrRef<'_>) -> bool = if mode == Mode::HideLocal { |a| hides_ref(Mode::HideLocal, a) } else { |_| false };
    let head = match parse_head(content, stop) {
        Ok(Some(h)) => h,
        Ok(None) => return CandAction::Remove,
        // An empty `a=candidate:` is an end-of-candidates marker, not a leak.
        Err((_, CandidateErrorKind::Empty)) => return CandAction::Keep(None),
        Err(_) => return CandAction::Remove,
    };
    // A drop decided by the type and address stands whatever the rest of the line holds (a bad
    // field later in the line removes it too), so the rest is read only for the candidates that stay.
    let Ok(allowed) = decide_head(mode, head.c.typ, &head.c.address) else {
        return CandAction::Remove;
    };
    let printed = head.printed;
    match head.finish() {
        Ok(c) => match decide_related(mode, &Facts::from(&c), allowed) {
            Decision::Allow(_) => CandAction::Keep(Some(c.address)),
            Decision::Drop(_) => CandAction::Remove,
            Decision::ScrubRelated(_) => CandAction::Rewrite(c, printed),
        },
        Err(_) => CandAction::Remove,
    }
}

/// Is a `c=`/`a=rtcp:` address hidden under `mode` in `section`?
fn conn_hidden(mode: Mode, addr: &AddrRef<'_>, section: usize, relays: &KeptRelays) -> bool {
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

/// The new text of a `c=` or `a=rtcp:` line that must change (without its terminator), in pieces.
pub(crate) struct ConnRewrite<'a>([&'a str; 9]);

impl ConnRewrite<'_> {
    pub(crate) fn write(&self, out: &mut String) {
        for piece in self.0 {
            out.push_str(piece);
        }
    }
}

/// How a `c=` or `a=rtcp:` line changes under `mode`, or `None` when it stays (or is another line).
pub(crate) fn conn_rewrite<'a>(mode: Mode, content: &'a str, section: usize, relays: &KeptRelays) -> Option<ConnRewrite<'a>> {
    if let Some(rest) = content.strip_prefix("c=") {
        return match ConnField::parse(rest) {
            Some(f) if !conn_hidden(mode, &f.addr, section, relays) => None,
            Some(f) => Some(ConnRewrite(["c=", f.nettype, " ", f.addrtype, " ", f.placeholder(), f.suffix, "", ""])),
            None => Some(ConnRewrite(["c=IN IP4 0.0.0.0", "", "", "", "", "", "", "", ""])),
        };
    }
    if !starts_with_ci(content, "a=rtcp:") {
        return None;
    }
    let (port, conn) = rtcp_parts(content);
    let port_ok = !port.is_empty() && port.len() <= 5 && port.bytes().all(|b| b.is_ascii_digit());
    match conn.map(ConnField::parse) {
        None if port_ok => None,
        Some(Some(f)) if port_ok && !conn_hidden(mode, &f.addr, section, relays) => None,
        Some(Some(f)) if port_ok => Some(ConnRewrite(["a=rtcp:", port, " ", f.nettype, " ", f.addrtype, " ", f.placeholder(), f.suffix])),
        _ => Some(ConnRewrite(["a=rtcp:", if port_ok { port } else { "9" }, " IN IP4 0.0.0.0", "", "", "", "", "", ""])),
    }
}

/// The output: runs of unchanged input, copied only when a change interrupts them, and replacement text.
struct Splicer<'s> {
    src: &'s str,
    out: String,
    /// `src[..copied]` is done with: in `out`, or deliberately left out.
    copied: usize,
}

impl Splicer<'_> {
    /// Copies the pending run up to `start`, skips the input to `resume`, and returns the output for
    /// whatever replaces `start..resume`.
    fn cut(&mut self, start: usize, resume: usize) -> &mut String {
        self.out.push_str(self.src.get(self.copied..start).unwrap_or(""));
        self.copied = resume;
        &mut self.out
    }

    fn finish(mut self) -> String {
        let end = self.src.len();
        self.cut(end, end);
        self.out
    }
}

/// Filters an SDP under `mode` (see the module docs for exactly what changes).
pub fn filter_sdp(mode: Mode, sdp: &str) -> SdpFiltered {
    if mode == Mode::Off {
        return SdpFiltered { sdp: sdp.to_string(), removed: 0, rewritten: 0 };
    }
    // proxy-only needs the kept relays before it meets the c= lines above them: decide every
    // candidate once up front and replay the decisions in the writing pass.
    let mut cached: Vec<CandAction<'_>> = Vec::new();
    let relays = if mode == Mode::ProxyOnly {
        KeptRelays::collect(sdp, |content| {
            let action = candidate_action(mode, content);
            let kept = action.kept_address();
            cached.push(action);
            kept
        })
    } else {
        KeptRelays::default()
    };
    let mut cached = cached.into_iter();

    let mut out = Splicer { src: sdp, out: String::with_capacity(sdp.len() + 64), copied: 0 };
    let (mut removed, mut rewritten, mut section) = (0u32, 0u32, 0usize);
    let mut spans = lines(sdp);
    while let Some(sp) = spans.next_span() {
        let content = sdp.get(sp.start..sp.content_end).unwrap_or("");
        // Only `m=`, `a=` and `c=` lines can matter.
        if !matches!(content.as_bytes().first(), Some(b'm' | b'a' | b'A' | b'c')) {
            continue;
        }
        if content.starts_with("m=") {
            section += 1;
        } else if is_candidate_line(content) {
            let action = match cached.next() {
                Some(a) => a,
                None => candidate_action(mode, content),
            };
            match action {
                CandAction::Keep(_) => {}
                CandAction::Remove => {
                    out.cut(sp.start, sp.end);
                    removed += 1;
                }
                CandAction::Rewrite(c, printed) => {
                    let ph = match scrub_placeholder(&c.address, c.raddr.as_ref()) {
                        IpAddr::V4(_) => "0.0.0.0",
                        IpAddr::V6(_) => "::",
                    };
                    // The terminator stays, to go out with the next run.
                    let w = out.cut(sp.start, sp.content_end);
                    let _ = match printed {
                        Some(head) => {
                            w.push_str("a=candidate:");
                            w.push_str(head);
                            c.write_after_type(w, Some(ph), Some(0))
                        }
                        None => {
                            w.push_str("a=");
                            c.write_with_related(w, Some(ph), Some(0))
                        }
                    };
                    rewritten += 1;
                }
            }
        } else if let Some(r) = conn_rewrite(mode, content, section, &relays) {
            r.write(out.cut(sp.start, sp.content_end));
            rewritten += 1;
        }
    }
    SdpFiltered { sdp: out.finish(), removed, rewritten }
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
    let relays = KeptRelays::collect(sdp, |content| parse_ref_lite(content).ok().filter(|c| c.typ == TypRef::Relay).map(|c| c.address));
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
    fn lines_split_like_split_inclusive() {
        let naive = |s: &str| -> Vec<(String, String)> {
            s.split_inclusive('\n')
                .map(|l| {
                    let n = l.strip_suffix("\r\n").or_else(|| l.strip_suffix('\n')).unwrap_or(l).len();
                    (l[..n].to_string(), l[n..].to_string())
                })
                .collect()
        };
        // Every string of up to 9 bytes over {x, \r, \n}, then longer ones for the 8-byte steps.
        let mut cases: Vec<String> = Vec::new();
        for len in 0..=9u32 {
            for mut n in 0..3usize.pow(len) {
                let mut s = String::new();
                for _ in 0..len {
                    s.push(['x', '\r', '\n'][n % 3]);
                    n /= 3;
                }
                cases.push(s);
            }
        }
        for lf in 0..40 {
            for len in lf..48 {
                let mut s = "ü".repeat(len / 2) + &"x".repeat(len % 2);
                s.insert(s.char_indices().nth(lf / 2).map_or(s.len(), |(i, _)| i), '\n');
                cases.push(s.clone() + "\r\n" + &s);
            }
        }
        for s in &cases {
            let got: Vec<(String, String)> = lines(s).map(|(c, t)| (c.to_string(), t.to_string())).collect();
            assert_eq!(got, naive(s), "{s:?}");
        }
    }

    #[test]
    #[cfg(not(target_arch = "wasm32"))] // the reference is native-only
    fn proxy_only_reads_the_type_field_raw() {
        let s = "a=candidate:1 1 udp 1 8.8.8.8 9 typ relay\t\na=candidate:1 1 udp 1 8.8.8.8 9 typ relay \n";
        assert_eq!(filter_sdp(Mode::ProxyOnly, s).sdp, "a=candidate:1 1 udp 1 8.8.8.8 9 typ relay \n");
        assert_eq!(filter_sdp(Mode::ProxyOnly, s), crate::reference::filter_sdp(Mode::ProxyOnly, s));
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
