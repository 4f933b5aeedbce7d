//! The plain versions of the candidate parser and the SDP filter, kept as oracles: the fast paths in `candidate` and `sdp` must match them exactly (differential tests and fuzzing).
//!
//! Native builds only; nothing here ships in the Wasm. The parser is the code the fast one replaced;
//! the filter judges every candidate line with the old quick look and a full parse, and reprints rewrites
//! through [`Candidate`]'s `Display`.

use crate::addr::is_valid_zone;
use crate::candidate::{
    is_empty_candidate, is_fqdn, kw, missing_value_kind, AddrRef, Candidate, CandidateErrorKind, CandidateRef, TypRef, BYTE_FLAGS, F_BAD,
    F_DIGIT, F_GRAPHIC, F_ICE, F_NONASCII, F_TOKEN,
};
use crate::sdp::{conn_rewrite, is_candidate_line, lines, KeptRelays, SdpFiltered};
use crate::verdict::{decide, hides_ref, scrub_related, Decision, Facts, Mode};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// `AddrRef::parse` as it was: a sniffing pass, then `std`'s parsers.
pub fn addr_parse(s: &str) -> Option<AddrRef<'_>> {
    // One pass to sniff the shape, then one real parse.
    let (mut colon, mut percent, mut digits_dots) = (false, false, true);
    for b in s.bytes() {
        match b {
            b':' => colon = true,
            b'%' => percent = true,
            b'0'..=b'9' | b'.' => {}
            b'[' | b']' => return None,
            _ if b.is_ascii_whitespace() || b.is_ascii_control() => return None,
            _ => {}
        }
        if !(b.is_ascii_digit() || b == b'.') {
            digits_dots = false;
        }
    }
    if s.is_empty() {
        return None;
    }
    if colon || percent {
        let (ip_text, zone) = match s.split_once('%') {
            Some((ip, z)) => (ip, Some(z)),
            None => (s, None),
        };
        let ip: Ipv6Addr = ip_text.parse().ok()?;
        if zone.is_some_and(|z| !is_valid_zone(z)) {
            return None;
        }
        return Some(AddrRef::Ip { ip: IpAddr::V6(ip), zone, text: s });
    }
    if digits_dots {
        if let Ok(ip) = s.parse::<Ipv4Addr>() {
            return Some(AddrRef::Ip { ip: IpAddr::V4(ip), zone: None, text: s });
        }
    }
    is_fqdn(s).then_some(AddrRef::Fqdn(s))
}


/// Strips `a=` and `candidate:` (each optional, case-insensitive) and surrounding whitespace.
/// Returns the body and its byte offset in `input`, or `NotACandidate` for another `a=` attribute.
fn strip_prefixes(input: &str) -> Result<(&str, usize), CandidateErrorKind> {
    let trimmed_start = input.trim_start_matches(|c: char| c.is_ascii_whitespace());
    let mut off = input.len() - trimmed_start.len();
    let mut s = trimmed_start;
    let mut had_a = false;
    if s.len() >= 2 && s.as_bytes()[..2].eq_ignore_ascii_case(b"a=") {
        s = &s[2..];
        off += 2;
        had_a = true;
    }
    const CAND: &[u8] = b"candidate:";
    if s.len() >= CAND.len() && s.as_bytes()[..CAND.len()].eq_ignore_ascii_case(CAND) {
        s = &s[CAND.len()..];
        off += CAND.len();
    } else if had_a {
        return Err(CandidateErrorKind::NotACandidate);
    }
    let body = s.trim_end_matches(|c: char| c.is_ascii_whitespace());
    Ok((body, off))
}

/// One token and what its bytes are: `all` = flags every byte has, `any` = flags some byte has.
#[derive(Clone, Copy)]
struct Tok<'a> {
    text: &'a str,
    at: usize,
    all: u8,
    any: u8,
}

impl Tok<'_> {
    fn is(&self, flag: u8) -> bool {
        !self.text.is_empty() && self.all & flag != 0
    }
    fn digits(&self, max_len: usize) -> bool {
        self.is(F_DIGIT) && self.text.len() <= max_len
    }
}

