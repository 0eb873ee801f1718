//! One test per rule of path_resolution(7) the walker implements, on a small fixed tree.

mod common;

use common::{Model, Node, ROOT};
use marten_abi::errno::Errno;
use marten_path::{
    Created, DIRECTORY, EMPTY_OK, FOLLOW, LastKind, Parent, Start, resolve, resolve_create, resolve_parent,
};

/// The fixed tree, and its interesting nodes.
///
/// ```text
/// /            a/ b/ f        f         rel -> b/f      up -> ../a/b
///              abs -> /a/b    dangling -> nothere       empty -> ""     slash -> /
///              loop -> loop   noexec/ (no search) x     d/
/// ```
struct Fx {
    m: Model,
    a: Node,
    b: Node,
    af: Node,
    bf: Node,
    f: Node,
    d: Node,
    noexec: Node,
}

fn fx() -> Fx {
    let mut m = Model::new();
    let a = m.mkdir(ROOT, "a");
    let b = m.mkdir(a, "b");
    let bf = m.file(b, "f");
    let af = m.file(a, "f");
    m.symlink(a, "rel", "b/f");
    m.symlink(a, "up", "../a/b");
    let f = m.file(ROOT, "f");
    let d = m.mkdir(ROOT, "d");
    m.symlink(ROOT, "abs", "/a/b");
    m.symlink(ROOT, "dangling", "nothere");
    m.symlink(ROOT, "empty", "");
    m.symlink(ROOT, "slash", "/");
    m.symlink(ROOT, "loop", "loop");
    let noexec = m.mkdir(ROOT, "noexec");
    m.file(noexec, "x");
    m.forbid_search(noexec);
    Fx {
        m,
        a,
        b,
        af,
        bf,
        f,
        d,
        noexec,
    }
}

fn at(cwd: Node) -> Start<Node> {
    Start { root: ROOT, cwd }
}

fn res(m: &mut Model, cwd: Node, path: &str, flags: u32) -> Result<Node, Errno> {
    resolve(m, &at(cwd), path.as_bytes(), flags)
}

fn parent<'p>(m: &mut Model, cwd: Node, path: &'p str) -> Result<Parent<'p, Node>, Errno> {
    resolve_parent(m, &at(cwd), path.as_bytes())
}

fn create<'p>(m: &mut Model, cwd: Node, path: &'p str, flags: u32) -> Result<Created<'p, Node>, Errno> {
    resolve_create(m, &at(cwd), path.as_bytes(), flags)
}

fn p(dir: Node, name: &str, trailing_slash: bool, kind: LastKind) -> Parent<'static, Node> {
    Parent {
        dir,
        name: name.as_bytes().to_vec().into(),
        trailing_slash,
        kind,
    }
}

#[test]
fn absolute_paths_start_at_root_relative_ones_at_cwd() {
    let mut x = fx();
    assert_eq!(res(&mut x.m, x.d, "/a/b", 0), Ok(x.b));
    assert_eq!(res(&mut x.m, x.a, "b/f", 0), Ok(x.bf));
    assert_eq!(res(&mut x.m, x.a, "f", 0), Ok(x.af));
    assert_eq!(res(&mut x.m, x.a, "/f", 0), Ok(x.f));
}

#[test]
fn slashes_collapse_and_slash_alone_is_root() {
    let mut x = fx();
    assert_eq!(res(&mut x.m, x.d, "/", 0), Ok(ROOT));
    assert_eq!(res(&mut x.m, x.d, "///", 0), Ok(ROOT));
    assert_eq!(res(&mut x.m, x.d, "//a///b//f", 0), Ok(x.bf));
    assert_eq!(res(&mut x.m, x.d, "../a//b/", 0), Ok(x.b));
}

#[test]
fn dot_stays_and_dotdot_climbs() {
    let mut x = fx();
    assert_eq!(res(&mut x.m, x.b, ".", 0), Ok(x.b));
    assert_eq!(res(&mut x.m, x.b, "./././f", 0), Ok(x.bf));
    assert_eq!(res(&mut x.m, x.b, "..", 0), Ok(x.a));
    assert_eq!(res(&mut x.m, x.b, "../..", 0), Ok(ROOT));
    assert_eq!(res(&mut x.m, x.b, "../../d/../a/./b/f", 0), Ok(x.bf));
}

