//! mmap(2), mprotect(2) and madvise(2) arguments.

/// mmap/mprotect protection bits.
pub mod prot {
    pub const PROT_READ: u64 = 1;
    pub const PROT_WRITE: u64 = 2;
    pub const PROT_EXEC: u64 = 4;
    pub const PROT_GROWSDOWN: u64 = 0x0100_0000;
    pub const PROT_GROWSUP: u64 = 0x0200_0000;
}

/// mmap flags.
pub mod map {
    pub const MAP_SHARED: u64 = 0x01;
    pub const MAP_PRIVATE: u64 = 0x02;
    pub const MAP_SHARED_VALIDATE: u64 = 0x03;
    pub const MAP_TYPE: u64 = 0x0f;
    pub const MAP_FIXED: u64 = 0x10;
    pub const MAP_ANONYMOUS: u64 = 0x20;
    /// Place the mapping in the first 2 GiB (x86-64).
    pub const MAP_32BIT: u64 = 0x40;
    pub const MAP_GROWSDOWN: u64 = 0x100;
    pub const MAP_DENYWRITE: u64 = 0x800;
    pub const MAP_EXECUTABLE: u64 = 0x1000;
    pub const MAP_LOCKED: u64 = 0x2000;
    pub const MAP_NORESERVE: u64 = 0x4000;
    pub const MAP_POPULATE: u64 = 0x8000;
    pub const MAP_NONBLOCK: u64 = 0x10000;
    pub const MAP_STACK: u64 = 0x20000;
    pub const MAP_HUGETLB: u64 = 0x40000;
    pub const MAP_SYNC: u64 = 0x80000;
    pub const MAP_FIXED_NOREPLACE: u64 = 0x100000;
    /// Every flag Marten knows (MAP_SHARED_VALIDATE rejects others).
    pub const KNOWN: u64 = MAP_TYPE
        | MAP_FIXED
        | MAP_ANONYMOUS
        | MAP_32BIT
        | MAP_GROWSDOWN
        | MAP_DENYWRITE
        | MAP_EXECUTABLE
        | MAP_LOCKED
        | MAP_NORESERVE
        | MAP_POPULATE
        | MAP_NONBLOCK
        | MAP_STACK
        | MAP_SYNC
        | MAP_FIXED_NOREPLACE;
}

/// msync(2) flags.
pub mod msync {
    pub const MS_ASYNC: u64 = 1;
    pub const MS_INVALIDATE: u64 = 2;
    pub const MS_SYNC: u64 = 4;
}

/// madvise advice values.
pub mod advice {
    pub const MADV_NORMAL: u64 = 0;
    pub const MADV_RANDOM: u64 = 1;
    pub const MADV_SEQUENTIAL: u64 = 2;
    pub const MADV_WILLNEED: u64 = 3;
    pub const MADV_DONTNEED: u64 = 4;
    pub const MADV_FREE: u64 = 8;
    pub const MADV_REMOVE: u64 = 9;
    pub const MADV_DONTFORK: u64 = 10;
    pub const MADV_DOFORK: u64 = 11;
    pub const MADV_MERGEABLE: u64 = 12;
    pub const MADV_UNMERGEABLE: u64 = 13;
    pub const MADV_HUGEPAGE: u64 = 14;
    pub const MADV_NOHUGEPAGE: u64 = 15;
    pub const MADV_DONTDUMP: u64 = 16;
    pub const MADV_DODUMP: u64 = 17;
    pub const MADV_WIPEONFORK: u64 = 18;
    pub const MADV_KEEPONFORK: u64 = 19;
    pub const MADV_COLD: u64 = 20;
    pub const MADV_PAGEOUT: u64 = 21;
    pub const MADV_POPULATE_READ: u64 = 22;
    pub const MADV_POPULATE_WRITE: u64 = 23;
    pub const MADV_DONTNEED_LOCKED: u64 = 24;
    pub const MADV_COLLAPSE: u64 = 25;
    pub const MADV_HWPOISON: u64 = 100;
    pub const MADV_SOFT_OFFLINE: u64 = 101;
}
