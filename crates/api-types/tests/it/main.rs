//! The generated TypeScript SDK must match the wire types. Run with `UPDATE_GENERATED=1` to
//! rewrite it after changing a type.

use std::path::PathBuf;

fn sdk_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../sdk/ts/tollgate.ts")
}

#[test]
fn typescript_sdk_is_fresh() {
    let generated = tollgate_api_types::typescript();
    let path = sdk_path();
    if std::env::var_os("UPDATE_GENERATED").is_some() {
        std::fs::write(&path, &generated).expect("write sdk/ts/tollgate.ts");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "sdk/ts/tollgate.ts is stale: run `UPDATE_GENERATED=1 cargo test -p tollgate-api-types`"
    );
}

#[test]
fn spend_limit_names_match_coders_sdk() {
    let ts = tollgate_api_types::typescript();
    for name in [
        "ChatUsageLimitPeriod",
        "ChatUsageLimitConfig",
        "ChatUsageLimitConfigResponse",
        "ChatUsageLimitOverride",
        "ChatUsageLimitGroupOverride",
        "UpsertChatUsageLimitOverrideRequest",
        "UpsertChatUsageLimitGroupOverrideRequest",
        "ChatUsageLimitStatus",
        "ChatUsageLimitExceededResponse",
    ] {
        assert!(ts.contains(&format!("export type {name} =")), "{name} missing");
    }
}

#[test]
fn secrets_never_show_in_debug() {
    use tollgate_api_types::*;
    let login =
        LoginWithPasswordRequest { email: "a@b.c".into(), password: "hunter2-secret".into() };
    let key = GenerateApiKeyResponse { key: "abcdefghij-secretsecretsecretsecret".into() };
    let provider = CreateChatProviderConfigRequest {
        provider: "openai".into(),
        api_key: Some("sk-secret".into()),
        ..Default::default()
    };
    let shown = format!("{login:?} {key:?} {provider:?}");
    assert!(shown.contains("a@b.c") && shown.contains("openai"), "{shown}");
    for secret in ["hunter2-secret", "secretsecret", "sk-secret"] {
        assert!(!shown.contains(secret), "{shown}");
    }
}
