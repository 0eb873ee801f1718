//! tmpfs nodes: directories (a hashed table of entries), regular files
//! (pages in memory), symbolic links, and device, FIFO and socket nodes.

use super::dir::Table;
use super::{Shared, Slot, boxed, fresh_meta};
use crate::sync::Mutex;
use crate::vfs::fs::SuperBlock;
use crate::vfs::inode::{DirEnt, Inode, InodeOps, Kind, NewNode, now};
use crate::vfs::pagecache::FileData;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use hal::sync::{SpinLock, TaskLock};
use marten_abi::errno::Errno;
use marten_abi::fcntl::{RENAME_EXCHANGE, RENAME_NOREPLACE};

use crate::hal;

/// Makes a tmpfs inode of `kind` (`target` for a symlink, `parent` for a
/// directory).
#[allow(clippy::too_many_arguments)]
pub fn new_inode(
    sb: &Arc<SuperBlock>,
    shared: &Arc<Shared>,
    kind: Kind,
    perm: u32,
    uid: u32,
    gid: u32,
    target: &[u8],
    parent: Weak<Inode>,
) -> Result<Arc<Inode>, Errno> {
    let slot = shared.take_slot()?;
    let ops = match kind {
        Kind::Dir => boxed(Dir {
            shared: shared.clone(),
            table: TaskLock::new(Table::default()),
            parent: TaskLock::new(parent),
            _slot: slot,
        })?,
        Kind::File => boxed(TmpFile {
            data: SpinLock::new(FileData::new(shared.budget.clone())),
            append: Mutex::new(()),
            _slot: slot,
        })?,
        Kind::Symlink => boxed(Symlink {
            target: crate::kalloc::vec_from(target)?,
            _slot: slot,
        })?,
        _ => boxed(Special {
            fifo: crate::fs::fifo::Fifo::default(),
            _slot: slot,
        })?,
    };
    Inode::new(sb, sb.next_ino(), kind, fresh_meta(perm, uid, gid, kind), ops)
}

/// A directory.
///
/// Invariant: `parent` is the directory holding this one's entry (empty
/// for the root); the inode's link count is 2 plus the number of
/// subdirectories, and 0 once removed.
pub struct Dir {
    shared: Arc<Shared>,
    pub table: TaskLock<Table>,
    parent: TaskLock<Weak<Inode>>,
    _slot: Slot,
}

fn dir_ops(i: &Arc<Inode>) -> Option<&Dir> {
    // Every tmpfs directory's ops are a `Dir`: the kind says which.
    if i.kind != Kind::Dir {
        return None;
    }
    let any: &dyn core::any::Any = i.ops.as_any()?;
    any.downcast_ref::<Dir>()
}

impl Dir {
    /// Refuses to add names to a removed directory (ENOENT, as Linux).
    fn check_alive(dir: &Arc<Inode>) -> Result<(), Errno> {
        if dir.meta().nlink == 0 {
            return Err(Errno::ENOENT);
        }
        Ok(())
    }
}

impl InodeOps for Dir {
    fn as_any(&self) -> Option<&dyn core::any::Any> {
        Some(self)
    }

    fn lookup(&self, _dir: &Arc<Inode>, name: &[u8]) -> Result<Arc<Inode>, Errno> {
        self.table.lock().get(name).cloned().ok_or(Errno::ENOENT)
    }

    fn parent(&self, _dir: &Arc<Inode>) -> Option<Arc<Inode>> {
        self.parent.lock().upgrade()
    }

    fn create(&self, dir: &Arc<Inode>, name: &[u8], new: NewNode<'_>) -> Result<Arc<Inode>, Errno> {
        Dir::check_alive(dir)?;
        // A taken name (the VFS has checked already; a race is rare) is
        // found by the insert, which drops the new node.
        let node = new_inode(
            &dir.sb,
            &self.shared,
            new.kind,
            new.perm,
            new.uid,
            new.gid,
            new.target,
            Arc::downgrade(dir),
        )?;
        self.table.lock().insert(name, node.clone())?;
        let t = now();
        let subdir = new.kind == Kind::Dir;
        dir.update(|m| {
            if subdir {
                m.nlink += 1;
            }
            m.mtime = t;
            m.ctime = t;
        });
        Ok(node)
    }

