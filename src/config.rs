//! Validates everything users and administrators can set, turning any stored JSON into safe settings plus plain-English issues.
//!
//! Nothing here panics on any JSON value. A value that is absent or `null` silently takes its
//! default; a value that is present but wrong takes its default too and is reported as a
//! [`ConfigIssue`] whose message names the bad value, for the popup to show.

use crate::msg::Msg;
use crate::verdict::Mode;
use serde_json::Value;

/// One STUN/TURN server, RTCIceServer-shaped.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IceServer {
    pub urls: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credential: Option<String>,
}

impl IceServer {
    pub fn url(u: &str) -> IceServer {
        IceServer { urls: vec![u.to_string()], username: None, credential: None }
    }
}

/// Public, well-known STUN servers used by the self-test when nothing else is configured.
pub const DEFAULT_ICE_SERVERS: [&str; 3] =
    ["stun:stun.l.google.com:19302", "stun:stun.cloudflare.com:3478", "stun:stun.nextcloud.com:443"];

/// The effective settings.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    pub mode: Mode,
    /// Normalised origin patterns (see [`validate_origin_pattern`]) where IceVeil stands aside.
    pub exceptions: Vec<String>,
    pub self_test_ice_servers: Vec<IceServer>,
    /// Set by policy: the user may not change the settings.
    pub locked: bool,
}

pub fn default_ice_servers() -> Vec<IceServer> {
    DEFAULT_ICE_SERVERS.iter().map(|u| IceServer::url(u)).collect()
}

impl Default for Settings {
    fn default() -> Settings {
        Settings { mode: Mode::DEFAULT, exceptions: Vec::new(), self_test_ice_servers: default_ice_servers(), locked: false }
    }
}

/// A problem with one configured value, for the popup.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ConfigIssue {
    /// The key path, e.g. `mode`, `exceptions[2]`, `selfTestIceServers[0].urls[1]`.
    pub key: String,
    /// A plain English sentence naming the bad value (the fallback when a locale lacks `text`'s id).
    pub message: String,
    /// The same sentence as a message id and its arguments, for the extension to render from `_locales`.
    pub text: Msg,
}

fn issue(key: impl Into<String>, text: Msg) -> ConfigIssue {
    ConfigIssue { key: key.into(), message: text.english(), text }
}

/// Settings pushed by an administrator (enterprise policy / `storage.managed`); `None` = not set.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ManagedSettings {
    pub mode: Option<Mode>,
    pub exceptions: Option<Vec<String>>,
    pub self_test_ice_servers: Option<Vec<IceServer>>,
    pub locked: Option<bool>,
}

/// A value and what was wrong on the way to it.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Validated<T> {
    pub value: T,
    pub issues: Vec<ConfigIssue>,
}

/// A short, bounded rendering of a JSON value for messages.
fn show(v: &Value) -> String {
    let s = match v {
        Value::String(s) => format!("{s:?}"),
        other => other.to_string(),
    };
    if s.chars().count() > 80 {
        let cut: String = s.chars().take(77).collect();
        format!("{cut}...")
    } else {
        s
    }
}

fn type_name(v: &Value) -> Msg {
    match v {
        Value::Null => msg!("core_type_null"),
        Value::Bool(_) => msg!("core_type_bool"),
        Value::Number(_) => msg!("core_type_number"),
        Value::String(_) => msg!("core_type_text"),
        Value::Array(_) => msg!("core_type_list"),
        Value::Object(_) => msg!("core_type_object"),
    }
}

fn read_mode(key: &str, v: &Value, issues: &mut Vec<ConfigIssue>) -> Option<Mode> {
    match v {
        Value::Null => None,
        Value::String(s) => match Mode::parse(s) {
            Some(m) => Some(m),
            None => {
                issues.push(issue(key, msg!("core_modeUnknown", s)));
                None
            }
        },
        other => {
            issues.push(issue(key, msg!("core_modeNotText", type_name(other), show(other))));
            None
        }
    }
}

/// The array under `key`; `None` when unset, or (with the issue `not_list(type, value)`) when it is not a list.
fn read_list<'v>(key: &str, v: &'v Value, issues: &mut Vec<ConfigIssue>, not_list: fn(Msg, String) -> Msg) -> Option<&'v Vec<Value>> {
    match v {
        Value::Null => None,
        Value::Array(items) => Some(items),
        other => {
            issues.push(issue(key, not_list(type_name(other), show(other))));
            None
        }
    }
}

