//! Tables made by util-linux's `sfdisk` (Debian's fdisk package): MBR with
//! logical partitions, a GPT, and the same GPT with its primary header
//! damaged (4 KiB sectors are in tables.rs: Debian 12's sfdisk cannot make
//! them on an image). Each test is skipped (with a note) where
//! sfdisk is missing.

mod common;

use common::parse;
use marten_part::{Error, GptError, Options, Problem, Table};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// sfdisk's path, or `None` (with a note) where it is missing.
fn sfdisk() -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    dirs.extend(["/usr/sbin", "/sbin"].map(PathBuf::from));
    let found = dirs.into_iter().map(|d| d.join("sfdisk")).find(|p| p.is_file());
    if found.is_none() {
        println!("note: sfdisk not found; skipping this test");
    }
    found
}

/// An image of `size` bytes named `name`, partitioned by sfdisk from
/// `script` (with `extra` options); returns its bytes.
fn make(sfdisk: &Path, name: &str, size: u64, extra: &[&str], script: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("part-{name}.img"));
    let _ = std::fs::remove_file(&path);
    std::fs::File::create(&path).unwrap().set_len(size).unwrap();
    let mut child = Command::new(sfdisk)
        .args(["-q", "--no-reread", "--no-tell-kernel"])
        .args(extra)
        .arg(&path)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(script.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "sfdisk: {}", String::from_utf8_lossy(&out.stderr));
    std::fs::read(&path).unwrap()
}

#[test]
fn mbr_with_logical_partitions() {
    let Some(s) = sfdisk() else { return };
    let img = make(
        &s,
        "mbr",
        16 << 20,
        &[],
        "label: dos\n\
         start=2048, size=4096, type=83\n\
         start=6144, size=2048, type=82\n\
         start=8192, size=24576, type=5\n\
         start=10240, size=4096, type=83\n\
         start=16384, size=8192, type=83\n\
         start=26624, size=2048, type=7\n",
    );
    let f = parse(&img, 512, Options::default());
    assert_eq!(f.table, Ok(Table::Mbr));
    assert_eq!(
        f.ranges(),
        [
            (1, 2048, 4096),
            (2, 6144, 2048),
            (3, 8192, 2),
            (5, 10240, 4096),
            (6, 16384, 8192),
            (7, 26624, 2048)
        ]
    );
    assert!(f.problems.is_empty(), "{:?}", f.problems);
}

const GPT_SCRIPT: &str = "label: gpt\n\
     start=2048, size=4096, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4\n\
     start=8192, size=8192, type=0657FD6D-A4AB-43C4-84E5-0933C84B4F4F\n\
     start=16384, size=2048\n";

#[test]
fn gpt_and_its_backup() {
    let Some(s) = sfdisk() else { return };
    let mut img = make(&s, "gpt", 16 << 20, &[], GPT_SCRIPT);
    let want = [(1, 2048, 4096), (2, 8192, 8192), (3, 16384, 2048)];
    let f = parse(&img, 512, Options::default());
    assert_eq!(f.table, Ok(Table::Gpt));
    assert_eq!(f.ranges(), want);
    assert!(f.problems.is_empty(), "{:?}", f.problems);
    // The primary header zeroed: Linux's `gpt` option reads the backup.
    img[512..1024].fill(0);
    assert_eq!(
        parse(&img, 512, Options::default()).table,
        Err(Error::Gpt(GptError::Signature))
    );
    let f = parse(&img, 512, Options { force_gpt: true });
    assert_eq!(f.ranges(), want);
    assert_eq!(f.problems, [Problem::PrimaryGpt(GptError::Signature)]);
}
