//! Saved sessions, one per profile: `--profile NAME` or `TOLLGATE_PROFILE` picks one, else the
//! active profile (`tollgate profiles use NAME`), else `default`. They live in
//! `$TOLLGATE_CONFIG_DIR` (else `$XDG_CONFIG_HOME/tollgate`, else `~/.config/tollgate`) in
//! `profiles.json`, readable by its owner only: a session token is a password.

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

pub const DEFAULT_PROFILE: &str = "default";

/// One signed-in session.
#[derive(Clone, Serialize, Deserialize)]
pub struct Profile {
    pub url: String,
    pub token: String,
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub email: String,
}

#[derive(Default, Serialize, Deserialize)]
pub struct Profiles {
    /// The profile used when none is named.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<String>,
    #[serde(default)]
    pub profiles: BTreeMap<String, Profile>,
}

static SELECTED: OnceLock<Option<String>> = OnceLock::new();

/// Remembers `--profile` (clap also reads `TOLLGATE_PROFILE` into it).
pub fn select(profile: Option<String>) {
    let _ = SELECTED.set(profile.filter(|p| !p.is_empty()));
}

/// The profile named with `--profile`/`TOLLGATE_PROFILE`, if any.
pub fn selected() -> Option<String> {
    SELECTED.get().cloned().flatten()
}

pub fn config_dir() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os("TOLLGATE_CONFIG_DIR") {
        return Ok(PathBuf::from(dir));
    }
    if let Some(dir) = std::env::var_os("XDG_CONFIG_HOME") {
        return Ok(PathBuf::from(dir).join("tollgate"));
    }
    let home = std::env::var_os("HOME")
        .context("cannot find a config directory: set HOME or TOLLGATE_CONFIG_DIR")?;
    Ok(PathBuf::from(home).join(".config").join("tollgate"))
}

fn profiles_path() -> Result<PathBuf> {
    Ok(config_dir()?.join("profiles.json"))
}

impl Profiles {
    /// The saved profiles; none yet is an empty set. A `session.json` from before profiles
    /// becomes the `default` profile.
    pub fn load() -> Result<Profiles> {
        let path = profiles_path()?;
        match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text).with_context(|| {
                format!("{} is damaged: remove it and sign in again", path.display())
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(legacy_session(&path)),
            Err(e) => Err(e).with_context(|| format!("read {}", path.display())),
        }
    }

    /// Writes the file (mode 0600, in a 0700 directory) by replacing it whole.
    pub fn save(&self) -> Result<PathBuf> {
        let path = profiles_path()?;
        let dir = path.parent().context("the config path has no directory")?;
        create_private_dir(dir).with_context(|| format!("create {}", dir.display()))?;
        let text = serde_json::to_string_pretty(self)?;
        let temp = dir.join(".profiles.json.tmp");
        write_private(&temp, text.as_bytes())
            .and_then(|()| std::fs::rename(&temp, &path))
            .with_context(|| format!("write {}", path.display()))?;
        Ok(path)
    }

    /// The name a command uses: `--profile`, else the active profile, else `default`.
    pub fn current_name(&self) -> String {
        selected().or_else(|| self.active.clone()).unwrap_or_else(|| DEFAULT_PROFILE.to_owned())
    }

    /// The current profile's session, or an error that says how to get one.
    pub fn current(&self) -> Result<(String, Profile)> {
        let name = self.current_name();
        match self.profiles.get(&name) {
            Some(profile) => Ok((name, profile.clone())),
            None if self.profiles.is_empty() => {
                bail!("not signed in: run `tollgate login URL` first")
            }
            None => bail!(
                "no profile named {name:?}: `tollgate profiles` lists them, and \
                 `tollgate login URL --profile {name}` creates it"
            ),
        }
    }
}

/// A pre-profiles `session.json` next to `profiles.json`, read as the `default` profile.
fn legacy_session(profiles_path: &Path) -> Profiles {
    let legacy = profiles_path.with_file_name("session.json");
    let Some(profile) = std::fs::read_to_string(legacy)
        .ok()
        .and_then(|text| serde_json::from_str::<Profile>(&text).ok())
    else {
        return Profiles::default();
    };
    let mut profiles = Profiles::default();
    profiles.profiles.insert(DEFAULT_PROFILE.to_owned(), profile);
    profiles
}

/// `TOLLGATE_URL` + `TOLLGATE_TOKEN` (both set) win over any saved profile.
pub fn from_env() -> Option<Profile> {
    let url = std::env::var("TOLLGATE_URL").ok().filter(|u| !u.is_empty())?;
    let token = std::env::var("TOLLGATE_TOKEN").ok().filter(|t| !t.is_empty())?;
    Some(Profile { url, token, username: String::new(), email: String::new() })
}

/// The session a client command signs in with, and the profile it came from (`None`: the
/// environment).
pub fn session() -> Result<(Option<String>, Profile)> {
    if let Some(profile) = from_env() {
        return Ok((None, profile));
    }
    let (name, profile) = Profiles::load()?.current()?;
    Ok((Some(name), profile))
}

#[cfg(unix)]
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)
}

#[cfg(not(unix))]
pub fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
}

/// Writes a file readable by its owner only (mode 0600, also when it already existed).
#[cfg(unix)]
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    file.write_all(bytes)
}

#[cfg(not(unix))]
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    std::fs::write(path, bytes)
}
