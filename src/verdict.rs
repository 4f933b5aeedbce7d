//! Turns a mode and one ICE candidate into Allow / Drop / Rewrite: the single place where protection is decided.

use crate::addr::is_global;
use crate::candidate::{
    is_empty_candidate, parse_candidate_ref, AddrRef, Candidate, CandidateRef, ConnectionAddress, TypRef,
};
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// How much IceVeil hides. The ids are a contract with the extension's storage and UI.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// IceVeil stays out of the way.
    Off,
    /// Hide every non-global address (LAN, CGNAT, link-local, …); public addresses and mDNS names pass.
    HideLocal,
    /// Only TURN relay candidates pass, with their related address scrubbed.
    ProxyOnly,
    /// No candidates at all.
    Disable,
}

impl Mode {
    pub const ALL: [Mode; 4] = [Mode::Off, Mode::HideLocal, Mode::ProxyOnly, Mode::Disable];
    pub const DEFAULT: Mode = Mode::HideLocal;

    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Off => "off",
            Mode::HideLocal => "hide-local",
            Mode::ProxyOnly => "proxy-only",
            Mode::Disable => "disable",
        }
    }

    /// Exact id match (`"hide-local"`); anything else is `None`.
    pub fn parse(s: &str) -> Option<Mode> {
        Mode::ALL.into_iter().find(|m| m.as_str() == s)
    }
}

impl std::str::FromStr for Mode {
    type Err = String;
    fn from_str(s: &str) -> Result<Mode, String> {
        Mode::parse(s).ok_or_else(|| format!("unknown mode {s:?} (expected off, hide-local, proxy-only or disable)"))
    }
}

impl Default for Mode {
    fn default() -> Mode {
        Mode::DEFAULT
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What to do with one candidate.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
pub enum Verdict {
    Allow { reason: Reason },
    Drop { reason: Reason },
    /// Replace the candidate with `candidate` (canonical `candidate:…` text, no `a=`).
    Rewrite { candidate: String, reason: Reason },
}

impl Verdict {
    pub fn reason(&self) -> Reason {
        match self {
            Verdict::Allow { reason } | Verdict::Drop { reason } | Verdict::Rewrite { reason, .. } => *reason,
        }
    }

    pub fn is_drop(&self) -> bool {
        matches!(self, Verdict::Drop { .. })
    }
}

/// Why a verdict was reached. Serialised kebab-case (`"hidden-related-address"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reason {
    ModeOff,
    EndOfCandidates,
    GlobalAddress,
    MdnsName,
    RelayCandidate,
    HiddenAddress,
    HiddenRelatedAddress,
    NotRelay,
    Disabled,
    Unparseable,
    UnknownType,
    /// Not produced by [`judge`]; for callers that skip filtering on an excepted site.
    SiteException,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::ModeOff => "mode-off",
            Reason::EndOfCandidates => "end-of-candidates",
            Reason::GlobalAddress => "global-address",
            Reason::MdnsName => "mdns-name",
            Reason::RelayCandidate => "relay-candidate",
            Reason::HiddenAddress => "hidden-address",
            Reason::HiddenRelatedAddress => "hidden-related-address",
            Reason::NotRelay => "not-relay",
            Reason::Disabled => "disabled",
            Reason::Unparseable => "unparseable",
            Reason::UnknownType => "unknown-type",
            Reason::SiteException => "site-exception",
        }
    }
}

/// Would `addr`, appearing as one of the user's own addresses (a host/srflx/prflx
/// candidate address, any `raddr`, a `c=` or `a=rtcp:` address), be hidden under `mode`?
///
/// - `0.0.0.0` and `::` are never hidden in any mode: they are the scrub placeholders and reveal nothing.
/// - `off`: nothing is hidden.
/// - `hide-local`: every non-global IP (see [`crate::addr`]) and every FQDN except mDNS `*.local` names
///   (an arbitrary name could resolve to anything, so it fails closed).
/// - `proxy-only`, `disable`: every address.
///
/// A relay candidate's own address is the TURN server's allocation, not the user's: under
/// `proxy-only` [`judge`] lets it through when it is not hidden under `hide-local`.
pub fn hides(mode: Mode, addr: &ConnectionAddress) -> bool {
    hides_ref(mode, &addr.as_ref())
}

/// [`hides`] on the borrowed address form.
pub fn hides_ref(mode: Mode, addr: &AddrRef<'_>) -> bool {
    if addr.is_unspecified() {
        return false;
    }
    match mode {
        Mode::Off => false,
        Mode::HideLocal => match addr {
            AddrRef::Ip { ip, .. } => !is_global(*ip),
            AddrRef::Fqdn(_) => !addr.is_mdns(),
        },
        Mode::ProxyOnly | Mode::Disable => true,
    }
}

