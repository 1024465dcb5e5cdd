//! The web console (docs/web-console.md) in a real Chromium: Playwright for Python from PyPI,
//! installed into a virtualenv under `target/`, drives Debian's `chromium` (never a downloaded
//! browser) against a real `tollgate serve` with the offline `simulated` model. One script, one
//! browser: first user, sign out and in, limits, a member chatting to the refusal alert, an
//! override raised and the chat going on, a workspace from a fixture, every page at 375 px and
//! 1440 px with no console error, and a keyboard-only sign-in.
//!
//! `TOLLGATE_SCREENSHOTS=docs/screenshots cargo test -p tollgate-cli --test it console` also
//! writes every page at both widths there (README).

use crate::support::{python_venv, serve, sqlite};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Pinned: what the test proves works (its wheel carries the driver; no browser download).
const PLAYWRIGHT: &str = "playwright==1.65.2";
const CHROMIUM: &str = "/usr/bin/chromium";
const FIXTURES: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/fixtures/coder-terraform");

/// Outside CI a machine without Chromium, Python or PyPI skips; in CI that fails the test.
fn skip(why: &str) {
    assert!(std::env::var_os("CI").is_none(), "{why}");
    eprintln!("skipping the browser test: {why}");
}

/// Amounts and how core's `Micros` shows them: the page must show the same text.
fn money_samples() -> String {
    let micros = [0, 1, 2_985, 69, 300, 1_500_000, 35_000_000, 123_456_789, -1_500_000];
    let samples: Vec<(i64, String)> =
        micros.iter().map(|&m| (m, tollgate_core::Micros::new(m).to_string())).collect();
    serde_json::to_string(&samples).expect("samples")
}

#[test]
fn web_console_in_chromium() {
    if !Path::new(CHROMIUM).exists() {
        return skip("no /usr/bin/chromium (apt-get install -y chromium)");
    }
    let Some(python) = python_venv("python-console", &[PLAYWRIGHT]) else { return };
    let (_dir, url) = sqlite();
    let server = serve(&url);
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/console/console.py");
    let mut cmd = Command::new(python);
    cmd.arg(script).args([&server.url, FIXTURES]).env("CHROMIUM", CHROMIUM);
    cmd.env("TOLLGATE_MONEY_SAMPLES", money_samples());
    if let Some(dir) = std::env::var_os("TOLLGATE_SCREENSHOTS") {
        // Relative to the repository, as the README's command is run from there.
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..").join(dir);
        std::fs::create_dir_all(&dir).expect("screenshot dir");
        cmd.arg(dir);
    }
    let out = cmd.output().expect("run the Playwright script");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}\nserver log:\n{}",
        String::from_utf8_lossy(&out.stderr),
        server.log_text()
    );
    let seen: serde_json::Value = serde_json::from_str(stdout.trim()).expect("the script's JSON");
    assert!(seen["answers_before_refusal"].as_u64().is_some_and(|n| n >= 1), "{seen}");
    assert_eq!(seen["errors"], serde_json::json!([]), "{seen}");
}
