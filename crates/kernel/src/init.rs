//! Process 1 in the kernel: starts the kernel shell (or the in-kernel
//! tests) and reaps orphans.

use crate::proc::{self, WaitFor};
use crate::{config, kshell, ktest, sched, shutdown};
use marten_abi::errno::Errno;
use marten_abi::wait;

/// Body of init's first thread.
pub fn main() -> isize {
    let me = sched::current_process();
    if config::get().test {
        let runner = match proc::spawn_kernel("ktest", &me, || ktest::run_all_and_report() as isize)
        {
            Ok(p) => p,
            Err(e) => panic!("cannot start the test runner: {e}"),
        };
        loop {
            match proc::waitpid(WaitFor::Any, false) {
                Ok(Some((pid, status))) if pid == runner.pid => {
                    let failed = !wait::if_exited(status) || wait::exit_status(status) != 0;
                    shutdown::init_exited(wait::exited(failed as i32));
                }
                Ok(_) => {}
                Err(_) => sched::sleep_ms(10),
            }
        }
    }
    if let Err(e) = proc::spawn_kernel("kshell", &me, kshell::main) {
        log::error!("cannot start the kernel shell: {e}");
    }
    reap_forever()
}

/// Reaps every child that exits, forever.
pub fn reap_forever() -> ! {
    let me = sched::current_process();
    loop {
        match proc::waitpid(WaitFor::Any, false) {
            Ok(Some((pid, status))) => log::debug!("reaped {pid} (status {status:#x})"),
            Ok(None) => {}
            Err(Errno::ECHILD) => {
                let _ = me.child_wq.wait_until(false, || me.has_children());
            }
            Err(_) => {}
        }
    }
}
