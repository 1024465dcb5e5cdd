//! Users: first-user setup, login, and user administration (identity-api.md).

use super::find_user;
use crate::auth::{Caller, hash_password, mint_session, verify_password};
use crate::authz::{Action, Object, authorize};
use crate::error::{ApiError, ApiResult};
use crate::extract::{ClientIp, Json, Path, Query};
use crate::paging::{PageParams, PageRule};
use crate::state::AppState;
use crate::{validate, wire};
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use tollgate_api_types as api;
use tollgate_core::Role;
use tollgate_store::{NewOrganization, NewUser, StoreError, Unique, UserQuery, UserStatus};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

#[utoipa::path(get, path = "/api/v2/users/first", tag = "Users",
    responses((status = 200, body = api::Response), (status = 404, body = api::Response)), security(()))]
pub async fn check_first_user(State(state): State<AppState>) -> ApiResult<Json<api::Response>> {
    if state.store.has_any_user().await? {
        Ok(Json(api::Response {
            message: "The initial user has already been created.".into(),
            detail: None,
            validations: vec![],
        }))
    } else {
        Err(ApiError::not_found("The initial user has not been created!"))
    }
}

#[utoipa::path(post, path = "/api/v2/users/first", tag = "Users",
    request_body = api::CreateFirstUserRequest,
    responses((status = 201, body = api::CreateFirstUserResponse), (status = 409, body = api::Response)), security(()))]
pub async fn create_first_user(
    State(state): State<AppState>,
    Json(req): Json<api::CreateFirstUserRequest>,
) -> ApiResult<(StatusCode, Json<api::CreateFirstUserResponse>)> {
    validate::email(&req.email)?;
    validate::username(&req.username)?;
    validate::password(&req.password)?;
    let name = req.name.unwrap_or_default();
    validate::text("name", &name, 128)?;
    if state.store.has_any_user().await? {
        return Err(StoreError::Conflict(Unique::FirstUser).into());
    }
    let now = state.clock.now();
    let user = NewUser {
        id: Uuid::new_v4(),
        username: req.username,
        email: req.email,
        name,
        password_hash: Some(hash_password(req.password).await?),
        login_type: "password".into(),
        roles: vec![Role::Owner],
        organization_ids: vec![],
        created_at: now,
    };
    let org = NewOrganization {
        id: Uuid::new_v4(),
        name: "coder".into(),
        display_name: "Coder".into(),
        description: "The default organization.".into(),
        icon: String::new(),
        is_default: true,
        created_at: now,
        updated_at: now,
    };
    let (user, org) = state.store.create_first_user(user, org).await?;
    tracing::info!(user_id = %user.id, "first user created");
    let body = api::CreateFirstUserResponse { user_id: user.id, organization_id: org.id };
    Ok((StatusCode::CREATED, Json(body)))
}

#[utoipa::path(post, path = "/api/v2/users/login", tag = "Users",
    request_body = api::LoginWithPasswordRequest,
    responses((status = 201, body = api::LoginWithPasswordResponse), (status = 401, body = api::Response),
        (status = 429, body = api::Response,
            headers(("Retry-After" = u64, description = "Seconds until this address may try this email again")))),
    security(()))]
pub async fn login(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    Json(req): Json<api::LoginWithPasswordRequest>,
) -> ApiResult<(StatusCode, Json<api::LoginWithPasswordResponse>)> {
    let email = req.email.trim().to_lowercase();
    let now = state.clock.now();
    if let Err(wait) = state.login_limiter.check(client, &email, now) {
        return Err(ApiError::new(StatusCode::TOO_MANY_REQUESTS, "Too many failed logins.")
            .with_detail("Too many wrong passwords for this email from your address; wait before trying again.")
            .with_retry_after(wait));
    }
    let creds = state.store.get_credentials_by_email(&email).await?;
    let hash = creds.as_ref().and_then(|c| c.password_hash.clone());
    let ok = match hash {
        Some(hash) => verify_password(req.password, hash).await,
        None => false,
    };
    let Some(creds) = creds.filter(|_| ok) else {
        state.login_limiter.record_failure(client, &email, now);
        return Err(ApiError::unauthorized("Incorrect email or password."));
    };
    state.login_limiter.record_success(client, &email);
    let token = mint_session(creds.user.id, &state);
    state.store.create_api_token(token.record).await?;
    let body = api::LoginWithPasswordResponse { session_token: token.key };
    Ok((StatusCode::CREATED, Json(body)))
}

#[utoipa::path(post, path = "/api/v2/users/logout", tag = "Users",
    responses((status = 200, body = api::Response)))]
pub async fn logout(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<api::Response>> {
    state.store.delete_api_token(&caller.token_id).await?;
    Ok(Json(api::Response { message: "Logged out!".into(), detail: None, validations: vec![] }))
}

#[utoipa::path(post, path = "/api/v2/users", tag = "Users", request_body = api::CreateUserRequest,
    responses((status = 201, body = api::User), (status = 409, body = api::Response)))]
pub async fn create_user(
    State(state): State<AppState>,
    caller: Caller,
    Json(req): Json<api::CreateUserRequest>,
) -> ApiResult<(StatusCode, Json<api::User>)> {
    authorize(&caller.subject, Action::Create, Object::Users)?;
    validate::email(&req.email)?;
    validate::username(&req.username)?;
    let name = req.name.unwrap_or_default();
    validate::text("name", &name, 128)?;
    let login_type = req.login_type.unwrap_or_else(|| "password".into());
    let password_hash = match (login_type.as_str(), req.password) {
        ("password", Some(pw)) => {
            validate::password(&pw)?;
            Some(hash_password(pw).await?)
        }
        ("password", None) => {
            return Err(ApiError::validation("password", "A password is required."));
        }
        ("none", None) => None,
        ("none", Some(_)) => {
            return Err(ApiError::validation("password", "Login type none takes no password."));
        }
        _ => return Err(ApiError::validation("login_type", "Must be password or none.")),
    };
    let organization_ids = match req.organization_ids {
        Some(ids) if !ids.is_empty() => ids,
        _ => default_organization_id(&state).await?,
    };
    let user = state
        .store
        .create_user(NewUser {
            id: Uuid::new_v4(),
            username: req.username,
            email: req.email,
            name,
            password_hash,
            login_type,
            roles: vec![],
            organization_ids,
            created_at: state.clock.now(),
        })
        .await
        .map_err(ApiError::in_body)?;
    Ok((StatusCode::CREATED, Json(wire::user(&user))))
}

