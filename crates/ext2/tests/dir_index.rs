//! The index of big directories (`dir_index.rs`) against a model: random creates,
//! unlinks, renames and links among six directories of several blocks each (more than
//! the crate indexes at once, so indexes are dropped and built again), with names of
//! varied lengths. After every step the changed names are looked up; at the end every
//! name of every directory is, each directory's listing equals the model, and
//! `e2fsck -fn` passes. And the cost: an unlink in a 10,000-entry directory scans about
//! one block, counted with `Fs::work`.

// The model checks the expected error before inserting, which reads clearer than entries.
#![allow(clippy::map_entry)]

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::sync::OnceLock;

use common::{assert_fsck_clean, mke2fs, scratch, tool};
use marten_ext2::{Error, Fs, MemDevice, ROOT_INO, Work};
use proptest::prelude::*;

/// Directories the operations use.
const DIRS: usize = 6;
/// Names per directory the operations pick from.
const NAMES: usize = 120;
/// Entries each directory starts with (four blocks or more of 1 KiB).
const PREFILL: usize = 100;

fn name(i: usize) -> Vec<u8> {
    // Lengths 3 to 40, so entries of several sizes share blocks and gaps.
    let len = 3 + (i * 7) % 38;
    let mut n = format!("n{i}-").into_bytes();
    n.resize(len.max(n.len()), b'x');
    n
}

/// The base image (1 KiB blocks) with directories `d0`… each holding `PREFILL` files.
fn base() -> Option<&'static (Vec<u8>, std::path::PathBuf)> {
    static BASE: OnceLock<Option<(Vec<u8>, std::path::PathBuf)>> = OnceLock::new();
    BASE.get_or_init(|| {
        let mk = tool("mke2fs")?;
        tool("e2fsck")?;
        let dir = scratch("dir-index");
        for d in 0..DIRS {
            let sub = dir.join(format!("src/d{d}"));
            fs::create_dir_all(&sub).unwrap();
            for i in 0..PREFILL {
                let n = String::from_utf8(name(i)).unwrap();
                fs::write(sub.join(n), b"").unwrap();
            }
        }
        let img = mke2fs(
            &mk,
            &dir.join("src"),
            &dir.join("img"),
            1024,
            "8M",
            &["-O", "^dir_index"],
        );
        Some((img, dir))
    })
    .as_ref()
}

#[derive(Clone, Debug)]
enum Op {
    Create(usize, usize),
    Unlink(usize, usize),
    /// Rename (dir, name) to (dir, name), replacing a file there.
    Rename(usize, usize, usize, usize),
    Link(usize, usize, usize, usize),
}

fn op() -> impl Strategy<Value = Op> {
    let d = || 0..DIRS;
    let n = || 0..NAMES;
    prop_oneof![
        3 => (d(), n()).prop_map(|(d, n)| Op::Create(d, n)),
        3 => (d(), n()).prop_map(|(d, n)| Op::Unlink(d, n)),
        2 => (d(), n(), d(), n()).prop_map(|(a, b, c, e)| Op::Rename(a, b, c, e)),
        1 => (d(), n(), d(), n()).prop_map(|(a, b, c, e)| Op::Link(a, b, c, e)),
    ]
}

