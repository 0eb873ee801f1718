//! The balanced search tree behind [`crate::VmaMap`]: an AVL tree of areas keyed by start
//! address, each node knowing the largest gap between areas of its subtree.
//!
//! Why an AVL tree: it is deterministic (a treap would need random numbers in the kernel),
//! its height is at most about 1.44 log2(n) and in practice close to log2(n) (lookups on
//! page faults are the most frequent use), and over an arena of indices with an explicit
//! path stack it needs no `unsafe` and no parent links. A B+ tree with 16 entries a node
//! (as Linux's maple tree) was tried: it is 4 levels deep at 10,000 areas where this tree
//! has 14, but each level scans up to 16 entries to find a child or to recompute a
//! summary, and it executed more instructions for the same mmap+munmap (about 1,820 at 10
//! areas and 4,480 at 10,000, against 1,410 and 3,410 here, counted with callgrind).
//!
//! Each node keeps its area's gap, from the end of the area before it (or from 0) to its
//! start, and the largest such gap in its subtree: Linux's `rb_subtree_gap` idea. A
//! top-down free-space search skips every subtree whose largest gap is too small, which
//! makes it logarithmic. Adding, removing or resizing an area changes the gap of the area
//! after it too; that area is on the path walked already, or just below it.
//!
//! The nodes live in one `Vec` (the arena) and link to each other by index. A removed
//! node's slot goes on a free list and is reused by the next insertion, so indices stay
//! valid across removals of other nodes, and a caller that reserved room for `k` more
//! areas (counting free slots) can insert `k` without allocating. Insertion and removal
//! walk down once, remembering the path, then walk back up rebalancing and refreshing
//! summaries, and stop as soon as a node comes out unchanged.

use alloc::vec::Vec;

use crate::PAGE_SIZE;
use crate::types::VmError;
use crate::vma::Vma;

/// "No node" as a child index.
const NIL: u32 = u32::MAX;

/// The most nodes on a path from the root (an AVL tree of height 64 would have more than
/// 2^40 nodes); the size of the path and iterator stacks.
const MAX_HEIGHT: usize = 64;

/// One area and the summary of the subtree rooted at it.
///
/// Invariants (see [`AreaTree::check`]): `height` is one more than the taller child's
/// (children's heights differ by at most one); `gap` is `vma.start` minus the end of the
/// area before it in the whole tree (or minus 0 for the first area), and `max_gap` the
/// largest `gap` in the subtree. A free
/// slot holds a placeholder area and links to the next free slot through `left`.
#[derive(Clone, Debug)]
struct Node<F> {
    vma: Vma<F>,
    left: u32,
    right: u32,
    height: u8,
    gap: u64,
    max_gap: u64,
}

impl<F> Node<F> {
    fn leaf(vma: Vma<F>, gap: u64) -> Self {
        Node {
            vma,
            left: NIL,
            right: NIL,
            height: 1,
            gap,
            max_gap: gap,
        }
    }

    fn summary(&self) -> (u8, u64) {
        (self.height, self.max_gap)
    }
}

/// A set of non-overlapping areas ordered by address.
///
/// Invariants: the in-order walk of the tree from `root` visits `count` slots of the arena
/// exactly once each, in increasing address order, areas not overlapping; the other
/// `nodes.len() - count` slots are the free list from `free`; every node's height, gap and
/// largest gap are right (see `Node`); and `pages`/`data_pages` are the pages of all areas and of the data areas (see
/// [`Vma::is_data`]). The callers keep the areas from overlapping; the tree only orders
/// them by start.
#[derive(Debug)]
pub(crate) struct AreaTree<F> {
    nodes: Vec<Node<F>>,
    root: u32,
    free: u32,
    count: usize,
    pages: u64,
    data_pages: u64,
}

impl<F> AreaTree<F> {
    /// An empty tree.
    pub(crate) const fn new() -> Self {
        AreaTree {
            nodes: Vec::new(),
            root: NIL,
            free: NIL,
            count: 0,
            pages: 0,
            data_pages: 0,
        }
    }

