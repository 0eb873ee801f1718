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

/// Edges `(before, after)` between blocks, kept twice: sorted by `before` (to find a
/// block's successors by binary search) and, reversed, sorted by `after` (its
/// predecessors). An operation's cost is in the blocks and edges it reaches, not in the
/// size of the graph (apart from the memory moves of a sorted insertion).
///
/// Invariant: `fwd` is strictly increasing and `rev` holds exactly its pairs swapped,
/// strictly increasing; no self-edges and no cycles.
#[derive(Default)]
pub(crate) struct Graph {
    fwd: Vec<(u32, u32)>,
    rev: Vec<(u32, u32)>,
    steps: crate::work::Counter,
}

/// The pairs of `v` (sorted) whose first member is `a`.
fn from_of(v: &[(u32, u32)], a: u32) -> &[(u32, u32)] {
    let lo = v.partition_point(|&(x, _)| x < a);
    let hi = lo + v[lo..].partition_point(|&(x, _)| x == a);
    &v[lo..hi]
}

/// Inserts `p` into sorted `v` (absent).
fn insert_sorted(v: &mut Vec<(u32, u32)>, p: (u32, u32)) -> Result<()> {
    if let Err(at) = v.binary_search(&p) {
        v.try_reserve(1).map_err(|_| Error::NoMemory)?;
        v.insert(at, p);
    }
    Ok(())
}

/// Removes `p` from sorted `v`, if there.
fn remove_sorted(v: &mut Vec<(u32, u32)>, p: (u32, u32)) {
    if let Ok(at) = v.binary_search(&p) {
        v.remove(at);
    }
}

impl Graph {
    /// Nodes and edges visited so far.
    pub fn steps(&self) -> u64 {
        self.steps.get()
    }

    pub fn clear(&mut self) {
        self.fwd.clear();
        self.rev.clear();
    }

