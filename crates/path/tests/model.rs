//! Property tests: random namespaces (file systems with directories, files and symbolic
//! links, mounts on subdirectories, stacked mounts, a chroot root) and random paths; the
//! walker must agree with a deliberately simple reference resolver written here: it
//! splits strings and recurses on every symbolic link, with a shared hop counter.

mod common;

use common::{Ino, Model, Node};
use marten_abi::errno::Errno;
use marten_path::{
    Created, DIRECTORY, EMPTY_OK, FOLLOW, LastKind, Parent, Start, resolve, resolve_create, resolve_parent,
};
use proptest::prelude::*;

// ---- the reference, straight from path_resolution(7), over the model's raw data ----

fn comps(path: &[u8]) -> Vec<&[u8]> {
    path.split(|&b| b == b'/').filter(|c| !c.is_empty()).collect()
}

fn searchable(m: &Model, n: Node) -> bool {
    matches!(m.ino(n), Ino::Dir { search: true, .. })
}

/// Into the topmost mount on `n` (the latest mount whose mount point is `n`), repeatedly.
fn ref_descend(m: &Model, mut n: Node) -> Node {
    loop {
        let Some(mount) = (0..m.mounts.len()).rev().find(|&i| m.mounts[i].at == Some(n)) else {
            return n;
        };
        n = Node { mount, ino: 0 };
    }
}

/// "..": stay at the root; out of mounts (the root of a mount is inode 0) to the mount
/// point, unless that is the root or nothing is above; then the parent.
fn ref_dotdot(m: &Model, root: Node, cur: Node) -> Node {
    if cur == root {
        return ref_descend(m, cur);
    }
    let mut n = cur;
    while n.ino == 0 {
        match m.mounts[n.mount].at {
            None => return ref_descend(m, cur),
            Some(p) if p == root => return ref_descend(m, cur),
            Some(p) => n = p,
        }
    }
    let Ino::Dir { parent, .. } = m.ino(n) else {
        panic!("'..' from a non-directory")
    };
    ref_descend(
        m,
        Node {
            mount: n.mount,
            ino: *parent,
        },
    )
}

fn ref_lookup(m: &Model, dir: Node, name: &[u8]) -> Result<Node, Errno> {
    let Ino::Dir { entries, .. } = m.ino(dir) else {
        panic!("lookup in a non-directory")
    };
    let ino = *entries.get(name).ok_or(Errno::ENOENT)?;
    Ok(ref_descend(m, Node { mount: dir.mount, ino }))
}

/// One more link followed; its target.
fn ref_link(m: &Model, link: Node, hops: &mut u32) -> Result<Vec<u8>, Errno> {
    *hops += 1;
    if *hops > 40 {
        return Err(Errno::ELOOP);
    }
    let Ino::Link(target) = m.ino(link) else {
        panic!("not a link")
    };
    if target.is_empty() {
        return Err(Errno::ENOENT);
    }
    Ok(target.clone())
}

/// The directory a component is looked up in must be one we may search.
fn ref_enter(m: &Model, dir: Node) -> Result<(), Errno> {
    if !m.is_dir(dir) {
        return Err(Errno::ENOTDIR);
    }
    if !searchable(m, dir) {
        return Err(Errno::EACCES);
    }
    Ok(())
}

/// Resolves `path` from `cwd` (or `root`), recursing into link targets.
fn ref_walk(m: &Model, root: Node, cwd: Node, path: &[u8], follow_last: bool, hops: &mut u32) -> Result<Node, Errno> {
    let mut cur = if path.starts_with(b"/") { root } else { cwd };
    let cs = comps(path);
    let trailing = !cs.is_empty() && path.ends_with(b"/");
    for (i, c) in cs.iter().enumerate() {
        let last = i + 1 == cs.len();
        ref_enter(m, cur)?;
        match *c {
            b"." => {}
            b".." => cur = ref_dotdot(m, root, cur),
            name => {
                if name.len() > 255 {
                    return Err(Errno::ENAMETOOLONG);
                }
                let n = ref_lookup(m, cur, name)?;
                let is_link = matches!(m.ino(n), Ino::Link(_));
                if is_link && (!last || follow_last || trailing) {
                    let target = ref_link(m, n, hops)?;
                    cur = ref_walk(m, root, cur, &target, true, hops)?;
                } else {
                    cur = n;
                }
            }
        }
    }
    if trailing && !m.is_dir(cur) {
        return Err(Errno::ENOTDIR);
    }
    Ok(cur)
}