#[test]
fn dotdot_at_root_stays_at_root() {
    let mut x = fx();
    assert_eq!(res(&mut x.m, x.b, "/..", 0), Ok(ROOT));
    assert_eq!(res(&mut x.m, x.b, "../../../../..", 0), Ok(ROOT));
    assert_eq!(res(&mut x.m, x.b, "/../../a/../../f", 0), Ok(x.f));
}

#[test]
fn a_chrooted_walk_cannot_climb_out() {
    let mut m = Model::new();
    let jail = m.mkdir(ROOT, "jail");
    let sub = m.mkdir(jail, "sub");
    let jf = m.file(jail, "f");
    let outside = m.file(ROOT, "f");
    m.symlink(sub, "abs", "/f");
    m.symlink(sub, "esc", "../../../f");
    let s = Start { root: jail, cwd: sub };
    assert_eq!(resolve(&mut m, &s, b"/..", 0), Ok(jail));
    assert_eq!(resolve(&mut m, &s, b"../../..", 0), Ok(jail));
    assert_eq!(resolve(&mut m, &s, b"/f", 0), Ok(jf));
    assert_eq!(resolve(&mut m, &s, b"abs", FOLLOW), Ok(jf));
    assert_eq!(resolve(&mut m, &s, b"esc", FOLLOW), Ok(jf));
    // A working directory outside the root is allowed, and ".." from there is physical.
    let s = Start { root: jail, cwd: ROOT };
    assert_eq!(resolve(&mut m, &s, b"f", 0), Ok(outside));
    assert_eq!(resolve(&mut m, &s, b"jail/sub/../../..", 0), Ok(jail));
}

#[test]
fn lookups_descend_into_mounts_and_dotdot_climbs_out() {
    let mut m = Model::new();
    let mnt = m.mkdir(ROOT, "mnt");
    let hidden = m.file(mnt, "hidden");
    let fs1 = m.new_fs();
    let r1 = m.mount(fs1, mnt);
    let inner = m.mkdir(r1, "inner");
    let g = m.file(inner, "g");
    assert_eq!(res(&mut m, ROOT, "mnt", 0), Ok(r1));
    assert_eq!(res(&mut m, ROOT, "/mnt/inner/g", 0), Ok(g));
    assert_eq!(res(&mut m, ROOT, "/mnt/hidden", 0), Err(Errno::ENOENT));
    assert_eq!(res(&mut m, inner, "..", 0), Ok(r1));
    assert_eq!(res(&mut m, inner, "../..", 0), Ok(ROOT));
    assert_eq!(res(&mut m, r1, "../mnt/inner", 0), Ok(inner));
    // A working directory under the mount (chdir before mounting) stays there; ".." from
    // there comes back up, and "." does not descend.
    assert_eq!(res(&mut m, mnt, "hidden", 0), Ok(hidden));
    assert_eq!(res(&mut m, mnt, ".", 0), Ok(mnt));
    assert_eq!(res(&mut m, mnt, "../mnt", 0), Ok(r1));
}

#[test]
fn stacked_mounts_show_the_topmost_and_dotdot_climbs_the_whole_stack() {
    let mut m = Model::new();
    let top = m.mkdir(ROOT, "top");
    let mnt = m.mkdir(top, "mnt");
    let fs1 = m.new_fs();
    let r1 = m.mount(fs1, mnt);
    m.file(r1, "lower");
    let fs2 = m.new_fs();
    let r2 = m.mount(fs2, r1);
    let upper = m.file(r2, "upper");
    let sub = m.mkdir(r2, "sub");
    assert_eq!(res(&mut m, ROOT, "/top/mnt", 0), Ok(r2));
    assert_eq!(res(&mut m, ROOT, "/top/mnt/upper", 0), Ok(upper));
    assert_eq!(res(&mut m, ROOT, "/top/mnt/lower", 0), Err(Errno::ENOENT));
    assert_eq!(res(&mut m, r2, "..", 0), Ok(top));
    assert_eq!(res(&mut m, sub, "../..", 0), Ok(top));
    assert_eq!(res(&mut m, r1, "..", 0), Ok(top));
    // A mount on a mount's subdirectory.
    let fs3 = m.new_fs();
    let r3 = m.mount(fs3, sub);
    assert_eq!(res(&mut m, ROOT, "/top/mnt/sub", 0), Ok(r3));
    assert_eq!(res(&mut m, r3, "..", 0), Ok(r2));
    assert_eq!(res(&mut m, r3, "../../..", 0), Ok(ROOT));
}

