//! `tollgate limits audit` and `tollgate limits dry-run` (limits-plus §4, §5) against a real
//! server.

use crate::support::{Home, api, serve, sqlite};

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
