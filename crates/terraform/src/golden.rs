//! Coder's golden encoding (spec §12): the normalisation its golden test applies, then Go's
//! `json.MarshalIndent(state, "", "  ")` plus a newline.

use sha2::{Digest, Sha256};

use crate::model::{App, State};

/// Sort and re-id the state as Coder's golden test does before comparing.
pub fn normalize(state: &mut State) {
    // Stable sorts: equal keys keep conversion order, like Go's sort.Slice on short lists.
    state.resources.sort_by(|a, b| (&a.name, &a.type_).cmp(&(&b.name, &b.type_)));
    for resource in &mut state.resources {
        resource.agents.sort_by(|a, b| a.name.cmp(&b.name));
        for agent in &mut resource.agents {
            normalize_apps(&mut agent.apps);
            agent.extra_envs.sort_by(|a, b| a.name.cmp(&b.name));
            agent.scripts.sort_by(|a, b| a.display_name.cmp(&b.display_name));
            agent.devcontainers.sort_by(|a, b| a.name.cmp(&b.name));
            for dc in &mut agent.devcontainers {
                normalize_apps(&mut dc.apps);
            }
        }
    }
    state.external_auth_providers.sort_by(|a, b| a.id.cmp(&b.id));
}

fn normalize_apps(apps: &mut [App]) {
    apps.sort_by(|a, b| a.slug.cmp(&b.slug));
    for app in apps {
        app.id = golden_app_id(&app.slug, &app.display_name);
    }
}

/// The deterministic app id of the golden test: the first 16 bytes of
/// SHA-256(slug + display_name), printed as a UUID (version bits untouched).
pub fn golden_app_id(slug: &str, display_name: &str) -> String {
    let digest = Sha256::new().chain_update(slug).chain_update(display_name).finalize();
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

/// The normalised state in Coder's golden encoding, tokens included (as Coder prints them).
pub fn to_coder_golden(state: &State) -> String {
    let mut state = state.clone();
    normalize(&mut state);
    let mut out = to_go_json_indent(&state);
    out.push('\n');
    out
}

/// Go's `MarshalIndent` with two spaces. serde_json's pretty printer lays JSON out the same way;
/// Go additionally escapes `<`, `>`, `&`, U+2028 and U+2029, which can only occur inside
/// strings, so replacing them afterwards is safe.
pub fn to_go_json_indent<T: serde::Serialize>(value: &T) -> String {
    let text = serde_json::to_string_pretty(value).unwrap_or_default();
    if !text.contains(['<', '>', '&', '\u{2028}', '\u{2029}']) {
        return text;
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}
