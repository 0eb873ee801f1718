//! Helpers of the image tests: finding e2fsprogs, scratch directories, making images.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The path of an e2fsprogs tool (`mke2fs`, `e2fsck`), searching PATH and the sbin
/// directories; `None` (with a printed note) if it is missing.
pub fn tool(name: &str) -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    dirs.extend(["/usr/sbin", "/sbin", "/usr/local/sbin"].map(PathBuf::from));
    let found = dirs.into_iter().map(|d| d.join(name)).find(|p| p.is_file());
    if found.is_none() {
        println!("note: {name} not found; skipping this test");
    }
    found
}

/// A fresh, empty scratch directory for `name` under cargo's test temporary directory
/// (the previous run's is removed first, so images do not pile up).
pub fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("ext2-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `cmd`, panicking with its output if it fails.
pub fn run(cmd: &mut Command) {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Makes an ext2 image of `size` (mke2fs syntax, e.g. "64M") with block size `bs` from
/// directory `src`, with `extra` mke2fs options; returns its bytes.
pub fn mke2fs(mke2fs: &Path, src: &Path, img: &Path, bs: u32, size: &str, extra: &[&str]) -> Vec<u8> {
    run(Command::new(mke2fs)
        .args(["-q", "-F", "-t", "ext2", "-b", &bs.to_string()])
        .args(extra)
        .arg("-d")
        .arg(src)
        .arg(img)
        .arg(size));
    std::fs::read(img).unwrap()
}

/// Deterministic pseudo-random bytes (a 64-bit LCG) seeded by `seed`.
pub fn pattern(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
    (0..len)
        .map(|_| {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (x >> 56) as u8
        })
        .collect()
}

/// Writes `img` to a file in `dir` (named for this process, so parallel cases do not
/// meet) and asserts that `e2fsck -fn` finds it clean, showing `what` and its report
/// otherwise.
pub fn assert_fsck_clean(dir: &Path, img: &[u8], what: &dyn std::fmt::Debug) {
    let path = dir.join(format!("case-{}.img", std::process::id()));
    std::fs::write(&path, img).unwrap();
    let out = Command::new(tool("e2fsck").unwrap())
        .arg("-fn")
        .arg(&path)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&path);
    assert!(
        out.status.success(),
        "e2fsck -fn after {what:?}:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
}
