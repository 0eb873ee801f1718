//! The machine-wide /proc files: meminfo, loadavg, stat, cpuinfo, version,
//! uptime, memview and /proc/sys/kernel, in Linux's formats (proc(5)).

use crate::fs::fmt::Buf;
use crate::hal;
use crate::proc;
use crate::sched;
use alloc::vec::Vec;
use hal::frames::FrameKind;
use marten_abi::cpuinfo::{CPU_FLAGS, Reg};
use marten_abi::errno::Errno;
use marten_abi::time::USER_HZ;

/// Memory counts in 4 KiB pages, shared by /proc/meminfo and sysinfo(2).
///
/// Invariant: `free <= total`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Memory {
    /// Frames the allocator manages.
    pub total: u64,
    pub free: u64,
    /// File data (every file lives in memory: tmpfs, the initramfs).
    pub cached: u64,
    /// Of that, what Linux calls shared memory: all of it, since every
    /// file system here is a memory file system.
    pub shmem: u64,
    /// Frames mapped into processes, of their own (anonymous or copied).
    pub anon: u64,
    pub slab: u64,
    pub page_tables: u64,
    pub kernel_stack: u64,
}

/// The current memory counts.
pub fn memory() -> Memory {
    let s = hal::frames::stats();
    let kind = |k: FrameKind| s.by_kind[k.index()] as u64;
    let threads: u64 = proc::filter(|_| true)
        .map(|v| v.iter().map(|p| p.thread_count() as u64).sum())
        .unwrap_or(0);
    Memory {
        total: s.managed as u64,
        free: s.free as u64,
        cached: kind(FrameKind::PageCache),
        // Disk files' pages are cache too; the rest is tmpfs and shared memory.
        shmem: kind(FrameKind::PageCache).saturating_sub(crate::fs::ext2::pages::counts().0),
        anon: kind(FrameKind::User),
        slab: kind(FrameKind::Heap),
        page_tables: kind(FrameKind::PageTable),
        kernel_stack: threads * (hal::vmap::KERNEL_STACK_SIZE as u64 / 4096),
    }
}

/// /proc/meminfo: name, value in kB (Linux's column layout).
pub fn meminfo(out: &mut Vec<u8>) -> Result<(), Errno> {
    let m = memory();
    let (committed, limit) = crate::mm::commit::usage();
    let (disk_cached, dirty, writeback) = crate::fs::ext2::pages::counts();
    // The vmap area is one PML4 slot: 512 GiB.
    let vmalloc_kb: u64 = 512 << 20;
    let rows: [(&str, u64); 30] = [
        ("MemTotal", m.total * 4),
        ("MemFree", m.free * 4),
        // Clean pages of disk files can be dropped; memory files' cannot.
        (
            "MemAvailable",
            (m.free + disk_cached.saturating_sub(dirty + writeback)) * 4,
        ),
        ("Buffers", 0),
        ("Cached", m.cached * 4),
        ("SwapCached", 0),
        ("Active", (m.anon + m.cached) * 4),
        ("Inactive", 0),
        ("Active(anon)", m.anon * 4),
        ("Inactive(anon)", 0),
        ("Active(file)", m.cached * 4),
        ("Inactive(file)", 0),
        ("Unevictable", 0),
        ("Mlocked", 0),
        ("SwapTotal", 0),
        ("SwapFree", 0),
        ("Dirty", dirty * 4),
        ("Writeback", writeback * 4),
        ("AnonPages", m.anon * 4),
        ("Mapped", 0),
        ("Shmem", m.shmem * 4),
        ("KReclaimable", 0),
        ("Slab", m.slab * 4),
        ("SReclaimable", 0),
        ("SUnreclaim", m.slab * 4),
        ("KernelStack", m.kernel_stack * 4),
        ("PageTables", m.page_tables * 4),
        ("CommitLimit", limit * 4),
        ("Committed_AS", committed * 4),
        ("VmallocTotal", vmalloc_kb),
    ];
    let mut b = Buf::new(out);
    for (name, kb) in rows {
        b.put(format_args!("{:<16}{:>8} kB\n", alloc_colon(name).as_str(), kb))?;
    }
    for name in [
        "VmallocUsed",
        "VmallocChunk",
        "Percpu",
        "HardwareCorrupted",
        "AnonHugePages",
    ] {
        b.put(format_args!("{:<16}{:>8} kB\n", alloc_colon(name).as_str(), 0))?;
    }
    for name in ["HugePages_Total", "HugePages_Free", "HugePages_Rsvd", "HugePages_Surp"] {
        b.put(format_args!("{:<16}{:>8}\n", alloc_colon(name).as_str(), 0))?;
    }
    b.put(format_args!("{:<16}{:>8} kB\n", "Hugepagesize:", 2048))
}

