//! The conformance test of spec §17: every shared fixture folder, state and plan, against
//! Coder's own goldens, compared as parsed JSON on the keys the spec names.

use std::path::{Path, PathBuf};

use serde_json::Value;
use tollgate_terraform::{convert, golden::to_coder_golden};

pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/coder-terraform")
}

pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// Every fixture folder, sorted.
pub fn folders() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(fixtures_dir())
        .expect("fixture folder ../shared/fixtures/coder-terraform beside the repo")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

/// `(json, dot, golden)` for a step (`state` or `plan`) when all three exist.
pub fn case(dir: &Path, step: &str) -> Option<(String, String, String)> {
    let name = dir.file_name()?.to_str()?;
    let json = dir.join(format!("{name}.tf{step}.json"));
    let dot = dir.join(format!("{name}.tf{step}.dot"));
    let golden = dir.join(format!("converted_state.{step}.golden"));
    if !(json.exists() && dot.exists() && golden.exists()) {
        return None;
    }
    Some((read(&json), read(&dot), read(&golden)))
}

/// The golden's comparable part: the keys of §17, preset parameters sorted by name.
fn comparable(golden: &Value, actual: &Value) -> (Value, Value) {
    let mut keys =
        vec!["Resources", "Parameters", "Presets", "ExternalAuthProviders", "HasExternalAgents"];
    for optional in ["AITasks", "HasAITasks"] {
        if golden.get(optional).is_some() {
            keys.push(optional);
        }
    }
    let pick = |v: &Value| {
        let mut out = serde_json::Map::new();
        for k in &keys {
            let mut item = v.get(*k).cloned().unwrap_or(Value::Null);
            if *k == "Presets" {
                sort_preset_parameters(&mut item);
            }
            out.insert((*k).to_owned(), item);
        }
        Value::Object(out)
    };
    (pick(golden), pick(actual))
}

fn sort_preset_parameters(presets: &mut Value) {
    for preset in presets.as_array_mut().into_iter().flatten() {
        if let Some(params) = preset.get_mut("parameters").and_then(Value::as_array_mut) {
            params.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
        }
    }
}

/// Run one case; `Err` describes the mismatch.
fn check(json: &str, dot: &str, golden: &str) -> Result<(), String> {
    let expected: Value = serde_json::from_str(golden).map_err(|e| format!("bad golden: {e}"))?;
    let result = convert(json, dot);
    match (&expected, result) {
        (Value::String(want), Err(err)) if err.to_string() == *want => Ok(()),
        (Value::String(want), Err(err)) => {
            Err(format!("error {:?}, want {want:?}", err.to_string()))
        }
        (Value::String(want), Ok(_)) => Err(format!("converted, want error {want:?}")),
        (_, Err(err)) => Err(format!("unexpected error: {err}")),
        (_, Ok(conv)) => {
            let text = to_coder_golden(&conv.state);
            let actual: Value =
                serde_json::from_str(&text).map_err(|e| format!("bad output: {e}"))?;
            let (want, got) = comparable(&expected, &actual);
            if want == got {
                Ok(())
            } else {
                Err(format!(
                    "mismatch\n--- want\n{}\n--- got\n{}",
                    serde_json::to_string_pretty(&want).unwrap_or_default(),
                    serde_json::to_string_pretty(&got).unwrap_or_default()
                ))
            }
        }
    }
}

#[test]
fn every_fixture_matches_its_golden() {
    let mut ran = 0;
    let mut failures = Vec::new();
    for dir in folders() {
        for step in ["state", "plan"] {
            let Some((json, dot, golden)) = case(&dir, step) else { continue };
            ran += 1;
            if let Err(why) = check(&json, &dot, &golden) {
                failures.push(format!("{} ({step}): {why}", dir.display()));
            }
        }
    }
    assert!(ran >= 18, "expected every shared fixture folder, ran only {ran} cases");
    assert!(
        failures.is_empty(),
        "{} of {ran} cases failed:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn goldens_are_byte_identical() {
    // Beyond JSON equality: the encoding itself (field order, indentation, omitted fields).
    let mut compared = 0;
    for dir in folders() {
        for step in ["state", "plan"] {
            let Some((json, dot, golden)) = case(&dir, step) else { continue };
            let Ok(conv) = convert(&json, &dot) else { continue };
            assert_eq!(to_coder_golden(&conv.state), golden, "{} ({step})", dir.display());
            compared += 1;
        }
    }
    assert!(compared >= 20, "compared only {compared}");
}