    fn create_unnamed(&self, dir: &Arc<Inode>, new: NewNode<'_>, linkable: bool) -> Result<Arc<Inode>, Errno> {
        Dir::check_alive(dir)?;
        let node = new_inode(
            &dir.sb,
            &self.shared,
            new.kind,
            new.perm,
            new.uid,
            new.gid,
            b"",
            Weak::new(),
        )?;
        node.update(|m| {
            m.nlink = 0;
            m.linkable = linkable;
        });
        Ok(node)
    }

    fn link(&self, dir: &Arc<Inode>, name: &[u8], target: &Arc<Inode>) -> Result<(), Errno> {
        Dir::check_alive(dir)?;
        if !Arc::ptr_eq(&target.sb, &dir.sb) {
            return Err(Errno::EXDEV);
        }
        self.table.lock().insert(name, target.clone())?;
        target.update(|m| {
            m.nlink += 1;
            m.linkable = false;
        });
        target.touch_changed();
        dir.touch_modified();
        Ok(())
    }

    fn unlink(&self, dir: &Arc<Inode>, name: &[u8], rmdir: bool) -> Result<Arc<Inode>, Errno> {
        let victim = self.table.lock().remove_if(name, |victim| {
            if rmdir {
                if victim.kind != Kind::Dir {
                    return Err(Errno::ENOTDIR);
                }
                if !victim.ops.is_empty_dir() {
                    return Err(Errno::ENOTEMPTY);
                }
            } else if victim.kind == Kind::Dir {
                return Err(Errno::EISDIR);
            }
            Ok(())
        })?;
        // One clock reading and one metadata update per inode.
        let t = now();
        victim.update(|m| {
            m.nlink = if rmdir { 0 } else { m.nlink.saturating_sub(1) };
            m.ctime = t;
        });
        dir.update(|m| {
            if rmdir {
                m.nlink -= 1;
            }
            m.mtime = t;
            m.ctime = t;
        });
        Ok(victim)
    }

