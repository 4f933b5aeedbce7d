//! Turns the candidates a leak self-test gathered into a truthful report: what each address is, whether it leaks, one summary.
//!
//! Two rules shape every answer:
//! - never say "safe" while an address the mode hides is visible (a local address anywhere, or
//!   in `proxy-only` a public address reached without the proxy);
//! - never cry wolf over mDNS names, relays, or the public address every site already sees when
//!   no proxy is in play (`off` / `hide-local`).

use serde::Serialize;

use crate::addr::{classify, AddrClass};
use crate::config::{validate_ice_server_url, IceServer};
use crate::msg::Msg;
use crate::candidate::{parse_ref_lite, AddrRef, TypRef};
use crate::verdict::{decide, Decision, Facts, Mode};

/// What an address shown in the report is, in the popup's words.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    Private,
    SharedCgnat,
    LinkLocal,
    /// Loopback, ULA, documentation, benchmarking and other non-global ranges.
    OtherLocal,
    GlobalV4,
    GlobalV6,
    Mdns,
    Relay,
    /// `0.0.0.0` / `::`: the browser already hid it.
    Hidden,
    /// A name that is not mDNS, or text that is no address.
    Unknown,
}

/// How one row counts for the user.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Exposure {
    /// A local address is visible: always a leak.
    LocalLeak,
    /// A public address reached without the proxy while the mode promises proxy-only.
    ProxyBypass,
    /// The public address every site already sees (no proxy promised).
    Public,
    /// Nothing revealed: mDNS name, relay, or an address the browser blanked.
    Safe,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Row {
    pub typ: String,
    pub protocol: String,
    pub address: String,
    pub kind: Kind,
    pub class: Option<AddrClass>,
    pub related_address: Option<String>,
    pub related_kind: Option<Kind>,
    pub exposure: Exposure,
    /// What IceVeil's page layer does with this candidate in the current mode.
    pub page_layer: &'static str,
    pub raw: String,
}

/// How the gathering itself ended, as the popup or page observed it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// `RTCPeerConnection` existed in the context that ran the test.
    pub webrtc_available: bool,
    /// Gathering reached `complete` before the timeout.
    pub completed: bool,
    /// How many ICE servers the test asked (0: host candidates only).
    pub ice_servers: u32,
    /// `icecandidateerror` events seen (e.g. STUN server unreachable).
    pub candidate_errors: u32,
    /// An exception text from the browser, if gathering failed outright.
    pub error: Option<String>,
}

impl Outcome {
    /// Reads `{webrtcAvailable, completed, iceServers, candidateErrors, error}` as the popup or page
    /// sends it. A missing or mistyped field takes its default (false, 0, none); nothing fails.
    pub fn from_json(v: &serde_json::Value) -> Outcome {
        let flag = |k: &str| v.get(k).and_then(serde_json::Value::as_bool).unwrap_or(false);
        let count = |k: &str| v.get(k).and_then(serde_json::Value::as_u64).map_or(0, |n| u32::try_from(n).unwrap_or(u32::MAX));
        Outcome {
            webrtc_available: flag("webrtcAvailable"),
            completed: flag("completed"),
            ice_servers: count("iceServers"),
            candidate_errors: count("candidateErrors"),
            error: v.get("error").and_then(serde_json::Value::as_str).map(str::to_owned),
        }
    }
}

/// The one-line answer on top of the report; the popup words it from `key` and the addresses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Summary {
    /// Gathering failed with an error.
    Error,
    /// No `RTCPeerConnection` in this context: WebRTC is unavailable to pages.
    WebrtcUnavailable,
    /// A local address is visible.
    LocalLeak,
    /// proxy-only: a public address bypassed the proxy.
    ProxyBypass,
    /// proxy-only: only relayed candidates; the non-proxied public address is hidden.
    RelayOnly,
    /// proxy-only: no candidates at all: WebRTC has no non-proxied route.
    NoRoute,
    /// No local address; the public address is visible, as it is to every site.
    PublicOnly,
    /// STUN asked, but no server-reflexive answer came, and nothing local is visible.
    NoStunAnswer,
    /// Nothing but mDNS names / blanked addresses: nothing revealed.
    NothingRevealed,
    /// Gathering did not complete in time and nothing was revealed so far.
    Timeout,
    /// `off` mode: IceVeil is not protecting; whatever shows is the browser's default.
    Unprotected,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub mode: Mode,
    pub summary: Summary,
    /// The addresses the summary names (leaked ones, or the public one).
    pub addresses: Vec<String>,
    /// True only when no row leaks under the mode's promise.
    pub protected: bool,
    pub rows: Vec<Row>,
    pub unparseable: u32,
}

