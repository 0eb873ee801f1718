//! Model-based property tests: random byte streams fed to an `Ldisc` in canonical mode and
//! to a deliberately simple model (printable characters, erase, kill, newline, EOF, with
//! ECHO on or off), which must agree on every read and on the echo; and arbitrary input
//! in any mode never panics nor exceeds the buffer bound.

use marten_abi::termios::{ECHO, ICANON, N_TTY_BUF_SIZE};
use marten_ldisc::{Ldisc, ReadResult, Termios};
use proptest::prelude::*;

const ERASE: u8 = 0x7f;
const KILL: u8 = 0x15;
const EOF: u8 = 0x04;

/// What the test does next.
#[derive(Clone, Debug)]
enum Op {
    Feed(u8),
    Read(usize),
}

/// Canonical mode with Linux's default echo flags, written as plainly as possible.
///
/// Invariant: `lines` holds finished lines (EOF-ended ones without the EOF byte),
/// front first; `lines.front()` may have been partly read.
#[derive(Default)]
struct Model {
    echo_on: bool,
    edit: Vec<u8>,
    lines: std::collections::VecDeque<Vec<u8>>,
    echo: Vec<u8>,
}

impl Model {
    fn feed(&mut self, b: u8) {
        let echo = |m: &mut Model, s: &[u8]| {
            if m.echo_on {
                m.echo.extend_from_slice(s)
            }
        };
        match b {
            ERASE => {
                if self.edit.pop().is_some() {
                    echo(self, b"\x08 \x08");
                }
            }
            KILL => {
                for _ in 0..self.edit.len() {
                    echo(self, b"\x08 \x08");
                }
                self.edit.clear();
            }
            b'\n' => {
                echo(self, b"\n");
                let mut line = std::mem::take(&mut self.edit);
                line.push(b'\n');
                self.lines.push_back(line);
            }
            EOF => {
                let line = std::mem::take(&mut self.edit);
                self.lines.push_back(line);
            }
            c => {
                self.edit.push(c);
                echo(self, &[c]);
            }
        }
    }

    fn read(&mut self, n: usize) -> ReadResult {
        let Some(line) = self.lines.front_mut() else {
            return ReadResult::Empty;
        };
        if line.is_empty() {
            self.lines.pop_front();
            return ReadResult::Eof;
        }
        let k = n.min(line.len());
        line.drain(..k);
        if line.is_empty() {
            self.lines.pop_front();
        }
        ReadResult::Data(k)
    }
}

fn canonical_byte() -> impl Strategy<Value = u8> {
    prop_oneof![
        6 => prop::sample::select(b"abc xyZ09-".to_vec()),
        2 => Just(ERASE),
        1 => Just(KILL),
        2 => Just(b'\n'),
        1 => Just(b'\r'),
        1 => Just(EOF),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => canonical_byte().prop_map(Op::Feed),
        1 => (1usize..8).prop_map(Op::Read),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn canonical_mode_matches_the_model(ops in prop::collection::vec(op(), 0..200), echo_on in any::<bool>()) {
        let mut t = Termios::default();
        if !echo_on {
            t.lflag &= !ECHO;
        }
        let mut l = Ldisc::new(t);
        let mut m = Model { echo_on, ..Model::default() };
        let mut got_bytes = Vec::new();
        let mut want_bytes = Vec::new();
        for op in ops {
            match op {
                Op::Feed(b) => {
                    let ev = l.feed(b);
                    // ICRNL: the model sees the mapped byte.
                    m.feed(if b == b'\r' { b'\n' } else { b });
                    prop_assert_eq!(ev.signal, None);
                }
                Op::Read(n) => {
                    let mut buf = vec![0u8; n];
                    let got = l.read(&mut buf);
                    let front = m.lines.front().cloned();
                    let want = m.read(n);
                    prop_assert_eq!(got, want);
                    if let ReadResult::Data(k) = got {
                        got_bytes.extend_from_slice(&buf[..k]);
                        want_bytes.extend_from_slice(&front.unwrap()[..k]);
                    }
                }
            }
            prop_assert_eq!(l.take_echo(), std::mem::take(&mut m.echo));
            prop_assert_eq!(l.can_read(), !m.lines.is_empty());
            prop_assert_eq!(l.readable(), m.lines.iter().map(Vec::len).sum::<usize>());
        }
        prop_assert_eq!(got_bytes, want_bytes);
    }

    #[test]
    fn no_input_panics_or_overflows(
        bytes in prop::collection::vec(any::<u8>(), 0..6000),
        iflag in any::<u32>(),
        lflag in any::<u32>(),
        canon in any::<bool>(),
        reads in prop::collection::vec(0usize..64, 0..50),
    ) {
        let mut t = Termios { iflag, lflag, ..Termios::default() };
        if canon {
            t.lflag |= ICANON;
        } else {
            t.lflag &= !ICANON;
        }
        let mut l = Ldisc::new(t);
        let mut reads = reads.into_iter().cycle();
        for (i, b) in bytes.into_iter().enumerate() {
            l.feed(b);
            prop_assert!(l.buffered() <= N_TTY_BUF_SIZE);
            prop_assert!(l.echo_pending().len() <= marten_ldisc::ECHO_LIMIT);
            if i % 97 == 0 {
                if let Some(n) = reads.next() {
                    let mut buf = vec![0u8; n];
                    let _ = l.read(&mut buf);
                }
                l.take_echo();
            }
            if i % 1013 == 0 {
                let mut t2 = *l.termios();
                t2.lflag ^= ICANON;
                l.set_termios(t2);
                prop_assert!(l.buffered() <= N_TTY_BUF_SIZE);
            }
        }
    }
}
