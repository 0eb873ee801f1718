//! A process's file descriptors.

use super::file::File;
use alloc::sync::Arc;
use alloc::vec::Vec;
use marten_abi::errno::Errno;

/// Size the table may reach: the kernel's maximum for RLIMIT_NOFILE (Linux's
/// `fs.nr_open`). The table grows on demand, so only descriptors in use cost memory.
pub const MAX_FDS: usize = crate::proc::limits::NR_OPEN as usize;

/// One descriptor: the open file and its close-on-exec flag.
#[derive(Clone)]
pub struct FdEntry {
    pub file: Arc<File>,
    pub cloexec: bool,
}

/// Descriptor number -> open file.
///
/// Invariant: `slots.len() <= MAX_FDS`.
#[derive(Default)]
pub struct FdTable {
    slots: Vec<Option<FdEntry>>,
}

impl FdTable {
    /// No descriptors.
    pub const fn new() -> Self {
        FdTable { slots: Vec::new() }
    }

    /// The file behind `fd` (EBADF if none).
    pub fn get(&self, fd: u64) -> Result<Arc<File>, Errno> {
        self.entry(fd).map(|e| e.file.clone())
    }

    /// The entry behind `fd`.
    pub fn entry(&self, fd: u64) -> Result<&FdEntry, Errno> {
        usize::try_from(fd)
            .ok()
            .and_then(|i| self.slots.get(i))
            .and_then(|s| s.as_ref())
            .ok_or(Errno::EBADF)
    }

    /// The lowest free descriptor >= `min` and below `limit`, if any.
    pub fn first_free(&self, min: usize, limit: u64) -> Option<usize> {
        let end = usize::try_from(limit).unwrap_or(usize::MAX).min(MAX_FDS);
        (min..end).find(|&i| self.slots.get(i).is_none_or(|s| s.is_none()))
    }

    /// Installs `file` at the lowest free descriptor >= `min` and below `limit` (the
    /// soft RLIMIT_NOFILE); EMFILE when there is none.
    pub fn alloc(&mut self, file: Arc<File>, min: usize, limit: u64, cloexec: bool) -> Result<u64, Errno> {
        let i = self.first_free(min, limit).ok_or(Errno::EMFILE)?;
        self.put(i, FdEntry { file, cloexec })?;
        Ok(i as u64)
    }

    fn put(&mut self, i: usize, e: FdEntry) -> Result<Option<FdEntry>, Errno> {
        if i >= MAX_FDS {
            return Err(Errno::EBADF);
        }
        if i >= self.slots.len() {
            crate::kalloc::resize(&mut self.slots, i + 1, None)?;
        }
        Ok(self.slots[i].replace(e))
    }

    /// Installs `file` at exactly `fd` (dup2), returning what was there.
    pub fn set(&mut self, fd: u64, file: Arc<File>, cloexec: bool) -> Result<Option<FdEntry>, Errno> {
        let i = usize::try_from(fd).map_err(|_| Errno::EBADF)?;
        self.put(i, FdEntry { file, cloexec })
    }

    /// Closes `fd`, returning its entry.
    pub fn close(&mut self, fd: u64) -> Result<FdEntry, Errno> {
        let i = usize::try_from(fd).map_err(|_| Errno::EBADF)?;
        self.slots.get_mut(i).and_then(|s| s.take()).ok_or(Errno::EBADF)
    }

    /// Sets or clears close-on-exec.
    pub fn set_cloexec(&mut self, fd: u64, on: bool) -> Result<(), Errno> {
        let i = usize::try_from(fd).map_err(|_| Errno::EBADF)?;
        match self.slots.get_mut(i).and_then(|s| s.as_mut()) {
            Some(e) => {
                e.cloexec = on;
                Ok(())
            }
            None => Err(Errno::EBADF),
        }
    }

    /// A copy for fork (the files are shared).
    pub fn try_clone(&self) -> Result<FdTable, Errno> {
        let mut slots = Vec::new();
        slots.try_reserve(self.slots.len()).map_err(|_| Errno::ENOMEM)?;
        slots.extend(self.slots.iter().cloned());
        Ok(FdTable { slots })
    }

    /// How many descriptors are close-on-exec.
    pub fn cloexec_count(&self) -> usize {
        self.slots.iter().flatten().filter(|e| e.cloexec).count()
    }

    /// Closes the close-on-exec descriptors (execve), moving them to `out`
    /// so the caller can drop them outside any lock. The caller made room
    /// for [`cloexec_count`](Self::cloexec_count) entries before execve's
    /// point of no return, so every descriptor is closed.
    pub fn take_cloexec(&mut self, out: &mut Vec<FdEntry>) {
        for s in self.slots.iter_mut() {
            if s.as_ref().is_some_and(|e| e.cloexec)
                && let Some(e) = s.take()
            {
                // Within the reserved room: this cannot fail (were it to,
                // the entry would be dropped here, still closed).
                let _ = crate::kalloc::push(out, e);
            }
        }
    }

    /// The open descriptor numbers, in order.
    pub fn open_fds(&self) -> Result<Vec<usize>, Errno> {
        let mut v = Vec::new();
        v.try_reserve(self.count()).map_err(|_| Errno::ENOMEM)?;
        for (i, s) in self.slots.iter().enumerate() {
            if s.is_some() {
                crate::kalloc::push(&mut v, i)?;
            }
        }
        Ok(v)
    }

    /// Open descriptors.
    pub fn count(&self) -> usize {
        self.slots.iter().filter(|s| s.is_some()).count()
    }
}
