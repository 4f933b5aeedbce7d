//! Reads and prints ICE candidate attributes exactly per RFC 8839 §5.1, so every address a candidate carries can be judged.
//!
//! ```text
//! candidate-attribute = "candidate" ":" foundation SP component-id SP transport SP
//!                       priority SP connection-address SP port SP cand-type
//!                       [SP rel-addr] [SP rel-port] *(SP cand-extension)
//! cand-type           = "typ" SP candidate-types
//! rel-addr            = "raddr" SP connection-address
//! rel-port            = "rport" SP port
//! cand-extension      = extension-att-name SP extension-att-value
//! ```
//!
//! Parsing is strict where strictness protects the user: fields are separated by
//! exactly one space (an empty field is an error), `raddr`, `rport`, `tcptype` and
//! `typ` may appear only once (a second `raddr` hidden among the extensions would
//! otherwise survive a scrub), and keywords match case-insensitively as ABNF
//! literals do. `raddr`/`rport`/`tcptype` are recognised anywhere after the type.
//!
//! [`parse_candidate_ref`] borrows from the input and allocates nothing on
//! success; the SDP filter uses it. [`parse_candidate`] returns an owned
//! [`Candidate`], which prints back in canonical form with [`fmt::Display`].

use crate::addr::{is_valid_zone, parse_ipv4, parse_ipv6};
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// Where a candidate says it can be reached: an IP address or a name (mDNS or other FQDN).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConnectionAddress {
    Ip {
        ip: IpAddr,
        /// IPv6 zone id after `%`, e.g. `en0` in `fe80::1%en0`.
        zone: Option<String>,
        /// The original spelling (incl. `%zone`), printed back verbatim.
        text: String,
    },
    Fqdn(String),
}

impl ConnectionAddress {
    /// An IP address spelled the standard way, no zone.
    pub fn from_ip(ip: IpAddr) -> ConnectionAddress {
        ConnectionAddress::Ip { ip, zone: None, text: ip.to_string() }
    }

    /// `0.0.0.0`, the placeholder browsers put in a scrubbed `raddr`.
    pub fn unspecified_v4() -> ConnectionAddress {
        ConnectionAddress::from_ip(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
    }

    /// `::`, the IPv6 scrub placeholder.
    pub fn unspecified_v6() -> ConnectionAddress {
        ConnectionAddress::from_ip(IpAddr::V6(Ipv6Addr::UNSPECIFIED))
    }

    /// Parses one `connection-address` token: IPv4, IPv6 (optionally `%zone`) or an FQDN.
    pub fn parse(s: &str) -> Option<ConnectionAddress> {
        Some(match AddrRef::parse(s)? {
            AddrRef::Ip { ip, zone, text } => ConnectionAddress::Ip {
                ip,
                zone: zone.map(str::to_string),
                text: text.to_string(),
            },
            AddrRef::Fqdn(name) => ConnectionAddress::Fqdn(name.to_string()),
        })
    }

    pub fn ip(&self) -> Option<IpAddr> {
        match self {
            ConnectionAddress::Ip { ip, .. } => Some(*ip),
            ConnectionAddress::Fqdn(_) => None,
        }
    }

    /// An FQDN ending in `.local` (case-insensitive), e.g. Chromium's `<uuid>.local`.
    pub fn is_mdns(&self) -> bool {
        match self {
            ConnectionAddress::Fqdn(name) => is_mdns_name(name),
            ConnectionAddress::Ip { .. } => false,
        }
    }

    /// `0.0.0.0` or `::`.
    pub fn is_unspecified(&self) -> bool {
        self.ip().is_some_and(|ip| ip.is_unspecified())
    }

    pub fn as_text(&self) -> &str {
        match self {
            ConnectionAddress::Ip { text, .. } => text,
            ConnectionAddress::Fqdn(name) => name,
        }
    }

    /// The borrowed view of this address.
    pub fn as_ref(&self) -> AddrRef<'_> {
        match self {
            ConnectionAddress::Ip { ip, zone, text } => AddrRef::Ip { ip: *ip, zone: zone.as_deref(), text },
            ConnectionAddress::Fqdn(name) => AddrRef::Fqdn(name),
        }
    }
}

impl fmt::Display for ConnectionAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_text())
    }
}

/// Borrowed form of [`ConnectionAddress`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AddrRef<'a> {
    Ip { ip: IpAddr, zone: Option<&'a str>, text: &'a str },
    Fqdn(&'a str),
}

impl<'a> AddrRef<'a> {
    /// Parses one `connection-address` token (no brackets, no whitespace).
    pub fn parse(s: &'a str) -> Option<AddrRef<'a>> {
        // The three forms cannot be confused: an IPv4 address is digits and dots only, a name has
        // no `:` or `%`, and an IPv6 address needs a `:`. So each reader can simply be tried in turn.
        if let Some(ip) = parse_ipv4(s.as_bytes()) {
            return Some(AddrRef::Ip { ip: IpAddr::V4(ip), zone: None, text: s });
        }
        if is_fqdn(s) {
            return Some(AddrRef::Fqdn(s));
        }
        // `%` is ASCII: both sides of it are char boundaries.
        let (ip_text, zone) = match s.bytes().position(|c| c == b'%') {
            Some(i) => (s.get(..i)?, Some(s.get(i + 1..)?)),
            None => (s, None),
        };
        let ip = parse_ipv6(ip_text.as_bytes())?;
        if zone.is_some_and(|z| !is_valid_zone(z)) {
            return None;
        }
        Some(AddrRef::Ip { ip: IpAddr::V6(ip), zone, text: s })
    }

    pub fn ip(&self) -> Option<IpAddr> {
        match self {
            AddrRef::Ip { ip, .. } => Some(*ip),
            AddrRef::Fqdn(_) => None,
        }
    }

    pub fn is_mdns(&self) -> bool {
        matches!(self, AddrRef::Fqdn(n) if is_mdns_name(n))
    }

    pub fn is_unspecified(&self) -> bool {
        self.ip().is_some_and(|ip| ip.is_unspecified())
    }

    pub fn as_text(&self) -> &'a str {
        match self {
            AddrRef::Ip { text, .. } => text,
            AddrRef::Fqdn(name) => name,
        }
    }

