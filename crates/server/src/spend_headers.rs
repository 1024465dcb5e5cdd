//! limits-plus §3: an admitted request's answer says what the user has left and when it resets,
//! so clients need not poll the status endpoint.

use crate::services::spend::Headroom;
use axum::http::HeaderValue;
use axum::response::{IntoResponseParts, ResponseParts};
use chrono::SecondsFormat;
use std::convert::Infallible;

pub const REMAINING: &str = "x-tollgate-spend-remaining-micros";
pub const RESETS_AT: &str = "x-tollgate-spend-resets-at";

/// The headers of a 2xx admission answer; none when no limit applies.
#[derive(Debug, Clone, Copy)]
pub struct SpendHeaders(pub Option<Headroom>);

impl IntoResponseParts for SpendHeaders {
    type Error = Infallible;

    fn into_response_parts(self, mut res: ResponseParts) -> Result<ResponseParts, Infallible> {
        if let Some(h) = self.0 {
            let resets_at = h.resets_at.to_rfc3339_opts(SecondsFormat::Secs, true);
            let headers = res.headers_mut();
            headers.insert(REMAINING, HeaderValue::from(h.remaining.get()));
            // An RFC 3339 time is plain ASCII, always a valid header value.
            if let Ok(value) = HeaderValue::try_from(resets_at) {
                headers.insert(RESETS_AT, value);
            }
        }
        Ok(res)
    }
}