async fn default_organization_id(state: &AppState) -> ApiResult<Vec<Uuid>> {
    let org = state.store.default_organization().await?;
    Ok(org.map(|o| vec![o.id]).unwrap_or_default())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListUsersParams {
    /// Case-insensitive search over username, email and name.
    pub q: Option<String>,
}

#[utoipa::path(get, path = "/api/v2/users", tag = "Users", params(ListUsersParams, PageParams),
    responses((status = 200, body = api::GetUsersResponse)))]
pub async fn list_users(
    State(state): State<AppState>,
    caller: Caller,
    Query(params): Query<ListUsersParams>,
    Query(paging): Query<PageParams>,
) -> ApiResult<Json<api::GetUsersResponse>> {
    authorize(&caller.subject, Action::Read, Object::Users)?;
    let page = paging.page(PageRule::WHOLE)?;
    let search = params.q.map(|q| q.trim().to_owned()).filter(|q| !q.is_empty());
    let query = UserQuery { search, page };
    let (users, count) = state.store.list_users(&query).await?;
    Ok(Json(api::GetUsersResponse { users: users.iter().map(wire::user).collect(), count }))
}

#[utoipa::path(get, path = "/api/v2/users/{user}", tag = "Users",
    params(("user" = String, Path, description = "`me`, a user id or a username")),
    responses((status = 200, body = api::User), (status = 404, body = api::Response)))]
pub async fn get_user(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
) -> ApiResult<Json<api::User>> {
    let user = find_user(&state, &caller, &raw).await?;
    authorize(&caller.subject, Action::Read, Object::user(&user))?;
    Ok(Json(wire::user(&user)))
}

#[utoipa::path(delete, path = "/api/v2/users/{user}", tag = "Users",
    params(("user" = String, Path)), responses((status = 200, body = api::Response)))]
pub async fn delete_user(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
) -> ApiResult<Json<api::Response>> {
    let user = find_user(&state, &caller, &raw).await?;
    authorize(&caller.subject, Action::Delete, Object::user(&user))?;
    if user.id == caller.id() {
        return Err(ApiError::bad_request("You cannot delete yourself."));
    }
    state.store.delete_user(user.id, &super::limits::change(&state, &caller)).await?;
    Ok(Json(api::Response { message: "User deleted.".into(), detail: None, validations: vec![] }))
}

#[utoipa::path(put, path = "/api/v2/users/{user}/roles", tag = "Users",
    params(("user" = String, Path)), request_body = api::UpdateRoles,
    responses((status = 200, body = api::User)))]
pub async fn update_roles(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
    Json(req): Json<api::UpdateRoles>,
) -> ApiResult<Json<api::User>> {
    let user = find_user(&state, &caller, &raw).await?;
    authorize(&caller.subject, Action::Update, Object::UserRoles { id: user.id })?;
    if user.id == caller.id() {
        return Err(ApiError::bad_request("You cannot change your own roles."));
    }
    let mut roles = Vec::with_capacity(req.roles.len());
    for name in req.roles.iter().filter(|n| n.as_str() != "member") {
        let role =
            name.parse::<Role>().map_err(|e| ApiError::validation("roles", e.to_string()))?;
        roles.push(role);
    }
    roles.sort();
    roles.dedup();
    let updated = state.store.set_user_roles(user.id, &roles, state.clock.now()).await?;
    Ok(Json(wire::user(&updated)))
}

#[utoipa::path(put, path = "/api/v2/users/{user}/status/suspend", tag = "Users",
    params(("user" = String, Path)),
    responses((status = 200, body = api::User), (status = 409, body = api::Response)))]
pub async fn suspend_user(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
) -> ApiResult<Json<api::User>> {
    set_status(&state, &caller, &raw, UserStatus::Suspended).await
}

#[utoipa::path(put, path = "/api/v2/users/{user}/status/activate", tag = "Users",
    params(("user" = String, Path)), responses((status = 200, body = api::User)))]
pub async fn activate_user(
    State(state): State<AppState>,
    caller: Caller,
    Path(raw): Path<String>,
) -> ApiResult<Json<api::User>> {
    set_status(&state, &caller, &raw, UserStatus::Active).await
}

async fn set_status(
    state: &AppState,
    caller: &Caller,
    raw: &str,
    status: UserStatus,
) -> ApiResult<Json<api::User>> {
    let user = find_user(state, caller, raw).await?;
    authorize(&caller.subject, Action::Update, Object::user(&user))?;
    if user.id == caller.id() {
        return Err(ApiError::bad_request("You cannot change your own status."));
    }
    let updated = state.store.set_user_status(user.id, status, state.clock.now()).await?;
    Ok(Json(wire::user(&updated)))
}

/// This module's routes.
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(check_first_user, create_first_user))
        .routes(routes!(login))
        .routes(routes!(logout))
        .routes(routes!(create_user, list_users))
        .routes(routes!(get_user, delete_user))
        .routes(routes!(update_roles))
        .routes(routes!(suspend_user))
        .routes(routes!(activate_user))
}