#[test]
fn dotdot_lands_on_the_mount_over_the_parent() {
    // cwd is in the covered directory's old subtree; its parent is now a mount point.
    let mut m = Model::new();
    let mnt = m.mkdir(ROOT, "mnt");
    let old = m.mkdir(mnt, "old");
    let fs1 = m.new_fs();
    let r1 = m.mount(fs1, mnt);
    assert_eq!(res(&mut m, old, "..", 0), Ok(r1));
}

#[test]
fn dotdot_at_a_mount_over_the_root_of_a_chroot_stays() {
    let mut m = Model::new();
    let jail = m.mkdir(ROOT, "jail");
    let fs1 = m.new_fs();
    let r1 = m.mount(fs1, jail);
    let s = Start { root: jail, cwd: r1 };
    // ".." at the root descends into what is mounted there, as on Linux.
    assert_eq!(resolve(&mut m, &s, b"/..", 0), Ok(r1));
    assert_eq!(resolve(&mut m, &s, b"/", 0), Ok(jail));
    assert_eq!(resolve(&mut m, &s, b"..", 0), Ok(r1));
    assert_eq!(resolve(&mut m, &s, b"../../..", 0), Ok(r1));
}

#[test]
fn dotdot_from_a_mount_on_the_very_root_with_a_chroot_elsewhere_stays() {
    let mut m = Model::new();
    let jail = m.mkdir(ROOT, "jail");
    let fs1 = m.new_fs();
    let r1 = m.mount(fs1, ROOT);
    let s = Start { root: jail, cwd: r1 };
    assert_eq!(resolve(&mut m, &s, b"..", 0), Ok(r1));
}

#[test]
fn symlinks_in_the_middle_are_always_followed() {
    let mut x = fx();
    assert_eq!(res(&mut x.m, x.d, "/abs/f", 0), Ok(x.bf));
    assert_eq!(res(&mut x.m, x.a, "up/f", 0), Ok(x.bf));
    assert_eq!(res(&mut x.m, x.a, "rel/", 0), Err(Errno::ENOTDIR));
    assert_eq!(res(&mut x.m, x.a, "rel/x", 0), Err(Errno::ENOTDIR));
    assert_eq!(res(&mut x.m, x.a, "/slash/a/b", 0), Ok(x.b));
    assert_eq!(res(&mut x.m, x.a, "/dangling/x", 0), Err(Errno::ENOENT));
}

#[test]
fn a_final_symlink_is_followed_with_follow_only() {
    let mut x = fx();
    let rel = res(&mut x.m, x.a, "rel", 0).unwrap();
    assert_ne!(rel, x.bf);
    assert_eq!(res(&mut x.m, x.a, "rel", FOLLOW), Ok(x.bf));
    assert_eq!(res(&mut x.m, x.a, "/abs", FOLLOW), Ok(x.b));
    assert_eq!(res(&mut x.m, x.a, "/slash", FOLLOW), Ok(ROOT));
    assert_eq!(res(&mut x.m, x.a, "/dangling", FOLLOW), Err(Errno::ENOENT));
    assert!(res(&mut x.m, x.a, "/dangling", 0).is_ok());
    assert!(res(&mut x.m, x.a, "/loop", 0).is_ok());
}