    /// Number of areas.
    pub(crate) fn len(&self) -> usize {
        self.count
    }

    /// Pages of all areas, and of the data areas.
    pub(crate) fn footprint(&self) -> (u64, u64) {
        (self.pages, self.data_pages)
    }

    /// Makes room for `extra` more areas, or fails with `NoMem` and changes nothing. In
    /// unit tests a reservation of at least one area can be made to fail, and it records
    /// what it reserved (see `failpoint.rs`).
    pub(crate) fn reserve(&mut self, extra: usize) -> Result<(), VmError> {
        #[cfg(test)]
        if extra > 0 && crate::failpoint::should_fail() {
            return Err(VmError::NoMem);
        }
        // Indices are `u32`, with `NIL` left out.
        if self.count.saturating_add(extra) >= NIL as usize {
            return Err(VmError::NoMem);
        }
        let free_slots = self.nodes.len() - self.count;
        self.nodes
            .try_reserve(extra.saturating_sub(free_slots))
            .map_err(|_| VmError::NoMem)?;
        #[cfg(test)]
        crate::failpoint::record(extra);
        Ok(())
    }

    /// The area of node `n` (an index from a query, valid until that node is removed).
    pub(crate) fn get(&self, n: u32) -> &Vma<F> {
        &self.nodes[n as usize].vma
    }

    fn height(&self, n: u32) -> u8 {
        if n == NIL { 0 } else { self.nodes[n as usize].height }
    }

    /// The height and largest gap `n` should have, from its own gap and its children, and
    /// the heights of its children.
    fn summarize(&self, n: u32) -> ((u8, u64), u8, u8) {
        let node = &self.nodes[n as usize];
        let (l, r) = (node.left, node.right);
        let (mut hl, mut hr, mut max_gap) = (0, 0, node.gap);
        if l != NIL {
            let left = &self.nodes[l as usize];
            hl = left.height;
            max_gap = max_gap.max(left.max_gap);
        }
        if r != NIL {
            let right = &self.nodes[r as usize];
            hr = right.height;
            max_gap = max_gap.max(right.max_gap);
        }
        ((hl.max(hr) + 1, max_gap), hl, hr)
    }

    /// Recomputes the height and largest gap of `n` from its own gap and its children.
    fn update(&mut self, n: u32) {
        let ((height, max_gap), _, _) = self.summarize(n);
        let node = &mut self.nodes[n as usize];
        node.height = height;
        node.max_gap = max_gap;
    }

    /// Rotates `n`'s left child up; returns the subtree's new root.
    fn rotate_right(&mut self, n: u32) -> u32 {
        let l = self.nodes[n as usize].left;
        self.nodes[n as usize].left = self.nodes[l as usize].right;
        self.nodes[l as usize].right = n;
        self.update(n);
        self.update(l);
        l
    }

    /// Rotates `n`'s right child up; returns the subtree's new root.
    fn rotate_left(&mut self, n: u32) -> u32 {
        let r = self.nodes[n as usize].right;
        self.nodes[n as usize].right = self.nodes[r as usize].left;
        self.nodes[r as usize].left = n;
        self.update(n);
        self.update(r);
        r
    }

    /// Updates `n`, whose children are AVL trees whose heights differ by at most two, and
    /// rotates so that they differ by at most one; returns the subtree's new root.
    fn balance(&mut self, n: u32) -> u32 {
        let (l, r) = (self.nodes[n as usize].left, self.nodes[n as usize].right);
        let (hl, hr) = (self.height(l), self.height(r));
        if hl > hr + 1 {
            let (ll, lr) = (self.nodes[l as usize].left, self.nodes[l as usize].right);
            if self.height(lr) > self.height(ll) {
                let new_l = self.rotate_left(l);
                self.nodes[n as usize].left = new_l;
            }
            self.rotate_right(n)
        } else if hr > hl + 1 {
            let (rl, rr) = (self.nodes[r as usize].left, self.nodes[r as usize].right);
            if self.height(rl) > self.height(rr) {
                let new_r = self.rotate_right(r);
                self.nodes[n as usize].right = new_r;
            }
            self.rotate_left(n)
        } else {
            self.update(n);
            n
        }
    }

