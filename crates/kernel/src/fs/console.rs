//! The console as a file (descriptors 0, 1 and 2 of user programs, and
//! /dev/console): line-edited input, output to serial and screen, and the
//! terminal ioctls programs ask about. A full TTY layer comes later.

use super::ctty;
use super::file::{File, FileOps, Stat};
use crate::sync::Mutex;
use crate::uaccess;
use alloc::vec::Vec;
use marten_abi::errno::Errno;
use marten_abi::ioctl::*;
use marten_abi::{mode, poll};
use marten_line::{Feed, LineEditor};

/// Input state shared by every open console file.
///
/// Invariant: `pending[pos..]` are bytes of a finished line not read yet.
struct Input {
    editor: Option<LineEditor>,
    pending: Vec<u8>,
    pos: usize,
    termios: [u8; 36],
    /// `struct winsize`: rows, columns, pixel width and height.
    winsize: [u16; 4],
}

static INPUT: Mutex<Input> = Mutex::new(Input {
    editor: None,
    pending: Vec::new(),
    pos: 0,
    termios: DEFAULT_TERMIOS,
    winsize: [25, 80, 0, 0],
});

/// A cooked-mode `struct termios`: ICRNL|IXON, OPOST|ONLCR, B38400|CS8|CREAD,
/// ISIG|ICANON|ECHO|ECHOE|ECHOK|IEXTEN|ECHOCTL|ECHOKE, and the usual
/// control characters (^C ^\ DEL ^U ^D).
const DEFAULT_TERMIOS: [u8; 36] = {
    let mut t = [0u8; 36];
    let iflag: u32 = 0o400 | 0o2000;
    let oflag: u32 = 0o1 | 0o4;
    let cflag: u32 = 0o17 | 0o60 | 0o200;
    let lflag: u32 = 0o1 | 0o2 | 0o10 | 0o20 | 0o40 | 0o100000 | 0o1000 | 0o4000;
    let words = [iflag, oflag, cflag, lflag];
    let mut w = 0;
    while w < 4 {
        let b = words[w].to_le_bytes();
        t[w * 4] = b[0];
        t[w * 4 + 1] = b[1];
        t[w * 4 + 2] = b[2];
        t[w * 4 + 3] = b[3];
        w += 1;
    }
    // c_line at 16, c_cc[19] from 17.
    let cc = [
        3u8, 0x1c, 0x7f, 0x15, 4, 0, 1, 0, 0x11, 0x13, 0x1a, 0, 0x12, 0x0f, 0x17, 0x16, 0, 0, 0,
    ];
    let mut i = 0;
    while i < 19 {
        t[17 + i] = cc[i];
        i += 1;
    }
    t
};

/// The console device.
pub struct Console;

impl FileOps for Console {
    fn read(&self, file: &File, buf: &mut [u8]) -> Result<usize, Errno> {
        if buf.is_empty() {
            return Ok(0);
        }
        let mut inp = INPUT.lock();
        loop {
            if inp.pos < inp.pending.len() {
                let n = buf.len().min(inp.pending.len() - inp.pos);
                let at = inp.pos;
                buf[..n].copy_from_slice(&inp.pending[at..at + n]);
                inp.pos += n;
                return Ok(n);
            }
            let b = if file.nonblocking() {
                crate::console::try_read_byte().ok_or(Errno::EAGAIN)?
            } else {
                crate::console::read_byte()?
            };
            if inp.editor.is_none() {
                inp.editor = Some(LineEditor::new(1024));
            }
            let Some(ed) = inp.editor.as_mut() else {
                return Err(Errno::ENOMEM);
            };
            match ed.feed(b, &mut |bytes| crate::console::write(bytes)) {
                Feed::Pending => {}
                Feed::Line(l) => {
                    inp.pending.clear();
                    crate::kalloc::extend_from_slice(&mut inp.pending, l.as_bytes())?;
                    crate::kalloc::push(&mut inp.pending, b'\n')?;
                    inp.pos = 0;
                }
                Feed::Eof => return Ok(0),
                Feed::Interrupt => {}
            }
        }
    }

