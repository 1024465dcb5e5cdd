//! The README walkthrough, run literally: every `tollgate …` line of its `sh` blocks goes
//! through `sh -c` exactly as printed (so an unquoted `$35` would be eaten as in a person's
//! shell), against a real server, with only the deployment URL swapped for the test server's.
//! The `#   …` lines under a command are its expected output, and every amount a command
//! prints is checked against the micro-dollars the API holds.

use crate::support::{Home, PASSWORD, Server, amounts, api, both, serve, sqlite};
use std::path::Path;
use std::process::Command;

const README_URL: &str = "http://127.0.0.1:3000";
const LIMITS: &str = "/api/experimental/chats/usage-limits";

#[derive(Debug)]
struct Step {
    line: String,
    expect: Vec<String>,
    repeat: bool,
}

/// The `tollgate` lines of the walkthrough section, each with the output lines under it.
fn steps(readme: &str) -> Vec<Step> {
    let start = readme.find("## A five-minute walkthrough").expect("the walkthrough section");
    let rest = &readme[start + 3..];
    let section = &rest[..rest.find("\n## ").unwrap_or(rest.len())];
    let mut steps: Vec<Step> = Vec::new();
    let mut in_sh = false;
    // Expected output sits right under its command (or under more expected output).
    let mut open = false;
    for line in section.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with("```") {
            in_sh = trimmed == "```sh";
            open = false;
            continue;
        }
        if !in_sh {
            continue;
        }
        let expected = trimmed.strip_prefix("#   ").filter(|e| !e.starts_with(' '));
        if let Some(command) = trimmed.strip_prefix("tollgate ") {
            let (command, comment) = command.split_once("  #").unwrap_or((command, ""));
            steps.push(Step {
                line: format!("tollgate {}", command.trim()),
                expect: Vec::new(),
                repeat: comment.contains("repeat until"),
            });
            open = true;
        } else if let (Some(expected), true, Some(step)) = (expected, open, steps.last_mut()) {
            step.expect.push(expected.to_owned());
        } else {
            open = false;
        }
    }
    steps
}

/// A pattern for an expected line: literal, except that a date and time may be any.
fn pattern(expected: &str) -> regex::Regex {
    let time = regex::Regex::new(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}").expect("regex");
    let parts: Vec<String> = time.split(expected).map(regex::escape).collect();
    regex::Regex::new(&parts.join(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}")).expect("pattern")
}

struct Walk<'a> {
    server: &'a Server,
    home: &'a Home,
    work: tempfile::TempDir,
}

