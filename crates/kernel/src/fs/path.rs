//! Path lookup in the root file system: components, `.` and `..`, and
//! symbolic links (at most 40 followed, as on Linux).

use super::inode::{Inode, Kind};
use alloc::sync::Arc;
use marten_abi::errno::Errno;

/// Longest path accepted (Linux's PATH_MAX, NUL included).
pub const PATH_MAX: usize = 4096;
const NAME_MAX: usize = 255;
const MAX_SYMLINKS: u32 = 40;

/// Looks `path` up starting from `cwd` (or the root for absolute paths).
/// With `follow_last`, a symlink in the last component is followed too.
pub fn resolve(path: &[u8], cwd: &Arc<Inode>, follow_last: bool) -> Result<Arc<Inode>, Errno> {
    let mut hops = 0;
    walk(path, cwd, follow_last, &mut hops)
}

/// Looks up everything but the last component: returns the directory and
/// the last name (for creating files). ENOENT for an empty path.
pub fn resolve_parent<'p>(path: &'p [u8], cwd: &Arc<Inode>) -> Result<(Arc<Inode>, &'p [u8]), Errno> {
    let trimmed = trim_trailing_slashes(path);
    if trimmed.is_empty() {
        return Err(Errno::ENOENT);
    }
    let (dir_part, name) = match trimmed.iter().rposition(|&b| b == b'/') {
        Some(i) => (&trimmed[..i + 1], &trimmed[i + 1..]),
        None => (&b""[..], trimmed),
    };
    let dir = if dir_part.is_empty() {
        cwd.clone()
    } else {
        resolve(dir_part, cwd, true)?
    };
    if !dir.is_dir() {
        return Err(Errno::ENOTDIR);
    }
    if name.len() > NAME_MAX {
        return Err(Errno::ENAMETOOLONG);
    }
    Ok((dir, name))
}

fn trim_trailing_slashes(p: &[u8]) -> &[u8] {
    let mut end = p.len();
    while end > 1 && p[end - 1] == b'/' {
        end -= 1;
    }
    &p[..end]
}

fn walk(path: &[u8], cwd: &Arc<Inode>, follow_last: bool, hops: &mut u32) -> Result<Arc<Inode>, Errno> {
    if path.is_empty() {
        return Err(Errno::ENOENT);
    }
    if path.len() >= PATH_MAX {
        return Err(Errno::ENAMETOOLONG);
    }
    let mut cur = if path[0] == b'/' { super::root() } else { cwd.clone() };
    let mut comps: alloc::vec::Vec<&[u8]> = alloc::vec::Vec::new();
    for c in path.split(|&b| b == b'/').filter(|c| !c.is_empty()) {
        crate::kalloc::push(&mut comps, c)?;
    }
    let trailing_slash = path.len() > 1 && path.ends_with(b"/");
    for (i, comp) in comps.iter().enumerate() {
        if comp.len() > NAME_MAX {
            return Err(Errno::ENAMETOOLONG);
        }
        if !cur.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        if *comp == b"." {
            continue;
        }
        let next = cur.lookup(comp).ok_or(Errno::ENOENT)?;
        let last = i + 1 == comps.len();
        if next.kind == Kind::Symlink && (!last || follow_last || trailing_slash) {
            *hops += 1;
            if *hops > MAX_SYMLINKS {
                return Err(Errno::ELOOP);
            }
            let target = next.symlink_target().unwrap_or(b"");
            cur = walk(target, &cur, true, hops)?;
        } else {
            cur = next;
        }
    }
    if trailing_slash && !cur.is_dir() {
        return Err(Errno::ENOTDIR);
    }
    Ok(cur)
}