fn ref_resolve(m: &Model, s: &Start<Node>, path: &[u8], flags: u32) -> Result<Node, Errno> {
    if path.len() >= 4096 {
        return Err(Errno::ENAMETOOLONG);
    }
    let node = if path.is_empty() {
        if flags & EMPTY_OK == 0 {
            return Err(Errno::ENOENT);
        }
        s.cwd
    } else {
        ref_walk(m, s.root, s.cwd, path, flags & FOLLOW != 0, &mut 0)?
    };
    if flags & DIRECTORY != 0 && !m.is_dir(node) {
        return Err(Errno::ENOTDIR);
    }
    Ok(node)
}

/// `path` (not empty) split as (text before the last component, the last component,
/// slashes after it?), or `None` when it is only slashes.
fn split_last(path: &[u8]) -> Option<(&[u8], &[u8], bool)> {
    let end = path.iter().rposition(|&b| b != b'/')? + 1;
    let start = path[..end].iter().rposition(|&b| b == b'/').map_or(0, |i| i + 1);
    Some((&path[..start], &path[start..end], end < path.len()))
}

/// The directory holding the last component: the text before it resolved as a
/// directory (it ends in a slash), or `cwd` when there is none; then entered.
fn ref_dir(m: &Model, root: Node, cwd: Node, before: &[u8], hops: &mut u32) -> Result<Node, Errno> {
    let dir = if before.is_empty() {
        cwd
    } else {
        ref_walk(m, root, cwd, before, true, hops)?
    };
    ref_enter(m, dir)?;
    Ok(dir)
}

fn kind_of(name: &[u8]) -> LastKind {
    match name {
        b"." => LastKind::Dot,
        b".." => LastKind::DotDot,
        _ => LastKind::Normal,
    }
}

fn ref_parent(m: &Model, s: &Start<Node>, path: &[u8]) -> Result<Parent<'static, Node>, Errno> {
    if path.len() >= 4096 {
        return Err(Errno::ENAMETOOLONG);
    }
    if path.is_empty() {
        return Err(Errno::ENOENT);
    }
    let Some((before, name, trailing_slash)) = split_last(path) else {
        return Ok(Parent {
            dir: s.root,
            name: Vec::new().into(),
            trailing_slash: false,
            kind: LastKind::Root,
        });
    };
    let dir = ref_dir(m, s.root, s.cwd, before, &mut 0)?;
    let kind = kind_of(name);
    if kind == LastKind::Normal && name.len() > 255 {
        return Err(Errno::ENAMETOOLONG);
    }
    Ok(Parent {
        dir,
        name: name.to_vec().into(),
        trailing_slash,
        kind,
    })
}

fn ref_create_in(
    m: &Model,
    root: Node,
    cwd: Node,
    path: &[u8],
    follow: bool,
    hops: &mut u32,
) -> Result<Created<'static, Node>, Errno> {
    let Some((before, name, trailing)) = split_last(path) else {
        return Ok(Created::Exists(root));
    };
    let dir = ref_dir(m, root, cwd, before, hops)?;
    match name {
        b"." => Ok(Created::Exists(dir)),
        b".." => Ok(Created::Exists(ref_dotdot(m, root, dir))),
        _ if trailing => Err(Errno::EISDIR),
        _ if name.len() > 255 => Err(Errno::ENAMETOOLONG),
        _ => match ref_lookup(m, dir, name) {
            Err(Errno::ENOENT) => Ok(Created::Missing(Parent {
                dir,
                name: name.to_vec().into(),
                trailing_slash: false,
                kind: LastKind::Normal,
            })),
            Err(e) => Err(e),
            Ok(n) if follow && matches!(m.ino(n), Ino::Link(_)) => {
                let target = ref_link(m, n, hops)?;
                ref_create_in(m, root, dir, &target, follow, hops)
            }
            Ok(n) => Ok(Created::Exists(n)),
        },
    }
}

fn ref_create(m: &Model, s: &Start<Node>, path: &[u8], flags: u32) -> Result<Created<'static, Node>, Errno> {
    if path.len() >= 4096 {
        return Err(Errno::ENAMETOOLONG);
    }
    let got = if path.is_empty() {
        if flags & EMPTY_OK == 0 {
            return Err(Errno::ENOENT);
        }
        Created::Exists(s.cwd)
    } else {
        ref_create_in(m, s.root, s.cwd, path, flags & FOLLOW != 0, &mut 0)?
    };
    if let Created::Exists(n) = got
        && flags & DIRECTORY != 0
        && !m.is_dir(n)
    {
        return Err(Errno::ENOTDIR);
    }
    Ok(got)
}

