//! `tollgate limits audit`, `limits dry-run`, `--window` and `limits explain` (limits-plus §1,
//! §2, §4, §5) against a real server.

use crate::support::{Home, Server, api, serve, serve_in, sqlite};
use serde_json::json;
use tollgate_core::Micros;

const LIMITS: &str = "/api/experimental/chats/usage-limits";

fn rows(table: &str) -> Vec<Vec<String>> {
    table
        .lines()
        .skip(1)
        .take_while(|l| !l.is_empty() && !l.starts_with("Older"))
        .map(|l| l.split("  ").map(str::trim).filter(|c| !c.is_empty()).map(String::from).collect())
        .collect()
}

#[test]
fn audit_shows_each_change_newest_first_and_pages() {
    let (_db, url) = sqlite();
    let server = serve(&url);
    let home = Home::new();
    home.first_user(&server);
    home.user_with_profile(&server, "alice");
    home.run(&["limits", "set", "50", "--period", "week"]);
    home.run(&["limits", "override", "set", "alice", "5"]);
    home.run(&["limits", "override", "set", "alice", "6"]);
    home.run(&["limits", "override", "rm", "alice"]);

    let all = rows(&home.run(&["limits", "audit"]));
    let tail: Vec<_> = all.iter().map(|r| r[r.len() - 3..].join(" | ")).collect();
    assert_eq!(
        tail,
        [
            "override.delete | alice | $6.00 → -",
            "override.set | alice | $5.00 → $6.00",
            "override.set | alice | - → $5.00",
            "config.update | - | off → $50.00/week",
        ],
        "{all:?}"
    );
    assert!(all.iter().all(|r| r.contains(&"admin".to_owned())), "{all:?}");

    let first = home.run(&["limits", "audit", "--limit", "2"]);
    let hint = first.lines().last().expect("a hint").to_owned();
    let after = hint.rsplit(' ').next().expect("an id");
    assert_eq!(hint, format!("Older entries: tollgate limits audit --after-id {after}"));
    let older = rows(&home.run(&["limits", "audit", "--after-id", after]));
    assert_eq!(older, all[2..]);
}

#[test]
fn dry_run_explains_a_proposal_and_changes_nothing() {
    let (_db, url) = sqlite();
    let server = serve(&url);
    let home = Home::new();
    home.first_user(&server);
    home.user_with_profile(&server, "alice");
    home.run(&["limits", "set", "50", "--period", "week"]);
    home.run(&["--profile", "alice", "chat", "Explain spend limits"]);

    let out = home.run(&["limits", "dry-run", "0.000001"]);
    assert!(
        out.starts_with(
            "Under this proposal 1 user would be blocked now (1 newly; 0 unblocked); 2 users \
             would get a different limit. Nothing was changed.\n"
        ),
        "{out}"
    );
    let blocked = rows(out.split_once("\n\n").expect("a table").1);
    assert_eq!(blocked.len(), 1, "{out}");
    assert_eq!(
        (blocked[0][0].as_str(), &blocked[0][2..]),
        ("alice", &["$0.000001".to_owned(), "week".to_owned()][..])
    );

    let out = home.run(&["limits", "dry-run", "--override", "alice=0.000001"]);
    assert!(
        out.contains("1 user would be blocked now (1 newly; 0 unblocked); 1 user would"),
        "{out}"
    );
    let out = home.run(&["limits", "dry-run", "--disable"]);
    assert!(out.starts_with("Under this proposal 0 users would be blocked now"), "{out}");
    let err = home.fails(&["limits", "dry-run", "--override", "alice"]);
    assert!(err.contains("NAME=AMOUNT"), "{err}");

    let config = api(&server.url, &home.token("default"), LIMITS);
    assert_eq!(
        (config["spend_limit_micros"].as_i64(), &config["overrides"]),
        (Some(50_000_000), &serde_json::json!([]))
    );
}

