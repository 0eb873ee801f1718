//! timerfd system calls: timerfd_create(2), timerfd_settime(2),
//! timerfd_gettime(2). The file is `fs::timerfd`.

use super::timer::{read_itimerspec, write_itimerspec};
use super::{Call, SysResult};
use crate::fs::file::File;
use crate::fs::timerfd::{self, TimerFd};
use crate::proc::limits;
use crate::proc::thread_user::current_files;
use crate::sched;
use marten_abi::errno::Errno;
use marten_abi::fcntl::{O_NONBLOCK, O_RDWR};
use marten_abi::time::*;
use marten_abi::timer::*;
use marten_rlimit::Resource;

/// timerfd_create(2): CLOCK_REALTIME, CLOCK_MONOTONIC or CLOCK_BOOTTIME;
/// TFD_NONBLOCK and TFD_CLOEXEC.
pub fn timerfd_create(c: &mut Call<'_>) -> SysResult {
    let [clock, flags, ..] = c.a();
    if flags & !(TFD_CLOEXEC | TFD_NONBLOCK) != 0 {
        return Err(Errno::EINVAL);
    }
    match clock {
        CLOCK_REALTIME | CLOCK_MONOTONIC | CLOCK_BOOTTIME => {}
        CLOCK_REALTIME_ALARM | CLOCK_BOOTTIME_ALARM => {
            crate::warn_once!("timerfd_create: alarm clocks are not supported: EINVAL");
            return Err(Errno::EINVAL);
        }
        _ => return Err(Errno::EINVAL),
    }
    let p = sched::current_process();
    let limit = limits::soft(&p, Resource::Nofile);
    if current_files()?.lock().first_free(0, limit).is_none() {
        return Err(Errno::EMFILE);
    }
    let ops = crate::hal::heap::try_box(TimerFd::new(clock)?).map_err(|_| Errno::ENOMEM)?;
    let status = if flags & TFD_NONBLOCK != 0 { O_NONBLOCK } else { 0 };
    let f = File::new(ops, O_RDWR | status)?;
    let fd = current_files()?.lock().alloc(f, 0, limit, flags & TFD_CLOEXEC != 0)?;
    Ok(fd)
}

fn timer_file(fd: u64) -> Result<alloc::sync::Arc<File>, Errno> {
    let f = super::files::file(fd)?;
    if timerfd::of(&f).is_none() {
        return Err(Errno::EINVAL);
    }
    Ok(f)
}

/// timerfd_settime(2): relative or TFD_TIMER_ABSTIME. TFD_TIMER_CANCEL_ON_SET
/// is accepted: Marten's CLOCK_REALTIME is never set, so no read is ever
/// cancelled.
pub fn timerfd_settime(c: &mut Call<'_>) -> SysResult {
    let [fd, flags, new, old, ..] = c.a();
    if flags & !(TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET) != 0 {
        return Err(Errno::EINVAL);
    }
    let (value, interval) = read_itimerspec(new)?;
    let f = timer_file(fd)?;
    let t = timerfd::of(&f).ok_or(Errno::EINVAL)?;
    let was = t.set(flags & TFD_TIMER_ABSTIME != 0, value, interval);
    if old != 0 {
        write_itimerspec(old, was)?;
    }
    Ok(0)
}

/// timerfd_gettime(2): the time left and the period.
pub fn timerfd_gettime(c: &mut Call<'_>) -> SysResult {
    let f = timer_file(c.a()[0])?;
    let now = timerfd::of(&f).ok_or(Errno::EINVAL)?.get();
    write_itimerspec(c.a()[1], now)?;
    Ok(0)
}
