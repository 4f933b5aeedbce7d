//! The public-suffix test for site patterns: is `*.<host>` a wildcard over a suffix that many owners share (`co.uk`, `github.io`)?
//!
//! The list is Mozilla's Public Suffix List (`data/public_suffix_list.dat`, refreshed from the maintained
//! `psl` crate by `scripts/update-psl.sh`), parsed by the maintained `publicsuffix` crate. It is loaded at
//! run time rather than compiled in: compiled in (the `psl` crate), it would grow the shipped Wasm from
//! about 146 KB to over 1 MB, and every Firefox frame that uses WebRTC instantiates that Wasm. As a
//! separate file it costs about 45 KB in each zip, and only the background parses it.

use publicsuffix::{List, Psl};
use std::sync::RwLock;

use crate::msg::Msg;

static LIST: RwLock<Option<List>> = RwLock::new(None);

/// Why a wildcard could not be checked: no list is loaded.
pub fn not_loaded() -> Msg {
    msg!("core_suffixNotLoaded")
}

/// Parses the list text and makes it the one [`is_public_suffix`] answers from. Returns the rule count.
pub fn load(text: &str) -> Result<usize, Msg> {
    let list: List = text.parse().map_err(|e| msg!("core_pslUnreadable", format!("{e}")))?;
    if list.is_empty() {
        return Err(msg!("core_pslEmpty"));
    }
    let rules = text.lines().filter(|l| !l.trim().is_empty() && !l.starts_with("//")).count();
    *LIST.write().unwrap_or_else(|e| e.into_inner()) = Some(list);
    Ok(rules)
}

/// Is `host` (lowercase, no trailing dot) itself a public suffix? `None` when no list is loaded (in
/// Wasm; native builds, the tests and benches, fall back to the shipped list). An unknown top-level label
/// counts as a suffix (the list's default rule `*`).
pub fn is_public_suffix(host: &str) -> Option<bool> {
    #[cfg(not(target_arch = "wasm32"))]
    if LIST.read().map_or(true, |l| l.is_none()) {
        let _ = load(SHIPPED);
    }
    let l = LIST.read().ok()?;
    let list = l.as_ref()?;
    Some(list.suffix(host.as_bytes()).is_some_and(|s| s.as_bytes() == host.as_bytes()))
}

/// The shipped list, for native tests and benches.
#[cfg(not(target_arch = "wasm32"))]
#[doc(hidden)]
pub const SHIPPED: &str = include_str!("../data/public_suffix_list.dat");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_from_the_shipped_list() {
        assert!(load(SHIPPED).unwrap() > 5000);
        for s in ["com", "co.uk", "github.io", "blogspot.com", "uk", "anything.ck"] {
            assert_eq!(is_public_suffix(s), Some(true), "{s}");
        }
        for s in ["example.com", "example.co.uk", "user.github.io", "meet.example.org", "www.ck"] {
            assert_eq!(is_public_suffix(s), Some(false), "{s}");
        }
        assert!(load("").is_err());
    }
}
