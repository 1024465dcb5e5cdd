//! Issue 13, points 8 and 9: help that describes everything and never shows an amount a shell
//! would eat; aligned tables; `--output json` on every list and show; workspaces; completions;
//! a server log without colour codes on a pipe.

use crate::support::{Home, redact, serve, sqlite, tollgate};
use std::path::Path;

fn repo_file(path: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    std::fs::read_to_string(root.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A `$` followed by a digit outside single quotes and before a `#` comment: what a shell
/// would expand.
fn shell_eats_money(command: &str) -> bool {
    let mut quoted = false;
    let bytes = command.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'\'' => quoted = !quoted,
            b'#' if !quoted && (i == 0 || bytes[i - 1] == b' ') => return false,
            b'$' if !quoted && bytes.get(i + 1).is_some_and(u8::is_ascii_digit) => return true,
            _ => {}
        }
    }
    false
}

/// Every `tollgate …` command in the README and the docs, in code blocks and inline code.
fn documented_commands() -> Vec<String> {
    let mut texts = vec![repo_file("README.md")];
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs");
    for entry in std::fs::read_dir(docs).expect("docs") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "md") {
            texts.push(std::fs::read_to_string(path).expect("doc"));
        }
    }
    let inline = regex::Regex::new(r"`(tollgate [^`]+)`").expect("regex");
    let mut commands = Vec::new();
    for text in &texts {
        for line in text.lines() {
            let line = line.trim();
            if line.starts_with("tollgate ") {
                commands.push(line.split("  #").next().unwrap_or(line).to_owned());
            }
            commands.extend(inline.captures_iter(line).map(|c| c[1].to_owned()));
        }
    }
    commands
}

#[test]
fn no_documented_command_loses_money_to_the_shell() {
    assert!(shell_eats_money("tollgate limits set $50") && !shell_eats_money("limits set '$50'"));
    assert!(!shell_eats_money("tollgate limits set 50  # $50.00 per user"));
    let commands = documented_commands();
    assert!(commands.len() > 30, "{commands:#?}");
    let bad: Vec<&String> = commands.iter().filter(|c| shell_eats_money(c)).collect();
    assert!(bad.is_empty(), "commands a shell would change: {bad:#?}");
    // The help's examples too: every command's --help.
    for args in [
        &["--help"][..],
        &["limits", "set", "--help"],
        &["limits", "override", "set", "--help"],
        &["limits", "group", "set", "--help"],
        &["models", "add", "--help"],
        &["chat", "--help"],
    ] {
        let out = tollgate().args(args).output().expect("help");
        let help = String::from_utf8_lossy(&out.stdout);
        assert!(help.lines().all(|l| !shell_eats_money(l)), "{args:?}:\n{help}");
    }
}

