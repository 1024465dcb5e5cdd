//! A real `tollgate serve` process on a free port, and the real binary run against it with its
//! own config directory (so its profiles are the test's alone).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

pub const PASSWORD: &str = "correct-horse-battery";

pub struct Server {
    child: Child,
    pub url: String,
    /// Its data directory (journal, replica id); `None` once handed on by [`Server::kill`].
    data: Option<tempfile::TempDir>,
    /// Where the server's standard error (its log) goes.
    pub log: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Ends the process at once (SIGKILL: no drain, no journal); returns its data directory
    /// for a restart.
    pub fn kill(mut self) -> tempfile::TempDir {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.data.take().expect("a data directory")
    }

    /// Asks the process to stop (SIGTERM) and waits for it; returns its data directory.
    pub fn terminate(mut self) -> tempfile::TempDir {
        signal(&self.child, "TERM");
        let _ = self.child.wait();
        self.data.take().expect("a data directory")
    }

    /// Pauses (`STOP`) or resumes (`CONT`) the process.
    pub fn signal(&self, name: &str) {
        signal(&self.child, name);
    }

    /// The process id, to read its memory from `/proc`.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// What the server has logged so far.
    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

pub fn tollgate() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tollgate"));
    // Tests see what a person sees on a pipe, whatever the machine's environment says.
    for var in ["TOLLGATE_URL", "TOLLGATE_TOKEN", "TOLLGATE_PROFILE", "NO_COLOR", "RUST_LOG"] {
        cmd.env_remove(var);
    }
    cmd.env_remove("TOLLGATE_PASSWORD").env_remove("TOLLGATE_NEW_USER_PASSWORD");
    cmd
}

/// A fresh SQLite file for one test.
pub fn sqlite() -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("tollgate.db").display());
    (dir, url)
}

/// Starts `tollgate serve` on a free port and reads the address it prints. Every server gets
/// the same secret key, as replicas sharing a database must.
pub fn serve(database: &str) -> Server {
    serve_in(database, tempfile::tempdir().expect("data dir"), &[])
}

/// `tollgate serve` with `data` as its data directory (a restart passes the last one's) and
/// `args` added.
pub fn serve_in(database: &str, data: tempfile::TempDir, args: &[&str]) -> Server {
    let log = data.path().join("serve.log");
    let log_file =
        std::fs::OpenOptions::new().create(true).append(true).open(&log).expect("log file");
    let mut child = tollgate()
        .args(["serve", "--listen", "127.0.0.1:0", "--database", database])
        .args(args)
        .env("TOLLGATE_DATA_DIR", data.path())
        .env("TOLLGATE_SECRET_KEY", "11".repeat(32))
        .stdout(Stdio::piped())
        .stderr(log_file)
        .spawn()
        .expect("start tollgate serve");
    let stdout = child.stdout.take().expect("stdout");
    let mut reader = BufReader::new(stdout);
    let mut first = String::new();
    reader.read_line(&mut first).expect("read the listen line");
    // Keep draining: a closed pipe would make the server's later prints fail.
    std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
    let url = first.split_whitespace().last().expect("an address").to_owned();
    assert!(url.starts_with("http://127.0.0.1:"), "unexpected first line: {first}");
    Server { child, url, data: Some(data), log }
}

fn signal(child: &Child, name: &str) {
    let status = Command::new("kill").args([&format!("-{name}"), &child.id().to_string()]).status();
    assert!(status.is_ok_and(|s| s.success()), "kill -{name}");
}

/// One person's `tollgate`: a config directory of their own.
pub struct Home {
    pub dir: tempfile::TempDir,
}

impl Home {
    pub fn new() -> Home {
        Home { dir: tempfile::tempdir().expect("config dir") }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = tollgate();
        cmd.args(args).env("TOLLGATE_CONFIG_DIR", self.path()).stdin(Stdio::null());
        cmd
    }

    pub fn output(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run tollgate")
    }

    /// Runs a command that must succeed; returns its stdout and stderr together.
    pub fn run(&self, args: &[&str]) -> String {
        let out = self.output(args);
        let text = both(&out);
        assert!(out.status.success(), "tollgate {args:?} failed:\n{text}");
        text
    }

    /// Runs a command that must fail; returns its stderr.
    pub fn fails(&self, args: &[&str]) -> String {
        let out = self.output(args);
        assert!(!out.status.success(), "tollgate {args:?} should fail:\n{}", both(&out));
        String::from_utf8_lossy(&out.stderr).into_owned()
    }

