//! Images made by Linux's mke2fs from a directory built here, read back through the crate
//! and checked against the source tree: contents, holes, large and triple-indirect files,
//! symlinks, FIFOs, device nodes, a 10,000-entry directory, hard links, ownership, modes.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileTypeExt, MetadataExt, PermissionsExt};
use std::path::Path;
use std::process::Command;

use common::{mke2fs, pattern, run, scratch, tool};
use marten_ext2::{Error, FileType, Fs, MemDevice, ROOT_INO};

const KIB: u64 = 1024;
const MIB: u64 = 1024 * KIB;
const GIB: u64 = 1024 * MIB;
/// Entries of the big directory.
const BIG_DIR: usize = 10_000;
/// Files up to this size are read whole; larger (sparse) ones at sample offsets.
const WHOLE_LIMIT: u64 = 8 * MIB;
/// Offsets where the huge sparse file holds data.
const HUGE_DATA: [u64; 4] = [0, 70 * MIB, 4 * GIB - 2000, 5 * GIB + 17 - 4096];
const HUGE_SIZE: u64 = 5 * GIB + 17;

fn write_file(path: &Path, data: &[u8]) {
    fs::write(path, data).unwrap();
}

fn write_at(f: &mut File, off: u64, data: &[u8]) {
    f.seek(SeekFrom::Start(off)).unwrap();
    f.write_all(data).unwrap();
}

/// The source tree of the images.
fn build_tree(root: &Path, with_big_dir: bool) {
    for (i, size) in [
        0u64,
        1,
        100,
        1024,
        4096,
        12 * 1024,
        12 * 1024 + 1,
        300 * 1024 + 7,
        5 * MIB + 3,
    ]
    .into_iter()
    .enumerate()
    {
        write_file(&root.join(format!("file{size}")), &pattern(i as u64, size as usize));
    }
    let mut holes = File::create(root.join("holes")).unwrap();
    write_at(&mut holes, 0, b"start");
    write_at(&mut holes, 200_000, &pattern(99, 3000));
    holes.set_len(1_000_000).unwrap();
    let mut huge = File::create(root.join("huge")).unwrap();
    huge.set_len(HUGE_SIZE).unwrap();
    for (i, &off) in HUGE_DATA.iter().enumerate() {
        write_at(&mut huge, off, &pattern(1000 + i as u64, 4096));
    }
    std::os::unix::fs::symlink("file100", root.join("fast")).unwrap();
    let long = format!("{}/target", "long-component".repeat(30));
    std::os::unix::fs::symlink(long, root.join("slow")).unwrap();
    fs::hard_link(root.join("file100"), root.join("hardlink")).unwrap();
    run(Command::new("mkfifo").arg(root.join("fifo")));
    if nix_is_root() {
        run(Command::new("mknod").arg(root.join("cdev")).args(["c", "4", "64"]));
        run(Command::new("mknod").arg(root.join("bdev")).args(["b", "259", "300"]));
        std::os::unix::fs::chown(root.join("file1"), Some(1000), Some(100)).unwrap();
        std::os::unix::fs::chown(root.join("file4096"), Some(70_000), Some(80_000)).unwrap();
    } else {
        println!("note: not root; no device nodes or ownership in the tree");
    }
    fs::set_permissions(root.join("file1024"), fs::Permissions::from_mode(0o4751)).unwrap();
    let nested = root.join("a/b/c/d/e");
    fs::create_dir_all(&nested).unwrap();
    write_file(&nested.join("leaf"), b"deep inside\n");
    fs::create_dir(root.join("emptydir")).unwrap();
    if with_big_dir {
        let big = root.join("big");
        fs::create_dir(&big).unwrap();
        for i in 0..BIG_DIR {
            let p = big.join(format!("entry-with-a-longish-name-{i:05}"));
            if i % 1000 == 0 {
                write_file(&p, &pattern(i as u64, i / 10));
            } else {
                File::create(p).unwrap();
            }
        }
    }
}

fn nix_is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.trim_ascii() == b"0")
        .unwrap_or(false)
}

