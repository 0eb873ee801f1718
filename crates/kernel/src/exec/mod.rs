//! Loading a program: the ELF file's segments become areas of a fresh
//! address space (mapped from the file's pages on demand), and the initial
//! stack gets argc, argv, envp and the auxiliary vector, as Linux lays them
//! out. The soft RLIMIT_STACK fixes how far the stack may grow; the new image
//! must fit the caller's RLIMIT_AS and RLIMIT_DATA. A `#!` script runs its
//! interpreter (`binfmt`); a set-user-ID or set-group-ID program gives the
//! new image other credentials.

use crate::hal;
use crate::mm::layout::{ARG_MAX, PIE_BASE, STACK_INITIAL, STACK_TOP};
use crate::mm::{Exe, ExecInfo, FileRef, Mm};
use crate::name::Name;
use crate::vfs::inode::Inode;
use crate::vfs::mount::Loc;
use crate::vfs::walk::FsContext;
use alloc::sync::Arc;
use alloc::vec::Vec;
use marten_abi::errno::Errno;
use marten_cred::Cred;
use marten_elf::auxv::*;
use marten_elf::{ElfError, ElfType, LoadPlan};
use marten_rlimit::{Limits, MemLimits, Resource, Usage};
use marten_vm::{Backing, OnFork, Prot, Share, Vma, VmaKind};

mod binfmt;
mod spawn;
pub use spawn::spawn;

/// A loaded program, ready to run.
pub struct Image {
    pub mm: Mm,
    pub entry: u64,
    pub sp: u64,
    /// The program's name (basename of its path), for `ps`.
    pub name: Name,
    /// The credentials the program runs with (set-ID bits applied).
    pub cred: Cred,
    /// Does it run with other ids than its caller's real ones (AT_SECURE)?
    pub secure: bool,
}

fn elf_error(e: ElfError) -> Errno {
    match e {
        ElfError::NoMem => Errno::ENOMEM,
        ElfError::TooBig => Errno::ENOEXEC,
        _ => Errno::ENOEXEC,
    }
}

/// The program's path for /proc/PID/exe: the file's own place (symbolic
/// links followed, as Linux shows it: /bin/sh -> /bin/busybox), from the
/// caller's root.
fn exe_of(loc: Loc, dir: Option<&Loc>, ctx: &FsContext) -> Result<Arc<Exe>, Errno> {
    let full = match dir {
        Some(d) => crate::vfs::walk::entry_path(&loc, d, &ctx.root)?,
        None => crate::vfs::walk::path_of(&loc, &ctx.root)?,
    };
    hal::heap::try_arc(Exe { loc, path: full }).map_err(|_| Errno::ENOMEM)
}

fn basename(path: &[u8]) -> Name {
    let name = path.rsplit(|&b| b == b'/').find(|c| !c.is_empty()).unwrap_or(path);
    Name::from_bytes(name)
}