// ---- random namespaces and paths ----

const NAMES: [&str; 4] = ["a", "b", "c", "d"];

fn component() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => (0..NAMES.len()).prop_map(|i| NAMES[i].to_string()),
        2 => Just(".".to_string()),
        3 => Just("..".to_string()),
        1 => Just(String::new()),
        1 => Just("zz".to_string()),
        1 => Just("x".repeat(256)),
    ]
}

/// A path: absolute?, components joined by '/', trailing slash?
fn path() -> impl Strategy<Value = String> {
    (
        any::<bool>(),
        prop::collection::vec(component(), 0..6),
        prop::bool::weighted(0.2),
    )
        .prop_map(|(abs, cs, trailing)| {
            let mut p = if abs { "/".to_string() } else { String::new() };
            p.push_str(&cs.join("/"));
            if trailing {
                p.push('/');
            }
            p
        })
}

#[derive(Clone, Debug)]
enum Kind {
    Dir { search: bool },
    File,
    Link(String),
}

fn kind() -> impl Strategy<Value = Kind> {
    prop_oneof![
        4 => prop::bool::weighted(0.9).prop_map(|search| Kind::Dir { search }),
        2 => Just(Kind::File),
        3 => path().prop_map(Kind::Link),
    ]
}

/// One entry to add: in the `dir % dirs`-th directory so far, named `NAMES[name]`.
type Entry = (usize, usize, Kind);

/// A mount: file system `fs`, on the `on % mounts`-th mount so far, at its root when
/// `stacked`, otherwise at its `dir % dirs`-th directory.
type MountSpec = (usize, usize, bool, usize);

#[derive(Clone, Debug)]
struct Spec {
    fss: Vec<Vec<Entry>>,
    mounts: Vec<MountSpec>,
    /// The chroot root (`None`: the namespace's root) and the working directory, each
    /// as (mount, node) indices into that mount's nodes (any node for `cwd`).
    root: Option<(usize, usize)>,
    cwd: (usize, usize),
}

fn spec() -> impl Strategy<Value = Spec> {
    let entry = (0..64usize, 0..NAMES.len(), kind());
    (
        prop::collection::vec(prop::collection::vec(entry, 0..14), 4),
        prop::collection::vec((0..4usize, 0..8usize, any::<bool>(), 0..64usize), 1..5),
        prop::option::weighted(0.4, (0..8usize, 0..64usize)),
        (0..8usize, 0..64usize),
    )
        .prop_map(|(fss, mounts, root, cwd)| Spec { fss, mounts, root, cwd })
}

fn dirs_of(m: &Model, mount: usize) -> Vec<Node> {
    (0..m.fss[m.mounts[mount].fs].len())
        .map(|ino| Node { mount, ino })
        .filter(|&n| m.is_dir(n))
        .collect()
}

