//! The only `#[wasm_bindgen]` surface: strings and plain objects in, verdict objects out.
//!
//! Every function here is total: bad input yields a clear error object or a safe default,
//! never a panic or an exception that could leave a candidate unjudged.

use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::config::{self, Settings};
use crate::msg::Msg;
use crate::plan::{self, Browser};
use crate::verdict::Mode;

/// Serialises to plain JS objects (maps as objects, `None` as `null`).
fn out<T: Serialize>(v: &T) -> JsValue {
    let ser = serde_wasm_bindgen::Serializer::json_compatible();
    v.serialize(&ser).unwrap_or(JsValue::NULL)
}

/// Reads any JS value as JSON; anything unreadable (undefined, functions, symbols, non-finite
/// numbers, nesting deeper than 32) is `null`, which every validator treats as "not set".
/// Read by hand rather than through serde's deserializer, whose error messages would bring
/// core's float formatting (about 20 KB) into the Wasm.
fn json_in(v: JsValue) -> serde_json::Value {
    json_at(&v, 0)
}

/// A JS number as JSON: whole numbers within ±2^53 as integers (as serde would read them, so
/// `as_u64` works and messages show `2`, not `2.0`), others as floats, NaN and ±Infinity as null.
fn json_number(n: f64) -> serde_json::Value {
    const SAFE: f64 = 9_007_199_254_740_992.0;
    if n.fract() == 0.0 && n.abs() <= SAFE {
        return if n >= 0.0 { serde_json::Value::from(n as u64) } else { serde_json::Value::from(n as i64) };
    }
    serde_json::Number::from_f64(n).map_or(serde_json::Value::Null, serde_json::Value::Number)
}

fn json_at(v: &JsValue, depth: u32) -> serde_json::Value {
    use serde_json::Value;
    if let Some(b) = v.as_bool() {
        return Value::Bool(b);
    }
    if let Some(n) = v.as_f64() {
        return json_number(n);
    }
    if let Some(s) = v.as_string() {
        return Value::String(s);
    }
    if depth >= 32 || !v.is_object() || v.is_function() {
        return Value::Null;
    }
    if js_sys::Array::is_array(v) {
        let a = js_sys::Array::from(v);
        return Value::Array(a.iter().map(|x| json_at(&x, depth + 1)).collect());
    }
    let mut map = serde_json::Map::new();
    let Ok(obj) = v.clone().dyn_into::<js_sys::Object>() else { return Value::Null };
    for entry in js_sys::Object::entries(&obj).iter() {
        let pair = js_sys::Array::from(&entry);
        if let Some(k) = pair.get(0).as_string() {
            map.insert(k, json_at(&pair.get(1), depth + 1));
        }
    }
    Value::Object(map)
}

/// An unknown mode id from JS falls back to the install default (fail safe, never to `off`).
fn mode_in(mode: &str) -> Mode {
    Mode::parse(mode).unwrap_or(Mode::DEFAULT)
}

#[wasm_bindgen(js_name = coreVersion)]
pub fn core_version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

/// Validates stored user settings and the managed policy, and merges them (managed wins).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Resolved {
    settings: Settings,
    user_issues: Vec<config::ConfigIssue>,
    managed_issues: Vec<config::ConfigIssue>,
    managed: config::ManagedSettings,
}

#[wasm_bindgen(js_name = resolveSettings)]
pub fn resolve_settings(user: JsValue, managed: JsValue) -> JsValue {
    let u = config::validate_user(&json_in(user));
    let m = config::validate_managed(&json_in(managed));
    out(&Resolved {
        settings: config::merge(u.value, &m.value),
        user_issues: u.issues,
        managed_issues: m.issues,
        managed: m.value,
    })
}

/// What the mode asks of the browser's privacy settings.
#[wasm_bindgen(js_name = settingsPlan)]
pub fn settings_plan(mode: &str, browser: &str) -> JsValue {
    out(&plan::plan(mode_in(mode), Browser::parse(browser)))
}

/// Who controls a setting, from its `get()` result.
#[wasm_bindgen(js_name = controlStatus)]
pub fn control_status(level_of_control: &str, value: JsValue, wanted: JsValue, default_value: JsValue) -> JsValue {
    let wanted = json_in(wanted);
    let wanted = if wanted.is_null() { None } else { Some(&wanted) };
    out(&plan::control_status(level_of_control, &json_in(value), wanted, &json_in(default_value)))
}

/// The page layer's mode for one frame: the settings' mode, or `off` where a site exception applies.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PageMode {
    mode: Mode,
    excepted: bool,
}

/// The settings the page layer judges with, validated and indexed once per settings change (the
/// background keeps one), so a verdict request costs a few lookups, not a re-validation.
#[wasm_bindgen]
pub struct PagePolicy {
    mode: Mode,
    exceptions: config::ExceptionSet,
}