/// Loads the program at `path` with arguments and environment, for a process
/// with resource limits `limits` and credentials `cred`.
pub fn load(
    path: &[u8],
    argv: &[Vec<u8>],
    envp: &[Vec<u8>],
    ctx: &FsContext,
    limits: &Limits,
    cred: &Cred,
) -> Result<Image, Errno> {
    let program = binfmt::resolve(path, argv, ctx, cred)?;
    let argv = program.argv.as_deref().unwrap_or(argv);
    let (head, size) = (program.head, program.size);
    let inode = program.loc.inode.clone();
    let (program_loc, program_dir) = (program.loc, program.dir);
    if head.len() < 4 || &head[..4] != b"\x7fELF" {
        return Err(Errno::ENOEXEC);
    }
    let plan = marten_elf::parse_prefix(&head, size).map_err(elf_error)?;
    if plan.interp.is_some() {
        // Dynamically linked programs come later (PT_INTERP).
        return Err(Errno::ENOEXEC);
    }
    let mut cred = cred.clone();
    let secure = cred.exec_transition(crate::proc::cred::file_ids(&inode));
    let plan = match plan.elf_type {
        ElfType::Exec => plan,
        ElfType::Dyn => {
            let p = plan.relocated(PIE_BASE).map_err(elf_error)?;
            p.check_user_range().map_err(elf_error)?;
            p
        }
    };
    let mut mm = Mm::new()?;
    map_segments(&mut mm, &plan, &inode, size)?;
    let (_, image_end) = plan.span();
    mm.brk_start = image_end;
    mm.brk = image_end;
    mm.data_segment = data_segment(&plan);

    let mut argv_refs: Vec<&[u8]> = Vec::new();
    for a in argv {
        crate::kalloc::push(&mut argv_refs, a.as_slice())?;
    }
    let mut envp_refs: Vec<&[u8]> = Vec::new();
    for e in envp {
        crate::kalloc::push(&mut envp_refs, e.as_slice())?;
    }
    let auxv = [
        (AT_PHDR, plan.phdr_vaddr.unwrap_or(0)),
        (AT_PHENT, u64::from(plan.phentsize)),
        (AT_PHNUM, u64::from(plan.phnum)),
        (AT_PAGESZ, 4096),
        (AT_BASE, 0),
        (AT_FLAGS, 0),
        (AT_ENTRY, plan.entry),
        (AT_UID, u64::from(cred.ruid)),
        (AT_EUID, u64::from(cred.euid)),
        (AT_GID, u64::from(cred.rgid)),
        (AT_EGID, u64::from(cred.egid)),
        (AT_SECURE, u64::from(secure)),
        (AT_HWCAP, hal::cpu::hwcap()),
        (AT_HWCAP2, 0),
        (AT_CLKTCK, marten_abi::time::USER_HZ),
        (AT_MINSIGSTKSZ, 2048),
    ];
    let mut random = [0u8; 16];
    crate::random::fill(&mut random);
    let stack = marten_elf::build_stack(STACK_TOP, &argv_refs, &envp_refs, &auxv, random, path, ARG_MAX + 65536)
        .map_err(|e| {
            if e == ElfError::TooBig {
                Errno::E2BIG
            } else {
                Errno::ENOMEM
            }
        })?;
    if stack.sp < STACK_TOP - STACK_INITIAL {
        return Err(Errno::E2BIG);
    }
    let layout = marten_rlimit::stack_layout(
        STACK_TOP,
        limits.soft(Resource::Stack),
        STACK_INITIAL,
        STACK_TOP - stack.sp,
    );
    let stack_prot = if plan.exec_stack {
        Prot::READ | Prot::WRITE | Prot::EXEC
    } else {
        Prot::READ | Prot::WRITE
    };
    mm.add_area(Vma {
        start: layout.start,
        end: STACK_TOP,
        prot: stack_prot,
        share: Share::Private,
        kind: VmaKind::Stack,
        backing: Backing::Anon,
        grows_down: true,
        on_fork: OnFork::empty(),
    })?;
    mm.stack_limit = layout.floor;
    // Linux finds out only after the point of no return and kills the process
    // (SIGSEGV); here the old image is still intact, so execve fails.
    let (total, data) = mm.vmas.footprint();
    if !MemLimits::of(limits).admits(Usage { total, data }) {
        return Err(Errno::ENOMEM);
    }
    write_stack(&mut mm, stack.sp, &stack.bytes)?;
    mm.exec = ExecInfo {
        start_stack: stack.sp,
        args: stack.args,
        env: stack.env,
        // Without memory for it, /proc/PID/exe is simply missing.
        exe: exe_of(program_loc, program_dir.as_ref(), ctx).ok(),
    };
    Ok(Image {
        mm,
        entry: plan.entry,
        sp: stack.sp,
        name: basename(path),
        cred,
        secure,
    })
}

/// Linux's `end_data - start_data`: from the highest segment start to the
/// highest end of file bytes. brk counts it against RLIMIT_DATA.
fn data_segment(plan: &LoadPlan) -> u64 {
    let start = plan.segments.iter().map(|s| s.vaddr).max().unwrap_or(0);
    let end = plan.segments.iter().map(|s| s.vaddr + s.filesz).max().unwrap_or(0);
    end.saturating_sub(start)
}

/// One area per PT_LOAD segment, backed by the file: the segment's file
/// bytes, then zeros (.bss) to the end of its memory image.
fn map_segments(mm: &mut Mm, plan: &LoadPlan, inode: &Arc<Inode>, size: u64) -> Result<(), Errno> {
    for s in &plan.segments {
        let Some((start, end)) = s.pages() else {
            continue;
        };
        let mut prot = Prot::empty();
        if s.read {
            prot |= Prot::READ;
        }
        if s.write {
            prot |= Prot::WRITE;
        }
        if s.exec {
            prot |= Prot::EXEC;
        }
        let lead = s.vaddr - start;
        let file_offset = s.offset - lead;
        // A read-only segment maps whole pages of the file, as Linux does
        // (the bytes after the segment are simply the rest of the file), so
        // its pages are always shared with the file and never copied. A
        // writable one must read as zeros past its file bytes (.bss).
        let file_len = if s.write {
            (lead + s.filesz).min(end - start)
        } else {
            size.saturating_sub(file_offset).min(end - start)
        };
        let backing = if s.filesz == 0 {
            Backing::Anon
        } else {
            Backing::File {
                file: FileRef(inode.clone()),
                offset: file_offset,
                len: file_len,
            }
        };
        let kind = if s.exec { VmaKind::Code } else { VmaKind::Data };
        mm.add_area(Vma {
            start,
            end,
            prot,
            share: Share::Private,
            kind,
            backing,
            grows_down: false,
            on_fork: OnFork::empty(),
        })
        .map_err(|e| if e == Errno::EEXIST { Errno::ENOEXEC } else { e })?;
    }
    Ok(())
}

/// Writes the initial stack image (which ends at STACK_TOP) into fresh pages.
fn write_stack(mm: &mut Mm, sp: u64, bytes: &[u8]) -> Result<(), Errno> {
    let mut addr = sp;
    let mut done = 0usize;
    while done < bytes.len() {
        let page = addr & !4095;
        let off = (addr - page) as usize;
        let n = (4096 - off).min(bytes.len() - done);
        mm.populate(page, off, &bytes[done..done + n])?;
        addr += n as u64;
        done += n;
    }
    Ok(())
}
