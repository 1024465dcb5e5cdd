//! The HTTP client the commands share, and the saved session it signs in with.

use anyhow::{Context, Result, bail};
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use tollgate_api_types::{Response, SESSION_TOKEN_HEADER};

/// Where `login` saved the deployment URL and token.
#[derive(Serialize, Deserialize)]
pub struct Session {
    pub url: String,
    pub token: String,
}

fn config_dir() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os("TOLLGATE_CONFIG_DIR") {
        return Ok(PathBuf::from(dir));
    }
    if let Some(dir) = std::env::var_os("XDG_CONFIG_HOME") {
        return Ok(PathBuf::from(dir).join("tollgate"));
    }
    let home = std::env::var_os("HOME")
        .context("cannot find a config directory: set HOME or TOLLGATE_CONFIG_DIR")?;
    Ok(PathBuf::from(home).join(".config").join("tollgate"))
}

fn session_path() -> Result<PathBuf> {
    Ok(config_dir()?.join("session.json"))
}

impl Session {
    /// `TOLLGATE_URL` + `TOLLGATE_TOKEN` win over the saved session.
    pub fn load() -> Result<Session> {
        if let (Ok(url), Ok(token)) =
            (std::env::var("TOLLGATE_URL"), std::env::var("TOLLGATE_TOKEN"))
        {
            return Ok(Session { url, token });
        }
        let path = session_path()?;
        let text = std::fs::read_to_string(&path)
            .with_context(|| "not signed in: run `tollgate login URL` first".to_string())?;
        serde_json::from_str(&text)
            .with_context(|| format!("{} is damaged: sign in again", path.display()))
    }

    /// Saves the session readable by its owner only: the token is a password.
    pub fn save(&self) -> Result<PathBuf> {
        let path = session_path()?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("create {}", dir.display()))?;
        }
        let text = serde_json::to_string_pretty(self)?;
        write_private(&path, text.as_bytes())
            .with_context(|| format!("write {}", path.display()))?;
        Ok(path)
    }

    pub fn forget() -> Result<()> {
        match std::fs::remove_file(session_path()?) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
            _ => Ok(()),
        }
    }
}

#[cfg(unix)]
pub fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(bytes)
}

#[cfg(not(unix))]
pub fn write_private(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, bytes)
}

pub struct Client {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
}

impl Client {
    pub fn new(base: &str, token: Option<String>) -> Client {
        Client { http: reqwest::Client::new(), base: base.trim_end_matches('/').to_owned(), token }
    }

    pub fn from_session() -> Result<Client> {
        let session = Session::load()?;
        Ok(Client::new(&session.url, Some(session.token)))
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T> {
        self.send(Method::GET, path, None::<&()>).await
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

    /// Sends a request and decodes the answer; a non-2xx answer becomes an error carrying the
    /// server's message, detail and validations.
    pub async fn send<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<T> {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = &self.token {
            req = req.header(SESSION_TOKEN_HEADER, token);
        }
        if let Some(body) = body {
            req = req.json(body);
        }
        let resp = req.send().await.with_context(|| format!("cannot reach {}", self.base))?;
        let status = resp.status();
        let text = resp.text().await.context("read the server's answer")?;
        if !status.is_success() {
            bail!("{}", failure(status, &text));
        }
        let text = if text.is_empty() { "null" } else { &text };
        serde_json::from_str(text)
            .with_context(|| format!("unexpected answer from the server: {text}"))
    }
}

/// spend-limits §10: a 409 is a usage-limit refusal only with a non-empty message and a
/// `resets_at` (other conflicts are 409s too).
fn usage_limit_refusal(
    status: reqwest::StatusCode,
    text: &str,
) -> Option<tollgate_api_types::ChatUsageLimitExceededResponse> {
    if status != reqwest::StatusCode::CONFLICT {
        return None;
    }
    serde_json::from_str::<tollgate_api_types::ChatUsageLimitExceededResponse>(text)
        .ok()
        .filter(|r| !r.message.is_empty())
}

fn failure(status: reqwest::StatusCode, text: &str) -> String {
    if let Some(over) = usage_limit_refusal(status, text) {
        return format!(
            "{} You've used {} of your {} limit. Resets {}.",
            over.message,
            crate::commands::money(over.spent_micros),
            crate::commands::money(over.limit_micros),
            over.resets_at.format("%Y-%m-%d %H:%M UTC")
        );
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
    use reqwest::StatusCode;

    #[test]
    fn only_a_409_with_message_and_reset_is_a_usage_limit_refusal() {
        let full = r#"{"message":"Chat usage limit exceeded.","spent_micros":5,"limit_micros":5,"resets_at":"2025-06-16T00:00:00Z"}"#;
        assert!(usage_limit_refusal(StatusCode::CONFLICT, full).is_some());
        assert!(usage_limit_refusal(StatusCode::BAD_REQUEST, full).is_none());
        let empty = r#"{"message":"","spent_micros":5,"limit_micros":5,"resets_at":"2025-06-16T00:00:00Z"}"#;
        assert!(usage_limit_refusal(StatusCode::CONFLICT, empty).is_none());
        assert!(
            usage_limit_refusal(StatusCode::CONFLICT, r#"{"message":"Group exists."}"#).is_none()
        );
        assert!(failure(StatusCode::CONFLICT, full).contains(
            "You've used $0.000005 of your $0.000005 limit. Resets 2025-06-16 00:00 UTC."
        ));
    }

    #[test]
    fn sub_dollar_amounts_keep_their_digits() {
        use crate::commands::money;
        assert_eq!(money(0), "$0.00");
        assert_eq!(money(1500), "$0.0015");
        assert_eq!(money(2000), "$0.002");
        assert_eq!(money(500_000), "$0.50");
        assert_eq!(money(12_500_000), "$12.50");
    }
}