fn read_exceptions(key: &str, v: &Value, issues: &mut Vec<ConfigIssue>) -> Option<Vec<String>> {
    let items = read_list(key, v, issues, |t, v| msg!("core_exceptionsNotList", t, v))?;
    let mut out: Vec<String> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let k = || format!("{key}[{i}]");
        match item {
            Value::String(s) => match validate_origin_pattern(s) {
                Ok(p) => out.push(p),
                Err(why) => issues.push(issue(k(), msg!("core_exceptionIgnored", s, why))),
            },
            other => issues.push(issue(k(), msg!("core_exceptionNotText", show(other), type_name(other)))),
        }
    }
    // Repeats go, the first of each stays: one hash set over the list, no copies.
    let keep: Vec<bool> = {
        let mut seen = std::collections::HashSet::with_capacity(out.len());
        out.iter().map(|p| seen.insert(p.as_str())).collect()
    };
    let mut flags = keep.into_iter();
    out.retain(|_| flags.next().unwrap_or(false));
    Some(out)
}

fn read_ice_servers(key: &str, v: &Value, issues: &mut Vec<ConfigIssue>) -> Option<Vec<IceServer>> {
    let items = read_list(key, v, issues, |t, v| msg!("core_serversNotList", t, v))?;
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let k = format!("{key}[{i}]");
        match item {
            Value::String(u) => match validate_ice_server_url(u) {
                Ok(()) => out.push(IceServer::url(u.trim())),
                Err(why) => issues.push(issue(k, msg!("core_serverIgnored", u, why))),
            },
            Value::Object(map) => {
                let urls: Vec<String> = match map.get("urls").or_else(|| map.get("url")) {
                    Some(Value::String(u)) => vec![u.clone()],
                    Some(Value::Array(list)) => list
                        .iter()
                        .enumerate()
                        .filter_map(|(j, x)| match x {
                            Value::String(u) => Some(u.clone()),
                            other => {
                                issues.push(issue(format!("{k}.urls[{j}]"), msg!("core_serverUrlNotText", show(other), type_name(other))));
                                None
                            }
                        })
                        .collect(),
                    Some(other) => {
                        issues.push(issue(format!("{k}.urls"), msg!("core_serverUrlsBad", type_name(other), show(other))));
                        continue;
                    }
                    None => {
                        issues.push(issue(k, msg!("core_serverNoUrls", show(item))));
                        continue;
                    }
                };
                let mut good = Vec::new();
                for (j, u) in urls.iter().enumerate() {
                    match validate_ice_server_url(u) {
                        Ok(()) => good.push(u.trim().to_string()),
                        Err(why) => issues.push(issue(format!("{k}.urls[{j}]"), msg!("core_serverUrlIgnored", u, why))),
                    }
                }
                let text_field = |name: &str, issues: &mut Vec<ConfigIssue>| match map.get(name) {
                    None | Some(Value::Null) => None,
                    Some(Value::String(s)) => Some(s.clone()),
                    Some(other) => {
                        issues.push(issue(format!("{k}.{name}"), msg!("core_serverFieldNotText", name, type_name(other))));
                        None
                    }
                };
                let username = text_field("username", issues);
                let credential = text_field("credential", issues);
                if !good.is_empty() {
                    out.push(IceServer { urls: good, username, credential });
                }
            }
            other => issues.push(issue(k, msg!("core_serverNotTextOrObject", show(other), type_name(other)))),
        }
    }
    if out.is_empty() && !items.is_empty() {
        issues.push(issue(key, msg!("core_noServersUsable")));
        return None;
    }
    Some(out)
}

/// A server list as stored (strings or RTCIceServer objects), for display: the usable servers,
/// checked as the settings validator checks them; anything else is left out.
pub fn ice_servers_in(v: &Value) -> Vec<IceServer> {
    read_ice_servers("servers", v, &mut Vec::new()).unwrap_or_default()
}

fn read_bool(key: &str, v: &Value, issues: &mut Vec<ConfigIssue>) -> Option<bool> {
    match v {
        Value::Null => None,
        Value::Bool(b) => Some(*b),
        other => {
            issues.push(issue(key, msg!("core_notTrueFalse", key, show(other))));
            None
        }
    }
}

/// The settings object; `None` when unset, or (with the issue `not_object(type, value)`) when it is not an object.
fn root_object<'a>(
    v: &'a Value,
    not_object: fn(Msg, String) -> Msg,
    issues: &mut Vec<ConfigIssue>,
) -> Option<&'a serde_json::Map<String, Value>> {
    match v {
        Value::Object(map) => Some(map),
        Value::Null => None,
        other => {
            issues.push(issue("", not_object(type_name(other), show(other))));
            None
        }
    }
}

/// Validates the user's `storage.local` content (keys `mode`, `exceptions`, `selfTestIceServers`).
/// `locked` is not a user setting and is ignored here.
pub fn validate_user(v: &Value) -> Validated<Settings> {
    let mut issues = Vec::new();
    let mut s = Settings::default();
    if let Some(map) = root_object(v, |t, v| msg!("core_storedNotObject", t, v), &mut issues) {
        if let Some(m) = map.get("mode").and_then(|x| read_mode("mode", x, &mut issues)) {
            s.mode = m;
        }
        if let Some(e) = map.get("exceptions").and_then(|x| read_exceptions("exceptions", x, &mut issues)) {
            s.exceptions = e;
        }
        if let Some(i) = map.get("selfTestIceServers").and_then(|x| read_ice_servers("selfTestIceServers", x, &mut issues)) {
            s.self_test_ice_servers = i;
        }
    }
    Validated { value: s, issues }
}

