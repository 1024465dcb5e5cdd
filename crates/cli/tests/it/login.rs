//! Issue 13, points 3, 6 and 7: deployment URLs as people paste them, new passwords typed twice
//! with the rule told first, and one saved session per profile.

use crate::support::{Home, PASSWORD, Server, both, redact, serve, sqlite};

#[test]
fn login_reads_urls_as_people_paste_them() {
    let (_db, url) = sqlite();
    let server = serve(&url);
    let port = server.url.rsplit(':').next().expect("port").to_owned();
    let owner = Home::new();
    // An API URL copied from the docs sets up the first user on the deployment itself.
    let api_url = format!("{}/api/v2", server.url);
    let first = owner.run(&[
        "login",
        &api_url,
        "--username",
        "admin",
        "--email",
        "admin@example.com",
        "--password",
        PASSWORD,
    ]);
    // host:port without a scheme.
    let other = Home::new();
    let bare = other.run(&[
        "login",
        &format!("127.0.0.1:{port}"),
        "--email",
        "admin@example.com",
        "--password",
        PASSWORD,
    ]);
    // Something that answers HTTP but is not a tollgate deployment's root.
    let wrong =
        other.fails(&["login", &format!("{}/somewhere/else", server.url), "--password", "x"]);
    let transcript = format!("{first}---\n{bare}---\n{wrong}");
    insta::assert_snapshot!(
        "login_urls",
        redact(&transcript, &other).replace(&owner.path().display().to_string(), "[config]")
    );
    assert!(first.contains("Created the first user admin"), "{first}");
}

fn signed_in_pair() -> (tempfile::TempDir, Server, Home) {
    let (db, url) = sqlite();
    let server = serve(&url);
    let home = Home::new();
    home.first_user(&server);
    home.user_with_profile(&server, "alice");
    (db, server, home)
}

#[test]
fn profiles_keep_one_session_each() {
    let (_db, _server, home) = signed_in_pair();
    let who = |args: &[&str]| {
        let out = home.run(&[args, &["whoami", "-o", "json"]].concat());
        let me: serde_json::Value = serde_json::from_str(&out).expect("whoami json");
        me["user"]["username"].as_str().expect("username").to_owned()
    };
    assert_eq!(who(&[]), "admin", "the first profile stays the default");
    assert_eq!(who(&["--profile", "alice"]), "alice");
    let by_env = home.command(&["whoami"]).env("TOLLGATE_PROFILE", "alice").output().expect("run");
    assert!(both(&by_env).starts_with("alice (alice@example.com) on http://127.0.0.1:"));

    let mut transcript = home.run(&["profiles"]);
    transcript.push_str(&home.run(&["--profile", "alice", "whoami"]));
    transcript.push_str(&home.run(&["profiles", "use", "alice"]));
    assert_eq!(who(&[]), "alice");
    transcript.push_str(&home.run(&["logout"]));
    transcript.push_str(&home.run(&["profiles"]));
    // With the active profile gone, commands use `default` again.
    transcript.push_str(&home.run(&["whoami"]));
    transcript.push_str(&home.fails(&["--profile", "bob", "usage"]));
    assert_eq!(who(&["--profile", "default"]), "admin", "logging alice out kept admin");
    insta::assert_snapshot!("profiles", redact(&transcript, &home));
}

#[test]
fn a_session_saved_before_profiles_is_the_default_profile() {
    let (_db, server, home) = signed_in_pair();
    let old = Home::new();
    let session = serde_json::json!({"url": server.url, "token": home.token("default")});
    std::fs::write(old.path().join("session.json"), session.to_string()).expect("session.json");
    assert!(old.run(&["whoami"]).starts_with("admin (admin@example.com)"));
}

#[test]
fn without_a_terminal_nothing_is_asked_and_the_flag_is_named() {
    let (_db, server, home) = signed_in_pair();
    let err = home.fails(&["users", "create", "carol", "--email", "carol@example.com"]);
    assert!(
        err.contains("a password for carol is needed: pass --password or --no-password"),
        "{err}"
    );
    let err = home.fails(&[
        "users",
        "create",
        "carol",
        "--email",
        "c@example.com",
        "--password",
        "short",
    ]);
    assert!(err.contains("the password must be 8 to 256 characters (it has 5)"), "{err}");
    let fresh = Home::new();
    let err = fresh.fails(&["login", &server.url, "--email", "admin@example.com"]);
    assert!(err.contains("admin@example.com's password is needed: pass --password"), "{err}");
}

