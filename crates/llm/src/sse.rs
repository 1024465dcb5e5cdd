//! Server-sent events: an incremental parser (WHATWG rules, the subset providers use) and a
//! reader that pulls events from a response body with an idle timeout.

use std::collections::VecDeque;
use std::time::Duration;

use bytes::Bytes;
use futures::StreamExt;
use futures::stream::BoxStream;

use crate::error::ProviderError;

/// Longest line or event we buffer: a stream without newlines must not eat memory.
const MAX_BUFFER: usize = 4 * 1024 * 1024;

/// One dispatched event: the `event:` name (empty if none) and the joined `data:` lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SseEvent {
    pub event: String,
    pub data: String,
}

/// Incremental SSE parser: feed bytes as they come, collect whole events.
#[derive(Debug, Default)]
pub(crate) struct SseParser {
    line: Vec<u8>,
    event: String,
    data: String,
    has_data: bool,
    after_cr: bool,
    started: bool,
}

impl SseParser {
    /// Parses a chunk; complete events are appended to `out`.
    pub fn feed(&mut self, chunk: &[u8], out: &mut Vec<SseEvent>) -> Result<(), ProviderError> {
        for &byte in chunk {
            // A CRLF split across chunks: the LF after a CR ends nothing.
            if std::mem::take(&mut self.after_cr) && byte == b'\n' {
                continue;
            }
            match byte {
                b'\n' | b'\r' => {
                    self.after_cr = byte == b'\r';
                    let line = std::mem::take(&mut self.line);
                    self.process_line(&line, out)?;
                }
                _ => self.line.push(byte),
            }
            if self.line.len() + self.data.len() > MAX_BUFFER {
                return Err(ProviderError::protocol("event stream line too long"));
            }
        }
        Ok(())
    }

    /// End of input. An event whose lines were all complete but that lacked the final blank
    /// line is still dispatched; a half-received line is dropped (the stream was cut).
    pub fn finish(&mut self, out: &mut Vec<SseEvent>) {
        if self.line.is_empty() {
            self.dispatch(out);
        }
    }

    fn process_line(&mut self, line: &[u8], out: &mut Vec<SseEvent>) -> Result<(), ProviderError> {
        let line = self.strip_bom(line);
        let line = std::str::from_utf8(line)
            .map_err(|_| ProviderError::protocol("event stream is not valid UTF-8"))?;
        if line.is_empty() {
            self.dispatch(out);
            return Ok(());
        }
        if line.starts_with(':') {
            return Ok(()); // comment, e.g. OpenRouter's keep-alive ": OPENROUTER PROCESSING"
        }
        let (field, value) = match line.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (line, ""),
        };
        match field {
            "data" => {
                if self.has_data {
                    self.data.push('\n');
                }
                self.data.push_str(value);
                self.has_data = true;
            }
            "event" => value.clone_into(&mut self.event),
            "id" | "retry" => {}
            // The spec says ignore unknown fields, but no provider sends any: a line like this
            // means the body is not an event stream (an HTML error page, a proxy banner…).
            _ => {
                return Err(ProviderError::protocol(format!(
                    "unexpected line in event stream: {line}"
                )));
            }
        }
        Ok(())
    }

    fn strip_bom<'a>(&mut self, line: &'a [u8]) -> &'a [u8] {
        if std::mem::replace(&mut self.started, true) {
            return line;
        }
        line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line)
    }

    fn dispatch(&mut self, out: &mut Vec<SseEvent>) {
        let event = std::mem::take(&mut self.event);
        if std::mem::take(&mut self.has_data) {
            out.push(SseEvent { event, data: std::mem::take(&mut self.data) });
        }
    }
}

/// Pulls SSE events from a body stream, failing with `Timeout` when no bytes arrive for
/// `idle_timeout` (a hanging upstream must end the call, not the chat).
pub(crate) struct SseReader {
    body: BoxStream<'static, Result<Bytes, ProviderError>>,
    parser: SseParser,
    queue: VecDeque<SseEvent>,
    idle_timeout: Duration,
    ended: bool,
}