    /// Walks back up `path` (from the root down to the parent of what changed),
    /// rebalancing and refreshing every node, and stops early at a node that comes out
    /// unchanged, unless it lies below `path[changed]`, whose own area changed.
    fn fix_up(&mut self, path: &[u32], changed: usize) {
        for i in (0..path.len()).rev() {
            let n = path[i];
            let (summary, hl, hr) = self.summarize(n);
            if hl.abs_diff(hr) <= 1 {
                let node = &mut self.nodes[n as usize];
                if summary == node.summary() {
                    if i <= changed {
                        return;
                    }
                    continue;
                }
                (node.height, node.max_gap) = summary;
                continue;
            }
            let top = self.balance(n);
            match i.checked_sub(1).map(|p| path[p]) {
                None => self.root = top,
                Some(p) if self.nodes[p as usize].left == n => self.nodes[p as usize].left = top,
                Some(p) => self.nodes[p as usize].right = top,
            }
        }
    }

    fn count(&mut self, vma: &Vma<F>, add: bool) {
        let pages = vma.size() / PAGE_SIZE;
        let data = if vma.is_data() { pages } else { 0 };
        if add {
            self.pages += pages;
            self.data_pages += data;
        } else {
            self.pages -= pages;
            self.data_pages -= data;
        }
    }

    /// Puts `vma`, whose gap is `gap`, in a free slot or a new one; returns its index.
    fn alloc(&mut self, vma: Vma<F>, gap: u64) -> u32 {
        self.count(&vma, true);
        self.count += 1;
        if self.free != NIL {
            let n = self.free;
            self.free = self.nodes[n as usize].left;
            self.nodes[n as usize] = Node::leaf(vma, gap);
            n
        } else {
            self.nodes.push(Node::leaf(vma, gap));
            (self.nodes.len() - 1) as u32
        }
    }

    /// Frees slot `n` (already unlinked); returns its area.
    fn release(&mut self, n: u32) -> Vma<F> {
        let free = self.free;
        let node = &mut self.nodes[n as usize];
        let vma = core::mem::replace(&mut node.vma, placeholder());
        node.left = free;
        node.right = NIL;
        self.free = n;
        self.count -= 1;
        self.count(&vma, false);
        vma
    }

    /// Adds an area that overlaps none. The caller must have reserved room for it (see
    /// [`AreaTree::reserve`]), so this never allocates.
    pub(crate) fn insert(&mut self, vma: Vma<F>) {
        let spot = self.spot(vma.start);
        self.insert_at(&spot, vma);
    }

    /// Where an area starting at `start` would go: the path from the root, and the areas
    /// starting last before it (or at it) and first after it.
    pub(crate) fn spot(&self, start: u64) -> Spot {
        let mut spot = Spot {
            path: [NIL; MAX_HEIGHT],
            depth: 0,
            below: None,
            above: None,
            above_depth: usize::MAX,
        };
        let mut at = self.root;
        while at != NIL && spot.depth < MAX_HEIGHT {
            spot.path[spot.depth] = at;
            spot.depth += 1;
            let node = &self.nodes[at as usize];
            if start < node.vma.start {
                spot.above = Some(at);
                spot.above_depth = spot.depth - 1;
                at = node.left;
            } else {
                spot.below = Some(at);
                at = node.right;
            }
        }
        spot
    }

