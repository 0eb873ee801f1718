//! Tests of file-system data structures: tmpfs's name index against a
//! plain list.

use super::{Test, TestResult};
use crate::fs::tmpfs::index::Index;
use crate::{check, check_eq};
use alloc::vec::Vec;

pub const TESTS: &[Test] = &[Test {
    name: "tmpfs_name_index_model",
    run: tmpfs_name_index_model,
}];

/// Random inserts and removals with few distinct hashes (long runs, equal
/// stored hashes, wrap-around at the table's end, growth): after every
/// step each live slot is found under its hash and each removed one is not.
fn tmpfs_name_index_model() -> TestResult {
    for spread in [1u64, 7, 64, 1 << 20] {
        let mut idx = Index::default();
        let mut live: Vec<(u64, u32)> = Vec::new();
        let mut gone: Vec<(u64, u32)> = Vec::new();
        let mut next = 0u32;
        for step in 0..1500 {
            let r = crate::random::next_u64();
            if live.is_empty() || !r.is_multiple_of(3) {
                let h = (r >> 8) % spread;
                let all = live.clone();
                let hash_of = |s: u32| all.iter().find(|e| e.1 == s).map_or(0, |e| e.0);
                check!(idx.reserve_one(hash_of).is_ok(), "step {step}: reserve");
                idx.insert(h, next);
                live.push((h, next));
                next += 1;
            } else {
                let (h, s) = live.swap_remove((r >> 8) as usize % live.len());
                check_eq!(idx.remove(h, |x| x == s), Some(s));
                gone.push((h, s));
            }
            for &(h, s) in &live {
                check_eq!(idx.find(h, |x| x == s), Some(s));
            }
            for &(h, s) in gone.iter().rev().take(8) {
                check_eq!(idx.find(h, |x| x == s), None);
            }
        }
    }
    Ok(())
}
