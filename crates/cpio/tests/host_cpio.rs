//! Archives made by another implementation (busybox cpio, when the host has it).

use std::io::Write;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::process::{Command, Stdio};

use marten_cpio::{EntryKind, entries};

#[test]
fn busybox_cpio_archive_reads_back() {
    let dir = std::env::temp_dir().join(format!("marten-cpio-bb-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("etc/init.d")).unwrap();
    std::fs::write(dir.join("etc/hostname"), b"marten\n").unwrap();
    std::fs::write(dir.join("etc/init.d/rcS"), b"#!/bin/sh\n").unwrap();
    std::fs::set_permissions(dir.join("etc/init.d/rcS"), PermissionsExt::from_mode(0o750)).unwrap();
    symlink("hostname", dir.join("etc/name")).unwrap();
    let names = ".\netc\netc/hostname\netc/init.d\netc/init.d/rcS\netc/name\n";

    let child = Command::new("busybox")
        .args(["cpio", "-o", "-H", "newc"])
        .current_dir(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn();
    let Ok(mut child) = child else {
        std::fs::remove_dir_all(&dir).unwrap();
        eprintln!("no busybox on this host; skipping");
        return;
    };
    child.stdin.take().unwrap().write_all(names.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    if !output.status.success() {
        eprintln!("busybox has no cpio applet; skipping");
        return;
    }

    let got: Vec<(String, EntryKind, u32, Vec<u8>)> = entries(&output.stdout)
        .map(|e| {
            let e = e.unwrap();
            (e.name.to_string(), e.kind, e.mode & 0o7777, e.data.to_vec())
        })
        .collect();
    let names: Vec<&str> = got.iter().map(|g| g.0.as_str()).collect();
    assert_eq!(
        names,
        ["", "etc", "etc/hostname", "etc/init.d", "etc/init.d/rcS", "etc/name"]
    );
    assert_eq!(got[0].1, EntryKind::Dir);
    assert_eq!(got[2].1, EntryKind::File);
    assert_eq!(got[2].3, b"marten\n");
    assert_eq!((got[4].2, &got[4].3[..]), (0o750, &b"#!/bin/sh\n"[..]));
    assert_eq!((got[5].1, &got[5].3[..]), (EntryKind::Symlink, &b"hostname"[..]));
}
