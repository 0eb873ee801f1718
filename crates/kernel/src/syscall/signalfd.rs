//! signalfd system calls: signalfd(2) and signalfd4(2). The file is
//! `fs::signalfd`.

use super::{Call, SysResult};
use crate::fs::file::File;
use crate::fs::signalfd::{self, SignalFd};
use crate::proc::limits;
use crate::proc::thread_user::current_files;
use crate::{sched, uaccess};
use marten_abi::errno::Errno;
use marten_abi::fcntl::{O_NONBLOCK, O_RDWR};
use marten_abi::timer::{SFD_CLOEXEC, SFD_NONBLOCK, SIGSET_SIZE};
use marten_rlimit::Resource;
use marten_signal::SigSet;

/// signalfd4(2): a new signalfd (`fd` -1) or a new mask for an existing
/// one; SFD_NONBLOCK and SFD_CLOEXEC (new files only, as Linux).
pub fn signalfd4(c: &mut Call<'_>) -> SysResult {
    let [fd, mask, size, flags, ..] = c.a();
    if flags & !(SFD_CLOEXEC | SFD_NONBLOCK) != 0 || size != SIGSET_SIZE {
        return Err(Errno::EINVAL);
    }
    let mask = SigSet(uaccess::read_u64(mask)?);
    if fd as i32 != -1 {
        let f = super::files::file(fd)?;
        signalfd::of(&f).ok_or(Errno::EINVAL)?.set_mask(mask);
        return Ok(fd as i32 as u64);
    }
    let p = sched::current_process();
    let limit = limits::soft(&p, Resource::Nofile);
    if current_files()?.lock().first_free(0, limit).is_none() {
        return Err(Errno::EMFILE);
    }
    let ops = crate::hal::heap::try_box(SignalFd::new(mask)).map_err(|_| Errno::ENOMEM)?;
    let status = if flags & SFD_NONBLOCK != 0 { O_NONBLOCK } else { 0 };
    let f = File::new(ops, O_RDWR | status)?;
    current_files()?.lock().alloc(f, 0, limit, flags & SFD_CLOEXEC != 0)
}

/// signalfd(2): signalfd4 without flags.
pub fn signalfd(c: &mut Call<'_>) -> SysResult {
    c.a()[3] = 0;
    signalfd4(c)
}