fn run(ops: &[Op]) {
    let Some((img, dir)) = base() else { return };
    let mut fs = Fs::mount(MemDevice::new(img.clone())).unwrap();
    let dirs: Vec<u32> = (0..DIRS)
        .map(|d| fs.lookup(ROOT_INO, format!("d{d}").as_bytes()).unwrap().unwrap())
        .collect();
    // The model: (directory, name) -> inode.
    let mut m: BTreeMap<(usize, usize), u32> = BTreeMap::new();
    for (d, &ino) in dirs.iter().enumerate() {
        for i in 0..PREFILL {
            m.insert((d, i), fs.lookup(ino, &name(i)).unwrap().unwrap());
        }
        assert!(
            fs.inode(ino).unwrap().size >= 4 * 1024,
            "directory d{d} is big enough to index"
        );
    }
    for op in ops {
        let touched: Vec<(usize, usize)> = match *op {
            Op::Create(d, n) => {
                let r = fs.create(dirs[d], &name(n), 0o644, 0, 0);
                if m.contains_key(&(d, n)) {
                    assert_eq!(r, Err(Error::Exists));
                } else {
                    m.insert((d, n), r.unwrap());
                }
                vec![(d, n)]
            }
            Op::Unlink(d, n) => {
                let r = fs.unlink(dirs[d], &name(n));
                if m.remove(&(d, n)).is_some() {
                    r.unwrap();
                } else {
                    assert_eq!(r, Err(Error::NotFound));
                }
                vec![(d, n)]
            }
            Op::Rename(a, b, c, e) => {
                let r = fs.rename(dirs[a], &name(b), dirs[c], &name(e));
                match m.get(&(a, b)).copied() {
                    None => assert_eq!(r, Err(Error::NotFound)),
                    Some(ino) => {
                        r.unwrap();
                        m.remove(&(a, b));
                        m.insert((c, e), ino);
                    }
                }
                vec![(a, b), (c, e)]
            }
            Op::Link(a, b, c, e) => {
                let r = match m.get(&(a, b)).copied() {
                    Some(ino) => fs.link(ino, dirs[c], &name(e)).map(|()| ino),
                    None => Err(Error::NotFound),
                };
                match (m.get(&(a, b)).copied(), m.contains_key(&(c, e))) {
                    (None, _) => {}
                    (Some(_), true) => assert_eq!(r, Err(Error::Exists)),
                    (Some(ino), false) => {
                        assert_eq!(r, Ok(ino));
                        m.insert((c, e), ino);
                    }
                }
                vec![(c, e)]
            }
        };
        for (d, n) in touched {
            assert_eq!(
                fs.lookup(dirs[d], &name(n)).unwrap(),
                m.get(&(d, n)).copied(),
                "after {op:?}"
            );
        }
    }
    for (d, &ino) in dirs.iter().enumerate() {
        for n in 0..NAMES {
            assert_eq!(fs.lookup(ino, &name(n)).unwrap(), m.get(&(d, n)).copied(), "d{d}/{n}");
        }
        let mut listed = BTreeMap::new();
        fs.read_dir_with(ino, 0, |e, _| {
            if e.name != b"." && e.name != b".." {
                listed.insert(e.name.to_vec(), e.ino);
            }
            true
        })
        .unwrap();
        let want: BTreeMap<Vec<u8>, u32> = m
            .iter()
            .filter(|((md, _), _)| *md == d)
            .map(|(&(_, n), &i)| (name(n), i))
            .collect();
        assert_eq!(listed, want, "listing of d{d}");
    }
    assert_fsck_clean(dir, &fs.unmount().unwrap().into_inner(), &ops);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn big_directories_match_the_model(ops in prop::collection::vec(op(), 1..150)) {
        run(&ops);
    }
}

/// Unlinking the files of a 10,000-entry directory, in an order unlike their creation,
/// scans about one block's entries per unlink (a 4 KiB block holds about 200 of these),
/// not half the directory; building the index costs one pass.
#[test]
fn an_unlink_scans_one_block() {
    let Some(mk) = tool("mke2fs") else { return };
    let dir = scratch("index-unlink");
    let src = dir.join("src");
    fs::create_dir_all(&src).unwrap();
    let img = mke2fs(&mk, &src, &dir.join("img"), 4096, "96M", &["-N", "12000"]);
    let mut fs = Fs::mount(MemDevice::new(img)).unwrap();
    fs.trust_name_checks();
    fs.set_time(1_700_000_000);
    let d = fs.mkdir(ROOT_INO, b"d", 0o755, 0, 0).unwrap();
    let n = 10_000usize;
    for i in 0..n {
        fs.create(d, format!("file-{i:06}").as_bytes(), 0o644, 0, 0).unwrap();
    }
    fs.flush().unwrap();
    let before = fs.work();
    for k in 0..n {
        // A stride coprime with n visits every file once, far from creation order.
        let i = (k * 7919) % n;
        fs.unlink(d, format!("file-{i:06}").as_bytes()).unwrap();
        if k == n / 2 {
            // Memory pressure drops the index; the next unlink builds it again.
            fs.drop_dir_indexes();
        }
    }
    let w: Work = fs.work().since(&before);
    println!("{n} unlinks: {w:?}");
    assert!(w.entries_scanned / n as u64 <= 600, "{w:?}");
    assert_eq!(fs.read_dir(d, 0).unwrap().map(|(e, _)| e.name), Some(b".".to_vec()));
}
