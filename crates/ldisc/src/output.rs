//! Output post-processing (c_oflag): OPOST, ONLCR, OCRNL.

use alloc::collections::TryReserveError;
use alloc::vec::Vec;
use marten_abi::termios::{OCRNL, ONLCR, OPOST};

use crate::Termios;

/// Appends `bytes` to `out` as the terminal must receive them under `t`.
///
/// Honoured: OPOST, ONLCR (NL to CR-NL), OCRNL (CR to NL). Not implemented (left
/// for the tty driver to refuse): OLCUC, ONOCR, ONLRET, OFILL, OFDEL, tab and delay
/// expansion. On allocation failure `out` is unchanged.
pub fn output(t: &Termios, bytes: &[u8], out: &mut Vec<u8>) -> Result<(), TryReserveError> {
    if t.oflag & OPOST == 0 {
        out.try_reserve(bytes.len())?;
        out.extend_from_slice(bytes);
        return Ok(());
    }
    let extra = if t.oflag & ONLCR != 0 {
        bytes.iter().filter(|&&b| b == b'\n').count()
    } else {
        0
    };
    out.try_reserve(bytes.len() + extra)?;
    for &b in bytes {
        match b {
            b'\n' if t.oflag & ONLCR != 0 => out.extend_from_slice(b"\r\n"),
            b'\r' if t.oflag & OCRNL != 0 => out.push(b'\n'),
            _ => out.push(b),
        }
    }
    Ok(())
}
