//! Making the provider binary available to Terraform with no network.
//!
//! Chosen: a **filesystem mirror** in Terraform's "unpacked" layout
//! (`<mirror>/registry.terraform.io/coder/coder/<version>/<os>_<arch>/terraform-provider-coder_v<version>`)
//! and a CLI configuration (`TF_CLI_CONFIG_FILE`) whose `provider_installation` takes
//! `coder/coder` from that mirror only. With it `terraform init` works offline like with any
//! registry provider: it resolves the version constraint, installs the package, and records
//! the package's `h1:` hash in `.terraform.lock.hcl`, so every later command verifies it.
//!
//! Not chosen: `dev_overrides`. It makes Terraform skip installation for the provider, which
//! also works offline, but every command then prints a "provider development overrides are in
//! effect" warning, `init` neither checks a version constraint nor writes the provider into the
//! lock file, and the override is documented as a development aid, not a deployment mechanism.
//!
//! Consequence: a template that carries a `.terraform.lock.hcl` made with Coder's real provider
//! lists Coder's package hashes, which our binary cannot match; `terraform init` then refuses
//! until the lock file is removed or `terraform init -upgrade` rewrites it.

use std::io;
use std::path::{Path, PathBuf};

/// The version the mirror announces: the release of Coder's provider whose schema this one
/// follows. A semver 2.x satisfies the constraints Coder's templates write (`>= 2.0`,
/// `~> 2.0`, `>= 2.13.0`, …); an exact pin to another release does not.
pub const PROVIDER_VERSION: &str = "2.17.0";

/// The provider's source address. Templates write `coder/coder`, which Terraform expands to
/// this.
pub const SOURCE_ADDRESS: &str = "registry.terraform.io/coder/coder";

/// The name of the binary inside a provider package.
const BINARY_STEM: &str = "terraform-provider-coder";

/// What [`install_mirror`] laid out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CliConfig {
    /// The Terraform CLI configuration; point `TF_CLI_CONFIG_FILE` at it.
    pub config_file: PathBuf,
    /// The filesystem mirror's root.
    pub mirror_dir: PathBuf,
    /// The installed binary inside the mirror.
    pub provider_binary: PathBuf,
}

impl CliConfig {
    /// Environment for running Terraform with this configuration.
    pub fn env(&self) -> Vec<(&'static str, std::ffi::OsString)> {
        vec![("TF_CLI_CONFIG_FILE", self.config_file.clone().into_os_string())]
    }
}

/// Options for [`install_mirror`].
#[derive(Debug, Clone, Default)]
pub struct InstallOptions {
    /// A shared provider cache (`plugin_cache_dir`), so that each `terraform init` links the
    /// provider instead of copying it.
    pub plugin_cache_dir: Option<PathBuf>,
    /// Let other providers be installed from their registries (`direct`). Off by default: an
    /// air-gapped provisioner should fail at once, naming the provider, rather than time out.
    pub allow_direct: bool,
}

/// Lay out a filesystem mirror with `provider_binary` under `dir` and write the CLI
/// configuration `dir/terraform.tfrc` that installs `coder/coder` from it.
pub fn install_mirror(
    dir: &Path,
    provider_binary: &Path,
    options: &InstallOptions,
) -> io::Result<CliConfig> {
    let mirror_dir = dir.join("mirror");
    let package = mirror_dir.join(SOURCE_ADDRESS).join(PROVIDER_VERSION).join(platform());
    std::fs::create_dir_all(&package)?;
    let installed = package.join(format!("{BINARY_STEM}_v{PROVIDER_VERSION}"));
    // A hard link (free) or else a copy, never a symbolic link: Terraform hashes the package's
    // files, and whatever later happens at the binary's own path must not change a package an
    // initialised working directory already recorded. Placed under a temporary name and
    // renamed, so a concurrent `terraform init` never sees half a file.
    let tmp = package.join(format!(".{BINARY_STEM}.{}.tmp", std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    if std::fs::hard_link(provider_binary, &tmp).is_err() {
        std::fs::copy(provider_binary, &tmp)?;
    }
    std::fs::rename(&tmp, &installed)?;
    if let Some(cache) = &options.plugin_cache_dir {
        std::fs::create_dir_all(cache)?;
    }
    let config_file = dir.join("terraform.tfrc");
    std::fs::write(&config_file, cli_config_text(&mirror_dir, options))?;
    Ok(CliConfig { config_file, mirror_dir, provider_binary: installed })
}

/// The CLI configuration's text.
fn cli_config_text(mirror_dir: &Path, options: &InstallOptions) -> String {
    let mut text = String::from("# Written by tollgate: coder/coder comes from a local mirror.\n");
    text.push_str("disable_checkpoint = true\n");
    if let Some(cache) = &options.plugin_cache_dir {
        text.push_str(&format!("plugin_cache_dir = {}\n", hcl_string(&cache.to_string_lossy())));
    }
    text.push_str("provider_installation {\n  filesystem_mirror {\n");
    text.push_str(&format!("    path    = {}\n", hcl_string(&mirror_dir.to_string_lossy())));
    text.push_str(&format!("    include = [{}]\n  }}\n", hcl_string(SOURCE_ADDRESS)));
    if options.allow_direct {
        text.push_str(&format!(
            "  direct {{\n    exclude = [{}]\n  }}\n",
            hcl_string(SOURCE_ADDRESS)
        ));
    }
    text.push_str("}\n");
    text
}

/// An HCL string literal: JSON escapes, and `${`/`%{` escaped so a path is never a template.
fn hcl_string(s: &str) -> String {
    serde_json::Value::from(s).to_string().replace("${", "$${").replace("%{", "%%{")
}

/// Terraform's name for this machine's platform (`linux_amd64`, `darwin_arm64`, …).
pub fn platform() -> String {
    let os = match std::env::consts::OS {
        "macos" => "darwin",
        other => other,
    };
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "386",
        other => other,
    };
    format!("{os}_{arch}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_names_the_mirror_only_for_coder() {
        let text = cli_config_text(Path::new("/srv/m${x}"), &InstallOptions::default());
        assert!(text.contains("path    = \"/srv/m$${x}\""), "{text}");
        assert!(text.contains("include = [\"registry.terraform.io/coder/coder\"]"), "{text}");
        assert!(!text.contains("direct"), "{text}");
        let open = InstallOptions { allow_direct: true, plugin_cache_dir: Some("/c".into()) };
        let text = cli_config_text(Path::new("/m"), &open);
        assert!(
            text.contains("direct {\n    exclude") && text.contains("plugin_cache_dir = \"/c\"")
        );
    }

    #[test]
    fn mirror_layout_is_terraforms_unpacked_layout() {
        let dir = std::env::temp_dir().join(format!("tg-install-{}", std::process::id()));
        let fake = dir.join("bin");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(&fake, b"#!/bin/sh\n").unwrap();
        let cfg = install_mirror(&dir, &fake, &InstallOptions::default()).unwrap();
        let want = format!(
            "mirror/registry.terraform.io/coder/coder/{PROVIDER_VERSION}/{}/terraform-provider-coder_v{PROVIDER_VERSION}",
            platform()
        );
        assert_eq!(cfg.provider_binary, dir.join(want));
        assert!(cfg.provider_binary.exists() && cfg.config_file.exists());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
