//! Writing the result files without overwriting earlier runs of the same day.

use std::path::{Path, PathBuf};

const EXTENSIONS: [&str; 3] = ["json", "md", "svg"];

/// The first of `date`, `date-2`, `date-3`, ... for which no result file
/// exists yet in `dir`.
pub fn free_stem(dir: &Path, date: &str) -> String {
    let taken = |stem: &str| EXTENSIONS.iter().any(|e| dir.join(format!("{stem}.{e}")).exists());
    if !taken(date) {
        return date.to_string();
    }
    (2..)
        .map(|n| format!("{date}-{n}"))
        .find(|s| !taken(s))
        .unwrap_or_else(|| date.to_string())
}

/// Writes `<stem>.json`, `.md` and `.svg` into `dir` (created if needed);
/// returns the paths written.
pub fn write_all(dir: &Path, stem: &str, json: &str, md: &str, svg: &str) -> Result<Vec<PathBuf>, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let mut written = Vec::new();
    for (ext, text) in EXTENSIONS.iter().zip([json, md, svg]) {
        let path = dir.join(format!("{stem}.{ext}"));
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("mbench-files-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        d
    }

    #[test]
    fn suffixes_keep_history() {
        let d = scratch("hist");
        assert_eq!(free_stem(&d, "2026-11-21"), "2026-11-21");
        let w = write_all(&d, "2026-11-21", "{}", "# x", "<svg/>").unwrap();
        assert_eq!(w.len(), 3);
        assert_eq!(std::fs::read_to_string(d.join("2026-11-21.md")).unwrap(), "# x");
        assert_eq!(free_stem(&d, "2026-11-21"), "2026-11-21-2");
        // Any one of the three files marks a stem as taken.
        std::fs::write(d.join("2026-11-21-2.svg"), "").unwrap();
        assert_eq!(free_stem(&d, "2026-11-21"), "2026-11-21-3");
        assert_eq!(free_stem(&d, "2026-11-22"), "2026-11-22");
        std::fs::remove_dir_all(&d).unwrap();
    }
}