/// Reads `len` bytes of file `ino` at `off` through the crate, in odd-sized pieces.
fn fs_read(fs: &Fs<MemDevice>, ino: u32, off: u64, len: usize) -> Vec<u8> {
    let mut out = vec![0u8; len];
    let mut done = 0;
    while done < len {
        let piece = (len - done).min(7777);
        let n = fs.read(ino, off + done as u64, &mut out[done..done + piece]).unwrap();
        if n == 0 {
            break;
        }
        done += n;
    }
    out.truncate(done);
    out
}

fn src_read(path: &Path, off: u64, len: usize) -> Vec<u8> {
    let mut f = File::open(path).unwrap();
    f.seek(SeekFrom::Start(off)).unwrap();
    let mut out = Vec::new();
    f.take(len as u64).read_to_end(&mut out).unwrap();
    out
}

/// Every live entry of directory `ino`, by name.
fn list(fs: &Fs<MemDevice>, ino: u32) -> BTreeMap<Vec<u8>, (u32, u8)> {
    let mut out = BTreeMap::new();
    let mut cursor = 0;
    while let Some((e, next)) = fs.read_dir(ino, cursor).unwrap() {
        assert!(next > cursor, "cursor must advance");
        assert!(out.insert(e.name, (e.ino, e.file_type)).is_none(), "duplicate name");
        cursor = next;
    }
    out
}

fn split_dev(dev: u64) -> (u32, u32) {
    let major = ((dev >> 8) & 0xfff) | ((dev >> 32) & !0xfff);
    let minor = (dev & 0xff) | ((dev >> 12) & !0xff);
    (major as u32, minor as u32)
}

