//! Messages the user may see, as ids with arguments, so the extension renders them from `_locales` (key = id).
//!
//! Every id and its English wording live in [`MESSAGES`]; [`Msg::english`] renders that wording (the
//! fallback, and what the native tests assert). `tests/e2e/locales.test.mjs` reads this table and checks
//! that every locale has each id with one placeholder per `$n`.

use serde::Serialize;

/// One argument: a plain text (a value the user typed, a number) or a nested message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Arg {
    Text(String),
    Msg(Msg),
}

/// A message id from [`MESSAGES`] and its arguments (`$1`…`$9` in the wording). Serialises as `{id, args}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Msg {
    pub id: &'static str,
    pub args: Vec<Arg>,
}

impl From<String> for Arg {
    fn from(s: String) -> Arg {
        Arg::Text(s)
    }
}
impl From<&str> for Arg {
    fn from(s: &str) -> Arg {
        Arg::Text(s.to_owned())
    }
}
impl From<&String> for Arg {
    fn from(s: &String) -> Arg {
        Arg::Text(s.clone())
    }
}
impl From<Msg> for Arg {
    fn from(m: Msg) -> Arg {
        Arg::Msg(m)
    }
}

/// `msg!("core_x", a, b)`: a [`Msg`] with id `core_x` and the arguments `a`, `b` (texts or messages).
#[macro_export]
macro_rules! msg {
    ($id:literal $(, $arg:expr)* $(,)?) => {
        $crate::msg::Msg { id: $id, args: vec![$($crate::msg::Arg::from($arg)),*] }
    };
}

impl Msg {
    /// The English wording with the arguments filled in.
    pub fn english(&self) -> String {
        let template = MESSAGES.iter().find(|(id, _)| *id == self.id).map_or(self.id, |(_, t)| *t);
        let mut out = String::with_capacity(template.len() + 32);
        let mut rest = template;
        while let Some(i) = rest.find('$') {
            out.push_str(&rest[..i]);
            let n = rest.as_bytes().get(i + 1).copied().filter(u8::is_ascii_digit);
            match n {
                Some(d) => {
                    match self.args.get(usize::from(d - b'1')) {
                        Some(Arg::Text(s)) => out.push_str(s),
                        Some(Arg::Msg(m)) => out.push_str(&m.english()),
                        None => {}
                    }
                    rest = &rest[i + 2..];
                }
                None => {
                    out.push('$');
                    rest = &rest[i + 1..];
                }
            }
        }
        out.push_str(rest);
        out
    }
}

impl std::fmt::Display for Msg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.english())
    }
}