    /// Adds `vma`, which overlaps no area, where `spot` (from `spot(vma.start)`, with no
    /// change since) says. The caller must have reserved room for it.
    pub(crate) fn insert_at(&mut self, spot: &Spot, vma: Vma<F>) {
        let (start, end) = (vma.start, vma.end);
        let gap = start.saturating_sub(spot.below.map_or(0, |b| self.nodes[b as usize].vma.end));
        let n = self.alloc(vma, gap);
        match spot.depth.checked_sub(1).map(|d| spot.path[d]) {
            None => self.root = n,
            Some(p) if start < self.nodes[p as usize].vma.start => self.nodes[p as usize].left = n,
            Some(p) => self.nodes[p as usize].right = n,
        }
        // The next area (an ancestor, where the walk went left) now follows this one.
        if let Some(next) = spot.above {
            let next = &mut self.nodes[next as usize];
            next.gap = next.vma.start.saturating_sub(end);
        }
        self.fix_up(&spot.path[..spot.depth], spot.above_depth);
    }

    /// Removes and returns the area that starts at `start`, if there is one. Never
    /// allocates.
    pub(crate) fn remove(&mut self, start: u64) -> Option<Vma<F>> {
        let mut path = [NIL; MAX_HEIGHT];
        let mut depth = 0;
        let mut at = self.root;
        while at != NIL && depth < MAX_HEIGHT {
            let node = &self.nodes[at as usize];
            if start == node.vma.start {
                return Some(self.unlink(&mut path, depth, at));
            }
            path[depth] = at;
            depth += 1;
            at = if start < node.vma.start { node.left } else { node.right };
        }
        None
    }

    /// Removes and returns the first area that ends above `addr`, if `pred` holds for it.
    /// Never allocates.
    pub(crate) fn remove_next(&mut self, addr: u64, pred: impl Fn(&Vma<F>) -> bool) -> Option<Vma<F>> {
        let mut path = [NIL; MAX_HEIGHT];
        let mut depth = 0;
        let mut found = None;
        let mut at = self.root;
        while at != NIL && depth < MAX_HEIGHT {
            path[depth] = at;
            let node = &self.nodes[at as usize];
            if node.vma.end > addr {
                found = Some(depth);
                at = node.left;
            } else {
                at = node.right;
            }
            depth += 1;
        }
        let depth = found?;
        let at = path[depth];
        if !pred(&self.nodes[at as usize].vma) {
            return None;
        }
        Some(self.unlink(&mut path, depth, at))
    }

    /// Unlinks node `at`, reached through `path[..depth]`, frees its slot and returns its
    /// area. The next area's gap grows by the removed area and its gap.
    fn unlink(&mut self, path: &mut [u32; MAX_HEIGHT], mut depth: usize, at: u32) -> Vma<F> {
        let node = &self.nodes[at as usize];
        let (l, r) = (node.left, node.right);
        let grown = node.gap + node.vma.size();
        let mut changed = usize::MAX;
        let mut victim = at;
        if l != NIL && r != NIL && depth < MAX_HEIGHT {
            // Take the next area's place: swap areas with it, then unlink its node.
            changed = depth;
            path[depth] = at;
            depth += 1;
            let mut next = r;
            while self.nodes[next as usize].left != NIL && depth < MAX_HEIGHT {
                path[depth] = next;
                depth += 1;
                next = self.nodes[next as usize].left;
            }
            let moved = core::mem::replace(&mut self.nodes[next as usize].vma, placeholder());
            let gone = core::mem::replace(&mut self.nodes[at as usize].vma, moved);
            self.nodes[next as usize].vma = gone;
            self.nodes[at as usize].gap = self.nodes[next as usize].gap + grown;
            victim = next;
        }
        // Without a right child, the next area is the nearest ancestor whose left subtree
        // holds `at` (found before `at` is unlinked).
        let next_up = if victim == at && r == NIL {
            self.next_above(&path[..depth], at)
        } else {
            None
        };
        let node = &self.nodes[victim as usize];
        let child = if node.left != NIL { node.left } else { node.right };
        match depth.checked_sub(1).map(|p| path[p]) {
            None => self.root = child,
            Some(p) if self.nodes[p as usize].left == victim => self.nodes[p as usize].left = child,
            Some(p) => self.nodes[p as usize].right = child,
        }
        let vma = self.release(victim);
        if victim == at {
            // Else it is the lowest under the right child that took `at`'s place.
            if r != NIL {
                changed = depth;
                let mut next = r;
                while next != NIL && depth < MAX_HEIGHT {
                    path[depth] = next;
                    depth += 1;
                    next = self.nodes[next as usize].left;
                }
                let next = path[depth - 1];
                self.nodes[next as usize].gap += grown;
            } else if let Some(j) = next_up {
                changed = j;
                self.nodes[path[j] as usize].gap += grown;
            }
        }
        self.fix_up(&path[..depth], changed);
        vma
    }

