//! Building providers from configuration.

use tollgate_llm::{BuildError, ProviderKind, ProviderOptions, Secret, build};

use crate::{KEY, request, run};

fn http() -> reqwest::Client {
    ProviderOptions::default().http_client().expect("http client")
}

#[tokio::test]
async fn simulated_needs_no_key_or_network() {
    let p = build("simulated", None, None, http()).expect("build");
    assert_eq!(p.kind(), ProviderKind::Simulated);
    let (completion, err) = run(&*p, request("sim-1")).await;
    assert_eq!(err, None);
    assert!(completion.is_done());
}

#[test]
fn every_kind_builds() {
    let key = || Some(Secret::new(KEY));
    for kind in ProviderKind::ALL {
        let base = (kind == ProviderKind::OpenAiCompat).then_some("http://127.0.0.1:1/v1");
        let p = build(kind.as_str(), key(), base, http()).expect("build");
        assert_eq!(p.kind(), kind);
        assert!(!format!("{p:?}").contains(KEY), "key in provider Debug");
    }
}

#[test]
fn configuration_errors() {
    let err = |kind, key: Option<&str>, base| {
        build(kind, key.map(Secret::new), base, http()).expect_err("error")
    };
    assert_eq!(err("gemini", Some(KEY), None), BuildError::UnknownKind("gemini".into()));
    assert_eq!(err("openai", None, None), BuildError::MissingApiKey("openai"));
    assert_eq!(err("anthropic", Some("  "), None), BuildError::MissingApiKey("anthropic"));
    assert_eq!(err("openai-compat", None, None), BuildError::MissingBaseUrl("openai-compat"));
    assert!(matches!(err("openai", Some(KEY), Some("not a url")), BuildError::InvalidBaseUrl(_)));
    assert_eq!(err("openai", Some("bad\nkey"), None), BuildError::InvalidApiKey);
    // openai-compat may run without a key (Ollama, vLLM).
    assert!(build("openai-compat", None, Some("http://127.0.0.1:1/v1"), http()).is_ok());
}

#[test]
fn secret_never_prints() {
    let secret = Secret::new(KEY);
    assert_eq!(format!("{secret}"), "***");
    assert_eq!(format!("{secret:?}"), "***");
    assert_eq!(secret.expose(), KEY);
}
