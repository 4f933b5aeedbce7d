//! IceVeil core: every protection decision the extension makes, as pure Rust with a thin wasm-bindgen layer.
//!
//! Module map:
//! - [`addr`]: classifies IPv4/IPv6 addresses (private, CGNAT, link-local, …) from a cited range table.
//! - [`candidate`]: the RFC 8839 ICE candidate grammar (parse + print, lossless).
//! - [`verdict`]: modes and the per-candidate verdicts (Allow / Drop / Rewrite).
//! - [`sdp`]: the lossless line-based SDP filter built on the verdicts.
//! - [`remote`]: which remote candidates a page may hand the browser (no LAN probing).
//! - [`page`]: one page-layer request (candidates, stats, SDPs, addresses) judged in one call.
//! - [`config`]: user and managed settings, validated into safe defaults.
//! - [`msg`]: the messages the user may see, as `_locales` ids with arguments (English kept as the fallback).
//! - [`plan`]: what each mode asks of each browser, and who controls the setting.
//! - [`suffix`]: the Public Suffix List test that keeps wildcard site patterns off shared suffixes.
//! - [`selftest`]: turns a leak self-test's candidates into a truthful report.
//! - `reference` (native only, hidden): the plain parser and filter the fast ones are tested against.
//! - `bindings` (wasm32 only): the one module that speaks `#[wasm_bindgen]`.

#[macro_use]
pub mod msg;
pub mod addr;
pub mod candidate;
pub mod config;
pub mod page;
pub mod plan;
pub mod remote;
#[cfg(not(target_arch = "wasm32"))]
#[doc(hidden)]
pub mod reference;
pub mod sdp;
pub mod selftest;
pub mod suffix;
pub mod verdict;

#[cfg(target_arch = "wasm32")]
pub mod bindings;