    /// The index in `path` (the ancestors of `n`, from the root) of the nearest ancestor
    /// whose left subtree holds `n`: the area after `n`'s when `n` has no right child.
    fn next_above(&self, path: &[u32], n: u32) -> Option<usize> {
        let mut child = n;
        for j in (0..path.len()).rev() {
            if self.nodes[path[j] as usize].left == child {
                return Some(j);
            }
            child = path[j];
        }
        None
    }

    /// Changes the area that starts at `start` with `change`, which must keep its start
    /// and keep it below the next area. Never allocates.
    pub(crate) fn modify(&mut self, start: u64, change: impl FnOnce(&mut Vma<F>)) {
        let mut path = [NIL; MAX_HEIGHT];
        let mut depth = 0;
        let mut at = self.root;
        while at != NIL && depth < MAX_HEIGHT {
            let node = &self.nodes[at as usize];
            if start == node.vma.start {
                break;
            }
            path[depth] = at;
            depth += 1;
            at = if start < node.vma.start { node.left } else { node.right };
        }
        if at == NIL || depth == MAX_HEIGHT {
            return;
        }
        let mut vma = core::mem::replace(&mut self.nodes[at as usize].vma, placeholder());
        self.count(&vma, false);
        change(&mut vma);
        debug_assert_eq!(vma.start, start, "modify moved an area");
        self.count(&vma, true);
        let end = vma.end;
        let right = self.nodes[at as usize].right;
        self.nodes[at as usize].vma = vma;
        // Only the next area's gap changes: the lowest under the right child, or else the
        // nearest ancestor whose left subtree holds this area.
        if right != NIL {
            path[depth] = at;
            depth += 1;
            let mut next = right;
            while next != NIL && depth < MAX_HEIGHT {
                path[depth] = next;
                depth += 1;
                next = self.nodes[next as usize].left;
            }
            let next = &mut self.nodes[path[depth - 1] as usize];
            next.gap = next.vma.start.saturating_sub(end);
            self.fix_up(&path[..depth], usize::MAX);
        } else if let Some(j) = self.next_above(&path[..depth], at) {
            let next = &mut self.nodes[path[j] as usize];
            next.gap = next.vma.start.saturating_sub(end);
            self.fix_up(&path[..=j], usize::MAX);
        }
    }

    /// The last area that ends at or below `addr` and the first one that ends above it.
    pub(crate) fn neighbours(&self, addr: u64) -> (Option<u32>, Option<u32>) {
        let (mut at, mut below, mut above) = (self.root, None, None);
        while at != NIL {
            let node = &self.nodes[at as usize];
            if node.vma.end > addr {
                above = Some(at);
                at = node.left;
            } else {
                below = Some(at);
                at = node.right;
            }
        }
        (below, above)
    }

    /// The first area (in address order) for which `pred` holds, where `pred` is false
    /// for a prefix of the areas and true for the rest.
    pub(crate) fn first_where(&self, pred: impl Fn(&Vma<F>) -> bool) -> Option<u32> {
        let (mut at, mut best) = (self.root, None);
        while at != NIL {
            let node = &self.nodes[at as usize];
            if pred(&node.vma) {
                best = Some(at);
                at = node.left;
            } else {
                at = node.right;
            }
        }
        best
    }

