//! Copying an address space for fork: private pages become copy-on-write in
//! both processes; shared pages and read-only pages are simply shared.

use super::{Mm, commit};
use crate::hal;
use hal::paging::{AddressSpace, Pte, bits};
use marten_abi::errno::Errno;

impl Mm {
    /// A copy-on-write duplicate of this address space. On failure nothing
    /// is left allocated (the parent's pages may stay write-protected, which
    /// only costs a fault).
    pub fn fork(&mut self) -> Result<Mm, Errno> {
        commit::charge(self.committed_pages())?;
        let vmas = match self.vmas.try_clone() {
            Ok(v) => v,
            Err(_) => {
                commit::uncharge(self.committed_pages());
                return Err(Errno::ENOMEM);
            }
        };
        let mut child = Mm {
            vmas,
            pt: match AddressSpace::new() {
                Ok(pt) => pt,
                Err(_) => {
                    commit::uncharge(self.committed_pages());
                    return Err(Errno::ENOMEM);
                }
            },
            brk_start: self.brk_start,
            brk: self.brk,
            stack_limit: self.stack_limit,
            committed: self.committed_pages(),
        };
        let mut failed = false;
        let child_pt = &mut child.pt;
        self.pt.visit(0, hal::paging::USER_END, |va, e| {
            if failed {
                return;
            }
            let shared = e.has(bits::SHARED);
            if !shared && e.writable() {
                *e = Pte((e.0 & !bits::WRITABLE) | bits::COW);
            }
            let pfn = e.pfn();
            hal::frames::get(pfn);
            let flags = e.flags() & !(bits::ACCESSED | bits::DIRTY | bits::PRESENT | bits::USER);
            if child_pt.map(va, pfn, flags).is_err() {
                hal::frames::put(pfn);
                failed = true;
            }
        });
        if failed {
            // Dropping the child releases what it mapped and its charge.
            return Err(Errno::ENOMEM);
        }
        Ok(child)
    }
}