fn kind_of(addr: &AddrRef<'_>, typ: TypRef<'_>) -> (Kind, Option<AddrClass>) {
    if typ == TypRef::Relay {
        return (Kind::Relay, addr.ip().map(|ip| classify(ip).class));
    }
    kind_of_address(addr)
}

fn kind_of_address(addr: &AddrRef<'_>) -> (Kind, Option<AddrClass>) {
    let Some(ip) = addr.ip() else {
        return (if addr.is_mdns() { Kind::Mdns } else { Kind::Unknown }, None);
    };
    let class = classify(ip).class;
    let kind = match class {
        AddrClass::Unspecified => Kind::Hidden,
        AddrClass::Private => Kind::Private,
        AddrClass::SharedCgnat => Kind::SharedCgnat,
        AddrClass::LinkLocal => Kind::LinkLocal,
        AddrClass::Global if ip.is_ipv4() => Kind::GlobalV4,
        AddrClass::Global => Kind::GlobalV6,
        _ => Kind::OtherLocal,
    };
    (kind, Some(class))
}

fn is_local(kind: Kind) -> bool {
    matches!(kind, Kind::Private | Kind::SharedCgnat | Kind::LinkLocal | Kind::OtherLocal | Kind::Unknown)
}

fn exposure(mode: Mode, kind: Kind, related: Option<Kind>) -> Exposure {
    if is_local(kind) || related.is_some_and(is_local) {
        return Exposure::LocalLeak;
    }
    match kind {
        Kind::GlobalV4 | Kind::GlobalV6 if mode == Mode::ProxyOnly => Exposure::ProxyBypass,
        Kind::GlobalV4 | Kind::GlobalV6 => Exposure::Public,
        _ => Exposure::Safe,
    }
}

/// What the page layer does with the candidate: the verdict's action, decided without printing a rewrite.
fn page_layer_action(d: Decision) -> &'static str {
    match d {
        Decision::Allow(_) => "allow",
        Decision::Drop(_) => "drop",
        Decision::ScrubRelated(_) => "rewrite",
    }
}

/// Builds the report for `mode` from the raw candidate strings a test gathered.
pub fn evaluate(mode: Mode, candidates: &[String], outcome: &Outcome) -> Report {
    let mut rows = Vec::with_capacity(candidates.len());
    let mut unparseable = 0;
    for raw in candidates {
        let raw = raw.trim();
        if raw.is_empty() || raw == "candidate:" || raw == "a=candidate:" {
            continue; // end-of-candidates marker: no address
        }
        // The borrowed parse: the same grammar as `parse_candidate`, without allocating.
        let Ok(c) = parse_ref_lite(raw) else {
            unparseable += 1;
            rows.push(Row {
                typ: String::new(),
                protocol: String::new(),
                address: raw.chars().take(80).collect(),
                kind: Kind::Unknown,
                class: None,
                related_address: None,
                related_kind: None,
                exposure: Exposure::LocalLeak,
                page_layer: "drop",
                raw: raw.to_owned(),
            });
            continue;
        };
        let (kind, class) = kind_of(&c.address, c.typ);
        let related_kind = c.raddr.as_ref().map(|r| kind_of_address(r).0);
        let related_kind = related_kind.filter(|k| *k != Kind::Hidden);
        rows.push(Row {
            typ: c.typ.as_str().to_owned(),
            protocol: c.transport.to_ascii_lowercase(),
            address: c.address.as_text().to_owned(),
            kind,
            class,
            related_address: related_kind.and(c.raddr.as_ref().map(|r| r.as_text().to_owned())),
            related_kind,
            exposure: exposure(mode, kind, related_kind),
            page_layer: page_layer_action(decide(mode, &Facts::from(&c))),
            raw: raw.to_owned(),
        });
    }
    summarise(mode, rows, unparseable, outcome)
}

/// The distinct addresses of the rows `pred` picks, in first-seen order (a hash set keeps it linear).
fn addresses_where(rows: &[Row], pred: impl Fn(&Row) -> bool) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut seen: std::collections::HashSet<&str> = std::collections::HashSet::new();
    for r in rows.iter().filter(|r| pred(r)) {
        let a = match r.related_kind {
            Some(k) if is_local(k) && !is_local(r.kind) => r.related_address.as_deref().unwrap_or_default(),
            _ => r.address.as_str(),
        };
        if seen.insert(a) {
            out.push(a.to_owned());
        }
    }
    out
}

