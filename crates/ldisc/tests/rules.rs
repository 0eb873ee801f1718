//! One test per termios(3) rule the line discipline implements.

use marten_abi::signal::{SIGINT, SIGQUIT, SIGTSTP};
use marten_abi::termios::*;
use marten_ldisc::{Events, Ldisc, ReadResult, Termios};

fn feed(l: &mut Ldisc, bytes: &[u8]) -> Vec<Events> {
    bytes.iter().map(|&b| l.feed(b)).collect()
}

fn read_all(l: &mut Ldisc) -> Vec<u8> {
    let mut buf = [0u8; 8192];
    match l.read(&mut buf) {
        ReadResult::Data(n) => buf[..n].to_vec(),
        other => panic!("expected data, got {other:?}"),
    }
}

fn with(f: impl FnOnce(&mut Termios)) -> Ldisc {
    let mut t = Termios::default();
    f(&mut t);
    Ldisc::new(t)
}

#[test]
fn defaults_are_linux_tty_std_termios() {
    let t = Termios::default();
    assert_eq!(t.iflag, ICRNL | IXON);
    assert_eq!(t.oflag, OPOST | ONLCR);
    assert_eq!(t.cflag, B38400 | CS8 | CREAD | HUPCL);
    assert_eq!(
        t.lflag,
        ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN
    );
    assert_eq!(&t.cc[..7], &[3, 0x1c, 0x7f, 0x15, 4, 0, 1]);
    assert_eq!((t.cc[VSTART], t.cc[VSTOP], t.cc[VSUSP]), (0x11, 0x13, 0x1a));
    assert_eq!((t.cc[VREPRINT], t.cc[VWERASE], t.cc[VLNEXT]), (0x12, 0x17, 0x16));
    assert_eq!((t.min(), t.time()), (1, 0));
}

#[test]
fn kernel_struct_layout_round_trips() {
    let mut t = Termios {
        line: 1,
        ..Termios::default()
    };
    t.cc[VMIN] = 7;
    let b = t.to_bytes();
    assert_eq!(b.len(), 36);
    assert_eq!(&b[0..4], &(ICRNL | IXON).to_le_bytes());
    assert_eq!(&b[12..16], &t.lflag.to_le_bytes());
    assert_eq!(b[16], 1);
    assert_eq!(b[17 + VINTR], 3);
    assert_eq!(b[17 + VMIN], 7);
    assert_eq!(Termios::from_bytes(&b), t);
}

#[test]
fn canonical_line_is_readable_only_after_newline() {
    let mut l = Ldisc::default();
    feed(&mut l, b"ab");
    assert!(!l.can_read());
    assert_eq!(l.read(&mut [0; 4]), ReadResult::Empty);
    let ev = l.feed(b'\n');
    assert!(ev.readable);
    assert_eq!(l.readable(), 3);
    assert_eq!(read_all(&mut l), b"ab\n");
}

#[test]
fn icrnl_maps_cr_to_nl_and_onlcr_maps_echo() {
    let mut l = Ldisc::default();
    feed(&mut l, b"hi\r");
    assert_eq!(read_all(&mut l), b"hi\n");
    let echo = l.take_echo();
    assert_eq!(echo, b"hi\n");
    let mut out = Vec::new();
    l.output(&echo, &mut out).unwrap();
    assert_eq!(out, b"hi\r\n");
}

#[test]
fn igncr_drops_cr_and_inlcr_maps_nl_to_cr() {
    let mut l = with(|t| t.iflag |= IGNCR);
    feed(&mut l, b"a\rb\n");
    assert_eq!(read_all(&mut l), b"ab\n");
    let mut l = with(|t| {
        t.iflag |= INLCR;
        t.lflag &= !ICANON;
    });
    feed(&mut l, b"\n");
    assert_eq!(read_all(&mut l), b"\r");
}

#[test]
fn istrip_clears_the_eighth_bit() {
    let mut l = with(|t| t.iflag |= ISTRIP);
    feed(&mut l, &[0xc1, b'\n']);
    assert_eq!(read_all(&mut l), b"A\n");
}

#[test]
fn signal_characters_raise_signals_and_flush() {
    for (c, sig) in [(3u8, SIGINT), (0x1c, SIGQUIT), (0x1a, SIGTSTP)] {
        let mut l = Ldisc::default();
        feed(&mut l, b"done\nhalf");
        let ev = l.feed(c);
        assert_eq!(ev.signal, Some(sig));
        assert!(ev.flush_output);
        assert!(!l.can_read());
        assert_eq!(l.buffered(), 0);
        assert_eq!(l.take_echo(), [b'^', c ^ 0x40]);
    }
}

#[test]
fn noflsh_keeps_input_on_signals() {
    let mut l = with(|t| t.lflag |= NOFLSH);
    feed(&mut l, b"done\nhalf");
    assert_eq!(l.feed(3).signal, Some(SIGINT));
    feed(&mut l, b"\n");
    assert_eq!(read_all(&mut l), b"done\n");
    assert_eq!(read_all(&mut l), b"half\n");
}