    pub fn to_owned(&self) -> ConnectionAddress {
        match *self {
            AddrRef::Ip { ip, zone, text } => ConnectionAddress::Ip {
                ip,
                zone: zone.map(str::to_string),
                text: text.to_string(),
            },
            AddrRef::Fqdn(name) => ConnectionAddress::Fqdn(name.to_string()),
        }
    }
}

fn is_mdns_name(name: &str) -> bool {
    let n = name.strip_suffix('.').unwrap_or(name);
    let b = n.as_bytes();
    b.len() > 6 && b[b.len() - 6..].eq_ignore_ascii_case(b".local")
}

/// A DNS name: dot-separated labels of letters, digits, `-` and `_`, one optional trailing dot.
pub fn is_fqdn(s: &str) -> bool {
    let n = s.strip_suffix('.').unwrap_or(s);
    if n.is_empty() || n.len() > 253 {
        return false;
    }
    let mut start = 0usize;
    loop {
        let end = find_byte(n.as_bytes(), start, b'.').unwrap_or(n.len());
        if !n.get(start..end).is_some_and(|label| label.len() <= 63 && all(label, F_LABEL)) {
            return false;
        }
        if end == n.len() {
            return true;
        }
        start = end + 1;
    }
}

/// The candidate type after `typ`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CandidateType {
    Host,
    Srflx,
    Prflx,
    Relay,
    /// Any other token, kept as written.
    Other(String),
}

impl CandidateType {
    pub fn parse(s: &str) -> CandidateType {
        match TypRef::parse(s) {
            TypRef::Host => CandidateType::Host,
            TypRef::Srflx => CandidateType::Srflx,
            TypRef::Prflx => CandidateType::Prflx,
            TypRef::Relay => CandidateType::Relay,
            TypRef::Other(o) => CandidateType::Other(o.to_string()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            CandidateType::Host => "host",
            CandidateType::Srflx => "srflx",
            CandidateType::Prflx => "prflx",
            CandidateType::Relay => "relay",
            CandidateType::Other(o) => o,
        }
    }

    pub fn as_ref(&self) -> TypRef<'_> {
        match self {
            CandidateType::Host => TypRef::Host,
            CandidateType::Srflx => TypRef::Srflx,
            CandidateType::Prflx => TypRef::Prflx,
            CandidateType::Relay => TypRef::Relay,
            CandidateType::Other(o) => TypRef::Other(o),
        }
    }
}

impl fmt::Display for CandidateType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Borrowed form of [`CandidateType`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TypRef<'a> {
    Host,
    Srflx,
    Prflx,
    Relay,
    Other(&'a str),
}

impl<'a> TypRef<'a> {
    /// How it is printed: lowercase for the known types, as written for others.
    pub fn as_str(&self) -> &'a str {
        match self {
            TypRef::Host => "host",
            TypRef::Srflx => "srflx",
            TypRef::Prflx => "prflx",
            TypRef::Relay => "relay",
            TypRef::Other(o) => o,
        }
    }

    pub fn parse(s: &'a str) -> TypRef<'a> {
        // Browsers write the lowercase spelling: an exact match first.
        match s {
            "host" => return TypRef::Host,
            "srflx" => return TypRef::Srflx,
            "relay" => return TypRef::Relay,
            _ => {}
        }
        if s.eq_ignore_ascii_case("host") {
            TypRef::Host
        } else if s.eq_ignore_ascii_case("srflx") {
            TypRef::Srflx
        } else if s.eq_ignore_ascii_case("prflx") {
            TypRef::Prflx
        } else if s.eq_ignore_ascii_case("relay") {
            TypRef::Relay
        } else {
            TypRef::Other(s)
        }
    }
}

/// One parsed `candidate` attribute.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Candidate {
    pub foundation: String,
    pub component: u32,
    /// As written (`udp`, `UDP`, `tcp`, …); compare case-insensitively.
    pub transport: String,
    pub priority: u64,
    pub address: ConnectionAddress,
    pub port: u16,
    pub typ: CandidateType,
    pub raddr: Option<ConnectionAddress>,
    pub rport: Option<u16>,
    pub tcptype: Option<String>,
    /// Unknown name/value pairs (`generation 0`, `ufrag x`, `network-id 1`, …), order preserved.
    pub extensions: Vec<(String, String)>,
}

impl Candidate {
    /// The value of the first extension called `name` (case-insensitive).
    pub fn extension(&self, name: &str) -> Option<&str> {
        self.extensions.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn is_tcp(&self) -> bool {
        self.transport.eq_ignore_ascii_case("tcp")
    }
}

impl fmt::Display for Candidate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "candidate:{} {} {} {} {} {} typ {}",
            self.foundation, self.component, self.transport, self.priority, self.address, self.port, self.typ
        )?;
        if let Some(a) = &self.raddr {
            write!(f, " raddr {a}")?;
        }
        if let Some(p) = self.rport {
            write!(f, " rport {p}")?;
        }
        if let Some(t) = &self.tcptype {
            write!(f, " tcptype {t}")?;
        }
        for (n, v) in &self.extensions {
            write!(f, " {n} {v}")?;
        }
        Ok(())
    }
}

impl std::str::FromStr for Candidate {
    type Err = CandidateError;
    fn from_str(s: &str) -> Result<Candidate, CandidateError> {
        parse_candidate(s)
    }
}