/// Prompts on a real pseudo-terminal, as a person sees them.
#[cfg(unix)]
mod terminal {
    use super::*;
    use rexpect::session::spawn_command;

    const TIMEOUT_MS: Option<u64> = Some(60_000);

    #[test]
    fn the_first_password_is_typed_twice_after_the_rule_is_shown() {
        let (_db, url) = sqlite();
        let server = serve(&url);
        let home = Home::new();
        let mut cmd = home.command(&["login", &server.url, "--username", "admin"]);
        cmd.stdin(std::process::Stdio::inherit());
        let mut p = spawn_command(cmd, TIMEOUT_MS).expect("spawn on a pty");
        p.exp_string("has no users yet. Create the first user (an owner).").expect("intro");
        p.exp_string("Email: ").expect("email prompt");
        p.send_line("admin@example.com").expect("send");
        p.exp_string("Choose a password for admin (8 to 256 characters).").expect("rule first");
        p.exp_string("New password for admin: ").expect("prompt");
        p.send_line("short").expect("send");
        p.exp_string("The password must be 8 to 256 characters (it has 5); try again.")
            .expect("rule");
        p.exp_string("New password for admin: ").expect("asked again");
        p.send_line(PASSWORD).expect("send");
        p.exp_string("Confirm admin's password: ").expect("confirm");
        p.send_line("a-typo-in-the-confirmation").expect("send");
        p.exp_string("The passwords do not match; try again.").expect("mismatch");
        p.exp_string("New password for admin: ").expect("asked again");
        p.send_line(PASSWORD).expect("send");
        p.exp_string("Confirm admin's password: ").expect("confirm");
        p.send_line(PASSWORD).expect("send");
        p.exp_string("Created the first user admin, an owner.").expect("created");
        p.exp_string("Signed in to").expect("signed in");
        p.exp_eof().expect("exit");
        // The password that was confirmed is the one that works.
        let again = Home::new();
        again.run(&["login", &server.url, "--email", "admin@example.com", "--password", PASSWORD]);
    }

    #[test]
    fn a_new_users_password_prompt_says_whose_it_is() {
        let (_db, server, home) = signed_in_pair();
        let mut cmd = home.command(&["users", "create", "carol", "--email", "carol@example.com"]);
        cmd.stdin(std::process::Stdio::inherit());
        let mut p = spawn_command(cmd, TIMEOUT_MS).expect("spawn on a pty");
        p.exp_string("Choose a password for carol (8 to 256 characters).").expect("rule");
        p.exp_string("New password for carol: ").expect("prompt");
        p.send_line(PASSWORD).expect("send");
        p.exp_string("Confirm carol's password: ").expect("confirm");
        p.send_line(PASSWORD).expect("send");
        p.exp_string("Created user carol (carol@example.com).").expect("created");
        p.exp_eof().expect("exit");
        let carol = Home::new();
        carol.run(&["login", &server.url, "--email", "carol@example.com", "--password", PASSWORD]);
    }

    #[test]
    fn colour_only_on_a_terminal_and_never_with_no_color() {
        let home = Home::new();
        let run = |no_color: bool| {
            let mut cmd = home.command(&["usage"]);
            cmd.stdin(std::process::Stdio::inherit()).env("TERM", "xterm");
            if no_color {
                cmd.env("NO_COLOR", "1");
            }
            let mut p = spawn_command(cmd, TIMEOUT_MS).expect("spawn on a pty");
            p.exp_eof().expect("exit")
        };
        assert!(run(false).contains("\u{1b}[1;31merror:\u{1b}[0m not signed in"));
        let plain = run(true);
        assert!(plain.contains("error: not signed in") && !plain.contains('\u{1b}'), "{plain:?}");
        // On a pipe: no colour either.
        assert!(!home.fails(&["usage"]).contains('\u{1b}'));
        assert!(home.fails(&["--color", "always", "usage"]).contains("\u{1b}[1;31merror:"));
    }
}
