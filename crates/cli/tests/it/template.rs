//! `tollgate template convert` end to end: on the shared Coder fixtures, on bad input, and on a
//! working directory initialised and applied by the real `terraform` binary. Only Terraform's
//! built-in `terraform_data` resource is used, since there is no network to fetch providers.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

fn tollgate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tollgate")).args(args).output().expect("run tollgate")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn fixture(folder: &str, file: &str) -> String {
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/coder-terraform");
    dir.join(folder).join(file).display().to_string()
}

fn seed(ext: &str) -> String {
    fixture("devcontainer-multiple-agents", &format!("devcontainer-multiple-agents.tfstate.{ext}"))
}

#[test]
fn tree_of_the_seed_state_shows_hosts_agents_devcontainers_and_masks_tokens() {
    let out = tollgate(&["template", "convert", &seed("json"), "--graph", &seed("dot")]);
    assert!(out.status.success(), "{}", stderr(&out));
    let tree = stdout(&out);
    let dev = tree.find("null_resource.dev\n").expect("null_resource.dev");
    let main = tree.find("agent main ").expect("agent main");
    let dc_dev = tree.find("devcontainer dev ").expect("devcontainer dev");
    let app = tree.find("app devcontainer-app").expect("devcontainer-app");
    let dc_other = tree.find("devcontainer other ").expect("devcontainer other");
    let secondary_host = tree.find("null_resource.secondary\n").expect("null_resource.secondary");
    let secondary = tree.find("agent secondary ").expect("agent secondary");
    assert!(dev < main && main < dc_dev && dc_dev < app && app < dc_other, "{tree}");
    assert!(dc_other < secondary_host && secondary_host < secondary, "{tree}");
    assert!(!tree.contains("c95ffdc5-6456-464d-ae10-33126e7a0d6e"), "token leaked:\n{tree}");
    assert!(tree.contains("********"), "{tree}");
}

#[test]
fn json_masks_tokens_and_coder_golden_matches_the_fixture_byte_for_byte() {
    let json = tollgate(&[
        "template",
        "convert",
        &seed("json"),
        "--graph",
        &seed("dot"),
        "--format",
        "json",
    ]);
    assert!(json.status.success(), "{}", stderr(&json));
    assert!(!stdout(&json).contains("c95ffdc5-6456-464d-ae10-33126e7a0d6e"));
    // Plain-text checks keep this test free of a JSON dependency of its own.
    let text = stdout(&json);
    assert!(
        text.contains("\"schema_version\": 1") && text.contains("\"method\": \"token\""),
        "{text}"
    );

    let golden = tollgate(&[
        "template",
        "convert",
        &seed("json"),
        "--graph",
        &seed("dot"),
        "--format",
        "coder-golden",
    ]);
    assert!(golden.status.success(), "{}", stderr(&golden));
    let want = std::fs::read_to_string(fixture(
        "devcontainer-multiple-agents",
        "converted_state.state.golden",
    ))
    .expect("golden");
    assert_eq!(stdout(&golden), want);
}

#[test]
fn stdin_is_read_for_dash() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tollgate"))
        .args(["template", "convert", "-", "--graph", &seed("dot")])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    let input = std::fs::read(seed("json")).expect("seed json");
    std::io::Write::write_all(child.stdin.as_mut().expect("stdin"), &input).expect("write");
    drop(child.stdin.take());
    let out = child.wait_with_output().expect("wait");
    assert!(out.status.success());
    assert!(stdout(&out).contains("agent secondary"));
}

#[test]
fn failures_exit_non_zero_with_the_error_text_on_stderr() {
    let dup = |f: &str| fixture("resource-metadata-duplicate", f);
    let out = tollgate(&[
        "template",
        "convert",
        &dup("resource-metadata-duplicate.tfstate.json"),
        "--graph",
        &dup("resource-metadata-duplicate.tfstate.dot"),
    ]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("duplicate metadata resource: null_resource.about"),
        "{}",
        stderr(&out)
    );

    let dir = scratch_dir("bad-input");
    let bad_json = dir.join("bad.json");
    std::fs::write(&bad_json, "{\"format_version\": \"1.0\", \"values\": [").expect("write");
    let out = tollgate(&["template", "convert", path(&bad_json), "--graph", &seed("dot")]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("parse terraform JSON"), "{}", stderr(&out));

    let bad_dot = dir.join("bad.dot");
    std::fs::write(&bad_dot, "digraph { \"a\" -> ").expect("write");
    let out = tollgate(&["template", "convert", &seed("json"), "--graph", path(&bad_dot)]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("parse graph: "), "{}", stderr(&out));

    let out =
        tollgate(&["template", "convert", "/nonexistent/state.json", "--graph", &seed("dot")]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("/nonexistent/state.json"), "{}", stderr(&out));
    let _ = std::fs::remove_dir_all(&dir);
}

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

