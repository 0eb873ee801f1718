//! Corruption never panics: random damage to a small image's metadata (superblock,
//! descriptors, inode table, directory and pointer blocks), then a mount and a walk of
//! the whole tree that reads every file, link and directory. Errors are fine; panics,
//! hangs and unbounded work are not.

mod common;

use std::collections::BTreeSet;
use std::fs;
use std::os::unix::fs::symlink;
use std::process::Command;
use std::sync::OnceLock;

use common::{mke2fs, pattern, run, scratch, tool};
use marten_ext2::{FileType, Fs, MemDevice, ROOT_INO};
use proptest::prelude::*;

const BS: usize = 1024;

/// A small 1 KiB-block image: files up to double-indirect, holes, symlinks, a FIFO,
/// nested and larger directories. `None` without mke2fs.
fn image() -> Option<&'static Vec<u8>> {
    static IMG: OnceLock<Option<Vec<u8>>> = OnceLock::new();
    IMG.get_or_init(|| {
        let mk = tool("mke2fs")?;
        let dir = scratch("fuzz");
        let src = dir.join("src");
        fs::create_dir_all(src.join("a/b/c")).unwrap();
        fs::create_dir(src.join("many")).unwrap();
        for i in 0..120 {
            fs::write(src.join(format!("many/name-{i}")), pattern(i, (i * 37) as usize)).unwrap();
        }
        fs::write(src.join("a/b/c/d"), pattern(1, 300 * BS + 5)).unwrap();
        fs::write(src.join("indirect"), pattern(2, 20 * BS)).unwrap();
        let f = fs::File::create(src.join("sparse")).unwrap();
        f.set_len(3 << 20).unwrap();
        symlink("a/b/c/d", src.join("fast")).unwrap();
        symlink("x".repeat(200), src.join("slow")).unwrap();
        run(Command::new("mkfifo").arg(src.join("fifo")));
        Some(mke2fs(&mk, &src, &dir.join("img"), BS as u32, "1M", &["-N", "192"]))
    })
    .as_ref()
}

/// Walks the tree from the root, reading everything, within a budget of operations;
/// returns the number of failed operations.
fn walk(fs: &Fs<MemDevice>) -> usize {
    let mut errors = 0usize;
    let mut count = |ok: bool| errors += usize::from(!ok);
    let mut budget = 3000u32;
    let mut dirs = vec![ROOT_INO];
    let mut seen = BTreeSet::new();
    let mut buf = vec![0u8; 64 * 1024];
    while let Some(dir) = dirs.pop() {
        if !seen.insert(dir) {
            continue;
        }
        let mut cursor = 0;
        while budget > 0 {
            budget -= 1;
            let r = fs.read_dir(dir, cursor);
            count(r.is_ok());
            let Ok(Some((e, next))) = r else { break };
            assert!(next > cursor, "read_dir cursor must advance");
            cursor = next;
            count(fs.lookup(dir, &e.name).is_ok_and(|i| i == Some(e.ino)));
            let inode = fs.inode(e.ino);
            count(inode.is_ok());
            let Ok(inode) = inode else { continue };
            match inode.file_type() {
                FileType::Directory => dirs.push(e.ino),
                FileType::Symlink => {
                    count(fs.read_link(e.ino).is_ok());
                }
                FileType::Regular => {
                    count(fs.read(e.ino, 0, &mut buf).is_ok());
                    count(fs.read(e.ino, inode.size.saturating_sub(5000), &mut buf).is_ok());
                    count(fs.read(e.ino, inode.size / 3, &mut buf[..3000]).is_ok());
                    count(fs.read(e.ino, u64::MAX - 10, &mut buf).is_ok());
                }
                _ => {
                    let _ = fs.read(e.ino, 0, &mut buf);
                }
            }
        }
    }
    for ino in [0, 1, 2, 7, 11, u32::MAX] {
        let _ = fs.inode(ino);
        let _ = fs.read_link(ino);
        let _ = fs.lookup(ino, b"x");
    }
    errors
}