#[test]
fn a_trailing_slash_follows_a_final_symlink_and_wants_a_directory() {
    let mut x = fx();
    assert_eq!(res(&mut x.m, x.a, "/abs/", 0), Ok(x.b));
    assert_eq!(res(&mut x.m, x.a, "/abs//", 0), Ok(x.b));
    assert_eq!(res(&mut x.m, x.a, "rel/", 0), Err(Errno::ENOTDIR));
    assert_eq!(res(&mut x.m, x.a, "/f/", 0), Err(Errno::ENOTDIR));
    assert_eq!(res(&mut x.m, x.a, "/d/", 0), Ok(x.d));
    assert_eq!(res(&mut x.m, x.a, "/nothere/", 0), Err(Errno::ENOENT));
    assert_eq!(res(&mut x.m, x.a, "/dangling/", 0), Err(Errno::ENOENT));
    // A link whose target ends in a slash wants a directory too.
    x.m.symlink(x.d, "fslash", "/f/");
    assert_eq!(res(&mut x.m, x.a, "/d/fslash", FOLLOW), Err(Errno::ENOTDIR));
}

#[test]
fn relative_targets_start_in_the_links_directory_absolute_ones_at_root() {
    let mut m = Model::new();
    let a = m.mkdir(ROOT, "a");
    let b = m.mkdir(a, "b");
    let af = m.file(a, "f");
    let rf = m.file(ROOT, "f");
    m.symlink(b, "rel", "../f");
    m.symlink(b, "abs", "/f");
    m.symlink(b, "chain", "rel");
    assert_eq!(res(&mut m, ROOT, "a/b/rel", FOLLOW), Ok(af));
    assert_eq!(res(&mut m, ROOT, "a/b/abs", FOLLOW), Ok(rf));
    assert_eq!(res(&mut m, ROOT, "a/b/chain", FOLLOW), Ok(af));
    assert_eq!(res(&mut m, b, "abs", FOLLOW), Ok(rf));
}

#[test]
fn an_empty_target_is_enoent() {
    let mut x = fx();
    assert_eq!(res(&mut x.m, x.a, "/empty", FOLLOW), Err(Errno::ENOENT));
    assert_eq!(res(&mut x.m, x.a, "/empty/x", 0), Err(Errno::ENOENT));
    assert_eq!(res(&mut x.m, x.a, "/empty/", 0), Err(Errno::ENOENT));
    assert!(res(&mut x.m, x.a, "/empty", 0).is_ok());
}

/// A chain l1 -> l2 -> ... -> l<n> -> f in the root; returns the model.
fn chain(n: usize) -> (Model, Node) {
    let mut m = Model::new();
    let f = m.file(ROOT, "f");
    for i in 1..=n {
        let target = if i == n { "f".to_string() } else { format!("l{}", i + 1) };
        m.symlink(ROOT, &format!("l{i}"), &target);
    }
    (m, f)
}

#[test]
fn forty_links_are_followed_and_the_forty_first_is_eloop() {
    let (mut m, f) = chain(40);
    assert_eq!(res(&mut m, ROOT, "l1", FOLLOW), Ok(f));
    let (mut m, _) = chain(41);
    assert_eq!(res(&mut m, ROOT, "l1", FOLLOW), Err(Errno::ELOOP));
    assert_eq!(res(&mut m, ROOT, "l2", FOLLOW).map(|_| ()), Ok(()));
    // The count is per resolution, not per link: l1/back2 follows 19 + 2 + 19 = 40 links.
    let mut m = Model::new();
    let d = m.mkdir(ROOT, "d");
    let f = m.file(d, "f");
    for i in 1..=19 {
        let target = if i == 19 {
            "d".to_string()
        } else {
            format!("l{}", i + 1)
        };
        m.symlink(ROOT, &format!("l{i}"), &target);
    }
    m.symlink(d, "back", "/l1/f");
    m.symlink(d, "back2", "back");
    m.symlink(d, "back3", "back2");
    assert_eq!(res(&mut m, ROOT, "l1/f", 0), Ok(f));
    assert_eq!(res(&mut m, ROOT, "l1/back", FOLLOW), Ok(f));
    assert_eq!(res(&mut m, ROOT, "l1/back2", FOLLOW), Ok(f));
    assert_eq!(res(&mut m, ROOT, "l1/back3", FOLLOW), Err(Errno::ELOOP));
    assert_eq!(res(&mut m, ROOT, "l1/back3/", 0), Err(Errno::ELOOP));
    assert_eq!(res(&mut m, ROOT, "l1/back3", 0).map(|_| ()), Ok(()));
}