fn summarise(mode: Mode, rows: Vec<Row>, unparseable: u32, outcome: &Outcome) -> Report {
    let leaks = addresses_where(&rows, |r| r.exposure == Exposure::LocalLeak);
    let bypass = addresses_where(&rows, |r| r.exposure == Exposure::ProxyBypass);
    let public = addresses_where(&rows, |r| r.exposure == Exposure::Public);
    let has_srflx = rows.iter().any(|r| r.typ == "srflx" || r.typ == "prflx");
    let (summary, addresses) = if !outcome.webrtc_available {
        (Summary::WebrtcUnavailable, vec![])
    } else if mode == Mode::Disable && leaks.is_empty() && bypass.is_empty() && public.is_empty() {
        // The browser may still offer the constructor to extension pages; pages lose it.
        (Summary::WebrtcUnavailable, vec![])
    } else if !leaks.is_empty() {
        (Summary::LocalLeak, leaks)
    } else if !bypass.is_empty() {
        (Summary::ProxyBypass, bypass)
    } else if let Some(e) = outcome.error.as_ref().filter(|_| rows.is_empty()) {
        (Summary::Error, vec![e.clone()])
    } else if mode == Mode::Off {
        (Summary::Unprotected, public)
    } else if !public.is_empty() {
        (Summary::PublicOnly, public)
    } else if mode == Mode::ProxyOnly || mode == Mode::Disable {
        if rows.iter().any(|r| r.kind == Kind::Relay) {
            (Summary::RelayOnly, vec![])
        } else {
            (Summary::NoRoute, vec![])
        }
    } else if outcome.ice_servers > 0 && !has_srflx && (outcome.candidate_errors > 0 || !outcome.completed) {
        (Summary::NoStunAnswer, vec![])
    } else if !outcome.completed && rows.is_empty() {
        (Summary::Timeout, vec![])
    } else {
        (Summary::NothingRevealed, vec![])
    };
    let protected = !matches!(
        summary,
        Summary::LocalLeak | Summary::ProxyBypass | Summary::Error | Summary::Unprotected
    );
    Report {
        mode,
        summary,
        addresses,
        protected,
        rows,
        unparseable,
    }
}

/// Parses the popup's ICE-server box: one server per line, `URL [username credential]`; blank
/// lines and `#` comments are skipped. Errors name the line and keep every good line out of use
/// until fixed (the caller keeps the previous list).
pub fn parse_ice_server_lines(text: &str) -> Result<Vec<IceServer>, Msg> {
    let mut servers = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut parts = line.split_whitespace();
        let url = parts.next().unwrap_or_default();
        validate_ice_server_url(url).map_err(|e| msg!("core_line", (n + 1).to_string(), e))?;
        let username = parts.next().map(str::to_owned);
        let credential = parts.next().map(str::to_owned);
        if parts.next().is_some() || username.is_some() != credential.is_some() {
            return Err(msg!("core_lineFormat", (n + 1).to_string()));
        }
        servers.push(IceServer { urls: vec![url.to_owned()], username, credential });
    }
    Ok(servers)
}

