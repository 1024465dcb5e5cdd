//! `tollgate template convert`: Terraform state/plan JSON plus `terraform graph` DOT in, the
//! workspace's resources out (see docs/terraform.md). All IO lives here; the conversion itself
//! is the pure `tollgate_terraform` crate.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use clap::{Args, Subcommand, ValueEnum};
use tollgate_terraform::{Conversion, MAX_INPUT_BYTES};

/// `tollgate template …`
#[derive(Debug, Args)]
pub struct TemplateArgs {
    #[command(subcommand)]
    pub command: TemplateCommand,
}

#[derive(Debug, Subcommand)]
pub enum TemplateCommand {
    /// Convert `terraform show -json` output and its `terraform graph` into workspace resources.
    Convert(ConvertArgs),
}

/// `tollgate template convert FILE.json --graph FILE.dot | --dir DIR [--format …]`
#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// `terraform show -json` output of a state or a plan; `-` reads standard input.
    #[arg(value_name = "FILE.json", required_unless_present = "dir", conflicts_with = "dir")]
    pub file: Option<PathBuf>,
    /// `terraform graph` output (DOT) for FILE; `-` reads standard input.
    #[arg(long, value_name = "FILE.dot", required_unless_present = "dir", conflicts_with = "dir")]
    pub graph: Option<PathBuf>,
    /// An applied Terraform working directory: runs `terraform show -json` and
    /// `terraform graph -type=plan` there.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// The Terraform binary used with --dir.
    #[arg(long, value_name = "PATH", default_value = "terraform")]
    pub terraform: PathBuf,
    /// Output: `tree` for people, `json` (tollgate's schema) or `coder-golden` (Coder's
    /// encoding; prints agent tokens, as Coder does).
    #[arg(long, value_enum, default_value_t = Format::Tree)]
    pub format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Tree,
    Json,
    CoderGolden,
}

/// Run `tollgate template …`; failures print `error: …` on stderr and exit 1.
pub fn run(args: TemplateArgs) -> ExitCode {
    let TemplateCommand::Convert(convert) = args.command;
    match run_convert(&convert) {
        Ok(text) => {
            let mut stdout = std::io::stdout().lock();
            if stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()).is_err() {
                return ExitCode::FAILURE;
            }
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The rendered output, or the error text to print.
fn run_convert(args: &ConvertArgs) -> Result<String, String> {
    let (json, dot) = match (&args.dir, &args.file, &args.graph) {
        (Some(dir), _, _) => from_terraform(&args.terraform, dir)?,
        (None, Some(file), Some(graph)) => read_pair(file, graph)?,
        _ => return Err("give FILE.json with --graph FILE.dot, or --dir DIR".into()),
    };
    let conversion = tollgate_terraform::convert(&json, &dot).map_err(|e| match e.address() {
        Some(address) => format!("{e}\n  (at {address})"),
        None => e.to_string(),
    })?;
    Ok(render(&conversion, args.format))
}

/// A state (or plan) file and its graph file; `-` is standard input (for one of them). A
/// document without resources gets a warning: it was most likely taken before an apply.
pub fn read_pair(file: &Path, graph: &Path) -> Result<(String, String), String> {
    if is_stdin(file) && is_stdin(graph) {
        return Err("the state and the graph cannot both be read from standard input".into());
    }
    let json = read_input(file)?;
    if !has_resources_section(&json) {
        crate::output::warn(&format!(
            "{} has no `values` or `planned_values`: it holds no resources (was it taken before \
             `terraform apply`?)",
            file.display()
        ));
    }
    Ok((json, read_input(graph)?))
}

/// Whether a `terraform show -json` document has a state's `values` or a plan's
/// `planned_values`; before any apply Terraform prints only `{"format_version":"1.0"}`.
fn has_resources_section(json: &str) -> bool {
    let Ok(serde_json::Value::Object(doc)) = serde_json::from_str::<serde_json::Value>(json) else {
        // Not an object: the converter reports what is wrong with it.
        return true;
    };
    doc.contains_key("values") || doc.contains_key("planned_values")
}

fn render(conversion: &Conversion, format: Format) -> String {
    match format {
        Format::Tree => tollgate_terraform::tree::render_tree(conversion),
        Format::Json => tollgate_terraform::json::to_json(conversion) + "\n",
        Format::CoderGolden => tollgate_terraform::golden::to_coder_golden(&conversion.state),
    }
}

fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Read a file or standard input, refusing more than the converter accepts.
fn read_input(path: &Path) -> Result<String, String> {
    let name = path.display();
    let mut bytes = Vec::new();
    let limit = MAX_INPUT_BYTES as u64 + 1;
    let read = if is_stdin(path) {
        std::io::stdin().lock().take(limit).read_to_end(&mut bytes)
    } else {
        std::fs::File::open(path).and_then(|f| f.take(limit).read_to_end(&mut bytes))
    };
    read.map_err(|e| format!("read {name}: {e}"))?;
    if bytes.len() > MAX_INPUT_BYTES {
        return Err(format!("read {name}: larger than the {MAX_INPUT_BYTES}-byte limit"));
    }
    String::from_utf8(bytes).map_err(|e| format!("read {name}: not UTF-8: {e}"))
}

/// `terraform show -json` and `terraform graph -type=plan` in an applied working directory
/// (Coder uses the plan graph for states too on Terraform ≥ 1.7). A directory that was never
/// applied is an error, not an empty workspace.
pub fn from_terraform(terraform: &Path, dir: &Path) -> Result<(String, String), String> {
    if !dir.is_dir() {
        return Err(format!("--dir {}: not a directory", dir.display()));
    }
    let json = run_terraform(terraform, dir, &["show", "-json", "-no-color"])?;
    if !has_resources_section(&json) {
        return Err(format!(
            "{} has no applied state: `terraform show -json` found no resources there. Run \
             `terraform init` and `terraform apply` in it first, or convert a plan with \
             FILE.json --graph FILE.dot",
            dir.display()
        ));
    }
    let dot = run_terraform(terraform, dir, &["graph", "-type=plan"])?;
    Ok((json, dot))
}

fn run_terraform(terraform: &Path, dir: &Path, args: &[&str]) -> Result<String, String> {
    let shown = format!("{} {}", terraform.display(), args.join(" "));
    let output = Command::new(terraform)
        .args(args)
        .current_dir(dir)
        .env("TF_IN_AUTOMATION", "1")
        .output()
        .map_err(|e| format!("run {shown}: {e}"))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        return Err(format!("{shown} failed ({}): {}", output.status, stderr.trim()));
    }
    if output.stdout.len() > MAX_INPUT_BYTES {
        return Err(format!("{shown}: output larger than the {MAX_INPUT_BYTES}-byte limit"));
    }
    String::from_utf8(output.stdout).map_err(|e| format!("{shown}: output is not UTF-8: {e}"))
}
