//! Bytes the terminal answers with (status and cursor reports), for the
//! driver to feed back as input.

/// Room for the replies of one `feed` call.
pub const REPLY_CAPACITY: usize = 128;

/// Replies produced by one `feed` call, in order.
///
/// Invariant: `len <= REPLY_CAPACITY`; a reply that does not fit whole is
/// dropped (a program asking more than a few reports in one write loses
/// the later ones), so the buffer never holds half a reply.
#[derive(Clone, Copy, Debug)]
pub struct Replies {
    buf: [u8; REPLY_CAPACITY],
    len: usize,
}

impl Default for Replies {
    fn default() -> Self {
        Replies {
            buf: [0; REPLY_CAPACITY],
            len: 0,
        }
    }
}

impl Replies {
    /// The reply bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    /// No replies?
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Appends a whole reply, or nothing if it does not fit.
    pub(crate) fn push(&mut self, parts: &[&[u8]]) {
        let n: usize = parts.iter().map(|p| p.len()).sum();
        if self.len + n > REPLY_CAPACITY {
            return;
        }
        for p in parts {
            self.buf[self.len..self.len + p.len()].copy_from_slice(p);
            self.len += p.len();
        }
    }
}

/// Formats `v` in decimal into `buf`, returning the digits.
pub(crate) fn decimal(v: usize, buf: &mut [u8; 20]) -> &[u8] {
    let mut i = buf.len();
    let mut v = v;
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    &buf[i..]
}
