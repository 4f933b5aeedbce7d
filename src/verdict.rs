//! Turns a mode and one ICE candidate into Allow / Drop / Rewrite: the single place where protection is decided.

use crate::addr::is_global;
use crate::candidate::{
    parse_ref_lite, AddrRef, Candidate, CandidateErrorKind, CandidateRef, ConnectionAddress, TypRef,

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

/// The parts of a candidate the verdict depends on, borrowed from either candidate form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Facts<'a> {
    pub typ: TypRef<'a>,
    pub address: AddrRef<'a>,
    pub raddr: Option<AddrRef<'a>>,
    pub rport: Option<u16>,
}

impl<'a> From<&CandidateRef<'a>> for Facts<'a> {
    fn from(c: &CandidateRef<'a>) -> Facts<'a> {
        Facts { typ: c.typ, address: c.address, raddr: c.raddr, rport: c.rport }
    }
}

impl<'a> From<&'a Candidate> for Facts<'a> {
    fn from(c: &'a Candidate) -> Facts<'a> {
        Facts { typ: c.typ.as_ref(), address: c.address.as_ref(), raddr: c.raddr.as_ref().map(|a| a.as_ref()), rport: c.rport }
    }
}

fn related_is_scrubbed(c: &Facts<'_>) -> bool {
    c.raddr.map_or(true, |a| a.is_unspecified()) && c.rport.map_or(true, |p| p == 0)
}

/// The verdict logic on the borrowed candidate (shared by [`judge`] and the SDP filter):
/// [`decide_head`], then [`decide_related`] for a candidate it does not drop.
pub fn decide(mode: Mode, c: &Facts<'_>) -> Decision {
    match decide_head(mode, c.typ, &c.address) {
        Err(reason) => Decision::Drop(reason),
        Ok(allowed) => decide_related(mode, c, allowed),
    }
}

/// What the type and the address alone decide: `Err(reason)` drops the candidate whatever else it
/// holds; `Ok(reason)` is why it is allowed, unless [`decide_related`] scrubs its related address.
/// (The SDP filter asks this before it reads the rest of a candidate line.)
pub fn decide_head(mode: Mode, typ: TypRef<'_>, address: &AddrRef<'_>) -> Result<Reason, Reason> {
    match mode {
        Mode::Off => return Ok(Reason::ModeOff),
        Mode::Disable => return Err(Reason::Disabled),
        _ => {}
    }
    if matches!(typ, TypRef::Other(_)) {
        return Err(Reason::UnknownType);
    }
    match mode {
        Mode::HideLocal => {
            if hides_ref(mode, address) {
                return Err(Reason::HiddenAddress);
            }
            Ok(if address.is_mdns() { Reason::MdnsName } else { Reason::GlobalAddress })
        }
        Mode::ProxyOnly => {
            if typ != TypRef::Relay {
                return Err(Reason::NotRelay);
            }
            if hides_ref(Mode::HideLocal, address) {
                return Err(Reason::HiddenAddress);
            }
            Ok(Reason::RelayCandidate)
        }
        Mode::Off | Mode::Disable => Ok(Reason::ModeOff), // handled above
    }
}

/// The rest of [`decide`] for a candidate [`decide_head`] allowed (with reason `allowed`): does its related address need scrubbing?
pub fn decide_related(mode: Mode, c: &Facts<'_>, allowed: Reason) -> Decision {
    let scrub = match mode {
        Mode::HideLocal => c.raddr.is_some_and(|r| hides_ref(mode, &r)),
        Mode::ProxyOnly => !related_is_scrubbed(c),
        Mode::Off | Mode::Disable => false,
    };
    if scrub {
        Decision::ScrubRelated(Reason::HiddenRelatedAddress)
    } else {
        Decision::Allow(allowed)
    }
}

/// Replaces `raddr` with the placeholder and `rport` with 0, the way browsers scrub.
pub fn scrub_related(c: &mut Candidate) {
    let ph = scrub_placeholder(&c.address.as_ref(), c.raddr.as_ref().map(|a| a.as_ref()).as_ref());
    c.raddr = Some(ConnectionAddress::from_ip(ph));
    c.rport = Some(0);
}

fn verdict_with(d: Decision, owned: impl FnOnce() -> Candidate) -> Verdict {
    match d {
        Decision::Allow(reason) => Verdict::Allow { reason },
        Decision::Drop(reason) => Verdict::Drop { reason },
        Decision::ScrubRelated(reason) => {
            let mut c = owned();
            scrub_related(&mut c);
            Verdict::Rewrite { candidate: c.to_string(), reason }
        }
    }
}

/// Judges one parsed candidate under `mode`.
pub fn judge(mode: Mode, c: &Candidate) -> Verdict {
    verdict_with(decide(mode, &Facts::from(c)), || c.clone())
}