/// limits-plus §1: `--window` on every tier, read back by `limits show` and the API.
#[test]
fn windows_set_on_every_tier_read_back_in_show_and_the_api() {
    let (_db, url) = sqlite();
    let server = serve(&url);
    let home = Home::new();
    home.first_user(&server);
    home.user_with_profile(&server, "alice");
    home.run(&["groups", "create", "interns"]);
    let mut transcript = String::new();
    for args in [
        &["limits", "set", "--window", "day=5", "--window", "month=50"][..],
        &["limits", "override", "set", "alice", "35", "--window", "week=10"],
        &["limits", "group", "set", "interns", "20", "--window", "day=2"],
        &["limits", "override", "set", "alice", "--window", "week=none"],
        &["limits", "show"],
    ] {
        transcript.push_str(&format!("$ tollgate {}\n{}", args.join(" "), home.run(args)));
    }
    assert_eq!(
        transcript,
        "$ tollgate limits set --window day=5 --window month=50
Limits on: $50.00 per user per month; also $5.00 per day (group policy: lowest).
$ tollgate limits override set alice 35 --window week=10
alice may spend $35.00 per period; also $10.00 per week.
$ tollgate limits group set interns 20 --window day=2
Members of interns may spend $20.00 per period; also $2.00 per day.
$ tollgate limits override set alice --window week=none
alice may spend $35.00 per period.
$ tollgate limits show
Default limit: $50.00 per user per month; also $5.00 per day (group policy: lowest).

GROUP    MEMBERS    DAY  WEEK   MONTH
interns        0  $2.00     -  $20.00

USER   DAY  WEEK   MONTH
alice    -     -  $35.00
"
    );
    let config = api(&server.url, &home.token("default"), LIMITS);
    let windows = |day: Option<i64>, month: i64| json!({"day": day, "week": null, "month": month});
    assert_eq!(config["windows"], windows(Some(5_000_000), 50_000_000));
    assert_eq!(config["group_overrides"][0]["windows"], windows(Some(2_000_000), 20_000_000));
    assert_eq!(config["overrides"][0]["windows"], windows(None, 35_000_000));

    for (args, says) in [
        (&["limits", "set", "--window", "year=5"][..], "\"year\" is not a period"),
        (&["limits", "set", "40", "--window", "month=50"], "both set the month limit"),
        (&["limits", "group", "set", "interns", "--window", "day="], "hint: in a shell"),
        (
            &["limits", "override", "set", "alice", "--window", "month=none"],
            "its limit can only go with `tollgate limits override rm alice`",
        ),
    ] {
        let err = home.fails(args);
        assert!(err.contains(says), "{args:?}: {err}");
    }
    assert_eq!(
        api(&server.url, &home.token("default"), LIMITS),
        config,
        "refusals changed nothing"
    );
}

/// A server in check mode (it admits a chat whatever it costs, so one chat can spend past a
/// small limit) with its first user and alice, each with a profile.
pub fn check_mode_with_alice() -> (tempfile::TempDir, Server, Home) {
    let (db, url) = sqlite();
    let data = tempfile::tempdir().expect("data dir");
    let server = serve_in(&url, data, &["--limit-enforcement", "check"]);
    let home = Home::new();
    home.first_user(&server);
    home.user_with_profile(&server, "alice");
    (db, server, home)
}

/// limits-plus §2: alice in two groups with day limits, the day window spent past them.
#[test]
fn explain_says_which_window_blocks_and_where_each_limit_comes_from() {
    // Check mode admits the first chat whatever it costs, so it spends past the day limit.
    let (_db, server, home) = check_mode_with_alice();
    for group in ["interns", "research"] {
        home.run(&["groups", "create", group]);
        home.run(&["groups", "add", group, "alice"]);
    }
    home.run(&["limits", "set", "50"]);
    home.run(&["limits", "group", "set", "interns", "20", "--window", "day=0.0001"]);
    home.run(&["limits", "group", "set", "research", "30", "--window", "day=0.0002"]);
    home.run(&["--profile", "alice", "chat", "Explain spend limits"]);

    let out = home.run(&["--profile", "alice", "limits", "explain"]);
    let answer = api(&server.url, &home.token("alice"), &format!("{LIMITS}/explain"));
    let (day, month) = (&answer["windows"][0], &answer["windows"][2]);
    let money = |v: &serde_json::Value| Micros::new(v.as_i64().expect("micros")).to_string();
    let time = |v: &serde_json::Value| {
        let t: chrono::DateTime<chrono::Utc> = v.as_str().expect("time").parse().expect("time");
        t.format("%Y-%m-%d %H:%M UTC").to_string()
    };
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "a headline, the day and the month window:\n{out}");
    assert_eq!(
        lines[0],
        format!(
            "alice: blocked until {}; new chats and messages are refused (check enforcement)",
            time(&day["resets_at"])
        )
    );
    assert_eq!(
        lines[1],
        format!(
            "alice: blocked by the day window — {} of $0.0001 from group interns (lowest of \
             interns $0.0001, research $0.0002); resets {}",
            money(&day["spent_micros"]),
            time(&day["resets_at"])
        )
    );
    let month_line = format!(
        "alice: month window — {} of $20.00 spent, {} left, from group interns (lowest of \
         interns $20.00, research $30.00); resets {}",
        money(&month["spent_micros"]),
        money(&month["remaining_micros"]),
        time(&month["resets_at"])
    );
    assert!(lines[2].starts_with(&month_line), "{}\n{month_line}", lines[2]);

    // The owner may explain anyone, also as the server's JSON; a member only themselves.
    let theirs = home.run(&["limits", "explain", "alice"]);
    assert_eq!(theirs.lines().nth(1), Some(lines[1]));
    let json: serde_json::Value =
        serde_json::from_str(&home.run(&["limits", "explain", "alice", "-o", "json"]))
            .expect("json");
    assert_eq!(
        (&json["username"], &json["blocked"], &json["binding_period"]),
        (&json!("alice"), &json!(true), &json!("day"))
    );
    home.fails(&["--profile", "alice", "limits", "explain", "admin"]);
}