    /// The last area for which `pred` holds, where `pred` is true for a prefix of the
    /// areas and false for the rest.
    pub(crate) fn last_where(&self, pred: impl Fn(&Vma<F>) -> bool) -> Option<u32> {
        let (mut at, mut best) = (self.root, None);
        while at != NIL {
            let node = &self.nodes[at as usize];
            if pred(&node.vma) {
                best = Some(at);
                at = node.right;
            } else {
                at = node.left;
            }
        }
        best
    }

    /// The start of the lowest area.
    #[cfg(test)]
    pub(crate) fn lowest_start(&self) -> Option<u64> {
        let mut at = self.root;
        while at != NIL && self.nodes[at as usize].left != NIL {
            at = self.nodes[at as usize].left;
        }
        (at != NIL).then(|| self.nodes[at as usize].vma.start)
    }

    /// The highest gap `(prev.end, next.start)` below an area, with `next.start <= key` and
    /// `next.start - prev.end >= len` (`prev.end` is 0 for the lowest area).
    #[cfg(test)]
    pub(crate) fn highest_gap(&self, key: u64, len: u64) -> Option<(u64, u64)> {
        // Walk down towards `key`, stacking the nodes at or below it whose right subtree
        // was entered: their gaps and left subtrees are the lower pieces, to be tried in
        // the reverse order, after everything found further down.
        let mut stack = [NIL; MAX_HEIGHT];
        let mut depth = 0;
        let mut at = self.root;
        while at != NIL && depth < MAX_HEIGHT {
            let node = &self.nodes[at as usize];
            if node.max_gap < len {
                break;
            }
            if node.vma.start > key {
                at = node.left;
            } else {
                stack[depth] = at;
                depth += 1;
                at = node.right;
            }
        }
        self.gap_left_of(&stack[..depth], len)
    }

    /// What `find_free` does without a hint: the highest free place for `len` bytes in
    /// `[low, high)` (all page aligned), as the top of the highest free interval that is
    /// long enough, minus `len`. One walk down towards `high`, then back up.
    pub(crate) fn highest_free(&self, len: u64, low: u64, high: u64) -> Option<u64> {
        let mut stack = [NIL; MAX_HEIGHT];
        let mut depth = 0;
        let mut at = self.root;
        while at != NIL && depth < MAX_HEIGHT {
            let node = &self.nodes[at as usize];
            if node.vma.start < high {
                stack[depth] = at;
                depth += 1;
                at = node.right;
            } else {
                at = node.left;
            }
        }
        // The free interval just below `high`, above the last area that starts below it.
        let Some(&last) = stack[..depth].last() else {
            return (high > low && high - low >= len).then(|| high - len);
        };
        let last = &self.nodes[last as usize].vma;
        let bottom = last.end.max(low);
        if high > bottom && high - bottom >= len {
            return Some(high - len);
        }
        if last.start <= low {
            return None;
        }
        // Then the highest gap below an area at or below `last` that is long enough before
        // clipping at `low`; only it may straddle `low`, and every lower gap lies wholly
        // below `low`.
        let (bottom, top) = self.gap_left_of(&stack[..depth], len)?;
        let bottom = bottom.max(low);
        (top > bottom && top - bottom >= len).then(|| top - len)
    }

    /// The highest gap of at least `len` below an area in the subtrees left of `stack`:
    /// the nodes where a walk from the root went right, from the root down, the pieces
    /// above them already searched.
    fn gap_left_of(&self, stack: &[u32], len: u64) -> Option<(u64, u64)> {
        for &n in stack.iter().rev() {
            let node = &self.nodes[n as usize];
            if node.gap >= len {
                return Some((node.vma.start - node.gap, node.vma.start));
            }
            if node.left != NIL && self.nodes[node.left as usize].max_gap >= len {
                return self.gap_in(node.left, len);
            }
        }
        None
    }

