//! An in-memory namespace for the tests: file systems of numbered inodes, and a mount
//! table whose entries each show one file system's root on a node of an earlier mount.

#![allow(dead_code)]

use std::collections::BTreeMap;

use marten_abi::errno::Errno;
use marten_path::{Namespace, NodeKind};

/// One inode of a model file system.
///
/// Invariant: a directory's `parent` is a directory of the same file system; the root
/// (inode 0) is its own parent.
#[derive(Clone, Debug)]
pub enum Ino {
    Dir {
        entries: BTreeMap<Vec<u8>, usize>,
        parent: usize,
        search: bool,
    },
    File,
    Link(Vec<u8>),
}

/// A mount: file system `fs` (its root, inode 0) shown on `at`, or the namespace's root
/// mount when `at` is `None` (mount 0 only).
///
/// Invariant: `at` names a node of an earlier mount, so the mount relations are acyclic.
#[derive(Clone, Debug)]
pub struct Mount {
    pub fs: usize,
    pub at: Option<Node>,
}

/// A (mount, inode) handle.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Node {
    pub mount: usize,
    pub ino: usize,
}

/// The namespace: file systems and mounts. Mount 0 shows file system 0 and is the very root.
#[derive(Clone, Debug)]
pub struct Model {
    pub fss: Vec<Vec<Ino>>,
    pub mounts: Vec<Mount>,
}

pub const ROOT: Node = Node { mount: 0, ino: 0 };

fn empty_dir() -> Ino {
    Ino::Dir {
        entries: BTreeMap::new(),
        parent: 0,
        search: true,
    }
}

impl Model {
    pub fn new() -> Model {
        Model {
            fss: vec![vec![empty_dir()]],
            mounts: vec![Mount { fs: 0, at: None }],
        }
    }

    pub fn ino(&self, n: Node) -> &Ino {
        &self.fss[self.mounts[n.mount].fs][n.ino]
    }

    pub fn is_dir(&self, n: Node) -> bool {
        matches!(self.ino(n), Ino::Dir { .. })
    }

    /// Adds `ino` as `name` in directory `dir` (replacing nothing: the name must be new).
    fn add(&mut self, dir: Node, name: &str, mut ino: Ino) -> Node {
        let fs = self.mounts[dir.mount].fs;
        let new = self.fss[fs].len();
        if let Ino::Dir { parent, .. } = &mut ino {
            *parent = dir.ino;
        }
        self.fss[fs].push(ino);
        match &mut self.fss[fs][dir.ino] {
            Ino::Dir { entries, .. } => assert!(entries.insert(name.as_bytes().to_vec(), new).is_none()),
            _ => panic!("add in a non-directory"),
        }
        Node {
            mount: dir.mount,
            ino: new,
        }
    }

    pub fn mkdir(&mut self, dir: Node, name: &str) -> Node {
        self.add(dir, name, empty_dir())
    }

    pub fn file(&mut self, dir: Node, name: &str) -> Node {
        self.add(dir, name, Ino::File)
    }

    pub fn symlink(&mut self, dir: Node, name: &str, target: &str) -> Node {
        self.add(dir, name, Ino::Link(target.as_bytes().to_vec()))
    }

    /// Takes search permission away from directory `dir`.
    pub fn forbid_search(&mut self, dir: Node) {
        let fs = self.mounts[dir.mount].fs;
        match &mut self.fss[fs][dir.ino] {
            Ino::Dir { search, .. } => *search = false,
            _ => panic!("not a directory"),
        }
    }

    /// A new, empty file system; returns its number.
    pub fn new_fs(&mut self) -> usize {
        self.fss.push(vec![empty_dir()]);
        self.fss.len() - 1
    }

    /// Mounts file system `fs` on `at`; returns the new mount's root.
    pub fn mount(&mut self, fs: usize, at: Node) -> Node {
        self.mounts.push(Mount { fs, at: Some(at) });
        Node {
            mount: self.mounts.len() - 1,
            ino: 0,
        }
    }

    /// Every node of every mount, in order.
    pub fn nodes(&self) -> Vec<Node> {
        let mut out = Vec::new();
        for (mount, m) in self.mounts.iter().enumerate() {
            for ino in 0..self.fss[m.fs].len() {
                out.push(Node { mount, ino });
            }
        }
        out
    }
}

impl Namespace for Model {
    type Node = Node;

    fn same(&self, a: &Node, b: &Node) -> bool {
        a == b
    }

    fn kind(&self, n: &Node) -> NodeKind {
        match self.ino(*n) {
            Ino::Dir { .. } => NodeKind::Dir,
            Ino::File => NodeKind::Other,
            Ino::Link(_) => NodeKind::Symlink,
        }
    }

    fn lookup(&mut self, dir: &Node, name: &[u8]) -> Result<Node, Errno> {
        assert!(
            !name.is_empty() && name != b"." && name != b".." && !name.contains(&b'/'),
            "lookup of {:?}",
            String::from_utf8_lossy(name)
        );
        match self.ino(*dir) {
            Ino::Dir { entries, .. } => entries
                .get(name)
                .map(|&ino| Node { mount: dir.mount, ino })
                .ok_or(Errno::ENOENT),
            _ => panic!("lookup in a non-directory"),
        }
    }

    fn parent(&mut self, dir: &Node) -> Node {
        match self.ino(*dir) {
            Ino::Dir { parent, .. } => Node {
                mount: dir.mount,
                ino: *parent,
            },
            _ => panic!("parent of a non-directory"),
        }
    }

    fn mounted_on(&self, n: &Node) -> Option<Node> {
        self.mounts
            .iter()
            .rposition(|m| m.at == Some(*n))
            .map(|mount| Node { mount, ino: 0 })
    }

    fn mountpoint_of(&self, n: &Node) -> Option<Node> {
        if n.ino == 0 { self.mounts[n.mount].at } else { None }
    }

    fn readlink(&mut self, link: &Node, out: &mut Vec<u8>) -> Result<(), Errno> {
        match self.ino(*link) {
            Ino::Link(target) => {
                out.extend_from_slice(target);
                Ok(())
            }
            _ => panic!("readlink of a non-link"),
        }
    }

    fn may_search(&mut self, dir: &Node) -> Result<(), Errno> {
        match self.ino(*dir) {
            Ino::Dir { search: true, .. } => Ok(()),
            Ino::Dir { search: false, .. } => Err(Errno::EACCES),
            _ => panic!("may_search on a non-directory"),
        }
    }
}