/// Judges a candidate line as the page or browser gave it (`a=` / `candidate:` prefixes optional).
/// An empty candidate (Firefox's end-of-candidates `""`) is `Allow{EndOfCandidates}`;
/// anything unparseable is `Drop{Unparseable}` (except in `off`, where everything is allowed).
pub fn judge_str(mode: Mode, line: &str) -> Verdict {
    if mode == Mode::Off {
        return Verdict::Allow { reason: Reason::ModeOff };
    }
    // One parse: an empty body (what `is_empty_candidate` tests) is the `Empty` error.
    match parse_ref_lite(line) {
        Ok(c) => verdict_with(decide(mode, &Facts::from(&c)), || c.to_owned()),
        Err((_, CandidateErrorKind::Empty)) => Verdict::Allow { reason: Reason::EndOfCandidates },
        Err(_) => Verdict::Drop { reason: Reason::Unparseable },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::candidate::{parse_candidate, CandidateType};

    const SRFLX: &str = "candidate:842163049 1 udp 1677729535 8.8.4.4 61665 typ srflx raddr 10.0.0.5 rport 61665 generation 0 ufrag sO4v network-id 1 network-cost 10";
    const HOST_PRIV: &str = "candidate:1 1 udp 2122260223 192.168.1.20 54321 typ host generation 0";
    const HOST_MDNS: &str = "candidate:1 1 udp 2122260223 6f1c9a3e-8a2b-4c5d-9e0f-123456789abc.local 54321 typ host generation 0 ufrag x network-id 1";
    const HOST_FQDN: &str = "candidate:1 1 udp 2122260223 evil.example.com 54321 typ host";
    const RELAY_SCRUBBED: &str = "candidate:9 1 udp 41885439 8.8.8.8 3478 typ relay raddr 0.0.0.0 rport 0 generation 0";
    const RELAY_FF: &str = "candidate:5 1 UDP 8331263 8.8.8.8 49152 typ relay raddr 1.1.1.1 rport 49152";
    const SRFLX6: &str = "candidate:2 1 udp 1677729535 2606:4700::1 50000 typ srflx raddr fd00::5 rport 50000";
    const UNKNOWN: &str = "candidate:2 1 udp 1677729535 8.8.8.8 50000 typ weird";

    fn v(mode: Mode, s: &str) -> Verdict {
        let by_str = judge_str(mode, s);
        if let Ok(c) = parse_candidate(s) {
            assert_eq!(judge(mode, &c), by_str, "{mode} {s}");
        }
        by_str
    }

    #[test]
    fn mode_ids_are_a_contract() {
        let ids: Vec<_> = Mode::ALL.iter().map(|m| m.as_str()).collect();
        assert_eq!(ids, ["off", "hide-local", "proxy-only", "disable"]);
        for m in Mode::ALL {
            assert_eq!(Mode::parse(m.as_str()), Some(m));
            assert_eq!(m.as_str().parse::<Mode>(), Ok(m));
            assert_eq!(serde_json::to_string(&m).unwrap(), format!("\"{m}\""));
            assert_eq!(serde_json::from_str::<Mode>(&format!("\"{m}\"")).unwrap(), m);
        }
        assert_eq!(Mode::parse("Hide-Local"), None);
        assert!("x".parse::<Mode>().unwrap_err().contains("\"x\""));
        assert_eq!(Mode::DEFAULT, Mode::HideLocal);
    }

    #[test]
    fn off_allows_everything() {
        for s in [SRFLX, HOST_PRIV, "garbage", "", UNKNOWN] {
            assert_eq!(v(Mode::Off, s), Verdict::Allow { reason: Reason::ModeOff });
        }
    }

    #[test]
    fn hide_local() {
        let m = Mode::HideLocal;
        assert_eq!(v(m, HOST_PRIV), Verdict::Drop { reason: Reason::HiddenAddress });
        assert_eq!(v(m, HOST_MDNS), Verdict::Allow { reason: Reason::MdnsName });
        assert_eq!(v(m, HOST_FQDN), Verdict::Drop { reason: Reason::HiddenAddress });
        assert_eq!(
            v(m, SRFLX),
            Verdict::Rewrite {
                candidate: "candidate:842163049 1 udp 1677729535 8.8.4.4 61665 typ srflx raddr 0.0.0.0 rport 0 generation 0 ufrag sO4v network-id 1 network-cost 10".into(),
                reason: Reason::HiddenRelatedAddress
            }
        );
        assert_eq!(
            v(m, SRFLX6),
            Verdict::Rewrite {
                candidate: "candidate:2 1 udp 1677729535 2606:4700::1 50000 typ srflx raddr :: rport 0".into(),
                reason: Reason::HiddenRelatedAddress
            }
        );
        assert_eq!(v(m, RELAY_SCRUBBED), Verdict::Allow { reason: Reason::GlobalAddress });
        assert_eq!(v(m, RELAY_FF), Verdict::Allow { reason: Reason::GlobalAddress });
        assert_eq!(v(m, UNKNOWN), Verdict::Drop { reason: Reason::UnknownType });
        assert_eq!(v(m, "candidate:1 1 udp 1 1.2.3.4"), Verdict::Drop { reason: Reason::Unparseable });
        // 6to4 / Teredo / mapped forms of private addresses are hidden too
        for a in ["::ffff:10.0.0.1", "2002:c0a8:101::1", "2001:0:4136:e378:8000:63bf:f5ff:fffe", "fe80::1%en0", "100.64.0.1"] {
            let s = format!("candidate:1 1 udp 1 {a} 9 typ host");
            assert_eq!(v(m, &s), Verdict::Drop { reason: Reason::HiddenAddress }, "{a}");
        }
    }

    #[test]
    fn proxy_only() {
        let m = Mode::ProxyOnly;
        assert_eq!(v(m, RELAY_SCRUBBED), Verdict::Allow { reason: Reason::RelayCandidate });
        assert_eq!(
            v(m, RELAY_FF),
            Verdict::Rewrite {
                candidate: "candidate:5 1 UDP 8331263 8.8.8.8 49152 typ relay raddr 0.0.0.0 rport 0".into(),
                reason: Reason::HiddenRelatedAddress
            }
        );
        for s in [SRFLX, HOST_PRIV, HOST_MDNS] {
            assert_eq!(v(m, s), Verdict::Drop { reason: Reason::NotRelay });
        }
        assert_eq!(v(m, UNKNOWN), Verdict::Drop { reason: Reason::UnknownType });
        assert_eq!(
            v(m, "candidate:9 1 udp 41885439 10.1.1.1 3478 typ relay raddr 0.0.0.0 rport 0"),
            Verdict::Drop { reason: Reason::HiddenAddress }
        );
    }

    #[test]
    fn disable_and_end_of_candidates() {
        for s in [SRFLX, RELAY_SCRUBBED, HOST_MDNS, "junk"] {
            assert!(v(Mode::Disable, s).is_drop());
        }
        assert_eq!(v(Mode::Disable, SRFLX), Verdict::Drop { reason: Reason::Disabled });
        for m in [Mode::HideLocal, Mode::ProxyOnly, Mode::Disable] {
            for s in ["", "  ", "a=candidate:", "candidate:", "candidate:\r\n"] {
                assert_eq!(judge_str(m, s), Verdict::Allow { reason: Reason::EndOfCandidates }, "{s:?}");
            }
            assert_eq!(judge_str(m, "a=end-of-candidates"), Verdict::Drop { reason: Reason::Unparseable });
        }
    }

    #[test]
    fn hides_is_consistent_with_judge() {
        let addrs = ["10.0.0.1", "8.8.8.8", "0.0.0.0", "::", "fd00::1", "2606:4700::1", "x.local", "a.example.com", "127.0.0.1"];
        for m in Mode::ALL {
            for a in addrs {
                for typ in ["host", "srflx", "prflx", "relay"] {
                    let s = format!("candidate:1 1 udp 1 {a} 9 typ {typ} raddr {a} rport 9");
                    let c = parse_candidate(&s).unwrap();
                    let verdict = judge(m, &c);
                    let out = match &verdict {
                        Verdict::Drop { .. } => continue,
                        Verdict::Allow { .. } => c.clone(),
                        Verdict::Rewrite { candidate, .. } => parse_candidate(candidate).unwrap(),
                    };
                    if m != Mode::ProxyOnly || out.typ != CandidateType::Relay {
                        assert!(!hides(m, &out.address), "{m} {s}");
                    }
                    assert!(!out.raddr.as_ref().is_some_and(|r| hides(m, r)), "{m} {s} -> {verdict:?}");
                }
            }
        }
    }

    #[test]
    fn serde_shape() {
        let j = serde_json::to_value(Verdict::Drop { reason: Reason::HiddenRelatedAddress }).unwrap();
        assert_eq!(j, serde_json::json!({"action": "drop", "reason": "hidden-related-address"}));
        let j = serde_json::to_value(Verdict::Rewrite { candidate: "c".into(), reason: Reason::NotRelay }).unwrap();
        assert_eq!(j, serde_json::json!({"action": "rewrite", "candidate": "c", "reason": "not-relay"}));
        for r in [Reason::ModeOff, Reason::SiteException, Reason::EndOfCandidates] {
            assert_eq!(serde_json::to_value(r).unwrap(), serde_json::json!(r.as_str()));
        }
    }
}
