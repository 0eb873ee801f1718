//! Exit-time futex work: the robust list (set_robust_list(2)) and the
//! CLONE_CHILD_CLEARTID wake.

use super::{key, update_word, wake};
use crate::uaccess;
use marten_abi::errno::Errno;
use marten_abi::futex::{FUTEX_BITSET_MATCH_ANY, ROBUST_LIST_LIMIT};
use marten_futex::robust::{self, entry_addr, is_pi, word_addr};

/// Walks the exiting thread's robust list at user address `head` (0:
/// none): every futex it names that thread `tid` owns gets
/// FUTEX_OWNER_DIED (keeping FUTEX_WAITERS, losing the owner) and one
/// waiter is woken; then the `list_op_pending` entry. At most
/// ROBUST_LIST_LIMIT entries (a circular or endless list stops there); a
/// bad address ends the walk. Runs in the thread's own address space.
pub fn exit_robust(head: u64, tid: u32) {
    if head != 0 {
        let _ = walk(head, tid);
    }
}

fn walk(head: u64, tid: u32) -> Result<(), Errno> {
    let mut entry = uaccess::read_u64(head)?;
    let offset = uaccess::read_u64(head + 8)? as i64;
    let pending = uaccess::read_u64(head + 16)?;
    let mut left = ROBUST_LIST_LIMIT;
    while entry_addr(entry) != head {
        // The next entry is read first: the owner's death may let another
        // process free this one.
        let next = uaccess::read_u64(entry_addr(entry));
        if entry_addr(entry) != entry_addr(pending) {
            death(entry, offset, tid, false)?;
        }
        entry = next?;
        left -= 1;
        if left == 0 {
            break;
        }
    }
    if pending != 0 {
        death(pending, offset, tid, true)?;
    }
    Ok(())
}

/// One robust futex of a dying thread (Err ends the walk).
fn death(entry: u64, offset: i64, tid: u32, pending: bool) -> Result<(), Errno> {
    let addr = word_addr(entry, offset).ok_or(Errno::EFAULT)?;
    if !addr.is_multiple_of(4) {
        return Err(Errno::EINVAL);
    }
    let mut woke = false;
    update_word(addr, |word| {
        let d = robust::death(word, tid, is_pi(entry), pending);
        woke = d.wake;
        d.store.unwrap_or(word)
    })
    .ok();
    if woke {
        // As Linux, the wake uses the shared key (private memory's is the
        // private one).
        if let Ok(k) = key(addr, false) {
            let _ = wake(&k, 1, FUTEX_BITSET_MATCH_ANY);
        }
    }
    Ok(())
}

/// CLONE_CHILD_CLEARTID: after the exiting thread zeroed the tid word at
/// `addr`, wakes one waiter there, on its shared key and (if different)
/// its private one.
pub fn wake_tid_word(addr: u64) {
    let Ok(shared) = key(addr, false) else {
        return;
    };
    let _ = wake(&shared, 1, FUTEX_BITSET_MATCH_ANY);
    if let Ok(private) = key(addr, true)
        && private != shared
    {
        let _ = wake(&private, 1, FUTEX_BITSET_MATCH_ANY);
    }
}
