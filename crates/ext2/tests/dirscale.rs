//! How the cost of a create grows with its directory, counted with `Fs::work` (never
//! wall-clock time): the calls the kernel makes for `touch dir/name`, in a new directory
//! and in one of 10,000 entries, must cost about the same.

mod common;

use common::{mke2fs, scratch, tool};
use marten_ext2::{Attributes, FileType, Fs, MemDevice, ROOT_INO, Rdev, Work};

/// A fresh empty image with 4 KiB blocks and one block group (so every new inode is
/// looked for in the same inode bitmap); set up as the kernel mounts it. `None` without
/// e2fsprogs.
fn fresh(tag: &str, bs: u32) -> Option<Fs<MemDevice>> {
    let mk = tool("mke2fs")?;
    let dir = scratch(tag);
    let src = dir.join("src");
    std::fs::create_dir_all(&src).unwrap();
    let img = mke2fs(&mk, &src, &dir.join("img"), bs, "96M", &["-N", "24000"]);
    let mut fs = Fs::mount(MemDevice::new(img)).unwrap();
    fs.trust_name_checks();
    fs.defer_release();
    fs.set_time(1_700_000_000);
    Some(fs)
}

/// What the kernel asks of the crate for `touch dir/name` once its name cache said the
/// name is free: the create, the new inode's and the directory's attributes read back,
/// and the VFS inode's times written when it is evicted.
fn touch(fs: &mut Fs<MemDevice>, dir: u32, name: &[u8]) {
    let ino = fs
        .mknod(dir, name, (FileType::Regular, 0o644), Rdev::default(), 0, 0)
        .unwrap();
    let d = fs.inode(ino).unwrap();
    fs.inode(dir).unwrap();
    let a = Attributes {
        perm: 0o644,
        uid: 0,
        gid: 0,
        atime: d.atime,
        mtime: d.mtime + 1,
        ctime: d.ctime + 1,
    };
    fs.set_attributes(ino, &a).unwrap();
}

fn add(a: Work, b: Work) -> Work {
    Work {
        blocks_read: a.blocks_read + b.blocks_read,
        bytes_copied: a.bytes_copied + b.bytes_copied,
        entries_scanned: a.entries_scanned + b.entries_scanned,
        bitmap_bits: a.bitmap_bits + b.bitmap_bits,
        graph_steps: a.graph_steps + b.graph_steps,
    }
}

/// The work of creates `first..first + 100` into a new directory after `prefill`
/// others, flushing every 500 creates (the kernel's write-back flushes metadata dirty
/// for 5 s).
fn window(tag: &str, prefill: u32, first: u32) -> Option<Work> {
    let mut fs = fresh(tag, 4096)?;
    let dir = fs.mkdir(ROOT_INO, b"d", 0o755, 0, 0).unwrap();
    let mut acc = Work::default();
    for i in 0..prefill + first + 100 {
        if i > 0 && i % 500 == 0 {
            fs.flush().unwrap();
        }
        let name = format!("file-{i:06}");
        let before = fs.work();
        touch(&mut fs, dir, name.as_bytes());
        if i >= prefill + first {
            acc = add(acc, fs.work().since(&before));
        }
    }
    Some(acc)
}

#[test]
fn a_create_costs_the_same_in_a_big_directory() {
    let Some(small) = window("scale-small", 0, 10) else {
        return;
    };
    let big = window("scale-big", 10_000, 1000).unwrap();
    println!("100 creates, new directory:         {small:?}");
    println!("100 creates, 10,000-entry directory: {big:?}");
    // Each counter may differ by a small factor (names of another length, a block that
    // fills at another moment), never by the directory's size.
    let within = |what: &str, s: u64, b: u64| {
        assert!(
            b <= 2 * s + 200,
            "{what}: {b} in the big directory against {s} in a new one"
        );
    };
    within("blocks read", small.blocks_read, big.blocks_read);
    within("bytes copied", small.bytes_copied, big.bytes_copied);
    within("entries scanned", small.entries_scanned, big.entries_scanned);
    within("bitmap bits", small.bitmap_bits, big.bitmap_bits);
    within("graph steps", small.graph_steps, big.graph_steps);
    // And in absolute terms: no per-create cost near the directory's 10,000 entries or
    // its ~70 blocks' worth of bytes.
    assert!(big.entries_scanned / 100 < 400, "{big:?}");
    assert!(big.bitmap_bits / 100 < 64, "{big:?}");
    assert!(big.bytes_copied / 100 < 16 * 1024, "{big:?}");
}

