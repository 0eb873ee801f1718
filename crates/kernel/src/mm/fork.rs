//! Copying an address space for fork: private pages become copy-on-write in
//! both processes; shared pages and read-only pages are simply shared. Areas
//! marked MADV_DONTFORK are left out of the child, and areas marked
//! MADV_WIPEONFORK reach it empty, so they read as zeros there.

use super::{Mm, commit};
use crate::hal::paging::{AddressSpace, Pte, bits};
use marten_abi::errno::Errno;
use marten_vm::OnFork;

impl Mm {
    /// A copy-on-write duplicate of this address space. On failure nothing
    /// is left allocated (the parent's pages may stay write-protected, which
    /// only costs a fault).
    pub fn fork(&mut self) -> Result<Mm, Errno> {
        let charge: u64 = self
            .vmas
            .iter()
            .filter(|v| !v.on_fork.contains(OnFork::DONT_COPY))
            .map(commit::charge_of)
            .sum();
        commit::charge(charge)?;
        let Ok(mut child_pt) = AddressSpace::new() else {
            commit::uncharge(charge);
            return Err(Errno::ENOMEM);
        };
        let mut failed = false;
        let parent_pt = &mut self.pt;
        // Pages are shared only over the ranges the map says the child
        // keeps; the child's tables are built alongside the parent's.
        let vmas = self.vmas.fork_copy(|start, end| {
            if failed {
                return;
            }
            // Runs under the frame allocator's lock: bit work only.
            let copied = child_pt.fork_from(parent_pt, start, end, |e: &mut Pte| {
                if !e.has(bits::SHARED) && e.writable() {
                    *e = Pte((e.0 & !bits::WRITABLE) | bits::COW);
                }
                Some(e.flags() & !(bits::ACCESSED | bits::DIRTY | bits::PRESENT | bits::USER))
            });
            failed |= copied.is_err();
        });
        let Ok(vmas) = vmas else {
            commit::uncharge(charge);
            return Err(Errno::ENOMEM);
        };
        let child = Mm {
            vmas,
            pt: child_pt,
            brk_start: self.brk_start,
            brk: self.brk,
            data_segment: self.data_segment,
            stack_limit: self.stack_limit,
            committed: charge,
            exec: self.exec.clone(),
            peak_vm: 0,
            peak_rss: 0,
            membarrier: self.membarrier,
        };
        if failed {
            // Dropping the child releases what it mapped and its charge.
            return Err(Errno::ENOMEM);
        }
        Ok(child)
    }
}
