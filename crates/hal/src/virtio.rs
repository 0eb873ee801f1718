//! virtio devices over PCI: the `virtio-drivers` crate's PCI transport and
//! split virtqueue over Marten's frames ([`MartenHal`]), and a virtio-blk
//! driver of our own on top ([`VirtioBlk`]) that keeps several requests in
//! flight.
//!
//! A request names its data as [`Seg`]s of frames, which the device reads
//! or writes directly (no copy). [`VirtioBlk::start`] queues it in a free
//! slot and returns at once; [`VirtioBlk::reap`] records whatever the
//! device has handed back, in any order; [`VirtioBlk::take`] collects one
//! request's status. Which slot holds what is the pure `marten-blkq`
//! crate's bookkeeping; waiting (asleep until the disk's interrupt, see
//! `virtio_irq`) is the kernel's.

use crate::frames::{self, FrameKind, Pfn, Seg, Urgency};
use crate::paging::{DIRECT_MAP, PAGE_SIZE, STACK_REGION, phys_to_virt};
use crate::pci::{self, Address};
pub use crate::virtio_irq::{ack_interrupts, is_irq_vector};
use alloc::vec::Vec;
use core::ptr::NonNull;
use marten_abi::blk::{
    SECTOR_SIZE, VIRTIO_BLK_CFG_CAPACITY, VIRTIO_BLK_CFG_SEG_MAX, VIRTIO_BLK_F_FLUSH, VIRTIO_BLK_F_RO,
    VIRTIO_BLK_F_SEG_MAX, VIRTIO_BLK_S_OK, VIRTIO_BLK_T_FLUSH, VIRTIO_BLK_T_IN, VIRTIO_BLK_T_OUT, VIRTIO_F_VERSION_1,
};
use marten_blkq::Slots;
use virtio_drivers::queue::VirtQueue;
use virtio_drivers::transport::Transport;
use virtio_drivers::transport::pci::PciTransport;
use virtio_drivers::transport::pci::bus::{ConfigurationAccess, DeviceFunction, PciRoot};
use virtio_drivers::{BufferDirection, Hal, PhysAddr};

/// The PCI vendor of virtio devices (Red Hat, Inc.).
pub const VIRTIO_VENDOR: u16 = 0x1af4;
/// virtio-blk's PCI device IDs: transitional and modern (virtio 1.0 §4.1.2).
const BLK_DEVICE_IDS: [u16; 2] = [0x1001, 0x1040 + 2];

/// Descriptors in the request queue (QEMU's virtio-blk offers 256).
const QUEUE_SIZE: usize = 256;
/// Requests one disk keeps in flight at most.
pub const SLOTS: usize = 16;
/// Data segments in one request at most (a request also takes a header
/// and a status descriptor): 64 pages, 256 KiB.
pub const MAX_SEGS: usize = 64;

bitflags::bitflags! {
    /// The virtio-blk features this driver can use.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    struct Features: u64 {
        const SEG_MAX = 1 << VIRTIO_BLK_F_SEG_MAX;
        const RO = 1 << VIRTIO_BLK_F_RO;
        const FLUSH = 1 << VIRTIO_BLK_F_FLUSH;
        const VERSION_1 = 1 << VIRTIO_F_VERSION_1;
    }
}

/// The `virtio-drivers` glue: DMA memory from the frame allocator, device
/// memory mapped uncached, buffers shared by their physical address.
pub struct MartenHal;

/// The order of the smallest block of at least `pages` frames.
fn order_for(pages: usize) -> u8 {
    pages.max(1).next_power_of_two().trailing_zeros() as u8
}

/// The physical address of `len` bytes at kernel address `va` if they are
/// physically contiguous.
fn contiguous_phys(va: u64, len: usize) -> Option<u64> {
    if (DIRECT_MAP..STACK_REGION).contains(&va) {
        return Some(va - DIRECT_MAP);
    }
    let pa = crate::paging::kernel_translate(va)?;
    let last = va + len.max(1) as u64 - 1;
    let mut page = va & !(PAGE_SIZE - 1);
    while page < (last & !(PAGE_SIZE - 1)) {
        page += PAGE_SIZE;
        if crate::paging::kernel_translate(page)? != pa + (page - va) {
            return None;
        }
    }
    Some(pa)
}

