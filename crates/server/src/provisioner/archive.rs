//! A template archive (tar) unpacked into a job's directory: regular files and directories
//! only, every path relative and inside the directory.

use std::path::{Component, Path};

/// Unpacks `tar` into `dir`; refuses links, devices, absolute paths and `..`.
pub fn unpack(tar: &[u8], dir: &Path) -> Result<(), String> {
    let mut archive = tar::Archive::new(tar);
    let entries =
        archive.entries().map_err(|e| format!("The template archive is not a tar file: {e}"))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| format!("The template archive is damaged: {e}"))?;
        let path =
            entry.path().map_err(|e| format!("The template archive is damaged: {e}"))?.into_owned();
        let safe = path.components().all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
        if !safe {
            return Err(format!(
                "The template archive has a path outside its directory: {}",
                path.display()
            ));
        }
        let kind = entry.header().entry_type();
        if kind.is_dir() {
            std::fs::create_dir_all(dir.join(&path)).map_err(|e| e.to_string())?;
        } else if kind.is_file() {
            let target = dir.join(&path);
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
            }
            entry.unpack(&target).map_err(|e| format!("unpack {}: {e}", path.display()))?;
        } else if !matches!(kind, tar::EntryType::XGlobalHeader | tar::EntryType::XHeader) {
            return Err(format!(
                "The template archive has an entry that is not a file or directory: {}",
                path.display()
            ));
        }
    }
    Ok(())
}