#[test]
fn without_isig_signal_characters_are_data() {
    let mut l = with(|t| t.lflag &= !ISIG);
    let ev = l.feed(3);
    assert_eq!(ev.signal, None);
    l.feed(b'\n');
    assert_eq!(read_all(&mut l), b"\x03\n");
}

#[test]
fn erase_with_echoe_rubs_out() {
    let mut l = Ldisc::default();
    feed(&mut l, b"abc\x7f\x7fd\n");
    assert_eq!(read_all(&mut l), b"ad\n");
    assert_eq!(l.take_echo(), b"abc\x08 \x08\x08 \x08d\n");
}

#[test]
fn erase_without_echoe_echoes_the_erase_character() {
    let mut l = with(|t| t.lflag &= !ECHOE);
    feed(&mut l, b"ab\x7f");
    assert_eq!(l.take_echo(), b"ab^?");
}

#[test]
fn erase_on_an_empty_line_does_nothing() {
    let mut l = Ldisc::default();
    let ev = l.feed(0x7f);
    assert!(!ev.echo);
    assert!(l.take_echo().is_empty());
}

#[test]
fn erase_of_a_control_character_rubs_out_two_columns() {
    let mut l = with(|t| t.lflag &= !ISIG);
    feed(&mut l, b"\x01");
    assert_eq!(l.take_echo(), b"^A");
    feed(&mut l, b"\x7f");
    assert_eq!(l.take_echo(), b"\x08 \x08\x08 \x08");
}

#[test]
fn erase_of_a_tab_backs_up_to_the_previous_column() {
    let mut l = Ldisc::default();
    feed(&mut l, b"abc\t");
    l.take_echo();
    feed(&mut l, b"\x7f");
    assert_eq!(l.take_echo(), b"\x08\x08\x08\x08\x08");
}

#[test]
fn iutf8_erase_removes_a_whole_character() {
    let mut l = with(|t| t.iflag |= IUTF8);
    feed(&mut l, "aé".as_bytes());
    l.take_echo();
    feed(&mut l, b"\x7f\n");
    assert_eq!(read_all(&mut l), b"a\n");
    assert_eq!(l.take_echo(), b"\x08 \x08\n");
}

#[test]
fn word_erase_removes_the_last_word_and_trailing_blanks() {
    let mut l = Ldisc::default();
    feed(&mut l, b"foo bar-baz  ");
    l.take_echo();
    feed(&mut l, b"\x17");
    assert_eq!(l.take_echo(), b"\x08 \x08".repeat(5));
    feed(&mut l, b"\x17\n");
    assert_eq!(read_all(&mut l), b"foo \n");
}

#[test]
fn word_erase_needs_iexten() {
    let mut l = with(|t| t.lflag &= !IEXTEN);
    feed(&mut l, b"ab\x17\n");
    assert_eq!(read_all(&mut l), b"ab\x17\n");
}

#[test]
fn kill_with_echoke_rubs_out_the_line() {
    let mut l = Ldisc::default();
    feed(&mut l, b"abc");
    l.take_echo();
    feed(&mut l, b"\x15x\n");
    assert_eq!(read_all(&mut l), b"x\n");
    assert_eq!(l.take_echo(), [b"\x08 \x08".repeat(3), b"x\n".to_vec()].concat());
}

#[test]
fn kill_without_echoke_echoes_kill_then_newline_with_echok() {
    let mut l = with(|t| t.lflag &= !ECHOKE);
    feed(&mut l, b"abc");
    l.take_echo();
    feed(&mut l, b"\x15");
    assert_eq!(l.take_echo(), b"^U\n");
    let mut l = with(|t| t.lflag &= !(ECHOKE | ECHOK));
    feed(&mut l, b"abc\x15");
    assert_eq!(l.take_echo(), b"abc^U");
}

#[test]
fn eof_ends_a_line_without_the_eof_character() {
    let mut l = Ldisc::default();
    feed(&mut l, b"ab\x04");
    assert_eq!(l.readable(), 2);
    assert_eq!(read_all(&mut l), b"ab");
    assert_eq!(l.take_echo(), b"ab");
}

#[test]
fn eof_at_line_start_is_a_zero_length_read() {
    let mut l = Ldisc::default();
    feed(&mut l, b"\x04x\n");
    assert!(l.can_read());
    assert_eq!(l.read(&mut [0; 8]), ReadResult::Eof);
    assert_eq!(read_all(&mut l), b"x\n");
    assert_eq!(l.read(&mut [0; 8]), ReadResult::Empty);
}

#[test]
fn a_read_returns_at_most_one_line_and_the_rest_later() {
    let mut l = Ldisc::default();
    feed(&mut l, b"abcd\nef\n");
    let mut b = [0u8; 3];
    assert_eq!(l.read(&mut b), ReadResult::Data(3));
    assert_eq!(&b, b"abc");
    assert_eq!(l.read(&mut b), ReadResult::Data(2));
    assert_eq!(&b[..2], b"d\n");
    assert_eq!(read_all(&mut l), b"ef\n");
}

