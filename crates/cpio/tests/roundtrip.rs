//! Property tests: random trees written with `Writer` read back identically; damaged archives
//! give errors, never panics.

mod common;

use std::collections::BTreeMap;

use marten_cpio::{CpioError, Entry, EntryKind, Writer, entries, for_each_entry, gunzip};
use proptest::prelude::*;

/// What the test expects to read back for one path.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Node {
    Dir { perms: u32 },
    File { perms: u32, data: Vec<u8> },
    Link { target: String },
    Dev { perms: u32, major: u32, minor: u32 },
}

/// A tree: every path's parents are directories, listed before it (BTreeMap order).
type Tree = BTreeMap<String, Node>;

fn component() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9_][a-zA-Z0-9_.-]{0,11}".prop_filter("not a dot name", |s| s != "." && s != "..")
}

fn node() -> impl Strategy<Value = Node> {
    prop_oneof![
        (0u32..0o10000).prop_map(|perms| Node::Dir { perms }),
        (0u32..0o10000, proptest::collection::vec(any::<u8>(), 0..300))
            .prop_map(|(perms, data)| Node::File { perms, data }),
        "[a-z/.]{1,30}".prop_map(|target| Node::Link { target }),
        (0u32..0o10000, any::<u32>(), any::<u32>()).prop_map(|(perms, major, minor)| Node::Dev { perms, major, minor }),
    ]
}

fn tree() -> impl Strategy<Value = Tree> {
    proptest::collection::vec((proptest::collection::vec(component(), 1..4), node()), 0..25).prop_map(|items| {
        let mut tree = Tree::new();
        'items: for (parts, node) in items {
            for depth in 1..parts.len() {
                let parent = parts[..depth].join("/");
                match tree.get(&parent) {
                    Some(Node::Dir { .. }) => {}
                    Some(_) => continue 'items, // a file cannot have children
                    None => {
                        tree.insert(parent, Node::Dir { perms: 0o755 });
                    }
                }
            }
            tree.entry(parts.join("/")).or_insert(node);
        }
        tree
    })
}

fn write(tree: &Tree) -> Vec<u8> {
    let mut w = Writer::new();
    for (path, node) in tree {
        match node {
            Node::Dir { perms } => w.dir(path, *perms),
            Node::File { perms, data } => w.file(path, *perms, data),
            Node::Link { target } => w.symlink(path, target),
            Node::Dev { perms, major, minor } => w.char_dev(path, *perms, *major, *minor),
        }
    }
    w.finish()
}

/// Checks one entry against the model, with the mode bits spelled out here.
fn assert_matches(entry: &Entry<'_>, path: &str, node: &Node) {
    assert_eq!(entry.name, path);
    assert_eq!((entry.uid, entry.gid, entry.mtime), (0, 0, 0));
    match node {
        Node::Dir { perms } => {
            assert_eq!(entry.kind, EntryKind::Dir);
            assert_eq!(entry.mode, 0o040000 | perms);
            assert_eq!(entry.nlink, 2);
            assert!(entry.data.is_empty());
        }
        Node::File { perms, data } => {
            assert_eq!(entry.kind, EntryKind::File);
            assert_eq!(entry.mode, 0o100000 | perms);
            assert_eq!(entry.nlink, 1);
            assert_eq!(entry.data, &data[..]);
        }
        Node::Link { target } => {
            assert_eq!(entry.kind, EntryKind::Symlink);
            assert_eq!(entry.mode, 0o120777);
            assert_eq!(entry.data, target.as_bytes());
        }
        Node::Dev { perms, major, minor } => {
            assert_eq!(entry.kind, EntryKind::CharDev);
            assert_eq!(entry.mode, 0o020000 | perms);
            assert_eq!((entry.rdev_major, entry.rdev_minor), (*major, *minor));
            assert!(entry.data.is_empty());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn written_trees_read_back(tree in tree()) {
        let archive = write(&tree);
        prop_assert_eq!(archive.len() % 4, 0);
        let read: Vec<Entry<'_>> = entries(&archive).collect::<Result<_, _>>().unwrap();
        prop_assert_eq!(read.len(), tree.len());
        for (entry, (path, node)) in read.iter().zip(&tree) {
            assert_matches(entry, path, node);
        }
        let mut inodes: Vec<u32> = read.iter().map(|e| e.ino).collect();
        inodes.sort_unstable();
        inodes.dedup();
        prop_assert_eq!(inodes.len(), tree.len(), "inode numbers are distinct");

        // The same archive through the whole-blob reader, plain and compressed.
        let compressed = common::gzip(&archive);
        for blob in [&archive, &compressed] {
            let mut names = Vec::new();
            for_each_entry(blob, |e| {
                names.push(e.name.to_string());
                Ok(())
            })
            .unwrap();
            prop_assert!(names.iter().eq(tree.keys()));
        }
    }

    #[test]
    fn mutated_archives_never_panic(
        tree in tree(),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        cut in any::<prop::sample::Index>(),
    ) {
        let mut archive = write(&tree);
        for (at, value) in edits {
            let i = at.index(archive.len());
            archive[i] = value;
        }
        let len = cut.index(archive.len() + 1);
        archive.truncate(len);
        for entry in entries(&archive).flatten() {
            prop_assert!(!entry.name.contains('\0'));
            prop_assert!(!entry.name.split('/').any(|c| c == ".."));
        }
        let _ = for_each_entry(&archive, |_| Ok(()));
        let _ = gunzip(&archive);
    }

    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..400)) {
        let _ = entries(&data).count();
        let _ = for_each_entry(&data, |_| Ok(()));
        let _ = gunzip(&data);
    }

    #[test]
    fn truncated_archives_give_errors(
        tree in tree(),
        cuts in proptest::collection::vec(any::<prop::sample::Index>(), 1..32),
    ) {
        let archive = write(&tree);
        for cut in cuts {
            let part = &archive[..cut.index(archive.len())];
            prop_assert!(entries(part).any(|r| r.is_err()), "cut at {}", part.len());
            prop_assert!(part.is_empty() || for_each_entry(part, |_| Ok(())).is_err());
        }
    }
}

#[test]
fn empty_archive_is_just_a_trailer() {
    let archive = Writer::new().finish();
    assert_eq!(archive.len(), 124); // 110 + "TRAILER!!!\0" (11), padded to 4
    assert_eq!(&archive[..6], b"070701");
    assert_eq!(entries(&archive).count(), 0);
}

#[test]
fn writer_output_is_deterministic_and_upper_case() {
    let build = || {
        let mut w = Writer::new();
        w.dir("bin", 0o755);
        w.file("bin/x", 0o100_755, b"abc");
        w.finish()
    };
    let archive = build();
    assert_eq!(archive, build());
    // Second field of the first header: mode 040755 = 0x41ED.
    assert_eq!(&archive[14..22], b"000041ED");
    // A file mode's type bits passed by the caller are replaced by the file type.
    let e: Vec<_> = entries(&archive).collect::<Result<_, CpioError>>().unwrap();
    assert_eq!(e[1].mode, 0o100755);
}
