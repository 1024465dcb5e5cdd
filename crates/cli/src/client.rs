//! The HTTP client the commands share: it signs in with the current profile and turns every
//! failure into a sentence that says what to do.

use crate::profiles::{self, Profile};
use anyhow::{Context, Result, bail};
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::time::Duration;
use tollgate_api_types::{Response, SESSION_TOKEN_HEADER};
use tollgate_core::Micros;

pub struct Client {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
    /// The profile the token came from (`None`: anonymous, or `TOLLGATE_URL`/`TOLLGATE_TOKEN`).
    profile: Option<String>,
}

impl Client {
    /// A client for `base`, an already normalized deployment URL (see [`deployment_url`]).
    pub fn new(base: &str, token: Option<String>) -> Client {
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .build()
            .unwrap_or_default();
        Client { http, base: base.trim_end_matches('/').to_owned(), token, profile: None }
    }

    /// Signed in with the current profile (or `TOLLGATE_URL` + `TOLLGATE_TOKEN`).
    pub fn from_session() -> Result<Client> {
        let (profile, session): (Option<String>, Profile) = profiles::session()?;
        let mut client = Client::new(&session.url, Some(session.token));
        client.profile = profile;
        Ok(client)
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    pub fn profile(&self) -> Option<&str> {
        self.profile.as_deref()
    }

    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T> {
        self.send(Method::GET, path, None::<&()>).await
    }

    /// Every item of a list whose body is its array, a full page (1000) a request.
    pub async fn list<T: DeserializeOwned>(&self, path: &str) -> Result<Vec<T>> {
        self.get_all(path, 1000, |page: Vec<T>| page).await
    }

    /// Every item of a paged list, `page` items a request: the server caps its pages (at most
    /// 1000 items), so a long list takes several. `items` takes a page's items from its body.
    pub async fn get_all<R: DeserializeOwned, T>(
        &self,
        path: &str,
        page: usize,
        items: impl Fn(R) -> Vec<T>,
    ) -> Result<Vec<T>> {
        let sep = if path.contains('?') { '&' } else { '?' };
        let mut all = Vec::new();
        loop {
            let got =
                items(self.get(&format!("{path}{sep}limit={page}&offset={}", all.len())).await?);
            let done = got.len() < page;
            all.extend(got);
            if done {
                return Ok(all);
            }
        }
    }

    pub async fn post<B: Serialize, T: DeserializeOwned>(&self, path: &str, body: &B) -> Result<T> {
        self.send(Method::POST, path, Some(body)).await
    }

    pub async fn put<B: Serialize, T: DeserializeOwned>(&self, path: &str, body: &B) -> Result<T> {
        self.send(Method::PUT, path, Some(body)).await
    }

    pub async fn patch<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T> {
        self.send(Method::PATCH, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> Result<()> {
        self.send::<(), serde_json::Value>(Method::DELETE, path, None).await.map(drop)
    }

    /// Uploads a tar archive (`POST /api/v2/files`); the file's id.
    pub async fn upload_tar(&self, tar: Vec<u8>) -> Result<tollgate_api_types::UploadResponse> {
        let mut req = self
            .http
            .post(format!("{}/api/v2/files", self.base))
            .header(reqwest::header::CONTENT_TYPE, "application/x-tar")
            .body(tar);
        if let Some(token) = &self.token {
            req = req.header(SESSION_TOKEN_HEADER, token);
        }
        let resp = req.send().await.map_err(|e| unreachable(&self.base, &e))?;
        let status = resp.status();
        let text = resp.text().await.context("read the server's answer")?;
        if !status.is_success() {
            bail!("{}", failure(status, &text));
        }
        serde_json::from_str(&text)
            .with_context(|| format!("unexpected answer from the server: {text}"))
    }

    /// The status and body of a request, with connection failures already explained.
    pub async fn raw<B: Serialize>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<(StatusCode, String)> {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = &self.token {
            req = req.header(SESSION_TOKEN_HEADER, token);
        }
        if let Some(body) = body {
            req = req.json(body);
        }
        let resp = req.send().await.map_err(|e| unreachable(&self.base, &e))?;
        let status = resp.status();
        let text = resp.text().await.context("read the server's answer")?;
        Ok((status, text))
    }

    /// Sends a request and decodes the answer; a non-2xx answer becomes an error carrying the
    /// server's message, detail and validations.
    pub async fn send<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<T> {
        let (status, text) = self.raw(method, path, body).await?;
        if status == StatusCode::UNAUTHORIZED && self.token.is_some() {
            bail!("{}", self.expired(&text));
        }
        if !status.is_success() {
            bail!("{}", failure(status, &text));
        }
        let text = if text.is_empty() { "null" } else { &text };
        serde_json::from_str(text)
            .with_context(|| format!("unexpected answer from the server: {text}"))
    }

    fn expired(&self, text: &str) -> String {
        let said = failure(StatusCode::UNAUTHORIZED, text);
        match &self.profile {
            Some(p) => format!(
                "{said}\nThe session of profile {p} is no longer valid: sign in again with \
                 `tollgate login {} --profile {p}`.",
                self.base
            ),
            None => format!("{said}\nTOLLGATE_TOKEN is not a valid session or API token."),
        }
    }
}

/// Why `base` could not be reached, and what to check.
pub fn unreachable(base: &str, e: &reqwest::Error) -> anyhow::Error {
    let cause = root_cause(e);
    if e.is_connect() {
        anyhow::anyhow!(
            "cannot reach {base} ({cause}): is `tollgate serve` running there, and is the URL right?"
        )
    } else if e.is_timeout() {
        anyhow::anyhow!("{base} did not answer in time ({cause})")
    } else {
        anyhow::anyhow!("request to {base} failed: {cause}")
    }
}

/// The innermost error text (`connection refused`), without reqwest's wrappers.
fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut last: &(dyn std::error::Error + 'static) = e;
    while let Some(next) = last.source() {
        last = next;
    }
    let text = last.to_string();
    // `Connection refused (os error 111)` → `connection refused`.
    let text = text.split(" (os error").next().unwrap_or(&text).to_owned();
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => text,
    }
}

/// A deployment URL as people type it: `127.0.0.1:3000`, `localhost:3000`,
/// `https://tollgate.example.com/`, or a URL copied with its API path
/// (`http://127.0.0.1:3000/api/v2`). Without a scheme, loopback addresses get `http://` and
/// everything else `https://`.
pub fn deployment_url(input: &str) -> Result<String> {
    let input = input.trim();
    if input.is_empty() {
        bail!("give the deployment URL, e.g. http://127.0.0.1:3000");
    }
    let with_scheme = if input.contains("://") {
        input.to_owned()
    } else {
        let loopback = ["localhost", "127.", "[::1]"].iter().any(|p| input.starts_with(p));
        format!("{}://{input}", if loopback { "http" } else { "https" })
    };
    let mut url = reqwest::Url::parse(&with_scheme)
        .with_context(|| format!("{input:?} is not a URL: try http://127.0.0.1:3000"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        bail!("{input:?} is not an http:// or https:// URL: try http://127.0.0.1:3000");
    }
    let path = url.path().trim_end_matches('/').to_owned();
    let path = match path.find("/api/") {
        Some(at) => path[..at].to_owned(),
        None => path.strip_suffix("/api").unwrap_or(&path).to_owned(),
    };
    url.set_path(&path);
    url.set_query(None);
    url.set_fragment(None);
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

/// spend-limits §10: a 409 is a usage-limit refusal only with a non-empty message and a
/// `resets_at` (other conflicts are 409s too).
fn usage_limit_refusal(
    status: StatusCode,
    text: &str,
) -> Option<tollgate_api_types::ChatUsageLimitExceededResponse> {
    if status != StatusCode::CONFLICT {
        return None;
    }
    serde_json::from_str::<tollgate_api_types::ChatUsageLimitExceededResponse>(text)
        .ok()
        .filter(|r| !r.message.is_empty())
}

/// A spend-limit refusal in words (spend-limits §11): what was used of what, and when it resets.
pub fn limit_sentence(over: &tollgate_api_types::ChatUsageLimitExceededResponse) -> String {
    format!(
        "{} You've used {} of your {} limit. Resets {}.",
        over.message,
        Micros::new(over.spent_micros),
        Micros::new(over.limit_micros),
        crate::output::utc_minute(over.resets_at)
    )
}

/// The server's answer for people: message, detail, then each validation on its own line.
pub fn failure(status: StatusCode, text: &str) -> String {
    if let Some(over) = usage_limit_refusal(status, text) {
        return limit_sentence(&over);
    }
    let Ok(resp) = serde_json::from_str::<Response>(text) else {
        return format!("{status}: {text}");
    };
    let mut out = resp.message;
    if let Some(detail) = resp.detail.filter(|d| !d.is_empty()) {
        out.push_str(&format!(" ({detail})"));
    }
    for v in resp.validations {
        out.push_str(&format!("\n  {}: {}", v.field, v.detail));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_409_with_message_and_reset_is_a_usage_limit_refusal() {
        let full = r#"{"message":"Chat usage limit exceeded.","spent_micros":2985,"limit_micros":2000,"resets_at":"2025-06-16T00:00:00Z"}"#;
        assert!(usage_limit_refusal(StatusCode::CONFLICT, full).is_some());
        assert!(usage_limit_refusal(StatusCode::BAD_REQUEST, full).is_none());
        let empty = r#"{"message":"","spent_micros":5,"limit_micros":5,"resets_at":"2025-06-16T00:00:00Z"}"#;
        assert!(usage_limit_refusal(StatusCode::CONFLICT, empty).is_none());
        assert!(
            usage_limit_refusal(StatusCode::CONFLICT, r#"{"message":"Group exists."}"#).is_none()
        );
        assert_eq!(
            failure(StatusCode::CONFLICT, full),
            "Chat usage limit exceeded. You've used $0.002985 of your $0.002 limit. \
             Resets 2025-06-16 00:00 UTC."
        );
    }

    #[test]
    fn deployment_urls_are_read_as_people_type_them() {
        let table = [
            ("http://127.0.0.1:3000", "http://127.0.0.1:3000"),
            ("http://127.0.0.1:3000/", "http://127.0.0.1:3000"),
            ("http://127.0.0.1:3000/api/v2", "http://127.0.0.1:3000"),
            ("http://127.0.0.1:3000/api/v2/", "http://127.0.0.1:3000"),
            ("http://127.0.0.1:3000/api", "http://127.0.0.1:3000"),
            ("127.0.0.1:3000", "http://127.0.0.1:3000"),
            ("localhost:3000", "http://localhost:3000"),
            ("[::1]:3000", "http://[::1]:3000"),
            ("tollgate.example.com", "https://tollgate.example.com"),
            ("https://example.com/tollgate/api/v2/users", "https://example.com/tollgate"),
        ];
        for (input, want) in table {
            assert_eq!(deployment_url(input).expect(input), want, "{input}");
        }
        for bad in ["", "ftp://example.com", "http://"] {
            assert!(deployment_url(bad).is_err(), "{bad}");
        }
    }
}
