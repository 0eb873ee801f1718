//! Hash-tree lookups against indexes built by `e2fsck -D`: every hash (legacy, half-MD4,
//! TEA; signed and unsigned name bytes), one and two index levels; each name found is
//! the one the linear scan finds, absent names are absent, and a lookup reads a few
//! blocks, not the whole directory.

mod common;

use std::cell::Cell;
use std::fs;
use std::path::Path;
use std::process::Command;

use common::{mke2fs, run, scratch, tool};
use marten_ext2::{BlockDevice, Fs, MemDevice, ROOT_INO, Result};

/// A device that counts its reads.
struct Counting {
    inner: MemDevice,
    reads: Cell<usize>,
}

impl BlockDevice for Counting {
    fn size(&self) -> u64 {
        self.inner.size()
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<()> {
        self.reads.set(self.reads.get() + 1);
        self.inner.read_at(offset, buf)
    }
    fn write_at(&mut self, offset: u64, buf: &[u8]) -> Result<()> {
        self.inner.write_at(offset, buf)
    }
    fn flush(&mut self) -> Result<()> {
        Ok(())
    }
}

/// Names of every length and some bytes above 0x7f (where signedness matters).
fn names(n: usize) -> Vec<Vec<u8>> {
    (0..n)
        .map(|i| {
            let mut v = format!("entry-{i}-").into_bytes();
            v.extend(std::iter::repeat_n(b'x', i % 70));
            if i % 7 == 0 {
                v.extend_from_slice(&[0xc3, 0xa9, 0xe2, 0x82, 0xac]);
            }
            v
        })
        .collect()
}

/// Builds an image with directory `big` of `n` files, indexed by `e2fsck -fD` with hash
/// `alg` (and unsigned name bytes if `unsigned`); returns it.
fn indexed_image(dir: &Path, bs: u32, n: usize, alg: &str, unsigned: bool) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    let mk = tool("mke2fs").unwrap();
    let src = dir.join("src");
    let _ = fs::remove_dir_all(&src);
    fs::create_dir_all(src.join("big")).unwrap();
    for name in names(n) {
        fs::write(src.join("big").join(std::ffi::OsStr::from_bytes(&name)), b"").unwrap();
    }
    let img_path = dir.join("img");
    let mut img = mke2fs(&mk, &src, &img_path, bs, "32M", &["-N", "8192"]);
    if unsigned {
        // s_flags: unsigned instead of signed directory hashes.
        let flags = u32::from_le_bytes(img[1024 + 352..1024 + 356].try_into().unwrap());
        let flags = (flags & !1) | 2;
        img[1024 + 352..1024 + 356].copy_from_slice(&flags.to_le_bytes());
        fs::write(&img_path, &img).unwrap();
    }
    run(Command::new(tool("tune2fs").unwrap())
        .args(["-E", &format!("hash_alg={alg}")])
        .arg(&img_path));
    let st = Command::new(tool("e2fsck").unwrap())
        .arg("-fyD")
        .arg(&img_path)
        .output()
        .unwrap();
    assert!(st.status.code().is_some_and(|c| c <= 1), "{st:?}");
    fs::read(&img_path).unwrap()
}