/// What is wrong with a candidate string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CandidateErrorKind {
    /// Nothing after the optional `a=` / `candidate:` prefixes (Firefox's end-of-candidates).
    Empty,
    /// An `a=` attribute that is not `a=candidate:`.
    NotACandidate,
    /// Two spaces in a row, a tab, or a control character where a single space separates fields.
    BadSeparator,
    /// The line ends before this field.
    MissingField(&'static str),
    BadFoundation,
    BadComponent,
    BadTransport,
    BadPriority,
    BadAddress,
    BadPort,
    /// Field 7 is not `typ`, or the type is not a token.
    BadType,
    BadRaddr,
    BadRport,
    BadTcptype,
    /// An extension name without a value at the end of the line.
    DanglingExtension,
    /// An extension name that is not a token, or a value with characters outside VCHAR / UTF-8 text.
    BadExtension,
    /// `typ`, `raddr`, `rport` or `tcptype` appears twice.
    DuplicateField(&'static str),
}

impl CandidateErrorKind {
    fn describe(&self) -> String {
        match self {
            CandidateErrorKind::Empty => "empty candidate".into(),
            CandidateErrorKind::NotACandidate => "not a candidate attribute".into(),
            CandidateErrorKind::BadSeparator => "fields must be separated by exactly one space".into(),
            CandidateErrorKind::MissingField(f) => format!("missing {f}"),
            CandidateErrorKind::BadFoundation => "bad foundation (1-32 of A-Z a-z 0-9 + /)".into(),
            CandidateErrorKind::BadComponent => "bad component id".into(),
            CandidateErrorKind::BadTransport => "bad transport".into(),
            CandidateErrorKind::BadPriority => "bad priority".into(),
            CandidateErrorKind::BadAddress => "bad connection address".into(),
            CandidateErrorKind::BadPort => "bad port".into(),
            CandidateErrorKind::BadType => "expected `typ <type>`".into(),
            CandidateErrorKind::BadRaddr => "bad raddr".into(),
            CandidateErrorKind::BadRport => "bad rport".into(),
            CandidateErrorKind::BadTcptype => "bad tcptype".into(),
            CandidateErrorKind::DanglingExtension => "extension name without value".into(),
            CandidateErrorKind::BadExtension => "bad extension".into(),
            CandidateErrorKind::DuplicateField(f) => format!("duplicate {f}"),
        }
    }
}

/// A candidate that could not be parsed: the whole input, the byte offset of the bad field, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CandidateError {
    pub input: String,
    /// Byte offset into `input` where the offending field starts (always a char boundary).
    pub position: usize,
    pub kind: CandidateErrorKind,
}

impl fmt::Display for CandidateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {} of candidate {:?}", self.kind.describe(), self.position, self.input)
    }
}

impl std::error::Error for CandidateError {}

/// Borrowed, allocation-free parse result. Extensions are not collected: iterate them with [`CandidateRef::extensions`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CandidateRef<'a> {
    pub foundation: &'a str,
    pub component: u32,
    pub transport: &'a str,
    pub priority: u64,
    pub address: AddrRef<'a>,
    pub port: u16,
    pub typ: TypRef<'a>,
    pub raddr: Option<AddrRef<'a>>,
    pub rport: Option<u16>,
    pub tcptype: Option<&'a str>,
    /// Everything after the type token (the name/value pairs, each preceded by a space).
    pub(crate) tail: &'a str,
}

impl<'a> CandidateRef<'a> {
    /// Unknown extensions in order (not `raddr`, `rport`, `tcptype`).
    pub fn extensions(&self) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        let mut it = self.tail.split(' ').skip(1);
        std::iter::from_fn(move || loop {
            let name = it.next()?;
            let value = it.next()?;
            if !is_reserved_pair(name) {
                return Some((name, value));
            }
        })
    }

    /// Writes the canonical `candidate:…` form (as [`Candidate`]'s `Display` would) with
    /// `raddr`/`rport` replaced by the given ones, without allocating (and without `core::fmt`'s machinery).
    pub fn write_with_related<W: fmt::Write>(&self, w: &mut W, raddr: Option<&str>, rport: Option<u16>) -> fmt::Result {
        let (component, priority, port) = (Decimal::of(self.component.into()), Decimal::of(self.priority), Decimal::of(self.port.into()));
        let fields = [self.foundation, component.as_str(), self.transport, priority.as_str(), self.address.as_text(), port.as_str()];
        w.write_str("candidate:")?;
        for (i, f) in fields.into_iter().enumerate() {
            if i > 0 {
                w.write_str(" ")?;
            }
            w.write_str(f)?;
        }
        w.write_str(" typ ")?;
        w.write_str(self.typ.as_str())?;
        self.write_after_type(w, raddr, rport)
    }

    /// What [`CandidateRef::write_with_related`] writes after the candidate type.
    pub(crate) fn write_after_type<W: fmt::Write>(&self, w: &mut W, raddr: Option<&str>, rport: Option<u16>) -> fmt::Result {
        if let Some(a) = raddr {
            w.write_str(" raddr ")?;
            w.write_str(a)?;
        }
        if let Some(p) = rport {
            w.write_str(" rport ")?;
            w.write_str(Decimal::of(p.into()).as_str())?;
        }
        if let Some(t) = self.tcptype {
            w.write_str(" tcptype ")?;
            w.write_str(t)?;
        }
        // The extensions, in order: the tail minus its raddr/rport/tcptype pairs, copied a run at a time.
        let (tail, b) = (self.tail, self.tail.as_bytes());
        let (mut run, mut at) = (0usize, 0usize); // `at` is the space before a name
        let next_space = |from: usize| find_byte(b, from, b' ').unwrap_or(b.len());
        while at < b.len() {
            let name_end = next_space(at + 1);
            let value_end = next_space(name_end + 1);
            if is_reserved_pair(tail.get(at + 1..name_end).unwrap_or("")) {
                w.write_str(tail.get(run..at).unwrap_or(""))?;
                run = value_end;
            }
            at = value_end;
        }
        w.write_str(tail.get(run..).unwrap_or(""))
    }

    pub fn to_owned(&self) -> Candidate {
        Candidate {
            foundation: self.foundation.to_string(),
            component: self.component,
            transport: self.transport.to_string(),
            priority: self.priority,
            address: self.address.to_owned(),
            port: self.port,
            typ: match self.typ {
                TypRef::Host => CandidateType::Host,
                TypRef::Srflx => CandidateType::Srflx,
                TypRef::Prflx => CandidateType::Prflx,
                TypRef::Relay => CandidateType::Relay,
                TypRef::Other(o) => CandidateType::Other(o.to_string()),
            },
            raddr: self.raddr.map(|a| a.to_owned()),
            rport: self.rport,
            tcptype: self.tcptype.map(str::to_string),
            extensions: self.extensions().map(|(n, v)| (n.to_string(), v.to_string())).collect(),
        }
    }
}

