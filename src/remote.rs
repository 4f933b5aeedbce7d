//! Which remote candidates a page may hand the browser (`addIceCandidate`, and `a=candidate` lines of a remote description), so no page can probe the user's LAN through fabricated remote candidates.
//!
//! The attack this stops: a page connects two of its own connections, strips the real candidates,
//! and gives one side guesses such as `10.0.0.1 … 10.0.0.254` at the other side's port. Only the
//! guess equal to the browser's own address (or a live LAN host) answers the connectivity checks, so
//! `connectionState` tells the page the address IceVeil hides, or which LAN hosts and ports are up.
//!
//! The rule, for every mode that hides local addresses (`hide-local`, `proxy-only`, `disable`):
//! - a remote candidate at an IP address that [`hides`] would hide under `hide-local` (private, loopback,
//!   link-local, CGNAT, ULA, unspecified, documentation, multicast, …) is refused, whatever its type;
//! - a remote candidate at a DNS name is refused unless it is an mDNS name in the form browsers use
//!   (`<UUID>.local`, draft-ietf-mmusic-mdns-ice-candidates §3.1.1): those resolve only to a host that
//!   registered that random name, while any other name could resolve to any LAN address;
//! - an unreadable candidate is refused (fail closed); the end-of-candidates marker passes;
//! - under `disable` every remote candidate is refused.
//!
//! `off` (and so a site exception) lets everything through: that is how an internal SFU or TURN on a
//! private address keeps working (docs/enterprise.md).

use crate::candidate::{parse_ref_lite, AddrRef, CandidateErrorKind};
use crate::sdp::{is_candidate_line, lines};
use crate::verdict::{hides_ref, Mode};

/// Why a remote candidate passes or not. Serialised kebab-case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RemoteReason {
    ModeOff,
    EndOfCandidates,
    GlobalAddress,
    MdnsName,
    /// A local-network (or otherwise non-public) address: a LAN probe.
    LocalAddress,
    /// A DNS name other than an mDNS `<UUID>.local` name: it could resolve to a LAN address.
    DnsName,
    Disabled,
    Unparseable,
}

/// May the page hand the browser this remote candidate under `mode`?
pub fn remote_allowed(mode: Mode, line: &str) -> Result<RemoteReason, RemoteReason> {
    if mode == Mode::Off {
        return Ok(RemoteReason::ModeOff);
    }
    let c = match parse_ref_lite(line) {
        Ok(c) => c,
        Err((_, CandidateErrorKind::Empty)) => return Ok(RemoteReason::EndOfCandidates),
        Err(_) => return Err(RemoteReason::Unparseable),
    };
    if mode == Mode::Disable {
        return Err(RemoteReason::Disabled);
    }
    match c.address {
        AddrRef::Ip { .. } if hides_ref(Mode::HideLocal, &c.address) || c.address.is_unspecified() => Err(RemoteReason::LocalAddress),
        AddrRef::Ip { .. } => Ok(RemoteReason::GlobalAddress),
        AddrRef::Fqdn(name) if is_mdns_uuid_name(name) => Ok(RemoteReason::MdnsName),
        AddrRef::Fqdn(_) => Err(RemoteReason::DnsName),
    }
}

/// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx.local` (hex digits, any case), with an optional trailing dot.
fn is_mdns_uuid_name(name: &str) -> bool {
    let n = name.strip_suffix('.').unwrap_or(name);
    let Some(uuid) = n.len().checked_sub(6).and_then(|i| n.get(..i)).filter(|_| n[n.len() - 6..].eq_ignore_ascii_case(".local")) else {
        return false;
    };
    let b = uuid.as_bytes();
    b.len() == 36
        && b.iter().enumerate().all(|(i, c)| if matches!(i, 8 | 13 | 18 | 23) { *c == b'-' } else { c.is_ascii_hexdigit() })
}

/// A remote description after the rule: the refused `a=candidate` lines removed, every other byte kept.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct RemoteSdp {
    pub sdp: String,
    /// `a=candidate` lines removed.
    pub removed: u32,
}

