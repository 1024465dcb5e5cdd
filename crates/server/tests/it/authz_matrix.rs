//! The authorization matrix: every role against every endpoint (spend-limits §9,
//! identity-api.md). Allowed means "not 403"; denied means exactly 403.

use crate::support::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tollgate_core::Micros;
use tollgate_server::authz::{Action, Object, Subject, allowed};
use tollgate_store::{NewGroup, NewUser};
use uuid::Uuid;

const ROLES: [&str; 5] = ["member", "template-admin", "auditor", "user-admin", "owner"];
const ALL: &[&str] = &ROLES;
const OWNER: &[&str] = &["owner"];
const ADMINS: &[&str] = &["owner", "user-admin"];
const READERS: &[&str] = &["owner", "user-admin", "auditor"];
const CONFIG_READERS: &[&str] = &["owner", "auditor"];
const WORKSPACE_READERS: &[&str] = &["owner", "template-admin"];
const TEMPLATE_AUTHORS: &[&str] = &["owner", "template-admin"];

/// Fresh objects for one request, so a destructive call never changes what the next one sees.
struct Targets {
    user: Uuid,
    org: Uuid,
    group: Uuid,
    token_id: String,
    /// A workspace of `user` (from a plan, so it holds no agent token).
    workspace: Uuid,
}

type Build = fn(&Targets) -> (Method, String, Option<Value>);