fn scratch_dir(name: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("tollgate-cli-{name}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

/// The real Terraform: `$TERRAFORM`, else `/usr/local/bin/terraform`, else `terraform` on PATH.
pub fn terraform_binary() -> Option<String> {
    let candidates = [
        std::env::var("TERRAFORM").ok(),
        Some("/usr/local/bin/terraform".into()),
        Some("terraform".into()),
    ];
    candidates
        .into_iter()
        .flatten()
        .find(|bin| Command::new(bin).arg("version").output().is_ok_and(|o| o.status.success()))
}

fn terraform(bin: &str, dir: &Path, args: &[&str]) {
    let out = Command::new(bin)
        .args(args)
        .current_dir(dir)
        .env("TF_IN_AUTOMATION", "1")
        .env("CHECKPOINT_DISABLE", "1")
        .output()
        .expect("run terraform");
    assert!(out.status.success(), "terraform {args:?}: {}", stderr(&out));
}

const TEMPLATE: &str = r#"
resource "terraform_data" "base" {
  input = "base"
}

resource "terraform_data" "web" {
  count = 2
  input = terraform_data.base.output
}

module "inner" {
  source = "./inner"
  seed   = terraform_data.base.id
}
"#;

const INNER_MODULE: &str = r#"
variable "seed" {
  type = string
}

resource "terraform_data" "leaf" {
  for_each = toset(["a", "b"])
  input    = "${var.seed}-${each.key}"
}
"#;

#[test]
fn converts_a_directory_applied_by_real_terraform() {
    let Some(bin) = terraform_binary() else {
        // CI machines of this kind have terraform; there the test must run, never skip.
        assert!(
            std::env::var_os("CI").is_none(),
            "no terraform binary, and CI must not skip this test"
        );
        eprintln!(
            "SKIPPED: no terraform binary (set TERRAFORM or install /usr/local/bin/terraform)"
        );
        return;
    };
    let dir = scratch_dir("terraform");
    std::fs::write(dir.join("main.tf"), TEMPLATE).expect("main.tf");
    std::fs::create_dir_all(dir.join("inner")).expect("inner/");
    std::fs::write(dir.join("inner/main.tf"), INNER_MODULE).expect("inner/main.tf");
    terraform(&bin, &dir, &["init", "-input=false", "-no-color"]);
    terraform(&bin, &dir, &["apply", "-auto-approve", "-input=false", "-no-color"]);

    let out = tollgate(&["template", "convert", "--dir", path(&dir), "--terraform", &bin]);
    assert!(out.status.success(), "{}", stderr(&out));
    let tree = stdout(&out);
    assert!(tree.starts_with("state: 5 resources, 0 agents\n"), "{tree}");
    for address in [
        "terraform_data.base",
        "terraform_data.web[0]",
        "terraform_data.web[1]",
        "module.inner.terraform_data.leaf[\"a\"]",
        "module.inner.terraform_data.leaf[\"b\"]",
    ] {
        assert!(tree.contains(&format!("{address}\n")), "{address} missing:\n{tree}");
    }

    let out = tollgate(&[
        "template",
        "convert",
        "--dir",
        path(&dir),
        "--terraform",
        &bin,
        "--format",
        "json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let json = stdout(&out);
    assert!(json.contains("\"module_path\": \"module.inner\""), "{json}");
    assert!(json.contains("\"kind\": \"state\""), "{json}");

    // --dir converts exactly what the two terraform commands print.
    let show = Command::new(&bin).args(["show", "-json"]).current_dir(&dir).output().expect("show");
    let graph =
        Command::new(&bin).args(["graph", "-type=plan"]).current_dir(&dir).output().expect("graph");
    std::fs::write(dir.join("state.json"), &show.stdout).expect("state.json");
    std::fs::write(dir.join("graph.dot"), &graph.stdout).expect("graph.dot");
    let files = tollgate(&[
        "template",
        "convert",
        path(&dir.join("state.json")),
        "--graph",
        path(&dir.join("graph.dot")),
        "--format",
        "coder-golden",
    ]);
    let via_dir = tollgate(&[
        "template",
        "convert",
        "--dir",
        path(&dir),
        "--terraform",
        &bin,
        "--format",
        "coder-golden",
    ]);
    assert!(files.status.success() && via_dir.status.success());
    assert_eq!(stdout(&files), stdout(&via_dir));
    assert!(stdout(&files).contains("\"module_path\": \"module.inner\""));

    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn dir_that_does_not_exist_is_a_clear_error() {
    let out = tollgate(&["template", "convert", "--dir", "/nonexistent/tf-dir"]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("not a directory"), "{}", stderr(&out));
}