/// Validates administrator policy (`storage.managed`; keys `mode`, `locked`, `exceptions`, `selfTestIceServers`).
/// `null` / undefined means "no policy" and gives an empty result without issues.
pub fn validate_managed(v: &Value) -> Validated<ManagedSettings> {
    let mut issues = Vec::new();
    let mut m = ManagedSettings::default();
    if let Some(map) = root_object(v, |t, v| msg!("core_policyNotObject", t, v), &mut issues) {
        m.mode = map.get("mode").and_then(|x| read_mode("mode", x, &mut issues));
        m.locked = map.get("locked").and_then(|x| read_bool("locked", x, &mut issues));
        m.exceptions = map.get("exceptions").and_then(|x| read_exceptions("exceptions", x, &mut issues));
        m.self_test_ice_servers =
            map.get("selfTestIceServers").and_then(|x| read_ice_servers("selfTestIceServers", x, &mut issues));
    }
    Validated { value: m, issues }
}

/// Applies policy over the user's settings, key by key. Under `locked: true` no user value applies:
/// what the administrator left unset takes the safe default, so writing `storage.local` changes nothing.
pub fn merge(user: Settings, managed: &ManagedSettings) -> Settings {
    let user = if managed.locked == Some(true) { Settings::default() } else { user };
    Settings {
        mode: managed.mode.unwrap_or(user.mode),
        exceptions: managed.exceptions.clone().unwrap_or(user.exceptions),
        self_test_ice_servers: managed.self_test_ice_servers.clone().unwrap_or(user.self_test_ice_servers),
        locked: managed.locked.unwrap_or(user.locked),
    }
}

/// A parsed origin pattern.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Pattern {
    /// `http`, `https` or `*`.
    scheme: String,
    /// Lowercase host; for IPv6 with brackets.
    host: String,
    /// `*.host`: also every subdomain.
    wildcard: bool,
    port: Option<u16>,
}

impl Pattern {
    fn render(&self) -> String {
        let star = if self.wildcard { "*." } else { "" };
        match self.port {
            Some(p) => format!("{}://{star}{}:{p}", self.scheme, self.host),
            None => format!("{}://{star}{}", self.scheme, self.host),
        }
    }
}

fn is_dns_label(l: &str) -> bool {
    !l.is_empty()
        && l.len() <= 63
        && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        && !l.starts_with('-')
        && !l.ends_with('-')
}

/// Splits `host[:port]` (host may be `[v6]`). Returns (host, port text).
fn split_host_port(hp: &str) -> Result<(&str, Option<&str>), Msg> {
    if let Some(rest) = hp.strip_prefix('[') {
        let Some(end) = rest.find(']') else { return Err(msg!("core_noClosingBracket")) };
        let host = &hp[..end + 2];
        let after = &rest[end + 1..];
        return match after {
            "" => Ok((host, None)),
            _ => match after.strip_prefix(':') {
                Some(p) => Ok((host, Some(p))),
                None => Err(msg!("core_textAfterAddress", after)),
            },
        };
    }
    match hp.rsplit_once(':') {
        Some((h, p)) => Ok((h, Some(p))),
        None => Ok((hp, None)),
    }
}

fn parse_port_text(p: &str) -> Result<u16, Msg> {
    if p.is_empty() || p.len() > 5 || !p.bytes().all(|b| b.is_ascii_digit()) {
        return Err(msg!("core_badPort", p));
    }
    match p.parse::<u16>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(msg!("core_badPort", p)),
    }
}

fn parse_pattern(p: &str) -> Result<Pattern, Msg> {
    parse_pattern_with(p, true)
}