#[test]
fn loops_are_eloop() {
    let mut x = fx();
    assert_eq!(res(&mut x.m, x.a, "/loop", FOLLOW), Err(Errno::ELOOP));
    assert_eq!(res(&mut x.m, x.a, "/loop/x", 0), Err(Errno::ELOOP));
    x.m.symlink(x.d, "ping", "pong");
    x.m.symlink(x.d, "pong", "./ping");
    assert_eq!(res(&mut x.m, x.d, "ping", FOLLOW), Err(Errno::ELOOP));
}

#[test]
fn long_chains_with_long_targets_need_no_recursion() {
    // 40 links whose targets each add path text: the walk keeps one buffer.
    let mut m = Model::new();
    let d = m.mkdir(ROOT, "d");
    let f = m.file(d, "f");
    for i in 1..=40 {
        let target = if i == 40 {
            format!("{}d", "./".repeat(1000))
        } else {
            format!("{}l{}", "./".repeat(1000), i + 1)
        };
        m.symlink(ROOT, &format!("l{i}"), &target);
    }
    assert_eq!(res(&mut m, ROOT, "l1/f", 0), Ok(f));
}

#[test]
fn a_non_directory_in_the_middle_is_enotdir() {
    let mut x = fx();
    assert_eq!(res(&mut x.m, x.a, "/f/x", 0), Err(Errno::ENOTDIR));
    assert_eq!(res(&mut x.m, x.a, "/f/.", 0), Err(Errno::ENOTDIR));
    assert_eq!(res(&mut x.m, x.a, "/f/..", 0), Err(Errno::ENOTDIR));
    assert_eq!(res(&mut x.m, x.a, "/a/b/f/g/h", 0), Err(Errno::ENOTDIR));
    // A relative path from a non-directory (a dirfd on a file).
    assert_eq!(res(&mut x.m, x.f, "x", 0), Err(Errno::ENOTDIR));
    assert_eq!(res(&mut x.m, x.f, ".", 0), Err(Errno::ENOTDIR));
    assert_eq!(res(&mut x.m, x.f, "/a", 0), Ok(x.a));
    assert_eq!(parent(&mut x.m, x.f, "x"), Err(Errno::ENOTDIR));
}

#[test]
fn names_and_paths_too_long_are_enametoolong() {
    let mut x = fx();
    let n255 = "n".repeat(255);
    let n256 = "n".repeat(256);
    assert_eq!(res(&mut x.m, x.a, &n255, 0), Err(Errno::ENOENT));
    assert_eq!(res(&mut x.m, x.a, &n256, 0), Err(Errno::ENAMETOOLONG));
    assert_eq!(res(&mut x.m, x.a, &format!("{n256}/x"), 0), Err(Errno::ENAMETOOLONG));
    // The non-directory is found before the long name is looked up.
    assert_eq!(res(&mut x.m, x.a, &format!("/f/{n256}"), 0), Err(Errno::ENOTDIR));
    assert_eq!(parent(&mut x.m, x.a, &n256), Err(Errno::ENAMETOOLONG));
    assert_eq!(parent(&mut x.m, x.a, &n255), Ok(p(x.a, &n255, false, LastKind::Normal)));
    assert_eq!(create(&mut x.m, x.a, &n256, 0), Err(Errno::ENAMETOOLONG));
    // 4095 bytes is the longest path (4096 with its NUL).
    let path = format!("{}b", "./".repeat(2047));
    assert_eq!(path.len(), 4095);
    assert_eq!(res(&mut x.m, x.a, &path, 0), Ok(x.b));
    let path = format!("/{path}");
    assert_eq!(res(&mut x.m, x.a, &path, 0), Err(Errno::ENAMETOOLONG));
    assert_eq!(parent(&mut x.m, x.a, &path), Err(Errno::ENAMETOOLONG));
    assert_eq!(create(&mut x.m, x.a, &path, 0), Err(Errno::ENAMETOOLONG));
}