    /// The highest gap of at least `len` in the subtree at `at`.
    fn gap_in(&self, mut at: u32, len: u64) -> Option<(u64, u64)> {
        while at != NIL && self.nodes[at as usize].max_gap >= len {
            let node = &self.nodes[at as usize];
            if node.right != NIL && self.nodes[node.right as usize].max_gap >= len {
                at = node.right;
            } else if node.gap >= len {
                return Some((node.vma.start - node.gap, node.vma.start));
            } else {
                at = node.left;
            }
        }
        None
    }

    /// The areas in address order, from the first one for which `pred` holds (as in
    /// [`AreaTree::first_where`]).
    pub(crate) fn iter_from(&self, pred: impl Fn(&Vma<F>) -> bool) -> Iter<'_, F> {
        let mut it = Iter {
            tree: self,
            stack: [NIL; MAX_HEIGHT],
            depth: 0,
        };
        let mut at = self.root;
        while at != NIL {
            let node = &self.nodes[at as usize];
            if pred(&node.vma) {
                it.push(at);
                at = node.left;
            } else {
                at = node.right;
            }
        }
        it
    }

    /// All areas in address order.
    pub(crate) fn iter(&self) -> Iter<'_, F> {
        self.iter_from(|_| true)
    }

    /// Fills an empty tree with `areas`, which must be sorted and not overlap, in linear
    /// time. The caller must have reserved room for them (see [`AreaTree::reserve`]).
    pub(crate) fn fill_sorted(&mut self, areas: impl Iterator<Item = Vma<F>>) {
        debug_assert_eq!(self.count, 0);
        self.nodes.clear();
        self.free = NIL;
        let mut prev_end = 0;
        for vma in areas {
            let gap = vma.start.saturating_sub(prev_end);
            prev_end = vma.end;
            self.alloc(vma, gap);
        }
        self.root = self.build(0, self.nodes.len() as u32);
    }

    /// Links arena slots `lo..hi` (in address order) into a perfectly balanced subtree.
    fn build(&mut self, lo: u32, hi: u32) -> u32 {
        if lo >= hi {
            return NIL;
        }
        let mid = lo + (hi - lo) / 2;
        let l = self.build(lo, mid);
        let r = self.build(mid + 1, hi);
        self.nodes[mid as usize].left = l;
        self.nodes[mid as usize].right = r;
        self.update(mid);
        mid
    }

    /// Checks the invariants of the tree; returns what is wrong.
    pub(crate) fn check(&self) -> Result<(), &'static str> {
        let mut seen = 0usize;
        let mut prev_end = None;
        self.check_under(self.root, &mut seen, &mut prev_end, 0)?;
        if seen != self.count {
            return Err("tree does not reach every area");
        }
        let (mut free, mut at) = (0, self.free);
        while at != NIL {
            if at as usize >= self.nodes.len() || free >= self.nodes.len() {
                return Err("free list is broken");
            }
            free += 1;
            at = self.nodes[at as usize].left;
        }
        if free + self.count != self.nodes.len() {
            return Err("arena slots are lost");
        }
        let (mut pages, mut data) = (0, 0);
        for v in self.iter() {
            pages += v.size() / PAGE_SIZE;
            if v.is_data() {
                data += v.size() / PAGE_SIZE;
            }
        }
        if (pages, data) != (self.pages, self.data_pages) {
            return Err("page counts are wrong");
        }
        Ok(())
    }

    /// Checks the subtree at `at` (reached at `depth`), whose in-order walk follows an
    /// area ending at `prev_end`; returns its height.
    fn check_under(
        &self,
        at: u32,
        seen: &mut usize,
        prev_end: &mut Option<u64>,
        depth: usize,
    ) -> Result<u8, &'static str> {
        if at == NIL {
            return Ok(0);
        }
        if at as usize >= self.nodes.len() || depth >= MAX_HEIGHT || *seen >= self.nodes.len() {
            return Err("tree links are broken");
        }
        let node = &self.nodes[at as usize];
        let hl = self.check_under(node.left, seen, prev_end, depth + 1)?;
        let before = prev_end.unwrap_or(0);
        if before > node.vma.start {
            return Err("areas overlap or are out of order");
        }
        if node.gap != node.vma.start - before {
            return Err("an area's gap is wrong");
        }
        *prev_end = Some(node.vma.end);
        *seen += 1;
        let hr = self.check_under(node.right, seen, prev_end, depth + 1)?;
        if hl.abs_diff(hr) > 1 {
            return Err("tree is not balanced");
        }
        if node.height != 1 + hl.max(hr) {
            return Err("node height is wrong");
        }
        let ((_, max_gap), _, _) = self.summarize(at);
        if max_gap != node.max_gap {
            return Err("subtree gap summary is wrong");
        }
        Ok(node.height)
    }

    #[cfg(test)]
    pub(crate) fn height_of_root(&self) -> u8 {
        self.height(self.root)
    }

    /// The shape of the tree as the starts of the nodes in pre-order, `None` for no child.
    #[cfg(test)]
    pub(crate) fn shape(&self) -> Vec<Option<u64>> {
        fn walk<F>(t: &AreaTree<F>, at: u32, out: &mut Vec<Option<u64>>) {
            if at == NIL {
                out.push(None);
                return;
            }
            let node = &t.nodes[at as usize];
            out.push(Some(node.vma.start));
            walk(t, node.left, out);
            walk(t, node.right, out);
        }
        let mut out = Vec::new();
        walk(self, self.root, &mut out);
        out
    }
}

