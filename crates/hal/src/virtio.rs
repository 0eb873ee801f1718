//! virtio devices over PCI through the `virtio-drivers` crate: its [`Hal`]
//! over the frame allocator and the direct map, the PCI configuration
//! access it needs, and a safe virtio-blk driver ([`VirtioBlk`]).
//!
//! A request is queued and then waited for by the caller's `wait`
//! function, given a check of the used ring: the kernel sleeps until the
//! disk's interrupt (see `route_interrupt`) or spins where it cannot
//! sleep. Data always moves through a DMA buffer the driver owns
//! (contiguous frames in the direct map), so the caller's buffers may live
//! anywhere.

use crate::frames::{self, FrameKind, Pfn, Urgency};
use crate::paging::{DIRECT_MAP, PAGE_SIZE, STACK_REGION, phys_to_virt};
use crate::pci::{self, Address};
pub use crate::virtio_irq::{ack_interrupts, is_irq_vector};
use crate::sync::SpinLock;
use alloc::boxed::Box;
use core::ptr::NonNull;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use virtio_drivers::device::blk::{BlkReq, BlkResp, SECTOR_SIZE, VirtIOBlk};
use virtio_drivers::transport::pci::PciTransport;
use virtio_drivers::transport::pci::bus::{ConfigurationAccess, DeviceFunction, PciRoot};
use virtio_drivers::{BufferDirection, Hal, PhysAddr};

/// The PCI vendor of virtio devices (Red Hat, Inc.).
pub const VIRTIO_VENDOR: u16 = 0x1af4;
/// virtio-blk's PCI device IDs: transitional and modern (virtio 1.0 §4.1.2).
const BLK_DEVICE_IDS: [u16; 2] = [0x1001, 0x1040 + 2];

/// The size of each device's DMA data buffer (the largest transfer one
/// request moves): 2^DATA_ORDER pages.
const DATA_ORDER: u8 = 6;
const DATA_BYTES: usize = (PAGE_SIZE as usize) << DATA_ORDER;

