//! The walker: the remaining path text, the current directory, and the steps between them.

use alloc::vec::Vec;
use marten_abi::errno::Errno;
use marten_abi::limits::{MAXSYMLINKS, NAME_MAX, PATH_MAX};

use crate::{LastKind, Namespace, NodeKind, Start};

/// The last component of the text being walked: `text[start..end]`, what it is, and
/// whether slashes follow it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Last {
    start: usize,
    end: usize,
    pub(crate) kind: LastKind,
    pub(crate) trailing: bool,
}

/// One resolution in progress.
///
/// Invariants: `cur` is the directory the next component is looked up in (before the
/// first component of a relative path it may be a non-directory, which that component
/// turns into ENOTDIR); the text still to walk is `text()[pos..]`; the text is the
/// caller's `path` until the first symbolic link is followed, then `buf`, which holds a
/// link's target followed by what was left of the previous text after the link's name
/// (so a chain of links needs neither recursion nor a stack of buffers); `links` counts
/// every link followed so far, at most `MAXSYMLINKS`.
pub(crate) struct Walker<'s, 'p, N> {
    root: &'s N,
    pub(crate) cur: N,
    path: &'p [u8],
    buf: Vec<u8>,
    spare: Vec<u8>,
    owned: bool,
    pos: usize,
    links: u32,
}

impl<'s, 'p, N: Clone> Walker<'s, 'p, N> {
    /// Starts a walk of `path`: at `root` for an absolute path, at `cwd` otherwise.
    /// ENAMETOOLONG for a path of `PATH_MAX` bytes or more; the caller handles an empty path.
    pub(crate) fn new(start: &'s Start<N>, path: &'p [u8]) -> Result<Self, Errno> {
        if path.len() >= PATH_MAX {
            return Err(Errno::ENAMETOOLONG);
        }
        let cur = if path.first() == Some(&b'/') {
            start.root.clone()
        } else {
            start.cwd.clone()
        };
        Ok(Walker {
            root: &start.root,
            cur,
            path,
            buf: Vec::new(),
            spare: Vec::new(),
            owned: false,
            pos: 0,
            links: 0,
        })
    }

    fn text(&self) -> &[u8] {
        if self.owned { &self.buf } else { self.path }
    }

    /// The name of component `last` as a slice of the caller's path, when no
    /// symbolic link has replaced the text yet.
    pub(crate) fn path_name(&self, last: &Last) -> Option<&'p [u8]> {
        if self.owned {
            None
        } else {
            Some(&self.path[last.start..last.end])
        }
    }

    /// The name of component `last`.
    pub(crate) fn name(&self, last: &Last) -> &[u8] {
        &self.text()[last.start..last.end]
    }

    /// Walks every component of the remaining text but the last, following symbolic
    /// links (always, since more components come after them), and returns the last
    /// one, or `None` when no component is left (the text was all slashes). Before
    /// any component, including the last, `cur` must be a directory the caller may
    /// search.
    pub(crate) fn walk_to_last<NS: Namespace<Node = N>>(&mut self, ns: &mut NS) -> Result<Option<Last>, Errno> {
        loop {
            let text = self.text();
            let Some(start) = text[self.pos..].iter().position(|&b| b != b'/').map(|i| self.pos + i) else {
                self.pos = text.len();
                return Ok(None);
            };
            let end = find_slash(text, start);
            let is_last = text[end..].iter().all(|&b| b == b'/');
            let kind = match &text[start..end] {
                b"." => LastKind::Dot,
                b".." => LastKind::DotDot,
                _ => LastKind::Normal,
            };
            let last = Last {
                start,
                end,
                kind,
                trailing: end < text.len(),
            };
            self.pos = end;
            if ns.kind(&self.cur) != NodeKind::Dir {
                return Err(Errno::ENOTDIR);
            }
            ns.may_search(&self.cur)?;
            if is_last {
                return Ok(Some(last));
            }
            match kind {
                LastKind::Dot | LastKind::Root => {}
                LastKind::DotDot => self.dotdot(ns),
                LastKind::Normal => {
                    let node = self.lookup(ns, &last)?;
                    if ns.kind(&node) == NodeKind::Symlink {
                        self.follow(ns, &node)?;
                    } else {
                        self.cur = node;
                    }
                }
            }
        }
    }

    /// Looks component `last` (a normal name) up in `cur` and descends into whatever
    /// is mounted on the result. ENAMETOOLONG for a name longer than `NAME_MAX`.
    pub(crate) fn lookup<NS: Namespace<Node = N>>(&self, ns: &mut NS, last: &Last) -> Result<N, Errno> {
        let name = self.name(last);
        if name.len() > NAME_MAX {
            return Err(Errno::ENAMETOOLONG);
        }
        let node = ns.lookup(&self.cur, name)?;
        Ok(descend(ns, node))
    }

    /// Moves `cur` to its parent as ".." does (see [`up`]), then into whatever is mounted there.
    pub(crate) fn dotdot<NS: Namespace<Node = N>>(&mut self, ns: &mut NS) {
        let up = up(ns, &self.cur, self.root);
        self.cur = descend(ns, up);
    }

    /// Replaces the symbolic link just looked up (whose name ends at `pos`) by its
    /// target: the rest of the text now starts with the target, at `root` if the target
    /// is absolute, at the link's directory (`cur`, unchanged) otherwise. ELOOP for the
    /// `MAXSYMLINKS + 1`st link, ENOENT for an empty target.
    pub(crate) fn follow<NS: Namespace<Node = N>>(&mut self, ns: &mut NS, link: &N) -> Result<(), Errno> {
        if self.links >= MAXSYMLINKS {
            return Err(Errno::ELOOP);
        }
        self.links += 1;
        self.spare.clear();
        ns.readlink(link, &mut self.spare)?;
        if self.spare.is_empty() {
            return Err(Errno::ENOENT);
        }
        let rest = if self.owned {
            &self.buf[self.pos..]
        } else {
            &self.path[self.pos..]
        };
        self.spare.try_reserve(rest.len()).map_err(|_| Errno::ENOMEM)?;
        self.spare.extend_from_slice(rest);
        core::mem::swap(&mut self.buf, &mut self.spare);
        self.owned = true;
        self.pos = 0;
        if self.buf[0] == b'/' {
            self.cur = self.root.clone();
        }
        Ok(())
    }
}