/// `parse_ref_lite` as it was: one token at a time, each checked as it comes.
pub fn parse_ref_lite(input: &str) -> Result<CandidateRef<'_>, (usize, CandidateErrorKind)> {
    use CandidateErrorKind as K;
    let (body, base) = strip_prefixes(input).map_err(|k| (0, k))?;
    if body.is_empty() {
        return Err((base, K::Empty));
    }
    let end = base + body.len();
    let mut toks = Tokens { body, off: 0, done: false };
    let mut next = |what: &'static str| -> Result<Tok<'_>, (usize, CandidateErrorKind)> {
        let mut t = toks.next().ok_or((end, K::MissingField(what)))?;
        t.at += base;
        if t.text.is_empty() || t.any & F_BAD != 0 {
            return Err((t.at, K::BadSeparator));
        }
        Ok(t)
    };

    let t = next("foundation")?;
    if !(t.is(F_ICE) && t.text.len() <= 32) {
        return Err((t.at, K::BadFoundation));
    }
    let foundation = t.text;
    let t = next("component id")?;
    let component = if t.digits(10) { t.text.parse::<u32>().ok() } else { None }.ok_or((t.at, K::BadComponent))?;
    let t = next("transport")?;
    if !t.is(F_TOKEN) {
        return Err((t.at, K::BadTransport));
    }
    let transport = t.text;
    let t = next("priority")?;
    let priority = if t.digits(20) { t.text.parse::<u64>().ok() } else { None }.ok_or((t.at, K::BadPriority))?;
    let t = next("connection address")?;
    let address = addr_parse(t.text).ok_or((t.at, K::BadAddress))?;
    let t = next("port")?;
    let port = if t.digits(5) { t.text.parse::<u16>().ok() } else { None }.ok_or((t.at, K::BadPort))?;
    let t = next("typ")?;
    if !kw(t.text, "typ") {
        return Err((t.at, K::BadType));
    }
    let t = next("candidate type")?;
    if !t.is(F_TOKEN) {
        return Err((t.at, K::BadType));
    }
    let typ = TypRef::parse(t.text);
    let tail = body.get(t.at + t.text.len() - base..).unwrap_or("");

    let mut raddr = None;
    let mut rport = None;
    let mut tcptype = None;
    loop {
        let name = match next("extension") {
            Ok(x) => x,
            Err((_, K::MissingField(_))) => break,
            Err(e) => return Err(e),
        };
        let n = name.text;
        let value = match next("extension value") {
            Ok(x) => x,
            Err((_, K::MissingField(_))) => return Err((name.at, missing_value_kind(n))),
            Err(e) => return Err(e),
        };
        // Dispatch on length first: most extension names match no keyword.
        match n.len() {
            5 if kw(n, "raddr") => {
                if raddr.is_some() {
                    return Err((name.at, K::DuplicateField("raddr")));
                }
                raddr = Some(addr_parse(value.text).ok_or((value.at, K::BadRaddr))?);
            }
            5 if kw(n, "rport") => {
                if rport.is_some() {
                    return Err((name.at, K::DuplicateField("rport")));
                }
                let p = if value.digits(5) { value.text.parse::<u16>().ok() } else { None };
                rport = Some(p.ok_or((value.at, K::BadRport))?);
            }
            7 if kw(n, "tcptype") => {
                if tcptype.is_some() {
                    return Err((name.at, K::DuplicateField("tcptype")));
                }
                if !value.is(F_TOKEN) {
                    return Err((value.at, K::BadTcptype));
                }
                tcptype = Some(value.text);
            }
            3 if kw(n, "typ") => return Err((name.at, K::DuplicateField("typ"))),
            _ => {
                if !name.is(F_TOKEN) {
                    return Err((name.at, K::BadExtension));
                }
                // VCHAR, or UTF-8 text without whitespace/control characters.
                let ok = value.is(F_GRAPHIC)
                    || (value.any & F_NONASCII != 0 && value.text.chars().all(|c| !c.is_whitespace() && !c.is_control()));
                if !ok {
                    return Err((value.at, K::BadExtension));
                }
            }
        }
    }
    Ok(CandidateRef { foundation, component, transport, priority, address, port, typ, raddr, rport, tcptype, tail })
}