/// A name with its colon, on the stack (names are short).
fn alloc_colon(name: &str) -> Label {
    let mut l = Label { b: [0; 24], n: 0 };
    let s = name.as_bytes();
    let n = s.len().min(23);
    l.b[..n].copy_from_slice(&s[..n]);
    l.b[n] = b':';
    l.n = n + 1;
    l
}

/// A short label built on the stack.
struct Label {
    b: [u8; 24],
    n: usize,
}

impl Label {
    fn as_str(&self) -> &str {
        core::str::from_utf8(&self.b[..self.n]).unwrap_or("")
    }
}

/// /proc/loadavg: the three averages, running/total threads, the last id.
pub fn loadavg(out: &mut Vec<u8>) -> Result<(), Errno> {
    let l = sched::load_average();
    let threads: usize = proc::filter(|p| p.pid != 0)?.iter().map(|p| p.thread_count()).sum();
    let mut b = Buf::new(out);
    for i in 0..3 {
        let (w, h) = l.hundredths(i);
        b.put(format_args!("{w}.{h:02} "))?;
    }
    b.put(format_args!(
        "{}/{} {}\n",
        sched::nr_running(),
        threads,
        proc::last_id()
    ))
}

/// Timer ticks in USER_HZ units.
pub fn to_user_hz(ticks: u64) -> u64 {
    ticks * USER_HZ / hal::time::timer_hz().max(1)
}

/// /proc/stat: CPU time, interrupts, context switches, boot time, process
/// counts.
pub fn stat(out: &mut Vec<u8>) -> Result<(), Errno> {
    let [user, system, idle] = sched::cpu_ticks().map(to_user_hz);
    let boot = crate::syscall::time::clock_ns(marten_abi::time::CLOCK_REALTIME).unwrap_or(0) - hal::time::now_ns();
    let mut b = Buf::new(out);
    for name in ["cpu ", "cpu0"] {
        b.put(format_args!("{name} {user} 0 {system} {idle} 0 0 0 0 0 0\n"))?;
    }
    b.put(format_args!("intr {}\n", sched::interrupts()))?;
    b.put(format_args!("ctxt {}\n", sched::switches()))?;
    b.put(format_args!("btime {}\n", boot / 1_000_000_000))?;
    b.put(format_args!("processes {}\n", proc::created()))?;
    b.put(format_args!("procs_running {}\n", sched::nr_running()))?;
    b.put(format_args!("procs_blocked {}\n", sched::uninterruptible()))?;
    b.put(format_args!("softirq 0 0 0 0 0 0 0 0 0 0 0\n"))
}

/// A NUL-padded CPUID string.
fn text(b: &[u8]) -> &str {
    let end = b.iter().position(|&c| c == 0).unwrap_or(b.len());
    core::str::from_utf8(&b[..end]).unwrap_or("?")
}

