//! Running the real `terraform` against the provider binary this crate builds, offline.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;
use tollgate_provider_coder::{CliConfig, InstallOptions, install_mirror};

/// The real Terraform: `$TERRAFORM`, else `/usr/local/bin/terraform`, else `terraform` on PATH.
/// Without one the test is skipped, except under `CI`, where it fails.
pub fn terraform() -> Option<String> {
    let candidates = [
        std::env::var("TERRAFORM").ok(),
        Some("/usr/local/bin/terraform".into()),
        Some("terraform".into()),
    ];
    let found = candidates
        .into_iter()
        .flatten()
        .find(|bin| Command::new(bin).arg("version").output().is_ok_and(|o| o.status.success()));
    if found.is_none() {
        assert!(std::env::var_os("CI").is_none(), "no terraform binary, and CI must not skip");
        eprintln!(
            "SKIPPED: no terraform binary (set TERRAFORM or install /usr/local/bin/terraform)"
        );
    }
    found
}

/// One mirror for the whole test binary. Terraform links each working directory's provider to
/// the mirror's unpacked package, so nothing is copied per `init` and no plugin cache (which
/// Terraform does not allow to be shared by concurrent `init`s) is needed.
pub fn mirror() -> &'static CliConfig {
    static MIRROR: OnceLock<CliConfig> = OnceLock::new();
    MIRROR.get_or_init(|| {
        let dir = scratch("mirror");
        let binary = Path::new(env!("CARGO_BIN_EXE_terraform-provider-coder"));
        install_mirror(&dir, binary, &InstallOptions::default()).expect("install mirror")
    })
}

pub fn scratch(name: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    // Under cargo's per-target temporary directory, so `cargo clean` takes leftovers away.
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("provider-it-{}", std::process::id()))
        .join(format!("{name}-{n}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

/// A template from `tests/templates/<name>`, copied into a fresh working directory.
pub struct Workdir {
    pub dir: PathBuf,
    bin: String,
    env: Vec<(String, String)>,
}

impl Workdir {
    pub fn new(bin: &str, template: &str) -> Self {
        let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/templates").join(template);
        Self::from_dir(bin, template, &source)
    }

    /// A template from anywhere.
    pub fn from_dir(bin: &str, name: &str, source: &Path) -> Self {
        let dir = scratch(name);
        copy_dir(source, &dir);
        Workdir { dir, bin: bin.to_owned(), env: Vec::new() }
    }

    /// Environment for every later command (the provisioner's `CODER_*` variables).
    pub fn set_env(&mut self, key: &str, value: &str) {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.to_owned(), value.to_owned()));
    }

    pub fn run(&self, args: &[&str]) -> Output {
        let mut cmd = Command::new(&self.bin);
        cmd.args(args).current_dir(&self.dir);
        for (k, v) in mirror().env() {
            cmd.env(k, v);
        }
        cmd.env("TF_IN_AUTOMATION", "1").env("CHECKPOINT_DISABLE", "1").env("TF_INPUT", "0");
        // The test process's own CODER_* variables must not leak into the provider.
        for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("CODER_")) {
            cmd.env_remove(key);
        }
        cmd.envs(self.env.iter().map(|(k, v)| (k, v)));
        cmd.output().expect("run terraform")
    }

    /// Run and require success; the standard output.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "terraform {args:?} failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn init(&self) {
        self.ok(&["init", "-input=false", "-no-color"]);
    }

    pub fn apply(&self) {
        self.ok(&["apply", "-auto-approve", "-input=false", "-no-color", "-parallelism=4"]);
    }

    /// `terraform show -json` and `terraform graph -type=plan`, as Coder's provisioner reads them.
    pub fn state_and_graph(&self) -> (String, String) {
        (self.ok(&["show", "-json"]), self.ok(&["graph", "-type=plan"]))
    }

    /// The applied state converted as Coder would, in Coder's golden encoding.
    pub fn converted(&self) -> Value {
        let (json, dot) = self.state_and_graph();
        let conversion = tollgate_terraform::convert(&json, &dot).expect("convert the state");
        let text = tollgate_terraform::golden::to_coder_golden(&conversion.state);
        serde_json::from_str(&text).expect("golden JSON")
    }
}

impl Drop for Workdir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create template copy");
    for entry in std::fs::read_dir(from).expect("template dir") {
        let entry = entry.expect("dir entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy template file");
        }
    }
}

/// Every resource of a `terraform show -json` state, child modules included.
pub fn state_resources(state: &Value) -> Vec<Value> {
    fn walk(module: &Value, out: &mut Vec<Value>) {
        out.extend(module["resources"].as_array().into_iter().flatten().cloned());
        for child in module["child_modules"].as_array().into_iter().flatten() {
            walk(child, out);
        }
    }
    let mut out = Vec::new();
    walk(&state["values"]["root_module"], &mut out);
    out
}

pub fn resource<'a>(resources: &'a [Value], address: &str) -> &'a Value {
    resources
        .iter()
        .find(|r| r["address"] == address)
        .unwrap_or_else(|| panic!("{address} not in the state"))
}