#[test]
fn an_empty_path_is_enoent_unless_empty_ok() {
    let mut x = fx();
    assert_eq!(res(&mut x.m, x.a, "", 0), Err(Errno::ENOENT));
    assert_eq!(res(&mut x.m, x.a, "", FOLLOW | DIRECTORY), Err(Errno::ENOENT));
    assert_eq!(res(&mut x.m, x.a, "", EMPTY_OK), Ok(x.a));
    assert_eq!(res(&mut x.m, x.f, "", EMPTY_OK), Ok(x.f));
    assert_eq!(res(&mut x.m, x.f, "", EMPTY_OK | DIRECTORY), Err(Errno::ENOTDIR));
    assert_eq!(parent(&mut x.m, x.a, ""), Err(Errno::ENOENT));
    assert_eq!(create(&mut x.m, x.a, "", 0), Err(Errno::ENOENT));
}

#[test]
fn every_directory_passed_through_must_be_searchable() {
    let mut x = fx();
    assert_eq!(res(&mut x.m, x.a, "/noexec/x", 0), Err(Errno::EACCES));
    assert_eq!(res(&mut x.m, x.a, "/noexec/.", 0), Err(Errno::EACCES));
    assert_eq!(res(&mut x.m, x.a, "/noexec/..", 0), Err(Errno::EACCES));
    assert_eq!(res(&mut x.m, x.a, "/noexec/nothere", 0), Err(Errno::EACCES));
    // The last directory itself is only looked up, not searched.
    assert_eq!(res(&mut x.m, x.a, "/noexec", 0), Ok(x.noexec));
    assert_eq!(res(&mut x.m, x.a, "/noexec/", 0), Ok(x.noexec));
    assert_eq!(res(&mut x.m, x.noexec, "", EMPTY_OK), Ok(x.noexec));
    assert_eq!(res(&mut x.m, x.noexec, "x", 0), Err(Errno::EACCES));
    assert_eq!(parent(&mut x.m, x.a, "/noexec/x"), Err(Errno::EACCES));
    assert_eq!(parent(&mut x.m, x.a, "/noexec/.."), Err(Errno::EACCES));
    assert_eq!(create(&mut x.m, x.a, "/noexec/new", 0), Err(Errno::EACCES));
    // A link target passes through a directory too.
    x.m.symlink(x.d, "in", "/noexec/x");
    assert_eq!(res(&mut x.m, x.a, "/d/in", FOLLOW), Err(Errno::EACCES));
    assert!(res(&mut x.m, x.a, "/d/in", 0).is_ok());
}

#[test]
fn the_directory_flag_wants_a_directory() {
    let mut x = fx();
    assert_eq!(res(&mut x.m, x.a, "b", DIRECTORY), Ok(x.b));
    assert_eq!(res(&mut x.m, x.a, "f", DIRECTORY), Err(Errno::ENOTDIR));
    assert_eq!(res(&mut x.m, x.a, "/abs", DIRECTORY), Err(Errno::ENOTDIR));
    assert_eq!(res(&mut x.m, x.a, "/abs", DIRECTORY | FOLLOW), Ok(x.b));
    assert_eq!(res(&mut x.m, x.a, "..", DIRECTORY), Ok(ROOT));
}