#[test]
fn reading_a_big_directory_is_one_pass() {
    let Some(mut fs) = fresh("scale-read", 4096) else {
        return;
    };
    let dir = fs.mkdir(ROOT_INO, b"d", 0o755, 0, 0).unwrap();
    for i in 0..10_000 {
        touch(&mut fs, dir, format!("file-{i:06}").as_bytes());
    }
    let before = fs.work();
    let mut names = 0;
    let end = fs.read_dir_with(dir, 0, |_, _| {
        names += 1;
        true
    });
    let w = fs.work().since(&before);
    assert_eq!(names, 10_002, "every entry, . and .. included");
    assert_eq!(end.unwrap(), fs.inode(dir).unwrap().size);
    // The inode and the block pointers only: no directory block is copied.
    assert!(w.bytes_copied < 1024, "scanned in the cache: {w:?}");
    assert!(w.entries_scanned <= 10_002, "each entry once: {w:?}");
    // Stopping and going on from the returned cursor sees each entry once.
    let mut seen = Vec::new();
    let mut cursor = 0;
    loop {
        let mut batch = 0;
        cursor = fs
            .read_dir_with(dir, cursor, |e, _| {
                seen.push(e.ino);
                batch += 1;
                batch < 64
            })
            .unwrap();
        if batch == 0 {
            break;
        }
    }
    assert_eq!(seen.len(), 10_002);
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen.len(), 10_002, "10,000 files, the directory (.) and the root (..)");
}

/// The directory's room hint (blocks known to be full are skipped) forgets a block when
/// an entry in it is removed: the next create that finds the last block full fills the
/// gap instead of growing the directory.
#[test]
fn a_freed_gap_is_used_again() {
    let Some(mut fs) = fresh("scale-gap", 1024) else {
        return;
    };
    let dir = fs.mkdir(ROOT_INO, b"d", 0o755, 0, 0).unwrap();
    let size = |fs: &Fs<MemDevice>| fs.inode(dir).unwrap().size;
    let mut i = 0;
    // Eight-byte names: 16-byte entries, 64 to a 1 KiB block. Grow to three blocks.
    while size(&fs) < 3 * 1024 {
        touch(&mut fs, dir, format!("n{i:07}").as_bytes());
        i += 1;
    }
    // An entry in the middle of block 0 goes.
    fs.unlink(dir, b"n0000020").unwrap();
    // Fill the last block; the next create must take block 0's gap.
    let mut placed = None;
    while size(&fs) == 3 * 1024 {
        let name = format!("n{i:07}");
        touch(&mut fs, dir, name.as_bytes());
        let mut at = None;
        fs.read_dir_with(dir, 0, |e, next| {
            if e.name == name.as_bytes() {
                at = Some(next);
            }
            true
        })
        .unwrap();
        if at.unwrap() <= 1024 {
            placed = Some(name);
            break;
        }
        i += 1;
    }
    assert!(placed.is_some(), "the directory grew while block 0 had a gap");
    assert_eq!(size(&fs), 3 * 1024);
}

/// What an unlink copies does not depend on where its entry is: unlinking in creation
/// order, the last hundred of 3,000 (entries at the directory's end) copy about as much
/// as the first hundred. (Once, every block scanned on the way was copied; then the block
/// holding the entry; now the entry is changed in place in the cache.)
#[test]
fn an_unlink_copies_only_its_block() {
    let Some(mut fs) = fresh("unlink-scale", 4096) else {
        return;
    };
    let dir = fs.mkdir(ROOT_INO, b"d", 0o755, 0, 0).unwrap();
    let n = 3000;
    for i in 0..n {
        touch(&mut fs, dir, format!("file-{i:06}").as_bytes());
    }
    fs.flush().unwrap();
    let mut first = Work::default();
    let mut last = Work::default();
    for i in 0..n {
        let before = fs.work();
        fs.unlink(dir, format!("file-{i:06}").as_bytes()).unwrap();
        for o in fs.take_orphans() {
            fs.release_orphan(o).unwrap();
        }
        let w = fs.work().since(&before);
        if i < 100 {
            first = add(first, w);
        } else if i >= n - 100 {
            last = add(last, w);
        }
    }
    assert!(
        last.bytes_copied <= 2 * first.bytes_copied + 64 * 1024,
        "first 100: {first:?}, last 100: {last:?}"
    );
}
