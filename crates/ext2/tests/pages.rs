//! The page-cache interface against Linux's checker: data written straight to the blocks
//! `allocate_blocks` gave, sizes and attributes set apart, and orphans freed late.

mod common;

use std::fs;
use std::path::Path;
use std::process::Command;

use common::{mke2fs, pattern, scratch, tool};
use marten_ext2::{Attributes, BlockDevice, Error, Fs, MemDevice, ROOT_INO};

fn fsck_clean(fsck: &Path, dir: &Path, img: &[u8]) {
    let path = dir.join("checked.img");
    fs::write(&path, img).unwrap();
    let out = Command::new(fsck).arg("-fn").arg(&path).output().unwrap();
    assert!(
        out.status.success(),
        "e2fsck -fn: {:?}\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn fresh(tag: &str, bs: u32) -> Option<(Fs<MemDevice>, std::path::PathBuf, std::path::PathBuf)> {
    let mk = tool("mke2fs")?;
    let fsck = tool("e2fsck")?;
    let dir = scratch(tag);
    let src = dir.join("src");
    fs::create_dir_all(&src).unwrap();
    fs::write(src.join("top"), b"top file\n").unwrap();
    let img = mke2fs(&mk, &src, &dir.join("img"), bs, "8M", &[]);
    let mut fs = Fs::mount(MemDevice::new(img)).unwrap();
    fs.set_time(1_700_000_000);
    Some((fs, fsck, dir))
}

/// Writes `data` at block-aligned `offset` the way a page cache does: allocate, then
/// write each block where the crate says it is, then raise the size.
fn cache_write(fs: &mut Fs<MemDevice>, ino: u32, offset: u64, data: &[u8]) -> MemDevice {
    let bs = u64::from(fs.block_size());
    let first = offset / bs;
    let count = (data.len() as u64).div_ceil(bs);
    fs.allocate_blocks(ino, first, count).unwrap();
    fs.flush().unwrap();
    let mut dev = fs.device().clone();
    for (i, chunk) in data.chunks(bs as usize).enumerate() {
        let b = fs.file_block(ino, first + i as u64).unwrap().expect("allocated");
        dev.write_at(fs.block_offset(b), chunk).unwrap();
    }
    dev
}

#[test]
fn page_cache_writes_pass_fsck_for_each_block_size() {
    for bs in [1024, 2048, 4096] {
        let Some((mut fs, fsck, dir)) = fresh(&format!("pages-{bs}"), bs) else {
            return;
        };
        let ino = fs.create(ROOT_INO, b"cached", 0o644, 0, 0).unwrap();
        // A hole before the data, and a file reaching the double-indirect range.
        let data = pattern(bs as u64, 300_000);
        let offset = 64 * 1024;
        let dev = cache_write(&mut fs, ino, offset, &data);
        let mut fs = {
            let mut f = Fs::mount(dev).unwrap();
            f.set_time(1_700_000_100);
            f
        };
        fs.extend_size(ino, offset + data.len() as u64).unwrap();
        let mut back = vec![0u8; data.len()];
        assert_eq!(fs.read(ino, offset, &mut back).unwrap(), data.len());
        assert_eq!(back, data);
        let mut hole = vec![1u8; 100];
        fs.read(ino, 10, &mut hole).unwrap();
        assert!(hole.iter().all(|&b| b == 0), "the hole reads as zeros");
        assert_eq!(fs.file_block(ino, 0).unwrap(), None);
        // Lowering is truncate's job: extend_size leaves a larger size alone.
        fs.extend_size(ino, 5).unwrap();
        assert_eq!(fs.inode(ino).unwrap().size, offset + data.len() as u64);
        let attr = Attributes {
            perm: 0o4750,
            uid: 70_000,
            gid: 1234,
            atime: 1_600_000_000,
            mtime: 1_600_000_001,
            ctime: 1_600_000_002,
        };
        fs.set_attributes(ino, &attr).unwrap();
        let i = fs.inode(ino).unwrap();
        assert_eq!((i.mode, i.uid, i.gid), (0o100_000 | 0o4750, 70_000, 1234));
        assert_eq!(
            (i.atime, i.mtime, i.ctime),
            (1_600_000_000, 1_600_000_001, 1_600_000_002)
        );
        fs.flush().unwrap();
        fsck_clean(&fsck, &dir, fs.device().as_bytes());
    }
}

#[test]
fn deferred_release_keeps_the_blocks_until_the_orphan_goes() {
    let Some((mut fs, fsck, dir)) = fresh("pages-orphan", 1024) else {
        return;
    };
    fs.defer_release();
    let ino = fs.create(ROOT_INO, b"open", 0o600, 0, 0).unwrap();
    let data = pattern(3, 20_000);
    fs.write(ino, 0, &data).unwrap();
    let free_before = fs.superblock().free_blocks_count;
    fs.unlink(ROOT_INO, b"open").unwrap();
    assert_eq!(fs.take_orphans(), vec![ino]);
    assert!(fs.take_orphans().is_empty(), "each orphan is handed out once");
    // Still readable, as an open unlinked file is.
    let mut back = vec![0u8; data.len()];
    assert_eq!(fs.read(ino, 0, &mut back).unwrap(), data.len());
    assert_eq!(back, data);
    assert_eq!(fs.superblock().free_blocks_count, free_before);
    fs.release_orphan(ino).unwrap();
    assert!(fs.superblock().free_blocks_count > free_before);
    // A second release, of a freed inode, does nothing.
    fs.release_orphan(ino).unwrap();
    fs.flush().unwrap();
    fsck_clean(&fsck, &dir, fs.device().as_bytes());
}

/// `e2fsck -fp` on a copy of `img` (a crash image): its exit status and output.
fn preen(fsck: &Path, dir: &Path, img: &[u8]) -> (i32, String) {
    let path = dir.join("preened.img");
    fs::write(&path, img).unwrap();
    let out = Command::new(fsck).arg("-fp").arg(&path).output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

#[test]
fn unnamed_files_get_a_name_or_go() {
    let Some((mut fs, fsck, dir)) = fresh("pages-unnamed", 1024) else {
        return;
    };
    fs.defer_release();
    fs.flush().unwrap();
    let (inodes0, blocks0) = (fs.superblock().free_inodes_count, fs.superblock().free_blocks_count);
    let ino = fs.create_unnamed(ROOT_INO, 0o640, 7, 8).unwrap();
    let i = fs.inode(ino).unwrap();
    assert_eq!((i.links, i.mode, i.uid, i.gid, i.dtime), (0, 0o100_640, 7, 8, 0));
    assert_eq!(fs.superblock().free_inodes_count, inodes0 - 1);
    let ipg = fs.superblock().inodes_per_group;
    assert_eq!(
        (ino - 1) / ipg,
        (ROOT_INO - 1) / ipg,
        "in its directory's group, as a create"
    );
    let mut named = false;
    fs.read_dir_with(ROOT_INO, 0, |e, _| {
        named |= e.ino == ino;
        true
    })
    .unwrap();
    assert!(!named, "no entry names it");
    let data = pattern(11, 20_000);
    assert_eq!(fs.write(ino, 0, &data).unwrap(), data.len());
    fs.flush().unwrap();

    // A crash now: preen frees it and its blocks without asking.
    let (status, out) = preen(&fsck, &dir, fs.device().as_bytes());
    assert!(status == 0 || status == 1, "e2fsck -p exit status {status}:\n{out}");
    let repaired = Fs::mount(MemDevice::new(fs::read(dir.join("preened.img")).unwrap())).unwrap();
    assert_eq!(repaired.superblock().free_inodes_count, inodes0);
    assert_eq!(repaired.superblock().free_blocks_count, blocks0);

    // A name: one link, and the data reads back through it.
    fs.link(ino, ROOT_INO, b"named").unwrap();
    assert_eq!(fs.lookup(ROOT_INO, b"named").unwrap(), Some(ino));
    assert_eq!(fs.inode(ino).unwrap().links, 1);
    let mut back = vec![0u8; data.len()];
    assert_eq!(fs.read(ino, 0, &mut back).unwrap(), data.len());
    assert_eq!(back, data);
    fs.flush().unwrap();
    fsck_clean(&fsck, &dir, fs.device().as_bytes());

    // One that never gets a name goes with its blocks.
    let (inodes1, blocks1) = (fs.superblock().free_inodes_count, fs.superblock().free_blocks_count);
    let gone = fs.create_unnamed(ROOT_INO, 0o600, 0, 0).unwrap();
    fs.write(gone, 0, &pattern(12, 5000)).unwrap();
    assert!(fs.superblock().free_blocks_count < blocks1);
    fs.release_orphan(gone).unwrap();
    assert!(matches!(fs.inode(gone), Err(Error::Stale)));
    fs.flush().unwrap();
    assert_eq!(fs.superblock().free_inodes_count, inodes1);
    assert_eq!(fs.superblock().free_blocks_count, blocks1);
    fsck_clean(&fsck, &dir, fs.device().as_bytes());

    assert!(matches!(fs.create_unnamed(ino, 0o600, 0, 0), Err(Error::NotDirectory)));
}