    /// Creates the first user `admin` on `server` (profile `default`).
    pub fn first_user(&self, server: &Server) {
        let args = ["login", &server.url, "--username", "admin", "--email", "admin@example.com"];
        self.run(&[&args[..], &["--password", PASSWORD]].concat());
    }

    /// Creates `name` (as the admin profile) and signs them in as profile `name`.
    pub fn user_with_profile(&self, server: &Server, name: &str) {
        let email = format!("{name}@example.com");
        self.run(&["users", "create", name, "--email", &email, "--password", PASSWORD]);
        let login = ["login", &server.url, "--email", &email, "--password", PASSWORD];
        self.run(&[&login[..], &["--profile", name]].concat());
    }

    /// The saved token of a profile.
    pub fn token(&self, profile: &str) -> String {
        let text = std::fs::read_to_string(self.path().join("profiles.json")).expect("profiles");
        let all: serde_json::Value = serde_json::from_str(&text).expect("json");
        all["profiles"][profile]["token"].as_str().expect("token").to_owned()
    }
}

pub fn both(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

/// A GET on the API as `token`, decoded.
pub fn api(url: &str, token: &str, path: &str) -> serde_json::Value {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("rt");
    runtime.block_on(async {
        let req =
            reqwest::Client::new().get(format!("{url}{path}")).header("Coder-Session-Token", token);
        req.send().await.expect("request").json().await.expect("json")
    })
}

/// Output made stable for snapshots: ids, ports, times and temporary paths replaced.
pub fn redact(text: &str, home: &Home) -> String {
    let rules = [
        (r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "[uuid]"),
        (r"127\.0\.0\.1:\d+", "127.0.0.1:[port]"),
        (r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", "[time]"),
        (r"\bchat [0-9a-f]{8}\b", "chat [short-id]"),
        (r"(?m)^[0-9a-f]{8}  ", "[short-id]  "),
    ];
    let mut text = text.replace(&home.path().display().to_string(), "[config]");
    for (pattern, with) in rules {
        text = regex::Regex::new(pattern).expect("regex").replace_all(&text, with).into_owned();
    }
    text
}

/// Every `$…` amount in `text`, as micro-dollars (the display is exact and parses back).
pub fn amounts(text: &str) -> Vec<i64> {
    let re = regex::Regex::new(r"-?\$\d+\.\d+").expect("regex");
    re.find_iter(text)
        .map(|m| m.as_str().parse::<tollgate_core::Micros>().expect("an exact amount").get())
        .collect()
}

/// Runs `line` through `sh -c` as a person's shell would, with `tollgate` on the PATH.
pub fn shell(home: &Home, line: &str) -> Output {
    let bin = Path::new(env!("CARGO_BIN_EXE_tollgate")).parent().expect("bin dir");
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let mut cmd = Command::new("sh");
    cmd.arg("-c").arg(line).env("PATH", path).env("TOLLGATE_CONFIG_DIR", home.path());
    for var in ["TOLLGATE_URL", "TOLLGATE_TOKEN", "TOLLGATE_PROFILE", "TOLLGATE_PASSWORD"] {
        cmd.env_remove(var);
    }
    cmd.stdin(Stdio::null()).output().expect("run sh")
}

/// A virtualenv under `target/NAME` with `packages` from PyPI (kept across runs while the pins
/// hold); its python. Outside CI a machine without Python or PyPI skips the test (`None`); in
/// CI that fails it.
pub fn python_venv(name: &str, packages: &[&str]) -> Option<PathBuf> {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let dir = target.join(name);
    let python = dir.join("bin/python");
    let marker = dir.join("installed.txt");
    let wanted = packages.join("\n");
    if std::fs::read_to_string(&marker).is_ok_and(|m| m == wanted) && python.exists() {
        return Some(python);
    }
    let made = Command::new("python3").args(["-m", "venv"]).arg(&dir).status();
    let installed = made.is_ok_and(|s| s.success())
        && Command::new(&python)
            .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check"])
            .args(packages)
            .status()
            .is_ok_and(|s| s.success());
    if !installed {
        assert!(std::env::var_os("CI").is_none(), "could not install {packages:?} into {dir:?}");
        eprintln!("skipping: could not install {packages:?} from PyPI");
        return None;
    }
    std::fs::write(&marker, wanted).expect("write the marker");
    Some(python)
}