#[test]
fn eol_and_eol2_end_lines_and_are_kept() {
    let mut l = with(|t| {
        t.cc[VEOL] = b';';
        t.cc[VEOL2] = b'|';
    });
    feed(&mut l, b"a;b|");
    assert_eq!(read_all(&mut l), b"a;");
    assert_eq!(read_all(&mut l), b"b|");
}

#[test]
fn lnext_quotes_the_next_byte() {
    let mut l = Ldisc::default();
    feed(&mut l, b"\x16\x03\x16\x7f\x16\r\n");
    assert_eq!(read_all(&mut l), b"\x03\x7f\r\n");
    assert_eq!(l.take_echo(), b"^\x08^C^\x08^?^\x08^M\n");
}

#[test]
fn reprint_echoes_the_line_again() {
    let mut l = Ldisc::default();
    feed(&mut l, b"ab");
    l.take_echo();
    feed(&mut l, b"\x12");
    assert_eq!(l.take_echo(), b"^R\nab");
}

#[test]
fn echo_off_echoes_nothing_but_echonl_echoes_newlines() {
    let mut l = with(|t| t.lflag &= !ECHO);
    feed(&mut l, b"ab\x7f\x15c\n");
    assert!(l.take_echo().is_empty());
    assert_eq!(read_all(&mut l), b"c\n");
    let mut l = with(|t| t.lflag = (t.lflag & !ECHO) | ECHONL);
    feed(&mut l, b"ab\n");
    assert_eq!(l.take_echo(), b"\n");
}

#[test]
fn echoctl_off_echoes_control_characters_raw() {
    let mut l = with(|t| t.lflag &= !(ECHOCTL | ISIG));
    feed(&mut l, b"\x01\t");
    assert_eq!(l.take_echo(), b"\x01\t");
}

#[test]
fn ixon_stops_and_starts_output() {
    let mut l = Ldisc::default();
    assert!(l.feed(0x13).stop_output);
    assert!(l.output_stopped());
    assert!(l.feed(0x11).start_output);
    assert!(!l.output_stopped());
    assert_eq!(l.buffered(), 0);
    let mut l = with(|t| t.iflag &= !IXON);
    feed(&mut l, b"\x13\n");
    assert_eq!(read_all(&mut l), b"\x13\n");
}

#[test]
fn non_canonical_bytes_are_readable_at_once() {
    let mut l = with(|t| {
        t.lflag &= !ICANON;
        t.cc[VMIN] = 3;
        t.cc[VTIME] = 5;
    });
    assert_eq!((l.min(), l.time()), (3, 5));
    assert!(l.feed(b'a').readable);
    feed(&mut l, b"\x7f\x04");
    assert_eq!(l.readable(), 3);
    assert_eq!(read_all(&mut l), b"a\x7f\x04");
    assert_eq!(l.take_echo(), b"a^?^D");
}

#[test]
fn leaving_canonical_mode_makes_the_partial_line_readable() {
    let mut l = Ldisc::default();
    feed(&mut l, b"ab");
    let mut t = *l.termios();
    t.lflag &= !ICANON;
    assert!(l.set_termios(t).readable);
    assert_eq!(read_all(&mut l), b"ab");
}

#[test]
fn entering_canonical_mode_makes_buffered_bytes_one_line() {
    let mut l = with(|t| t.lflag &= !ICANON);
    feed(&mut l, b"xy");
    l.set_termios(Termios::default());
    assert_eq!(read_all(&mut l), b"xy");
}

#[test]
fn canonical_lines_are_bounded_but_newline_still_ends_them() {
    let mut l = Ldisc::default();
    feed(&mut l, &[b'x'; 5000]);
    assert_eq!(l.buffered(), 4095);
    l.take_echo();
    feed(&mut l, b"\n");
    assert_eq!(l.buffered(), 4096);
    let line = read_all(&mut l);
    assert_eq!(line.len(), 4096);
    assert_eq!(line.last(), Some(&b'\n'));
}

#[test]
fn non_canonical_buffer_is_bounded() {
    let mut l = with(|t| t.lflag &= !ICANON);
    feed(&mut l, &[b'x'; 5000]);
    assert_eq!(l.readable(), 4095);
}

#[test]
fn opost_onlcr_ocrnl() {
    let l = Ldisc::default();
    let mut out = Vec::new();
    l.output(b"a\nb\r", &mut out).unwrap();
    assert_eq!(out, b"a\r\nb\r");
    let l = with(|t| t.oflag = OPOST | OCRNL);
    out.clear();
    l.output(b"a\nb\r", &mut out).unwrap();
    assert_eq!(out, b"a\nb\n");
    let l = with(|t| t.oflag = ONLCR | OCRNL);
    out.clear();
    l.output(b"a\nb\r", &mut out).unwrap();
    assert_eq!(out, b"a\nb\r");
}