impl SseReader {
    pub fn new(
        body: BoxStream<'static, Result<Bytes, ProviderError>>,
        idle_timeout: Duration,
    ) -> Self {
        Self {
            body,
            parser: SseParser::default(),
            queue: VecDeque::new(),
            idle_timeout,
            ended: false,
        }
    }

    /// From a reqwest response body.
    pub fn from_response(resp: reqwest::Response, idle_timeout: Duration) -> Self {
        let body = resp.bytes_stream().map(|r| r.map_err(ProviderError::from_reqwest));
        Self::new(body.boxed(), idle_timeout)
    }

    /// The next event; `None` when the body ended cleanly.
    pub async fn next(&mut self) -> Option<Result<SseEvent, ProviderError>> {
        loop {
            if let Some(ev) = self.queue.pop_front() {
                return Some(Ok(ev));
            }
            if self.ended {
                return None;
            }
            if let Err(e) = self.fill().await {
                self.ended = true;
                return Some(Err(e));
            }
        }
    }

    async fn fill(&mut self) -> Result<(), ProviderError> {
        let next = tokio::time::timeout(self.idle_timeout, self.body.next()).await;
        let mut out = Vec::new();
        match next {
            Err(_) => {
                return Err(ProviderError::timeout(format!(
                    "no data for {} while streaming",
                    fmt_duration(self.idle_timeout)
                )));
            }
            Ok(None) => {
                self.ended = true;
                self.parser.finish(&mut out);
            }
            Ok(Some(chunk)) => self.parser.feed(&chunk?, &mut out)?,
        }
        self.queue.extend(out);
        Ok(())
    }
}

/// "300ms", "60s" — for timeout messages.
pub(crate) fn fmt_duration(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{}ms", d.as_millis())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_chunks(chunks: &[&[u8]]) -> Result<Vec<SseEvent>, ProviderError> {
        let mut parser = SseParser::default();
        let mut out = Vec::new();
        for c in chunks {
            parser.feed(c, &mut out)?;
        }
        parser.finish(&mut out);
        Ok(out)
    }

    fn ev(event: &str, data: &str) -> SseEvent {
        SseEvent { event: event.into(), data: data.into() }
    }

    #[test]
    fn parses_events_split_anywhere() {
        let text =
            b"event: ping\ndata: {\"a\":1}\n\n: comment\ndata: x\r\ndata: y\r\n\r\ndata:[DONE]\n\n";
        let whole = parse_chunks(&[text]).unwrap();
        let expected = vec![ev("ping", "{\"a\":1}"), ev("", "x\ny"), ev("", "[DONE]")];
        assert_eq!(whole, expected);
        for split in 1..text.len() {
            let (a, b) = text.split_at(split);
            assert_eq!(parse_chunks(&[a, b]).unwrap(), expected, "split at {split}");
        }
    }

    #[test]
    fn cr_only_line_endings() {
        let out = parse_chunks(&[b"data: a\r\r", b"data: b\r", b"\r"]).unwrap();
        assert_eq!(out, vec![ev("", "a"), ev("", "b")]);
    }

    #[test]
    fn final_event_without_blank_line_is_kept_but_cut_line_is_not() {
        assert_eq!(parse_chunks(&[b"data: [DONE]\n"]).unwrap(), vec![ev("", "[DONE]")]);
        assert_eq!(parse_chunks(&[b"data: {\"choi"]).unwrap(), vec![]);
    }

    #[test]
    fn rejects_non_sse_lines_and_bad_utf8() {
        assert!(parse_chunks(&[b"<html>oops</html>\n"]).is_err());
        assert!(parse_chunks(&[b"data: \xff\xfe\n\n"]).is_err());
    }

    #[test]
    fn strips_bom_and_ignores_id_retry() {
        let out = parse_chunks(&[b"\xEF\xBB\xBFid: 1\nretry: 10\ndata: z\n\n"]).unwrap();
        assert_eq!(out, vec![ev("", "z")]);
    }
}
