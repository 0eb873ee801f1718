//! Inodes of the in-memory root file system: regular files whose data
//! lives in page-cache frames, directories, symbolic links and device nodes.

use crate::hal;
use crate::mm::commit::{self, ObjectCharge};
use crate::sync::Mutex;
use alloc::string::String;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use hal::frames::{FrameKind, Pfn, Urgency};
use hal::sync::SpinLock;
use marten_abi::errno::Errno;
use marten_abi::mode;

/// What an inode is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    File,
    Dir,
    Symlink,
    CharDev { major: u32, minor: u32 },
}

/// Contents of a regular file.
///
/// Invariant: `pages.len() == size.div_ceil(4096)`; each `Some` frame is a
/// PageCache frame holding one reference owned by this file; `None` pages
/// read as zeros. `charged` pages (at most the number of `Some` pages) are
/// charged to the commit limit: every page a write adds after boot (pages
/// unpacked from the initramfs were there before accounting began).
#[derive(Default)]
pub struct FileData {
    pages: Vec<Option<Pfn>>,
    size: u64,
    charged: u64,
}

impl Drop for FileData {
    fn drop(&mut self) {
        for p in self.pages.iter().flatten() {
            hal::frames::put(*p);
        }
        commit::uncharge(self.charged);
    }
}

impl FileData {
    /// Length in bytes.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The frame holding page `index`, if the page has data.
    pub fn page(&self, index: u64) -> Option<Pfn> {
        self.pages.get(index as usize).copied().flatten()
    }

    /// Copies bytes at `offset` into `buf`; returns how many (short at the end).
    pub fn read_at(&self, offset: u64, buf: &mut [u8]) -> usize {
        if offset >= self.size {
            return 0;
        }
        let n = buf.len().min((self.size - offset) as usize);
        let mut done = 0;
        while done < n {
            let pos = offset + done as u64;
            let in_page = (pos % 4096) as usize;
            let chunk = (4096 - in_page).min(n - done);
            match self.page(pos / 4096) {
                Some(pfn) => hal::frames::read(pfn, in_page, &mut buf[done..done + chunk]),
                None => buf[done..done + chunk].fill(0),
            }
            done += chunk;
        }
        n
    }

    /// Writes `data` at `offset`, growing the file. When memory (or the
    /// commit limit) runs out it stops: the bytes written so far, or
    /// ENOSPC if none, as a full tmpfs does on Linux.
    pub fn write_at(&mut self, offset: u64, data: &[u8]) -> Result<usize, Errno> {
        let end = offset.checked_add(data.len() as u64).ok_or(Errno::EFBIG)?;
        let pages = end.div_ceil(4096) as usize;
        if pages > self.pages.len() {
            crate::kalloc::resize(&mut self.pages, pages, None)?;
        }
        let mut done = 0;
        let mut full = false;
        while done < data.len() {
            let pos = offset + done as u64;
            let idx = (pos / 4096) as usize;
            let in_page = (pos % 4096) as usize;
            let chunk = (4096 - in_page).min(data.len() - done);
            let pfn = match self.pages[idx] {
                Some(p) => p,
                None => match self.new_page() {
                    Some(p) => {
                        self.pages[idx] = Some(p);
                        p
                    }
                    None => {
                        full = true;
                        break;
                    }
                },
            };
            hal::frames::write(pfn, in_page, &data[done..done + chunk]);
            done += chunk;
            self.size = self.size.max(pos + chunk as u64);
        }
        // Pages reserved past what was written go again (the invariant).
        self.pages.truncate(self.size.div_ceil(4096) as usize);
        if full && done == 0 {
            return Err(Errno::ENOSPC);
        }
        Ok(done)
    }

    /// A zeroed page for the file, charged to the commit limit after boot;
    /// None when either says no.
    fn new_page(&mut self) -> Option<Pfn> {
        let charge = commit::active();
        if charge && commit::charge(1).is_err() {
            return None;
        }
        match hal::frames::alloc_zeroed(FrameKind::PageCache, Urgency::Normal) {
            Some(p) => {
                self.charged += charge as u64;
                Some(p)
            }
            None => {
                if charge {
                    commit::uncharge(1);
                }
                None
            }
        }
    }

