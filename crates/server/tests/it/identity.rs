//! identity-api.md: first user, login, users, tokens, organizations and groups.

use crate::support::{PASSWORD, TestApp, uuid};
use reqwest::{Method, StatusCode};
use serde_json::json;

on_both!(
    first_user_is_set_up_once,
    login_checks_passwords_and_throttles,
    users_are_created_listed_and_deleted,
    tokens_are_shown_once_and_can_be_revoked,
    organizations_and_members,
    groups_and_the_everyone_group,
);

async fn first_user_is_set_up_once(app: TestApp) {
    let (status, _) = app.call(Method::GET, "/api/v2/users/first", None, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (token, id, org) = app.first_owner().await;
    let (status, _) = app.call(Method::GET, "/api/v2/users/first", None, None).await;
    assert_eq!(status, StatusCode::OK);
    let again = json!({"email": "x@example.com", "username": "x", "password": PASSWORD});
    let (status, err) = app.call(Method::POST, "/api/v2/users/first", None, Some(again)).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(err["message"], "The initial user has already been created.");

    let (status, me) = app.get("/api/v2/users/me", &token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(uuid(&me["id"]), id);
    assert_eq!(me["roles"], json!([{"name": "owner", "display_name": "Owner"}]));
    assert_eq!(me["organization_ids"], json!([org]));
    assert_eq!(me["status"], "active");
    let (_, orgs) = app.get("/api/v2/organizations", &token).await;
    assert_eq!(orgs[0]["is_default"], true);
    assert_eq!(uuid(&orgs[0]["id"]), org);
}

async fn login_checks_passwords_and_throttles(app: TestApp) {
    app.first_owner().await;
    let wrong = json!({"email": "owner@example.com", "password": "not-the-password"});
    let (status, err) =
        app.call(Method::POST, "/api/v2/users/login", None, Some(wrong.clone())).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(err["message"], "Incorrect email or password.");
    let unknown = json!({"email": "nobody@example.com", "password": PASSWORD});
    let (status, _) = app.call(Method::POST, "/api/v2/users/login", None, Some(unknown)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let mut last = StatusCode::OK;
    for _ in 0..10 {
        last = app.call(Method::POST, "/api/v2/users/login", None, Some(wrong.clone())).await.0;
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
    // A minute later the right password works again.
    app.clock.set(app.now() + chrono::Duration::seconds(61));
    app.login("OWNER@example.com").await;
}

async fn users_are_created_listed_and_deleted(app: TestApp) {
    let (owner, _, org) = app.first_owner().await;
    let (_, alice) = app.user(&owner, "alice", &[], &[]).await;
    let dup = json!({"email": "other@example.com", "username": "ALICE", "password": PASSWORD});
    let (status, err) = app.post("/api/v2/users", &owner, dup).await;
    assert_eq!(status, StatusCode::CONFLICT, "{err}");
    let dup = json!({"email": "Alice@Example.com", "username": "alice2", "password": PASSWORD});
    assert_eq!(app.post("/api/v2/users", &owner, dup).await.0, StatusCode::CONFLICT);

    let (status, list) = app.get("/api/v2/users?q=ali", &owner).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["count"], 1);
    assert_eq!(list["users"][0]["organization_ids"], json!([org]));
    let (_, list) = app.get("/api/v2/users?limit=1&offset=1", &owner).await;
    assert_eq!(
        (list["count"].clone(), list["users"].as_array().map(Vec::len)),
        (json!(2), Some(1))
    );

    let (status, by_name) = app.get("/api/v2/users/alice", &owner).await;
    assert_eq!((status, uuid(&by_name["id"])), (StatusCode::OK, alice));
    let (status, err) = app.delete("/api/v2/users/me", &owner).await;
    assert_eq!(
        (status, err["message"].clone()),
        (StatusCode::BAD_REQUEST, json!("You cannot delete yourself."))
    );
    assert_eq!(app.delete(&format!("/api/v2/users/{alice}"), &owner).await.0, StatusCode::OK);
    assert_eq!(app.get(&format!("/api/v2/users/{alice}"), &owner).await.0, StatusCode::NOT_FOUND);
    let login = json!({"email": "alice@example.com", "password": PASSWORD});
    assert_eq!(
        app.call(Method::POST, "/api/v2/users/login", None, Some(login)).await.0,
        StatusCode::UNAUTHORIZED
    );
}

async fn tokens_are_shown_once_and_can_be_revoked(app: TestApp) {
    let (owner, _, _) = app.first_owner().await;
    let (status, created) =
        app.post("/api/v2/users/me/keys/tokens", &owner, json!({"token_name": "ci"})).await;
    assert_eq!(status, StatusCode::CREATED);
    let key = created["key"].as_str().expect("key").to_owned();
    let (status, _) =
        app.post("/api/v2/users/me/keys/tokens", &owner, json!({"token_name": "ci"})).await;
    assert_eq!(status, StatusCode::CONFLICT);

    let (status, list) = app.get("/api/v2/users/me/keys/tokens", &key).await;
    assert_eq!(status, StatusCode::OK);
    let secret = key.split_once('-').expect("id-secret").1;
    assert!(!list.to_string().contains(secret), "a listed token leaks its secret: {list}");
    let id = key.split('-').next().expect("id");
    assert!(
        list.as_array().expect("list").iter().any(|t| t["id"] == id && t["token_name"] == "ci")
    );

    // Bearer works as well as Coder's header.
    let bearer = app.http.get(format!("{}/api/v2/users/me", app.base)).bearer_auth(&key);
    assert_eq!(app.raw(bearer).await.0, StatusCode::OK);

    assert_eq!(
        app.delete(&format!("/api/v2/users/me/keys/{id}"), &owner).await.0,
        StatusCode::NO_CONTENT
    );
    let (status, err) = app.get("/api/v2/users/me", &key).await;
    assert_eq!(
        (status, err["message"].clone()),
        (StatusCode::UNAUTHORIZED, json!("Invalid session token."))
    );

    let session = app.login("owner@example.com").await;
    assert_eq!(app.post("/api/v2/users/logout", &session, json!({})).await.0, StatusCode::OK);
    assert_eq!(app.get("/api/v2/users/me", &session).await.0, StatusCode::UNAUTHORIZED);

    // Tokens expire by the clock.
    let (_, short) = app
        .post(
            "/api/v2/users/me/keys/tokens",
            &owner,
            json!({"token_name": "short", "lifetime": 60_000_000_000i64}),
        )
        .await;
    let short = short["key"].as_str().expect("key").to_owned();
    app.clock.set(app.now() + chrono::Duration::seconds(61));
    assert_eq!(app.get("/api/v2/users/me", &short).await.0, StatusCode::UNAUTHORIZED);
}

async fn organizations_and_members(app: TestApp) {
    let (owner, _, default_org) = app.first_owner().await;
    let (alice_token, alice) = app.user(&owner, "alice", &[], &[]).await;
    let org = app.org(&owner, "research").await;
    let (status, _) = app.post("/api/v2/organizations", &owner, json!({"name": "Research"})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, by_name) = app.get("/api/v2/organizations/research", &owner).await;
    assert_eq!((status, uuid(&by_name["id"])), (StatusCode::OK, org));
    assert_eq!(by_name["is_default"], false);

    let (_, mine) = app.get("/api/v2/organizations", &alice_token).await;
    assert_eq!(mine.as_array().map(Vec::len), Some(1));
    assert_eq!(uuid(&mine[0]["id"]), default_org);
    assert_eq!(
        app.get(&format!("/api/v2/organizations/{org}"), &alice_token).await.0,
        StatusCode::FORBIDDEN
    );

    let (status, member) =
        app.post(&format!("/api/v2/organizations/{org}/members/{alice}"), &owner, json!({})).await;
    assert_eq!((status, uuid(&member["user_id"])), (StatusCode::OK, alice));
    assert_eq!(
        app.get(&format!("/api/v2/organizations/{org}"), &alice_token).await.0,
        StatusCode::OK
    );
    let (_, me) = app.get("/api/v2/users/me", &alice_token).await;
    assert_eq!(me["organization_ids"].as_array().map(Vec::len), Some(2));

    let path = format!("/api/v2/organizations/{org}/members/{alice}");
    assert_eq!(app.delete(&path, &owner).await.0, StatusCode::NO_CONTENT);
    assert_eq!(app.delete(&path, &owner).await.0, StatusCode::NOT_FOUND);
}

async fn groups_and_the_everyone_group(app: TestApp) {
    let (owner, owner_id, org) = app.first_owner().await;
    let (_, alice) = app.user(&owner, "alice", &[], &[]).await;
    let (_, bob) = app.user(&owner, "bob", &[], &[]).await;
    let group = app.group(&owner, org, "team", &[alice]).await;
    let (status, _) = app
        .post(&format!("/api/v2/organizations/{org}/groups"), &owner, json!({"name": "team"}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);

    let patch = json!({"add_users": [bob], "remove_users": [alice], "display_name": "The Team"});
    let (status, g) = app
        .call(Method::PATCH, &format!("/api/v2/groups/{group}"), Some(&owner), Some(patch))
        .await;
    assert_eq!(status, StatusCode::OK, "{g}");
    assert_eq!(g["display_name"], "The Team");
    assert_eq!(
        g["members"].as_array().map(|m| m.iter().map(|u| uuid(&u["id"])).collect::<Vec<_>>()),
        Some(vec![bob])
    );
    assert_eq!(g["total_member_count"], 1);
    assert_eq!(g["source"], "user");

    let (status, groups) = app.get(&format!("/api/v2/organizations/{org}/groups"), &owner).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(groups[0]["name"], "Everyone");
    assert_eq!(uuid(&groups[0]["id"]), org);
    assert_eq!(groups[0]["total_member_count"], 3);
    let ids: Vec<_> =
        groups[0]["members"].as_array().expect("members").iter().map(|m| uuid(&m["id"])).collect();
    assert!(ids.contains(&owner_id) && ids.contains(&alice) && ids.contains(&bob));

    let (status, _) = app
        .call(
            Method::PATCH,
            &format!("/api/v2/groups/{org}"),
            Some(&owner),
            Some(json!({"add_users": [alice]})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, err) = app.delete(&format!("/api/v2/groups/{org}"), &owner).await;
    assert_eq!(
        (status, err["message"].clone()),
        (StatusCode::BAD_REQUEST, json!("The Everyone group cannot be deleted."))
    );

    // Adding someone outside the organization changes nothing, not even the rest of the patch.
    let outsider_org = app.org(&owner, "elsewhere").await;
    let (_, carol) = app.user(&owner, "carol", &[], &[outsider_org]).await;
    let patch = json!({"add_users": [carol], "display_name": "Renamed"});
    let (status, _) = app
        .call(Method::PATCH, &format!("/api/v2/groups/{group}"), Some(&owner), Some(patch))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (_, g) = app.get(&format!("/api/v2/groups/{group}"), &owner).await;
    assert_eq!(g["display_name"], "The Team");
    assert_eq!(app.delete(&format!("/api/v2/groups/{group}"), &owner).await.0, StatusCode::OK);
    assert_eq!(app.get(&format!("/api/v2/groups/{group}"), &owner).await.0, StatusCode::NOT_FOUND);
}
