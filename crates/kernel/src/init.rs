//! Process 1: a user program from the initramfs, or a kernel init that
//! starts the kernel shell (or the in-kernel tests) and reaps orphans.

// Starting init happens once, at boot, before user space exists: it may
// allocate infallibly (see kalloc.rs). The reaping loop does not allocate.
#![allow(clippy::disallowed_methods, clippy::disallowed_macros)]

use crate::config::Config;
use crate::proc::{self, WaitFor};
use crate::{config, exec, fs, kshell, ktest, sched, shutdown};
use alloc::vec::Vec;
use marten_abi::errno::Errno;
use marten_abi::wait;

/// Body of init's first thread.
pub fn main() -> isize {
    let me = sched::current_process();
    if config::get().test {
        let runner = match proc::spawn_kernel("ktest", &me, || ktest::run_all_and_report() as isize) {
            Ok(p) => p,
            Err(e) => panic!("cannot start the test runner: {e}"),
        };
        loop {
            match proc::waitpid(WaitFor::Any, false, true) {
                Ok(Some((pid, status))) if pid == runner.pid => {
                    let failed = !wait::if_exited(status) || wait::exit_status(status) != 0;
                    shutdown::init_exited(wait::exited(failed as i32));
                }
                Ok(_) => {}
                Err(_) => sched::sleep_ms(10),
            }
        }
    }
    start_shells(&me);
    reap_forever()
}

/// Starts a kernel shell on each console terminal (`console=`: by
/// default the serial line and the virtual terminal in the foreground).
fn start_shells(me: &alloc::sync::Arc<proc::Process>) {
    let mut started: Vec<alloc::sync::Arc<crate::tty::Tty>> = Vec::new();
    for &d in config::get().consoles.iter() {
        let Some(t) = crate::tty::terminal_of(d) else {
            continue;
        };
        if started.iter().any(|s| alloc::sync::Arc::ptr_eq(s, &t)) {
            continue;
        }
        started.push(t.clone());
        if let Err(e) = kshell::start_under(t, false, me) {
            log::error!("cannot start the kernel shell: {e}");
        }
    }
}

/// Starts the user-space init as pid 1, if there is one and the command
/// line does not ask for the kernel shell or the tests. Returns whether it
/// started.
pub fn start_user_init(cfg: &Config, disk_root: bool) -> bool {
    if cfg.test || cfg.kshell || !(disk_root || fs::initramfs::has_user_files()) {
        return false;
    }
    let defaults: [&[u8]; 3] = [b"/init", b"/sbin/init", b"/bin/sh"];
    let candidates: Vec<&[u8]> = match &cfg.init {
        Some(p) => alloc::vec![p.as_bytes()],
        None => defaults.to_vec(),
    };
    for path in candidates {
        if let Err(e) = crate::vfs::walk::lookup_kernel(path) {
            if cfg.init.is_some() {
                // Asked for by name: say why it is not there.
                log::error!("{}: {}", alloc::string::String::from_utf8_lossy(path), e.name());
            }
            continue;
        }
        let mut argv: Vec<Vec<u8>> = alloc::vec![path.to_vec()];
        argv.extend(cfg.init_args.iter().map(|a| a.as_bytes().to_vec()));
        let mut envp: Vec<Vec<u8>> = alloc::vec![b"HOME=/".to_vec(), b"TERM=linux".to_vec()];
        envp.extend(cfg.init_env.iter().map(|e| e.as_bytes().to_vec()));
        // Said before the spawn: this boot thread becomes the idle thread,
        // so once init is runnable it may never run again before init
        // has finished (and powered the machine off).
        log::info!("init: starting {}", alloc::string::String::from_utf8_lossy(path));
        match exec::spawn(path, &argv, &envp, &proc::kernel_process(), Some(1), None) {
            Ok(_) => return true,
            Err(e) => log::error!(
                "init: cannot start {}: {e}",
                alloc::string::String::from_utf8_lossy(path)
            ),
        }
    }
    log::warn!("no user init could be started; running the kernel shell");
    false
}

/// Reaps every child that exits, forever.
pub fn reap_forever() -> ! {
    let me = sched::current_process();
    loop {
        match proc::waitpid(WaitFor::Any, false, true) {
            Ok(Some((pid, status))) => log::debug!("reaped {pid} (status {status:#x})"),
            Ok(None) => {}
            Err(Errno::ECHILD) => {
                let _ = me.child_wq.wait_until(false, || me.has_children());
            }
            Err(_) => {}
        }
    }
}
