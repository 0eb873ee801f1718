//! Runs the mkinitramfs binary and reads its output back with marten-cpio.

use std::fs;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use marten_cpio::{EntryKind, entries, for_each_entry, gunzip, is_gzip};

/// A scratch directory removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(tag: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("mkinitramfs-{}-{tag}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.0.join(rel)
    }

    fn file(&self, rel: &str, data: &[u8], mode: u32) -> PathBuf {
        let path = self.path(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, data).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
        path
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mkinitramfs"))
        .args(args)
        .output()
        .expect("run mkinitramfs")
}

fn arg(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// (name, kind, mode, data, rdev) of every entry.
type Row = (String, EntryKind, u32, Vec<u8>, (u32, u32));

fn rows(archive: &[u8]) -> Vec<Row> {
    entries(archive)
        .map(|e| {
            let e = e.unwrap();
            (
                e.name.to_string(),
                e.kind,
                e.mode,
                e.data.to_vec(),
                (e.rdev_major, e.rdev_minor),
            )
        })
        .collect()
}

fn row(name: &str, kind: EntryKind, mode: u32, data: &[u8]) -> Row {
    (name.to_string(), kind, mode, data.to_vec(), (0, 0))
}

#[test]
fn builds_every_item_kind_in_parent_first_order() {
    let s = Scratch::new("all");
    let busybox = s.file("host/busybox", b"\x7fELF fake busybox", 0o755);
    let init = s.file("host/init.sh", b"#!/bin/sh\nexec sh\n", 0o644);
    s.file("tree/etc/hostname", b"marten\n", 0o644);
    s.file("tree/etc/secret", b"x", 0o600);
    fs::create_dir_all(s.path("tree/var/empty")).unwrap();
    fs::set_permissions(s.path("tree/var"), fs::Permissions::from_mode(0o750)).unwrap();
    symlink("hostname", s.path("tree/etc/name")).unwrap();
    let out = s.path("out.cpio");

    let result = run(&[
        "-o",
        arg(&out),
        "--file",
        &format!("bin/busybox={}", arg(&busybox)),
        "--symlink",
        "bin/sh=busybox",
        "--file-mode",
        &format!("/init={}:0755", arg(&init)),
        "--dir",
        "proc",
        "--dev",
        "dev/console=c:5:1",
        "--tree",
        &format!("/={}", arg(&s.path("tree"))),
    ]);
    assert!(result.status.success(), "{}", String::from_utf8_lossy(&result.stderr));
    let archive = fs::read(&out).unwrap();
    let got = rows(&archive);
    let expected = vec![
        row("bin", EntryKind::Dir, 0o040755, b""),
        row("bin/busybox", EntryKind::File, 0o100755, b"\x7fELF fake busybox"),
        row("bin/sh", EntryKind::Symlink, 0o120777, b"busybox"),
        row("dev", EntryKind::Dir, 0o040755, b""),
        (
            "dev/console".to_string(),
            EntryKind::CharDev,
            0o020666,
            Vec::new(),
            (5, 1),
        ),
        row("etc", EntryKind::Dir, 0o040755, b""),
        row("etc/hostname", EntryKind::File, 0o100644, b"marten\n"),
        row("etc/name", EntryKind::Symlink, 0o120777, b"hostname"),
        row("etc/secret", EntryKind::File, 0o100600, b"x"),
        row("init", EntryKind::File, 0o100755, b"#!/bin/sh\nexec sh\n"),
        row("proc", EntryKind::Dir, 0o040755, b""),
        row("var", EntryKind::Dir, 0o040750, b""),
        row("var/empty", EntryKind::Dir, 0o040755, b""),
    ];
    assert_eq!(got, expected);
}

#[test]
fn output_is_deterministic_regardless_of_item_order() {
    let s = Scratch::new("order");
    let a = s.file("a", b"aaa", 0o644);
    let out1 = s.path("1.cpio");
    let out2 = s.path("2.cpio");
    let file_arg = format!("x/y/a={}", arg(&a));
    let r1 = run(&[
        "-o",
        arg(&out1),
        "--file",
        &file_arg,
        "--dir",
        "x/z",
        "--symlink",
        "l=x",
    ]);
    let r2 = run(&[
        "--symlink",
        "l=x",
        "--dir",
        "x/z",
        "--file",
        &file_arg,
        "-o",
        arg(&out2),
    ]);
    assert!(r1.status.success() && r2.status.success());
    assert_eq!(fs::read(&out1).unwrap(), fs::read(&out2).unwrap());
}

#[test]
fn gzip_output_matches_the_plain_archive() {
    let s = Scratch::new("gzip");
    let big: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let f = s.file("big", &big, 0o644);
    let plain = s.path("plain.cpio");
    let packed = s.path("packed.cpio.gz");
    let item = format!("data/big={}", arg(&f));
    assert!(run(&["-o", arg(&plain), "--file", &item]).status.success());
    assert!(run(&["-o", arg(&packed), "--gzip", "--file", &item]).status.success());
    let plain = fs::read(&plain).unwrap();
    let packed_bytes = fs::read(&packed).unwrap();
    assert!(is_gzip(&packed_bytes));
    assert!(packed_bytes.len() < plain.len() / 4, "compressed");
    assert_eq!(gunzip(&packed_bytes), Ok((plain.clone(), packed_bytes.len())));

    let mut names = Vec::new();
    for_each_entry(&packed_bytes, |e| {
        names.push(e.name.to_string());
        if e.name == "data/big" {
            assert_eq!(e.data, &big[..]);
        }
        Ok(())
    })
    .unwrap();
    assert_eq!(names, ["data", "data/big"]);

    // The host's gunzip, when there is one, must agree.
    match Command::new("gunzip").arg("-c").arg(&packed).output() {
        Ok(host) => {
            assert!(host.status.success(), "{}", String::from_utf8_lossy(&host.stderr));
            assert_eq!(host.stdout, plain);
        }
        Err(_) => eprintln!("no gunzip on this host; skipping that check"),
    }
}

#[test]
fn empty_image_is_a_trailer_only() {
    let s = Scratch::new("empty");
    let out = s.path("e.cpio");
    assert!(run(&["-o", arg(&out)]).status.success());
    let archive = fs::read(&out).unwrap();
    assert_eq!(rows(&archive), Vec::<Row>::new());
}

#[test]
fn errors_exit_non_zero_with_a_message() {
    let s = Scratch::new("errors");
    let out = s.path("o");
    let out = arg(&out);
    let f = s.file("f", b"f", 0o644);
    let file_item = format!("a={}", arg(&f));
    let missing = format!("a={}", arg(&s.path("missing")));
    let tree_of_file = format!("t={}", arg(&f));
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["--dir", "x"], "no output file"),
        (vec!["-o", out, "--what"], "unknown argument"),
        (vec!["-o", out, "--file", &missing], "cannot read"),
        (vec!["-o", out, "--file", &file_item, "--dir", "a"], "given twice"),
        (vec!["-o", out, "--file", &file_item, "--dir", "a/b"], "not a directory"),
        (vec!["-o", out, "--dir", "../etc"], "not allowed"),
        (vec!["-o", out, "--dir", "/"], "below /"),
        (vec!["-o", out, "--tree", &tree_of_file], "not a directory"),
        (vec!["-o", out, "--dev", "d=b:1:2"], "character devices"),
    ];
    for (args, needle) in cases {
        let result = run(&args);
        assert!(!result.status.success(), "{args:?} should fail");
        let stderr = String::from_utf8_lossy(&result.stderr);
        assert!(
            stderr.starts_with("mkinitramfs: ") && stderr.contains(needle),
            "{args:?}: {stderr}"
        );
    }
    assert!(!s.path("o").exists(), "no output on error");
    let unwritable = run(&["-o", arg(&s.path("no/such/dir/out"))]);
    assert!(!unwritable.status.success());
}

#[test]
fn help_prints_usage() {
    let result = run(&["--help"]);
    assert!(result.status.success());
    assert!(String::from_utf8_lossy(&result.stdout).contains("--tree DEST=SRCDIR"));
}