/// An integer's decimal digits, without `core::fmt`.
struct Decimal {
    buf: [u8; 20],
    start: usize,
}

impl Decimal {
    fn of(mut v: u64) -> Decimal {
        let mut d = Decimal { buf: [b'0'; 20], start: 20 };
        loop {
            d.start -= 1;
            if let Some(slot) = d.buf.get_mut(d.start) {
                *slot = b'0' + (v % 10) as u8;
            }
            v /= 10;
            if v == 0 || d.start == 0 {
                return d;
            }
        }
    }

    fn as_str(&self) -> &str {
        self.buf.get(self.start..).and_then(|b| std::str::from_utf8(b).ok()).unwrap_or("0")
    }
}

fn is_reserved_pair(name: &str) -> bool {
    kw(name, "raddr") || kw(name, "rport") || kw(name, "tcptype")
}

/// Strips `a=` and `candidate:` (each optional, case-insensitive) and surrounding whitespace.
/// Returns the body and its byte offset in `input`, or `NotACandidate` for another `a=` attribute.
pub fn strip_prefixes(input: &str) -> Result<(&str, usize), CandidateErrorKind> {
    // Byte-wise: ASCII whitespace and the ASCII prefixes only ever end on char boundaries.
    let b = input.as_bytes();
    const CAND: &[u8] = b"candidate:";
    let off = if b.starts_with(b"a=candidate:") {
        12 // the SDP line as browsers write it
    } else {
        let mut off = 0;
        while b.get(off).is_some_and(u8::is_ascii_whitespace) {
            off += 1;
        }
        let had_a = b.get(off..off + 2).is_some_and(|p| p.eq_ignore_ascii_case(b"a="));
        if had_a {
            off += 2;
        }
        if b.get(off..off + CAND.len()).is_some_and(|p| p.eq_ignore_ascii_case(CAND)) {
            off += CAND.len();
        } else if had_a {
            return Err(CandidateErrorKind::NotACandidate);
        }
        off
    };
    let mut end = b.len();
    while end > off && b.get(end - 1).is_some_and(u8::is_ascii_whitespace) {
        end -= 1;
    }
    let body = input.get(off..end).ok_or(CandidateErrorKind::NotACandidate)?;
    Ok((body, off))
}

/// True when the line is an end-of-candidates marker: empty after the optional prefixes (Firefox sends `""`).
pub fn is_empty_candidate(input: &str) -> bool {
    matches!(strip_prefixes(input), Ok((body, _)) if body.trim().is_empty())
}


/// Per-byte class flags, so one table answers every validity question about a field's bytes.
pub(crate) const F_TOKEN: u8 = 1; // RFC 4566 token-char
pub(crate) const F_DIGIT: u8 = 2;
pub(crate) const F_ICE: u8 = 4; // ALPHA / DIGIT / "+" / "/"
pub(crate) const F_GRAPHIC: u8 = 8; // VCHAR (%x21-7E)
pub(crate) const F_BAD: u8 = 16; // ASCII control character (never allowed in a field)
pub(crate) const F_NONASCII: u8 = 32;
pub(crate) const F_LABEL: u8 = 64; // ALPHA / DIGIT / "-" / "_" (a DNS label, as browsers' mDNS names use)

pub(crate) static BYTE_FLAGS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0usize;
    while b < 256 {
        let c = b as u8;
        let mut f = 0u8;
        if c.is_ascii_alphanumeric()
            || matches!(c, b'!' | b'#' | b'$' | b'%' | b'&' | b'\'' | b'*' | b'+' | b'-' | b'.' | b'^' | b'_' | b'`' | b'{' | b'|' | b'}' | b'~')
        {
            f |= F_TOKEN;
        }
        if c.is_ascii_digit() {
            f |= F_DIGIT;
        }
        if c.is_ascii_alphanumeric() || c == b'+' || c == b'/' {
            f |= F_ICE;
        }
        if c.is_ascii_graphic() {
            f |= F_GRAPHIC;
        }
        if c.is_ascii_control() {
            f |= F_BAD;
        }
        if c >= 0x80 {
            f |= F_NONASCII;
        }
        if c.is_ascii_alphanumeric() || c == b'-' || c == b'_' {
            f |= F_LABEL;
        }
        t[b] = f;
        b += 1;
    }
    t
};

/// Does every byte of `s` have `flag`? (`false` for an empty `s`.)
#[inline(always)]
fn all(s: &str, flag: u8) -> bool {
    !s.is_empty() && s.bytes().all(|b| BYTE_FLAGS[b as usize] & flag != 0)
}

/// `all(s, F_ICE)`, eight bytes at once when they are digits (as Chromium's foundations are).
#[inline(always)]
fn is_foundation_text(s: &str) -> bool {
    match s.as_bytes().split_at_checked(8) {
        Some((first, rest)) if eight_digits(first).1 => rest.iter().all(|&b| BYTE_FLAGS[b as usize] & F_ICE != 0),
        _ => all(s, F_ICE),
    }
}

/// The value of 1..=`max_len` decimal digits.
#[inline(always)]
fn number(s: &str, max_len: usize) -> Option<u64> {
    let b = s.as_bytes();
    if b.is_empty() || b.len() > max_len {
        return None;
    }
    if b.len() > 19 {
        // Only a 20-digit priority can overflow a u64.
        return b.iter().try_fold(0u64, |v, &c| v.checked_mul(10)?.checked_add(u64::from(digit(c)?)));
    }
    // Up to 19 digits cannot overflow: no checks per digit, one verdict at the end.
    let (mut v, mut all_digits) = (0u64, true);
    let mut eights = b.chunks_exact(8);
    for chunk in &mut eights {
        let (value, digits) = eight_digits(chunk);
        v = v.wrapping_mul(100_000_000).wrapping_add(value);
        all_digits &= digits;
    }
    for &c in eights.remainder() {
        let d = c.wrapping_sub(b'0');
        all_digits &= d < 10;
        v = v.wrapping_mul(10).wrapping_add(u64::from(d));
    }
    all_digits.then_some(v)
}