/// Splits on single spaces, yielding each token with its byte offset in `body` and its byte-class flags.
struct Tokens<'a> {
    body: &'a str,
    off: usize,
    done: bool,
}

impl<'a> Iterator for Tokens<'a> {
    type Item = Tok<'a>;
    #[inline(always)]
    fn next(&mut self) -> Option<Tok<'a>> {
        if self.done {
            return None;
        }
        let start = self.off;
        let bytes = self.body.as_bytes();
        let mut i = start;
        let mut all = 0xffu8;
        let mut any = 0u8;
        while let Some(&b) = bytes.get(i) {
            if b == b' ' {
                break;
            }
            let f = BYTE_FLAGS[b as usize];
            all &= f;
            any |= f;
            i += 1;
        }
        // `i` is at a space (ASCII, so a char boundary) or at the end.
        let text = self.body.get(start..i)?;
        if i < bytes.len() {
            self.off = i + 1;
        } else {
            self.done = true;
        }
        Some(Tok { text, at: start, all, any })
    }
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
        Mode::HideLocal => addr_parse(text(4)).is_some_and(|a| hides_ref(mode, &a)),
        Mode::Off | Mode::Disable => false,
    }
}

/// What the plain filter does with one candidate line.
#[allow(clippy::large_enum_variant)] // short-lived, on the stack
enum Act<'a> {
    Keep(Option<AddrRef<'a>>),
    Remove,
    Rewrite(Candidate, AddrRef<'a>),
}

fn act(mode: Mode, content: &str) -> Act<'_> {
    if mode == Mode::Disable {
        return if is_empty_candidate(content) { Act::Keep(None) } else { Act::Remove };
    }
    if quick_remove(mode, content) {
        return Act::Remove;
    }
    match parse_ref_lite(content) {
        Ok(c) => match decide(mode, &Facts::from(&c)) {
            Decision::Allow(_) => Act::Keep(Some(c.address)),
            Decision::Drop(_) => Act::Remove,
            Decision::ScrubRelated(_) => {
                let mut owned = c.to_owned();
                scrub_related(&mut owned);
                Act::Rewrite(owned, c.address)
            }
        },
        Err((_, CandidateErrorKind::Empty)) => Act::Keep(None),
        Err(_) => Act::Remove,
    }
}

/// [`crate::sdp::filter_sdp`] the plain way: every line judged on its own, kept relays gathered first.
pub fn filter_sdp(mode: Mode, sdp: &str) -> SdpFiltered {
    if mode == Mode::Off {
        return SdpFiltered { sdp: sdp.to_string(), removed: 0, rewritten: 0 };
    }
    let relays = KeptRelays::collect(sdp, |content| match act(mode, content) {
        Act::Keep(Some(a)) | Act::Rewrite(_, a) => Some(a),
        _ => None,
    });
    let mut out = String::new();
    let (mut removed, mut rewritten, mut section) = (0u32, 0u32, 0usize);
    for (content, term) in lines(sdp) {
        if content.starts_with("m=") {
            section += 1;
        } else if is_candidate_line(content) {
            match act(mode, content) {
                Act::Keep(_) => {}
                Act::Remove => {
                    removed += 1;
                    continue;
                }
                Act::Rewrite(c, _) => {
                    out += &format!("a={c}{term}");
                    rewritten += 1;
                    continue;
                }
            }
        } else if let Some(r) = conn_rewrite(mode, content, section, &relays) {
            r.write(&mut out);
            out.push_str(term);
            rewritten += 1;
            continue;
        }
        out.push_str(content);
        out.push_str(term);
    }
    SdpFiltered { sdp: out, removed, rewritten }
}
