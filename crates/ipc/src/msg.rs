//! Message queues: the byte and count limit, and which message msgrcv
//! takes for a type selector.

use alloc::collections::VecDeque;
use marten_abi::errno::Errno;
use marten_abi::ipc::MSGMAX;

/// A message's bytes, however the kernel stores and charges them.
pub trait Payload {
    fn bytes(&self) -> usize;
}

/// One message. Invariant: `mtype >= 1`.
pub struct Msg<D> {
    pub mtype: i64,
    pub data: D,
}

/// A queue. Invariants: `cbytes` is the sum of the messages' lengths;
/// sends keep `cbytes <= qbytes` and the count at most `qbytes` (a lowered
/// `qbytes` may leave more until receivers catch up).
pub struct MsgQueue<D> {
    msgs: VecDeque<Msg<D>>,
    pub qbytes: u64,
    pub cbytes: u64,
    pub stime: i64,
    pub rtime: i64,
    pub ctime: i64,
    pub lspid: i32,
    pub lrpid: i32,
}

impl<D: Payload> MsgQueue<D> {
    /// An empty queue holding at most `qbytes` bytes (MSGMNB).
    pub fn new(qbytes: u64, now: i64) -> Self {
        MsgQueue {
            msgs: VecDeque::new(),
            qbytes,
            cbytes: 0,
            stime: 0,
            rtime: 0,
            ctime: now,
            lspid: 0,
            lrpid: 0,
        }
    }

    /// Checks msgsnd's arguments: EINVAL for a type below 1 or a size past
    /// MSGMAX.
    pub fn check_send(mtype: i64, len: usize) -> Result<(), Errno> {
        if mtype < 1 || len > MSGMAX as usize {
            return Err(Errno::EINVAL);
        }
        Ok(())
    }

    /// Is there room for `len` more bytes and one more message?
    pub fn fits(&self, len: usize) -> bool {
        self.cbytes + len as u64 <= self.qbytes && (self.msgs.len() as u64) < self.qbytes
    }

    /// Appends a message (the caller checked [`fits`](Self::fits)); ENOMEM
    /// if the queue cannot grow (the message comes back).
    pub fn push(&mut self, m: Msg<D>, pid: i32, now: i64) -> Result<(), Msg<D>> {
        if self.msgs.try_reserve(1).is_err() {
            return Err(m);
        }
        self.cbytes += m.data.bytes() as u64;
        self.msgs.push_back(m);
        self.lspid = pid;
        self.stime = now;
        Ok(())
    }

    /// Where the message msgrcv(2) takes for `msgtyp` is: 0 the first;
    /// above 0 the first of that type (with `except`, the first of any
    /// other type); below 0 the first of the lowest type at most
    /// `|msgtyp|`.
    pub fn find(&self, msgtyp: i64, except: bool) -> Option<usize> {
        if msgtyp == 0 {
            return (!self.msgs.is_empty()).then_some(0);
        }
        if msgtyp > 0 {
            return self.msgs.iter().position(|m| (m.mtype == msgtyp) != except);
        }
        let limit = msgtyp.unsigned_abs();
        let mut best: Option<(usize, i64)> = None;
        for (i, m) in self.msgs.iter().enumerate() {
            if (m.mtype as u64) <= limit && best.is_none_or(|(_, t)| m.mtype < t) {
                best = Some((i, m.mtype));
            }
        }
        best.map(|(i, _)| i)
    }

    /// The length of message `i`.
    pub fn len_at(&self, i: usize) -> usize {
        self.msgs.get(i).map_or(0, |m| m.data.bytes())
    }

    /// Takes message `i` out.
    pub fn take(&mut self, i: usize, pid: i32, now: i64) -> Option<Msg<D>> {
        let m = self.msgs.remove(i)?;
        self.cbytes -= m.data.bytes() as u64;
        self.lrpid = pid;
        self.rtime = now;
        Some(m)
    }

    /// How many messages are queued.
    pub fn qnum(&self) -> usize {
        self.msgs.len()
    }

    /// Every message, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &Msg<D>> {
        self.msgs.iter()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    impl Payload for Vec<u8> {
        fn bytes(&self) -> usize {
            Vec::len(self)
        }
    }

    fn q(types: &[i64]) -> MsgQueue<Vec<u8>> {
        let mut q = MsgQueue::new(100, 0);
        for &t in types {
            q.push(
                Msg {
                    mtype: t,
                    data: alloc::vec![t as u8; 3],
                },
                1,
                0,
            )
            .ok()
            .unwrap();
        }
        q
    }

    #[test]
    fn selection() {
        let q = q(&[5, 3, 7, 3, 1, 9]);
        assert_eq!(q.find(0, false), Some(0));
        assert_eq!(q.find(3, false), Some(1));
        assert_eq!(q.find(3, true), Some(0));
        assert_eq!(q.find(4, false), None);
        assert_eq!(q.find(-4, false), Some(4));
        assert_eq!(q.find(-3, false), Some(4));
        assert_eq!(q.find(-2, false), Some(4));
        let q2 = self::q(&[5, 3, 7, 3]);
        assert_eq!(q2.find(-4, false), Some(1));
        assert_eq!(q2.find(-2, false), None);
        assert_eq!(q2.find(i64::MIN, false), Some(1));
        assert_eq!(self::q(&[]).find(0, false), None);
    }

    #[test]
    fn limits() {
        let mut q = q(&[1, 2]);
        assert_eq!(q.cbytes, 6);
        assert!(q.fits(94));
        assert!(!q.fits(95));
        let m = q.take(1, 9, 4).unwrap();
        assert_eq!(m.mtype, 2);
        assert_eq!((q.cbytes, q.lrpid, q.rtime, q.qnum()), (3, 9, 4, 1));
        q.qbytes = 1;
        assert!(!q.fits(0));
        assert_eq!(MsgQueue::<Vec<u8>>::check_send(0, 1), Err(Errno::EINVAL));
        assert_eq!(
            MsgQueue::<Vec<u8>>::check_send(1, MSGMAX as usize + 1),
            Err(Errno::EINVAL)
        );
        assert_eq!(MsgQueue::<Vec<u8>>::check_send(1, MSGMAX as usize), Ok(()));
    }
}
