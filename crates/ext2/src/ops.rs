//! Name-space operations: create and mknod, unnamed files (O_TMPFILE), mkdir, rmdir,
//! unlink, hard links, symbolic links and rename, with link counts and the freeing of
//! inodes that lose their last link.

use marten_abi::mode::{S_IFDIR, S_IFLNK, S_IFMT};

use crate::dev::BlockDevice;
use crate::dir_write::check_name;
use crate::error::{Error, Result};
use crate::fs::{Fs, ROOT_INO};
use crate::inode::{FileType, Inode, N_BLOCKS, Rdev};

/// Most hard links an inode may have (Linux's ext2 limit).
const EXT2_LINK_MAX: u16 = 32000;
/// Longest fast symlink: shorter than the 60 bytes of `i_block`.
const FAST_SYMLINK_MAX: usize = N_BLOCKS * 4 - 1;
/// `h_magic` of an extended-attribute block.
const EXT2_XATTR_MAGIC: u32 = 0xea02_0000;
/// Most `..` steps taken when checking that a directory is not moved below itself.
const MAX_DEPTH: u32 = 1 << 16;

impl<D: BlockDevice> Fs<D> {
    /// A new inode record (allocated near `dir`, zeroed on disk) with one link.
    fn new_inode(&mut self, dir: u32, mode: u16, uid: u32, gid: u32) -> Result<(u32, Inode)> {
        let is_dir = u32::from(mode) & S_IFMT == S_IFDIR;
        let ino = self.alloc_inode(dir, is_dir)?;
        self.clear_inode_record(ino)?;
        let t = i64::from(self.now);
        let inode = Inode {
            mode,
            uid,
            gid,
            size: 0,
            atime: t,
            ctime: t,
            mtime: t,
            dtime: 0,
            links: 1,
            blocks: 0,
            flags: 0,
            rdev: Rdev::default(),
            generation: ino,
            file_acl: 0,
            block: [0; N_BLOCKS],
        };
        Ok((ino, inode))
    }

    /// Checks that `dir` is a writable directory without an entry `name`.
    fn check_new(&self, dir: u32, name: &[u8]) -> Result<()> {
        self.check_writable()?;
        check_name(name)?;
        if !self.names_checked && self.lookup(dir, name)?.is_some() {
            return Err(Error::Exists);
        }
        Ok(())
    }

    /// Adds `delta` to inode `ino`'s link count.
    fn adjust_links(&mut self, ino: u32, up: bool) -> Result<()> {
        let mut inode = self.inode(ino)?;
        inode.links = if up {
            inode
                .links
                .checked_add(1)
                .filter(|&n| n <= EXT2_LINK_MAX)
                .ok_or(Error::TooManyLinks)?
        } else {
            inode.links.checked_sub(1).ok_or(Error::Corrupt("link count"))?
        };
        inode.ctime = i64::from(self.now);
        self.write_inode(ino, &inode)
    }

    /// Whether `inode`'s `i_block` is a block map (not a fast symlink's target or a
    /// device number).
    fn has_block_map(&self, inode: &Inode) -> bool {
        match inode.file_type() {
            FileType::Regular | FileType::Directory => true,
            FileType::Symlink => !inode.is_fast_symlink(self.layout.block_size),
            _ => false,
        }
    }

    /// Its last link is gone: frees inode `ino` and its blocks, or with deferred release
    /// records it (zero links on disk) as an orphan for the kernel to free later.
    fn release(&mut self, ino: u32, mut inode: Inode) -> Result<()> {
        if self.defer_release {
            inode.links = 0;
            inode.ctime = i64::from(self.now);
            self.write_inode(ino, &inode)?;
            self.orphans.try_reserve(1).map_err(|_| Error::NoMemory)?;
            self.orphans.push(ino);
            return Ok(());
        }
        self.release_now(ino, inode)
    }

    /// Frees inode `ino` and its blocks.
    pub(crate) fn release_now(&mut self, ino: u32, mut inode: Inode) -> Result<()> {
        if self.has_block_map(&inode) {
            self.free_from(&mut inode, 0)?;
        }
        if inode.file_acl != 0 {
            self.drop_xattr_block(&mut inode)?;
        }
        let is_dir = inode.file_type() == FileType::Directory;
        if is_dir {
            self.room.forget(ino);
            self.dir_index.get_mut().forget(ino);
        }
        inode.links = 0;
        inode.size = 0;
        inode.dtime = i64::from(self.now.max(1));
        self.write_inode(ino, &inode)?;
        self.free_inode(ino, is_dir)
    }

