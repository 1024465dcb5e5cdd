//! Anthropic Messages streaming against a fake upstream.

use std::time::Duration;

use tollgate_llm::{StopReason, Usage};

use crate::fake::{Fake, Part, Reply, event};
use crate::{KEY, expect_error, provider, request, run};

fn message_start() -> Part {
    event(
        "message_start",
        r#"{"type":"message_start","message":{"id":"msg_01XFDUDYJgAACzvnptvVoYEL","type":"message","role":"assistant","content":[],"model":"claude-sonnet-4-5-20250929","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":472,"cache_creation_input_tokens":1200,"cache_read_input_tokens":3000,"output_tokens":2,"service_tier":"standard"}}}"#,
    )
}

fn block_start(index: u32, block: &str) -> Part {
    event(
        "content_block_start",
        &format!(r#"{{"type":"content_block_start","index":{index},"content_block":{block}}}"#),
    )
}

fn block_delta(index: u32, delta: &str) -> Part {
    event(
        "content_block_delta",
        &format!(r#"{{"type":"content_block_delta","index":{index},"delta":{delta}}}"#),
    )
}

fn text(index: u32, text: &str) -> Part {
    block_delta(index, &format!(r#"{{"type":"text_delta","text":"{text}"}}"#))
}

fn block_stop(index: u32) -> Part {
    event("content_block_stop", &format!(r#"{{"type":"content_block_stop","index":{index}}}"#))
}

fn message_delta() -> Part {
    event(
        "message_delta",
        r#"{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":15}}"#,
    )
}

fn message_stop() -> Part {
    event("message_stop", r#"{"type":"message_stop"}"#)
}

fn ping() -> Part {
    event("ping", r#"{"type": "ping"}"#)
}

fn full_stream() -> Vec<Part> {
    vec![
        message_start(),
        block_start(0, r#"{"type":"thinking","thinking":"","signature":""}"#),
        block_delta(0, r#"{"type":"thinking_delta","thinking":"A greeting is wanted."}"#),
        block_delta(
            0,
            r#"{"type":"signature_delta","signature":"EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds"}"#,
        ),
        block_stop(0),
        block_start(1, r#"{"type":"text","text":""}"#),
        ping(),
        text(1, "Hello"),
        text(1, " again!"),
        block_stop(1),
        message_delta(),
        message_stop(),
    ]
}

fn start_usage() -> Usage {
    Usage {
        input_tokens: 472,
        output_tokens: 2,
        reasoning_tokens: 0,
        cache_read_tokens: 3000,
        cache_creation_tokens: 1200,
    }
}

#[tokio::test]
async fn streams_text_thinking_and_merged_usage() {
    let fake = Fake::start(Reply::Stream(full_stream()), "").await;
    let p = provider("anthropic", &fake.base);
    let (completion, error) = run(&*p, request("claude-sonnet-4-5")).await;
    assert_eq!(error, None);
    assert_eq!(completion.text, "Hello again!");
    assert_eq!(completion.reasoning, "A greeting is wanted.");
    assert_eq!(completion.stop_reason, Some(StopReason::EndTurn));
    let usage = completion.usage.expect("usage");
    assert_eq!(usage, Usage { output_tokens: 15, ..start_usage() });
    assert_eq!(usage.total_tokens(), 472 + 15 + 3000 + 1200);

    let sent = fake.request();
    assert_eq!((sent.method.as_str(), sent.path.as_str()), ("POST", "/v1/messages"));
    assert_eq!(sent.headers["x-api-key"], KEY);
    assert_eq!(sent.headers["anthropic-version"], "2023-06-01");
    assert!(!sent.headers.contains_key("authorization"));
    assert_eq!(sent.body["stream"], true);
    assert_eq!(sent.body["max_tokens"], 4096, "Anthropic requires max_tokens");
    assert_eq!(sent.body["system"], "You are terse.");
    let messages = sent.body["messages"].as_array().expect("messages");
    assert_eq!(messages.len(), 3, "system is not a message");
    assert_eq!(messages[0]["role"], "user");
    assert_eq!(messages[1]["role"], "assistant");
}

#[tokio::test]
async fn base_url_with_v1_is_not_doubled_and_max_tokens_is_passed() {
    let fake = Fake::start(Reply::Stream(full_stream()), "").await;
    let p = provider("anthropic", &format!("{}/v1/", fake.base));
    let mut req = request("claude-haiku-4-5");
    req.max_output_tokens = Some(100);
    let (_, error) = run(&*p, req).await;
    assert_eq!(error, None);
    let sent = fake.request();
    assert_eq!(sent.path, "/v1/messages");
    assert_eq!(sent.body["max_tokens"], 100);
}

#[tokio::test]
async fn http_errors_are_classified_without_the_key() {
    let cases = [
        (401, "authentication_error", "invalid x-api-key", "auth", false),
        (403, "permission_error", "Your API key does not have permission", "auth", false),
        (400, "invalid_request_error", "prompt is too long", "bad_request", false),
        (500, "api_error", "Internal server error", "upstream", true),
        (529, "overloaded_error", "Overloaded", "upstream", true),
    ];
    for (status, kind, message, class, retryable) in cases {
        let body = format!(
            r#"{{"type":"error","error":{{"type":"{kind}","message":"{message} ({KEY})"}},"request_id":"req_011CSHoEeqs5C35K2UUqR7Fy"}}"#
        );
        let fake = Fake::start(Reply::error(status, &body), "").await;
        let p = provider("anthropic", &fake.base);
        let (_, err) = expect_error(run(&*p, request("claude-sonnet-4-5")).await);
        assert_eq!((err.kind(), err.retryable()), (class, retryable), "HTTP {status}");
        assert!(err.to_string().contains(message), "{err}");
    }
}

#[tokio::test]
async fn rate_limit_reads_retry_after() {
    let body = r#"{"type":"error","error":{"type":"rate_limit_error","message":"Number of request tokens has exceeded your per-minute rate limit"}}"#;
    let reply = Reply::error(429, body).with_header("retry-after", "17");
    let fake = Fake::start(reply, "").await;
    let p = provider("anthropic", &fake.base);
    let (_, err) = expect_error(run(&*p, request("claude-sonnet-4-5")).await);
    assert_eq!(err.kind(), "rate_limited");
    assert_eq!(err.retry_after(), Some(Duration::from_secs(17)));
}

#[tokio::test]
async fn error_event_mid_stream_keeps_partial_text_and_usage() {
    let parts = text_block([
        text(0, "Par"),
        event(
            "error",
            r#"{"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}"#,
        ),
    ]);
    let (completion, err) = stream_error(parts).await;
    assert_eq!(completion.text, "Par");
    assert_eq!(completion.usage, Some(start_usage()));
    assert_eq!((err.kind(), err.status(), err.retryable()), ("upstream", Some(529), true));
    assert!(!completion.is_done());
}

#[tokio::test]
async fn dropped_connection_keeps_text_and_input_usage() {
    let parts = text_block([text(0, "Hello"), text(0, " wor"), Part::Drop]);
    let (completion, err) = stream_error(parts).await;
    assert_eq!(completion.text, "Hello wor");
    assert_eq!(completion.usage, Some(start_usage()));
    assert_eq!((err.kind(), err.retryable()), ("connection", true));
}

#[tokio::test]
async fn clean_end_without_message_stop_is_an_error() {
    let parts = vec![message_start(), text(0, "Hi"), message_delta()];
    let (completion, err) = stream_error(parts).await;
    assert_eq!(completion.text, "Hi");
    assert_eq!(completion.usage.map(|u| u.output_tokens), Some(15));
    assert_eq!(err.kind(), "connection");
}

#[tokio::test]
async fn garbage_is_protocol() {
    let parts = vec![message_start(), event("content_block_delta", "{\"type\":")];
    let (completion, err) = stream_error(parts).await;
    assert_eq!(completion.usage, Some(start_usage()));
    assert_eq!((err.kind(), err.retryable()), ("protocol", false));
}

#[tokio::test]
async fn hang_mid_stream_times_out() {
    let parts = vec![message_start(), ping(), text(0, "Wait"), Part::Hang];
    let (completion, err) = stream_error(parts).await;
    assert_eq!(completion.text, "Wait");
    assert_eq!(err.kind(), "timeout");
}

/// The message start with a text block opened (the start of most streamed answers), then `rest`.
fn text_block(rest: impl IntoIterator<Item = Part>) -> Vec<Part> {
    let mut parts = vec![message_start(), block_start(0, r#"{"type":"text","text":""}"#)];
    parts.extend(rest);
    parts
}

/// Streams `parts` from a fake upstream; the completion so far and the error it ended with.
async fn stream_error(parts: Vec<Part>) -> (tollgate_llm::Completion, tollgate_llm::ProviderError) {
    let fake = Fake::start(Reply::Stream(parts), "").await;
    let p = provider("anthropic", &fake.base);
    expect_error(run(&*p, request("claude-sonnet-4-5")).await)
}

#[tokio::test]
async fn tool_use_goes_out_and_streams_back() {
    use tollgate_llm::{Message, Tool, ToolCall, ToolChoice, Tools};
    let stream = vec![
        message_start(),
        block_start(0, r#"{"type":"text","text":""}"#),
        text(0, "Checking."),
        block_stop(0),
        block_start(1, r#"{"type":"tool_use","id":"toolu_1","name":"weather","input":{}}"#),
        block_delta(1, r#"{"type":"input_json_delta","partial_json":""}"#),
        block_delta(1, r#"{"type":"input_json_delta","partial_json":"{\"city\": "}"#),
        block_delta(1, r#"{"type":"input_json_delta","partial_json":"\"Oslo\"}"}"#),
        block_stop(1),
        event(
            "message_delta",
            r#"{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":40}}"#,
        ),
        message_stop(),
    ];
    let fake = Fake::start(Reply::Stream(stream), "").await;
    let p = provider("anthropic", &fake.base);
    let mut req = request("claude");
    let mut asked = Message::assistant("");
    asked.tool_calls =
        vec![ToolCall { id: "toolu_0".into(), name: "weather".into(), arguments: "{}".into() }];
    req.messages = vec![
        Message::system("terse"),
        Message::user("Weather?"),
        asked,
        Message::tool_result("toolu_0", "no city given", true),
    ];
    req.tools = Tools {
        tools: vec![Tool {
            name: "weather".into(),
            description: None,
            parameters: serde_json::json!({"type": "object"}),
        }],
        choice: Some(ToolChoice::Required),
        parallel: None,
    };
    req.stop = vec!["END".into()];
    let (completion, error) = run(&*p, req).await;
    assert_eq!(error, None);
    assert_eq!(completion.text, "Checking.");
    assert_eq!(completion.stop_reason, Some(StopReason::ToolUse));
    assert_eq!(completion.tool_calls.len(), 1);
    let call = &completion.tool_calls[0];
    assert_eq!((call.id.as_str(), call.name.as_str()), ("toolu_1", "weather"));
    assert_eq!(call.arguments, r#"{"city": "Oslo"}"#);

    let sent = fake.request().body;
    assert_eq!(
        sent["tools"],
        serde_json::json!([{"name": "weather", "input_schema": {"type": "object"}}])
    );
    assert_eq!(sent["tool_choice"], serde_json::json!({"type": "any"}));
    assert_eq!(sent["stop_sequences"], serde_json::json!(["END"]));
    assert_eq!(sent["system"], "terse");
    assert_eq!(sent["messages"][1]["content"][0]["type"], "tool_use");
    assert_eq!(
        sent["messages"][2]["content"][0],
        serde_json::json!({"type": "tool_result", "tool_use_id": "toolu_0", "content": "no city given", "is_error": true})
    );
}
