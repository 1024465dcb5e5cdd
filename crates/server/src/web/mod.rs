//! The web console (docs/web-console.md): server-rendered page shells (askama, compiled in) whose
//! embedded script reads and writes through the same JSON API the CLI uses, signed in by the
//! session cookie. Sign in, first user and sign out are forms here that call the API's own
//! handlers, so there is one login, one first-user setup and one authorizer.

mod assets;
pub mod session;

use crate::auth::{Caller, authenticate};
use crate::error::ApiError;
use crate::extract::{ClientIp, Json};
use crate::routes::users;
use crate::state::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use tollgate_api_types as api;
use tollgate_core::Role;

/// What every console answer carries: no inline script or style may run, nothing may frame it.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; \
                   img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(home))
        .route("/login", get(login_page).post(sign_in))
        .route("/login/first", post(first_user))
        .route("/logout", post(sign_out))
        .route("/chats", get(page_chats))
        .route("/chats/{id}", get(page_chat))
        .route("/usage", get(page_usage))
        .route("/workspaces", get(page_workspaces))
        .route("/workspaces/{id}", get(page_workspace))
        .route("/settings/spend", get(page_spend))
        .route("/settings/models", get(page_models))
        .route("/users", get(page_users))
        .route("/assets/{name}", get(assets::serve))
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    first: bool,
    error: Option<String>,
    email: String,
    username: String,
    css: String,
}

#[derive(Template)]
#[template(path = "page.html")]
struct Page {
    title: &'static str,
    page: &'static str,
    param: String,
    username: String,
    owner: bool,
    auditor: bool,
    csrf: String,
    css: String,
    scripts: Vec<String>,
}

fn html(status: StatusCode, body: Result<String, askama::Error>) -> Response {
    let Ok(body) = body else {
        return ApiError::internal("rendering a page failed", "template").into_response();
    };
    let headers = [
        (header::CONTENT_TYPE, "text/html; charset=utf-8"),
        (header::CONTENT_SECURITY_POLICY, CSP),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "same-origin"),
        (header::CACHE_CONTROL, "no-store"),
    ];
    (status, headers, body).into_response()
}

/// The signed-in caller of a page request, by its cookie.
async fn page_caller(state: &AppState, headers: &HeaderMap) -> Option<(Caller, String)> {
    let key = session::cookie_key(headers)?;
    let caller = authenticate(state, &key).await.ok()?;
    Some((caller, key))
}

async fn home(State(state): State<AppState>, headers: HeaderMap) -> Redirect {
    match page_caller(&state, &headers).await {
        Some(_) => Redirect::to("/chats"),
        None => Redirect::to("/login"),
    }
}

/// A signed-in page: its shell, or the sign-in page for a visitor without a session.
async fn shell(
    state: &AppState,
    headers: &HeaderMap,
    title: &'static str,
    page: &'static str,
    param: String,
) -> Response {
    let Some((caller, key)) = page_caller(state, headers).await else {
        return Redirect::to("/login").into_response();
    };
    let page = Page {
        title,
        page,
        param,
        username: caller.user.username.clone(),
        owner: caller.user.roles.contains(&Role::Owner),
        auditor: caller.user.roles.contains(&Role::Auditor),
        csrf: session::csrf_token(&key),
        css: assets::url("app.css"),
        scripts: assets::scripts(),
    };
    html(StatusCode::OK, page.render())
}

macro_rules! pages {
    ($($name:ident => $title:literal, $page:literal;)*) => {$(
        async fn $name(State(state): State<AppState>, headers: HeaderMap) -> Response {
            shell(&state, &headers, $title, $page, String::new()).await
        }
    )*};
}

pages! {
    page_chats => "Chats", "chats";
    page_usage => "Usage", "usage";
    page_workspaces => "Workspaces", "workspaces";
    page_spend => "Spend limits", "spend";
    page_models => "Models", "models";
    page_users => "Users", "users";
}