/// Eight bytes read as decimal digits at once: their value, and whether all eight are digits
/// (the value means nothing when they are not). Priorities and foundations are ten digits or so.
#[inline(always)]
fn eight_digits(chunk: &[u8]) -> (u64, bool) {
    const ZEROS: u64 = u64::from_ne_bytes([b'0'; 8]);
    const HIGH_NIBBLES: u64 = u64::from_ne_bytes([0xf0; 8]);
    let w = chunk.try_into().map_or(0, u64::from_le_bytes);
    // A digit is 0x30..=0x39: high nibble 3, and low nibble + 6 still below 16 (no carry leaves a byte).
    let digits = w & HIGH_NIBBLES == ZEROS && w.wrapping_add(u64::from_ne_bytes([6; 8])) & HIGH_NIBBLES == ZEROS;
    // The first digit is the lowest byte: combine neighbours into 2-, 4-, then 8-digit values.
    let d = w.wrapping_sub(ZEROS);
    // (Wrapping: bytes that are not digits must not panic a debug build; their value is unused.)
    let d = d.wrapping_mul(10).wrapping_add(d >> 8) & 0x00ff_00ff_00ff_00ff;
    let d = d.wrapping_mul(100).wrapping_add(d >> 16) & 0x0000_ffff_0000_ffff;
    let d = d.wrapping_mul(10_000).wrapping_add(d >> 32) & 0x0000_0000_ffff_ffff;
    (d, digits)
}

/// The value of one decimal digit.
#[inline(always)]
fn digit(c: u8) -> Option<u8> {
    let d = c.wrapping_sub(b'0');
    (d < 10).then_some(d)
}

/// The error for an extension name `n` at the end of the line, with no value after it.
pub(crate) fn missing_value_kind(n: &str) -> CandidateErrorKind {
    if kw(n, "raddr") {
        CandidateErrorKind::BadRaddr
    } else if kw(n, "rport") {
        CandidateErrorKind::BadRport
    } else if kw(n, "tcptype") {
        CandidateErrorKind::BadTcptype
    } else {
        CandidateErrorKind::DanglingExtension
    }
}

/// Case-insensitive keyword match, cheap on a length mismatch.
#[inline(always)]
pub(crate) fn kw(s: &str, keyword: &str) -> bool {
    s.len() == keyword.len() && s.as_bytes().iter().zip(keyword.as_bytes()).all(|(a, b)| a.to_ascii_lowercase() == *b)
}

/// The first `c` at or after `from`, sixteen bytes at a time, then eight, then one.
#[inline]
pub(crate) fn find_byte(b: &[u8], from: usize, c: u8) -> Option<usize> {
    find_byte_inlined(b, from, c)
}

/// [`find_byte`], always inlined: for the SDP line splitter only. Every inlined copy costs Wasm
/// size (about 8 KB when it was inlined everywhere); native builds inline `find_byte` into the
/// field cursor on their own.
#[inline(always)]
pub(crate) fn find_byte_inlined(b: &[u8], from: usize, c: u8) -> Option<usize> {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    let pattern = ONES * u64::from(c);
    // The high bit of each `c` in an eight-byte chunk is set (and maybe of bytes after the
    // first, but only the lowest set bit is ever used).
    let hits = |chunk: &[u8]| {
        let word = chunk.try_into().map_or(0, u64::from_le_bytes) ^ pattern;
        word.wrapping_sub(ONES) & !word & HIGHS
    };
    let first = |hits: u64| (hits.trailing_zeros() / 8) as usize;
    let rest = b.get(from..)?;
    let mut pairs = rest.chunks_exact(16);
    let mut at = from;
    for pair in &mut pairs {
        let (lo, hi) = pair.split_at(8);
        let (lo, hi) = (hits(lo), hits(hi));
        if lo | hi != 0 {
            return Some(at + if lo != 0 { first(lo) } else { 8 + first(hi) });
        }
        at += 16;
    }
    let mut tail = pairs.remainder();
    if let (Some(lo), Some(after)) = (tail.get(..8), tail.get(8..)) {
        let lo = hits(lo);
        if lo != 0 {
            return Some(at + first(lo));
        }
        (at, tail) = (at + 8, after);
    }
    tail.iter().position(|&x| x == c).map(|i| at + i)
}

/// One field, and its byte offset in the whole input.
#[derive(Clone, Copy)]
struct Tok<'a> {
    text: &'a str,
    at: usize,
}

type ParseError = (usize, CandidateErrorKind);

impl Tok<'_> {
    /// Two spaces in a row, a tab or another control character: what makes a field `BadSeparator`.
    fn bad_separator(&self) -> bool {
        self.text.is_empty() || self.text.bytes().any(|b| BYTE_FLAGS[b as usize] & F_BAD != 0)
    }

    /// `Ok` when `valid`, else the error: `BadSeparator` if that is what is wrong, `kind` otherwise.
    /// (No valid field holds a control character, so the separator check can wait for a failure.)
    #[inline(always)]
    fn check(&self, valid: bool, kind: CandidateErrorKind) -> Result<(), ParseError> {
        match valid {
            true => Ok(()),
            false if self.bad_separator() => Err((self.at, CandidateErrorKind::BadSeparator)),
            false => Err((self.at, kind)),
        }
    }
}

/// Splits a candidate body on single spaces, one field at a time.
struct Cursor<'a> {
    /// The fields not read yet, `None` after the last one.
    rest: Option<&'a str>,
    /// Offset of `rest` in the input.
    at: usize,
    /// Offset of the end of the body in the input.
    end: usize,
}

impl<'a> Cursor<'a> {
    fn new(body: &'a str, base: usize) -> Cursor<'a> {
        Cursor { rest: Some(body), at: base, end: base + body.len() }
    }

    #[inline(always)]
    fn token(&mut self) -> Option<Tok<'a>> {
        let (rest, at) = (self.rest?, self.at);
        let Some(space) = find_byte(rest.as_bytes(), 0, b' ') else {
            self.rest = None;
            return Some(Tok { text: rest, at });
        };
        // A space is ASCII, so both sides of it are char boundaries. (`split_at_checked` is inlined
        // where `get(range)` was a call, and every field of every candidate comes through here.)
        let (text, after) = rest.split_at_checked(space)?;
        self.rest = after.split_at_checked(1).map(|(_, next)| next);
        self.at = at + space + 1;
        Some(Tok { text, at })
    }

