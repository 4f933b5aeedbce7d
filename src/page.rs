//! One page-layer request (a task's candidates, stats entries, SDPs and addresses) judged in one call, so the background and Firefox's isolated world answer main.js identically.

use crate::candidate::ConnectionAddress;
use crate::remote::{filter_remote_sdp, remote_allowed, RemoteSdp};
use crate::sdp::{filter_sdp, SdpFiltered};
use crate::verdict::{hides, judge_str, Mode, Verdict};

/// At most this many items of each kind are judged per request; the rest get no verdict, which main.js treats as drop.
pub const MAX_ITEMS: usize = 512;

/// What main.js asks in one task.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PageRequest {
    /// Candidate strings from `icecandidate` events (they count on the toolbar badge).
    pub candidates: Vec<String>,
    /// Candidate strings from stats and transports (not counted).
    pub extra: Vec<String>,
    pub sdps: Vec<String>,
    /// Bare addresses (`icecandidateerror.address`), bracketed IPv6 allowed.
    pub addresses: Vec<String>,
    /// Remote candidate strings the page hands `addIceCandidate`.
    pub remote: Vec<String>,
    /// Remote SDPs the page hands `setRemoteDescription`.
    pub remote_sdps: Vec<String>,
}

/// The answer, index-aligned with the request's lists.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct PageReply {
    pub mode: Mode,
    pub excepted: bool,
    pub verdicts: Vec<Verdict>,
    pub extra: Vec<Verdict>,
    pub sdps: Vec<SdpFiltered>,
    /// `true` = hidden.
    pub addresses: Vec<bool>,
    /// `true` = the browser may have this remote candidate ([`crate::remote`]).
    pub remote: Vec<bool>,
    /// The remote SDPs without the refused candidate lines.
    #[serde(rename = "remoteSdps")]
    pub remote_sdps: Vec<RemoteSdp>,
    /// Counted candidates dropped or rewritten (the badge's increment).
    pub filtered: u32,
}

/// Judges every item of `req` under `mode` (already `off` for an excepted site).
pub fn judge_page(mode: Mode, excepted: bool, req: &PageRequest) -> PageReply {
    let judge = |l: &[String]| l.iter().take(MAX_ITEMS).map(|c| judge_str(mode, c)).collect::<Vec<_>>();
    let verdicts = judge(&req.candidates);
    let filtered = verdicts.iter().filter(|v| !matches!(v, Verdict::Allow { .. })).count() as u32;
    PageReply {
        mode,
        excepted,
        extra: judge(&req.extra),
        sdps: req.sdps.iter().take(MAX_ITEMS).map(|s| filter_sdp(mode, s)).collect(),
        addresses: req.addresses.iter().take(MAX_ITEMS).map(|a| address_hidden(mode, a)).collect(),
        remote: req.remote.iter().take(MAX_ITEMS).map(|c| remote_allowed(mode, c).is_ok()).collect(),
        remote_sdps: req.remote_sdps.iter().take(MAX_ITEMS).map(|s| filter_remote_sdp(mode, s)).collect(),
        verdicts,
        filtered,
    }
}

/// Is a bare address (as `icecandidateerror.address` gives it) hidden under `mode`? An empty one
/// hides nothing; one that cannot be read is hidden in every mode but `off` (fail closed).
pub fn address_hidden(mode: Mode, a: &str) -> bool {
    let a = a.trim();
    let bare = a.strip_prefix('[').and_then(|s| s.strip_suffix(']')).unwrap_or(a);
    if bare.is_empty() {
        return false;
    }
    match ConnectionAddress::parse(bare) {
        Some(addr) => hides(mode, &addr),
        None => mode != Mode::Off,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(candidates: &[&str], sdps: &[&str], addresses: &[&str]) -> PageRequest {
        let v = |l: &[&str]| l.iter().map(|s| s.to_string()).collect();
        PageRequest { candidates: v(candidates), extra: v(candidates), sdps: v(sdps), addresses: v(addresses), ..Default::default() }
    }

    const HOST: &str = "candidate:1 1 udp 2122260223 10.77.0.2 54321 typ host generation 0";
    const SRFLX: &str = "candidate:2 1 udp 1686052607 11.22.33.1 40000 typ srflx raddr 10.77.0.2 rport 54321";

    #[test]
    fn hide_local_drops_host_rewrites_srflx_and_counts_both() {
        let r = judge_page(Mode::HideLocal, false, &req(&[HOST, SRFLX, "garbage"], &[], &["[fd00::2]", "8.8.8.8", "", "nonsense"]));
        assert!(r.verdicts[0].is_drop());
        match &r.verdicts[1] {
            Verdict::Rewrite { candidate, .. } => assert!(!candidate.contains("10.77.0.2"), "{candidate}"),
            v => panic!("srflx with a private raddr must be rewritten, got {v:?}"),
        }
        assert!(r.verdicts[2].is_drop(), "unparseable is dropped");
        assert_eq!(r.filtered, 3);
        assert_eq!(r.extra, r.verdicts);
        assert_eq!(r.addresses, vec![true, false, false, true]);
    }

    #[test]
    fn remote_candidates_and_sdps_are_judged_index_aligned() {
        let probe = "candidate:9 1 udp 2122260223 10.77.0.2 54321 typ host";
        let public = "candidate:8 1 udp 1686052607 11.22.33.1 40000 typ srflx raddr 0.0.0.0 rport 0";
        let sdp = "v=0\r\na=candidate:9 1 udp 2122260223 10.77.0.2 54321 typ host\r\n";
        let r = judge_page(Mode::HideLocal, false, &PageRequest { remote: vec![probe.into(), public.into(), String::new()], remote_sdps: vec![sdp.into()], ..Default::default() });
        assert_eq!(r.remote, vec![false, true, true]);
        assert_eq!((r.remote_sdps[0].sdp.as_str(), r.remote_sdps[0].removed), ("v=0\r\n", 1));
        assert_eq!(r.filtered, 0, "refused remote candidates are not the user's own");
        let off = judge_page(Mode::Off, true, &PageRequest { remote: vec![probe.into()], ..Default::default() });
        assert_eq!(off.remote, vec![true]);
        let j = serde_json::to_value(&r).unwrap();
        assert!(j.get("remoteSdps").is_some() && j.get("remote").is_some(), "{j}");
    }

    #[test]
    fn off_allows_everything_and_counts_nothing() {
        let sdp = "v=0\r\na=candidate:1 1 udp 2122260223 10.77.0.2 54321 typ host\r\n";
        let r = judge_page(Mode::Off, true, &req(&[HOST], &[sdp], &["10.77.0.2"]));
        assert!(r.excepted);
        assert_eq!(r.filtered, 0);
        assert_eq!(r.sdps[0].sdp, sdp);
        assert_eq!(r.addresses, vec![false]);
    }

    #[test]
    fn oversized_lists_are_cut_so_the_rest_gets_no_verdict() {
        let many = vec![HOST.to_string(); MAX_ITEMS + 5];
        let r = judge_page(Mode::HideLocal, false, &PageRequest { candidates: many, ..Default::default() });
        assert_eq!(r.verdicts.len(), MAX_ITEMS);
    }
}