    fn rename(
        &self,
        old_dir: &Arc<Inode>,
        old_name: &[u8],
        new_dir: &Arc<Inode>,
        new_name: &[u8],
        flags: u32,
    ) -> Result<(), Errno> {
        if !Arc::ptr_eq(&old_dir.sb, &new_dir.sb) {
            return Err(Errno::EXDEV);
        }
        let _serial = self.shared.rename_lock.lock();
        let new_ops = dir_ops(new_dir).ok_or(Errno::EXDEV)?;
        let src = self.table.lock().get(old_name).cloned().ok_or(Errno::ENOENT)?;
        let dst = new_ops.table.lock().get(new_name).cloned();
        Dir::check_alive(new_dir)?;
        if flags & RENAME_EXCHANGE != 0 {
            let dst = dst.ok_or(Errno::ENOENT)?;
            // Neither may end up inside itself.
            for (moved, into) in [(&src, new_dir), (&dst, old_dir)] {
                if moved.kind == Kind::Dir && is_ancestor(moved, into) {
                    return Err(Errno::EINVAL);
                }
            }
            let same = Arc::ptr_eq(old_dir, new_dir);
            if same {
                let mut t = self.table.lock();
                t.replace(old_name, dst.clone());
                t.replace(new_name, src.clone());
            } else {
                let (mut a, mut b) = lock_two(&self.table, &new_ops.table);
                a.replace(old_name, dst.clone());
                b.replace(new_name, src.clone());
            }
            if !same {
                fix_parent(&src, new_dir, old_dir);
                fix_parent(&dst, old_dir, new_dir);
            }
            for i in [&src, &dst, old_dir, new_dir] {
                i.touch_changed();
            }
            return Ok(());
        }
        if let Some(dst) = &dst {
            if flags & RENAME_NOREPLACE != 0 {
                return Err(Errno::EEXIST);
            }
            if Arc::ptr_eq(dst, &src) {
                // Two links to one file: nothing happens (rename(2)).
                return Ok(());
            }
            match (src.kind == Kind::Dir, dst.kind == Kind::Dir) {
                (true, false) => return Err(Errno::ENOTDIR),
                (false, true) => return Err(Errno::EISDIR),
                (true, true) if !dst.ops.is_empty_dir() => return Err(Errno::ENOTEMPTY),
                _ => {}
            }
            if dst.has_mounts() {
                return Err(Errno::EBUSY);
            }
        }
        if src.kind == Kind::Dir && is_ancestor(&src, new_dir) {
            return Err(Errno::EINVAL);
        }
        let same = Arc::ptr_eq(old_dir, new_dir);
        let replaced = if same {
            let mut t = self.table.lock();
            let r = t.put(new_name, src.clone())?;
            t.remove(old_name);
            r
        } else {
            let (mut a, mut b) = lock_two(&self.table, &new_ops.table);
            let r = b.put(new_name, src.clone())?;
            a.remove(old_name);
            r
        };
        if src.kind == Kind::Dir && !same {
            fix_parent(&src, new_dir, old_dir);
        }
        if let Some(r) = replaced {
            if r.kind == Kind::Dir {
                r.update(|m| m.nlink = 0);
                new_dir.update(|m| m.nlink -= 1);
            } else {
                r.update(|m| m.nlink = m.nlink.saturating_sub(1));
            }
            r.touch_changed();
        }
        src.touch_changed();
        old_dir.touch_modified();
        new_dir.touch_modified();
        Ok(())
    }

    fn readdir(&self, dir: &Arc<Inode>, cookie: u64, sink: &mut dyn FnMut(&DirEnt<'_>) -> bool) -> Result<(), Errno> {
        if cookie == 0
            && !sink(&DirEnt {
                name: b".",
                ino: dir.ino,
                dtype: Kind::Dir.dtype(),
                next: 1,
            })
        {
            return Ok(());
        }
        if cookie <= 1 {
            let up = self.parent.lock().upgrade().map_or(dir.ino, |p| p.ino);
            if !sink(&DirEnt {
                name: b"..",
                ino: up,
                dtype: Kind::Dir.dtype(),
                next: 2,
            }) {
                return Ok(());
            }
        }
        let from = cookie.max(2) - 2;
        self.table.lock().list(from as usize, 2, sink);
        Ok(())
    }

    fn is_empty_dir(&self) -> bool {
        self.table.lock().is_empty()
    }

    fn name_of(&self, _dir: &Arc<Inode>, ino: u64, out: &mut Vec<u8>) -> Result<(), Errno> {
        let t = self.table.lock();
        let n = t.name_of(ino).ok_or(Errno::ENOENT)?;
        crate::kalloc::extend_from_slice(out, n)
    }
}

/// Locks two different directory tables in a fixed (address) order and
/// returns the guards in the order asked.
fn lock_two<'a>(
    a: &'a TaskLock<Table>,
    b: &'a TaskLock<Table>,
) -> (hal::sync::TaskGuard<'a, Table>, hal::sync::TaskGuard<'a, Table>) {
    if (a as *const _ as usize) < (b as *const _ as usize) {
        let ga = a.lock();
        (ga, b.lock())
    } else {
        let gb = b.lock();
        (a.lock(), gb)
    }
}

/// A directory moved from `from` to `to`: its `..` and the link counts.
fn fix_parent(moved: &Arc<Inode>, to: &Arc<Inode>, from: &Arc<Inode>) {
    if let Some(d) = dir_ops(moved) {
        *d.parent.lock() = Arc::downgrade(to);
        to.update(|m| m.nlink += 1);
        from.update(|m| m.nlink -= 1);
    }
}

