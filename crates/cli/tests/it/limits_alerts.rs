//! `tollgate limits set --notify-at`, `limits events` and `limits webhooks` (limits-plus §6)
//! against a real server.

use crate::limits_plus::check_mode_with_alice;
use crate::support::api;

const LIMITS: &str = "/api/experimental/chats/usage-limits";

#[test]
fn events_are_listed_and_webhooks_added_listed_and_removed() {
    // Check mode admits the chat whatever it costs, so it spends past the day limit at once.
    let (_db, server, home) = check_mode_with_alice();
    let out = home.run(&["limits", "set", "0.0001", "--period", "day", "--notify-at", "50"]);
    assert!(out.starts_with("Limits on: $0.0001 per user per day"), "{out}");
    let config = api(&server.url, &home.token("default"), LIMITS);
    assert_eq!(config["notify_at_percent"], serde_json::json!([50]));
    home.run(&["--profile", "alice", "chat", "Explain spend limits"]);

    let out = home.run(&["limits", "events"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "a header and two events:\n{out}");
    assert!(lines[0].contains("EVENT") && lines[0].contains("RESETS"), "{out}");
    assert!(
        lines[1].contains("alice") && lines[1].contains("day") && lines[1].contains("50 % reached"),
        "{out}"
    );
    assert!(lines[2].contains("exhausted") && lines[2].contains("of $0.0001"), "{out}");
    let json = home.run(&["limits", "events", "-o", "json"]);
    let page: serde_json::Value = serde_json::from_str(&json).expect("json");
    let first = page["events"][0]["id"].as_i64().expect("an id");
    let newer = home.run(&["limits", "events", "--after-id", &first.to_string()]);
    assert_eq!(newer.lines().count(), 2, "{newer}");

    let added = home.run(&["limits", "webhooks", "add", "https://hooks.example.com/tollgate"]);
    let id = added.split_whitespace().nth(1).expect("an id").to_owned();
    let secret = added.trim_end().rsplit(' ').next().expect("the secret").to_owned();
    assert!(added.contains("Signing secret (shown once"), "{added}");
    assert_eq!(secret.len(), 64, "{added}");
    let listed = home.run(&["limits", "webhooks", "list"]);
    assert!(
        listed.contains(&id) && listed.contains("https://hooks.example.com/tollgate"),
        "{listed}"
    );
    let json = home.run(&["limits", "webhooks", "list", "-o", "json"]);
    assert!(!json.contains(&secret), "the secret is never shown again: {json}");
    let given =
        home.run(&["limits", "webhooks", "add", "https://b.example.com/", "--secret", "mine"]);
    assert!(!given.contains("Signing secret"), "{given}");

    assert_eq!(home.run(&["limits", "webhooks", "rm", &id]), format!("Webhook {id} removed.\n"));
    let err = home.fails(&["limits", "webhooks", "rm", &id]);
    assert!(err.contains("Webhook not found."), "{err}");
    let err = home.fails(&["limits", "set", "5", "--notify-at", "90,80"]);
    assert!(err.contains("ascending"), "{err}");
    let err = home.fails(&["limits", "set", "5", "--notify-at", "eighty"]);
    assert!(err.contains("\"eighty\" is not a percentage"), "{err}");
    let err = home.fails(&["--profile", "alice", "limits", "events"]);
    assert!(
        err.contains("403")
            || err.to_lowercase().contains("forbidden")
            || err.contains("permission"),
        "{err}"
    );
}
