//! The whole conversion on fuzzed input: the bytes before the first NUL are the JSON, the
//! rest the DOT. Every output view is rendered too, since they walk the whole result.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (json, dot) = text.split_once('\0').unwrap_or((text, "digraph {}"));
    let mut n = 0u64;
    let next_id = &mut || {
        n += 1;
        format!("app-{n}")
    };
    if let Ok(conv) = tollgate_terraform::convert_with_app_ids(json, dot, next_id) {
        let _ = tollgate_terraform::golden::to_coder_golden(&conv.state);
        let _ = tollgate_terraform::json::to_json(&conv);
        let _ = tollgate_terraform::tree::render_tree(&conv);
    }
});
