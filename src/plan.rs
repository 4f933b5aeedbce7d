//! What each mode asks of each browser's privacy settings, and who really controls them.
//!
//! The JS side only carries these answers to `chrome.privacy` / `browser.privacy`; every choice
//! (which value, clear or set, how to read `levelOfControl`) is made here.

use serde::Serialize;

use crate::verdict::Mode;

/// The two browser families IceVeil ships for (one `manifest.json`, two packages).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Browser {
    Chrome,
    Firefox,
}

impl Browser {
    /// Parses `"chrome"` / `"firefox"`; anything else is treated as Chrome, whose settings are a
    /// subset of Firefox's, so a wrong guess can never ask for a value the browser lacks.
    pub fn parse(s: &str) -> Browser {
        if s.eq_ignore_ascii_case("firefox") {
            Browser::Firefox
        } else {
            Browser::Chrome
        }
    }
}

/// One action on one browser setting.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
pub enum SettingAction {
    /// `setting.set({ value })`.
    Set { value: serde_json::Value },
    /// `setting.clear({})`: IceVeil releases control; the browser's own value returns.
    Clear,
    /// The browser has no such setting.
    Unsupported,
}

/// Everything one mode asks of one browser.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SettingsPlan {
    pub mode: Mode,
    pub browser: Browser,
    /// `privacy.network.webRTCIPHandlingPolicy`.
    pub ip_handling_policy: SettingAction,
    /// `privacy.network.peerConnectionEnabled` (Firefox only).
    pub peer_connection_enabled: SettingAction,
    /// Whether the page layer (layer 2) filters candidates in this mode.
    pub page_layer: bool,
}

/// The strictest `webRTCIPHandlingPolicy` value each browser has.
pub fn strictest_policy(browser: Browser) -> &'static str {
    match browser {
        Browser::Chrome => "disable_non_proxied_udp",
        Browser::Firefox => "proxy_only",
    }
}

/// The settings plan for `mode` in `browser`.
///
/// `proxy-only` in Firefox uses `proxy_only`, not `disable_non_proxied_udp`: since Firefox 70
/// `disable_non_proxied_udp` only restricts WebRTC *when a proxy is configured* and lets direct
/// UDP through otherwise (pref `proxy_only_if_behind_proxy`), while `proxy_only` allows nothing
/// but TURN over TCP through the proxy, and nothing at all without one. That is what Chromium's
/// `disable_non_proxied_udp` does (no proxy: no candidates), and what the mode promises: WebRTC
/// never takes a route that bypasses the proxy.
pub fn plan(mode: Mode, browser: Browser) -> SettingsPlan {
    let set = |v: &str| SettingAction::Set {
        value: serde_json::Value::String(v.to_owned()),
    };
    let ip_handling_policy = match mode {
        Mode::Off => SettingAction::Clear,
        Mode::HideLocal => set("default_public_interface_only"),
        Mode::ProxyOnly | Mode::Disable => set(strictest_policy(browser)),
    };
    let peer_connection_enabled = match (browser, mode) {
        (Browser::Chrome, _) => SettingAction::Unsupported,
        (Browser::Firefox, Mode::Disable) => SettingAction::Set {
            value: serde_json::Value::Bool(false),
        },
        (Browser::Firefox, _) => SettingAction::Clear,
    };
    SettingsPlan {
        mode,
        browser,
        ip_handling_policy,
        peer_connection_enabled,
        page_layer: mode != Mode::Off,
    }
}

/// Who holds a browser setting, as the popup reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Controller {
    /// IceVeil set the value that is in force.
    Iceveil,
    /// Nobody overrides the browser default; IceVeil could take control.
    Browser,
    /// Another extension holds the setting and outranks IceVeil.
    OtherExtension,
    /// An enterprise policy (Chromium `WebRtcIPHandling`, a locked Firefox pref) forces a value.
    Policy,
    /// The browser refuses control and no forced value is visible.
    NotControllable,
    /// `levelOfControl` had a value this build does not know: reported, never trusted.
    Unknown,
}

/// The honest reading of one `ChromeSetting.get()` result.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ControlStatus {
    pub controller: Controller,
    /// IceVeil's `set()`/`clear()` can take effect.
    pub can_control: bool,
    /// The value in force is the one the mode wants.
    pub in_effect: bool,
    /// IceVeil should (re-)apply its wanted value now.
    pub should_apply: bool,
}