/// One page for a buffer that is neither in the direct map nor physically
/// contiguous (the request header `flush` keeps on the stack): its physical
/// address (0 until the first device is set up), whether a request uses it
/// now, and the lock `flush` holds, the one path that can need it.
static BOUNCE_PA: AtomicU64 = AtomicU64::new(0);
static BOUNCE_BUSY: AtomicBool = AtomicBool::new(false);
static FLUSH_LOCK: SpinLock<()> = SpinLock::new(());

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
// range afresh (never aliasing other memory). share returns an address the
// device may access for exactly the buffer's bytes (its own frames, or the
// bounce page that holds a copy), and unshare copies back what the device
// wrote.
unsafe impl Hal for MartenHal {
    fn dma_alloc(pages: usize, _direction: BufferDirection) -> (PhysAddr, NonNull<u8>) {
        let order = order_for(pages);
        // Only device set-up allocates here (the queues), at boot: running
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

    unsafe fn share(buffer: NonNull<[u8]>, direction: BufferDirection) -> PhysAddr {
        let va = buffer.as_ptr() as *mut u8 as u64;
        let len = buffer.len();
        if let Some(pa) = contiguous_phys(va, len) {
            return pa;
        }
        let bounce = BOUNCE_PA.load(Ordering::Acquire);
        assert!(
            bounce != 0 && len <= PAGE_SIZE as usize && !BOUNCE_BUSY.swap(true, Ordering::AcqRel),
            "virtio: a scattered buffer the bounce page cannot take"
        );
        if !matches!(direction, BufferDirection::DeviceToDriver) {
            let dst = phys_to_virt(bounce) as *mut u8;
            // SAFETY: the caller guarantees `buffer` is valid for `len`
            // bytes; the bounce page is ours (BOUNCE_BUSY) and `len` fits.
            unsafe { core::ptr::copy_nonoverlapping(va as *const u8, dst, len) };
        }
        bounce
    }

    unsafe fn unshare(paddr: PhysAddr, buffer: NonNull<[u8]>, direction: BufferDirection) {
        let bounce = BOUNCE_PA.load(Ordering::Acquire);
        if bounce == 0 || paddr != bounce {
            return;
        }
        let len = buffer.len();
        if !matches!(direction, BufferDirection::DriverToDevice) {
            let src = phys_to_virt(bounce) as *const u8;
            // SAFETY: as in `share`: `buffer` is valid for `len` bytes and
            // the bounce page holds the device's copy of them.
            unsafe { core::ptr::copy_nonoverlapping(src, buffer.as_ptr() as *mut u8, len) };
        }
        BOUNCE_BUSY.store(false, Ordering::Release);
    }
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
    /// The range is not whole sectors or runs past the end of the disk.
    Range,
    /// The device reported an error, or the transport failed.
    Io,
    /// Not enough memory to set the device up.
    NoMemory,
}

/// How a request is waited for: called with a check that is true once the
/// device has finished it.
pub type Waiter<'a> = &'a mut dyn FnMut(&mut dyn FnMut() -> bool);

/// A [`Waiter`] that spins.
pub fn spin_wait(done: &mut dyn FnMut() -> bool) {
    while !done() {
        core::hint::spin_loop();
    }
}

/// The PCI functions that are virtio block devices, in bus order.
pub fn blk_functions() -> impl Iterator<Item = Address> {
    pci::devices()
        .iter()
        .map(|e| &e.function)
        .filter(|f| f.vendor == VIRTIO_VENDOR && BLK_DEVICE_IDS.contains(&f.device))
        .map(|f| f.address)
}

/// A virtio-blk disk (interrupt-driven where its INTx could be routed).
///
/// Invariant: `data` is the head of a block of 2^DATA_ORDER frames this
/// driver owns; `req` and `resp` live in the kernel heap's direct map (so
/// the device reaches them contiguously) and are touched by the CPU only
/// while no request is in flight; one request at a time (`&mut self`).
pub struct VirtioBlk {
    dev: VirtIOBlk<MartenHal, PciTransport>,
    data: Pfn,
    req: Box<BlkReq>,
    resp: Box<BlkResp>,
    capacity: u64,
    readonly: bool,
    irq: bool,
}

// SAFETY: the device and its buffers are reached only through `&mut self`
// (the owner serialises), and nothing in it is tied to a CPU.
unsafe impl Send for VirtioBlk {}

impl VirtioBlk {
    /// Enables the function at `addr` and sets the disk up.
    pub fn new(addr: Address) -> Result<VirtioBlk, BlkError> {
        if BOUNCE_PA.load(Ordering::Acquire) == 0 {
            let pfn = frames::alloc_zeroed(FrameKind::Kernel, Urgency::Normal).ok_or(BlkError::NoMemory)?;
            if BOUNCE_PA
                .compare_exchange(0, (pfn as u64) << 12, Ordering::AcqRel, Ordering::Acquire)
                .is_err()
            {
                frames::free(pfn);
            }
        }
        let req = crate::heap::try_box(BlkReq::default()).map_err(|_| BlkError::NoMemory)?;
        let resp = crate::heap::try_box(BlkResp::default()).map_err(|_| BlkError::NoMemory)?;
        let data = frames::alloc(DATA_ORDER, FrameKind::Kernel, Urgency::Normal).ok_or(BlkError::NoMemory)?;
        pci::enable(addr, "virtio-pci");
        let mut root = PciRoot::new(PortCam);
        let df = DeviceFunction {
            bus: addr.bus,
            device: addr.device,
            function: addr.function,
        };
        let dev = PciTransport::new::<MartenHal, PortCam>(&mut root, df)
            .map_err(|e| {
                log::warn!("virtio-blk {:?}: transport: {e}", addr);
                BlkError::Io
            })
            .and_then(|t| {
                VirtIOBlk::new(t).map_err(|e| {
                    log::warn!("virtio-blk {:?}: {e}", addr);
                    BlkError::Io
                })
            });
        let dev = match dev {
            Ok(d) => d,
            Err(e) => {
                frames::free(data);
                return Err(e);
            }
        };
        let capacity = dev.capacity();
        let readonly = dev.readonly();
        let irq = crate::virtio_irq::route_interrupt(addr);
        Ok(VirtioBlk {
            dev,
            data,
            req,
            resp,
            capacity,
            readonly,
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
        self.readonly
    }

    /// The DMA buffer.
    fn data(&mut self) -> &mut [u8] {
        let va = phys_to_virt((self.data as u64) << 12) as *mut u8;
        // SAFETY: `data` is a block of DATA_BYTES bytes this driver owns
        // (invariant), mapped by the direct map, and `&mut self` makes this
        // the only reference to it.
        unsafe { core::slice::from_raw_parts_mut(va, DATA_BYTES) }
    }

    fn check(&self, sector: u64, len: usize) -> Result<(), BlkError> {
        let sectors = (len / SECTOR_SIZE) as u64;
        if !len.is_multiple_of(SECTOR_SIZE) || sector.checked_add(sectors).is_none_or(|end| end > self.capacity) {
            return Err(BlkError::Range);
        }
        Ok(())
    }

    /// Reads whole sectors from `sector` into `buf`. Each request is
    /// waited for by `wait`, which must return only once the check it is
    /// given returns true (it may sleep until a disk interrupt, or spin).
    pub fn read(&mut self, sector: u64, buf: &mut [u8], wait: Waiter<'_>) -> Result<(), BlkError> {
        self.check(sector, buf.len())?;
        let mut done = 0;
        while done < buf.len() {
            let n = (buf.len() - done).min(DATA_BYTES);
            let at = sector + (done / SECTOR_SIZE) as u64;
            self.transfer(at, n, false, &mut *wait)?;
            buf[done..done + n].copy_from_slice(&self.data()[..n]);
            done += n;
        }
        Ok(())
    }

    /// Writes whole sectors from `buf` at `sector`, waiting as `read`.
    pub fn write(&mut self, sector: u64, buf: &[u8], wait: Waiter<'_>) -> Result<(), BlkError> {
        self.check(sector, buf.len())?;
        if self.readonly {
            return Err(BlkError::Io);
        }
        let mut done = 0;
        while done < buf.len() {
            let n = (buf.len() - done).min(DATA_BYTES);
            let at = sector + (done / SECTOR_SIZE) as u64;
            self.data()[..n].copy_from_slice(&buf[done..done + n]);
            self.transfer(at, n, true, &mut *wait)?;
            done += n;
        }
        Ok(())
    }

    /// Asks the device to make written data durable.
    pub fn flush(&mut self) -> Result<(), BlkError> {
        let _g = FLUSH_LOCK.lock();
        self.dev.flush().map_err(|_| BlkError::Io)
    }

    /// One request of `n` bytes (whole sectors, at most DATA_BYTES) between
    /// the DMA buffer and the disk at `sector`, waited for with `wait`
    /// (then spun on, should `wait` return early, until the device has
    /// handed it back).
    fn transfer(&mut self, sector: u64, n: usize, write: bool, wait: Waiter<'_>) -> Result<(), BlkError> {
        let va = phys_to_virt((self.data as u64) << 12) as *mut u8;
        // SAFETY: as in `data`; this slice is the one view of the buffer
        // until the request completes below.
        let buf = unsafe { core::slice::from_raw_parts_mut(va, n) };
        let block = sector as usize;
        // SAFETY: `req`, `buf` and `resp` stay alive and untouched until the
        // matching complete call below, which runs before this returns
        // (the loop waits for the device to hand the request back).
        let token = unsafe {
            if write {
                self.dev.write_blocks_nb(block, &mut self.req, buf, &mut self.resp)
            } else {
                self.dev.read_blocks_nb(block, &mut self.req, buf, &mut self.resp)
            }
        }
        .map_err(|_| BlkError::Io)?;
        {
            let dev = &mut self.dev;
            wait(&mut || dev.peek_used() == Some(token));
        }
        // Whatever `wait` did, the request must be back before its buffers
        // are given up.
        while self.dev.peek_used() != Some(token) {
            core::hint::spin_loop();
        }
        // SAFETY: the same req, buffer and resp as the request just queued,
        // which the device has returned.
        let r = unsafe {
            if write {
                self.dev.complete_write_blocks(token, &self.req, buf, &mut self.resp)
            } else {
                self.dev.complete_read_blocks(token, &self.req, buf, &mut self.resp)
            }
        };
        r.map_err(|_| BlkError::Io)
    }
}

impl Drop for VirtioBlk {
    fn drop(&mut self) {
        frames::free(self.data);
    }
}