/// Checks inode `ino` against `path`, recursing into directories; `seen` maps source
/// (dev, ino) pairs to image inodes, for hard links.
fn check(fs: &Fs<MemDevice>, path: &Path, ino: u32, parent: u32, seen: &mut BTreeMap<u64, u32>) {
    let meta = fs::symlink_metadata(path).unwrap();
    let inode = fs.inode(ino).unwrap();
    let what = path.display();
    assert_eq!(u32::from(inode.mode), meta.mode(), "mode of {what}");
    assert_eq!(inode.uid, meta.uid(), "uid of {what}");
    assert_eq!(inode.gid, meta.gid(), "gid of {what}");
    if ino != ROOT_INO {
        // mke2fs adds lost+found to the root after copying it, changing its mtime.
        assert_eq!(inode.mtime, meta.mtime(), "mtime of {what}");
    }
    if let Some(&other) = seen.get(&meta.ino()) {
        assert_eq!(other, ino, "hard link {what}");
    }
    seen.insert(meta.ino(), ino);
    let ft = meta.file_type();
    if !ft.is_dir() {
        assert_eq!(u64::from(inode.links), meta.nlink(), "links of {what}");
    }
    if ft.is_file() {
        assert_eq!(inode.file_type(), FileType::Regular);
        assert_eq!(inode.size, meta.len(), "size of {what}");
        if meta.len() <= WHOLE_LIMIT {
            assert!(
                fs_read(fs, ino, 0, meta.len() as usize) == fs::read(path).unwrap(),
                "{what}"
            );
        } else {
            let mut offs: Vec<u64> = HUGE_DATA
                .iter()
                .flat_map(|&o| [o.saturating_sub(100), o + 4000])
                .collect();
            offs.extend([MIB, 64 * MIB, 66 * MIB + 5, 4 * GIB + 1, meta.len() - 50]);
            for off in offs {
                assert!(
                    fs_read(fs, ino, off, 9000) == src_read(path, off, 9000),
                    "{what} at {off}"
                );
            }
        }
        let mut b = [1u8; 16];
        assert_eq!(fs.read(ino, meta.len(), &mut b), Ok(0));
        assert_eq!(fs.read(ino, u64::MAX, &mut b), Ok(0));
        assert_eq!(fs.read_link(ino), Err(Error::NotSymlink));
    } else if ft.is_symlink() {
        assert_eq!(inode.file_type(), FileType::Symlink);
        let target = fs::read_link(path).unwrap();
        assert_eq!(
            fs.read_link(ino).unwrap(),
            target.as_os_str().as_encoded_bytes(),
            "{what}"
        );
        assert_eq!(inode.size, meta.len());
    } else if ft.is_fifo() {
        assert_eq!(inode.file_type(), FileType::Fifo);
        assert_eq!(fs.read(ino, 0, &mut [0; 4]), Err(Error::NotRegular));
    } else if ft.is_char_device() || ft.is_block_device() {
        let (major, minor) = split_dev(meta.rdev());
        assert_eq!((inode.rdev.major, inode.rdev.minor), (major, minor), "{what}");
    } else if ft.is_dir() {
        assert_eq!(inode.file_type(), FileType::Directory);
        assert_eq!(fs.read(ino, 0, &mut [0; 4]), Err(Error::IsDirectory));
        let mut entries = list(fs, ino);
        if ino == ROOT_INO
            && let Some((lf, _)) = entries.remove(b"lost+found".as_slice())
        {
            // mke2fs's own directory: empty but for . and ..
            assert_eq!(list(fs, lf).len(), 2);
        }
        assert_eq!(entries.get(b".".as_slice()).map(|e| e.0), Some(ino));
        assert_eq!(entries.get(b"..".as_slice()).map(|e| e.0), Some(parent));
        let mut names: BTreeSet<Vec<u8>> = fs::read_dir(path)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_encoded_bytes())
            .collect();
        names.insert(b".".to_vec());
        names.insert(b"..".to_vec());
        assert_eq!(entries.keys().cloned().collect::<BTreeSet<_>>(), names, "{what}");
        let step = if entries.len() > 1000 { 97 } else { 1 };
        for (i, (name, &(child, dtype))) in entries.iter().enumerate() {
            if i % step == 0 || i + 1 == entries.len() {
                assert_eq!(fs.lookup(ino, name).unwrap(), Some(child));
            }
            if name == b"." || name == b".." {
                continue;
            }
            let sub = path.join(std::ffi::OsStr::from_bytes(name));
            let expect = fs.inode(child).unwrap().file_type().dtype();
            if fs.superblock().has_filetype() {
                assert_eq!(dtype, expect, "d_type of {}", sub.display());
            }
            check(fs, &sub, child, ino, seen);
        }
        assert_eq!(fs.lookup(ino, b"no-such-name").unwrap(), None);
        assert_eq!(fs.lookup(ino, b"").unwrap(), None);
    } else {
        panic!("unexpected file type at {what}");
    }
}

/// Builds the tree, makes an image with block size `bs`, checks it; returns the image's
/// path (for further checks) or `None` without mke2fs.
fn image_matches_tree(tag: &str, bs: u32, extra: &[&str]) -> Option<(Vec<u8>, std::path::PathBuf)> {
    let mk = tool("mke2fs")?;
    let dir = scratch(tag);
    let src = dir.join("src");
    fs::create_dir(&src).unwrap();
    build_tree(&src, true);
    let img_path = dir.join("img");
    let img = mke2fs(&mk, &src, &img_path, bs, "64M", &[&["-N", "16384"], extra].concat());
    let fs = Fs::mount(MemDevice::new(img.clone())).unwrap();
    assert_eq!(fs.block_size(), bs);
    assert!(!fs.read_only());
    let mut seen = BTreeMap::new();
    check(&fs, &src, ROOT_INO, ROOT_INO, &mut seen);
    Some((img, dir))
}

#[test]
fn block_size_1k_with_triple_indirect() {
    image_matches_tree("block_size_1k_with_triple_indirect", 1024, &[]);
}

#[test]
fn block_size_2k() {
    image_matches_tree("block_size_2k", 2048, &[]);
}

#[test]
fn block_size_4k() {
    image_matches_tree("block_size_4k", 4096, &[]);
}

#[test]
fn small_inodes_128_bytes() {
    image_matches_tree("small_inodes_128_bytes", 1024, &["-I", "128"]);
}

