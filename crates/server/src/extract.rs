//! Extractors whose rejections are `ApiError`s, so malformed input gets the API's error shape.

use crate::error::ApiError;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, FromRequest, FromRequestParts, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use uuid::Uuid;

/// JSON in and out. A request body must be a JSON object (serde would read a struct from an
/// array too) whose strings hold no NUL: PostgreSQL text cannot store U+0000, so it is refused
/// here, once, for every endpoint and both backends alike.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for Json<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let body = json_object_body(req, state).await?;
        Ok(Json(axum::Json::from_bytes(&body)?.0))
    }
}

/// A request body that is JSON text of an object holding no NUL (see [`Json`]), unparsed: 415
/// without a JSON content type, 413 beyond the route's body limit, 400 otherwise.
pub async fn json_object_body<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, ApiError> {
    if !is_json(req.headers()) {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Request body must be JSON (Content-Type: application/json).",
        ));
    }
    let body = Bytes::from_request(req, state).await.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "Request body is too large.")
        } else {
            ApiError::bad_request("Request body could not be read.")
                .with_detail(rejection.body_text())
        }
    })?;
    if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return Err(ApiError::bad_request("Request body must be a JSON object."));
    }
    if has_escaped_nul(&body) {
        return Err(ApiError::bad_request("Strings must not contain NUL characters (\\u0000)."));
    }
    Ok(body)
}

fn is_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    essence == "application/json"
        || essence.strip_prefix("application/").is_some_and(|sub| sub.ends_with("+json"))
}

/// Whether JSON text holds the escape `\u0000` (the only way JSON can carry NUL: control
/// characters must be escaped). Backslashes occur only inside strings, each starting an
/// escape, so skipping every escape's next byte finds exactly the NULs.
pub fn has_escaped_nul(json: &[u8]) -> bool {
    let mut i = 0;
    while i < json.len() {
        if json[i] == b'\\' {
            if json[i + 1..].starts_with(b"u0000") {
                return true;
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    false
}

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct Path<T>(pub T);

#[derive(Debug, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct Query<T>(pub T);

/// Parses a UUID from a path segment with Coder's message.
pub fn parse_uuid(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw).map_err(|_| ApiError::bad_request(format!("Invalid UUID {raw:?}.")))
}

/// The address of the TCP peer, which is what login throttling keys on: headers such as
/// `X-Forwarded-For` are the client's to forge. Unspecified when the app is served without
/// connect info (only [`crate::run`] serves it, with).
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|info| info.0.ip());
        Ok(ClientIp(peer.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))))
    }
}