/// /proc/cpuinfo: one block for the CPU Marten runs on, from CPUID.
pub fn cpuinfo(out: &mut Vec<u8>) -> Result<(), Errno> {
    let f = hal::cpu::features();
    let (max_leaf, ..) = hal::cpu::cpuid(0, 0);
    let (ext_max, ..) = hal::cpu::cpuid(0x8000_0000, 0);
    let mhz = hal::time::tsc_hz() / 1000;
    let mut b = Buf::new(out);
    b.put(format_args!("processor\t: 0\n"))?;
    b.put(format_args!("vendor_id\t: {}\n", text(&f.vendor)))?;
    b.put(format_args!("cpu family\t: {}\n", f.family))?;
    b.put(format_args!("model\t\t: {}\n", f.model))?;
    b.put(format_args!("model name\t: {}\n", text(&f.brand).trim()))?;
    b.put(format_args!("stepping\t: {}\n", f.stepping))?;
    b.put(format_args!("cpu MHz\t\t: {}.{:03}\n", mhz / 1000, mhz % 1000))?;
    b.put(format_args!(
        "physical id\t: 0\nsiblings\t: 1\ncore id\t\t: 0\ncpu cores\t: 1\napicid\t\t: 0\ninitial apicid\t: 0\n"
    ))?;
    b.put(format_args!(
        "fpu\t\t: yes\nfpu_exception\t: yes\ncpuid level\t: {max_leaf}\nwp\t\t: yes\nflags\t\t:"
    ))?;
    for &(leaf, sub, reg, bit, name) in CPU_FLAGS {
        let known = if leaf >= 0x8000_0000 {
            leaf <= ext_max
        } else {
            leaf <= max_leaf
        };
        if !known {
            continue;
        }
        let (a, bx, c, d) = hal::cpu::cpuid(leaf, sub);
        let word = match reg {
            Reg::Eax => a,
            Reg::Ebx => bx,
            Reg::Ecx => c,
            Reg::Edx => d,
        };
        if word & (1 << bit) != 0 {
            b.put(format_args!(" {name}"))?;
        }
    }
    let (phys, virt) = if ext_max >= 0x8000_0008 {
        let (a, ..) = hal::cpu::cpuid(0x8000_0008, 0);
        (a & 0xff, (a >> 8) & 0xff)
    } else {
        (36, 48)
    };
    b.put(format_args!("\nbugs\t\t:\n"))?;
    b.put(format_args!(
        "bogomips\t: {}.{:02}\n",
        mhz * 2 / 1000,
        mhz * 2 % 1000 / 10
    ))?;
    b.put(format_args!(
        "clflush size\t: 64\ncache_alignment\t: 64\naddress sizes\t: {phys} bits physical, {virt} bits virtual\npower management:\n\n"
    ))
}

/// /proc/version: the kernel as uname(2) names it.
pub fn version(out: &mut Vec<u8>) -> Result<(), Errno> {
    use crate::uts;
    Buf::new(out).put(format_args!(
        "{} version {} (marten@marten) (rustc) {}\n",
        uts::SYSNAME,
        uts::RELEASE,
        uts::VERSION
    ))
}

/// /proc/uptime: seconds since boot, and idle seconds.
pub fn uptime(out: &mut Vec<u8>) -> Result<(), Errno> {
    let ns = hal::time::now_ns();
    let idle = sched::idle_ns();
    Buf::new(out).put(format_args!(
        "{}.{:02} {}.{:02}\n",
        ns / 1_000_000_000,
        ns / 10_000_000 % 100,
        idle / 1_000_000_000,
        idle / 10_000_000 % 100
    ))
}

/// /proc/memview: the machine's memory map (the kernel shell's `memview`).
pub fn memview(out: &mut Vec<u8>) -> Result<(), Errno> {
    crate::mm::memview::machine(out)
}

/// /proc/sys/kernel/hostname.
pub fn hostname(out: &mut Vec<u8>) -> Result<(), Errno> {
    let (h, n) = crate::uts::hostname();
    let mut b = Buf::new(out);
    b.bytes(&h[..n])?;
    b.bytes(b"\n")
}

/// Writing /proc/sys/kernel/hostname: the new name, up to a newline (as
/// sethostname(2) would set it).
pub fn set_hostname(data: &[u8]) -> Result<(), Errno> {
    let end = data.iter().position(|&c| c == b'\n' || c == 0).unwrap_or(data.len());
    crate::uts::set_hostname(&data[..end])
}

/// /proc/sys/kernel/ostype.
pub fn ostype(out: &mut Vec<u8>) -> Result<(), Errno> {
    Buf::new(out).put(format_args!("{}\n", crate::uts::SYSNAME))
}

/// /proc/sys/kernel/osrelease.
pub fn osrelease(out: &mut Vec<u8>) -> Result<(), Errno> {
    Buf::new(out).put(format_args!("{}\n", crate::uts::RELEASE))
}

/// /proc/sys/kernel/pid_max.
pub fn pid_max(out: &mut Vec<u8>) -> Result<(), Errno> {
    Buf::new(out).put(format_args!("{}\n", proc::PID_MAX))
}