fn check(tag: &str, bs: u32, n: usize, alg: &str, unsigned: bool) {
    if tool("mke2fs").is_none() || tool("e2fsck").is_none() || tool("tune2fs").is_none() {
        return;
    }
    let dir = scratch(tag);
    let img = indexed_image(&dir, bs, n, alg, unsigned);
    let dev = Counting {
        inner: MemDevice::new(img),
        reads: Cell::new(0),
    };
    let mut fs = Fs::mount(dev).unwrap();
    let big = fs.lookup(ROOT_INO, b"big").unwrap().unwrap();
    let inode = fs.inode(big).unwrap();
    assert!(inode.flags & 0x1000 != 0, "{tag}: big is indexed");
    let dir_blocks = inode.size / u64::from(bs);
    // The linear truth.
    let mut linear = std::collections::BTreeMap::new();
    let mut cursor = 0;
    while let Some((e, next)) = fs.read_dir(big, cursor).unwrap() {
        linear.insert(e.name, e.ino);
        cursor = next;
    }
    assert_eq!(linear.len(), n + 2, "{tag}: every entry listed");
    let mut most = 0;
    for name in names(n) {
        fs.shrink(usize::MAX);
        let before = fs.device().reads.get();
        let found = fs.lookup(big, &name).unwrap();
        most = most.max(fs.device().reads.get() - before);
        assert_eq!(
            found,
            linear.get(&name).copied(),
            "{tag}: {}",
            String::from_utf8_lossy(&name)
        );
    }
    assert_eq!(fs.lookup(big, b".").unwrap(), Some(big));
    assert_eq!(fs.lookup(big, b"..").unwrap(), Some(ROOT_INO));
    for absent in [&b"absent"[..], b"entry-1-", b"entry-99999-x", b"\xff\xfe"] {
        fs.shrink(usize::MAX);
        let before = fs.device().reads.get();
        assert_eq!(fs.lookup(big, absent).unwrap(), None, "{tag}");
        most = most.max(fs.device().reads.get() - before);
    }
    // A cold lookup reads the inode, the root, at most one more index node and a leaf
    // or two, nowhere near the whole directory.
    assert!(most <= 8, "{tag}: a lookup read {most} blocks of {dir_blocks}");
    assert!(dir_blocks > 20, "{tag}: the directory is big enough to tell");
    println!("{tag}: {n} names, {dir_blocks} blocks, at most {most} reads per lookup");
}

#[test]
fn half_md4_one_level_4k() {
    check("htree-md4-4k", 4096, 3000, "half_md4", false);
}

#[test]
fn half_md4_two_levels_1k() {
    check("htree-md4-1k", 1024, 6000, "half_md4", false);
}

#[test]
fn tea_and_legacy_2k() {
    check("htree-tea-2k", 2048, 3000, "tea", false);
    check("htree-legacy-2k", 2048, 3000, "legacy", false);
}

#[test]
fn unsigned_name_bytes() {
    check("htree-md4-unsigned", 1024, 2000, "half_md4", true);
    check("htree-tea-unsigned", 1024, 2000, "tea", true);
}

/// Damaged index blocks: lookups return a result or an error, never panic, and with the
/// index unusable the scan still answers.
#[test]
fn damaged_indexes_never_panic() {
    if tool("mke2fs").is_none() || tool("e2fsck").is_none() || tool("tune2fs").is_none() {
        return;
    }
    let dir = scratch("htree-damaged");
    let img = indexed_image(&dir, 1024, 3000, "half_md4", false);
    let fs = Fs::mount(MemDevice::new(img)).unwrap();
    let big = fs.lookup(ROOT_INO, b"big").unwrap().unwrap();
    // The root and a few index and leaf blocks.
    let blocks: Vec<u64> = [0u64, 1, 2, 3, 50]
        .iter()
        .map(|&l| u64::from(fs.file_block(big, l).unwrap().unwrap()) * 1024)
        .collect();
    let mut dev = fs.into_device();
    let all = names(3000);
    let mut x = 0x1234_5678_9abc_def1u64;
    let mut rnd = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for round in 0..300 {
        let at = blocks[round % blocks.len()];
        let mut saved = vec![0u8; 1024];
        dev.read_at(at, &mut saved).unwrap();
        let mut damaged = saved.clone();
        for _ in 0..1 + rnd() % 4 {
            // Mostly the index headers and first entries, sometimes anywhere.
            let off = if rnd() % 4 == 0 { rnd() % 1024 } else { rnd() % 64 } as usize;
            damaged[off] = rnd() as u8;
        }
        dev.write_at(at, &damaged).unwrap();
        let fs = Fs::mount(dev).unwrap();
        for k in 0..20 {
            let name = &all[(rnd() as usize + k) % all.len()];
            let _ = fs.lookup(big, name);
        }
        let _ = fs.lookup(big, b"absent");
        dev = fs.into_device();
        dev.write_at(at, &saved).unwrap();
    }
}
