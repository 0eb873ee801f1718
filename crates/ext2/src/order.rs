//! Write-order constraints between dirty cached blocks ("this block's contents must be on
//! the disk before that one's"), and sorted sets of block or inode numbers.
//!
//! `Fs::order` adds a constraint only when it keeps the graph acyclic; a constraint that
//! would close a cycle (one block would need two versions in one flush) makes the caller
//! write everything out first (`Fs::sync`), which empties the graph.

use alloc::vec::Vec;

use crate::error::{Error, Result};

/// A sorted set of `u32` with fallible insertion.
///
/// Invariant: `items` is strictly increasing.
#[derive(Default)]
pub(crate) struct NumSet {
    items: Vec<u32>,
}

impl NumSet {
    pub fn contains(&self, n: u32) -> bool {
        self.items.binary_search(&n).is_ok()
    }
    pub fn insert(&mut self, n: u32) -> Result<()> {
        if let Err(at) = self.items.binary_search(&n) {
            self.items.try_reserve(1).map_err(|_| Error::NoMemory)?;
            self.items.insert(at, n);
        }
        Ok(())
    }
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
    pub fn clear(&mut self) {
        self.items.clear();
    }
}

/// Edges `(before, after)` between blocks.
///
/// Invariant: no duplicate edges, no self-edges, and no cycles.
#[derive(Default)]
pub(crate) struct Graph {
    edges: Vec<(u32, u32)>,
}

impl Graph {
    pub fn clear(&mut self) {
        self.edges.clear();
    }

    /// Whether `to` can be reached from `from` along edges (`from == to` counts).
    pub fn reaches(&self, from: u32, to: u32) -> Result<bool> {
        let mut seen = NumSet::default();
        let mut stack = Vec::new();
        stack.try_reserve(1).map_err(|_| Error::NoMemory)?;
        stack.push(from);
        while let Some(b) = stack.pop() {
            if b == to {
                return Ok(true);
            }
            if seen.contains(b) {
                continue;
            }
            seen.insert(b)?;
            for &(x, y) in &self.edges {
                if x == b && !seen.contains(y) {
                    stack.try_reserve(1).map_err(|_| Error::NoMemory)?;
                    stack.push(y);
                }
            }
        }
        Ok(false)
    }

    /// Adds `before -> after`. Returns false, changing nothing, if that would close a
    /// cycle.
    pub fn add(&mut self, before: u32, after: u32) -> Result<bool> {
        if before == after || self.edges.contains(&(before, after)) {
            return Ok(true);
        }
        if self.reaches(after, before)? {
            return Ok(false);
        }
        self.edges.try_reserve(1).map_err(|_| Error::NoMemory)?;
        self.edges.push((before, after));
        Ok(true)
    }

    /// Removes block `b`, keeping what it implied: every block that had to precede it
    /// still precedes every block that had to follow it.
    pub fn remove(&mut self, b: u32) -> Result<()> {
        if !self.edges.iter().any(|&(x, y)| x == b || y == b) {
            return Ok(());
        }
        let mut preds = Vec::new();
        let mut succs = Vec::new();
        for &(x, y) in &self.edges {
            if y == b {
                preds.try_reserve(1).map_err(|_| Error::NoMemory)?;
                preds.push(x);
            } else if x == b {
                succs.try_reserve(1).map_err(|_| Error::NoMemory)?;
                succs.push(y);
            }
        }
        self.edges.retain(|&(x, y)| x != b && y != b);
        for &p in &preds {
            for &s in &succs {
                // Cannot close a cycle: p -> b -> s was already there.
                self.add(p, s)?;
            }
        }
        Ok(())
    }

    /// Keeps only the edges whose first block is still waiting (`pending`).
    pub fn retain(&mut self, mut pending: impl FnMut(u32) -> bool) {
        self.edges.retain(|&(x, _)| pending(x));
    }

    /// Splits `blocks` into levels: every edge between two of them goes from an earlier
    /// level to a later one; each level keeps the order of `blocks`.
    pub fn levels(&self, blocks: &[u32]) -> Result<Vec<Vec<u32>>> {
        let mut out: Vec<Vec<u32>> = Vec::new();
        let mut placed = NumSet::default();
        let mut left = blocks.len();
        let inside = |b: u32| blocks.contains(&b);
        while left > 0 {
            let mut level = Vec::new();
            for &b in blocks {
                if placed.contains(b) {
                    continue;
                }
                let blocked = self
                    .edges
                    .iter()
                    .any(|&(x, y)| y == b && inside(x) && !placed.contains(x));
                if !blocked {
                    level.try_reserve(1).map_err(|_| Error::NoMemory)?;
                    level.push(b);
                }
            }
            if level.is_empty() {
                return Err(Error::Corrupt("cycle in the metadata write order"));
            }
            for &b in &level {
                placed.insert(b)?;
            }
            left -= level.len();
            out.try_reserve(1).map_err(|_| Error::NoMemory)?;
            out.push(level);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn cycles_are_refused_and_levels_follow_edges() {
        let mut g = Graph::default();
        assert!(g.add(1, 2).unwrap());
        assert!(g.add(2, 3).unwrap());
        assert!(!g.add(3, 1).unwrap(), "3 -> 1 would close a cycle");
        assert!(g.add(1, 1).unwrap());
        assert_eq!(g.levels(&[3, 2, 1, 9]).unwrap(), vec![vec![1, 9], vec![2], vec![3]]);
        g.remove(2).unwrap();
        assert!(g.reaches(1, 3).unwrap(), "removing a block keeps what it implied");
        assert!(!g.add(3, 1).unwrap());
        g.retain(|b| b != 1);
        assert!(g.add(3, 1).unwrap(), "only edges from waiting blocks stay");
    }

    #[test]
    fn sets_stay_sorted() {
        let mut s = NumSet::default();
        for n in [5, 1, 3, 5] {
            s.insert(n).unwrap();
        }
        assert!(s.contains(3) && !s.contains(2));
        s.clear();
        assert!(s.is_empty());
    }
}