#[test]
fn resolve_parent_splits_off_the_last_component() {
    let mut x = fx();
    assert_eq!(
        parent(&mut x.m, x.d, "/a/b/new"),
        Ok(p(x.b, "new", false, LastKind::Normal))
    );
    assert_eq!(
        parent(&mut x.m, x.d, "/a/b/f"),
        Ok(p(x.b, "f", false, LastKind::Normal))
    );
    assert_eq!(parent(&mut x.m, x.a, "new"), Ok(p(x.a, "new", false, LastKind::Normal)));
    assert_eq!(
        parent(&mut x.m, x.a, "newdir/"),
        Ok(p(x.a, "newdir", true, LastKind::Normal))
    );
    assert_eq!(parent(&mut x.m, x.a, "f//"), Ok(p(x.a, "f", true, LastKind::Normal)));
    assert_eq!(
        parent(&mut x.m, x.d, "//abs//new"),
        Ok(p(x.b, "new", false, LastKind::Normal))
    );
    // The last component is never followed.
    assert_eq!(
        parent(&mut x.m, x.d, "/abs"),
        Ok(p(ROOT, "abs", false, LastKind::Normal))
    );
    assert_eq!(
        parent(&mut x.m, x.d, "/abs/"),
        Ok(p(ROOT, "abs", true, LastKind::Normal))
    );
    assert_eq!(
        parent(&mut x.m, x.d, "/loop"),
        Ok(p(ROOT, "loop", false, LastKind::Normal))
    );
    assert_eq!(parent(&mut x.m, x.d, "/"), Ok(p(ROOT, "", false, LastKind::Root)));
    assert_eq!(parent(&mut x.m, x.d, "///"), Ok(p(ROOT, "", false, LastKind::Root)));
    assert_eq!(parent(&mut x.m, x.d, "."), Ok(p(x.d, ".", false, LastKind::Dot)));
    assert_eq!(parent(&mut x.m, x.d, "./"), Ok(p(x.d, ".", true, LastKind::Dot)));
    assert_eq!(parent(&mut x.m, x.d, ".."), Ok(p(x.d, "..", false, LastKind::DotDot)));
    assert_eq!(
        parent(&mut x.m, x.d, "/a/b/.."),
        Ok(p(x.b, "..", false, LastKind::DotDot))
    );
    assert_eq!(parent(&mut x.m, x.d, "/nothere/x"), Err(Errno::ENOENT));
    assert_eq!(parent(&mut x.m, x.d, "/f/x"), Err(Errno::ENOTDIR));
    assert_eq!(parent(&mut x.m, x.d, "/loop/x"), Err(Errno::ELOOP));
    assert_eq!(parent(&mut x.m, x.d, "/a/rel/x"), Err(Errno::ENOTDIR));
}

#[test]
fn resolve_parent_in_a_chroot_and_across_mounts() {
    let mut m = Model::new();
    let jail = m.mkdir(ROOT, "jail");
    let mnt = m.mkdir(jail, "mnt");
    let fs1 = m.new_fs();
    let r1 = m.mount(fs1, mnt);
    let s = Start { root: jail, cwd: r1 };
    let got = resolve_parent(&mut m, &s, b"/").unwrap();
    assert_eq!((got.dir, got.kind), (jail, LastKind::Root));
    let got = resolve_parent(&mut m, &s, b"../../../mnt/new").unwrap();
    assert_eq!((got.dir, &*got.name), (r1, &b"new"[..]));
}

#[test]
fn resolve_create_finds_or_places_the_last_name() {
    let mut x = fx();
    assert_eq!(create(&mut x.m, x.a, "f", FOLLOW), Ok(Created::Exists(x.af)));
    assert_eq!(
        create(&mut x.m, x.a, "new", FOLLOW),
        Ok(Created::Missing(p(x.a, "new", false, LastKind::Normal)))
    );
    assert_eq!(
        create(&mut x.m, x.d, "/abs/new", 0),
        Ok(Created::Missing(p(x.b, "new", false, LastKind::Normal)))
    );
    assert_eq!(create(&mut x.m, x.a, "rel", FOLLOW), Ok(Created::Exists(x.bf)));
    assert_eq!(create(&mut x.m, x.a, "/abs", FOLLOW), Ok(Created::Exists(x.b)));
    assert_eq!(create(&mut x.m, x.a, ".", 0), Ok(Created::Exists(x.a)));
    assert_eq!(create(&mut x.m, x.b, "..", 0), Ok(Created::Exists(x.a)));
    assert_eq!(create(&mut x.m, x.b, "/", 0), Ok(Created::Exists(ROOT)));
    assert_eq!(create(&mut x.m, x.b, "/slash", FOLLOW), Ok(Created::Exists(ROOT)));
    assert_eq!(create(&mut x.m, x.a, "/nothere/new", 0), Err(Errno::ENOENT));
    assert_eq!(create(&mut x.m, x.a, "/f/new", 0), Err(Errno::ENOTDIR));
    assert_eq!(create(&mut x.m, x.a, "f", DIRECTORY), Err(Errno::ENOTDIR));
    assert_eq!(create(&mut x.m, x.a, "/loop", FOLLOW), Err(Errno::ELOOP));
    assert_eq!(create(&mut x.m, x.a, "/empty", FOLLOW), Err(Errno::ENOENT));
}