impl<F: Clone> AreaTree<F> {
    /// An equal copy (the same shape). `Err(NoMem)` if it cannot be allocated.
    pub(crate) fn try_clone(&self) -> Result<Self, VmError> {
        let mut copy = AreaTree::new();
        copy.reserve(self.nodes.len())?;
        copy.nodes.extend(self.nodes.iter().cloned());
        copy.root = self.root;
        copy.free = self.free;
        copy.count = self.count;
        copy.pages = self.pages;
        copy.data_pages = self.data_pages;
        Ok(copy)
    }
}

/// Where a new area goes in an [`AreaTree`] (see [`AreaTree::spot`]).
pub(crate) struct Spot {
    path: [u32; MAX_HEIGHT],
    depth: usize,
    /// The area starting last before the new one's start (or at it).
    pub(crate) below: Option<u32>,
    /// The area starting first after the new one's start.
    pub(crate) above: Option<u32>,
    /// The index of `above` in `path` (`usize::MAX` if none).
    above_depth: usize,
}

/// A stand-in area while `modify` holds the real one.
fn placeholder<F>() -> Vma<F> {
    Vma {
        start: 0,
        end: 0,
        prot: crate::Prot::empty(),
        share: crate::Share::Private,
        kind: crate::VmaKind::Mmap,
        backing: crate::Backing::Anon,
        grows_down: false,
        on_fork: crate::OnFork::empty(),
    }
}

/// An in-order walk of an [`AreaTree`].
///
/// Invariant: `stack[..depth]` holds the nodes still to visit whose left subtrees have
/// been visited (or are being skipped), the next one on top.
pub(crate) struct Iter<'a, F> {
    tree: &'a AreaTree<F>,
    stack: [u32; MAX_HEIGHT],
    depth: usize,
}

impl<F> Iter<'_, F> {
    fn push(&mut self, n: u32) {
        if self.depth < MAX_HEIGHT {
            self.stack[self.depth] = n;
            self.depth += 1;
        }
    }
}

impl<'a, F> Iterator for Iter<'a, F> {
    type Item = &'a Vma<F>;

    fn next(&mut self) -> Option<&'a Vma<F>> {
        let n = *self.stack[..self.depth].last()?;
        self.depth -= 1;
        let node = &self.tree.nodes[n as usize];
        let mut at = node.right;
        while at != NIL {
            self.push(at);
            at = self.tree.nodes[at as usize].left;
        }
        Some(&node.vma)
    }
}