/// Writes to a (damaged) file system: every call may fail, none may panic.
fn scribble(fs: &mut Fs<MemDevice>) {
    let d = fs.mkdir(ROOT_INO, b"new-dir", 0o755, 0, 0).unwrap_or(ROOT_INO);
    if let Ok(f) = fs.create(d, b"new-file", 0o644, 0, 0) {
        let _ = fs.write(f, 0, &pattern(3, 5000));
        let _ = fs.write(f, 70 << 20, b"far");
        let _ = fs.truncate(f, 100);
    }
    for name in [&b"indirect"[..], b"fast", b"slow", b"fifo", b"sparse"] {
        if let Ok(Some(ino)) = fs.lookup(ROOT_INO, name) {
            let _ = fs.write(ino, 1000, b"overwrite");
            let _ = fs.truncate(ino, 10);
        }
        let _ = fs.rename(ROOT_INO, name, d, name);
        let _ = fs.unlink(d, name);
    }
    let _ = fs.rename(ROOT_INO, b"a", ROOT_INO, b"many");
    let _ = fs.rmdir(ROOT_INO, b"many");
    let _ = fs.symlink(ROOT_INO, b"link", &[b'x'; 300], 0, 0);
    if let Ok(Some(many)) = fs.lookup(ROOT_INO, b"many") {
        for i in 0..40 {
            let _ = fs.unlink(many, format!("name-{i}").as_bytes());
        }
    }
}

/// One change to the image: at `off`, xor with `x` or store a 32-bit `word` (a plausible
/// block number, size or count).
#[derive(Clone, Debug)]
enum Damage {
    Xor { off: usize, x: u8 },
    Word { off: usize, word: u32 },
}

/// The image's metadata, as block ranges: superblock and descriptors, the used part of
/// the inode table, directory blocks (found by their "." entry) and pointer blocks
/// (found by their runs of consecutive block numbers).
fn hot_blocks(img: &[u8]) -> Vec<usize> {
    let fs = Fs::mount(MemDevice::new(img.to_vec())).unwrap();
    let itable = fs.groups()[0].inode_table as usize;
    let mut hot: Vec<usize> = (1..3).chain(itable..itable + 40).collect();
    let nblocks = img.len() / BS;
    for b in 0..nblocks {
        let blk = &img[b * BS..(b + 1) * BS];
        let word = |i: usize| u32::from_le_bytes(blk[i * 4..i * 4 + 4].try_into().unwrap());
        let dot = blk[4..8] == [12, 0, 1, 2] && blk[8] == b'.';
        let pointers =
            (0..8).all(|i| word(i) != 0 && word(i + 1) == word(i).wrapping_add(1)) && (word(0) as usize) < nblocks;
        if dot || pointers {
            hot.extend(b..(b + 4).min(nblocks));
        }
    }
    hot.sort_unstable();
    hot.dedup();
    hot
}

fn damage(hot: Vec<usize>) -> impl Strategy<Value = Damage> {
    let within = move || (prop::sample::select(hot.clone()), 0..BS).prop_map(|(b, o)| b * BS + o);
    let word = prop_oneof![0u32..1100, Just(u32::MAX), any::<u32>(), Just(0x8000_0000)];
    prop_oneof![
        (within(), 1u8..=255).prop_map(|(off, x)| Damage::Xor { off, x }),
        (within(), word).prop_map(|(off, word)| Damage::Word { off: off & !3, word }),
    ]
}

fn apply(img: &mut [u8], d: &Damage) {
    match *d {
        Damage::Xor { off, x } => {
            if let Some(b) = img.get_mut(off) {
                *b ^= x;
            }
        }
        Damage::Word { off, word } => {
            if let Some(s) = img.get_mut(off..off + 4) {
                s.copy_from_slice(&word.to_le_bytes());
            }
        }
    }
}

#[test]
fn the_undamaged_image_walks_cleanly() {
    let Some(img) = image() else { return };
    let fs = Fs::mount(MemDevice::new(img.clone())).unwrap();
    assert_eq!(walk(&fs), 0);
}

/// The hot blocks of the image (empty without mke2fs: the test then returns at once).
static HOT: std::sync::LazyLock<Vec<usize>> =
    std::sync::LazyLock::new(|| image().map(|i| hot_blocks(i)).unwrap_or_else(|| vec![0]));

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn damaged_metadata_never_panics(hits in prop::collection::vec(damage(HOT.clone()), 1..8)) {
        let Some(img) = image() else { return Ok(()) };
        let mut img = img.clone();
        for d in &hits {
            apply(&mut img, d);
        }
        if let Ok(mut fs) = Fs::mount(MemDevice::new(img)) {
            walk(&fs);
            scribble(&mut fs);
            walk(&fs);
        }
    }

    #[test]
    fn random_superblocks_never_panic(mut sb in prop::collection::vec(any::<u8>(), 1024)) {
        // Give half the cases the magic number so parsing goes past the first check.
        if sb[0] & 1 == 0 {
            sb[56] = 0x53;
            sb[57] = 0xef;
        }
        let mut img = vec![0u8; 1 << 16];
        img[1024..2048].copy_from_slice(&sb);
        if let Ok(fs) = Fs::mount(MemDevice::new(img)) {
            walk(&fs);
        }
    }
}
