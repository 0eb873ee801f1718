//! Scheduling: policies (sched(7)), `struct sched_attr`, nice values and
//! getpriority(2)'s `which`, the CPU mask of sched_setaffinity(2), and
//! membarrier(2)'s commands.

/// The default time-sharing policy (SCHED_NORMAL).
pub const SCHED_OTHER: u32 = 0;
/// Real-time first-in first-out.
pub const SCHED_FIFO: u32 = 1;
/// Real-time round robin.
pub const SCHED_RR: u32 = 2;
/// Time sharing for batch (CPU-bound) work.
pub const SCHED_BATCH: u32 = 3;
/// Very low priority background work.
pub const SCHED_IDLE: u32 = 5;
/// Earliest-deadline-first with reservations.
pub const SCHED_DEADLINE: u32 = 6;
/// sched_setscheduler(2): OR-ed into the policy, children start with the default policy.
pub const SCHED_RESET_ON_FORK: u32 = 0x4000_0000;

/// sched_attr.sched_flags: reset the policy in children.
pub const SCHED_FLAG_RESET_ON_FORK: u64 = 0x01;
/// SCHED_DEADLINE bandwidth reclaiming.
pub const SCHED_FLAG_RECLAIM: u64 = 0x02;
/// SCHED_DEADLINE overrun signal.
pub const SCHED_FLAG_DL_OVERRUN: u64 = 0x04;
/// sched_setattr(2): leave the policy as it is.
pub const SCHED_FLAG_KEEP_POLICY: u64 = 0x08;
/// sched_setattr(2): leave the parameters (nice, priority) as they are.
pub const SCHED_FLAG_KEEP_PARAMS: u64 = 0x10;
/// Utilization clamp, minimum.
pub const SCHED_FLAG_UTIL_CLAMP_MIN: u64 = 0x20;
/// Utilization clamp, maximum.
pub const SCHED_FLAG_UTIL_CLAMP_MAX: u64 = 0x40;
/// Every flag Linux knows.
pub const SCHED_FLAG_ALL: u64 = 0x7f;

/// The first `struct sched_attr` (without the utilization clamps), bytes.
pub const SCHED_ATTR_SIZE_VER0: u32 = 48;
/// `struct sched_attr` with the utilization clamps, bytes.
pub const SCHED_ATTR_SIZE_VER1: u32 = 56;

/// Lowest and highest real-time priority of SCHED_FIFO and SCHED_RR.
pub const RT_PRIO_MIN: u32 = 1;
/// See [`RT_PRIO_MIN`].
pub const RT_PRIO_MAX: u32 = 99;

/// Nice values: -20 (most favoured) ..= 19.
pub const MIN_NICE: i32 = -20;
/// See [`MIN_NICE`].
pub const MAX_NICE: i32 = 19;

/// getpriority(2)/setpriority(2) `which`: one process (a thread id).
pub const PRIO_PROCESS: u32 = 0;
/// A process group.
pub const PRIO_PGRP: u32 = 1;
/// Every process of a real user id.
pub const PRIO_USER: u32 = 2;

/// Linux's load weight of each nice value, -20 first (`sched_prio_to_weight`):
/// each step is about 1.25 times the next, nice 0 weighs 1024.
pub const NICE_TO_WEIGHT: [u32; 40] = [
    88761, 71755, 56483, 46273, 36291, 29154, 23254, 18705, 14949, 11916, 9548, 7620, 6100, 4904, 3906, 3121, 2501,
    1991, 1586, 1277, 1024, 820, 655, 526, 423, 335, 272, 215, 172, 137, 110, 87, 70, 56, 45, 36, 29, 23, 18, 15,
];
/// The weight of a SCHED_IDLE thread (`WEIGHT_IDLEPRIO`).
pub const WEIGHT_IDLEPRIO: u32 = 3;

/// SCHED_RR's time slice (`RR_TIMESLICE`), milliseconds.
pub const RR_TIMESLICE_MS: u64 = 100;

/// membarrier(2): which commands are supported.
pub const MEMBARRIER_CMD_QUERY: u32 = 0;
/// A barrier on every thread of every process (waits for all CPUs).
pub const MEMBARRIER_CMD_GLOBAL: u32 = 1;
/// A barrier on the threads of processes registered for it.
pub const MEMBARRIER_CMD_GLOBAL_EXPEDITED: u32 = 2;
/// Registers the caller for GLOBAL_EXPEDITED barriers.
pub const MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED: u32 = 4;
/// A barrier on the caller's own threads (registration needed first).
pub const MEMBARRIER_CMD_PRIVATE_EXPEDITED: u32 = 8;
/// Registers the caller's process for PRIVATE_EXPEDITED.
pub const MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED: u32 = 16;
/// PRIVATE_EXPEDITED that also serialises the instruction stream.
pub const MEMBARRIER_CMD_PRIVATE_EXPEDITED_SYNC_CORE: u32 = 32;
/// Registers for PRIVATE_EXPEDITED_SYNC_CORE.
pub const MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_SYNC_CORE: u32 = 64;
/// Restarts rseq critical sections.
pub const MEMBARRIER_CMD_PRIVATE_EXPEDITED_RSEQ: u32 = 128;
/// Registers for PRIVATE_EXPEDITED_RSEQ.
pub const MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED_RSEQ: u32 = 256;
/// The registrations of the caller's process, as a command mask.
pub const MEMBARRIER_CMD_GET_REGISTRATIONS: u32 = 512;
/// membarrier(2) flag: only the CPU given (PRIVATE_EXPEDITED_RSEQ).
pub const MEMBARRIER_CMD_FLAG_CPU: u32 = 1;
