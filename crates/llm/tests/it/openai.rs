//! OpenAI Chat Completions streaming against a fake upstream.

use std::time::Duration;

use tollgate_llm::{StopReason, Usage};

use crate::fake::{Fake, Part, Reply, data};
use crate::{KEY, expect_error, provider, request, run};

const ID: &str = r#""id":"chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG","object":"chat.completion.chunk","created":1741570283,"model":"gpt-4o-2024-08-06","service_tier":"default","system_fingerprint":"fp_f9f4fb6dbf""#;

/// A chunk with one choice; `delta` and `finish` are raw JSON.
fn chunk(delta: &str, finish: &str) -> Part {
    data(&format!(
        r#"{{{ID},"choices":[{{"index":0,"delta":{delta},"logprobs":null,"finish_reason":{finish}}}],"usage":null}}"#
    ))
}

fn content(text: &str) -> Part {
    chunk(&format!(r#"{{"content":"{text}"}}"#), "null")
}

/// The final chunk `stream_options.include_usage` adds: no choices, the whole call's usage.
fn usage_chunk() -> Part {
    data(&format!(
        r#"{{{ID},"choices":[],"usage":{{"prompt_tokens":2006,"completion_tokens":300,"total_tokens":2306,"prompt_tokens_details":{{"cached_tokens":1920,"audio_tokens":0}},"completion_tokens_details":{{"reasoning_tokens":192,"audio_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}}}}}"#
    ))
}

fn expected_usage() -> Usage {
    Usage {
        input_tokens: 86,
        output_tokens: 300,
        reasoning_tokens: 192,
        cache_read_tokens: 1920,
        cache_creation_tokens: 0,
    }
}

fn full_stream() -> Vec<Part> {
    vec![
        chunk(r#"{"role":"assistant","content":"","refusal":null}"#, "null"),
        chunk(r#"{"reasoning_content":"User wants a greeting."}"#, "null"),
        content("Hello"),
        content(" again"),
        content("!"),
        chunk("{}", r#""stop""#),
        usage_chunk(),
        data("[DONE]"),
    ]
}

#[tokio::test]
async fn streams_text_reasoning_and_billable_usage() {
    let fake = Fake::start(Reply::Stream(full_stream()), "/v1").await;
    let p = provider("openai", &fake.base);
    let mut req = request("gpt-4o");
    req.max_output_tokens = Some(256);
    let (completion, error) = run(&*p, req).await;
    assert_eq!(error, None);
    assert_eq!(completion.text, "Hello again!");
    assert_eq!(completion.reasoning, "User wants a greeting.");
    assert_eq!(completion.stop_reason, Some(StopReason::EndTurn));
    let usage = completion.usage.expect("usage");
    assert_eq!(usage, expected_usage());
    assert_eq!(usage.total_tokens(), 2306, "matches the provider's total_tokens");

    let sent = fake.request();
    assert_eq!((sent.method.as_str(), sent.path.as_str()), ("POST", "/v1/chat/completions"));
    assert_eq!(sent.headers["authorization"], format!("Bearer {KEY}"));
    assert_eq!(sent.body["model"], "gpt-4o");
    assert_eq!(sent.body["stream"], true);
    assert_eq!(sent.body["stream_options"]["include_usage"], true);
    assert_eq!(sent.body["max_completion_tokens"], 256);
    assert!(sent.body.get("max_tokens").is_none());
    assert_eq!(sent.body["messages"][0]["role"], "system");
    assert_eq!(sent.body["messages"][3]["content"], "Again, please.");
}

#[tokio::test]
async fn compatible_servers_get_max_tokens_and_may_omit_done() {
    let mut parts = full_stream();
    parts.pop(); // no [DONE]: the finish reason already ended the answer
    let fake = Fake::start(Reply::Stream(parts), "/v1").await;
    let p = provider("openai-compat", &fake.base);
    let mut req = request("llama3");
    req.max_output_tokens = Some(64);
    let (completion, error) = run(&*p, req).await;
    assert_eq!(error, None);
    assert_eq!(completion.usage, Some(expected_usage()));
    let sent = fake.request();
    assert_eq!(sent.body["max_tokens"], 64);
    assert!(sent.body.get("max_completion_tokens").is_none());
}

#[tokio::test]
async fn openrouter_reasoning_field_and_comments() {
    let parts = vec![
        Part::Raw(": OPENROUTER PROCESSING\n\n".into()),
        chunk(r#"{"role":"assistant","content":"","reasoning":"Thinking."}"#, "null"),
        content("Hi"),
        chunk("{}", r#""length""#),
        data("[DONE]"),
    ];
    let fake = Fake::start(Reply::Stream(parts), "/api/v1").await;
    let p = provider("openrouter", &fake.base);
    let (completion, error) = run(&*p, request("openai/gpt-4o")).await;
    assert_eq!(error, None);
    assert_eq!((completion.text.as_str(), completion.reasoning.as_str()), ("Hi", "Thinking."));
    assert_eq!(completion.stop_reason, Some(StopReason::MaxTokens));
    assert_eq!(completion.usage, None, "no usage reported is not zero usage");
    assert_eq!(fake.request().path, "/api/v1/chat/completions");
}

#[tokio::test]
async fn unauthorized_is_auth_and_never_shows_the_key() {
    let body = format!(
        r#"{{"error":{{"message":"Incorrect API key provided: {KEY}. You can find your API key at https://platform.openai.com/account/api-keys.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}}}"#
    );
    let fake = Fake::start(Reply::error(401, &body), "/v1").await;
    let p = provider("openai", &fake.base);
    let (_, err) = expect_error(run(&*p, request("gpt-4o")).await);
    assert_eq!((err.kind(), err.status(), err.retryable()), ("auth", Some(401), false));
    assert!(err.to_string().contains("Incorrect API key provided: ***"), "{err}");
}

#[tokio::test]
async fn rate_limited_carries_retry_after() {
    let body = r#"{"error":{"message":"Rate limit reached for gpt-4o in organization org-abc on tokens per min (TPM): Limit 30000, Used 30000, Requested 1200. Please try again in 2.4s.","type":"tokens","param":null,"code":"rate_limit_exceeded"}}"#;
    let reply = Reply::error(429, body).with_header("retry-after", "3");
    let fake = Fake::start(reply, "/v1").await;
    let p = provider("openai", &fake.base);
    let (_, err) = expect_error(run(&*p, request("gpt-4o")).await);
    assert_eq!(err.kind(), "rate_limited");
    assert!(err.retryable());
    assert_eq!(err.retry_after(), Some(Duration::from_secs(3)));
    assert!(err.to_string().contains("retry after 3s"), "{err}");
}

#[tokio::test]
async fn server_error_is_upstream_and_retryable() {
    let body = r#"{"error":{"message":"The server had an error while processing your request. Sorry about that!","type":"server_error","param":null,"code":null}}"#;
    let fake = Fake::start(Reply::error(500, body), "/v1").await;
    let p = provider("openai", &fake.base);
    let (_, err) = expect_error(run(&*p, request("gpt-4o")).await);
    assert_eq!((err.kind(), err.status(), err.retryable()), ("upstream", Some(500), true));
    assert!(err.to_string().contains("The server had an error"), "{err}");
}

#[tokio::test]
async fn bad_request_is_not_retryable() {
    let body = r#"{"error":{"message":"The model `gpt-9` does not exist or you do not have access to it.","type":"invalid_request_error","param":null,"code":"model_not_found"}}"#;
    let fake = Fake::start(Reply::error(404, body), "/v1").await;
    let p = provider("openai", &fake.base);
    let (_, err) = expect_error(run(&*p, request("gpt-9")).await);
    assert_eq!((err.kind(), err.status(), err.retryable()), ("bad_request", Some(404), false));
}

#[tokio::test]
async fn garbage_in_the_stream_is_protocol_after_the_text_so_far() {
    let parts = vec![content("Partial"), data("{not json at all")];
    let fake = Fake::start(Reply::Stream(parts), "/v1").await;
    let p = provider("openai", &fake.base);
    let (completion, err) = expect_error(run(&*p, request("gpt-4o")).await);
    assert_eq!(completion.text, "Partial");
    assert_eq!((err.kind(), err.retryable()), ("protocol", false));
}

#[tokio::test]
async fn html_instead_of_an_event_stream_is_protocol() {
    let parts = vec![Part::Raw("<html><body>502 Bad Gateway</body></html>\n".into())];
    let fake = Fake::start(Reply::Stream(parts), "/v1").await;
    let p = provider("openai", &fake.base);
    let (_, err) = expect_error(run(&*p, request("gpt-4o")).await);
    assert_eq!(err.kind(), "protocol");
}

#[tokio::test]
async fn error_object_mid_stream_is_classified() {
    let parts = vec![
        content("Half"),
        data(
            r#"{"error":{"message":"The server had an error processing your request.","type":"server_error","param":null,"code":null}}"#,
        ),
    ];
    let fake = Fake::start(Reply::Stream(parts), "/v1").await;
    let p = provider("openai", &fake.base);
    let (completion, err) = expect_error(run(&*p, request("gpt-4o")).await);
    assert_eq!(completion.text, "Half");
    assert_eq!(err.kind(), "upstream");
}

#[tokio::test]
async fn dropped_connection_keeps_text_and_usage() {
    let mut parts = full_stream();
    parts.pop(); // lose [DONE]…
    parts.push(Part::Drop); // …because the connection breaks
    let fake = Fake::start(Reply::Stream(parts), "/v1").await;
    let p = provider("openai", &fake.base);
    let (completion, err) = expect_error(run(&*p, request("gpt-4o")).await);
    assert_eq!(completion.text, "Hello again!");
    assert_eq!(completion.usage, Some(expected_usage()));
    assert_eq!((err.kind(), err.retryable()), ("connection", true));
}

#[tokio::test]
async fn dropped_before_usage_leaves_usage_absent() {
    let parts = vec![content("Hel"), Part::Drop];
    let fake = Fake::start(Reply::Stream(parts), "/v1").await;
    let p = provider("openai", &fake.base);
    let (completion, err) = expect_error(run(&*p, request("gpt-4o")).await);
    assert_eq!((completion.text.as_str(), completion.usage), ("Hel", None));
    assert_eq!(err.kind(), "connection");
}

#[tokio::test]
async fn hang_mid_stream_times_out_with_partial_text() {
    let parts = vec![content("Slow"), Part::Hang];
    let fake = Fake::start(Reply::Stream(parts), "/v1").await;
    let p = provider("openai", &fake.base);
    let (completion, err) = expect_error(run(&*p, request("gpt-4o")).await);
    assert_eq!(completion.text, "Slow");
    assert_eq!((err.kind(), err.retryable()), ("timeout", true));
    assert!(err.to_string().contains("300ms"), "{err}");
}

#[tokio::test]
async fn hang_before_response_times_out() {
    let fake = Fake::start(Reply::HangBeforeHead, "/v1").await;
    let p = provider("openai", &fake.base);
    let (_, err) = expect_error(run(&*p, request("gpt-4o")).await);
    assert_eq!(err.kind(), "timeout");
}

#[tokio::test]
async fn refused_connection_is_connection_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    let p = provider("openai", &format!("http://{addr}/v1"));
    let (_, err) = expect_error(run(&*p, request("gpt-4o")).await);
    assert_eq!((err.kind(), err.retryable()), ("connection", true));
}

/// A conversation that called a tool, offered tools, a forced choice and stop sequences; the
/// answer streams two tool calls whose arguments arrive in pieces.
fn tool_request() -> tollgate_llm::CompletionRequest {
    use tollgate_llm::{Message, Tool, ToolCall, ToolChoice, Tools};
    let mut asked = Message::assistant("");
    asked.tool_calls = vec![ToolCall {
        id: "call_0".into(),
        name: "weather".into(),
        arguments: r#"{"city":"Oslo"}"#.into(),
    }];
    let mut req = request("gpt-4o");
    req.messages =
        vec![Message::user("Weather?"), asked, Message::tool_result("call_0", "-3", false)];
    req.tools = Tools {
        tools: vec![Tool {
            name: "weather".into(),
            description: Some("Today's weather".into()),
            parameters: serde_json::json!({"type": "object", "properties": {"city": {"type": "string"}}}),
        }],
        choice: Some(ToolChoice::Named("weather".into())),
        parallel: Some(false),
    };
    req.stop = vec!["END".into()];
    req
}

#[tokio::test]
async fn tool_calls_go_out_and_stream_back() {
    let call = |index: u32, head: &str, args: &str| {
        chunk(
            &format!(
                r#"{{"tool_calls":[{{"index":{index},{head}"function":{{"arguments":"{args}"}}}}]}}"#
            ),
            "null",
        )
    };
    let stream = vec![
        chunk(r#"{"role":"assistant","content":null}"#, "null"),
        chunk(
            r#"{"tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"weather","arguments":""}}]}"#,
            "null",
        ),
        call(0, "", r#"{\"ci"#),
        call(0, "", r#"ty\":\"Oslo\"}"#),
        chunk(
            r#"{"tool_calls":[{"index":1,"id":"call_b","type":"function","function":{"name":"time","arguments":"{}"}}]}"#,
            "null",
        ),
        chunk("{}", r#""tool_calls""#),
        usage_chunk(),
        data("[DONE]"),
    ];
    let fake = Fake::start(Reply::Stream(stream), "/v1").await;
    let p = provider("openai", &fake.base);
    let (completion, error) = run(&*p, tool_request()).await;
    assert_eq!(error, None);
    assert_eq!(completion.stop_reason, Some(StopReason::ToolUse));
    let calls: Vec<_> = completion
        .tool_calls
        .iter()
        .map(|c| (c.id.as_str(), c.name.as_str(), c.arguments.as_str()))
        .collect();
    assert_eq!(calls, vec![("call_a", "weather", r#"{"city":"Oslo"}"#), ("call_b", "time", "{}")]);

    let sent = fake.request().body;
    assert_eq!(sent["tools"][0]["type"], "function");
    assert_eq!(sent["tools"][0]["function"]["name"], "weather");
    assert_eq!(sent["tools"][0]["function"]["description"], "Today's weather");
    assert_eq!(
        sent["tool_choice"],
        serde_json::json!({"type": "function", "function": {"name": "weather"}})
    );
    assert_eq!(sent["parallel_tool_calls"], false);
    assert_eq!(sent["stop"], serde_json::json!(["END"]));
    assert_eq!(sent["messages"][1]["content"], serde_json::Value::Null);
    assert_eq!(sent["messages"][1]["tool_calls"][0]["function"]["arguments"], r#"{"city":"Oslo"}"#);
    assert_eq!(
        sent["messages"][2],
        serde_json::json!({"role": "tool", "tool_call_id": "call_0", "content": "-3"})
    );
}
