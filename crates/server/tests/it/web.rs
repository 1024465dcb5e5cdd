//! The web console's plumbing (docs/web-console.md): the first user and sign-in forms set an
//! `HttpOnly; SameSite=Strict` session cookie holding an API token; the API accepts that cookie
//! only with the session's CSRF token on state-changing requests and from this origin on a
//! WebSocket upgrade; pages carry the strict CSP; assets are immutable; sign-out revokes the token.

use crate::support::{PASSWORD, TestApp};
use reqwest::StatusCode;
use reqwest::header::{CACHE_CONTROL, CONTENT_TYPE, COOKIE, LOCATION, ORIGIN, SET_COOKIE};

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; \
                   img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
const FORM: &str = "application/x-www-form-urlencoded";

fn client() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client")
}

/// The text between `before` and the next `"` in `html`.
fn attribute<'a>(html: &'a str, before: &str) -> &'a str {
    let start = html.find(before).unwrap_or_else(|| panic!("{before} in {html}")) + before.len();
    &html[start..start + html[start..].find('"').expect("closing quote")]
}

#[tokio::test]
async fn console_session_is_a_csrf_checked_cookie() {
    let app = TestApp::sqlite().await;
    let http = client();
    let url = |path: &str| format!("{}{path}", app.base);

    let page = http.get(url("/login")).send().await.expect("login page");
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(page.headers()["content-security-policy"], CSP);
    assert!(page.text().await.unwrap().contains("Create the first user"));
    assert_eq!(http.get(url("/chats")).send().await.unwrap().headers()[LOCATION], "/login");

    let first = format!(
        "username=owner&email=owner%40example.com&password={PASSWORD}&confirm_password={PASSWORD}"
    );
    let post =
        |path: &str, body: String| http.post(url(path)).header(CONTENT_TYPE, FORM).body(body);
    let cross = post("/login/first", first.clone()).header(ORIGIN, "http://evil.example");
    assert_eq!(cross.send().await.unwrap().status(), StatusCode::FORBIDDEN);
    let mismatch = post("/login/first", first.replace("confirm_password=c", "confirm_password=x"));
    let mismatch = mismatch.send().await.unwrap();
    assert_eq!(mismatch.status(), StatusCode::BAD_REQUEST);
    assert!(mismatch.text().await.unwrap().contains(r#"role="alert""#));
    assert!(!app.store().has_any_user().await.unwrap(), "nothing was created");

    let created = post("/login/first", first).send().await.unwrap();
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    assert_eq!(created.headers()[LOCATION], "/chats");
    let set = created.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    for part in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(set.contains(part), "{set}");
    }
    let cookie = set.split(';').next().unwrap().to_owned();

    let shell = http.get(url("/chats")).header(COOKIE, &cookie).send().await.unwrap();
    assert_eq!(shell.status(), StatusCode::OK);
    let html = shell.text().await.unwrap();
    let csrf = attribute(&html, r#"<meta name="csrf-token" content=""#).to_owned();
    let css = attribute(&html, r#"<link rel="stylesheet" href=""#).to_owned();
    assert!(!html.contains("style=") && !html.contains("<script>"), "no inline code: {html}");

    let me = http.get(url("/api/v2/users/me")).header(COOKIE, &cookie).send().await.unwrap();
    assert_eq!(me.status(), StatusCode::OK);
    let limits = url("/api/experimental/chats/usage-limits");
    let body = r#"{"spend_limit_micros": 5000000, "period": "day"}"#;
    let put = || http.put(&limits).header(COOKIE, &cookie).header(CONTENT_TYPE, "application/json");
    assert_eq!(put().body(body).send().await.unwrap().status(), StatusCode::FORBIDDEN);
    let wrong = put().header("x-tollgate-csrf", "0".repeat(64)).body(body);
    assert_eq!(wrong.send().await.unwrap().status(), StatusCode::FORBIDDEN);
    let right = put().header("x-tollgate-csrf", &csrf).body(body);
    assert_eq!(right.send().await.unwrap().status(), StatusCode::OK);

    // A WebSocket upgrade from another origin is refused before anything is read.
    let stream = url(&format!("/api/experimental/chats/{}/stream", uuid::Uuid::new_v4()));
    let upgrade = || {
        http.get(&stream)
            .header(COOKIE, &cookie)
            .header("connection", "upgrade")
            .header("upgrade", "websocket")
    };
    let evil = upgrade().header(ORIGIN, "http://evil.example").send().await.unwrap();
    assert_eq!(evil.status(), StatusCode::FORBIDDEN);
    let own = upgrade().header(ORIGIN, app.base.as_str()).send().await.unwrap();
    assert_eq!(own.status(), StatusCode::NOT_FOUND, "signed in, and no such chat");

    let asset = http.get(url(&css)).send().await.unwrap();
    assert_eq!(asset.status(), StatusCode::OK);
    assert!(asset.headers()[CACHE_CONTROL].to_str().unwrap().contains("immutable"));
    assert!(asset.headers()[CONTENT_TYPE].to_str().unwrap().starts_with("text/css"));

    let out = |token: &str| post("/logout", format!("csrf={token}")).header(COOKIE, &cookie);
    assert_eq!(out("nope").send().await.unwrap().status(), StatusCode::FORBIDDEN);
    let gone = out(&csrf).send().await.unwrap();
    assert_eq!(gone.headers()[LOCATION], "/login");
    assert!(gone.headers()[SET_COOKIE].to_str().unwrap().contains("Max-Age=0"));
    let after = http.get(url("/api/v2/users/me")).header(COOKIE, &cookie).send().await.unwrap();
    assert_eq!(after.status(), StatusCode::UNAUTHORIZED, "sign-out revoked the token");

    let wrong = post("/login", "email=owner%40example.com&password=wrong-one-123".into());
    let wrong = wrong.send().await.unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(wrong.text().await.unwrap().contains("Incorrect email or password."));
    app.stop().await;
}
