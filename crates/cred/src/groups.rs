//! The supplementary group list, shared between copies of a credential.

use alloc::sync::Arc;
use alloc::vec::Vec;
use marten_abi::cred::NGROUPS_MAX;
use marten_abi::errno::Errno;

use crate::Gid;

/// Supplementary groups.
///
/// Invariants: the list is sorted in ascending order (setgroups(2) sorts it,
/// as Linux does, so getgroups(2) reports it sorted) and holds at most
/// `NGROUPS_MAX` ids; an empty list holds no allocation. Copies share the
/// list, so cloning a credential never allocates.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Groups {
    list: Option<Arc<Vec<Gid>>>,
}

impl Groups {
    /// No supplementary groups.
    pub const fn new() -> Groups {
        Groups { list: None }
    }

    /// The groups in `list` (sorted here), shared through `share`, which
    /// allocates the shared copy (the kernel passes a fallible allocator).
    /// EINVAL for more than `NGROUPS_MAX` groups.
    pub fn build(
        mut list: Vec<Gid>,
        share: impl FnOnce(Vec<Gid>) -> Result<Arc<Vec<Gid>>, Errno>,
    ) -> Result<Groups, Errno> {
        if list.len() > NGROUPS_MAX {
            return Err(Errno::EINVAL);
        }
        if list.is_empty() {
            return Ok(Groups::new());
        }
        list.sort_unstable();
        Ok(Groups {
            list: Some(share(list)?),
        })
    }

    /// The groups in `list`, allocated with `Arc::new` (host code and tests).
    pub fn from_vec(list: Vec<Gid>) -> Result<Groups, Errno> {
        Groups::build(list, |v| Ok(Arc::new(v)))
    }

    /// The groups, ascending.
    pub fn as_slice(&self) -> &[Gid] {
        self.list.as_deref().map_or(&[], |v| v.as_slice())
    }

    /// How many groups.
    pub fn len(&self) -> usize {
        self.as_slice().len()
    }

    /// Is the list empty?
    pub fn is_empty(&self) -> bool {
        self.list.is_none()
    }

    /// Is `gid` one of the groups?
    pub fn contains(&self, gid: Gid) -> bool {
        self.as_slice().binary_search(&gid).is_ok()
    }
}