fn endpoints() -> Vec<(&'static str, &'static [&'static str], Build)> {
    const L: &str = "/api/experimental/chats/usage-limits";
    vec![
        ("create user", ADMINS, |_| {
            (
                Method::POST,
                "/api/v2/users".into(),
                Some(
                    json!({"email": format!("{}@x.io", short()), "username": short(), "login_type": "none"}),
                ),
            )
        }),
        ("list users", READERS, |_| (Method::GET, "/api/v2/users".into(), None)),
        ("get other user", READERS, |t| (Method::GET, format!("/api/v2/users/{}", t.user), None)),
        ("get me", ALL, |_| (Method::GET, "/api/v2/users/me".into(), None)),
        ("delete user", ADMINS, |t| (Method::DELETE, format!("/api/v2/users/{}", t.user), None)),
        ("suspend user", ADMINS, |t| {
            (Method::PUT, format!("/api/v2/users/{}/status/suspend", t.user), Some(json!({})))
        }),
        ("activate user", ADMINS, |t| {
            (Method::PUT, format!("/api/v2/users/{}/status/activate", t.user), Some(json!({})))
        }),
        ("set roles", OWNER, |t| {
            (
                Method::PUT,
                format!("/api/v2/users/{}/roles", t.user),
                Some(json!({"roles": ["auditor"]})),
            )
        }),
        ("other's session key", OWNER, |t| {
            (Method::POST, format!("/api/v2/users/{}/keys", t.user), None)
        }),
        ("other's new token", OWNER, |t| {
            (
                Method::POST,
                format!("/api/v2/users/{}/keys/tokens", t.user),
                Some(json!({"token_name": "t"})),
            )
        }),
        ("other's tokens", OWNER, |t| {
            (Method::GET, format!("/api/v2/users/{}/keys/tokens", t.user), None)
        }),
        ("revoke other's token", OWNER, |t| {
            (Method::DELETE, format!("/api/v2/users/{}/keys/{}", t.user, t.token_id), None)
        }),
        ("my new token", ALL, |_| {
            (
                Method::POST,
                "/api/v2/users/me/keys/tokens".into(),
                Some(json!({"token_name": short()})),
            )
        }),
        ("my tokens", ALL, |_| (Method::GET, "/api/v2/users/me/keys/tokens".into(), None)),
        ("list organizations", ALL, |_| (Method::GET, "/api/v2/organizations".into(), None)),
        ("create organization", OWNER, |_| {
            (Method::POST, "/api/v2/organizations".into(), Some(json!({"name": short()})))
        }),
        ("get foreign organization", OWNER, |t| {
            (Method::GET, format!("/api/v2/organizations/{}", t.org), None)
        }),
        ("add member to foreign org", OWNER, |t| {
            (Method::POST, format!("/api/v2/organizations/{}/members/{}", t.org, t.user), None)
        }),
        ("remove member of foreign org", OWNER, |t| {
            (Method::DELETE, format!("/api/v2/organizations/{}/members/{}", t.org, t.user), None)
        }),
        ("create group in foreign org", OWNER, |t| {
            (
                Method::POST,
                format!("/api/v2/organizations/{}/groups", t.org),
                Some(json!({"name": short()})),
            )
        }),
        ("list foreign groups", OWNER, |t| {
            (Method::GET, format!("/api/v2/organizations/{}/groups", t.org), None)
        }),
        ("list own org groups", ALL, |_| {
            (Method::GET, "/api/v2/organizations/coder/groups".into(), None)
        }),
        ("get foreign group", OWNER, |t| {
            (Method::GET, format!("/api/v2/groups/{}", t.group), None)
        }),
        ("patch foreign group", OWNER, |t| {
            (
                Method::PATCH,
                format!("/api/v2/groups/{}", t.group),
                Some(json!({"display_name": "X"})),
            )
        }),
        ("delete foreign group", OWNER, |t| {
            (Method::DELETE, format!("/api/v2/groups/{}", t.group), None)
        }),
        ("read limit config", CONFIG_READERS, |_| (Method::GET, L.into(), None)),
        ("write limit config", OWNER, |_| {
            (Method::PUT, L.into(), Some(json!({"spend_limit_micros": 5, "period": "day"})))
        }),
        ("own limit status", ALL, |_| (Method::GET, format!("{L}/status"), None)),
        ("limit audit log", CONFIG_READERS, |_| (Method::GET, format!("{L}/audit"), None)),
        ("limit events", CONFIG_READERS, |_| (Method::GET, format!("{L}/events"), None)),
        ("list webhooks", OWNER, |_| (Method::GET, format!("{L}/webhooks"), None)),
        ("create webhook", OWNER, |_| {
            let body = json!({"url": "https://hooks.example.com/t", "secret": "s"});
            (Method::POST, format!("{L}/webhooks"), Some(body))
        }),
        ("delete webhook", OWNER, |_| {
            (Method::DELETE, format!("{L}/webhooks/{}", Uuid::new_v4()), None)
        }),
        ("limit dry run", OWNER, |_| (Method::POST, format!("{L}/dry-run"), Some(json!({})))),
        ("explain own limits", ALL, |_| (Method::GET, format!("{L}/explain?user=me"), None)),
        ("explain another's limits", CONFIG_READERS, |t| {
            (Method::GET, format!("{L}/explain?user={}", t.user), None)
        }),
        ("set user override", OWNER, |t| {
            (
                Method::PUT,
                format!("{L}/overrides/{}", t.user),
                Some(json!({"spend_limit_micros": 5})),
            )
        }),
        ("delete user override", OWNER, |t| {
            (Method::DELETE, format!("{L}/overrides/{}", t.user), None)
        }),
        ("set group override", OWNER, |t| {
            (
                Method::PUT,
                format!("{L}/group-overrides/{}", t.group),
                Some(json!({"spend_limit_micros": 5})),
            )
        }),
        ("delete group override", OWNER, |t| {
            (Method::DELETE, format!("{L}/group-overrides/{}", t.group), None)
        }),
        ("create own workspace", ALL, |_| {
            (Method::POST, "/api/v2/users/me/workspaces".into(), Some(planned_workspace(None)))
        }),
        ("create other's workspace", OWNER, |t| {
            let body = planned_workspace(Some(t.org));
            (Method::POST, format!("/api/v2/users/{}/workspaces", t.user), Some(body))
        }),
        ("get other's workspace", WORKSPACE_READERS, |t| {
            (Method::GET, format!("/api/v2/workspaces/{}", t.workspace), None)
        }),
        ("list workspaces", ALL, |_| (Method::GET, "/api/v2/workspaces".into(), None)),
        ("upload a template file", TEMPLATE_AUTHORS, |_| {
            (Method::POST, "/api/v2/files".into(), Some(json!({})))
        }),
        ("create a template version", TEMPLATE_AUTHORS, |t| {
            let body = json!({"file_id": Uuid::new_v4()});
            (Method::POST, format!("/api/v2/organizations/{}/templateversions", t.org), Some(body))
        }),
        ("list another organization's templates", TEMPLATE_AUTHORS, |t| {
            (Method::GET, format!("/api/v2/organizations/{}/templates", t.org), None)
        }),
    ]
}

/// A create-workspace body from the devcontainer fixture's plan, under a fresh name.
fn planned_workspace(org: Option<Uuid>) -> Value {
    use crate::workspaces::{DEVCONTAINERS, request};
    let mut body = request(&short(), DEVCONTAINERS, "plan");
    if let Some(org) = org {
        body["organization_id"] = json!(org);
    }
    body
}

fn short() -> String {
    format!("n{}", &Uuid::new_v4().simple().to_string()[..12])
}

async fn targets(app: &TestApp, owner: &str) -> Targets {
    let store = app.store();
    let now = app.now();
    let org = app.org(owner, &short()).await;
    let name = short();
    let user = store
        .create_user(NewUser {
            id: Uuid::new_v4(),
            username: name.clone(),
            email: format!("{name}@example.com"),
            name: String::new(),
            password_hash: None,
            login_type: "none".into(),
            roles: vec![],
            organization_ids: vec![org],
            created_at: now,
        })
        .await
        .expect("target user");
    let group = NewGroup {
        id: Uuid::new_v4(),
        organization_id: org,
        name: short(),
        display_name: String::new(),
        avatar_url: String::new(),
        created_at: now,
    };
    let group = store.create_group(group).await.expect("target group").id;
    store
        .upsert_user_limit(user.id, Micros::new(9), &tollgate_store::testing::by(now))
        .await
        .expect("user override");
    store
        .upsert_group_limit(group, Micros::new(9), &tollgate_store::testing::by(now))
        .await
        .expect("group override");
    let (_, token) = app
        .post(&format!("/api/v2/users/{}/keys/tokens", user.id), owner, json!({"token_name": "x"}))
        .await;
    let key = token["key"].as_str().expect("key");
    let token_id = key.split('-').next().expect("token id").to_owned();
    let path = format!("/api/v2/users/{}/workspaces", user.id);
    let (status, workspace) = app.post(&path, owner, planned_workspace(Some(org))).await;
    assert_eq!(status, reqwest::StatusCode::CREATED, "target workspace: {workspace}");
    let workspace = crate::support::uuid(&workspace["id"]);
    Targets { user: user.id, org, group, token_id, workspace }
}

on_both!(every_role_against_every_endpoint);

async fn every_role_against_every_endpoint(app: TestApp) {
    let (owner, _, _) = app.first_owner().await;
    let mut tokens = Vec::new();
    for role in ROLES {
        let roles: &[&str] = if role == "member" { &[] } else { &[role] };
        let name = format!("as-{role}");
        tokens.push((role, app.user(&owner, &name, roles, &[]).await.0));
    }
    let mut failures = Vec::new();
    for (endpoint, allowed_roles, build) in endpoints() {
        for (role, token) in &tokens {
            let (method, path, body) = build(&targets(&app, &owner).await);
            let (status, resp) = app.call(method, &path, Some(token), body).await;
            let want_allowed = allowed_roles.contains(role);
            let ok = if want_allowed {
                status != StatusCode::FORBIDDEN
                    && status != StatusCode::UNAUTHORIZED
                    && !status.is_server_error()
            } else {
                status == StatusCode::FORBIDDEN
            };
            if !ok {
                failures.push(format!("{endpoint} as {role}: {status} {resp}"));
            }
        }
    }
    assert!(failures.is_empty(), "authorization matrix broken:\n{}", failures.join("\n"));
}

/// The chat daemon's subject, straight against the authorizer.
#[test]
fn chatd_is_narrow() {
    let id = Uuid::new_v4();
    let table = [
        (Object::Chat { owner: id }, [true, true, true, true]),
        (Object::Workspace { owner: id }, [true, false, true, false]),
        (Object::Workspaces, [false; 4]),
        (Object::DeploymentConfig, [true, false, false, false]),
        (Object::User { id, is_owner: false }, [true, false, false, false]),
        (Object::Users, [true, false, false, false]),
        (Object::UserRoles { id }, [false; 4]),
        (Object::Group { organization: id }, [false; 4]),
        (Object::OrganizationMember { organization: id }, [false; 4]),
        (Object::Organizations, [false; 4]),
        (Object::ApiKey { owner: id }, [false; 4]),
        (Object::LimitAudit, [false; 4]),
        (Object::LimitEvents, [false; 4]),
        (Object::Webhooks, [false; 4]),
    ];
    let actions = [Action::Read, Action::Create, Action::Update, Action::Delete];
    for (object, want) in table {
        for (action, want) in actions.into_iter().zip(want) {
            assert_eq!(allowed(&Subject::Chatd, action, object), want, "{action:?} {object:?}");
        }
    }
}