/// The decision before any text is produced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Allow(Reason),
    Drop(Reason),
    /// Keep the candidate but replace `raddr` with `0.0.0.0` (or `::`, see [`scrub_placeholder`]) and `rport` with 0.
    ScrubRelated(Reason),
}

/// The placeholder a scrubbed `raddr` gets: `::` for an IPv6 raddr (or an FQDN raddr on an IPv6 candidate), else `0.0.0.0`.
pub fn scrub_placeholder(address: &AddrRef<'_>, raddr: Option<&AddrRef<'_>>) -> IpAddr {
    let v6 = match raddr.and_then(|r| r.ip()) {
        Some(ip) => ip.is_ipv6(),
        None => address.ip().is_some_and(|ip| ip.is_ipv6()),
    };
    if v6 {
        IpAddr::V6(Ipv6Addr::UNSPECIFIED)
    } else {
        IpAddr::V4(Ipv4Addr::UNSPECIFIED)
    }
}

fn related_is_scrubbed(c: &CandidateRef<'_>) -> bool {
    c.raddr.is_none_or(|a| a.is_unspecified()) && c.rport.is_none_or(|p| p == 0)
}

/// The verdict logic on the borrowed candidate (shared by [`judge`] and the SDP filter).
pub fn decide(mode: Mode, c: &CandidateRef<'_>) -> Decision {
    match mode {
        Mode::Off => return Decision::Allow(Reason::ModeOff),
        Mode::Disable => return Decision::Drop(Reason::Disabled),
        _ => {}
    }
    if matches!(c.typ, TypRef::Other(_)) {
        return Decision::Drop(Reason::UnknownType);
    }
    match mode {
        Mode::HideLocal => {
            if hides_ref(mode, &c.address) {
                return Decision::Drop(Reason::HiddenAddress);
            }
            if c.raddr.is_some_and(|r| hides_ref(mode, &r)) {
                return Decision::ScrubRelated(Reason::HiddenRelatedAddress);
            }
            if c.address.is_mdns() {
                Decision::Allow(Reason::MdnsName)
            } else {
                Decision::Allow(Reason::GlobalAddress)
            }
        }
        Mode::ProxyOnly => {
            if c.typ != TypRef::Relay {
                return Decision::Drop(Reason::NotRelay);
            }
            if hides_ref(Mode::HideLocal, &c.address) {
                return Decision::Drop(Reason::HiddenAddress);
            }
            if related_is_scrubbed(c) {
                Decision::Allow(Reason::RelayCandidate)
            } else {
                Decision::ScrubRelated(Reason::HiddenRelatedAddress)
            }
        }
        Mode::Off | Mode::Disable => Decision::Allow(Reason::ModeOff), // handled above
    }
}

/// The owned candidate with its related address scrubbed the way browsers do (`raddr 0.0.0.0 rport 0`).
pub fn scrubbed(c: &CandidateRef<'_>) -> Candidate {
    let mut out = c.to_owned();
    out.raddr = Some(ConnectionAddress::from_ip(scrub_placeholder(&c.address, c.raddr.as_ref())));
    out.rport = Some(0);
    out
}

fn verdict_of(d: Decision, c: &CandidateRef<'_>) -> Verdict {
    match d {
        Decision::Allow(reason) => Verdict::Allow { reason },
        Decision::Drop(reason) => Verdict::Drop { reason },
        Decision::ScrubRelated(reason) => Verdict::Rewrite { candidate: scrubbed(c).to_string(), reason },
    }
}

/// Judges one parsed candidate under `mode`.
pub fn judge(mode: Mode, c: &Candidate) -> Verdict {
    // Re-borrow the owned candidate; the decision logic lives in one place.
    let ext_tail = String::new();
    let r = CandidateRef::from_owned(c, &ext_tail);
    match decide(mode, &r) {
        Decision::ScrubRelated(reason) => {
            let mut out = c.clone();
            out.raddr = Some(ConnectionAddress::from_ip(scrub_placeholder(&r.address, r.raddr.as_ref())));
            out.rport = Some(0);
            Verdict::Rewrite { candidate: out.to_string(), reason }
        }
        d => verdict_of(d, &r),
    }
}

/// Judges a candidate line as the page or browser gave it (`a=` / `candidate:` prefixes optional).
/// An empty candidate (Firefox's end-of-candidates `""`) is `Allow{EndOfCandidates}`;
/// anything unparseable is `Drop{Unparseable}` (except in `off`, where everything is allowed).
pub fn judge_str(mode: Mode, line: &str) -> Verdict {
    if mode == Mode::Off {
        return Verdict::Allow { reason: Reason::ModeOff };
    }
    if is_empty_candidate(line) {
        return Verdict::Allow { reason: Reason::EndOfCandidates };
    }
    match parse_candidate_ref(line) {
        Ok(c) => verdict_of(decide(mode, &c), &c),
        Err(_) => Verdict::Drop { reason: Reason::Unparseable },
    }
}