async fn page_chat(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<uuid::Uuid>,
) -> Response {
    shell(&state, &headers, "Chat", "chat", id.to_string()).await
}

async fn page_workspace(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<uuid::Uuid>,
) -> Response {
    shell(&state, &headers, "Workspace", "workspace", id.to_string()).await
}

async fn login_page(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if page_caller(&state, &headers).await.is_some() {
        return Redirect::to("/chats").into_response();
    }
    match state.store.has_any_user().await {
        Ok(any) => login_form(!any, None, String::new(), String::new(), StatusCode::OK),
        Err(e) => ApiError::from(e).into_response(),
    }
}

fn login_form(
    first: bool,
    error: Option<String>,
    email: String,
    username: String,
    status: StatusCode,
) -> Response {
    let css = assets::url("app.css");
    html(status, LoginPage { first, error, email, username, css }.render())
}

#[derive(Deserialize)]
struct SignIn {
    email: String,
    password: String,
}

async fn sign_in(
    State(state): State<AppState>,
    ip: ClientIp,
    headers: HeaderMap,
    Form(form): Form<SignIn>,
) -> Response {
    if !session::same_origin(&headers) {
        return ApiError::forbidden().into_response();
    }
    let email = form.email.clone();
    let request = api::LoginWithPasswordRequest { email: form.email, password: form.password };
    match users::login(State(state), ip, Json(request)).await {
        Ok((_, Json(body))) => signed_in(&body.session_token, &headers),
        Err(e) => login_form(false, Some(e.message), email, String::new(), e.status),
    }
}

#[derive(Deserialize)]
struct FirstUser {
    username: String,
    email: String,
    password: String,
    confirm_password: String,
}

async fn first_user(
    State(state): State<AppState>,
    ip: ClientIp,
    headers: HeaderMap,
    Form(form): Form<FirstUser>,
) -> Response {
    if !session::same_origin(&headers) {
        return ApiError::forbidden().into_response();
    }
    let again = |message: String, status| {
        login_form(true, Some(message), form.email.clone(), form.username.clone(), status)
    };
    if form.password != form.confirm_password {
        return again("The passwords do not match.".into(), StatusCode::BAD_REQUEST);
    }
    let request = api::CreateFirstUserRequest {
        email: form.email.clone(),
        username: form.username.clone(),
        name: None,
        password: form.password.clone(),
    };
    if let Err(e) = users::create_first_user(State(state.clone()), Json(request)).await {
        return again(sentence(&e), e.status);
    }
    let request = api::LoginWithPasswordRequest { email: form.email, password: form.password };
    match users::login(State(state), ip, Json(request)).await {
        Ok((_, Json(body))) => signed_in(&body.session_token, &headers),
        Err(e) => login_form(false, Some(e.message), String::new(), String::new(), e.status),
    }
}

/// An API error as one line a person reads on the form: its message, detail and field errors.
fn sentence(e: &ApiError) -> String {
    let mut parts = vec![e.message.clone()];
    parts.extend(e.detail.clone());
    parts.extend(e.validations.iter().map(|v| v.detail.clone()));
    parts.join(" ")
}

fn signed_in(key: &str, headers: &HeaderMap) -> Response {
    let cookie = session::set_cookie(key, headers);
    let mut response = Redirect::to("/chats").into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

#[derive(Deserialize)]
struct SignOut {
    csrf: String,
}

async fn sign_out(
    State(state): State<AppState>,
    headers: HeaderMap,
    Form(form): Form<SignOut>,
) -> Response {
    if let Some((caller, key)) = page_caller(&state, &headers).await {
        if !session::csrf_matches(&key, &form.csrf) {
            return ApiError::forbidden().into_response();
        }
        if let Err(e) = users::logout(State(state), caller).await {
            return e.into_response();
        }
    }
    let mut response = Redirect::to("/login").into_response();
    if let Ok(value) = HeaderValue::from_str(&session::clear_cookie()) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}
