//! An open terminal (a serial port, the console, a PTY slave) as a file:
//! read and write with job control, poll, and the terminal ioctls.

use super::core::Tty;
use super::jobctl;
use crate::fs::file::{File, FileOps, Stat};
use crate::sched::current_process;
use crate::sync::{PollTable, QueueRef};
use crate::uaccess;
use alloc::sync::Arc;
use marten_abi::errno::Errno;
use marten_abi::ioctl::*;
use marten_abi::signal::{SIGTTIN, SIGTTOU};
use marten_abi::termios::{KERNEL_TERMIOS_SIZE, TOSTOP};
use marten_abi::{mode, poll};
use marten_ldisc::Termios;

/// Called when an open terminal file goes away (a PTY slave counts them).
pub trait OnClose: Send + Sync {
    fn closed(&self);
}

/// One open terminal.
///
/// Invariant: `rdev` is the device number it was opened as (5:1 for
/// /dev/console, the terminal's own otherwise).
pub struct TtyFile {
    pub tty: Arc<Tty>,
    pub rdev: (u32, u32),
    pub on_close: Option<Arc<dyn OnClose>>,
}

impl Drop for TtyFile {
    fn drop(&mut self) {
        if let Some(c) = &self.on_close {
            c.closed();
        }
    }
}

/// Copies a `struct winsize` out.
fn put_winsize(arg: u64, ws: [u16; 4]) -> Result<u64, Errno> {
    let mut b = [0u8; 8];
    for (i, v) in ws.iter().enumerate() {
        b[i * 2..i * 2 + 2].copy_from_slice(&v.to_le_bytes());
    }
    uaccess::write_bytes(arg, &b)?;
    Ok(0)
}

fn get_winsize(arg: u64) -> Result<[u16; 4], Errno> {
    let mut b = [0u8; 8];
    uaccess::read_bytes(arg, &mut b)?;
    let mut ws = [0u16; 4];
    for (i, v) in ws.iter_mut().enumerate() {
        *v = u16::from_le_bytes([b[i * 2], b[i * 2 + 1]]);
    }
    Ok(ws)
}

fn put_int(arg: u64, v: i32) -> Result<u64, Errno> {
    uaccess::write_bytes(arg, &v.to_le_bytes())?;
    Ok(0)
}

/// The terminal ioctls shared by every terminal file (a PTY master passes
/// what it does not handle itself here, for its slave).
pub fn tty_ioctl(tty: &Arc<Tty>, cmd: u32, arg: u64) -> Result<u64, Errno> {
    let p = current_process();
    match cmd {
        TCGETS => {
            uaccess::write_bytes(arg, &tty.termios().to_bytes())?;
            Ok(0)
        }
        TCSETS | TCSETSW | TCSETSF => {
            jobctl::check_change(tty, &p, SIGTTOU)?;
            let mut b = [0u8; KERNEL_TERMIOS_SIZE];
            uaccess::read_bytes(arg, &mut b)?;
            if cmd != TCSETS {
                tty.drain()?;
            }
            tty.set_termios(Termios::from_bytes(&b), cmd == TCSETSF);
            Ok(0)
        }
        TIOCGWINSZ => put_winsize(arg, tty.winsize()),
        TIOCSWINSZ => {
            jobctl::check_change(tty, &p, SIGTTOU)?;
            tty.set_winsize(get_winsize(arg)?);
            Ok(0)
        }
        TCFLSH => {
            jobctl::check_change(tty, &p, SIGTTOU)?;
            match arg {
                TCIFLUSH => tty.flush(true, false),
                TCOFLUSH => tty.flush(false, true),
                TCIOFLUSH => tty.flush(true, true),
                _ => return Err(Errno::EINVAL),
            }
            Ok(0)
        }
        TCXONC => {
            jobctl::check_change(tty, &p, SIGTTOU)?;
            match arg {
                TCOOFF => tty.set_output_stopped(true),
                TCOON => tty.set_output_stopped(false),
                TCIOFF => tty.send_flow_char(false),
                TCION => tty.send_flow_char(true),
                _ => return Err(Errno::EINVAL),
            }
            Ok(0)
        }
        TCSBRK | TCSBRKP => {
            // Draining is all: there is no line to send a break on.
            tty.drain()?;
            Ok(0)
        }
        TIOCOUTQ => put_int(arg, tty.driver.chars_in_buffer() as i32),
        FIONREAD => put_int(arg, tty.input_len() as i32),
        TIOCSTI => {
            crate::warn_once!("tty: TIOCSTI refused (as Linux with legacy_tiocsti off): EIO");
            Err(Errno::EIO)
        }
        TIOCSCTTY => jobctl::set_ctty(tty, &p, arg == 1).map(|_| 0),
        TIOCNOTTY => {
            if !jobctl::is_ctty_of(tty, &p) {
                return Err(Errno::ENOTTY);
            }
            jobctl::disassociate(&p, false).map(|_| 0)
        }
        TIOCGPGRP => put_int(arg, jobctl::foreground(tty, &p)? as i32),
        TIOCGSID => put_int(arg, jobctl::session(tty, &p)? as i32),
        TIOCSPGRP => {
            let mut b = [0u8; 4];
            uaccess::read_bytes(arg, &mut b)?;
            jobctl::set_foreground(tty, &p, i32::from_le_bytes(b)).map(|_| 0)
        }
        _ => Err(Errno::ENOTTY),
    }
}

impl FileOps for TtyFile {
    fn read(&self, file: &File, buf: &mut [u8]) -> Result<usize, Errno> {
        jobctl::check_change(&self.tty, &current_process(), SIGTTIN)?;
        self.tty.read(buf, file.nonblocking())
    }

    fn write(&self, file: &File, buf: &[u8]) -> Result<usize, Errno> {
        if self.tty.termios().lflag & TOSTOP != 0 {
            jobctl::check_change(&self.tty, &current_process(), SIGTTOU)?;
        }
        self.tty.write(buf, file.nonblocking())
    }

    fn ioctl(&self, _file: &File, cmd: u32, arg: u64) -> Result<u64, Errno> {
        if self.tty.hung_up() {
            return Err(if cmd == TIOCSPGRP { Errno::ENOTTY } else { Errno::EIO });
        }
        tty_ioctl(&self.tty, cmd, arg)
    }

    fn poll_wait(&self, _file: &File, table: &mut PollTable) {
        table.register(QueueRef::Shared(self.tty.readers.clone()));
        table.register(QueueRef::Shared(self.tty.writers.clone()));
    }

    fn poll(&self) -> u16 {
        if self.tty.hung_up() {
            return poll::POLLIN | poll::POLLOUT | poll::POLLERR | poll::POLLHUP;
        }
        let mut r = 0;
        if self.tty.can_read() {
            r |= poll::POLLIN;
        }
        if self.tty.driver.write_room() > 0 {
            r |= poll::POLLOUT;
        }
        r
    }

    fn stat(&self) -> Stat {
        let (major, minor) = self.rdev;
        Stat {
            dev: 5,
            rdev: crate::fs::file::encode_dev(major, minor),
            mode: mode::S_IFCHR | 0o620,
            nlink: 1,
            blksize: 1024,
            ..Stat::default()
        }
    }
}