    /// Drops `inode`'s reference to its extended-attribute block (shared blocks keep a
    /// reference count), freeing the block with its last reference.
    fn drop_xattr_block(&mut self, inode: &mut Inode) -> Result<()> {
        let b = inode.file_acl;
        self.layout.check_data_block(b)?;
        let off = self.layout.block_offset(b);
        let mut header = [0u8; 8];
        self.meta_read(off, &mut header)?;
        if crate::bytes::le32(&header, 0) != EXT2_XATTR_MAGIC {
            return Err(Error::Corrupt("extended-attribute block magic"));
        }
        let refs = crate::bytes::le32(&header, 4);
        if refs > 1 {
            self.meta_write(off + 4, &(refs - 1).to_le_bytes())?;
        } else {
            self.free_block(b)?;
        }
        inode.blocks = inode.blocks.saturating_sub(self.layout.block_size / 512);
        inode.file_acl = 0;
        Ok(())
    }

    /// Drops one link of non-directory `ino`, releasing it at zero.
    fn drop_link(&mut self, ino: u32) -> Result<()> {
        let mut inode = self.inode(ino)?;
        inode.links = inode.links.saturating_sub(1);
        if inode.links == 0 {
            return self.release(ino, inode);
        }
        inode.ctime = i64::from(self.now);
        self.write_inode(ino, &inode)
    }

    /// Creates a regular file `name` in `dir`; returns its inode.
    pub fn create(&mut self, dir: u32, name: &[u8], perm: u16, uid: u32, gid: u32) -> Result<u32> {
        self.mknod(dir, name, (FileType::Regular, perm), Rdev::default(), uid, gid)
    }

    /// Creates a regular file with no name and no links (Linux's O_TMPFILE) in `dir`'s file
    /// system, its inode allocated as a file created in `dir` would be; returns its inode.
    ///
    /// On disk it is an inode in use with a zero link count, no deletion time and no entry:
    /// the state of a file unlinked while open under [`Fs::defer_release`], which `e2fsck
    /// -p` frees after a crash. [`Fs::link`] gives it a name; otherwise the caller frees it
    /// with [`Fs::release_orphan`] when it is done with it.
    pub fn create_unnamed(&mut self, dir: u32, perm: u16, uid: u32, gid: u32) -> Result<u32> {
        self.check_writable()?;
        if self.inode(dir)?.file_type() != FileType::Directory {
            return Err(Error::NotDirectory);
        }
        let mode = type_mode(FileType::Regular) | (perm & 0o7777);
        let (ino, mut inode) = self.new_inode(dir, mode, uid, gid)?;
        inode.links = 0;
        if let Err(e) = self.write_inode(ino, &inode) {
            let _ = self.release_now(ino, inode);
            return Err(e);
        }
        Ok(ino)
    }

    /// Creates a regular file, FIFO, socket or device node `name` in `dir` with type and
    /// permission bits `kind`; returns its inode.
    pub fn mknod(
        &mut self,
        dir: u32,
        name: &[u8],
        kind: (FileType, u16),
        rdev: Rdev,
        uid: u32,
        gid: u32,
    ) -> Result<u32> {
        self.check_new(dir, name)?;
        let (t, perm) = kind;
        let type_bits = match t {
            FileType::Regular | FileType::Fifo | FileType::Socket | FileType::CharDevice | FileType::BlockDevice => {
                type_mode(t)
            }
            _ => return Err(Error::InvalidArgument),
        };
        let (ino, mut inode) = self.new_inode(dir, type_bits | (perm & 0o7777), uid, gid)?;
        if matches!(t, FileType::CharDevice | FileType::BlockDevice) {
            if rdev.major < 256 && rdev.minor < 256 {
                inode.block[0] = (rdev.major << 8) | rdev.minor;
            } else {
                inode.block[1] = (rdev.minor & 0xff) | (rdev.major << 8) | ((rdev.minor & !0xff) << 12);
            }
            inode.rdev = rdev;
        }
        self.link_new_inode(dir, name, ino, &inode, t)?;
        Ok(ino)
    }

    /// Names new inode `ino` in `dir`, then writes it: the entry reaches the disk before
    /// the inode's link does (`sync.rs`, rule 3).
    fn link_new_inode(&mut self, dir: u32, name: &[u8], ino: u32, inode: &Inode, t: FileType) -> Result<()> {
        let placed = match self.add_entry(dir, name, ino, t) {
            Ok(p) => p,
            Err(e) => {
                // Give the inode (and a new directory's or symlink's block) back; the
                // first error is the one reported.
                let _ = self.release_now(ino, inode.clone());
                return Err(e);
            }
        };
        let holder = self.inode_block(ino)?;
        self.order_after_entry(dir, placed, holder)?;
        self.write_inode(ino, inode)
    }