    /// The next field, `MissingField(what)` at the end of the line.
    #[inline(always)]
    fn field(&mut self, what: &'static str) -> Result<Tok<'a>, ParseError> {
        self.token().ok_or((self.end, CandidateErrorKind::MissingField(what)))
    }
}

/// Parses without allocating (except for the error).
pub fn parse_candidate_ref(input: &str) -> Result<CandidateRef<'_>, CandidateError> {
    parse_ref_lite(input).map_err(|(position, kind)| CandidateError { input: input.to_string(), position, kind })
}

/// [`parse_candidate_ref`] with a bare (position, kind) error: never allocates.
pub fn parse_ref_lite(input: &str) -> Result<CandidateRef<'_>, ParseError> {
    // Never stopped early, so never `None` (which would fail closed anyway).
    parse_head(input, |_| false)?.map_or(Err((0, CandidateErrorKind::NotACandidate)), Head::finish)
}

/// A candidate read up to its type: the fields that decide most drops. `raddr`, `rport` and
/// `tcptype` are still `None`; [`Head::finish`] reads (and checks) the rest of the line.
pub(crate) struct Head<'a> {
    pub(crate) c: CandidateRef<'a>,
    /// The text from the foundation to the type when it is already exactly what
    /// [`CandidateRef::write_with_related`] prints there (numbers without leading zeros,
    /// `typ` and the type in lowercase), so a rewrite can copy it.
    pub(crate) printed: Option<&'a str>,
    cur: Cursor<'a>,
}

