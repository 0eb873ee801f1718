//! The last few lines entered, for recall with the Up and Down keys.

use alloc::collections::VecDeque;
use alloc::string::String;
use alloc::vec::Vec;

/// How many lines the history keeps.
pub(crate) const HISTORY_LEN: usize = 16;

/// A ring of the last `HISTORY_LEN` non-empty lines, oldest first.
///
/// Invariants: `entries.len() + spare.len() == HISTORY_LEN`; every string in either
/// list has room for `line_capacity` bytes, so recording a line never allocates.
pub(crate) struct History {
    entries: VecDeque<String>,
    spare: Vec<String>,
    line_capacity: usize,
}

impl History {
    /// Allocates all the room the history will ever use.
    pub(crate) fn new(line_capacity: usize) -> Self {
        let mut spare = Vec::with_capacity(HISTORY_LEN);
        for _ in 0..HISTORY_LEN {
            spare.push(String::with_capacity(line_capacity));
        }
        History {
            entries: VecDeque::with_capacity(HISTORY_LEN),
            spare,
            line_capacity,
        }
    }

    /// Records `line` as the newest entry, dropping the oldest when full.
    /// Empty lines (and lines too long for the editor, which cannot occur) are skipped.
    pub(crate) fn push(&mut self, line: &str) {
        if line.is_empty() || line.len() > self.line_capacity {
            return;
        }
        let Some(mut slot) = self.spare.pop().or_else(|| self.entries.pop_front()) else {
            return;
        };
        slot.clear();
        slot.push_str(line);
        self.entries.push_back(slot);
    }

    /// The number of recorded lines.
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Entry `i`, counting from the oldest.
    pub(crate) fn get(&self, i: usize) -> Option<&str> {
        self.entries.get(i).map(String::as_str)
    }
}
