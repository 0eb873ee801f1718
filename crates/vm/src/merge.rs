//! When two neighbouring areas may become one, and how they are joined.

use crate::types::Backing;
use crate::vma::Vma;

/// True if `b` starts where `a` ends and the two would describe the same memory as one area.
///
/// Attributes must be equal. Two `Anon` areas always fit. Two `File` areas fit when they map
/// the same file at contiguous offsets and the joined area still has "file bytes, then
/// zeros": either `a` is file bytes all the way to its end, or `b` has no file bytes at all.
/// (If `a` ends in zeros and `b` starts with file bytes, one area cannot express that.)
pub(crate) fn can_merge<F: PartialEq>(a: &Vma<F>, b: &Vma<F>) -> bool {
    if a.end != b.start
        || a.prot != b.prot
        || a.share != b.share
        || a.kind != b.kind
        || a.grows_down != b.grows_down
        || a.on_fork != b.on_fork
    {
        return false;
    }
    match (&a.backing, &b.backing) {
        (Backing::Anon, Backing::Anon) => true,
        (
            Backing::File {
                file: file_a,
                offset: offset_a,
                len: len_a,
            },
            Backing::File {
                file: file_b,
                offset: offset_b,
                len: len_b,
            },
        ) => {
            file_a == file_b && offset_a.checked_add(a.size()) == Some(*offset_b) && (*len_a == a.size() || *len_b == 0)
        }
        _ => false,
    }
}

/// Extends `a` over `b`. Only valid when `can_merge(a, &b)`.
pub(crate) fn absorb<F>(a: &mut Vma<F>, b: Vma<F>) {
    a.end = b.end;
    if let (Backing::File { len: len_a, .. }, Backing::File { len: len_b, .. }) = (&mut a.backing, &b.backing) {
        // Either `a` was full of file bytes, or `b` adds none.
        *len_a += *len_b;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::{anon, file, with_prot};
    use crate::types::{OnFork, Prot, Share, VmaKind};

    #[test]
    fn touching_anon_areas_merge() {
        let mut a = anon(0x1000, 0x2000);
        let b = anon(0x2000, 0x4000);
        assert!(can_merge(&a, &b));
        absorb(&mut a, b);
        assert_eq!(a, anon(0x1000, 0x4000));
    }

    #[test]
    fn gap_or_different_attributes_prevent_merging() {
        let a = anon(0x1000, 0x2000);
        assert!(!can_merge(&a, &anon(0x3000, 0x4000)));
        assert!(!can_merge(&a, &with_prot(anon(0x2000, 0x3000), Prot::READ)));
        let shared = Vma {
            share: Share::Shared,
            ..anon(0x2000, 0x3000)
        };
        assert!(!can_merge(&a, &shared));
        let heap = Vma {
            kind: VmaKind::Heap,
            ..anon(0x2000, 0x3000)
        };
        assert!(!can_merge(&a, &heap));
        let stack = Vma {
            grows_down: true,
            ..anon(0x2000, 0x3000)
        };
        assert!(!can_merge(&a, &stack));
        for policy in [OnFork::DONT_COPY, OnFork::WIPE, OnFork::all()] {
            let other = Vma {
                on_fork: policy,
                ..anon(0x2000, 0x3000)
            };
            assert!(!can_merge(&a, &other), "{policy:?}");
        }
        assert!(!can_merge(&a, &file(0x2000, 0x3000, 1, 0, 0)));
        assert!(!can_merge(&file(0x0, 0x1000, 1, 0, 0x1000), &a));
    }

    #[test]
    fn file_areas_merge_when_contiguous_and_full() {
        let mut a = file(0x1000, 0x3000, 5, 0x4000, 0x2000);
        let b = file(0x3000, 0x5000, 5, 0x6000, 0x1800);
        assert!(can_merge(&a, &b));
        absorb(&mut a, b);
        assert_eq!(a, file(0x1000, 0x5000, 5, 0x4000, 0x3800));
    }

    #[test]
    fn zero_tail_merges_with_a_following_zero_part() {
        let mut a = file(0x1000, 0x3000, 5, 0x4000, 0x1200);
        let b = file(0x3000, 0x5000, 5, 0x6000, 0);
        assert!(can_merge(&a, &b));
        absorb(&mut a, b);
        assert_eq!(a, file(0x1000, 0x5000, 5, 0x4000, 0x1200));
    }

    #[test]
    fn zero_tail_never_merges_with_file_bytes() {
        let a = file(0x1000, 0x3000, 5, 0x4000, 0x1fff);
        let b = file(0x3000, 0x5000, 5, 0x6000, 1);
        assert!(!can_merge(&a, &b));
    }

    #[test]
    fn other_file_or_offset_prevents_merging() {
        let a = file(0x1000, 0x2000, 5, 0x4000, 0x1000);
        assert!(!can_merge(&a, &file(0x2000, 0x3000, 6, 0x5000, 0x1000)));
        assert!(!can_merge(&a, &file(0x2000, 0x3000, 5, 0x6000, 0x1000)));
        assert!(!can_merge(&a, &file(0x2000, 0x3000, 5, 0x4000, 0x1000)));
    }
}