#[test]
fn resolve_create_of_a_dangling_link_places_the_target() {
    let mut x = fx();
    // Without FOLLOW (O_EXCL or O_NOFOLLOW) the link itself exists.
    let link = res(&mut x.m, x.a, "/dangling", 0).unwrap();
    assert_eq!(create(&mut x.m, x.a, "/dangling", 0), Ok(Created::Exists(link)));
    assert_eq!(
        create(&mut x.m, x.a, "/dangling", FOLLOW),
        Ok(Created::Missing(p(ROOT, "nothere", false, LastKind::Normal)))
    );
    x.m.symlink(x.b, "far", "/d/new");
    x.m.symlink(x.b, "two", "far");
    assert_eq!(
        create(&mut x.m, x.a, "b/two", FOLLOW),
        Ok(Created::Missing(p(x.d, "new", false, LastKind::Normal)))
    );
    x.m.symlink(x.b, "deep", "/nothere/new");
    assert_eq!(create(&mut x.m, x.a, "b/deep", FOLLOW), Err(Errno::ENOENT));
}

#[test]
fn resolve_create_with_a_trailing_slash_is_eisdir() {
    let mut x = fx();
    assert_eq!(create(&mut x.m, x.a, "new/", FOLLOW), Err(Errno::EISDIR));
    assert_eq!(create(&mut x.m, x.a, "f/", FOLLOW), Err(Errno::EISDIR));
    assert_eq!(create(&mut x.m, x.a, "b/", FOLLOW), Err(Errno::EISDIR));
    assert_eq!(create(&mut x.m, x.a, "/nothere/new/", FOLLOW), Err(Errno::ENOENT));
    x.m.symlink(x.d, "todir", "/d/new/");
    assert_eq!(create(&mut x.m, x.a, "/d/todir", FOLLOW), Err(Errno::EISDIR));
    // ".", ".." and "/" are existing directories, which the caller refuses.
    assert_eq!(create(&mut x.m, x.a, "./", 0), Ok(Created::Exists(x.a)));
}

#[test]
fn resolve_in_names_the_directory_the_last_name_was_found_in() {
    let mut x = fx();
    let s = at(ROOT);
    let r = |m: &mut Model, path: &str, flags| marten_path::resolve_in(m, &s, path.as_bytes(), flags);
    assert_eq!(r(&mut x.m, "/a/b/f", 0), Ok((x.bf, Some(x.b))));
    assert_eq!(r(&mut x.m, "f", 0), Ok((x.f, Some(ROOT))));
    // Through a followed link: the directory of the link's target.
    assert_eq!(r(&mut x.m, "/a/rel", FOLLOW), Ok((x.bf, Some(x.b))));
    // A link not followed lives in the link's own directory.
    let link = res(&mut x.m, ROOT, "/a/rel", 0).unwrap();
    assert_eq!(r(&mut x.m, "/a/rel", 0), Ok((link, Some(x.a))));
    // Paths ending in ".", ".." or "/" name no entry.
    assert_eq!(r(&mut x.m, "/a/.", 0), Ok((x.a, None)));
    assert_eq!(r(&mut x.m, "/a/b/..", 0), Ok((x.a, None)));
    assert_eq!(r(&mut x.m, "/", 0), Ok((ROOT, None)));
    // The same answers and errors as resolve.
    assert_eq!(r(&mut x.m, "/a/af", 0), Err(Errno::ENOENT));
    assert_eq!(r(&mut x.m, "/f/", 0), Err(Errno::ENOTDIR));
    let _ = (x.af, x.d, x.noexec);
}
