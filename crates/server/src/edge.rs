//! What every request passes at the edge of the server, around its route: URLs that are too
//! long or carry NUL, answers that must be `{message, detail?}` whoever made them, panics, and
//! request bodies a route answered without reading.

use crate::error::ApiError;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::header::{CONNECTION, CONTENT_LENGTH, CONTENT_TYPE, TRANSFER_ENCODING};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{Next, from_fn};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use http_body::{Frame, SizeHint};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;
use tower_http::catch_panic::CatchPanicLayer;

/// The longest path and query served. Browsers and proxies stop near 8 KiB; hyper answers an
/// empty 414 itself beyond 64 KiB, so the limit is ours, below its, with our error body.
pub const MAX_URI_BYTES: usize = 8 * 1024;

/// A body left unread is read to its end, up to this much, so the connection can serve the
/// next request; beyond it the answer says `Connection: close` (as Go's net/http does).
const MAX_DRAIN_BYTES: usize = 256 * 1024;
const DRAIN_TIMEOUT: Duration = Duration::from_secs(1);

/// `router` with the edge layers around it (innermost first).
pub fn around<S: Clone + Send + Sync + 'static>(router: Router<S>) -> Router<S> {
    router
        .layer(from_fn(finish_unread_bodies))
        .layer(from_fn(check_uri))
        .layer(CatchPanicLayer::custom(panicked))
        .layer(from_fn(errors_are_json))
}

/// Refuses a URL longer than [`MAX_URI_BYTES`] (414), or whose path or query carries an
/// encoded NUL (`%00`): no name, id or search term holds one, and PostgreSQL could not compare it.
async fn check_uri(req: Request, next: Next) -> Response {
    let uri = req.uri();
    let length = uri.path().len() + uri.query().map_or(0, |q| q.len() + 1);
    if length > MAX_URI_BYTES {
        return ApiError::new(StatusCode::URI_TOO_LONG, "The URL is too long.")
            .with_detail(format!("A path and query may hold at most {MAX_URI_BYTES} bytes."))
            .into_response();
    }
    let encoded_nul = |s: &str| s.as_bytes().windows(3).any(|w| w == b"%00");
    if encoded_nul(uri.path()) || uri.query().is_some_and(encoded_nul) {
        return ApiError::bad_request("The URL must not contain NUL characters (%00).")
            .into_response();
    }
    next.run(req).await
}

/// A panic answers 500 in the API's shape; the connection and the server live on.
fn panicked(_payload: Box<dyn std::any::Any + Send>) -> Response {
    ApiError::internal("A request handler panicked.", "see the panic message above").into_response()
}

/// Error answers made outside [`ApiError`] (a framework rejection, a layer's refusal) get the
/// API's `{message, detail?}` shape: the status's reason as the message, their text as detail.
async fn errors_are_json(req: Request, next: Next) -> Response {
    let response = next.run(req).await;
    let is_json = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        // The web console's pages answer a failed form with the form again, in HTML.
        .is_some_and(|v| v.starts_with("application/json") || v.starts_with("text/html"));
    if response.status().as_u16() < 400 || is_json {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 4096).await.unwrap_or_default();
    let text = String::from_utf8_lossy(&text).trim().to_owned();
    let reason = parts.status.canonical_reason().unwrap_or("Request failed");
    let mut error = ApiError::new(parts.status, format!("{reason}."));
    if !text.is_empty() {
        error = error.with_detail(text);
    }
    let mut answer = error.into_response();
    for (name, value) in &parts.headers {
        if name != CONTENT_TYPE && name != CONTENT_LENGTH {
            answer.headers_mut().append(name, value.clone());
        }
    }
    answer
}

/// A route may answer before reading the body (a 401 decided by the header alone). Left so,
/// hyper would drop the connection under a client still sending, with no warning: so the rest
/// is read here (bounded), or the answer says `Connection: close`.
async fn finish_unread_bodies(req: Request, next: Next) -> Response {
    let headers = req.headers();
    let declares_body = headers.contains_key(TRANSFER_ENCODING)
        || headers.get(CONTENT_LENGTH).is_some_and(|v| v.as_bytes() != b"0");
    if !declares_body {
        return next.run(req).await;
    }
    let unread = Arc::new(Mutex::new(None));
    let (parts, body) = req.into_parts();
    let tracked = Tracked { inner: Some(body), unread: unread.clone() };
    let mut response = next.run(Request::from_parts(parts, Body::new(tracked))).await;
    let left = unread.lock().unwrap_or_else(|e| e.into_inner()).take();
    if let Some(body) = left
        && !drained(body).await
    {
        response.headers_mut().insert(CONNECTION, HeaderValue::from_static("close"));
    }
    response
}

/// Whether `body` ended within the drain budget.
async fn drained(body: Body) -> bool {
    let read = async {
        let mut stream = body.into_data_stream();
        let mut total = 0usize;
        while let Some(chunk) = stream.next().await {
            let Ok(chunk) = chunk else { return false };
            total += chunk.len();
            if total > MAX_DRAIN_BYTES {
                return false;
            }
        }
        true
    };
    tokio::time::timeout(DRAIN_TIMEOUT, read).await.unwrap_or(false)
}

/// A request body that, dropped before its end, hands what is left back to the middleware.
struct Tracked {
    inner: Option<Body>,
    unread: Arc<Mutex<Option<Body>>>,
}

impl http_body::Body for Tracked {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let Some(inner) = self.inner.as_mut() else { return Poll::Ready(None) };
        let polled = Pin::new(inner).poll_frame(cx);
        if let Poll::Ready(None) = polled {
            self.inner = None;
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.as_ref().is_none_or(http_body::Body::is_end_stream)
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.as_ref().map_or_else(|| SizeHint::with_exact(0), http_body::Body::size_hint)
    }
}

impl Drop for Tracked {
    fn drop(&mut self) {
        if let Some(body) = self.inner.take()
            && !http_body::Body::is_end_stream(&body)
        {
            *self.unread.lock().unwrap_or_else(|e| e.into_inner()) = Some(body);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::routing::get;
    use tower::ServiceExt;

    async fn answer(router: Router, uri: &str) -> (StatusCode, serde_json::Value) {
        let response = around(router)
            .oneshot(axum::http::Request::get(uri).body(Body::empty()).expect("request"))
            .await
            .expect("infallible");
        let status = response.status();
        let body = axum::body::to_bytes(response.into_body(), 1 << 20).await.expect("body");
        (status, serde_json::from_slice(&body).expect("a JSON body"))
    }

    #[tokio::test]
    async fn a_panic_is_a_500_in_the_api_shape() {
        async fn boom() -> &'static str {
            panic!("boom")
        }
        let router = Router::new().route("/boom", get(boom));
        let (status, body) = answer(router, "/boom").await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(body["message"], "Internal error.");
    }

    #[tokio::test]
    async fn plain_text_errors_become_json_with_their_text_as_detail() {
        let router = Router::new()
            .route("/teapot", get(|| async { (StatusCode::IM_A_TEAPOT, "short and stout") }));
        let (status, body) = answer(router, "/teapot").await;
        assert_eq!(status, StatusCode::IM_A_TEAPOT);
        assert_eq!(
            (&body["message"], &body["detail"]),
            (&"I'm a teapot.".into(), &"short and stout".into())
        );
    }
}