fn build(spec: &Spec) -> (Model, Start<Node>) {
    let mut m = Model::new();
    for _ in 1..spec.fss.len() {
        m.new_fs();
    }
    for (fs, entries) in spec.fss.iter().enumerate() {
        // Mount `fs` temporarily nowhere: build through a node of a scratch mount.
        let scratch = m.mounts.len();
        m.mounts.push(common::Mount { fs, at: None });
        for (dir, name, kind) in entries {
            let dirs = dirs_of(&m, scratch);
            let d = dirs[dir % dirs.len()];
            let Ino::Dir { entries, .. } = m.ino(d) else {
                unreachable!()
            };
            if entries.contains_key(NAMES[*name].as_bytes()) {
                continue;
            }
            match kind {
                Kind::Dir { search } => {
                    let n = m.mkdir(d, NAMES[*name]);
                    if !search {
                        m.forbid_search(n);
                    }
                }
                Kind::File => {
                    m.file(d, NAMES[*name]);
                }
                Kind::Link(target) => {
                    m.symlink(d, NAMES[*name], target);
                }
            }
        }
        m.mounts.pop();
    }
    for &(fs, on, stacked, dir) in &spec.mounts {
        let on = on % m.mounts.len();
        let at = if stacked {
            Node { mount: on, ino: 0 }
        } else {
            let dirs = dirs_of(&m, on);
            dirs[dir % dirs.len()]
        };
        m.mount(fs, at);
    }
    let root = match spec.root {
        None => common::ROOT,
        Some((mount, i)) => {
            let dirs = dirs_of(&m, mount % m.mounts.len());
            dirs[i % dirs.len()]
        }
    };
    let nodes: Vec<Node> = m.nodes();
    let cwd = nodes
        .iter()
        .copied()
        .filter(|n| n.mount == spec.cwd.0 % m.mounts.len())
        .nth(spec.cwd.1 % m.fss[m.mounts[spec.cwd.0 % m.mounts.len()].fs].len())
        .unwrap();
    (m, Start { root, cwd })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    #[test]
    fn resolve_agrees_with_the_reference(spec in spec(), paths in prop::collection::vec(path(), 1..12), flags in 0u32..8) {
        let (mut m, start) = build(&spec);
        for p in &paths {
            let want = ref_resolve(&m, &start, p.as_bytes(), flags);
            let got = resolve(&mut m, &start, p.as_bytes(), flags);
            prop_assert_eq!(got, want, "path {:?} flags {}", p, flags);
        }
    }

    #[test]
    fn resolve_parent_agrees_with_the_reference(spec in spec(), paths in prop::collection::vec(path(), 1..12)) {
        let (mut m, start) = build(&spec);
        for p in &paths {
            let want = ref_parent(&m, &start, p.as_bytes());
            let got = resolve_parent(&mut m, &start, p.as_bytes());
            prop_assert_eq!(got, want, "path {:?}", p);
        }
    }

    #[test]
    fn resolve_create_agrees_with_the_reference(spec in spec(), paths in prop::collection::vec(path(), 1..12), flags in 0u32..8) {
        let (mut m, start) = build(&spec);
        for p in &paths {
            let want = ref_create(&m, &start, p.as_bytes(), flags);
            let got = resolve_create(&mut m, &start, p.as_bytes(), flags);
            prop_assert_eq!(got, want, "path {:?} flags {}", p, flags);
        }
    }

    /// Paths through the links of the namespace itself: every link name reached from
    /// the root and the working directory, followed or not, with more components after.
    #[test]
    fn paths_through_links_agree(spec in spec(), tail in path(), flags in 0u32..8) {
        let (mut m, start) = build(&spec);
        let mut paths = Vec::new();
        for n in m.nodes() {
            if let Ino::Dir { entries, .. } = m.ino(n) {
                for (name, &ino) in entries {
                    if matches!(m.ino(Node { mount: n.mount, ino }), Ino::Link(_)) {
                        let name = String::from_utf8(name.clone()).unwrap();
                        paths.push(name.clone());
                        paths.push(format!("{name}/"));
                        paths.push(format!("{name}/{tail}"));
                        paths.push(format!("/{name}/{tail}"));
                    }
                }
            }
        }
        for p in &paths {
            let want = ref_resolve(&m, &start, p.as_bytes(), flags);
            let got = resolve(&mut m, &start, p.as_bytes(), flags);
            prop_assert_eq!(got, want, "path {:?} flags {}", p, flags);
        }
    }
}

/// The generator reaches the cases the properties are about: mounts crossed both ways,
/// links followed (and ELOOP), permission refused, a chroot root.
#[test]
fn the_generator_covers_the_interesting_cases() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let (mut eloop, mut eacces, mut crossed, mut chroot, mut followed) = (0, 0, 0, 0, 0);
    for _ in 0..2000 {
        let spec = spec().new_tree(&mut runner).unwrap().current();
        let p = path().new_tree(&mut runner).unwrap().current();
        let (m, start) = build(&spec);
        chroot += usize::from(start.root != common::ROOT);
        match ref_resolve(&m, &start, p.as_bytes(), FOLLOW) {
            Err(Errno::ELOOP) => eloop += 1,
            Err(Errno::EACCES) => eacces += 1,
            Ok(n) if n.mount != start.cwd.mount && n.mount != start.root.mount => crossed += 1,
            _ => {}
        }
        if ref_resolve(&m, &start, p.as_bytes(), FOLLOW) != ref_resolve(&m, &start, p.as_bytes(), 0) {
            followed += 1;
        }
    }
    eprintln!("eloop {eloop} eacces {eacces} crossed {crossed} chroot {chroot} followed {followed}");
    assert!(
        eloop > 5 && eacces > 5 && crossed > 20 && chroot > 200 && followed > 20,
        "eloop {eloop} eacces {eacces} crossed {crossed} chroot {chroot} followed {followed}"
    );
}