impl Walk<'_> {
    fn shell(&self, line: &str) -> std::process::Output {
        let bin = Path::new(env!("CARGO_BIN_EXE_tollgate")).parent().expect("bin dir");
        let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
        let line = line.replace(README_URL, &self.server.url);
        let mut cmd = Command::new("sh");
        cmd.arg("-c").arg(&line).current_dir(self.work.path()).env("PATH", path);
        cmd.env("TOLLGATE_CONFIG_DIR", self.home.path())
            .env("TOLLGATE_PASSWORD", PASSWORD)
            .env("TOLLGATE_NEW_USER_PASSWORD", PASSWORD)
            .env_remove("TOLLGATE_PROFILE")
            .env_remove("TOLLGATE_URL")
            .env_remove("TOLLGATE_TOKEN");
        cmd.output().expect("run sh")
    }

    fn step(&self, step: &Step) {
        let mut out = self.shell(&step.line);
        for _ in 0..30 {
            if !step.repeat || !out.status.success() {
                break;
            }
            self.check_amounts(&step.line, &both(&out));
            out = self.shell(&step.line);
        }
        let text = both(&out);
        let may_fail = step.expect.iter().any(|e| e.starts_with("error:"));
        assert!(out.status.success() || may_fail, "`{}` failed:\n{text}", step.line);
        assert!(!out.status.success() || !may_fail, "`{}` should fail:\n{text}", step.line);
        for expected in &step.expect {
            assert!(
                pattern(expected).is_match(&text),
                "`{}`: {expected:?} not in:\n{text}",
                step.line
            );
        }
        self.check_amounts(&step.line, &text);
    }

    fn token(&self, line: &str) -> String {
        self.home.token(if line.contains("--profile alice") { "alice" } else { "default" })
    }

    fn get(&self, line: &str, path: &str) -> serde_json::Value {
        api(&self.server.url, &self.token(line), path)
    }

    /// The amounts a command printed are the micro-dollars the API holds.
    fn check_amounts(&self, line: &str, printed: &str) {
        let shown = amounts(printed);
        let words: Vec<&str> = line.split_whitespace().collect();
        let want: Vec<i64> = if let Some(at) = words.windows(2).position(|w| w == ["limits", "set"])
        {
            let config = self.get(line, LIMITS);
            let typed: tollgate_core::Micros = words[at + 2].parse().expect("amount");
            assert_eq!(config["spend_limit_micros"].as_i64(), Some(typed.get()), "{line}");
            vec![typed.get()]
        } else if words.contains(&"override") || words.windows(2).any(|w| w == ["group", "set"]) {
            self.limit_row(line, &words)
        } else if words.ends_with(&["limits", "show"]) {
            self.all_limits(line)
        } else if words.contains(&"usage") || words.contains(&"chat") {
            self.standing(line, printed)
        } else {
            return;
        };
        assert_eq!(shown, want, "`{line}` printed:\n{printed}");
    }

    fn limit_row(&self, line: &str, words: &[&str]) -> Vec<i64> {
        let config = self.get(line, LIMITS);
        let (list, key) = if words.contains(&"override") {
            ("overrides", "username")
        } else {
            ("group_overrides", "group_name")
        };
        let who = words[words.len() - 2];
        let typed: tollgate_core::Micros = words[words.len() - 1].parse().expect("amount");
        let row = config[list].as_array().expect(list).iter().find(|r| r[key] == who).cloned();
        let stored = row.and_then(|r| r["spend_limit_micros"].as_i64());
        assert_eq!(stored, Some(typed.get()), "{line}");
        vec![typed.get()]
    }

    fn all_limits(&self, line: &str) -> Vec<i64> {
        let config = self.get(line, LIMITS);
        let mut want = vec![config["spend_limit_micros"].as_i64().expect("default")];
        for list in ["group_overrides", "overrides"] {
            let rows = config[list].as_array().expect(list);
            want.extend(rows.iter().map(|r| r["spend_limit_micros"].as_i64().expect("limit")));
        }
        want
    }

    /// `usage`, a chat's cost line or refusal, and `chat show`, against the API.
    fn standing(&self, line: &str, printed: &str) -> Vec<i64> {
        let status = self.get(line, &format!("{LIMITS}/status"));
        let spent = status["current_spend"].as_i64().expect("spend");
        let limit = status["spend_limit_micros"].as_i64().expect("limit");
        let chats = self.get(line, "/api/experimental/chats");
        let Some(chat) = chats.as_array().and_then(|c| c.first()).map(|c| c["id"].clone()) else {
            return vec![spent, limit];
        };
        let page = self
            .get(line, &format!("/api/experimental/chats/{}/messages", chat.as_str().expect("id")));
        // The API lists the newest message first; people read the oldest first.
        let mut messages = page["messages"].as_array().expect("messages").clone();
        messages.sort_by_key(|m| m["id"].as_i64());
        let costs: Vec<i64> =
            messages.iter().filter_map(|m| m["total_cost_micros"].as_i64()).collect();
        if line.contains("chat show") {
            let mut want = costs.clone();
            want.push(costs.iter().sum());
            want
        } else if printed.contains("(cost ") {
            vec![*costs.last().expect("a cost"), spent, limit]
        } else if line.contains("chat list") {
            Vec::new()
        } else {
            vec![spent, limit]
        }
    }
}

fn walkthrough(database: &str) {
    let server = serve(database);
    let home = Home::new();
    let work = tempfile::tempdir().expect("work dir");
    // The workspace example's files, as `terraform show -json` and `terraform graph` wrote them.
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/coder-terraform/devcontainer-multiple-agents");
    let seed = fixture.join("devcontainer-multiple-agents.tfstate");
    let seed = seed.display();
    std::fs::copy(format!("{seed}.json"), work.path().join("state.json")).expect("state");
    std::fs::copy(format!("{seed}.dot"), work.path().join("graph.dot")).expect("graph");
    // The example template, where the README's `templates push` finds it.
    let starter = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/templates/starter");
    let target = work.path().join("examples/templates/starter");
    std::fs::create_dir_all(&target).expect("template dir");
    std::fs::copy(starter.join("main.tf"), target.join("main.tf")).expect("template");
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md"))
            .expect("README.md");
    let steps = steps(&readme);
    assert!(steps.len() >= 20, "the walkthrough lost its commands: {steps:#?}");
    let walk = Walk { server: &server, home: &home, work };
    for step in &steps {
        walk.step(step);
    }
}

#[test]
fn readme_walkthrough_runs_literally_on_sqlite() {
    let (_dir, url) = sqlite();
    walkthrough(&url);
}

#[test]
fn readme_walkthrough_runs_literally_on_postgres() {
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let Some(db) = runtime.block_on(tollgate_store::testing::postgres()) else { return };
    walkthrough(&db.url);
    runtime.block_on(async move { drop(db) });
}

#[test]
fn the_walkthrough_parser_reads_commands_expectations_and_repeats() {
    let text = "## A five-minute walkthrough\n```sh\ntollgate limits set 50  # note\n#   Limits on: $50.00 per user per week.\n# a comment\n#   not output: a comment\ntollgate chat send x y   # repeat until…\n```\n## Next\n```sh\ntollgate not-this\n```";
    let steps = steps(text);
    assert_eq!(steps.len(), 2, "{steps:#?}");
    assert_eq!(steps[0].line, "tollgate limits set 50");
    assert_eq!(steps[0].expect, ["Limits on: $50.00 per user per week."]);
    assert!(steps[1].repeat && !steps[0].repeat);
    assert!(pattern("Resets 2026-11-30 00:00 UTC.").is_match("Resets 2027-01-04 00:00 UTC."));
    assert!(!pattern("Spent $0.00 of $20.00").is_match("Spent $0.00 of $2.00"));
}