// SAFETY: dma_alloc returns zeroed, page-aligned, physically contiguous
// frames that nothing else uses until dma_dealloc frees them; the direct
// map gives the matching virtual address. mmio_phys_to_virt maps the BAR
// range afresh (never aliasing other memory). share returns the physical
// address of exactly the buffer's bytes: every buffer this driver queues
// is a frame segment or a slot's header/status in the direct map, which
// is physically contiguous; unshare has nothing to copy back.
unsafe impl Hal for MartenHal {
    fn dma_alloc(pages: usize, _direction: BufferDirection) -> (PhysAddr, NonNull<u8>) {
        let order = order_for(pages);
        // Only device set-up allocates here (the queue), at boot: running
        // out of memory then is fatal, as for the rest of boot.
        let pfn = frames::alloc(order, FrameKind::Kernel, Urgency::Normal).expect("virtio: no memory for DMA");
        for i in 0..(1usize << order) {
            frames::zero(pfn + i as Pfn);
        }
        let pa = (pfn as u64) << 12;
        let va = phys_to_virt(pa) as *mut u8;
        (pa, NonNull::new(va).expect("direct map address is not null"))
    }

    unsafe fn dma_dealloc(paddr: PhysAddr, _vaddr: NonNull<u8>, _pages: usize) -> i32 {
        frames::free((paddr >> 12) as Pfn);
        0
    }

    unsafe fn mmio_phys_to_virt(paddr: PhysAddr, size: usize) -> NonNull<u8> {
        let va = crate::apic::map_mmio(paddr, size as u64).expect("virtio: cannot map device memory");
        NonNull::new(va as *mut u8).expect("MMIO address is not null")
    }

    unsafe fn share(buffer: NonNull<[u8]>, _direction: BufferDirection) -> PhysAddr {
        let va = buffer.as_ptr() as *mut u8 as u64;
        contiguous_phys(va, buffer.len()).expect("virtio: a buffer that is not physically contiguous")
    }

    unsafe fn unshare(_paddr: PhysAddr, _buffer: NonNull<[u8]>, _direction: BufferDirection) {}
}

/// PCI configuration access for `virtio-drivers`, over [`pci`]'s ports.
struct PortCam;

fn address(df: DeviceFunction) -> Address {
    Address {
        bus: df.bus,
        device: df.device,
        function: df.function,
    }
}

impl ConfigurationAccess for PortCam {
    fn read_word(&self, df: DeviceFunction, register_offset: u8) -> u32 {
        pci::read32(address(df), register_offset)
    }

    fn write_word(&mut self, df: DeviceFunction, register_offset: u8, data: u32) {
        pci::write32(address(df), register_offset, data)
    }

    unsafe fn unsafe_clone(&self) -> Self {
        PortCam
    }
}

/// Why a virtio-blk request or set-up failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlkError {
    /// The range is not whole sectors, runs past the end of the disk, or
    /// has no segments or too many.
    Range,
    /// No free slot or not enough free descriptors now: try again after a
    /// request completes.
    Busy,
    /// The device reported an error, or the transport failed.
    Io,
    /// Not enough memory to set the device up.
    NoMemory,
}

/// What a request does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Read,
    Write,
    Flush,
}

/// The PCI functions that are virtio block devices, in bus order.
pub fn blk_functions() -> impl Iterator<Item = Address> {
    pci::devices()
        .iter()
        .map(|e| &e.function)
        .filter(|f| f.vendor == VIRTIO_VENDOR && BLK_DEVICE_IDS.contains(&f.device))
        .map(|f| f.address)
}

/// Bytes of a slot's request header in the header frame; the status bytes
/// follow all headers.
const HEADER: usize = 16;
const STATUS_AT: usize = HEADER * SLOTS;