#[test]
fn no_sparse_super_no_filetype() {
    image_matches_tree(
        "no_sparse_super_no_filetype",
        4096,
        &["-O", "^sparse_super,^filetype,^resize_inode"],
    );
}

/// e2fsck -D turns the big directory into a hash tree; listing scans it linearly,
/// lookups go through the index.
#[test]
fn indexed_directories_read_linearly() {
    let Some(fsck) = tool("e2fsck") else { return };
    let Some((_, dir)) = image_matches_tree("indexed", 4096, &[]) else {
        return;
    };
    let img = dir.join("img");
    let st = Command::new(&fsck).args(["-fyD"]).arg(&img).output().unwrap();
    assert!(st.status.code().is_some_and(|c| c <= 1), "{st:?}");
    let fs = Fs::mount(MemDevice::new(fs::read(&img).unwrap())).unwrap();
    let big = fs.lookup(ROOT_INO, b"big").unwrap().unwrap();
    const EXT2_INDEX_FL: u32 = 0x1000;
    assert!(fs.inode(big).unwrap().flags & EXT2_INDEX_FL != 0, "big is indexed");
    let mut seen = BTreeMap::new();
    check(&fs, &dir.join("src"), ROOT_INO, ROOT_INO, &mut seen);
}

/// Revision 0: 128-byte inodes, no feature flags, 16-bit name lengths.
#[test]
fn revision_zero() {
    let Some(mk) = tool("mke2fs") else { return };
    let dir = scratch("rev0");
    let src = dir.join("src");
    fs::create_dir_all(src.join("d/e")).unwrap();
    write_file(&src.join("d/x"), &pattern(5, 70_000));
    std::os::unix::fs::symlink("d/x", src.join("l")).unwrap();
    let img = mke2fs(&mk, &src, &dir.join("img"), 1024, "8M", &["-r", "0"]);
    let fs = Fs::mount(MemDevice::new(img)).unwrap();
    assert_eq!(fs.superblock().rev_level, 0);
    let mut seen = BTreeMap::new();
    check(&fs, &src, ROOT_INO, ROOT_INO, &mut seen);
}

/// Feature flags: an unknown INCOMPAT bit refuses the mount, an unknown RO_COMPAT bit
/// mounts read-only; a bad magic is not ext2.
#[test]
fn feature_flags_decide_the_mount() {
    let Some(mk) = tool("mke2fs") else { return };
    let dir = scratch("features");
    let src = dir.join("src");
    fs::create_dir(&src).unwrap();
    write_file(&src.join("f"), b"x");
    let img = mke2fs(&mk, &src, &dir.join("img"), 1024, "4M", &[]);
    let mut bad = img.clone();
    bad[1024 + 96] |= 0x40; // extents
    assert!(matches!(Fs::mount(MemDevice::new(bad)), Err(Error::Unsupported(_))));
    let mut ro = img.clone();
    ro[1024 + 100 + 1] |= 0x80;
    let fs = Fs::mount(MemDevice::new(ro)).unwrap();
    assert!(fs.read_only());
    let f = fs.lookup(ROOT_INO, b"f").unwrap().unwrap();
    assert_eq!(fs_read(&fs, f, 0, 10), b"x");
    let mut nomagic = img.clone();
    nomagic[1024 + 56] = 0;
    assert!(matches!(Fs::mount(MemDevice::new(nomagic)), Err(Error::NotExt2)));
    assert_eq!(Fs::mount(MemDevice::new(img[..2000].to_vec())).err(), Some(Error::Io));
    let fs = Fs::mount(MemDevice::new(img[..img.len() - 1024].to_vec()));
    assert!(matches!(fs.err(), Some(Error::Corrupt(_))));
    let fs = Fs::mount(MemDevice::new(img)).unwrap();
    assert!(matches!(fs.inode(0), Err(Error::Corrupt(_))));
    let count = fs.superblock().inodes_count;
    assert!(matches!(fs.inode(count + 1), Err(Error::Corrupt(_))));
    assert!(matches!(fs.inode(count), Err(Error::Stale)));
}