    /// Cuts or extends the file to `len` bytes.
    pub fn truncate(&mut self, len: u64) -> Result<(), Errno> {
        let pages = len.div_ceil(4096) as usize;
        while self.pages.len() > pages {
            if let Some(Some(p)) = self.pages.pop() {
                hal::frames::put(p);
                if self.charged > 0 {
                    self.charged -= 1;
                    commit::uncharge(1);
                }
            }
        }
        if pages > self.pages.len() {
            crate::kalloc::resize(&mut self.pages, pages, None)?;
        }
        // Zero the tail of the last page beyond the new end.
        if !len.is_multiple_of(4096)
            && let Some(Some(p)) = self.pages.last()
        {
            let from = (len % 4096) as usize;
            let zeros = [0u8; 4096];
            hal::frames::write(*p, from, &zeros[from..]);
        }
        self.size = len;
        Ok(())
    }
}

/// A directory entry.
///
/// Invariant: `charge` covers the entry and its name (see `mm::commit`).
pub struct DirEntry {
    pub name: String,
    pub inode: Arc<Inode>,
    _charge: ObjectCharge,
}

/// The kind-specific part of an inode.
pub enum Data {
    File(Mutex<FileData>),
    Dir {
        entries: SpinLock<Vec<DirEntry>>,
        parent: SpinLock<Weak<Inode>>,
    },
    Symlink(Vec<u8>),
    Device,
}

/// A file-system object.
///
/// Invariant: `kind` matches `data`; `mode` holds the type bits of `kind`.
pub struct Inode {
    pub ino: u64,
    pub kind: Kind,
    mode: AtomicU32,
    pub uid: u32,
    pub gid: u32,
    mtime: AtomicU64,
    pub data: Data,
    /// This inode's kernel memory, charged to the commit limit.
    _charge: ObjectCharge,
    /// Its place under the inode limit.
    _slot: InodeSlot,
}

static NEXT_INO: AtomicU64 = AtomicU64::new(1);
/// Inodes that exist, and how many may (Linux's tmpfs `nr_inodes`
/// default: half the number of RAM pages; set at boot).
static INODES: AtomicU64 = AtomicU64::new(0);
static MAX_INODES: AtomicU64 = AtomicU64::new(u64::MAX);

/// Sets the inode limit from the number of usable RAM pages.
pub fn set_inode_limit(ram_pages: u64) {
    MAX_INODES.store((ram_pages / 2).max(1024), Ordering::Relaxed);
}

/// (inodes in use, limit).
pub fn inode_usage() -> (u64, u64) {
    (INODES.load(Ordering::Relaxed), MAX_INODES.load(Ordering::Relaxed))
}

/// One inode counted against the limit; given back when dropped.
///
/// Invariant: while it exists, INODES counts it.
struct InodeSlot;

impl InodeSlot {
    fn take() -> Result<InodeSlot, Errno> {
        let max = MAX_INODES.load(Ordering::Relaxed);
        INODES
            .fetch_update(Ordering::AcqRel, Ordering::Relaxed, |n| (n < max).then_some(n + 1))
            .map(|_| InodeSlot)
            .map_err(|_| Errno::ENOSPC)
    }
}

impl Drop for InodeSlot {
    fn drop(&mut self) {
        INODES.fetch_sub(1, Ordering::AcqRel);
    }
}

fn type_bits(kind: Kind) -> u32 {
    match kind {
        Kind::File => mode::S_IFREG,
        Kind::Dir => mode::S_IFDIR,
        Kind::Symlink => mode::S_IFLNK,
        Kind::CharDev { .. } => mode::S_IFCHR,
    }
}

impl Inode {
    /// A new inode of `kind` with permission bits `perm`.
    pub fn new(kind: Kind, perm: u32, data: Data) -> Result<Arc<Inode>, Errno> {
        // The inode, the Arc's two counters, and the slab slot's rounding.
        let slot = InodeSlot::take()?;
        let charge = ObjectCharge::new((core::mem::size_of::<Inode>() + 16).next_power_of_two() as u64)?;
        let inode = Inode {
            _slot: slot,
            _charge: charge,
            ino: NEXT_INO.fetch_add(1, Ordering::Relaxed),
            kind,
            mode: AtomicU32::new(type_bits(kind) | (perm & 0o7777)),
            uid: 0,
            gid: 0,
            mtime: AtomicU64::new(0),
            data,
        };
        hal::heap::try_arc(inode).map_err(|_| Errno::ENOMEM)
    }

    /// An empty directory whose parent is `parent` (itself for the root).
    pub fn new_dir(perm: u32, parent: Weak<Inode>) -> Result<Arc<Inode>, Errno> {
        Inode::new(
            Kind::Dir,
            perm,
            Data::Dir {
                entries: SpinLock::new(Vec::new()),
                parent: SpinLock::new(parent),
            },
        )
    }