/// [`parse_pattern`]; `check_suffix: false` skips the public-suffix test, for patterns that passed it already.
fn parse_pattern_with(p: &str, check_suffix: bool) -> Result<Pattern, Msg> {
    let t = p.trim();
    if t.is_empty() {
        return Err(msg!("core_empty"));
    }
    if t == "*" || t == "<all_urls>" || t.starts_with('<') {
        return Err(msg!("core_matchesEverySite", t));
    }
    let (scheme, rest) = match t.split_once("://") {
        Some((s, r)) => (s.to_ascii_lowercase(), r),
        None if t.contains('/') => return Err(msg!("core_notSitePattern", t)),
        None => ("https".to_string(), t),
    };
    if !matches!(scheme.as_str(), "http" | "https" | "*") {
        return Err(msg!("core_patternScheme", scheme));
    }
    // Tolerate one trailing "/"; anything else after the host is a path.
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    if rest.contains(['/', '?', '#', '@', ' ', '\\']) {
        return Err(msg!("core_patternPath"));
    }
    let (host_text, port_text) = split_host_port(rest)?;
    let port = match port_text {
        Some(pt) => Some(parse_port_text(pt)?),
        None => None,
    };
    let host_lc = host_text.to_ascii_lowercase();
    let (wildcard, host) = match host_lc.strip_prefix("*.") {
        Some(h) => (true, h.to_string()),
        None => (false, host_lc),
    };
    if host.is_empty() || host == "*" {
        return Err(msg!("core_everySite"));
    }
    if host.contains('*') {
        return Err(msg!("core_wildcardFirst"));
    }
    if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        if wildcard {
            return Err(msg!("core_wildcardIp"));
        }
        let ip = crate::addr::parse_ipv6(inner.as_bytes()).ok_or_else(|| msg!("core_notIpv6", inner))?;
        return Ok(Pattern { scheme, host: format!("[{ip}]"), wildcard, port });
    }
    if let Some(ip) = crate::addr::parse_ipv4(host.as_bytes()) {
        if wildcard {
            return Err(msg!("core_wildcardIp"));
        }
        return Ok(Pattern { scheme, host: ip.to_string(), wildcard, port });
    }
    let h = host.strip_suffix('.').unwrap_or(&host);
    if ends_in_a_number(h) {
        return Err(if wildcard {
            msg!("core_wildcardIpPart", h)
        } else {
            msg!("core_notIpNorName", h)
        });
    }
    if h.len() > 253 || !h.split('.').all(is_dns_label) {
        return Err(msg!("core_badHost", host_text));
    }
    if wildcard && !h.contains('.') {
        return Err(msg!("core_tooBroad", h));
    }
    if wildcard && check_suffix {
        match crate::suffix::is_public_suffix(h) {
            Some(false) => {}
            Some(true) => {
                return Err(msg!("core_publicSuffix", h, h, h))
            }
            None => return Err(crate::suffix::not_loaded()),
        }
    }
    Ok(Pattern { scheme, host: h.to_string(), wildcard, port })
}

