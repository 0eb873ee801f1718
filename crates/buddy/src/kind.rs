//! What a frame is used for, kept for statistics and the memory viewer.

/// The use of a frame or block.
///
/// Invariant kept by the allocator: `Free` is used for exactly the frames that sit in free
/// blocks; every other frame carries one of the other kinds.
#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FrameKind {
    /// In a free block.
    Free = 0,
    /// Kernel image and other boot-time kernel structures.
    Kernel = 1,
    /// Backing the kernel heap (slabs and large heap objects).
    Heap = 2,
    /// Page tables.
    PageTable = 3,
    /// Mapped into a user process.
    User = 4,
    /// File data cached in memory.
    PageCache = 5,
    /// Not usable: holes, firmware areas, or simply never handed to the allocator.
    Reserved = 6,
}

impl FrameKind {
    /// Every kind, in the order of their numeric values.
    pub const ALL: [FrameKind; 7] = [
        FrameKind::Free,
        FrameKind::Kernel,
        FrameKind::Heap,
        FrameKind::PageTable,
        FrameKind::User,
        FrameKind::PageCache,
        FrameKind::Reserved,
    ];

    /// Number of kinds.
    pub const COUNT: usize = 7;

    /// A dense index `0..COUNT`, handy for per-kind counter arrays.
    pub fn index(self) -> usize {
        self as usize
    }

    /// A short lower-case name for statistics output.
    pub fn name(self) -> &'static str {
        match self {
            FrameKind::Free => "free",
            FrameKind::Kernel => "kernel",
            FrameKind::Heap => "heap",
            FrameKind::PageTable => "page-table",
            FrameKind::User => "user",
            FrameKind::PageCache => "page-cache",
            FrameKind::Reserved => "reserved",
        }
    }

    /// The kind with the given numeric value, or `None` if there is none.
    pub(crate) fn from_u8(value: u8) -> Option<FrameKind> {
        FrameKind::ALL.get(usize::from(value)).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::FrameKind;

    #[test]
    fn all_lists_each_kind_once_at_its_index() {
        assert_eq!(FrameKind::ALL.len(), FrameKind::COUNT);
        for (i, kind) in FrameKind::ALL.iter().enumerate() {
            assert_eq!(kind.index(), i);
        }
    }

    #[test]
    fn names_match_the_documented_spelling() {
        let names: [&str; 7] = ["free", "kernel", "heap", "page-table", "user", "page-cache", "reserved"];
        for (kind, name) in FrameKind::ALL.iter().zip(names) {
            assert_eq!(kind.name(), name);
        }
    }

    #[test]
    fn from_u8_round_trips_and_rejects_unknown_values() {
        assert_eq!(FrameKind::from_u8(0), Some(FrameKind::Free));
        assert_eq!(FrameKind::from_u8(4), Some(FrameKind::User));
        assert_eq!(FrameKind::from_u8(6), Some(FrameKind::Reserved));
        assert_eq!(FrameKind::from_u8(7), None);
        assert_eq!(FrameKind::from_u8(255), None);
    }
}
