//! Paging of every list: walking a list page by page with `limit` and `offset` yields each item
//! exactly once, in the order of the whole list; `count` stays the whole list's; bad values are
//! 400s naming the parameter; the workspace list gives summaries and the item its whole tree.

use crate::support::{TestApp, uuid};
use crate::workspaces::{DEVCONTAINERS, request};
use reqwest::StatusCode;
use serde_json::{Value, json};

const CHATS: &str = "/api/experimental/chats";
const LIMITS: &str = "/api/experimental/chats/usage-limits";

/// Where a list endpoint keeps its items in its body (`None`: the body is the array).
#[derive(Clone, Copy)]
struct List<'a> {
    path: &'a str,
    items: Option<&'a str>,
    /// The field identifying an item.
    key: &'a str,
}

impl List<'_> {
    fn url(&self, query: &str) -> String {
        let sep = if self.path.contains('?') { '&' } else { '?' };
        if query.is_empty() { self.path.to_owned() } else { format!("{}{sep}{query}", self.path) }
    }

    fn items<'v>(&self, body: &'v Value) -> &'v [Value] {
        let list = match self.items {
            Some(field) => &body[field],
            None => body,
        };
        list.as_array().unwrap_or_else(|| panic!("{}: no list in {body}", self.path))
    }
}

/// Walks `list` `limit` items at a time and checks it against the whole list (one request
/// with no `limit`): every item once, in the same order, no page over `limit`, `count` (when
/// the list has one) the total on every page. Returns the keys.
async fn walk(app: &TestApp, token: &str, list: List<'_>, limit: usize) -> Vec<Value> {
    let (status, whole) = app.get(&list.url(""), token).await;
    assert_eq!(status, StatusCode::OK, "{}: {whole}", list.path);
    let want: Vec<Value> = list.items(&whole).iter().map(|i| i[list.key].clone()).collect();
    assert!(want.len() > limit, "{}: {} items do not fill two pages", list.path, want.len());
    let mut walked = Vec::new();
    for offset in (0..).step_by(limit) {
        let (status, body) =
            app.get(&list.url(&format!("limit={limit}&offset={offset}")), token).await;
        assert_eq!(status, StatusCode::OK, "{}: {body}", list.path);
        let page = list.items(&body);
        assert!(page.len() <= limit, "{}: a page of {} over limit {limit}", list.path, page.len());
        if list.items.is_some() && !body["count"].is_null() {
            assert_eq!(body["count"], json!(want.len()), "{}: count is the total", list.path);
        }
        walked.extend(page.iter().map(|i| i[list.key].clone()));
        if page.len() < limit {
            break;
        }
    }
    assert_eq!(walked, want, "{}: pages skipped, repeated or reordered items", list.path);
    walked
}

/// Bad paging values: 400, Coder's message, the parameter named in the detail and validations.
async fn refuses_bad_values(app: &TestApp, token: &str, list: List<'_>, max: i64) {
    let too_big = format!("limit={}", max + 1);
    for (query, field) in [
        ("limit=-1", "limit"),
        ("limit=abc", "limit"),
        ("limit=2.5", "limit"),
        (too_big.as_str(), "limit"),
        ("offset=-1", "offset"),
        ("offset=x", "offset"),
        ("offset=99999999999", "offset"),
    ] {
        let (status, body) = app.get(&list.url(query), token).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{} {query}: {body}", list.path);
        assert_eq!(body["message"], "Query parameters have invalid values.", "{body}");
        assert_eq!(body["validations"][0]["field"], field, "{} {query}: {body}", list.path);
        let detail = body["detail"].as_str().unwrap_or_default();
        assert!(detail.contains(&format!("\"{field}\"")), "{} {query}: {body}", list.path);
    }
    // 0 is the default page, as absent is (Coder reads 0 as "no limit").
    let (status, zero) = app.get(&list.url("limit=0"), token).await;
    assert_eq!(status, StatusCode::OK, "{}: {zero}", list.path);
    assert_eq!(zero, app.get(&list.url(""), token).await.1, "{}", list.path);
}