/// Is `dir` equal to `node` or below it? (Renaming a directory there
/// would detach a loop: EINVAL.)
fn is_ancestor(node: &Arc<Inode>, dir: &Arc<Inode>) -> bool {
    let mut cur = dir.clone();
    loop {
        if Arc::ptr_eq(&cur, node) {
            return true;
        }
        match cur.ops.parent(&cur) {
            Some(p) if !Arc::ptr_eq(&p, &cur) => cur = p,
            _ => return false,
        }
    }
}

/// A regular file.
///
/// `append` is held across a whole O_APPEND write from user memory, so
/// appends never overlap, while `data` is only held to find or add a page
/// (never across a copy from or to user memory, which may fault on a
/// mapping of this very file).
pub struct TmpFile {
    pub data: SpinLock<FileData>,
    append: Mutex<()>,
    _slot: Slot,
}

impl TmpFile {
    /// Copies file bytes from `offset` to user memory, page by page, each
    /// page pinned by a reference while the file's lock is released.
    fn copy_out(&self, offset: u64, dst: u64, len: usize) -> Result<usize, Errno> {
        let mut done = 0;
        while done < len {
            let pos = offset + done as u64;
            let in_page = (pos % 4096) as usize;
            let (page, n) = {
                let d = self.data.lock();
                if pos >= d.size() {
                    break;
                }
                let n = (4096 - in_page).min(len - done).min((d.size() - pos) as usize);
                let page = d.page(pos / 4096);
                if let Some(p) = page {
                    hal::frames::get(p);
                }
                (page, n)
            };
            let copied = match page {
                Some(p) => {
                    let c = hal::usercopy::frame_to_user_upto(p, in_page, dst + done as u64, n);
                    hal::frames::put(p);
                    c
                }
                None => hal::usercopy::clear_user_upto(dst + done as u64, n),
            };
            done += copied;
            if copied < n {
                // A bad address: what was copied before it counts.
                if done > 0 {
                    break;
                }
                return Err(Errno::EFAULT);
            }
        }
        Ok(done)
    }

    /// Copies `len` bytes of user memory into the file at `offset` (None:
    /// the end), page by page as `copy_out`; stops at a full file system
    /// (ENOSPC if nothing was written) or a bad address (EFAULT if nothing
    /// was written). Returns the count and the end of what was written.
    fn copy_in(&self, offset: Option<u64>, src: u64, len: usize, limit: u64) -> Result<(usize, u64), Errno> {
        let _append = offset.is_none().then(|| self.append.lock());
        let start = match offset {
            Some(o) => o,
            None => self.data.lock().size(),
        };
        if len == 0 {
            return Ok((0, start));
        }
        let len = marten_rlimit::write_room(start, len, limit).map_err(|_| Errno::EFBIG)?;
        start.checked_add(len as u64).ok_or(Errno::EFBIG)?;
        let mut done = 0;
        while done < len {
            let pos = start + done as u64;
            let in_page = (pos % 4096) as usize;
            let n = (4096 - in_page).min(len - done);
            let (page, old_size) = {
                let mut d = self.data.lock();
                let old = d.size();
                match d.grow_for_write(pos, n) {
                    Ok(p) => (p, old),
                    Err(e) => {
                        if done > 0 {
                            break;
                        }
                        return Err(e);
                    }
                }
            };
            let r = hal::usercopy::user_to_frame(page, in_page, src + done as u64, n);
            hal::frames::put(page);
            if r.is_err() {
                // Nothing of this page arrived: the file is as it was.
                self.data.lock().undo_grow(old_size, pos + n as u64);
                if done > 0 {
                    break;
                }
                return Err(Errno::EFAULT);
            }
            done += n;
        }
        Ok((done, start + done as u64))
    }
}