/// The popup's text form of a server list (the inverse of [`parse_ice_server_lines`]).
pub fn ice_server_lines(servers: &[IceServer]) -> String {
    let mut out = String::new();
    for s in servers {
        for u in &s.urls {
            out.push_str(u);
            if let (Some(user), Some(cred)) = (&s.username, &s.credential) {
                out.push(' ');
                out.push_str(user);
                out.push(' ');
                out.push_str(cred);
            }
            out.push('\n');
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn done(ice_servers: u32) -> Outcome {
        Outcome {
            webrtc_available: true,
            completed: true,
            ice_servers,
            ..Outcome::default()
        }
    }

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    const HOST_PRIVATE: &str = "candidate:1 1 udp 2122260223 10.77.0.2 50000 typ host generation 0";
    const HOST_MDNS: &str = "candidate:2 1 udp 2122260223 6f1c9a3e-1111-2222-3333-444455556666.local 50000 typ host";
    const SRFLX_LEAKY: &str = "candidate:3 1 udp 1686052607 11.22.33.1 50001 typ srflx raddr 10.77.0.2 rport 50000";
    const SRFLX_CLEAN: &str = "candidate:4 1 udp 1686052607 11.22.33.1 50001 typ srflx raddr 0.0.0.0 rport 0";
    const RELAY: &str = "candidate:5 1 udp 41885439 11.22.33.2 60000 typ relay raddr 0.0.0.0 rport 0";

    #[test]
    fn a_private_host_address_is_a_leak_in_every_mode() {
        for mode in Mode::ALL {
            let r = evaluate(mode, &s(&[HOST_PRIVATE, SRFLX_CLEAN]), &done(1));
            assert_eq!(r.summary, Summary::LocalLeak, "{mode:?}");
            assert_eq!(r.addresses, vec!["10.77.0.2"]);
            assert!(!r.protected);
        }
    }

    #[test]
    fn a_private_raddr_is_a_leak_too() {
        let r = evaluate(Mode::HideLocal, &s(&[SRFLX_LEAKY]), &done(1));
        assert_eq!(r.summary, Summary::LocalLeak);
        assert_eq!(r.addresses, vec!["10.77.0.2"]);
        assert_eq!(r.rows[0].page_layer, "rewrite");
    }

    #[test]
    fn mdns_and_public_address_do_not_cry_wolf() {
        let r = evaluate(Mode::HideLocal, &s(&[HOST_MDNS, SRFLX_CLEAN]), &done(1));
        assert_eq!(r.summary, Summary::PublicOnly);
        assert_eq!(r.addresses, vec!["11.22.33.1"]);
        assert!(r.protected);
        assert_eq!(r.rows[0].kind, Kind::Mdns);
        assert_eq!(r.rows[0].exposure, Exposure::Safe);
        assert_eq!(r.rows[1].kind, Kind::GlobalV4);
    }

    #[test]
    fn proxy_only_counts_a_public_address_as_a_bypass() {
        let r = evaluate(Mode::ProxyOnly, &s(&[SRFLX_CLEAN, RELAY]), &done(1));
        assert_eq!(r.summary, Summary::ProxyBypass);
        assert!(!r.protected);
        let r = evaluate(Mode::ProxyOnly, &s(&[RELAY]), &done(1));
        assert_eq!(r.summary, Summary::RelayOnly);
        assert!(r.protected);
        assert_eq!(r.rows[0].kind, Kind::Relay);
        let r = evaluate(Mode::ProxyOnly, &[], &done(1));
        assert_eq!(r.summary, Summary::NoRoute);
    }

    #[test]
    fn unavailable_timeout_and_stun_silence_get_their_own_answers() {
        let r = evaluate(Mode::Disable, &[], &Outcome::default());
        assert_eq!(r.summary, Summary::WebrtcUnavailable);
        let r = evaluate(Mode::HideLocal, &[], &Outcome { candidate_errors: 1, ..done(1) });
        assert_eq!(r.summary, Summary::NoStunAnswer);
        let r = evaluate(Mode::HideLocal, &s(&[HOST_MDNS]), &Outcome { completed: false, ..done(1) });
        assert_eq!(r.summary, Summary::NoStunAnswer);
        let r = evaluate(Mode::HideLocal, &[], &Outcome { completed: false, ..done(0) });
        assert_eq!(r.summary, Summary::Timeout);
        let r = evaluate(Mode::HideLocal, &[], &Outcome { error: Some("boom".into()), ..done(1) });
        assert_eq!(r.summary, Summary::Error);
        assert!(!r.protected);
    }

    #[test]
    fn ice_server_lines_round_trip_and_reject_bad_lines() {
        let text = "stun:11.22.33.2:3478\n# relay\nturn:11.22.33.2:3478?transport=tcp iceveil pw\n\n";
        let servers = parse_ice_server_lines(text).unwrap();
        assert_eq!(servers.len(), 2);
        assert_eq!(servers[1].username.as_deref(), Some("iceveil"));
        assert_eq!(parse_ice_server_lines(&ice_server_lines(&servers)).unwrap(), servers);
        assert!(parse_ice_server_lines("http://x").unwrap_err().english().starts_with("line 1:"));
        assert!(parse_ice_server_lines("stun:a:1\nturn:b:2 onlyuser").unwrap_err().english().starts_with("line 2:"));
    }

    #[test]
    fn disable_mode_reads_as_unavailable_when_nothing_leaks() {
        let r = evaluate(Mode::Disable, &[], &done(1));
        assert_eq!(r.summary, Summary::WebrtcUnavailable);
        assert!(r.protected);
    }

    #[test]
    fn off_is_never_called_protected() {
        let r = evaluate(Mode::Off, &s(&[SRFLX_CLEAN]), &done(1));
        assert_eq!(r.summary, Summary::Unprotected);
        assert!(!r.protected);
    }

    #[test]
    fn garbage_is_shown_and_counted_as_a_leak_never_hidden() {
        let r = evaluate(Mode::HideLocal, &s(&["candidate:zzz", "", "candidate:"]), &done(1));
        assert_eq!(r.unparseable, 1);
        assert_eq!(r.summary, Summary::LocalLeak);
    }

    #[test]
    fn outcome_reads_what_js_sends_and_defaults_the_rest() {
        let v = serde_json::json!({"webrtcAvailable": true, "completed": true, "iceServers": 2, "candidateErrors": 1, "error": null});
        assert_eq!(Outcome::from_json(&v), Outcome { webrtc_available: true, completed: true, ice_servers: 2, candidate_errors: 1, error: None });
        let v = serde_json::json!({"completed": "yes", "iceServers": -1, "candidateErrors": 1.5, "error": "boom"});
        assert_eq!(Outcome::from_json(&v), Outcome { error: Some("boom".into()), ..Outcome::default() });
        assert_eq!(Outcome::from_json(&serde_json::Value::Null), Outcome::default());
        assert_eq!(Outcome::from_json(&serde_json::json!({"iceServers": 1e12})).ice_servers, 0);
    }
}