/// A virtio-blk disk with up to [`SLOTS`] requests in flight.
///
/// Invariant: `meta` is a frame this driver owns holding each slot's
/// request header (at `slot * HEADER`) and status byte (at `STATUS_AT +
/// slot`); while `slots` says slot `i` is queued, the device owns them and
/// `segs[i * MAX_SEGS..][..nsegs[i]]` (the data, in the order given to the queue) and
/// `ops[i]` describe the descriptors the queue holds for it.
pub struct VirtioBlk {
    transport: PciTransport,
    queue: VirtQueue<MartenHal, QUEUE_SIZE>,
    slots: Slots<SLOTS>,
    ops: [Op; SLOTS],
    segs: Vec<Seg>,
    nsegs: [usize; SLOTS],
    meta: Pfn,
    capacity: u64,
    features: Features,
    max_segs: usize,
    irq: bool,
}

// SAFETY: the device and its buffers are reached only through `&mut self`
// (the owner serialises), and nothing in it is tied to a CPU.
unsafe impl Send for VirtioBlk {}

impl VirtioBlk {
    /// Enables the function at `addr` and sets the disk up.
    pub fn new(addr: Address) -> Result<VirtioBlk, BlkError> {
        let meta = frames::alloc_zeroed(FrameKind::Kernel, Urgency::Normal).ok_or(BlkError::NoMemory)?;
        let r = Self::set_up(addr, meta);
        if r.is_err() {
            frames::free(meta);
        }
        r
    }

    fn set_up(addr: Address, meta: Pfn) -> Result<VirtioBlk, BlkError> {
        pci::enable(addr, "virtio-pci");
        let mut root = PciRoot::new(PortCam);
        let df = DeviceFunction {
            bus: addr.bus,
            device: addr.device,
            function: addr.function,
        };
        let mut transport = PciTransport::new::<MartenHal, PortCam>(&mut root, df).map_err(|e| {
            log::warn!("virtio-blk {addr:?}: transport: {e}");
            BlkError::Io
        })?;
        let features = transport.begin_init(Features::all());
        let low = transport.read_config_space::<u32>(VIRTIO_BLK_CFG_CAPACITY);
        let high = transport.read_config_space::<u32>(VIRTIO_BLK_CFG_CAPACITY + 4);
        let (Ok(low), Ok(high)) = (low, high) else {
            log::warn!("virtio-blk {addr:?}: cannot read the capacity");
            return Err(BlkError::Io);
        };
        // The device limits the data descriptors of one request (QEMU:
        // the queue size less 2); never more than a slot records.
        let max_segs = if features.contains(Features::SEG_MAX) {
            transport
                .read_config_space::<u32>(VIRTIO_BLK_CFG_SEG_MAX)
                .map_or(1, |n| (n as usize).clamp(1, MAX_SEGS))
        } else {
            MAX_SEGS
        };
        let mut segs = Vec::new();
        segs.try_reserve_exact(SLOTS * MAX_SEGS)
            .map_err(|_| BlkError::NoMemory)?;
        segs.resize(SLOTS * MAX_SEGS, Seg::default());
        let queue = VirtQueue::new(&mut transport, 0, false, false).map_err(|e| {
            log::warn!("virtio-blk {addr:?}: queue of {QUEUE_SIZE}: {e}");
            BlkError::Io
        })?;
        transport.finish_init();
        let irq = crate::virtio_irq::route_interrupt(addr);
        Ok(VirtioBlk {
            transport,
            queue,
            slots: Slots::new(),
            ops: [Op::Read; SLOTS],
            segs,
            nsegs: [0; SLOTS],
            meta,
            capacity: (u64::from(high) << 32) | u64::from(low),
            features,
            max_segs,
            irq,
        })
    }

    /// The size in 512-byte sectors.
    pub fn capacity(&self) -> u64 {
        self.capacity
    }

    /// Whether the disk's completions raise an interrupt (a vector for
    /// which [`is_irq_vector`] holds); otherwise only polling sees them.
    pub fn has_interrupt(&self) -> bool {
        self.irq
    }