impl InodeOps for TmpFile {
    fn size(&self) -> u64 {
        self.data.lock().size()
    }
    fn blocks(&self) -> u64 {
        self.data.lock().resident() * 8
    }
    fn size_blocks(&self) -> (u64, u64) {
        let d = self.data.lock();
        (d.size(), d.resident() * 8)
    }
    fn read_at(&self, _inode: &Arc<Inode>, offset: u64, buf: &mut [u8]) -> Result<usize, Errno> {
        // A page at a time: the lock is a spin lock, held briefly.
        let mut done = 0;
        while done < buf.len() {
            let pos = offset + done as u64;
            let n = (4096 - (pos % 4096) as usize).min(buf.len() - done);
            let got = self.data.lock().read_at(pos, &mut buf[done..done + n]);
            done += got;
            if got < n {
                break;
            }
        }
        Ok(done)
    }
    fn write_at(&self, inode: &Arc<Inode>, offset: u64, buf: &[u8]) -> Result<usize, Errno> {
        let mut done = 0;
        while done < buf.len() {
            let pos = offset + done as u64;
            let n = (4096 - (pos % 4096) as usize).min(buf.len() - done);
            match self.data.lock().write_at(pos, &buf[done..done + n]) {
                Ok(w) => {
                    done += w;
                    if w < n {
                        break;
                    }
                }
                Err(e) if done == 0 => return Err(e),
                Err(_) => break,
            }
        }
        inode.touch_modified();
        Ok(done)
    }
    fn read_user(&self, _inode: &Arc<Inode>, offset: u64, dst: u64, len: usize) -> Option<Result<usize, Errno>> {
        Some(self.copy_out(offset, dst, len))
    }
    fn write_user(
        &self,
        inode: &Arc<Inode>,
        offset: Option<u64>,
        src: u64,
        len: usize,
        limit: u64,
    ) -> Option<Result<(usize, u64), Errno>> {
        let r = self.copy_in(offset, src, len, limit);
        if matches!(r, Ok((n, _)) if n > 0) {
            inode.touch_modified();
        }
        Some(r)
    }
    fn append(&self, inode: &Arc<Inode>, buf: &[u8], limit: u64) -> Result<(usize, u64), Errno> {
        let _append = self.append.lock();
        let mut d = self.data.lock();
        let at = d.size();
        let room = marten_rlimit::write_room(at, buf.len(), limit).map_err(|_| Errno::EFBIG)?;
        let n = d.write_at(at, &buf[..room])?;
        drop(d);
        inode.touch_modified();
        Ok((n, at + n as u64))
    }
    fn truncate(&self, inode: &Arc<Inode>, len: u64) -> Result<(), Errno> {
        self.data.lock().truncate(len)?;
        inode.touch_modified();
        Ok(())
    }
    fn allocate(&self, inode: &Arc<Inode>, offset: u64, len: u64) -> Result<(), Errno> {
        self.data.lock().allocate(offset, len)?;
        inode.touch_changed();
        Ok(())
    }
    fn seek_data(&self, offset: u64, hole: bool) -> Result<u64, Errno> {
        self.data.lock().seek_data(offset, hole)
    }
    fn page_cache(&self) -> Option<&SpinLock<FileData>> {
        Some(&self.data)
    }
}

/// A symbolic link.
pub struct Symlink {
    target: Vec<u8>,
    _slot: Slot,
}

impl InodeOps for Symlink {
    fn size(&self) -> u64 {
        self.target.len() as u64
    }
    fn blocks(&self) -> u64 {
        0
    }
    fn readlink(&self, _link: &Arc<Inode>, out: &mut Vec<u8>) -> Result<(), Errno> {
        crate::kalloc::extend_from_slice(out, &self.target)
    }
}

/// A device, FIFO or socket node: only metadata; opening it reaches the
/// device registry or the FIFO.
pub struct Special {
    fifo: crate::fs::fifo::Fifo,
    _slot: Slot,
}

impl InodeOps for Special {
    fn fifo(&self) -> Option<&crate::fs::fifo::Fifo> {
        Some(&self.fifo)
    }
}