    /// Creates directory `name` in `dir`; returns its inode.
    pub fn mkdir(&mut self, dir: u32, name: &[u8], perm: u16, uid: u32, gid: u32) -> Result<u32> {
        self.check_new(dir, name)?;
        let parent = self.inode(dir)?;
        if parent.links >= EXT2_LINK_MAX {
            return Err(Error::TooManyLinks);
        }
        let (ino, mut inode) = self.new_inode(dir, S_IFDIR as u16 | (perm & 0o7777), uid, gid)?;
        self.room.forget(ino);
        self.dir_index.get_mut().forget(ino);
        inode.links = 2;
        let goal = self.goal(ino, &inode, 0);
        let b = self.map_alloc(ino, &mut inode, 0, goal, true)?;
        let bs = self.layout.block_size as usize;
        let mut buf = crate::bytes::zeroed(bs)?;
        let mut put = |off: usize, e: u32, rec: usize, name: &[u8]| {
            buf[off..off + 4].copy_from_slice(&e.to_le_bytes());
            buf[off + 4..off + 6].copy_from_slice(&(rec as u16).to_le_bytes());
            buf[off + 6] = name.len() as u8;
            buf[off + 8..off + 8 + name.len()].copy_from_slice(name);
        };
        put(0, ino, 12, b".");
        put(12, dir, bs - 12, b"..");
        if self.sb.has_filetype() {
            buf[7] = 2;
            buf[19] = 2;
        }
        self.meta_install(b, &buf)?;
        inode.size = bs as u64;
        self.link_new_inode(dir, name, ino, &inode, FileType::Directory)?;
        self.adjust_links(dir, true)?;
        Ok(ino)
    }

    /// Removes the empty directory `name` from `dir`.
    pub fn rmdir(&mut self, dir: u32, name: &[u8]) -> Result<()> {
        self.check_writable()?;
        check_name(name)?;
        let ino = self.lookup(dir, name)?.ok_or(Error::NotFound)?;
        let inode = self.inode(ino)?;
        if inode.file_type() != FileType::Directory {
            return Err(Error::NotDirectory);
        }
        if !self.dir_is_empty(ino)? {
            return Err(Error::NotEmpty);
        }
        // The inode goes before its entry does (`sync.rs`, rule 4).
        self.release(ino, inode)?;
        let holder = self.inode_block(ino)?;
        self.remove_entry(dir, name, &[holder])?;
        self.adjust_links(dir, false)
    }

    /// Removes the non-directory entry `name` from `dir`.
    pub fn unlink(&mut self, dir: u32, name: &[u8]) -> Result<()> {
        self.check_writable()?;
        check_name(name)?;
        let ino = self.lookup(dir, name)?.ok_or(Error::NotFound)?;
        if self.inode(ino)?.file_type() == FileType::Directory {
            return Err(Error::IsDirectory);
        }
        // The link count drops before the entry goes (`sync.rs`, rule 4).
        self.drop_link(ino)?;
        let holder = self.inode_block(ino)?;
        self.remove_entry(dir, name, &[holder])?;
        Ok(())
    }

    /// Adds a hard link `name` in `dir` to non-directory `ino` (also the first name of an
    /// inode with no links: [`Fs::create_unnamed`]).
    pub fn link(&mut self, ino: u32, dir: u32, name: &[u8]) -> Result<()> {
        self.check_new(dir, name)?;
        let inode = self.inode(ino)?;
        let t = inode.file_type();
        if t == FileType::Directory {
            return Err(Error::IsDirectory);
        }
        if inode.links == 0 {
            // A first name: as for a new inode, the entry reaches the disk before the link
            // count that makes the inode attached (`sync.rs`, rule 3).
            let placed = self.add_entry(dir, name, ino, t)?;
            let holder = self.inode_block(ino)?;
            self.order_after_entry(dir, placed, holder)?;
            return self.adjust_links(ino, true);
        }
        self.adjust_links(ino, true)?;
        self.add_entry(dir, name, ino, t)?;
        Ok(())
    }

    /// Creates symbolic link `name` in `dir` pointing to `target`; returns its inode.
    pub fn symlink(&mut self, dir: u32, name: &[u8], target: &[u8], uid: u32, gid: u32) -> Result<u32> {
        self.check_new(dir, name)?;
        if target.is_empty() || target.contains(&0) {
            return Err(Error::InvalidArgument);
        }
        if target.len() >= self.layout.block_size as usize {
            return Err(Error::NameTooLong);
        }
        let (ino, mut inode) = self.new_inode(dir, S_IFLNK as u16 | 0o777, uid, gid)?;
        inode.size = target.len() as u64;
        if target.len() <= FAST_SYMLINK_MAX {
            let mut raw = [0u8; N_BLOCKS * 4];
            raw[..target.len()].copy_from_slice(target);
            for (p, c) in inode.block.iter_mut().zip(raw.chunks_exact(4)) {
                *p = u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
            }
        } else {
            let goal = self.goal(ino, &inode, 0);
            let b = self.map_alloc(ino, &mut inode, 0, goal, true)?;
            let mut block = crate::bytes::zeroed(self.layout.block_size as usize)?;
            block
                .get_mut(..target.len())
                .ok_or(Error::NameTooLong)?
                .copy_from_slice(target);
            self.meta_install(b, &block)?;
        }
        self.link_new_inode(dir, name, ino, &inode, FileType::Symlink)?;
        Ok(ino)
    }

