//! Issue 13, points 1 and 2: amounts typed as people type them (through a real shell), and
//! shown exactly — a sub-cent limit or spend never reads `$0.00`.

use crate::support::{Home, amounts, api, both, redact, serve, shell, sqlite};

const LIMITS: &str = "/api/experimental/chats/usage-limits";

fn override_of(server: &crate::support::Server, home: &Home, user: &str) -> Option<i64> {
    let config = api(&server.url, &home.token("default"), LIMITS);
    let rows = config["overrides"].as_array().cloned().unwrap_or_default();
    rows.iter().find(|r| r["username"] == user).and_then(|r| r["spend_limit_micros"].as_i64())
}

#[test]
fn amounts_typed_plainly_or_quoted_set_exactly_that_through_a_shell() {
    let (_db, url) = sqlite();
    let server = serve(&url);
    let home = Home::new();
    home.first_user(&server);
    home.user_with_profile(&server, "bob");

    let mut transcript = String::new();
    for (line, micros) in [
        ("tollgate limits override set bob 35", 35_000_000),
        ("tollgate limits override set bob '$35'", 35_000_000),
        ("tollgate limits override set bob 12.50", 12_500_000),
        ("tollgate limits override set bob 0.002", 2_000),
        ("tollgate limits override set bob 12500000micros", 12_500_000),
    ] {
        let out = shell(&home, line);
        let text = both(&out);
        assert!(out.status.success(), "{line}: {text}");
        assert_eq!(override_of(&server, &home, "bob"), Some(micros), "{line}");
        assert_eq!(amounts(&text), [micros], "{line}: {text}");
        transcript.push_str(&format!("$ {line}\n{text}"));
    }
    // What an unquoted `$` leaves after the shell: refused, with the reason, before any request.
    for line in ["tollgate limits set $50", "tollgate limits override set bob $5"] {
        let out = shell(&home, line);
        assert!(!out.status.success(), "{line}");
        transcript.push_str(&format!("$ {line}\n{}", both(&out)));
    }
    let out = shell(&home, "tollgate limits set 0.0000001");
    assert!(!out.status.success());
    transcript.push_str(&format!("$ tollgate limits set 0.0000001\n{}", both(&out)));
    assert_eq!(override_of(&server, &home, "bob"), Some(12_500_000), "refusals changed nothing");
    insta::assert_snapshot!("amounts_through_a_shell", redact(&transcript, &home));
}

#[test]
fn sub_cent_limits_and_spend_are_shown_to_the_micro() {
    let (_db, url) = sqlite();
    let server = serve(&url);
    let home = Home::new();
    home.first_user(&server);
    home.user_with_profile(&server, "alice");
    home.run(&["limits", "set", "50", "--period", "month"]);

    let set = home.run(&["limits", "override", "set", "alice", "0.002"]);
    assert_eq!(set, "alice may spend $0.002 per period.\n");
    let chat = home.run(&["--profile", "alice", "chat", "Explain spend limits"]);
    let usage = home.run(&["--profile", "alice", "usage"]);

    let status = api(&server.url, &home.token("alice"), &format!("{LIMITS}/status"));
    let spent = status["current_spend"].as_i64().expect("spend");
    assert!(spent > 0 && spent < 10_000, "a sub-cent chat: {spent}");
    let cost_line = chat.lines().find(|l| l.starts_with("(cost ")).expect("the cost line");
    assert_eq!(amounts(cost_line), [spent, spent, 2_000], "{cost_line}");
    assert_eq!(amounts(&usage), [spent, 2_000], "{usage}");
    assert!(!usage.contains("$0.00 "), "{usage}");
    let transcript = format!("{set}{cost_line}\n{usage}");
    insta::assert_snapshot!("sub_cent_amounts", redact(&transcript, &home));
}

/// Point 4: a new amount keeps the period and the group policy unless they are named.
#[test]
fn a_new_amount_keeps_the_period_and_the_group_policy() {
    let (_db, url) = sqlite();
    let server = serve(&url);
    let home = Home::new();
    home.first_user(&server);
    let mut transcript = String::new();
    for args in [
        &["limits", "set", "50", "--period", "week"][..],
        &["limits", "set", "60"],
        &["limits", "set", "70", "--group-policy", "highest"],
        &["limits", "set", "80"],
        &["limits", "set", "90", "--period", "day"],
    ] {
        transcript.push_str(&home.run(args));
    }
    let config = api(&server.url, &home.token("default"), LIMITS);
    assert_eq!(config["period"], "day");
    assert_eq!(config["group_policy"], "highest");
    assert_eq!(config["spend_limit_micros"], 90_000_000);
    insta::assert_snapshot!("limits_keep_period_and_policy", transcript);
}