    fn write(&self, _file: &File, buf: &[u8]) -> Result<usize, Errno> {
        crate::console::write(buf);
        Ok(buf.len())
    }

    fn ioctl(&self, _file: &File, cmd: u32, arg: u64) -> Result<u64, Errno> {
        match cmd {
            TCGETS => {
                let t = INPUT.lock().termios;
                uaccess::write_bytes(arg, &t)?;
                Ok(0)
            }
            TCSETS | TCSETSW | TCSETSF => {
                let mut t = [0u8; 36];
                uaccess::read_bytes(arg, &mut t)?;
                // The console's line discipline is fixed (canonical, echo)
                // until the TTY work: setting the termios it already has is
                // all it can honour.
                if t != INPUT.lock().termios {
                    crate::warn_once!("console: termios changes are not supported yet (fixed cooked mode): EINVAL");
                    return Err(Errno::EINVAL);
                }
                Ok(0)
            }
            TIOCGWINSZ => {
                let ws = INPUT.lock().winsize;
                let mut b = [0u8; 8];
                for (i, v) in ws.iter().enumerate() {
                    b[i * 2..i * 2 + 2].copy_from_slice(&v.to_le_bytes());
                }
                uaccess::write_bytes(arg, &b)?;
                Ok(0)
            }
            TIOCSWINSZ => {
                let mut b = [0u8; 8];
                uaccess::read_bytes(arg, &mut b)?;
                let mut ws = [0u16; 4];
                for (i, v) in ws.iter_mut().enumerate() {
                    *v = u16::from_le_bytes([b[i * 2], b[i * 2 + 1]]);
                }
                let changed = core::mem::replace(&mut INPUT.lock().winsize, ws) != ws;
                if changed {
                    ctty::window_changed();
                }
                Ok(0)
            }
            TIOCSCTTY => ctty::set_ctty(&crate::sched::current_process(), arg == 1).map(|_| 0),
            TIOCNOTTY => ctty::disassociate(&crate::sched::current_process()).map(|_| 0),
            TIOCGPGRP | TIOCGSID => {
                let p = crate::sched::current_process();
                let id = if cmd == TIOCGPGRP {
                    ctty::foreground(&p)?
                } else {
                    ctty::session(&p)?
                };
                uaccess::write_bytes(arg, &(id as i32).to_le_bytes())?;
                Ok(0)
            }
            TIOCSPGRP => {
                let mut b = [0u8; 4];
                uaccess::read_bytes(arg, &mut b)?;
                ctty::set_foreground(&crate::sched::current_process(), i32::from_le_bytes(b)).map(|_| 0)
            }
            FIONREAD => {
                let n = {
                    let inp = INPUT.lock();
                    (inp.pending.len() - inp.pos) as i32
                };
                uaccess::write_bytes(arg, &n.to_le_bytes())?;
                Ok(0)
            }
            _ => Err(Errno::ENOTTY),
        }
    }

    fn poll_wait(&self, _file: &File, table: &mut crate::sync::PollTable) {
        table.register(crate::sync::QueueRef::Static(&crate::sync::CONSOLE_INPUT));
    }

    fn poll(&self) -> u16 {
        let ready = {
            let inp = INPUT.lock();
            inp.pos < inp.pending.len()
        };
        if ready || crate::console::input_pending() {
            poll::POLLIN | poll::POLLOUT
        } else {
            poll::POLLOUT
        }
    }

    fn stat(&self) -> Stat {
        Stat {
            dev: 5,
            rdev: (5 << 8) | 1,
            mode: mode::S_IFCHR | 0o620,
            nlink: 1,
            blksize: 1024,
            ..Stat::default()
        }
    }
}