#[test]
fn help_describes_options_and_positionals() {
    let help = |args: &[&str]| {
        let out = tollgate().args(args).output().expect("help");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    insta::assert_snapshot!("help_limits_set", help(&["limits", "set", "--help"]));
    insta::assert_snapshot!("help_workspaces_create", help(&["workspaces", "create", "--help"]));
    insta::assert_snapshot!("help_users_create", help(&["users", "create", "--help"]));
}

#[test]
fn lists_are_aligned_tables_and_every_list_and_show_speaks_json() {
    let (_db, url) = sqlite();
    let server = serve(&url);
    let home = Home::new();
    home.first_user(&server);
    home.user_with_profile(&server, "alice");
    home.run(&["orgs", "create", "research"]);
    home.run(&["groups", "create", "interns"]);
    home.run(&["groups", "add", "interns", "alice"]);
    home.run(&["limits", "set", "50"]);
    home.run(&["limits", "group", "set", "interns", "20"]);
    home.run(&["limits", "override", "set", "alice", "0.002"]);
    home.run(&["providers", "add", "openai", "--api-key", "sk-test-not-a-real-key"]);
    home.run(&["chat", "Explain spend limits"]);
    let (state, graph) = seed();
    home.run(&["workspaces", "create", "dev", "--state", &state, "--graph", &graph]);

    let tables = [
        &["users", "list"][..],
        &["orgs", "list"],
        &["groups", "list"],
        &["models", "list"],
        &["providers", "list"],
        &["chat", "list"],
        &["workspaces", "list"],
        &["limits", "show"],
        &["profiles"],
    ];
    let mut transcript = String::new();
    for args in tables {
        transcript.push_str(&format!("$ tollgate {}\n{}\n", args.join(" "), home.run(args)));
    }
    insta::assert_snapshot!("tables", redact(&transcript, &home));
    assert!(!transcript.contains("sk-test"), "a provider key was printed");

    for args in [
        &tables[..],
        &[
            &["users", "show", "alice"][..],
            &["groups", "show", "interns"],
            &["chat", "show", "Explain spend limits"],
            &["workspaces", "show", "dev"],
            &["usage"],
            &["whoami"],
        ],
    ]
    .concat()
    {
        let text = home.run(&[args, &["--output", "json"]].concat());
        let parsed: Result<serde_json::Value, _> = serde_json::from_str(&text);
        assert!(parsed.is_ok(), "{args:?} -o json is not JSON:\n{text}");
    }
}

fn seed() -> (String, String) {
    let base = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/coder-terraform/devcontainer-multiple-agents")
        .join("devcontainer-multiple-agents.tfstate");
    let path = |ext: &str| format!("{}.{ext}", base.display());
    (path("json"), path("dot"))
}

#[test]
fn workspaces_are_created_listed_and_shown_as_a_tree() {
    let (_db, url) = sqlite();
    let server = serve(&url);
    let home = Home::new();
    home.first_user(&server);
    let (state, graph) = seed();
    let mut transcript =
        home.run(&["workspaces", "create", "dev", "--state", &state, "--graph", &graph]);
    transcript.push_str(&home.run(&["workspaces", "show", "dev"]));
    transcript.push_str(&home.run(&["workspaces", "show", "admin/dev"]));
    transcript.push_str(&home.fails(&["workspaces", "show", "nope"]));
    transcript.push_str(&home.fails(&[
        "workspaces",
        "create",
        "dev",
        "--state",
        &state,
        "--graph",
        &graph,
    ]));
    insta::assert_snapshot!("workspaces", redact(&transcript, &home));
    assert!(!transcript.contains("c95ffdc5-6456-464d-ae10-33126e7a0d6e"), "an agent token leaked");
    let list: serde_json::Value =
        serde_json::from_str(&home.run(&["workspaces", "list", "-o", "json"])).expect("json");
    // The list is of summaries; `show` has the resource tree.
    assert_eq!(list[0]["latest_build"]["resources"], serde_json::json!([]));
    let shown: serde_json::Value =
        serde_json::from_str(&home.run(&["workspaces", "show", "dev", "-o", "json"]))
            .expect("json");
    assert_eq!(shown["latest_build"]["resources"].as_array().map(Vec::len), Some(4));
}

#[test]
fn completions_for_bash_zsh_and_fish() {
    for shell in ["bash", "zsh", "fish"] {
        let out = tollgate().args(["completions", shell]).output().expect("completions");
        let script = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success() && script.contains("workspaces"), "{shell}: {script}");
        assert!(script.contains("whoami") && script.contains("--profile"), "{shell}");
    }
    let out = tollgate().args(["completions", "tcsh"]).output().expect("completions");
    assert!(!out.status.success());
}

#[test]
fn a_piped_server_log_has_no_colour_codes() {
    let (_db, url) = sqlite();
    let server = serve(&url);
    let home = Home::new();
    home.first_user(&server);
    let log = server.log_text();
    assert!(log.contains("INFO") && log.contains("serving"), "{log}");
    assert!(!log.contains('\u{1b}'), "colour codes in a piped log: {log:?}");
}

/// A provider call that fails is in the server's log, with the chat and the provider.
#[test]
fn a_failed_provider_call_is_in_the_server_log() {
    let (_db, url) = sqlite();
    let server = serve(&url);
    let home = Home::new();
    home.first_user(&server);
    home.run(&["providers", "add", "openai-compat", "--base-url", "http://127.0.0.1:9/v1"]);
    home.run(&["models", "add", "openai-compat", "nowhere-1", "--default"]);
    let out = home.output(&["chat", "hello"]);
    assert!(!out.status.success());
    let log = server.log_text();
    assert!(log.contains("provider call failed") && log.contains("openai-compat"), "{log}");
}
