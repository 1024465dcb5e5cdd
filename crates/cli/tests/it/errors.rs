//! Issue 13, point 10: errors that say what happened and what to do, without internals; a
//! `--dir` that was never applied is an error; the data directory and database are private.

use crate::support::{Home, PASSWORD, serve, sqlite, tollgate};
use std::io::{BufRead, BufReader};
use std::process::Stdio;

#[test]
fn not_signed_in_says_how_to_sign_in() {
    let home = Home::new();
    assert_eq!(home.fails(&["usage"]), "error: not signed in: run `tollgate login URL` first\n");
    let bogus = home
        .command(&["whoami"])
        .env("TOLLGATE_URL", "http://127.0.0.1:9")
        .env("TOLLGATE_TOKEN", "not-a-token")
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&bogus.stderr);
    assert!(err.contains("is `tollgate serve` running there"), "{err}");
}

#[test]
fn an_invalid_token_says_to_sign_in_again() {
    let (_db, url) = sqlite();
    let server = serve(&url);
    let home = Home::new();
    home.first_user(&server);
    let out = home
        .command(&["whoami"])
        .env("TOLLGATE_URL", &server.url)
        .env("TOLLGATE_TOKEN", "not-a-token")
        .output()
        .expect("run");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("TOLLGATE_TOKEN is not a valid session or API token."), "{err}");
}

/// A port on this machine that nothing listens on.
fn dead_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}

#[test]
fn an_unreachable_server_is_named_with_what_to_check() {
    let port = dead_port();
    let home = Home::new();
    let err = home.fails(&["login", &format!("127.0.0.1:{port}"), "--password", PASSWORD]);
    assert_eq!(
        err,
        format!(
            "error: cannot reach http://127.0.0.1:{port} (connection refused): is `tollgate \
             serve` running there, and is the URL right?\n"
        )
    );
}

#[test]
fn an_unreachable_postgres_is_named_instead_of_a_pool_timeout() {
    let port = dead_port();
    let data = tempfile::tempdir().expect("data");
    let database = format!("postgres://postgres:secret@127.0.0.1:{port}/test");
    let out = tollgate()
        .args(["serve", "--listen", "127.0.0.1:0", "--database", &database])
        .env("TOLLGATE_DATA_DIR", data.path())
        .output()
        .expect("serve");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains(&format!(
            "error: open the database postgres://postgres:***@127.0.0.1:{port}/test: cannot \
             reach PostgreSQL at 127.0.0.1:{port} (connection refused): is it running"
        )),
        "{err}"
    );
    assert!(!err.contains("pool timed out") && !err.contains("secret"), "{err}");
}

/// A stand-in `terraform` that prints what the real one prints in a directory never applied.
fn unapplied_terraform(dir: &std::path::Path) -> String {
    let script = dir.join("terraform");
    std::fs::write(&script, "#!/bin/sh\necho '{\"format_version\":\"1.0\"}'\n").expect("script");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    script.display().to_string()
}

#[test]
fn converting_a_directory_that_was_never_applied_is_an_error() {
    let dir = tempfile::tempdir().expect("dir");
    let terraform = unapplied_terraform(dir.path());
    let path = dir.path().display().to_string();
    let out = tollgate()
        .args(["template", "convert", "--dir", &path, "--terraform", &terraform])
        .output()
        .expect("convert");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "exit 0 on an unapplied directory");
    assert!(out.stdout.is_empty(), "printed a result: {}", String::from_utf8_lossy(&out.stdout));
    assert!(err.contains("has no applied state") && err.contains("terraform apply"), "{err}");
}

#[test]
#[cfg(unix)]
fn the_data_directory_and_database_are_created_private() {
    use std::os::unix::fs::PermissionsExt;
    let parent = tempfile::tempdir().expect("parent");
    let data = parent.path().join("new").join("tollgate");
    let mut child = tollgate()
        .args(["serve", "--listen", "127.0.0.1:0"])
        .env("TOLLGATE_DATA_DIR", &data)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("serve");
    let mut first = String::new();
    BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut first).expect("line");
    assert!(first.contains("listening on"), "{first}");
    let mode = |name: &str| {
        let meta = std::fs::metadata(data.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        meta.permissions().mode() & 0o777
    };
    let modes = [mode(""), mode("tollgate.db"), mode("secret.key")];
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(modes, [0o700, 0o600, 0o600]);
}