/// Every message id the core produces, with its English wording (`$1`…`$9` are the arguments).
pub const MESSAGES: &[(&str, &str)] = &[
    // JSON value types, as arguments of the messages below.
    ("core_type_null", "null"),
    ("core_type_bool", "a true/false value"),
    ("core_type_number", "a number"),
    ("core_type_text", "a text"),
    ("core_type_list", "a list"),
    ("core_type_object", "an object"),
    // Settings and policy values.
    ("core_modeUnknown", "The mode \"$1\" is not one IceVeil knows (off, hide-local, proxy-only or disable), so it was ignored."),
    ("core_modeNotText", "The mode must be a text such as \"hide-local\", but it is $1 ($2), so it was ignored."),
    ("core_exceptionsNotList", "The site exceptions must be a list of site patterns, but they are $1 ($2), so none were used."),
    ("core_exceptionIgnored", "The site exception \"$1\" was ignored: $2"),
    ("core_exceptionNotText", "A site exception must be a text such as \"https://meet.example.com\", but $1 is $2, so it was ignored."),
    ("core_serversNotList", "The self-test servers must be a list, but they are $1 ($2), so the default servers are used."),
    ("core_serverIgnored", "The self-test server \"$1\" was ignored: $2"),
    ("core_serverUrlNotText", "A server address must be a text such as \"stun:stun.example.org:3478\", but $1 is $2, so it was ignored."),
    ("core_serverUrlsBad", "The server's urls must be a text or a list of texts, but they are $1 ($2), so this server was ignored."),
    ("core_serverNoUrls", "The self-test server $1 has no \"urls\", so it was ignored."),
    ("core_serverUrlIgnored", "The server address \"$1\" was ignored: $2"),
    ("core_serverFieldNotText", "The server's $1 must be a text, but it is $2, so it was left out."),
    ("core_serverNotTextOrObject", "A self-test server must be a text such as \"stun:stun.example.org:3478\" or an object with \"urls\", but $1 is $2, so it was ignored."),
    ("core_noServersUsable", "None of the self-test servers could be used, so the default servers are used instead."),
    ("core_notTrueFalse", "\"$1\" must be true or false, but it is $2, so it was ignored."),
    ("core_storedNotObject", "The stored settings should be an object of settings, but it is $1 ($2), so it was ignored."),
    ("core_policyNotObject", "The policy should be an object of settings, but it is $1 ($2), so it was ignored."),
    // Why a site pattern or a server address was refused.
    ("core_empty", "it is empty."),
    ("core_matchesEverySite", "\"$1\" would match every site; name the sites instead."),
    ("core_notSitePattern", "\"$1\" is not a site pattern such as \"https://meet.example.com\"."),
    ("core_patternScheme", "the scheme \"$1\" is not supported; use http, https or *."),
    ("core_patternPath", "patterns name whole sites and cannot contain a path, query, user name or spaces."),
    ("core_everySite", "it would match every site; name the sites instead."),
    ("core_wildcardFirst", "\"*\" is only allowed as the first label, as in \"https://*.example.com\"."),
    ("core_wildcardIp", "a wildcard cannot be used with an IP address."),
    ("core_notIpv6", "\"$1\" is not an IPv6 address."),
    ("core_wildcardIpPart", "\"*.$1\" is part of an IP address, and a wildcard works only with a site name such as \"*.example.com\"; write the whole address instead, as in \"http://192.168.1.10\"."),
    ("core_notIpNorName", "\"$1\" is neither a whole IP address nor a site name."),
    ("core_badHost", "\"$1\" is not a valid host name."),
    ("core_tooBroad", "\"*.$1\" is too broad; use a site name such as \"*.example.com\"."),
    ("core_publicSuffix", "\"*.$1\" would match every site under \"$2\", which is a public suffix shared by sites of different owners; name one site instead, such as \"*.example.$3\"."),
    ("core_suffixNotLoaded", "the list of public suffixes (such as co.uk or github.io) is not loaded, so a wildcard cannot be checked yet."),
    ("core_noClosingBracket", "the IPv6 address has no closing \"]\"."),
    ("core_textAfterAddress", "unexpected text \"$1\" after the address."),
    ("core_badPort", "the port \"$1\" is not a number from 1 to 65535."),
    ("core_serverNoScheme", "\"$1\" has no scheme; it must start with stun:, stuns:, turn: or turns:."),
    ("core_serverScheme", "the scheme \"$1\" is not allowed; use stun:, stuns:, turn: or turns:."),
    ("core_serverSlashes", "\"$1\" must not have \"//\" after the scheme (write $2:host:port)."),
    ("core_stunNoOptions", "\"$1\": a STUN address takes no \"?\" options."),
    ("core_turnOptions", "\"$1\": the only option allowed is ?transport=udp or ?transport=tcp."),
    ("core_serverNoHost", "\"$1\" does not name a host."),
    ("core_serverPart", "\"$1\": $2"),
    // The self-test server box.
    ("core_line", "line $1: $2"),
    ("core_lineFormat", "line $1: write `URL` or `URL username credential`."),
    // The Public Suffix List file.
    ("core_pslUnreadable", "the public-suffix list could not be read: $1"),
    ("core_pslEmpty", "the public-suffix list is empty."),
];

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `"core_…"` literal in the sources that build messages is in [`MESSAGES`], and each wording uses
    /// `$1`…`$n` with no gaps.
    #[test]
    fn every_id_used_is_listed() {
        let sources = [include_str!("config.rs"), include_str!("suffix.rs"), include_str!("selftest.rs")];
        let mut used = 0;
        for src in sources {
            for (i, _) in src.match_indices("msg!(\"core_") {
                let rest = &src[i + 6..];
                let id = &rest[..rest.find('"').unwrap()];
                assert!(MESSAGES.iter().any(|(k, _)| *k == id), "{id} is not in MESSAGES");
                used += 1;
            }
        }
        assert!(used > 40, "{used}");
        let mut seen = std::collections::HashSet::new();
        for (id, text) in MESSAGES {
            assert!(seen.insert(*id), "{id} twice");
            assert!(id.starts_with("core_") && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'), "{id}");
            let mut n: Vec<u8> = text.as_bytes().windows(2).filter(|w| w[0] == b'$' && w[1].is_ascii_digit()).map(|w| w[1] - b'0').collect();
            n.sort_unstable();
            n.dedup();
            assert!(n.iter().enumerate().all(|(i, d)| usize::from(*d) == i + 1), "{id}: {text}");
        }
    }

    #[test]
    fn renders_english_and_serialises_as_id_and_args() {
        let m = msg!("core_exceptionIgnored", "x", msg!("core_badHost", "-x"));
        assert_eq!(m.english(), "The site exception \"x\" was ignored: \"-x\" is not a valid host name.");
        let j = serde_json::to_value(&m).unwrap();
        assert_eq!(j, serde_json::json!({"id": "core_exceptionIgnored", "args": ["x", {"id": "core_badHost", "args": ["-x"]}]}));
        assert_eq!(msg!("core_serverSlashes", "a$2b", "turn").english(), "\"a$2b\" must not have \"//\" after the scheme (write turn:host:port).");
    }
}
