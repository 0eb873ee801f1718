//! File systems and files: tmpfs (the root, /tmp, /dev, /dev/shm), procfs
//! and sysfs behind the VFS's traits (`crate::vfs`); open files and
//! descriptor tables; pipes, FIFOs, the console and the character devices.

pub mod dev;
pub mod epoll;
pub mod ext2;
pub mod fdtable;
pub mod fifo;
pub mod file;
pub mod fmt;
pub mod initramfs;
pub mod locks;
pub mod pidfd;
pub mod pipe;
pub mod procfs;
pub mod signalfd;
pub mod sysfs;
pub mod timerfd;
pub mod tmpfs;
