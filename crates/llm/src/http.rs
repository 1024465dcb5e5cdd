//! What the HTTP clients share: sending a streaming request with timeouts, turning a non-success
//! response into a classified error, and driving a provider-specific SSE decoder into a
//! [`CompletionStream`].

use std::collections::VecDeque;
use std::time::Duration;

use futures::StreamExt;

use crate::CompletionStream;
use crate::error::{ProviderError, error_body_message, retry_after};
use crate::sse::{SseEvent, SseReader, fmt_duration};
use crate::types::{Secret, StreamEvent};

/// Error bodies larger than this are cut: we only want their message.
const MAX_ERROR_BODY: usize = 64 * 1024;

/// Sends the request and waits for the response head, at most `idle_timeout`. A non-success
/// status becomes a classified error built from the provider's JSON error body.
pub(crate) async fn send(
    request: reqwest::RequestBuilder,
    idle_timeout: Duration,
) -> Result<reqwest::Response, ProviderError> {
    let resp = tokio::time::timeout(idle_timeout, request.send())
        .await
        .map_err(|_| {
            ProviderError::timeout(format!("no response within {}", fmt_duration(idle_timeout)))
        })?
        .map_err(ProviderError::from_reqwest)?;
    if resp.status().is_success() {
        return Ok(resp);
    }
    Err(error_from_response(resp, idle_timeout).await)
}

async fn error_from_response(resp: reqwest::Response, idle_timeout: Duration) -> ProviderError {
    let status = resp.status();
    let retry = retry_after(resp.headers());
    let body = read_limited(resp, idle_timeout).await;
    let message = error_body_message(&body)
        .unwrap_or_else(|| status.canonical_reason().unwrap_or("no details").to_owned());
    ProviderError::from_status(status.as_u16(), retry, message)
}

/// Reads up to [`MAX_ERROR_BODY`] bytes; a body that fails or stalls is just cut short, since
/// the status alone already classifies the error.
async fn read_limited(resp: reqwest::Response, idle_timeout: Duration) -> Vec<u8> {
    let mut body = Vec::new();
    let mut chunks = resp.bytes_stream();
    while body.len() < MAX_ERROR_BODY {
        match tokio::time::timeout(idle_timeout, chunks.next()).await {
            Ok(Some(Ok(chunk))) => body.extend_from_slice(&chunk),
            _ => break,
        }
    }
    body.truncate(MAX_ERROR_BODY);
    body
}

/// Whether the decoder expects more events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flow {
    Continue,
    Finished,
}

/// Turns one provider's SSE events into [`StreamEvent`]s.
pub(crate) trait Decoder: Send + 'static {
    /// Handles one event; events pushed to `out` are delivered even if an error is returned.
    fn on_event(
        &mut self,
        event: SseEvent,
        out: &mut Vec<StreamEvent>,
    ) -> Result<Flow, ProviderError>;

    /// The body ended before the decoder said `Finished`.
    fn on_eof(&mut self, out: &mut Vec<StreamEvent>) -> Result<(), ProviderError>;
}

/// Error for a body that ended before the provider's end-of-stream marker.
pub(crate) fn ended_early() -> ProviderError {
    ProviderError::connection("stream ended before the answer was complete")
}

struct Driver<D> {
    reader: SseReader,
    decoder: D,
    pending: VecDeque<Result<StreamEvent, ProviderError>>,
    done: bool,
    key: Option<Secret>,
}

impl<D: Decoder> Driver<D> {
    /// Reads until at least one item is pending or the stream is over.
    async fn step(&mut self) {
        let mut out = Vec::new();
        let result = match self.reader.next().await {
            Some(Ok(event)) => self.decoder.on_event(event, &mut out),
            Some(Err(e)) => Err(e),
            None => self.decoder.on_eof(&mut out).map(|()| Flow::Finished),
        };
        self.pending.extend(out.into_iter().map(Ok));
        match result {
            Ok(Flow::Continue) => {}
            Ok(Flow::Finished) => self.done = true,
            Err(e) => {
                self.pending.push_back(Err(e.redacted(self.key.as_ref())));
                self.done = true;
            }
        }
    }
}

/// Streams decoded events: all events first, then at most one error, then the end. Once the
/// decoder is finished the response is dropped, so nothing more is read from the connection.
pub(crate) fn drive<D: Decoder>(
    resp: reqwest::Response,
    decoder: D,
    idle_timeout: Duration,
    key: Option<Secret>,
) -> CompletionStream {
    let driver = Driver {
        reader: SseReader::from_response(resp, idle_timeout),
        decoder,
        pending: VecDeque::new(),
        done: false,
        key,
    };
    futures::stream::unfold(driver, |mut d| async move {
        loop {
            if let Some(item) = d.pending.pop_front() {
                return Some((item, d));
            }
            if d.done {
                return None;
            }
            d.step().await;
        }
    })
    .boxed()
}

/// Parses one event's JSON data, classifying garbage as a protocol error.
pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(data: &str) -> Result<T, ProviderError> {
    serde_json::from_str(data).map_err(|e| {
        let excerpt: String = data.chars().take(80).collect();
        ProviderError::protocol(format!("invalid event data ({e}): {excerpt}"))
    })
}

/// Joins a base URL and a path, without doubling slashes.
pub(crate) fn join_url(base: &str, path: &str) -> String {
    format!("{}/{}", base.trim_end_matches('/'), path.trim_start_matches('/'))
}
