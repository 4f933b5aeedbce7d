//! The JS boundary of the core, run as Wasm in real headless Chromium and Firefox (wasm-bindgen-test).
#![cfg(target_arch = "wasm32")]

use iceveil::bindings::*;
use js_sys::{Array, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn get(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn get_str(v: &JsValue, key: &str) -> Option<String> {
    get(v, key).as_string()
}

/// One candidate through `judgePage`, as the page layer sends it: its verdict object.
fn judge_one(mode: &str, candidate: &str) -> JsValue {
    let r = judge_page(mode, false, vec![candidate.to_string()], vec![], vec![], vec![], vec![], vec![]);
    let verdicts: Array = get(&r, "verdicts").into();
    verdicts.get(0)
}

#[wasm_bindgen_test]
fn candidates_come_back_as_plain_verdict_objects() {
    let host = "candidate:1 1 udp 2122260223 10.0.0.5 54321 typ host generation 0";
    let v = judge_one("hide-local", host);
    assert_eq!(get_str(&v, "action").as_deref(), Some("drop"));
    assert!(get_str(&v, "reason").is_some());
    let v = judge_one("off", host);
    assert_eq!(get_str(&v, "action").as_deref(), Some("allow"));
    let srflx = "candidate:2 1 udp 1686052607 8.8.4.4 61665 typ srflx raddr 10.0.0.5 rport 54321";
    let v = judge_one("hide-local", srflx);
    assert_eq!(get_str(&v, "action").as_deref(), Some("rewrite"));
    let rewritten = get_str(&v, "candidate").unwrap_or_default();
    assert!(!rewritten.contains("10.0.0.5"), "{rewritten}");
    // Page garbage never throws and never passes.
    let v = judge_one("hide-local", "candidate:\u{0}\u{ffff} garbage");
    assert_eq!(get_str(&v, "action").as_deref(), Some("drop"));
}

#[wasm_bindgen_test]
fn unknown_mode_ids_fall_back_to_the_safe_default() {
    let host = "candidate:1 1 udp 2122260223 192.168.1.2 54321 typ host";
    let v = judge_one("nonsense", host);
    assert_eq!(get_str(&v, "action").as_deref(), Some("drop"));
    assert_eq!(mode_when_enabled(JsValue::from_str("off")), "hide-local");
    assert_eq!(mode_when_enabled(JsValue::UNDEFINED), "hide-local");
    assert_eq!(mode_when_enabled(JsValue::from_str("proxy-only")), "proxy-only");
    assert!(is_mode_id(JsValue::from_str("disable")));
    assert!(!is_mode_id(JsValue::from_f64(3.0)));
}

#[wasm_bindgen_test]
fn batches_and_sdps_cross_the_boundary() {
    let list = vec![
        "candidate:1 1 udp 2122260223 10.0.0.5 54321 typ host".to_string(),
        "candidate:2 1 udp 2122260223 6f1c9a3e-1111-2222-3333-444455556666.local 54321 typ host".to_string(),
    ];
    let sdp = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 10.0.0.5\r\na=candidate:1 1 udp 2122260223 10.0.0.5 54321 typ host\r\na=end-of-candidates\r\n";
    let r = judge_page("hide-local", false, list, vec![], vec![sdp.to_string()], vec![], vec![], vec![]);
    let out: Array = get(&r, "verdicts").into();
    assert_eq!(out.length(), 2);
    assert_eq!(get_str(&out.get(0), "action").as_deref(), Some("drop"));
    assert_eq!(get_str(&out.get(1), "action").as_deref(), Some("allow"));

    let sdps: Array = get(&r, "sdps").into();
    let f = sdps.get(0);
    let text = get_str(&f, "sdp").unwrap_or_default();
    assert!(!text.contains("10.0.0.5"), "{text}");
    assert!(text.contains("a=end-of-candidates\r\n"));
    assert_eq!(get(&f, "removed").as_f64(), Some(1.0));
}

#[wasm_bindgen_test]
fn settings_are_validated_at_the_boundary() {
    let user = js_sys::JSON::parse(r#"{"mode":"warp-speed"}"#).unwrap();
    let r = resolve_settings(user, JsValue::UNDEFINED);
    let settings = get(&r, "settings");
    assert_eq!(get_str(&settings, "mode").as_deref(), Some("hide-local"));
    let issues: Array = get(&r, "userIssues").into();
    assert_eq!(issues.length(), 1);
    // Each issue carries its English sentence and the same as a `_locales` id with arguments.
    let text = get(&issues.get(0), "text");
    assert_eq!(get_str(&text, "id").as_deref(), Some("core_modeUnknown"));
    assert_eq!(Array::from(&get(&text, "args")).get(0).as_string().as_deref(), Some("warp-speed"));
    assert!(get_str(&issues.get(0), "message").unwrap_or_default().contains("warp-speed"));
    let managed = js_sys::JSON::parse(r#"{"mode":"proxy-only","locked":true}"#).unwrap();
    let r = resolve_settings(JsValue::NULL, managed);
    let settings = get(&r, "settings");
    assert_eq!(get_str(&settings, "mode").as_deref(), Some("proxy-only"));
    assert_eq!(get(&settings, "locked").as_bool(), Some(true));
}

#[wasm_bindgen_test]
fn plans_and_control_status() {
    let p = settings_plan("proxy-only", "firefox");
    let policy = get(&p, "ipHandlingPolicy");
    assert_eq!(get_str(&policy, "value").as_deref(), Some("proxy_only"));
    let s = control_status(
        "not_controllable",
        JsValue::from_str("default_public_interface_only"),
        JsValue::from_str("disable_non_proxied_udp"),
        JsValue::from_str("default"),
    );
    assert_eq!(get_str(&s, "controller").as_deref(), Some("policy"));
}

#[wasm_bindgen_test]
fn judge_page_answers_a_whole_request() {
    let v = |l: &[&str]| l.iter().map(|s| s.to_string()).collect::<Vec<String>>();
    let r = judge_page(
        "hide-local",
        false,
        v(&["candidate:1 1 udp 2122260223 10.77.0.2 54321 typ host"]),
        vec![],
        vec![],
        v(&["[fd00::2]", "8.8.8.8", ""]),
        v(&["candidate:2 1 udp 2122260223 192.168.1.1 9 typ host"]),
        vec![],
    );
    let remote: Array = get(&r, "remote").into();
    assert_eq!(remote.get(0).as_bool(), Some(false), "a LAN probe is refused");
    assert_eq!(get_str(&r, "mode").as_deref(), Some("hide-local"));
    let verdicts: Array = get(&r, "verdicts").into();
    assert_eq!(get_str(&verdicts.get(0), "action").as_deref(), Some("drop"));
    assert_eq!(get(&r, "filtered").as_f64(), Some(1.0));
    let hidden: Array = get(&r, "addresses").into();
    assert_eq!(hidden.get(0).as_bool(), Some(true));
    assert_eq!(hidden.get(1).as_bool(), Some(false));
    assert_eq!(hidden.get(2).as_bool(), Some(false));
}

#[wasm_bindgen_test]
fn js_values_are_read_as_json_by_hand() {
    // Whole numbers arrive as integers: one STUN server asked, one error, no srflx: "no-stun-answer".
    let outcome = js_sys::JSON::parse(r#"{"webrtcAvailable":true,"completed":true,"iceServers":1,"candidateErrors":1}"#).unwrap();
    let r = self_test_report("hide-local", vec![], outcome);
    assert_eq!(get_str(&r, "summary").as_deref(), Some("no-stun-answer"));
    // No server asked: nothing revealed. A mistyped count reads as 0 instead of failing the outcome.
    let outcome = js_sys::JSON::parse(r#"{"webrtcAvailable":true,"completed":true,"iceServers":"1","candidateErrors":1}"#).unwrap();
    assert_eq!(get_str(&self_test_report("hide-local", vec![], outcome), "summary").as_deref(), Some("nothing-revealed"));
    // Nested objects and lists; an unusable entry is left out.
    let servers = js_sys::JSON::parse(r#"[{"urls":["turn:10.1.2.3:3478"],"username":"u","credential":"c"},"stun:stun.example.org:3478",{"urls":5},null]"#).unwrap();
    let lines = ice_server_lines(servers);
    assert!(lines.contains("turn:10.1.2.3:3478"), "{lines}");
    assert!(lines.contains("stun:stun.example.org:3478"), "{lines}");
    assert_eq!(lines.lines().count(), 2, "{lines}");
    // Values JSON has no form for are "not set": the safe default.
    let r = resolve_settings(js_sys::Function::new_no_args("return 1").into(), JsValue::from_f64(f64::NAN));
    assert_eq!(get_str(&get(&r, "settings"), "mode").as_deref(), Some("hide-local"));
    // A cycle is cut at depth 32, not followed forever.
    let cyclic = js_sys::Object::new();
    Reflect::set(&cyclic, &JsValue::from_str("mode"), &JsValue::from_str("proxy-only")).unwrap();
    Reflect::set(&cyclic, &JsValue::from_str("self"), &cyclic).unwrap();
    let r = resolve_settings(cyclic.into(), JsValue::UNDEFINED);
    assert_eq!(get_str(&get(&r, "settings"), "mode").as_deref(), Some("proxy-only"));
}

#[wasm_bindgen_test]
fn server_box_errors_carry_a_message_id() {
    let r = parse_ice_servers("stun:ok.example:3478\nhttp://x");
    assert!(get_str(&r, "error").unwrap_or_default().starts_with("line 2: "));
    let text = get(&r, "errorText");
    assert_eq!(get_str(&text, "id").as_deref(), Some("core_line"));
    let args = Array::from(&get(&text, "args"));
    assert_eq!(args.get(0).as_string().as_deref(), Some("2"));
    assert_eq!(get_str(&args.get(1), "id").as_deref(), Some("core_serverScheme"));
    assert!(get(&parse_ice_servers("stun:ok.example:3478"), "errorText").is_undefined());
}