async fn identity_lists_page(app: TestApp) {
    let (owner, owner_id, org) = app.first_owner().await;
    for name in ["dave", "bob", "alice", "carol", "erin"] {
        app.user(&owner, name, &[], &[]).await;
    }
    for name in ["zeta", "beta", "alpha", "gamma"] {
        app.org(&owner, name).await;
    }
    for name in ["ops", "devs", "qa", "admins"] {
        app.group(&owner, org, name, &[]).await;
    }
    for name in ["t1", "t2", "t3"] {
        let path = "/api/v2/users/me/keys/tokens";
        let (status, body) = app.post(path, &owner, json!({"token_name": name})).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let groups = format!("/api/v2/organizations/{org}/groups");
    let tokens = format!("/api/v2/users/{owner_id}/keys/tokens");
    let lists = [
        List { path: "/api/v2/users", items: Some("users"), key: "username" },
        List { path: "/api/v2/users?q=r", items: Some("users"), key: "username" },
        List { path: "/api/v2/organizations", items: None, key: "name" },
        List { path: &groups, items: None, key: "name" },
        List { path: &tokens, items: None, key: "id" },
    ];
    for list in lists {
        walk(&app, &owner, list, 2).await;
        refuses_bad_values(&app, &owner, list, 1000).await;
    }
    // The order is Coder's (users by username) and the count the filter's, not the page's.
    let users = walk(&app, &owner, lists[0], 4).await;
    assert_eq!(users, ["alice", "bob", "carol", "dave", "erin", "owner"].map(|u| json!(u)));
    let (_, page) = app.get("/api/v2/users?q=r&limit=1&offset=1", &owner).await;
    assert_eq!((&page["count"], page["users"].as_array().map(Vec::len)), (&json!(3), Some(1)));
    let (_, past) = app.get("/api/v2/users?offset=100", &owner).await;
    assert_eq!((&past["count"], &past["users"]), (&json!(6), &json!([])));
}

async fn chat_lists_page(app: TestApp) {
    let (owner, owner_id, org) = app.first_owner().await;
    for (i, name) in ["ann", "bob", "cat"].into_iter().enumerate() {
        let (_, id) = app.user(&owner, name, &[], &[]).await;
        app.spend(id, org, (i as i64 + 1) * 1000).await;
        let path = format!("{LIMITS}/overrides/{id}");
        let (status, body) = app.put(&path, &owner, json!({"spend_limit_micros": 5000})).await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
    for _ in 0..5 {
        app.spend(owner_id, org, 10).await;
    }
    for model in ["m1", "m2", "m3"] {
        let body = json!({"provider": "simulated", "model": model, "context_limit": 1000});
        let (status, body) = app.post(&format!("{CHATS}/model-configs"), &owner, body).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    // The cost window ends now, exclusive: step past the spending.
    app.clock.set(app.now() + chrono::Duration::seconds(1));
    let costs = format!("{CHATS}/cost/users");
    let lists = [
        (List { path: CHATS, items: None, key: "id" }, 200),
        (List { path: &format!("{CHATS}/model-configs"), items: None, key: "id" }, 1000),
        (List { path: &costs, items: Some("users"), key: "user_id" }, 1000),
        (List { path: LIMITS, items: Some("overrides"), key: "user_id" }, 1000),
    ];
    for (list, max) in lists {
        walk(&app, &owner, list, 2).await;
        refuses_bad_values(&app, &owner, list, max).await;
    }
    // Chats default to pages of 50 (chats.md); the messages list takes `limit` alone.
    let chat = app.get(CHATS, &owner).await.1[0]["id"].as_str().map(str::to_owned);
    let messages = format!("{CHATS}/{}/messages", chat.expect("a chat"));
    for query in ["limit=-1", "limit=201", "limit=x"] {
        let (status, body) = app.get(&format!("{messages}?{query}"), &owner).await;
        assert_eq!(
            (status, &body["validations"][0]["field"]),
            (StatusCode::BAD_REQUEST, &json!("limit"))
        );
    }
    let (status, body) = app.get(&format!("{messages}?limit=0"), &owner).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

async fn workspace_list_pages_summaries(app: TestApp) {
    let (owner, _, _) = app.first_owner().await;
    let (ann, _) = app.user(&owner, "ann", &[], &[]).await;
    for name in ["delta", "alpha", "charlie"] {
        app.workspace(&owner, "me", request(name, DEVCONTAINERS, "plan")).await;
    }
    app.workspace(&ann, "me", request("bravo", DEVCONTAINERS, "plan")).await;
    let list = List { path: "/api/v2/workspaces", items: Some("workspaces"), key: "name" };
    let names = walk(&app, &owner, list, 3).await;
    assert_eq!(names, ["bravo", "alpha", "charlie", "delta"].map(|n| json!(n)), "by owner, name");
    refuses_bad_values(&app, &owner, list, 1000).await;
    let (_, mine) = app.get("/api/v2/workspaces?limit=1", &ann).await;
    assert_eq!((&mine["count"], &mine["workspaces"][0]["name"]), (&json!(1), &json!("bravo")));
    // The list leaves each build's resource tree out; the item has it.
    let (_, listed) = app.get("/api/v2/workspaces", &owner).await;
    for summary in listed["workspaces"].as_array().expect("workspaces") {
        let (status, item) =
            app.get(&format!("/api/v2/workspaces/{}", uuid(&summary["id"])), &owner).await;
        assert_eq!(status, StatusCode::OK, "{item}");
        assert_eq!(summary["latest_build"]["resources"], json!([]), "{summary}");
        assert!(item["latest_build"]["resources"].as_array().is_some_and(|r| !r.is_empty()));
        let mut trimmed = item.clone();
        trimmed["latest_build"]["resources"] = json!([]);
        assert_eq!(*summary, trimmed, "a summary is the item without its tree");
    }
}

on_both!(identity_lists_page, chat_lists_page, workspace_list_pages_summaries);