/// The first half of [`parse_ref_lite`]: the same errors for everything up to the candidate type,
/// or `None` as soon as a valid connection address makes `stop` true (the caller's drop).
pub(crate) fn parse_head(input: &str, stop: fn(&AddrRef<'_>) -> bool) -> Result<Option<Head<'_>>, ParseError> {
    use CandidateErrorKind as K;
    let (body, base) = strip_prefixes(input).map_err(|k| (0, k))?;
    if body.is_empty() {
        return Err((base, K::Empty));
    }
    let mut cur = Cursor::new(body, base);
    let canonical_number = |t: &Tok<'_>| t.text.len() == 1 || !t.text.starts_with('0');

    let t = cur.field("foundation")?;
    t.check(t.text.len() <= 32 && is_foundation_text(t.text), K::BadFoundation)?;
    let foundation = t.text;
    let t = cur.field("component id")?;
    let component = number(t.text, 10).and_then(|v| u32::try_from(v).ok());
    t.check(component.is_some(), K::BadComponent)?;
    let mut canonical = canonical_number(&t);
    let t = cur.field("transport")?;
    t.check(all(t.text, F_TOKEN), K::BadTransport)?;
    let transport = t.text;
    let t = cur.field("priority")?;
    let priority = number(t.text, 20);
    t.check(priority.is_some(), K::BadPriority)?;
    canonical &= canonical_number(&t);
    let t = cur.field("connection address")?;
    let address = AddrRef::parse(t.text);
    t.check(address.is_some(), K::BadAddress)?;
    if address.as_ref().is_some_and(stop) {
        return Ok(None);
    }
    let t = cur.field("port")?;
    let port = number(t.text, 5).and_then(|v| u16::try_from(v).ok());
    t.check(port.is_some(), K::BadPort)?;
    canonical &= canonical_number(&t);
    let t = cur.field("typ")?;
    t.check(kw(t.text, "typ"), K::BadType)?;
    canonical &= t.text == "typ";
    let t = cur.field("candidate type")?;
    let typ = TypRef::parse(t.text);
    t.check(!matches!(typ, TypRef::Other(_)) || all(t.text, F_TOKEN), K::BadType)?;
    canonical &= t.text == typ.as_str();

    let type_end = t.at + t.text.len() - base;
    let tail = body.get(type_end..).unwrap_or("");
    let printed = if canonical { body.get(..type_end) } else { None };
    let (Some(component), Some(priority), Some(address), Some(port)) = (component, priority, address, port) else {
        return Err((t.at, K::BadType)); // unreachable: each was checked above
    };
    let c = CandidateRef { foundation, component, transport, priority, address, port, typ, raddr: None, rport: None, tcptype: None, tail };
    Ok(Some(Head { c, printed, cur }))
}

impl<'a> Head<'a> {
    /// Reads the name/value pairs after the type, filling in `raddr`, `rport` and `tcptype`.
    pub(crate) fn finish(self) -> Result<CandidateRef<'a>, ParseError> {
        let Head { mut c, mut cur, .. } = self;
        while let Some(name) = cur.token() {
            let value = cur.token();
            if let Err(e) = c.read_pair(name, value) {
                // Control characters and empty fields come first, in line order, whatever else is wrong.
                return Err(match (name.bad_separator(), value) {
                    (true, _) => (name.at, CandidateErrorKind::BadSeparator),
                    (false, Some(v)) if v.bad_separator() => (v.at, CandidateErrorKind::BadSeparator),
                    _ => e,
                });
            }
        }
        Ok(c)
    }
}

impl<'a> CandidateRef<'a> {
    /// One name/value pair after the type. The caller turns a failure into `BadSeparator` where that applies.
    #[inline(always)]
    fn read_pair(&mut self, name: Tok<'a>, value: Option<Tok<'a>>) -> Result<(), ParseError> {
        use CandidateErrorKind as K;
        let n = name.text;
        let Some(value) = value else {
            return Err((name.at, missing_value_kind(n)));
        };
        let v = value.text;
        // Dispatch on length first: most extension names match no keyword.
        match n.len() {
            5 if kw(n, "raddr") => {
                if self.raddr.is_some() {
                    return Err((name.at, K::DuplicateField("raddr")));
                }
                self.raddr = Some(AddrRef::parse(v).ok_or((value.at, K::BadRaddr))?);
            }
            5 if kw(n, "rport") => {
                if self.rport.is_some() {
                    return Err((name.at, K::DuplicateField("rport")));
                }
                self.rport = Some(number(v, 5).and_then(|p| u16::try_from(p).ok()).ok_or((value.at, K::BadRport))?);
            }
            7 if kw(n, "tcptype") => {
                if self.tcptype.is_some() {
                    return Err((name.at, K::DuplicateField("tcptype")));
                }
                if !all(v, F_TOKEN) {
                    return Err((value.at, K::BadTcptype));
                }
                self.tcptype = Some(v);
            }
            3 if kw(n, "typ") => return Err((name.at, K::DuplicateField("typ"))),
            _ => {
                // The names browsers write, spelled as they write them, are tokens: no need to look at each byte.
                let common = matches!(n, "generation" | "ufrag" | "network-id" | "network-cost");
                if !common && !all(n, F_TOKEN) {
                    return Err((name.at, K::BadExtension));
                }
                // VCHAR, or UTF-8 text without whitespace/control characters.
                let ok = all(v, F_GRAPHIC)
                    || (v.bytes().any(|b| b >= 0x80) && v.chars().all(|c| !c.is_whitespace() && !c.is_control()));
                if !ok {
                    return Err((value.at, K::BadExtension));
                }
            }
        }
        Ok(())
    }
}

/// Parses a candidate attribute, with or without `a=` / `candidate:` and a trailing `\r\n`.
pub fn parse_candidate(input: &str) -> Result<Candidate, CandidateError> {
    parse_candidate_ref(input).map(|c| c.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use CandidateErrorKind as K;

    fn p(s: &str) -> Candidate {
        parse_candidate(s).unwrap_or_else(|e| panic!("{e}"))
    }

    fn roundtrip(c: &Candidate) {
        let printed = c.to_string();
        assert_eq!(&p(&printed), c, "{printed}");
    }

    #[test]
    fn chromium_srflx() {
        let c = p("candidate:842163049 1 udp 1677729535 203.0.113.7 61665 typ srflx raddr 10.0.0.5 rport 61665 generation 0 ufrag sO4v network-id 1 network-cost 10");
        assert_eq!(c.foundation, "842163049");
        assert_eq!(c.component, 1);
        assert_eq!(c.transport, "udp");
        assert_eq!(c.priority, 1677729535);
        assert_eq!(c.address.ip(), Some("203.0.113.7".parse().unwrap()));
        assert_eq!(c.port, 61665);
        assert_eq!(c.typ, CandidateType::Srflx);
        assert_eq!(c.raddr.as_ref().and_then(|a| a.ip()), Some("10.0.0.5".parse().unwrap()));
        assert_eq!(c.rport, Some(61665));
        assert_eq!(c.extension("ufrag"), Some("sO4v"));
        assert_eq!(c.extensions.len(), 4);
        assert_eq!(
            c.to_string(),
            "candidate:842163049 1 udp 1677729535 203.0.113.7 61665 typ srflx raddr 10.0.0.5 rport 61665 generation 0 ufrag sO4v network-id 1 network-cost 10"
        );
        roundtrip(&c);
    }

    #[test]
    fn prefixes_and_terminators() {
        let base = p("candidate:1 1 UDP 2122252543 192.168.1.2 50000 typ host");
        for s in [
            "a=candidate:1 1 UDP 2122252543 192.168.1.2 50000 typ host\r\n",
            "1 1 UDP 2122252543 192.168.1.2 50000 typ host\n",
            "A=Candidate:1 1 UDP 2122252543 192.168.1.2 50000 typ host",
            "  candidate:1 1 UDP 2122252543 192.168.1.2 50000 typ host  ",
        ] {
            assert_eq!(p(s), base, "{s:?}");
        }
        assert_eq!(base.transport, "UDP");
    }

    #[test]
    fn mdns_tcp_ipv6() {
        let c = p("candidate:1 1 udp 2122260223 6f1c9a3e-8a2b-4c5d-9e0f-123456789abc.local 54321 typ host generation 0 ufrag x network-id 1");
        assert!(c.address.is_mdns());
        assert_eq!(c.address.ip(), None);
        roundtrip(&c);
        let c = p("candidate:3 1 tcp 1518280447 10.0.0.5 9 typ host tcptype active generation 0 network-id 1");
        assert_eq!(c.tcptype.as_deref(), Some("active"));
        assert!(c.is_tcp());
        roundtrip(&c);
        let c = p("candidate:4 1 TCP 2105524479 10.0.0.5 9 typ host tcptype passive");
        assert_eq!(c.tcptype.as_deref(), Some("passive"));
        let c = p("candidate:5 1 udp 2122197247 2001:db8::1 50001 typ host generation 0");
        assert_eq!(c.address.as_text(), "2001:db8::1");
        let c = p("candidate:6 1 udp 2122197247 fe80::1%en0 50001 typ host");
        match &c.address {
            ConnectionAddress::Ip { zone, text, .. } => {
                assert_eq!(zone.as_deref(), Some("en0"));
                assert_eq!(text, "fe80::1%en0");
            }
            other => panic!("{other:?}"),
        }
        roundtrip(&c);
        let c = p("candidate:7 1 udp 2122197247 ::ffff:10.0.0.1 50001 typ host");
        assert_eq!(c.address.as_text(), "::ffff:10.0.0.1");
        roundtrip(&c);
        let c = p("candidate:8 1 udp 41885439 198.51.100.9 3478 typ relay raddr 0.0.0.0 rport 0 generation 0");
        assert!(c.raddr.as_ref().unwrap().is_unspecified());
        assert_eq!(c.rport, Some(0));
        assert!(ConnectionAddress::Fqdn("X.LOCAL".into()).is_mdns());
        assert!(ConnectionAddress::Fqdn("x.local.".into()).is_mdns());
        assert!(!ConnectionAddress::Fqdn("local".into()).is_mdns());
        assert!(!ConnectionAddress::Fqdn("example.com".into()).is_mdns());
    }

    #[test]
    fn errors_are_precise() {
        let cases: &[(&str, CandidateErrorKind, usize)] = &[
            ("", K::Empty, 0),
            ("a=candidate:", K::Empty, 12),
            ("candidate:  \r\n", K::Empty, 10),
            ("a=end-of-candidates", K::NotACandidate, 0),
            ("candidate:1", K::MissingField("component id"), 11),
            ("candidate:1 x udp 1 1.2.3.4 1 typ host", K::BadComponent, 12),
            ("candidate:1 +1 udp 1 1.2.3.4 1 typ host", K::BadComponent, 12),
            ("candidate:1  1 udp 1 1.2.3.4 1 typ host", K::BadSeparator, 12),
            ("candidate:1 1 udp -5 1.2.3.4 1 typ host", K::BadPriority, 18),
            ("candidate:1 1 udp 5 1.2.3.4.. 1 typ host", K::BadAddress, 20),
            ("candidate:1 1 udp 5 [::1] 1 typ host", K::BadAddress, 20),
            ("candidate:1 1 udp 5 1.2.3.4 65536 typ host", K::BadPort, 28),
            ("candidate:1 1 udp 5 1.2.3.4 1 type host", K::BadType, 30),
            ("candidate:1 1 udp 5 1.2.3.4 1 typ", K::MissingField("candidate type"), 33),
            ("candidate:1 1 udp 5 1.2.3.4 1 typ srflx raddr", K::BadRaddr, 40),
            ("candidate:1 1 udp 5 1.2.3.4 1 typ srflx raddr x..y rport 1", K::BadRaddr, 46),
            ("candidate:1 1 udp 5 1.2.3.4 1 typ srflx rport 1x", K::BadRport, 46),
            ("candidate:1 1 udp 5 1.2.3.4 1 typ host generation", K::DanglingExtension, 39),
            ("candidate:1 1 udp 5 1.2.3.4 1 typ srflx raddr 1.1.1.1 generation 0 raddr 10.0.0.1", K::DuplicateField("raddr"), 67),
            ("candidate:1 1 udp 5 1.2.3.4 1 typ host typ relay", K::DuplicateField("typ"), 39),
            ("candidate:1 1 udp 5 1.2.3.4 1 typ host a\tb c", K::BadSeparator, 39),
            ("candidate:ü 1 udp 5 1.2.3.4 1 typ host", K::BadFoundation, 10),
        ];
        for (s, kind, pos) in cases {
            let e = parse_candidate(s).unwrap_err();
            assert_eq!((e.kind, e.position), (*kind, *pos), "{s:?}: {e}");
            assert_eq!(e.input, *s);
            assert!(s.is_char_boundary(e.position));
        }
    }

    #[test]
    fn write_with_related_matches_display() {
        let s = "candidate:1 1 tcp 5 1.2.3.4 9 typ srflx generation 0 raddr 10.0.0.1 tcptype active rport 9 ufrag u";
        let r = parse_candidate_ref(s).unwrap();
        let mut c = r.to_owned();
        c.raddr = Some(ConnectionAddress::unspecified_v4());
        c.rport = Some(0);
        let mut out = String::new();
        r.write_with_related(&mut out, Some("0.0.0.0"), Some(0)).unwrap();
        assert_eq!(out, c.to_string());
        let mut same = String::new();
        r.write_with_related(&mut same, r.raddr.map(|a| a.as_text()), r.rport).unwrap();
        assert_eq!(same, r.to_owned().to_string());
    }

    #[test]
    fn raddr_anywhere_after_type() {
        let c = p("candidate:1 1 udp 5 1.2.3.4 1 typ srflx generation 0 RADDR 10.0.0.1 rport 9");
        assert_eq!(c.raddr.unwrap().as_text(), "10.0.0.1");
        assert_eq!(c.extensions, vec![("generation".to_string(), "0".to_string())]);
    }

    #[test]
    fn is_fqdn_follows_its_definition() {
        // The definition, spelled out byte by byte (is_fqdn reads labels through the flag table).
        let plain = |s: &str| {
            let n = s.strip_suffix('.').unwrap_or(s);
            !n.is_empty()
                && n.len() <= 253
                && n.split('.').all(|l| (1..=63).contains(&l.len()) && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'))
        };
        let alphabet = ["a", "Z", "0", "-", "_", ".", ":", " ", "\u{e9}"];
        let mut cases: Vec<String> = vec![String::new()];
        for _ in 0..5 {
            cases = cases.iter().flat_map(|c| alphabet.iter().map(move |a| format!("{c}{a}"))).chain(cases.iter().cloned()).collect();
            cases.sort();
            cases.dedup();
        }
        for label in [62, 63, 64] {
            for total in [251, 252, 253, 254] {
                let l = "x".repeat(label);
                let mut name = String::new();
                while name.len() + label < total {
                    name += &l;
                    name.push('.');
                }
                name += &"y".repeat(total - name.len());
                cases.extend([name.clone(), format!("{name}."), format!("{name}.."), format!(".{name}")]);
            }
        }
        for s in &cases {
            assert_eq!(is_fqdn(s), plain(s), "{s:?}");
        }
    }

    #[test]
    fn number_matches_a_plain_reading() {
        let plain = |s: &str, max_len: usize| -> Option<u64> {
            if s.is_empty() || s.len() > max_len || !s.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            s.parse().ok()
        };
        let mut cases: Vec<String> = Vec::new();
        for len in 1..=21 {
            let digits: String = "98765432109876543210".chars().cycle().take(len).collect();
            cases.push(digits.clone());
            cases.push("9".repeat(len));
            cases.push("0".repeat(len));
            // One byte that is not a digit, at every position, from just below `0` to far above `9`.
            for at in 0..len {
                for bad in ['/', ':', 'a', ' ', '\u{7f}', '\u{ff}'] {
                    let mut t: Vec<char> = digits.chars().collect();
                    t[at] = bad;
                    cases.push(t.into_iter().collect());
                }
            }
        }
        cases.extend(["18446744073709551615", "18446744073709551616", "99999999999999999999", ""].map(String::from));
        for s in &cases {
            for max_len in [1, 5, 10, 19, 20] {
                assert_eq!(number(s, max_len), plain(s, max_len), "{s:?} {max_len}");
            }
        }
    }

    #[test]
    fn empty_marker() {
        assert!(is_empty_candidate(""));
        assert!(is_empty_candidate("a=candidate:"));
        assert!(is_empty_candidate("candidate: \r\n"));
        assert!(!is_empty_candidate("a=end-of-candidates"));
        assert!(!is_empty_candidate("candidate:1"));
    }
}