/// Does this host end in a number, so that a URL parser would read it as an IPv4 address (WHATWG URL,
/// "ends in a number checker": the last label is all digits, or `0x` and hex digits)? A site name never
/// does, since no top-level domain is numeric; `168.1.1` in `*.168.1.1` is a fragment of an IP literal.
fn ends_in_a_number(host: &str) -> bool {
    let last = host.rsplit('.').next().unwrap_or("");
    if !last.is_empty() && last.bytes().all(|b| b.is_ascii_digit()) {
        return true;
    }
    last.strip_prefix("0x").or_else(|| last.strip_prefix("0X")).is_some_and(|x| x.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// Validates a site-exception pattern and returns its normal form, or the reason it is refused.
///
/// Accepted: `https://meet.example.com`, `https://*.example.com`, `*://example.org`,
/// `http://localhost:8080`, `http://[::1]:8080`. Scheme `http`, `https` or `*`; a bare host
/// gets `https://`. No paths (one trailing `/` is tolerated and dropped). The host is lowercased.
/// Refused: empty, `*`, `<all_urls>`, `*://*`, `https://*.com`-style patterns that match a whole TLD,
/// wildcards over any public suffix (`*.co.uk`, `*.github.io`, see [`crate::suffix`]), and hosts that end in
/// a number but are not a whole IP address (`*.168.1.1`, `*://*.1.1`).
pub fn validate_origin_pattern(p: &str) -> Result<String, Msg> {
    parse_pattern(p).map(|x| x.render())
}

/// Parses an origin (`scheme://host[:port]`; a path, if any, is ignored) into (scheme, host, port).
fn parse_origin(origin: &str) -> Option<(String, String, u16)> {
    let (scheme, rest) = origin.trim().split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let default = match scheme.as_str() {
        "http" => 80,
        "https" => 443,
        _ => return None,
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let hp = &rest[..end];
    if hp.contains('@') {
        return None;
    }
    let (host, port) = split_host_port(hp).ok()?;
    let port = match port {
        Some(p) => parse_port_text(p).ok()?,
        None => default,
    };
    let host = host.to_ascii_lowercase();
    let host = host.strip_suffix('.').unwrap_or(&host).to_string();
    if host.is_empty() {
        return None;
    }
    Some((scheme, host, port))
}

/// An origin's parts for matching: scheme, host (IPv6 in normal bracketed form), port.
fn origin_parts(origin: &str) -> Option<(String, String, u16)> {
    let (scheme, host, port) = parse_origin(origin)?;
    let host = match host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        Some(inner) => format!("[{}]", crate::addr::parse_ipv6(inner.as_bytes())?),
        None => host,
    };
    Some((scheme, host, port))
}

/// Does `origin` (e.g. `https://a.example.com`) fall under `pattern`? An invalid pattern or origin matches nothing.
/// `*.example.com` matches `example.com` and every subdomain; a port in the pattern must match
/// (default ports count: `https://x.org:443` matches `https://x.org`); no port matches any port.
pub fn origin_matches(pattern: &str, origin: &str) -> bool {
    ExceptionSet::new(std::slice::from_ref(&pattern.to_string())).matches(origin)
}

/// The site exceptions, parsed once and indexed by host, so that one question costs a few lookups
/// (one per label of the asked host), whatever the number of exceptions.
#[derive(Clone, Debug, Default)]
pub struct ExceptionSet {
    exact: std::collections::HashMap<String, Vec<Admits>>,
    wildcard: std::collections::HashMap<String, Vec<Admits>>,
}

/// The scheme and port part of a pattern (its host is the index key).
#[derive(Clone, Debug)]
struct Admits {
    scheme: String,
    port: Option<u16>,
}

impl Admits {
    fn admits(&self, scheme: &str, port: u16) -> bool {
        (self.scheme == "*" || self.scheme == scheme) && self.port.map_or(true, |p| p == port)
    }
}

impl ExceptionSet {
    /// Patterns that do not validate are left out: they match nothing.
    pub fn new(patterns: &[String]) -> ExceptionSet {
        ExceptionSet::build(patterns, true)
    }

    /// The exceptions of validated [`Settings`]: each passed the public-suffix test when it was validated,
    /// so only its syntax is read again.
    pub fn of_settings(settings: &Settings) -> ExceptionSet {
        ExceptionSet::build(&settings.exceptions, false)
    }

    fn build(patterns: &[String], check_suffix: bool) -> ExceptionSet {
        let mut set = ExceptionSet::default();
        for p in patterns.iter().filter_map(|p| parse_pattern_with(p, check_suffix).ok()) {
            let index = if p.wildcard { &mut set.wildcard } else { &mut set.exact };
            index.entry(p.host).or_default().push(Admits { scheme: p.scheme, port: p.port });
        }
        set
    }

    /// Does `origin` fall under one of the patterns? An opaque (`null`) or unreadable origin never does.
    pub fn matches(&self, origin: &str) -> bool {
        let Some((scheme, host, port)) = origin_parts(origin) else { return false };
        let hit = |index: &std::collections::HashMap<String, Vec<Admits>>, h: &str| {
            index.get(h).is_some_and(|ps| ps.iter().any(|p| p.admits(&scheme, port)))
        };
        if hit(&self.exact, &host) {
            return true;
        }
        if host.starts_with('[') || crate::addr::parse_ipv4(host.as_bytes()).is_some() {
            return false; // no wildcard covers an IP address
        }
        let mut rest = host.as_str();
        loop {
            if hit(&self.wildcard, rest) {
                return true;
            }
            match rest.split_once('.') {
                Some((_, tail)) => rest = tail,
                None => return false,
            }
        }
    }

    /// The exception rule: IceVeil stands aside in a frame only when both the frame's own origin and
    /// the top-level site the user sees are excepted. An excepted site embedded in another site is
    /// filtered, and a site embedded in an excepted one is filtered too.
    pub fn applies(&self, frame_origin: &str, top_origin: &str) -> bool {
        self.matches(frame_origin) && self.matches(top_origin)
    }
}

/// Match patterns (as content-script `excludeMatches` take them) covering every site an exception names,
/// so that disable mode leaves the constructor to excepted sites. Browsers' match patterns have no
/// port (Firefox) and no IPv6 literal form that both accept: a port is dropped (the pattern then covers
/// the host's other ports too, where the page layer still drops every candidate under `disable`, since
/// no exception applies there), and an IPv6 exception gets no pattern (disable removes the constructor
/// there, the safe side).
pub fn exclude_match_patterns(exceptions: &[String]) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    exceptions
        .iter()
        .filter_map(|p| parse_pattern(p).ok())
        .filter(|p| !p.host.starts_with('['))
        .map(|p| format!("{}://{}{}/*", p.scheme, if p.wildcard { "*." } else { "" }, p.host))
        .filter(|m| seen.insert(m.clone()))
        .collect()
}

/// Accepts `stun:`, `stuns:`, `turn:` and `turns:` URLs (RFC 7064 / RFC 7065) with a host.
pub fn validate_ice_server_url(u: &str) -> Result<(), Msg> {
    let t = u.trim();
    if t.is_empty() {
        return Err(msg!("core_empty"));
    }
    let Some((scheme, rest)) = t.split_once(':') else {
        return Err(msg!("core_serverNoScheme", t));
    };
    let scheme_lc = scheme.to_ascii_lowercase();
    if !matches!(scheme_lc.as_str(), "stun" | "stuns" | "turn" | "turns") {
        return Err(msg!("core_serverScheme", scheme));
    }
    if rest.starts_with("//") {
        return Err(msg!("core_serverSlashes", t, scheme));
    }
    let (hostport, query) = match rest.split_once('?') {
        Some((h, q)) => (h, Some(q)),
        None => (rest, None),
    };
    if let Some(q) = query {
        if scheme_lc.starts_with("stun") {
            return Err(msg!("core_stunNoOptions", t));
        }
        let ok = q.eq_ignore_ascii_case("transport=udp") || q.eq_ignore_ascii_case("transport=tcp");
        if !ok {
            return Err(msg!("core_turnOptions", t));
        }
    }
    if hostport.is_empty() || hostport.contains(['/', '@', ' ', '#']) {
        return Err(msg!("core_serverNoHost", t));
    }
    let (host, port) = split_host_port(hostport).map_err(|e| msg!("core_serverPart", t, e))?;
    if let Some(p) = port {
        parse_port_text(p).map_err(|e| msg!("core_serverPart", t, e))?;
    }
    let valid_host = if let Some(inner) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        crate::addr::parse_ipv6(inner.as_bytes()).is_some()
    } else {
        crate::addr::parse_ipv4(host.as_bytes()).is_some() || {
            let h = host.strip_suffix('.').unwrap_or(host);
            !h.is_empty() && h.len() <= 253 && h.split('.').all(is_dns_label)
        }
    };
    if valid_host {
        Ok(())
    } else {
        Err(msg!("core_badHost", host))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn defaults() {
        let d = Settings::default();
        assert_eq!(d.mode, Mode::HideLocal);
        assert_eq!(d.self_test_ice_servers.len(), 3);
        assert_eq!(d.self_test_ice_servers[0].urls, vec!["stun:stun.l.google.com:19302"]);
        for v in [json!(null), json!({}), json!({"mode": null, "exceptions": null, "other": 5})] {
            let r = validate_user(&v);
            assert_eq!(r, Validated { value: Settings::default(), issues: vec![] }, "{v}");
        }
        let j = serde_json::to_value(Settings::default()).unwrap();
        assert_eq!(j["mode"], "hide-local");
        assert_eq!(j["selfTestIceServers"][1], json!({"urls": ["stun:stun.cloudflare.com:3478"]}));
        assert_eq!(j["locked"], false);
    }

    #[test]
    fn user_values() {
        let r = validate_user(&json!({
            "mode": "proxy-only",
            "exceptions": ["HTTPS://Meet.Example.com/", "https://*.example.org", 7, "<all_urls>", "https://meet.example.com"],
            "selfTestIceServers": ["stun:stun.example.org:3478", {"urls": ["turn:turn.example.org:3478?transport=udp", "http://x"], "username": "u", "credential": "p"}, "ftp://x"],
            "locked": true
        }));
        assert_eq!(r.value.mode, Mode::ProxyOnly);
        assert_eq!(r.value.exceptions, vec!["https://meet.example.com", "https://*.example.org"]);
        assert_eq!(
            r.value.self_test_ice_servers,
            vec![
                IceServer::url("stun:stun.example.org:3478"),
                IceServer { urls: vec!["turn:turn.example.org:3478?transport=udp".into()], username: Some("u".into()), credential: Some("p".into()) }
            ]
        );
        assert!(!r.value.locked, "locked is not a user setting");
        let keys: Vec<_> = r.issues.iter().map(|i| i.key.as_str()).collect();
        assert_eq!(keys, ["exceptions[2]", "exceptions[3]", "selfTestIceServers[1].urls[1]", "selfTestIceServers[2]"]);
        assert!(r.issues[1].message.contains("<all_urls>"), "{}", r.issues[1].message);
        assert!(r.issues[3].message.contains("ftp://x"));
    }

    #[test]
    fn user_bad_types() {
        let r = validate_user(&json!({"mode": "stealth", "exceptions": "x.com", "selfTestIceServers": 5}));
        assert_eq!(r.value, Settings::default());
        assert_eq!(r.issues.len(), 3);
        assert!(r.issues[0].message.contains("\"stealth\""));
        assert_eq!(r.issues[0].key, "mode");
        let r = validate_user(&json!({"mode": 3}));
        assert!(r.issues[0].message.contains('3'));
        for v in [json!([1, 2]), json!("x"), json!(true), json!(1.5)] {
            let r = validate_user(&v);
            assert_eq!(r.value, Settings::default());
            assert_eq!(r.issues.len(), 1, "{v}");
        }
        let r = validate_user(&json!({"selfTestIceServers": ["bogus"]}));
        assert_eq!(r.value.self_test_ice_servers, default_ice_servers());
        assert_eq!(r.issues.len(), 2);
        let r = validate_user(&json!({"selfTestIceServers": []}));
        assert!(r.value.self_test_ice_servers.is_empty());
    }

    #[test]
    fn managed_and_merge() {
        assert_eq!(validate_managed(&json!(null)), Validated { value: ManagedSettings::default(), issues: vec![] });
        assert_eq!(validate_managed(&json!("x")).issues.len(), 1);
        let r = validate_managed(&json!({"mode": "disable", "locked": "yes", "exceptions": ["https://corp.example.com"]}));
        assert_eq!(r.value.mode, Some(Mode::Disable));
        assert_eq!(r.value.locked, None);
        assert_eq!(r.issues.len(), 1);
        assert_eq!(r.issues[0].key, "locked");
        let user = validate_user(&json!({"mode": "off", "exceptions": ["https://a.example"]})).value;
        let m = merge(user.clone(), &r.value);
        assert_eq!(m.mode, Mode::Disable);
        assert_eq!(m.exceptions, vec!["https://corp.example.com"]);
        assert!(!m.locked);
        assert_eq!(m.self_test_ice_servers, user.self_test_ice_servers);
        let m = merge(user.clone(), &validate_managed(&json!({"locked": true})).value);
        assert_eq!(m, Settings { locked: true, ..Settings::default() }, "under the lock, no stored user value applies");
        let m = merge(user.clone(), &validate_managed(&json!({"locked": true, "exceptions": ["https://corp.example.com"]})).value);
        assert_eq!((m.mode, m.exceptions.len()), (Mode::HideLocal, 1));
        let m = merge(user.clone(), &validate_managed(&json!({"locked": false})).value);
        assert_eq!((m.mode, m.locked), (Mode::Off, false));
        assert_eq!(merge(user.clone(), &ManagedSettings::default()), user);
    }

    #[test]
    fn origin_patterns() {
        for (p, want) in [
            ("https://meet.example.com", "https://meet.example.com"),
            ("https://*.Example.com", "https://*.example.com"),
            ("*://example.org", "*://example.org"),
            ("http://localhost:8080", "http://localhost:8080"),
            ("meet.example.com", "https://meet.example.com"),
            ("https://meet.example.com/", "https://meet.example.com"),
            ("http://[::1]:8080", "http://[::1]:8080"),
            ("http://127.0.0.1", "http://127.0.0.1"),
        ] {
            assert_eq!(validate_origin_pattern(p).as_deref(), Ok(want), "{p}");
        }
        for p in [
            "", " ", "*", "<all_urls>", "*://*", "https://*", "https://*.com", "ftp://x.org", "https://x.org/path",
            "https://a.*.org", "https://x.org:0", "https://x.org:99999", "https://user@x.org", "https://[::1", "https://-x.org",
            "https://*.127.0.0.1",
        ] {
            let e = validate_origin_pattern(p).unwrap_err().english();
            assert!(e.ends_with('.'), "{p}: {e}");
        }
    }

    #[test]
    fn pattern_rules_and_their_wording() {
        for (p, why) in [
            ("*.168.1.1", "\"*.168.1.1\" is part of an IP address, and a wildcard works only with a site name such as \"*.example.com\"; write the whole address instead, as in \"http://192.168.1.10\"."),
            ("https://*.0.0.1", "\"*.0.0.1\" is part of an IP address, and a wildcard works only with a site name such as \"*.example.com\"; write the whole address instead, as in \"http://192.168.1.10\"."),
            ("*://*.1.1", "\"*.1.1\" is part of an IP address, and a wildcard works only with a site name such as \"*.example.com\"; write the whole address instead, as in \"http://192.168.1.10\"."),
            ("https://*.0x7f", "\"*.0x7f\" is part of an IP address, and a wildcard works only with a site name such as \"*.example.com\"; write the whole address instead, as in \"http://192.168.1.10\"."),
            ("https://10.1.2", "\"10.1.2\" is neither a whole IP address nor a site name."),
            ("*.co.uk", "\"*.co.uk\" would match every site under \"co.uk\", which is a public suffix shared by sites of different owners; name one site instead, such as \"*.example.co.uk\"."),
            ("https://*.github.io", "\"*.github.io\" would match every site under \"github.io\", which is a public suffix shared by sites of different owners; name one site instead, such as \"*.example.github.io\"."),
            ("https://*.blogspot.com", "\"*.blogspot.com\" would match every site under \"blogspot.com\", which is a public suffix shared by sites of different owners; name one site instead, such as \"*.example.blogspot.com\"."),
            ("https://*.com", "\"*.com\" is too broad; use a site name such as \"*.example.com\"."),
        ] {
            assert_eq!(validate_origin_pattern(p).map_err(|m| m.english()), Err(why.to_string()), "{p}");
        }
        for (p, want) in [
            ("*.example.co.uk", "https://*.example.co.uk"),
            ("https://*.octocat.github.io", "https://*.octocat.github.io"),
            ("https://co.uk", "https://co.uk"),
            ("http://192.168.1.10", "http://192.168.1.10"),
            ("https://*.example1.com", "https://*.example1.com"),
        ] {
            assert_eq!(validate_origin_pattern(p).as_deref(), Ok(want), "{p}");
        }
        let r = validate_user(&json!({"exceptions": ["*.168.1.1", "https://meet.example.com"]}));
        assert_eq!(r.value.exceptions, vec!["https://meet.example.com"]);
        assert!(r.issues[0].message.starts_with("The site exception \"*.168.1.1\" was ignored: \"*.168.1.1\" is part of an IP address"), "{}", r.issues[0].message);
        assert!(!origin_matches("https://*.1.1", "https://192.168.1.1"));
    }

    #[test]
    fn exception_set_is_indexed_and_matches_like_the_rule() {
        let many: Vec<String> = (0..8000).map(|i| format!("https://*.site{i}.example")).chain(["http://[::1]:8080".to_string(), "*://a.b.example.org".to_string()]).collect();
        let set = ExceptionSet::new(&many);
        assert!(set.matches("https://x.y.site7999.example"));
        assert!(set.matches("https://site0.example"));
        assert!(!set.matches("http://site0.example"));
        assert!(!set.matches("https://site8000.example"));
        assert!(set.matches("http://[0::1]:8080"));
        assert!(set.matches("http://a.b.example.org"));
        assert!(!set.matches("http://b.example.org"));
        assert!(!set.matches("null"));
        assert!(set.applies("https://site1.example", "https://site2.example"));
        assert!(!set.applies("https://site1.example", "https://other.example"));
    }

    #[test]
    fn exclude_patterns_for_disable_mode() {
        let ex: Vec<String> = ["https://meet.example.com", "*://*.example.org", "http://localhost:8080", "http://localhost", "http://[::1]:8080"].map(String::from).to_vec();
        assert_eq!(exclude_match_patterns(&ex), vec!["https://meet.example.com/*", "*://*.example.org/*", "http://localhost/*"]);
    }

    #[test]
    fn matching() {
        assert!(origin_matches("https://*.example.com", "https://a.example.com"));
        assert!(origin_matches("https://*.example.com", "https://b.a.example.com"));
        assert!(origin_matches("https://*.example.com", "https://example.com"));
        assert!(!origin_matches("https://*.example.com", "https://badexample.com"));
        assert!(!origin_matches("https://*.example.com", "http://a.example.com"));
        assert!(origin_matches("*://example.org", "http://example.org"));
        assert!(origin_matches("*://example.org", "https://EXAMPLE.org:8443"));
        assert!(!origin_matches("*://example.org", "ftp://example.org"));
        assert!(origin_matches("http://localhost:8080", "http://localhost:8080"));
        assert!(!origin_matches("http://localhost:8080", "http://localhost:8081"));
        assert!(!origin_matches("http://localhost:8080", "http://localhost"));
        assert!(origin_matches("https://x.org:443", "https://x.org"));
        assert!(origin_matches("https://meet.example.com", "https://meet.example.com/room/1"));
        assert!(!origin_matches("https://meet.example.com", "https://meet.example.com.evil.org"));
        assert!(!origin_matches("https://meet.example.com", "https://evil.org@meet.example.com"));
        assert!(origin_matches("http://[::1]:8080", "http://[0:0::1]:8080"));
        assert!(!origin_matches("*", "https://x.org"));
        assert!(!origin_matches("https://x.org", "null"));
        let s = Settings { exceptions: vec!["https://*.example.com".into()], ..Settings::default() };
        let is_excepted = |s: &Settings, origin, top| ExceptionSet::of_settings(s).applies(origin, top);
        assert!(is_excepted(&s, "https://meet.example.com", "https://meet.example.com"));
        assert!(is_excepted(&s, "https://meet.example.com", "https://www.example.com"));
        assert!(!is_excepted(&s, "https://meet.example.com", "https://evil.example.net"), "an excepted frame in another site");
        assert!(!is_excepted(&s, "https://evil.example.net", "https://meet.example.com"), "another site in an excepted one");
        assert!(!is_excepted(&s, "https://meet.example.com", "null"));
        assert!(!is_excepted(&s, "https://example.net", "https://example.net"));
    }

    #[test]
    fn ice_urls() {
        for u in ["stun:stun.l.google.com:19302", "stuns:x.org", "turn:1.2.3.4:3478?transport=tcp", "turns:[2001:db8::1]:5349", "STUN:x.org"] {
            assert_eq!(validate_ice_server_url(u), Ok(()), "{u}");
        }
        for u in ["", "http://x.org", "stun://x.org", "stun:", "stun:x.org:abc", "stun:x.org?transport=udp", "turn:x.org?foo=1", "stun:a b", "x.org"] {
            assert!(validate_ice_server_url(u).is_err(), "{u}");
        }
    }

    #[test]
    fn ice_server_serde() {
        let s = IceServer::url("stun:x.org");
        assert_eq!(serde_json::to_value(&s).unwrap(), json!({"urls": ["stun:x.org"]}));
        let back: IceServer = serde_json::from_value(json!({"urls": ["turn:x"], "username": "u"})).unwrap();
        assert_eq!(back.username.as_deref(), Some("u"));
    }
}