    /// Renames `old_dir`/`old_name` to `new_dir`/`new_name`, replacing a target of the
    /// same kind (an empty directory for a directory).
    pub fn rename(&mut self, old_dir: u32, old_name: &[u8], new_dir: u32, new_name: &[u8]) -> Result<()> {
        self.check_writable()?;
        check_name(old_name)?;
        check_name(new_name)?;
        let ino = self.lookup(old_dir, old_name)?.ok_or(Error::NotFound)?;
        let new_parent = self.inode(new_dir)?;
        if new_parent.file_type() != FileType::Directory {
            return Err(Error::NotDirectory);
        }
        let t = self.inode(ino)?.file_type();
        let is_dir = t == FileType::Directory;
        if is_dir && old_dir != new_dir {
            self.check_not_below(ino, new_dir)?;
        }
        let reach = match self.lookup(new_dir, new_name)? {
            Some(target) if target == ino => return Ok(()),
            Some(target) => {
                let tinode = self.inode(target)?;
                let target_dir = tinode.file_type() == FileType::Directory;
                if is_dir && !target_dir {
                    return Err(Error::NotDirectory);
                }
                if !is_dir && target_dir {
                    return Err(Error::IsDirectory);
                }
                if target_dir && !self.dir_is_empty(target)? {
                    return Err(Error::NotEmpty);
                }
                if is_dir && old_dir != new_dir && self.inode(new_dir)?.links >= EXT2_LINK_MAX && !target_dir {
                    return Err(Error::TooManyLinks);
                }
                // The target loses its link before the entry stops naming it (rule 4).
                if target_dir {
                    self.release(target, tinode)?;
                    self.adjust_links(new_dir, false)?;
                } else {
                    self.drop_link(target)?;
                }
                let holder = self.inode_block(target)?;
                let b = self.repoint_entry(new_dir, new_name, ino, t, &[holder])?;
                [b, self.inode_block(new_dir)?]
            }
            None => {
                if is_dir && old_dir != new_dir && new_parent.links >= EXT2_LINK_MAX {
                    return Err(Error::TooManyLinks);
                }
                let placed = self.add_entry(new_dir, new_name, ino, t)?;
                [placed.block, self.inode_block(new_dir)?]
            }
        };
        // The new name (its block and its directory's inode, which makes the block
        // reachable) reaches the disk before the old one goes (rule 5).
        self.remove_entry(old_dir, old_name, &reach)?;
        if is_dir && old_dir != new_dir {
            self.repoint_entry(ino, b"..", new_dir, FileType::Directory, &[])?;
            self.adjust_links(new_dir, true)?;
            self.adjust_links(old_dir, false)?;
        }
        let mut inode = self.inode(ino)?;
        inode.ctime = i64::from(self.now);
        self.write_inode(ino, &inode)
    }

    /// Fails if directory `dir` is `ino` or lies below it (walking `..` to the root).
    fn check_not_below(&self, ino: u32, dir: u32) -> Result<()> {
        let mut cur = dir;
        for _ in 0..MAX_DEPTH {
            if cur == ino {
                return Err(Error::InvalidArgument);
            }
            if cur == ROOT_INO {
                return Ok(());
            }
            cur = self.lookup(cur, b"..")?.ok_or(Error::Corrupt("directory without .."))?;
        }
        Err(Error::Corrupt("directory tree too deep or looping"))
    }
}

/// The `S_IFMT` bits of type `t`.
fn type_mode(t: FileType) -> u16 {
    use marten_abi::mode::{S_IFBLK, S_IFCHR, S_IFIFO, S_IFREG, S_IFSOCK};
    let bits = match t {
        FileType::Regular => S_IFREG,
        FileType::Directory => S_IFDIR,
        FileType::Symlink => S_IFLNK,
        FileType::CharDevice => S_IFCHR,
        FileType::BlockDevice => S_IFBLK,
        FileType::Fifo => S_IFIFO,
        FileType::Socket => S_IFSOCK,
        FileType::Unknown => 0,
    };
    bits as u16
}