#[wasm_bindgen]
impl PagePolicy {
    /// `settings`: the effective settings (as `resolveSettings` gives them).
    #[wasm_bindgen(constructor)]
    pub fn new(settings: JsValue) -> PagePolicy {
        let s = config::validate_user(&json_in(settings)).value;
        PagePolicy { mode: s.mode, exceptions: config::ExceptionSet::of_settings(&s) }
    }

    /// `{mode, excepted}` for a frame of `origin` whose top-level site is `top` (see `ExceptionSet::applies`).
    #[wasm_bindgen(js_name = forFrame)]
    pub fn for_frame(&self, origin: &str, top: &str) -> JsValue {
        let excepted = self.exceptions.applies(origin, top);
        out(&PageMode { mode: if excepted { Mode::Off } else { self.mode }, excepted })
    }
}

/// Loads the Public Suffix List text (the extension's `psl/public_suffix_list.dat`) that the site-pattern
/// rules need. Returns `{ rules }` or `{ error, errorText }` (English, and `{id, args}` for `_locales`); until it
/// succeeds, every wildcard pattern is refused.
#[wasm_bindgen(js_name = loadPublicSuffixList)]
pub fn load_public_suffix_list(text: &str) -> JsValue {
    #[derive(Serialize)]
    #[serde(untagged)]
    enum Loaded {
        Ok { rules: usize },
        Err { error: String, #[serde(rename = "errorText")] error_text: Msg },
    }
    out(&match crate::suffix::load(text) {
        Ok(rules) => Loaded::Ok { rules },
        Err(m) => Loaded::Err { error: m.english(), error_text: m },
    })
}

/// The `excludeMatches` of disable mode's content script: the sites the exceptions name.
#[wasm_bindgen(js_name = disableExcludes)]
pub fn disable_excludes(settings: JsValue) -> Vec<String> {
    config::exclude_match_patterns(&config::validate_user(&json_in(settings)).value.exceptions)
}

/// Whether `id` is one of the four mode ids.
#[wasm_bindgen(js_name = isModeId)]
pub fn is_mode_id(id: JsValue) -> bool {
    id.as_string().and_then(|s| Mode::parse(&s)).is_some()
}

/// The mode the on/off switch turns on: the last mode the user had on, else the install default.
#[wasm_bindgen(js_name = modeWhenEnabled)]
pub fn mode_when_enabled(last_on_mode: JsValue) -> String {
    match last_on_mode.as_string().and_then(|s| Mode::parse(&s)) {
        Some(m) if m != Mode::Off => m,
        _ => Mode::DEFAULT,
    }
    .as_str()
    .to_owned()
}

/// One page-layer request judged in one call (lists of strings; a non-string throws, and the
/// caller drops the request: fail closed). Returns `{mode, excepted, verdicts, extra, sdps,
/// addresses, remote, remoteSdps, filtered}`, index-aligned with the lists.
#[wasm_bindgen(js_name = judgePage)]
#[allow(clippy::too_many_arguments)]
pub fn judge_page(
    mode: &str,
    excepted: bool,
    candidates: Vec<String>,
    extra: Vec<String>,
    sdps: Vec<String>,
    addresses: Vec<String>,
    remote: Vec<String>,
    remote_sdps: Vec<String>,
) -> JsValue {
    let req = crate::page::PageRequest { candidates, extra, sdps, addresses, remote, remote_sdps };
    out(&crate::page::judge_page(mode_in(mode), excepted, &req))
}

#[wasm_bindgen(js_name = selfTestReport)]
pub fn self_test_report(mode: &str, candidates: Vec<String>, outcome: JsValue) -> JsValue {
    let outcome = crate::selftest::Outcome::from_json(&json_in(outcome));
    out(&crate::selftest::evaluate(mode_in(mode), &candidates, &outcome))
}

/// Parses the popup's ICE-server box into `{ servers }`, or `{ error, errorText }` naming the bad line
/// (English, and `{id, args}` for `_locales`).
#[wasm_bindgen(js_name = parseIceServers)]
pub fn parse_ice_servers(text: &str) -> JsValue {
    #[derive(Serialize)]
    #[serde(untagged)]
    enum Parsed {
        Ok { servers: Vec<config::IceServer> },
        Err { error: String, #[serde(rename = "errorText")] error_text: Msg },
    }
    out(&match crate::selftest::parse_ice_server_lines(text) {
        Ok(servers) => Parsed::Ok { servers },
        Err(m) => Parsed::Err { error: m.english(), error_text: m },
    })
}

/// The text the popup's ICE-server box shows for a server list.
#[wasm_bindgen(js_name = iceServerLines)]
pub fn ice_server_lines(servers: JsValue) -> String {
    let servers = config::ice_servers_in(&json_in(servers));
    crate::selftest::ice_server_lines(&servers)
}