/// Where ".." in directory `cur` leads, before descending into mounts: `cur` itself at
/// the walk's `root`; from the root of a mounted file system, first up to the node it is
/// mounted on (repeatedly, through stacked mounts), then that node's parent. Climbing
/// stays at `cur` when it would pass through `root` or when nothing is above (the
/// namespace's very root), so a chrooted walk never leaves its root.
fn up<NS: Namespace>(ns: &mut NS, cur: &NS::Node, root: &NS::Node) -> NS::Node {
    if ns.same(cur, root) {
        return cur.clone();
    }
    let mut at = cur.clone();
    while let Some(mountpoint) = ns.mountpoint_of(&at) {
        if ns.same(&mountpoint, root) {
            return cur.clone();
        }
        at = mountpoint;
    }
    let parent = ns.parent(&at);
    if ns.same(&parent, &at) {
        return cur.clone();
    }
    parent
}

/// The index of the first '/' in `text` at or after `from` (`text.len()` if none),
/// looking at eight bytes a step: components are often longer than a few bytes.
pub(crate) fn find_slash(text: &[u8], from: usize) -> usize {
    const LOW: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const SLASHES: u64 = 0x2f2f_2f2f_2f2f_2f2f;
    // The lowest flagged byte is the first zero byte of `v`, a '/' in `text`.
    let first_zero = |v: u64| {
        let zero = v.wrapping_sub(LOW) & !v & HIGH;
        (zero != 0).then(|| (zero.trailing_zeros() / 8) as usize)
    };
    let len = text.len();
    let mut i = from;
    while i + 8 <= len {
        let v = u64::from_le_bytes(text[i..i + 8].try_into().unwrap_or([0; 8])) ^ SLASHES;
        if let Some(z) = first_zero(v) {
            return i + z;
        }
        i += 8;
    }
    if i < len && len >= 8 {
        // The last eight bytes, shifted so that byte `i` comes first and the
        // bytes shifted in (past the end) are 0xff, never taken for a '/'.
        let skip = 8 * (i - (len - 8));
        let v = u64::from_le_bytes(text[len - 8..].try_into().unwrap_or([0; 8])) ^ SLASHES;
        return first_zero((v >> skip) | !(u64::MAX >> skip)).map_or(len, |z| i + z);
    }
    text[i..].iter().position(|&b| b == b'/').map_or(len, |p| i + p)
}

/// The root of the topmost file system mounted on `node`, through any stack of mounts,
/// or `node` itself when nothing is mounted there.
#[inline]
fn descend<NS: Namespace>(ns: &NS, mut node: NS::Node) -> NS::Node {
    while let Some(root) = ns.mounted_on(&node) {
        node = root;
    }
    node
}

#[cfg(test)]
mod tests {
    use super::find_slash;

    /// `find_slash` agrees with a byte-by-byte search at every length, start
    /// and slash position (the word-at-a-time test must not flag bytes next to
    /// a '/', nor miss one in any lane).
    #[test]
    fn find_slash_matches_bytewise() {
        let mut text = [b'a'; 40];
        for len in 0..text.len() {
            for slash in 0..=len {
                if slash < len {
                    text[slash] = b'/';
                }
                // Neighbours of '/' that a faulty zero test could flag.
                if slash + 1 < len {
                    text[slash + 1] = 0x2e;
                }
                for from in 0..=len {
                    let t = &text[..len];
                    let want = t[from..].iter().position(|&b| b == b'/').map_or(len, |p| from + p);
                    assert_eq!(find_slash(t, from), want, "len {len} slash {slash} from {from}");
                }
                text = [b'a'; 40];
            }
        }
    }
}
