//! Integration tests: each HTTP client against a local fake upstream speaking the provider's
//! wire format, plus the simulated provider and the config constructor.

mod anthropic;
mod build;
mod fake;
mod openai;
mod simulated;

use std::sync::Arc;
use std::time::Duration;

use tollgate_llm::{
    Completion, CompletionRequest, Message, Provider, ProviderError, ProviderOptions, Secret,
    build_with_options, collect,
};

/// Recognisable, so a leak in any error text is easy to assert.
pub const KEY: &str = "sk-test-SECRETKEY-0123456789abcdef";

/// Short idle timeout so hang tests end quickly; no simulated delay.
pub fn options() -> ProviderOptions {
    ProviderOptions {
        idle_timeout: Duration::from_millis(300),
        simulated_delta_delay: Duration::ZERO,
        ..ProviderOptions::default()
    }
}

pub fn provider(kind: &str, base_url: &str) -> Arc<dyn Provider> {
    let opts = options();
    let http = opts.http_client().expect("http client");
    build_with_options(kind, Some(Secret::new(KEY)), Some(base_url), http, &opts)
        .expect("build provider")
}

pub fn request(model: &str) -> CompletionRequest {
    CompletionRequest {
        model: model.into(),
        messages: vec![
            Message::system("You are terse."),
            Message::user("Say hello."),
            Message::assistant("Hello."),
            Message::user("Again, please."),
        ],
        max_output_tokens: None,
        temperature: Some(0.2),
        ..Default::default()
    }
}

/// Runs one call to the end; an error before the stream starts comes back with an empty
/// completion. Bounded, so a client bug fails the test instead of hanging it.
pub async fn run(
    provider: &dyn Provider,
    req: CompletionRequest,
) -> (Completion, Option<ProviderError>) {
    let call = async {
        match provider.stream(req).await {
            Ok(stream) => collect(stream).await,
            Err(e) => (Completion::default(), Some(e)),
        }
    };
    tokio::time::timeout(Duration::from_secs(10), call).await.expect("call did not finish")
}

/// The error of a call that must fail, checked for key leaks.
pub fn expect_error(result: (Completion, Option<ProviderError>)) -> (Completion, ProviderError) {
    let (completion, error) = result;
    let error = error.expect("call should fail");
    assert_no_key(&error);
    (completion, error)
}

pub fn assert_no_key(error: &ProviderError) {
    let display = error.to_string();
    let debug = format!("{error:?}");
    assert!(!display.contains(KEY), "key in Display: {display}");
    assert!(!debug.contains(KEY), "key in Debug: {debug}");
    assert!(!display.contains("SECRETKEY"), "key fragment in Display: {display}");
}