    /// A regular file with `contents`.
    pub fn new_file(perm: u32, contents: &[u8]) -> Result<Arc<Inode>, Errno> {
        let mut fd = FileData::default();
        fd.write_at(0, contents)?;
        Inode::new(Kind::File, perm, Data::File(Mutex::new(fd)))
    }

    /// Full `st_mode`.
    pub fn mode(&self) -> u32 {
        self.mode.load(Ordering::Relaxed)
    }

    /// Modification time (seconds since the epoch).
    pub fn mtime(&self) -> u64 {
        self.mtime.load(Ordering::Relaxed)
    }

    /// Sets the modification time.
    pub fn set_mtime(&self, t: u64) {
        self.mtime.store(t, Ordering::Relaxed);
    }

    /// Is it a directory?
    pub fn is_dir(&self) -> bool {
        self.kind == Kind::Dir
    }

    /// May it be executed (any execute bit set)?
    pub fn executable(&self) -> bool {
        self.mode() & 0o111 != 0
    }

    /// The file data, for regular files.
    pub fn file(&self) -> Option<&Mutex<FileData>> {
        match &self.data {
            Data::File(f) => Some(f),
            _ => None,
        }
    }

    /// Size in bytes (files and symlinks).
    pub fn size(&self) -> u64 {
        match &self.data {
            Data::File(f) => f.lock().size(),
            Data::Symlink(t) => t.len() as u64,
            _ => 0,
        }
    }

    /// Looks `name` up in a directory.
    pub fn lookup(&self, name: &[u8]) -> Option<Arc<Inode>> {
        match &self.data {
            Data::Dir { entries, parent } => {
                if name == b"." || name.is_empty() {
                    return None;
                }
                if name == b".." {
                    return parent.lock().upgrade();
                }
                entries
                    .lock()
                    .iter()
                    .find(|e| e.name.as_bytes() == name)
                    .map(|e| e.inode.clone())
            }
            _ => None,
        }
    }

    /// Adds (or replaces) entry `name` in a directory.
    pub fn link(self: &Arc<Inode>, name: &str, child: Arc<Inode>) -> Result<(), Errno> {
        let Data::Dir { entries, .. } = &self.data else {
            return Err(Errno::ENOTDIR);
        };
        if let Data::Dir { parent, .. } = &child.data {
            *parent.lock() = Arc::downgrade(self);
        }
        let name_copy = crate::kalloc::string_from(name)?;
        let charge = ObjectCharge::new((core::mem::size_of::<DirEntry>() + name.len()) as u64)?;
        let mut es = entries.lock();
        if let Some(e) = es.iter_mut().find(|e| e.name == name) {
            e.inode = child;
            return Ok(());
        }
        crate::kalloc::push(
            &mut es,
            DirEntry {
                name: name_copy,
                inode: child,
                _charge: charge,
            },
        )
    }

    /// Removes entry `name` from a directory.
    pub fn unlink(&self, name: &[u8]) -> Result<Arc<Inode>, Errno> {
        let Data::Dir { entries, .. } = &self.data else {
            return Err(Errno::ENOTDIR);
        };
        let mut es = entries.lock();
        let i = es.iter().position(|e| e.name.as_bytes() == name).ok_or(Errno::ENOENT)?;
        Ok(es.remove(i).inode)
    }

    /// Does a directory have no entries (besides . and ..)?
    pub fn has_no_entries(&self) -> bool {
        match &self.data {
            Data::Dir { entries, .. } => entries.lock().is_empty(),
            _ => true,
        }
    }

    /// The names and inodes of a directory's entries; ENOMEM when the
    /// list cannot be allocated.
    pub fn entries(&self) -> Result<Vec<(String, Arc<Inode>)>, Errno> {
        let mut v = Vec::new();
        if let Data::Dir { entries, .. } = &self.data {
            let es = entries.lock();
            v.try_reserve_exact(es.len()).map_err(|_| Errno::ENOMEM)?;
            for e in es.iter() {
                crate::kalloc::push(&mut v, (crate::kalloc::string_from(&e.name)?, e.inode.clone()))?;
            }
        }
        Ok(v)
    }

    /// A symlink's target.
    pub fn symlink_target(&self) -> Option<&[u8]> {
        match &self.data {
            Data::Symlink(t) => Some(t),
            _ => None,
        }
    }
}