    /// Whether `to` can be reached from `from` along edges (`from == to` counts). Visits
    /// only blocks reachable from `from`.
    pub fn reaches(&self, from: u32, to: u32) -> Result<bool> {
        let mut seen = NumSet::default();
        let mut stack = Vec::new();
        stack.try_reserve(1).map_err(|_| Error::NoMemory)?;
        stack.push(from);
        while let Some(b) = stack.pop() {
            self.steps.add(1);
            if b == to {
                return Ok(true);
            }
            if seen.contains(b) {
                continue;
            }
            seen.insert(b)?;
            for &(_, y) in from_of(&self.fwd, b) {
                self.steps.add(1);
                if !seen.contains(y) {
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
        self.steps.add(1);
        if before == after || self.fwd.binary_search(&(before, after)).is_ok() {
            return Ok(true);
        }
        if self.reaches(after, before)? {
            return Ok(false);
        }
        self.insert(before, after)?;
        Ok(true)
    }

    /// Adds `before -> after` (not a self-edge) without looking for a cycle: the caller
    /// knows it closes none.
    fn insert(&mut self, before: u32, after: u32) -> Result<()> {
        self.fwd.try_reserve(1).map_err(|_| Error::NoMemory)?;
        self.rev.try_reserve(1).map_err(|_| Error::NoMemory)?;
        insert_sorted(&mut self.fwd, (before, after))?;
        insert_sorted(&mut self.rev, (after, before))
    }

    /// Removes block `b`, keeping what it implied: every block that had to precede it
    /// still precedes every block that had to follow it.
    pub fn remove(&mut self, b: u32) -> Result<()> {
        self.steps.add(1);
        let mut preds = Vec::new();
        let mut succs = Vec::new();
        for &(_, p) in from_of(&self.rev, b) {
            preds.try_reserve(1).map_err(|_| Error::NoMemory)?;
            preds.push(p);
        }
        for &(_, s) in from_of(&self.fwd, b) {
            succs.try_reserve(1).map_err(|_| Error::NoMemory)?;
            succs.push(s);
        }
        self.steps.add((preds.len() + succs.len()) as u64);
        for &p in &preds {
            remove_sorted(&mut self.fwd, (p, b));
            remove_sorted(&mut self.rev, (b, p));
        }
        for &s in &succs {
            remove_sorted(&mut self.fwd, (b, s));
            remove_sorted(&mut self.rev, (s, b));
        }
        for &p in &preds {
            for &s in &succs {
                // Cannot close a cycle: p -> b -> s was already there.
                self.steps.add(1);
                if p != s {
                    self.insert(p, s)?;
                }
            }
        }
        Ok(())
    }

    /// Keeps only the edges whose first block is still waiting (`pending`).
    pub fn retain(&mut self, mut pending: impl FnMut(u32) -> bool) {
        self.fwd.retain(|&(x, _)| pending(x));
        self.rev.retain(|&(_, x)| pending(x));
    }

    /// Splits `blocks` into levels: every edge between two of them goes from an earlier
    /// level to a later one; each level keeps the order of `blocks`. Each block's edges
    /// are looked at once or twice (Kahn's algorithm).
    pub fn levels(&self, blocks: &[u32]) -> Result<Vec<Vec<u32>>> {
        // (block, position in `blocks`, edges from other waiting blocks), by block.
        let mut nodes: Vec<(u32, usize, usize)> = Vec::new();
        nodes.try_reserve_exact(blocks.len()).map_err(|_| Error::NoMemory)?;
        nodes.extend(blocks.iter().enumerate().map(|(i, &b)| (b, i, 0)));
        nodes.sort_unstable();
        nodes.dedup_by_key(|n| n.0);
        let find = |nodes: &[(u32, usize, usize)], b: u32| nodes.binary_search_by_key(&b, |n| n.0).ok();
        for i in 0..nodes.len() {
            let b = nodes[i].0;
            let preds = from_of(&self.rev, b);
            self.steps.add(1 + preds.len() as u64);
            nodes[i].2 = preds.iter().filter(|&&(_, p)| find(&nodes, p).is_some()).count();
        }
        let mut out: Vec<Vec<u32>> = Vec::new();
        let mut level: Vec<(usize, u32)> = Vec::new();
        for n in &nodes {
            if n.2 == 0 {
                level.try_reserve(1).map_err(|_| Error::NoMemory)?;
                level.push((n.1, n.0));
            }
        }
        let mut placed = 0;
        while !level.is_empty() {
            level.sort_unstable();
            let mut next = Vec::new();
            for &(_, b) in &level {
                for &(_, s) in from_of(&self.fwd, b) {
                    self.steps.add(1);
                    if let Some(j) = find(&nodes, s) {
                        nodes[j].2 -= 1;
                        if nodes[j].2 == 0 {
                            next.try_reserve(1).map_err(|_| Error::NoMemory)?;
                            next.push((nodes[j].1, s));
                        }
                    }
                }
            }
            placed += level.len();
            let mut this = Vec::new();
            this.try_reserve_exact(level.len()).map_err(|_| Error::NoMemory)?;
            this.extend(level.iter().map(|&(_, b)| b));
            out.try_reserve(1).map_err(|_| Error::NoMemory)?;
            out.push(this);
            level = next;
        }
        if placed != nodes.len() {
            return Err(Error::Corrupt("cycle in the metadata write order"));
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
    fn work_per_operation_does_not_grow_with_the_graph() {
        let mut g = Graph::default();
        // A long chain and many unrelated pairs: 20,000 edges between dirty blocks.
        for b in 0..10_000 {
            assert!(g.add(b, b + 1).unwrap());
            assert!(g.add(100_000 + 2 * b, 100_001 + 2 * b).unwrap());
        }
        let cost = |g: &mut Graph, f: &mut dyn FnMut(&mut Graph)| {
            let before = g.steps();
            f(g);
            g.steps() - before
        };
        // A new edge between blocks the graph reaches little of costs a few steps.
        let c = cost(&mut g, &mut |g| assert!(g.add(500_000, 100_000).unwrap()));
        assert!(c <= 8, "add: {c} steps");
        let c = cost(&mut g, &mut |g| assert!(g.add(9_999, 600_000).unwrap()));
        assert!(c <= 8, "add before a sink: {c} steps");
        // Removing a block joins its neighbours, touching nothing else.
        let c = cost(&mut g, &mut |g| g.remove(5_000).unwrap());
        assert!(c <= 8, "remove: {c} steps");
        assert!(g.reaches(4_999, 5_001).unwrap());
        // The write levels of a few blocks cost in their own edges.
        let c = cost(&mut g, &mut |g| {
            assert_eq!(
                g.levels(&[100_001, 100_000, 500_000]).unwrap(),
                vec![vec![500_000], vec![100_000], vec![100_001]]
            );
        });
        assert!(c <= 16, "levels: {c} steps");
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
