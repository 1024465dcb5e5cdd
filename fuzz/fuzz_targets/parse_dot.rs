//! `terraform graph` (DOT) parsing must never panic nor overflow the stack.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = tollgate_terraform::parse_dot(text);
    }
});