/// Reads `levelOfControl` and the current value against what the mode wants.
///
/// `wanted` is `None` when the mode releases the setting (`off`): then any value is "in effect"
/// unless IceVeil itself still holds it. Chromium reports `not_controllable` both for an
/// enterprise policy and for other locks; when the forced value differs from the browser
/// default we call it a policy, since only a policy can force a value there.
pub fn control_status(
    level_of_control: &str,
    value: &serde_json::Value,
    wanted: Option<&serde_json::Value>,
    default_value: &serde_json::Value,
) -> ControlStatus {
    let controller = match level_of_control {
        "controlled_by_this_extension" => Controller::Iceveil,
        "controllable_by_this_extension" => Controller::Browser,
        "controlled_by_other_extensions" => Controller::OtherExtension,
        "not_controllable" if value != default_value => Controller::Policy,
        "not_controllable" => Controller::NotControllable,
        _ => Controller::Unknown,
    };
    let can_control = matches!(controller, Controller::Iceveil | Controller::Browser);
    let in_effect = match wanted {
        Some(w) => value == w,
        None => controller != Controller::Iceveil,
    };
    ControlStatus {
        controller,
        can_control,
        in_effect,
        should_apply: can_control && !in_effect,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn off_clears_and_never_sets_default() {
        for b in [Browser::Chrome, Browser::Firefox] {
            let p = plan(Mode::Off, b);
            assert_eq!(p.ip_handling_policy, SettingAction::Clear);
            assert!(!p.page_layer);
        }
    }

    #[test]
    fn modes_map_to_documented_values() {
        let v = |m, b| match plan(m, b).ip_handling_policy {
            SettingAction::Set { value } => value,
            other => panic!("expected set, got {other:?}"),
        };
        assert_eq!(v(Mode::HideLocal, Browser::Chrome), json!("default_public_interface_only"));
        assert_eq!(v(Mode::HideLocal, Browser::Firefox), json!("default_public_interface_only"));
        assert_eq!(v(Mode::ProxyOnly, Browser::Chrome), json!("disable_non_proxied_udp"));
        assert_eq!(v(Mode::ProxyOnly, Browser::Firefox), json!("proxy_only"));
        assert_eq!(v(Mode::Disable, Browser::Chrome), json!("disable_non_proxied_udp"));
        assert_eq!(
            plan(Mode::Disable, Browser::Firefox).peer_connection_enabled,
            SettingAction::Set { value: json!(false) }
        );
        assert_eq!(
            plan(Mode::HideLocal, Browser::Firefox).peer_connection_enabled,
            SettingAction::Clear
        );
        assert_eq!(
            plan(Mode::Disable, Browser::Chrome).peer_connection_enabled,
            SettingAction::Unsupported
        );
    }

    #[test]
    fn control_levels_are_reported_honestly() {
        let d = json!("default");
        let want = json!("default_public_interface_only");
        let s = control_status("controllable_by_this_extension", &d, Some(&want), &d);
        assert_eq!(s.controller, Controller::Browser);
        assert!(s.should_apply);
        let s = control_status("controlled_by_this_extension", &want, Some(&want), &d);
        assert_eq!((s.controller, s.in_effect, s.should_apply), (Controller::Iceveil, true, false));
        let s = control_status("controlled_by_other_extensions", &d, Some(&want), &d);
        assert_eq!((s.controller, s.can_control, s.in_effect), (Controller::OtherExtension, false, false));
        let s = control_status("not_controllable", &want, Some(&json!("disable_non_proxied_udp")), &d);
        assert_eq!((s.controller, s.should_apply), (Controller::Policy, false));
        let s = control_status("not_controllable", &d, Some(&want), &d);
        assert_eq!(s.controller, Controller::NotControllable);
        let s = control_status("surprise", &d, Some(&want), &d);
        assert_eq!((s.controller, s.can_control), (Controller::Unknown, false));
    }

    #[test]
    fn off_is_in_effect_once_released() {
        let d = json!("default");
        assert!(control_status("controllable_by_this_extension", &d, None, &d).in_effect);
        let held = control_status("controlled_by_this_extension", &json!("proxy_only"), None, &d);
        assert!(!held.in_effect);
        assert!(held.should_apply);
    }
}