/// Removes from a remote SDP each candidate line [`remote_allowed`] refuses, losslessly otherwise.
pub fn filter_remote_sdp(mode: Mode, sdp: &str) -> RemoteSdp {
    if mode == Mode::Off {
        return RemoteSdp { sdp: sdp.to_string(), removed: 0 };
    }
    let mut out = String::with_capacity(sdp.len());
    let mut removed = 0u32;
    for (content, end) in lines(sdp) {
        if is_candidate_line(content) && remote_allowed(mode, content).is_err() {
            removed += 1;
            continue;
        }
        out.push_str(content);
        out.push_str(end);
    }
    RemoteSdp { sdp: out, removed }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cand(addr: &str, typ: &str) -> String {
        format!("candidate:1 1 udp 2122260223 {addr} 54321 typ {typ} generation 0")
    }

    #[test]
    fn hidden_classes_are_refused_in_every_hiding_mode() {
        for mode in [Mode::HideLocal, Mode::ProxyOnly] {
            for a in ["10.0.0.7", "192.168.1.1", "172.16.0.1", "127.0.0.1", "169.254.1.1", "100.64.0.1", "0.0.0.0", "fd00::1", "fe80::1", "::1", "::", "::ffff:10.0.0.1", "224.0.0.1"] {
                for typ in ["host", "srflx", "relay"] {
                    assert_eq!(remote_allowed(mode, &cand(a, typ)), Err(RemoteReason::LocalAddress), "{mode} {a} {typ}");
                }
            }
            for a in ["11.22.33.44", "2001:4860::8888"] {
                assert_eq!(remote_allowed(mode, &cand(a, "srflx")), Ok(RemoteReason::GlobalAddress), "{mode} {a}");
            }
            assert_eq!(remote_allowed(mode, &cand("0f0e1d2c-3b4a-4958-8776-655443322110.local", "host")), Ok(RemoteReason::MdnsName));
            assert_eq!(remote_allowed(mode, &cand("printer.local", "host")), Err(RemoteReason::DnsName), "named LAN devices answer mDNS too");
            assert_eq!(remote_allowed(mode, &cand("10-0-0-1.nip.io", "host")), Err(RemoteReason::DnsName));
            assert_eq!(remote_allowed(mode, "candidate:"), Ok(RemoteReason::EndOfCandidates));
            assert_eq!(remote_allowed(mode, ""), Ok(RemoteReason::EndOfCandidates));
            assert_eq!(remote_allowed(mode, "candidate:garbage"), Err(RemoteReason::Unparseable));
        }
        assert_eq!(remote_allowed(Mode::Disable, &cand("11.22.33.44", "srflx")), Err(RemoteReason::Disabled));
        assert_eq!(remote_allowed(Mode::Off, &cand("10.0.0.7", "host")), Ok(RemoteReason::ModeOff));
        assert_eq!(remote_allowed(Mode::Off, "candidate:garbage"), Ok(RemoteReason::ModeOff));
    }

    #[test]
    fn remote_sdp_loses_only_refused_candidate_lines() {
        let sdp = "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 10.0.0.7\r\na=candidate:1 1 udp 2122260223 10.0.0.7 5000 typ host\r\na=candidate:2 1 udp 1686052607 11.22.33.44 6000 typ srflx raddr 0.0.0.0 rport 0\r\na=end-of-candidates\r\n";
        let r = filter_remote_sdp(Mode::HideLocal, sdp);
        assert_eq!(r.removed, 1);
        assert_eq!(r.sdp, sdp.replace("a=candidate:1 1 udp 2122260223 10.0.0.7 5000 typ host\r\n", ""));
        assert_eq!(filter_remote_sdp(Mode::Off, sdp).sdp, sdp);
        let lf = "a=candidate:1 1 udp 1 192.168.0.2 1 typ host\na=x";
        assert_eq!(filter_remote_sdp(Mode::HideLocal, lf).sdp, "a=x");
    }
}