    /// Whether the device refuses writes.
    pub fn readonly(&self) -> bool {
        self.features.contains(Features::RO)
    }

    /// Whether the device has a write cache that a flush empties (without
    /// one, every completed write is durable and a flush is not needed).
    pub fn has_flush(&self) -> bool {
        self.features.contains(Features::FLUSH)
    }

    /// The most data segments one request may have.
    pub fn max_segs(&self) -> usize {
        self.max_segs
    }

    /// Slot `slot`'s header and status bytes.
    fn header_status(&self, slot: usize) -> (&'static mut [u8], &'static mut [u8]) {
        let base = frames::frame_ptr(self.meta);
        // A slot's bytes go only to the device's queue for its request.
        // SAFETY: `meta` is a whole frame this driver owns (invariant); slot
        // < SLOTS keeps both ranges inside it and apart from other slots'.
        unsafe {
            (
                core::slice::from_raw_parts_mut(base.add(slot * HEADER), HEADER),
                core::slice::from_raw_parts_mut(base.add(STATUS_AT + slot), 1),
            )
        }
    }

    /// Segment `seg` as a byte slice for the queue.
    fn seg_bytes(seg: &Seg) -> &'static mut [u8] {
        // The slice only travels into the queue, which turns it into a
        // physical address: the CPU never reads or writes through it.
        // SAFETY: a Seg's frames are its creator's until the request ends.
        unsafe { core::slice::from_raw_parts_mut(frames::frame_ptr(seg.pfn).add(seg.offset), seg.len) }
    }

    /// The queue's view of slot `slot`'s request: (device-readable,
    /// device-writable) buffers, as `start` queued them.
    fn buffers<'a>(
        &self,
        slot: usize,
        ins: &'a mut [&'a [u8]; MAX_SEGS + 1],
        outs: &'a mut [&'a mut [u8]; MAX_SEGS + 1],
    ) -> (&'a [&'a [u8]], &'a mut [&'a mut [u8]]) {
        let (header, status) = self.header_status(slot);
        let segs = &self.segs[slot * MAX_SEGS..][..self.nsegs[slot]];
        ins[0] = header;
        let (ni, no) = match self.ops[slot] {
            Op::Write => {
                for (k, s) in segs.iter().enumerate() {
                    ins[1 + k] = Self::seg_bytes(s);
                }
                outs[0] = status;
                (1 + segs.len(), 1)
            }
            Op::Read => {
                for (k, s) in segs.iter().enumerate() {
                    outs[k] = Self::seg_bytes(s);
                }
                outs[segs.len()] = status;
                (1, segs.len() + 1)
            }
            Op::Flush => {
                outs[0] = status;
                (1, 1)
            }
        };
        (&ins[..ni], &mut outs[..no])
    }

    /// Queues a request: `op` at `sector` with data `segs` (none for a
    /// flush), and tells the device. Returns its slot for [`take`](Self::take).
    /// `Busy` when no slot or too few descriptors are free (try again
    /// after a completion); `Range` for a request that can never run.
    pub fn start(&mut self, op: Op, sector: u64, segs: &[Seg]) -> Result<usize, BlkError> {
        let bytes: usize = segs.iter().map(|s| s.len).sum();
        let sectors = (bytes / SECTOR_SIZE as usize) as u64;
        let data = op != Op::Flush;
        if data
            && (segs.is_empty()
                || segs.len() > self.max_segs
                || segs.iter().any(|s| s.len == 0)
                || !bytes.is_multiple_of(SECTOR_SIZE as usize)
                || sector.checked_add(sectors).is_none_or(|end| end > self.capacity))
        {
            return Err(BlkError::Range);
        }
        if op == Op::Write && self.readonly() {
            return Err(BlkError::Io);
        }
        if self.queue.available_desc() < segs.len() + 2 {
            return Err(BlkError::Busy);
        }
        let slot = self.slots.claim().ok_or(BlkError::Busy)?;
        let kind = match op {
            Op::Read => VIRTIO_BLK_T_IN,
            Op::Write => VIRTIO_BLK_T_OUT,
            Op::Flush => VIRTIO_BLK_T_FLUSH,
        };
        {
            let (header, status) = self.header_status(slot);
            header[..4].copy_from_slice(&kind.to_le_bytes());
            header[4..8].fill(0);
            header[8..16].copy_from_slice(&(if data { sector } else { 0 }).to_le_bytes());
            status[0] = 0xff;
        }
        self.ops[slot] = op;
        self.nsegs[slot] = if data { segs.len() } else { 0 };
        self.segs[slot * MAX_SEGS..][..self.nsegs[slot]].copy_from_slice(&segs[..self.nsegs[slot]]);
        let mut ins: [&[u8]; MAX_SEGS + 1] = [&[]; MAX_SEGS + 1];
        let mut outs: [&mut [u8]; MAX_SEGS + 1] = core::array::from_fn(|_| Default::default());
        let (i, o) = self.buffers(slot, &mut ins, &mut outs);
        // Nothing is touched by the CPU until `reap` pops the token.
        // SAFETY: header and status are this slot's alone; the segments'
        // frames are the caller's for the request's life (Seg invariant).
        let token = unsafe { self.queue.add(i, o) };
        let token = match token {
            Ok(t) => t,
            Err(e) => {
                self.slots.unclaim(slot);
                log::warn!("virtio-blk: queue refused a request: {e}");
                return Err(BlkError::Busy);
            }
        };
        if !self.slots.queued(slot, token) {
            // Cannot happen with a device that follows the protocol; the
            // request stays queued and this slot is lost rather than reused.
            log::error!("virtio-blk: token {token} already in flight");
            return Err(BlkError::Io);
        }
        if self.queue.should_notify() {
            self.transport.notify(0);
        }
        Ok(slot)
    }

    /// Records every request the device has handed back (in the order of
    /// its used ring). Returns how many.
    pub fn reap(&mut self) -> usize {
        let mut n = 0;
        while let Some(token) = self.queue.peek_used() {
            let Some(slot) = self.slots.find(token) else {
                // A token we never queued: nothing to give back; leave it
                // (and everything after it) rather than guess.
                log::error!("virtio-blk: the device returned unknown token {token}");
                break;
            };
            let mut ins: [&[u8]; MAX_SEGS + 1] = [&[]; MAX_SEGS + 1];
            let mut outs: [&mut [u8]; MAX_SEGS + 1] = core::array::from_fn(|_| Default::default());
            let (i, o) = self.buffers(slot, &mut ins, &mut outs);
            // SAFETY: the same buffers `start` queued under this token (the
            // slot records them), which the device has handed back.
            let popped = unsafe { self.queue.pop_used(token, i, o) };
            let status = match popped {
                Ok(_) => self.header_status(slot).1[0],
                Err(_) => 0xff,
            };
            self.slots.completed(token, status);
            n += 1;
        }
        n
    }

    /// Whether slot `slot`'s request has been handed back.
    pub fn is_done(&self, slot: usize) -> bool {
        self.slots.is_done(slot)
    }

    /// How many requests the device holds now.
    pub fn in_flight(&self) -> usize {
        self.slots.in_flight()
    }

    /// Whether a request of `segs` data segments could start now.
    pub fn has_room(&self, segs: usize) -> bool {
        self.slots.has_free() && self.queue.available_desc() >= segs + 2
    }

    /// Collects slot `slot`'s result and frees it, once it is done.
    pub fn take(&mut self, slot: usize) -> Option<Result<(), BlkError>> {
        let status = self.slots.take(slot)?;
        Some(if status == VIRTIO_BLK_S_OK {
            Ok(())
        } else {
            Err(BlkError::Io)
        })
    }
}

impl Drop for VirtioBlk {
    fn drop(&mut self) {
        // Only a disk that never went live is dropped (no hot-plug); a
        // request still in flight would keep its slot's frame, so leak it
        // rather than hand the device freed memory.
        if self.slots.in_flight() == 0 {
            frames::free(self.meta);
        }
    }
}
