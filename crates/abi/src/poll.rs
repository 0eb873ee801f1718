//! poll(2), select(2) and epoll(7): event bits, `fd_set` size, epoll_ctl
//! operations and flags.

pub const POLLIN: u16 = 0x1;
pub const POLLPRI: u16 = 0x2;
pub const POLLOUT: u16 = 0x4;
pub const POLLERR: u16 = 0x8;
pub const POLLHUP: u16 = 0x10;
pub const POLLNVAL: u16 = 0x20;
pub const POLLRDNORM: u16 = 0x40;
pub const POLLRDBAND: u16 = 0x80;
pub const POLLWRNORM: u16 = 0x100;
pub const POLLWRBAND: u16 = 0x200;
pub const POLLMSG: u16 = 0x400;
pub const POLLRDHUP: u16 = 0x2000;

/// `struct pollfd`: fd (i32), events (i16), revents (i16).
pub const POLLFD_SIZE: usize = 8;

/// select(2): what the read set means ("ready for reading", as Linux's
/// `POLLIN_SET`), the write set (`POLLOUT_SET`) and the exception set
/// (`POLLEX_SET`).
pub const POLLIN_SET: u16 = POLLRDNORM | POLLRDBAND | POLLIN | POLLHUP | POLLERR;
pub const POLLOUT_SET: u16 = POLLWRBAND | POLLWRNORM | POLLOUT | POLLERR;
pub const POLLEX_SET: u16 = POLLPRI;

/// epoll event bits (the poll bits, as 32-bit values, and epoll's own).
pub const EPOLLIN: u32 = POLLIN as u32;
pub const EPOLLPRI: u32 = POLLPRI as u32;
pub const EPOLLOUT: u32 = POLLOUT as u32;
pub const EPOLLERR: u32 = POLLERR as u32;
pub const EPOLLHUP: u32 = POLLHUP as u32;
pub const EPOLLNVAL: u32 = POLLNVAL as u32;
pub const EPOLLRDNORM: u32 = POLLRDNORM as u32;
pub const EPOLLRDBAND: u32 = POLLRDBAND as u32;
pub const EPOLLWRNORM: u32 = POLLWRNORM as u32;
pub const EPOLLWRBAND: u32 = POLLWRBAND as u32;
pub const EPOLLMSG: u32 = POLLMSG as u32;
pub const EPOLLRDHUP: u32 = POLLRDHUP as u32;
/// Wake only one of the epoll instances attached exclusively to a target.
pub const EPOLLEXCLUSIVE: u32 = 1 << 28;
/// Keep the system from suspending while the event is pending.
pub const EPOLLWAKEUP: u32 = 1 << 29;
/// Report once, then disable the item until EPOLL_CTL_MOD.
pub const EPOLLONESHOT: u32 = 1 << 30;
/// Edge-triggered.
pub const EPOLLET: u32 = 1 << 31;
/// The bits allowed with EPOLLEXCLUSIVE (Linux's `EPOLLEXCLUSIVE_OK_BITS`).
pub const EPOLLEXCLUSIVE_OK_BITS: u32 =
    EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP | EPOLLWAKEUP | EPOLLET | EPOLLEXCLUSIVE;

/// epoll_ctl operations.
pub const EPOLL_CTL_ADD: u64 = 1;
pub const EPOLL_CTL_DEL: u64 = 2;
pub const EPOLL_CTL_MOD: u64 = 3;
/// epoll_create1 flag (O_CLOEXEC's value).
pub const EPOLL_CLOEXEC: u64 = 0o2000000;
/// `struct epoll_event` is packed on x86-64: events (u32), data (u64).
pub const EPOLL_EVENT_SIZE: usize = 12;
/// Largest maxevents epoll_wait accepts (INT_MAX / sizeof(struct epoll_event)).
pub const EP_MAX_EVENTS: u64 = (i32::MAX as u64) / EPOLL_EVENT_SIZE as u64;
/// Deepest nesting of epoll instances inside one another (Linux's EP_MAX_NESTS).
pub const EP_MAX_NESTS: usize = 4;
