//! Random sequences of name-space and data operations against a model of the expected
//! results (every call's outcome, every file's bytes), then `e2fsck -fn` on the image.

// The model checks the expected error before inserting, which reads clearer than entries.
#![allow(clippy::map_entry)]

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::sync::OnceLock;

use common::{assert_fsck_clean, mke2fs, pattern, scratch, tool};
use marten_ext2::{Error, FileType, Fs, MemDevice, ROOT_INO};
use proptest::prelude::*;

const NAMES: [&[u8]; 5] = [b"a", b"b", b"c", b"longer-name-d", b"e"];

/// The base image (1 KiB blocks, with a directory `sub`), and where to check copies.
fn base() -> Option<&'static (Vec<u8>, std::path::PathBuf)> {
    static BASE: OnceLock<Option<(Vec<u8>, std::path::PathBuf)>> = OnceLock::new();
    BASE.get_or_init(|| {
        let mk = tool("mke2fs")?;
        tool("e2fsck")?;
        let dir = scratch("model");
        fs::create_dir_all(dir.join("src/sub")).unwrap();
        let img = mke2fs(&mk, &dir.join("src"), &dir.join("img"), 1024, "8M", &[]);
        Some((img, dir))
    })
    .as_ref()
}

#[derive(Clone, Debug)]
enum Op {
    Create(usize),
    Write(usize, u64, usize, u64),
    Truncate(usize, u64),
    Unlink(usize),
    Mkdir(usize),
    Rmdir(usize),
    Rename(usize, usize),
    Link(usize, usize),
    Symlink(usize, usize),
}

/// A path: directory (0 = root, 1 = sub) and name index, as one number.
fn path() -> impl Strategy<Value = usize> {
    0..2 * NAMES.len()
}

fn op() -> impl Strategy<Value = Op> {
    let off = prop_oneof![4 => 0u64..200_000, 1 => (70u64 << 20)..(70 << 20) + 5000];
    prop_oneof![
        path().prop_map(Op::Create),
        (path(), off, 1usize..20_000, any::<u64>()).prop_map(|(p, o, l, s)| Op::Write(p, o, l, s)),
        (path(), 0u64..250_000).prop_map(|(p, s)| Op::Truncate(p, s)),
        path().prop_map(Op::Unlink),
        path().prop_map(Op::Mkdir),
        path().prop_map(Op::Rmdir),
        (path(), path()).prop_map(|(a, b)| Op::Rename(a, b)),
        (path(), path()).prop_map(|(a, b)| Op::Link(a, b)),
        (path(), 1usize..400).prop_map(|(p, l)| Op::Symlink(p, l)),
    ]
}

#[derive(Clone, Debug, PartialEq)]
enum Node {
    File(Vec<u8>),
    Dir,
    Sym(Vec<u8>),
}

#[derive(Default)]
struct Model {
    names: BTreeMap<usize, u32>,
    nodes: BTreeMap<u32, Node>,
}

impl Model {
    fn node(&self, p: usize) -> Option<(u32, &Node)> {
        let ino = *self.names.get(&p)?;
        Some((ino, self.nodes.get(&ino).unwrap()))
    }
    fn unlink(&mut self, p: usize) {
        let ino = self.names.remove(&p).unwrap();
        if !self.names.values().any(|&i| i == ino) {
            self.nodes.remove(&ino);
        }
    }
}

