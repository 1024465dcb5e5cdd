//! The console's CSS and JavaScript, compiled into the binary and served under a name that carries
//! a hash of the content, so browsers may cache them for a year and never see a stale one.

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

/// One embedded file: its logical name, content type and bytes.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static str,
}

const FILES: [Asset; 7] = [
    Asset { name: "app.css", content_type: "text/css", body: include_str!("../../assets/app.css") },
    js("core.js", include_str!("../../assets/core.js")),
    js("chats.js", include_str!("../../assets/chats.js")),
    js("spend.js", include_str!("../../assets/spend.js")),
    js("usage.js", include_str!("../../assets/usage.js")),
    js("pages.js", include_str!("../../assets/pages.js")),
    js("main.js", include_str!("../../assets/main.js")),
];

const fn js(name: &'static str, body: &'static str) -> Asset {
    Asset { name, content_type: "text/javascript", body }
}

/// `(hashed name, asset)`, e.g. `core.3f2a9c1b7d.js`.
static HASHED: LazyLock<Vec<(String, &'static Asset)>> = LazyLock::new(|| {
    FILES
        .iter()
        .map(|asset| {
            let hash = hex::encode(&Sha256::digest(asset.body.as_bytes())[..5]);
            let (stem, ext) = asset.name.rsplit_once('.').unwrap_or((asset.name, ""));
            (format!("{stem}.{hash}.{ext}"), asset)
        })
        .collect()
});

/// The URL of an asset by its logical name.
pub fn url(name: &str) -> String {
    HASHED
        .iter()
        .find(|(_, asset)| asset.name == name)
        .map(|(hashed, _)| format!("/assets/{hashed}"))
        .unwrap_or_default()
}

/// The scripts every page loads, in order.
pub fn scripts() -> Vec<String> {
    FILES.iter().filter(|a| a.content_type == "text/javascript").map(|a| url(a.name)).collect()
}

pub async fn serve(Path(name): Path<String>) -> Response {
    let Some((_, asset)) = HASHED.iter().find(|(hashed, _)| *hashed == name) else {
        return (StatusCode::NOT_FOUND, "No such asset.").into_response();
    };
    let headers = [
        (header::CONTENT_TYPE, format!("{}; charset=utf-8", asset.content_type)),
        (header::CACHE_CONTROL, "public, max-age=31536000, immutable".to_owned()),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
    ];
    (headers, asset.body).into_response()
}