fn run(ops: &[Op]) {
    let Some((img, dir)) = base() else { return };
    let mut fs = Fs::mount(MemDevice::new(img.clone())).unwrap();
    let sub = fs.lookup(ROOT_INO, b"sub").unwrap().unwrap();
    let at = |p: usize| (if p < NAMES.len() { ROOT_INO } else { sub }, NAMES[p % NAMES.len()]);
    let mut m = Model::default();
    for op in ops {
        match *op {
            Op::Create(p) => {
                let (d, n) = at(p);
                let r = fs.create(d, n, 0o644, 0, 0);
                if m.names.contains_key(&p) {
                    assert_eq!(r, Err(Error::Exists));
                } else {
                    let ino = r.unwrap();
                    m.names.insert(p, ino);
                    m.nodes.insert(ino, Node::File(Vec::new()));
                }
            }
            Op::Write(p, off, len, seed) => {
                let Some((ino, node)) = m.node(p) else { continue };
                let data = pattern(seed, len);
                let r = fs.write(ino, off, &data);
                match node {
                    Node::File(_) => {
                        assert_eq!(r, Ok(len));
                        let Some(Node::File(c)) = m.nodes.get_mut(&ino) else {
                            unreachable!()
                        };
                        let end = off as usize + len;
                        if c.len() < end {
                            c.resize(end, 0);
                        }
                        c[off as usize..end].copy_from_slice(&data);
                    }
                    Node::Dir => assert_eq!(r, Err(Error::IsDirectory)),
                    Node::Sym(_) => assert_eq!(r, Err(Error::NotRegular)),
                }
            }
            Op::Truncate(p, size) => {
                let Some((ino, node)) = m.node(p) else { continue };
                let r = fs.truncate(ino, size);
                if let Node::File(_) = node {
                    assert_eq!(r, Ok(()));
                    let Some(Node::File(c)) = m.nodes.get_mut(&ino) else {
                        unreachable!()
                    };
                    c.resize(size as usize, 0);
                } else {
                    assert!(r.is_err());
                }
            }
            Op::Unlink(p) => {
                let (d, n) = at(p);
                let r = fs.unlink(d, n);
                match m.node(p) {
                    None => assert_eq!(r, Err(Error::NotFound)),
                    Some((_, Node::Dir)) => assert_eq!(r, Err(Error::IsDirectory)),
                    Some(_) => {
                        assert_eq!(r, Ok(()));
                        m.unlink(p);
                    }
                }
            }
            Op::Mkdir(p) => {
                let (d, n) = at(p);
                let r = fs.mkdir(d, n, 0o755, 0, 0);
                if m.names.contains_key(&p) {
                    assert_eq!(r, Err(Error::Exists));
                } else {
                    let ino = r.unwrap();
                    m.names.insert(p, ino);
                    m.nodes.insert(ino, Node::Dir);
                }
            }
            Op::Rmdir(p) => {
                let (d, n) = at(p);
                let r = fs.rmdir(d, n);
                match m.node(p) {
                    None => assert_eq!(r, Err(Error::NotFound)),
                    Some((_, Node::Dir)) => {
                        assert_eq!(r, Ok(()));
                        m.unlink(p);
                    }
                    Some(_) => assert_eq!(r, Err(Error::NotDirectory)),
                }
            }
            Op::Rename(a, b) => {
                let ((da, na), (db, nb)) = (at(a), at(b));
                let r = fs.rename(da, na, db, nb);
                let Some((ia, ka)) = m.node(a) else {
                    assert_eq!(r, Err(Error::NotFound));
                    continue;
                };
                match m.node(b) {
                    _ if a == b => assert_eq!(r, Ok(())),
                    Some((ib, _)) if ib == ia => assert_eq!(r, Ok(())),
                    Some((_, kb)) => match (ka == &Node::Dir, kb == &Node::Dir) {
                        (true, false) => assert_eq!(r, Err(Error::NotDirectory)),
                        (false, true) => assert_eq!(r, Err(Error::IsDirectory)),
                        _ => {
                            assert_eq!(r, Ok(()));
                            m.unlink(b);
                            m.names.remove(&a);
                            m.names.insert(b, ia);
                        }
                    },
                    None => {
                        assert_eq!(r, Ok(()));
                        m.names.remove(&a);
                        m.names.insert(b, ia);
                    }
                }
            }
            Op::Link(a, b) => {
                let Some((ia, ka)) = m.node(a) else { continue };
                let is_dir = ka == &Node::Dir;
                let (db, nb) = at(b);
                let r = fs.link(ia, db, nb);
                if m.names.contains_key(&b) {
                    assert_eq!(r, Err(Error::Exists));
                } else if is_dir {
                    assert_eq!(r, Err(Error::IsDirectory));
                } else {
                    assert_eq!(r, Ok(()));
                    m.names.insert(b, ia);
                }
            }
            Op::Symlink(p, len) => {
                let (d, n) = at(p);
                let target: Vec<u8> = pattern(len as u64, len).iter().map(|b| b'a' + b % 26).collect();
                let r = fs.symlink(d, n, &target, 0, 0);
                if m.names.contains_key(&p) {
                    assert_eq!(r, Err(Error::Exists));
                } else {
                    let ino = r.unwrap();
                    m.names.insert(p, ino);
                    m.nodes.insert(ino, Node::Sym(target));
                }
            }
        }
    }
    // The crate reads back the model.
    for p in 0..2 * NAMES.len() {
        let (d, n) = at(p);
        let found = fs.lookup(d, n).unwrap();
        assert_eq!(found, m.names.get(&p).copied(), "entry {p}");
        let Some(ino) = found else { continue };
        let inode = fs.inode(ino).unwrap();
        let links = m.names.values().filter(|&&i| i == ino).count();
        match m.nodes.get(&ino).unwrap() {
            Node::File(c) => {
                assert_eq!(inode.size, c.len() as u64);
                assert_eq!(usize::from(inode.links), links);
                let mut back = vec![0u8; c.len()];
                fs.read(ino, 0, &mut back).unwrap();
                assert!(back == *c, "contents of {p}");
            }
            Node::Dir => {
                assert_eq!(inode.file_type(), FileType::Directory);
                assert_eq!(fs.lookup(ino, b"..").unwrap(), Some(d));
            }
            Node::Sym(t) => assert_eq!(&fs.read_link(ino).unwrap(), t),
        }
    }
    // And e2fsck finds nothing wrong.
    assert_fsck_clean(dir, &fs.unmount().unwrap().into_inner(), &ops);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn random_operations_match_the_model_and_pass_e2fsck(ops in prop::collection::vec(op(), 1..60)) {
        run(&ops);
    }
}
