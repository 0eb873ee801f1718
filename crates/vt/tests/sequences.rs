//! One test per control and escape sequence: what it does to the grid,
//! the cursor and the modes.

use marten_vt::{Cell, Screen};

fn screen(rows: usize, cols: usize, input: &str) -> Screen {
    let mut s = Screen::new(rows, cols);
    let r = s.feed(input.as_bytes());
    assert!(r.is_empty());
    s
}

fn line(s: &Screen, r: usize) -> String {
    let t: String = s.row(r).iter().map(|c| c.ch as char).collect();
    t.trim_end().to_string()
}

fn lines(s: &Screen) -> Vec<String> {
    (0..s.rows()).map(|r| line(s, r)).collect()
}

fn at(s: &Screen) -> (usize, usize) {
    (s.cursor().row, s.cursor().col)
}

#[test]
fn text_and_cr_lf() {
    let s = screen(3, 10, "ab\r\ncd\nx");
    assert_eq!(lines(&s), ["ab", "cd", "  x"]);
    assert_eq!(at(&s), (2, 3));
}

#[test]
fn line_feed_scrolls_at_bottom() {
    let s = screen(3, 10, "1\r\n2\r\n3\r\n4");
    assert_eq!(lines(&s), ["2", "3", "4"]);
    let s = screen(3, 10, "1\x0b2\x0c3");
    assert_eq!(lines(&s), ["1", " 2", "  3"]);
}

#[test]
fn backspace_and_bell() {
    let s = screen(2, 10, "abc\x08\x08X\x07");
    assert_eq!(line(&s, 0), "aXc");
    assert_eq!(at(&s), (0, 2));
    let s = screen(2, 10, "\x08\x08");
    assert_eq!(at(&s), (0, 0));
}

#[test]
fn tabs() {
    let s = screen(2, 20, "a\tb\tc\td");
    assert_eq!(line(&s, 0), "a       b       c  d");
    assert_eq!(at(&s), (0, 19));
    // ESC H sets a stop, CSI g clears it, CSI 3 g clears all.
    let s = screen(2, 20, "\x1b[3C\x1bH\r\tx");
    assert_eq!(line(&s, 0), "   x");
    let s = screen(2, 20, "\x1b[3g\tx");
    assert_eq!(at(&s), (0, 19));
    let s = screen(2, 20, "\x1b[9G\x1b[g\r\tx");
    assert_eq!(line(&s, 0), "                x");
}

#[test]
fn deferred_wrap() {
    let mut s = screen(3, 5, "abcde");
    assert_eq!(at(&s), (0, 4));
    assert!(s.wrap_pending());
    // CR LF after a full line does not leave an empty line.
    s.feed(b"\r\nf");
    assert_eq!(lines(&s), ["abcde", "f", ""]);
    // The next printable character wraps.
    let s = screen(3, 5, "abcdefg");
    assert_eq!(lines(&s), ["abcde", "fg", ""]);
    // Cursor movement cancels the pending wrap.
    let s = screen(3, 5, "abcde\x1b[1;5HX");
    assert_eq!(lines(&s), ["abcdX", "", ""]);
    assert!(s.wrap_pending());
    // Backspace from the pending state goes to the column before the last.
    let s = screen(3, 5, "abcde\x08X");
    assert_eq!(lines(&s), ["abcXe", "", ""]);
    // Wrapping at the bottom scrolls.
    let s = screen(2, 3, "abcdefg");
    assert_eq!(lines(&s), ["def", "g"]);
}

#[test]
fn autowrap_off() {
    let s = screen(2, 5, "\x1b[?7labcdefg");
    assert_eq!(lines(&s), ["abcdg", ""]);
    assert!(!s.wrap_pending());
    let s = screen(2, 5, "\x1b[?7l\x1b[?7habcdefg");
    assert_eq!(lines(&s), ["abcde", "fg"]);
}

#[test]
fn cursor_movement() {
    let s = screen(10, 20, "\x1b[5;10H");
    assert_eq!(at(&s), (4, 9));
    let s = screen(10, 20, "\x1b[5;10f\x1b[2A");
    assert_eq!(at(&s), (2, 9));
    let s = screen(10, 20, "\x1b[5;10H\x1b[3B\x1b[4C");
    assert_eq!(at(&s), (7, 13));
    let s = screen(10, 20, "\x1b[5;10H\x1b[D");
    assert_eq!(at(&s), (4, 8));
    let s = screen(10, 20, "\x1b[5;10H\x1b[2E");
    assert_eq!(at(&s), (6, 0));
    let s = screen(10, 20, "\x1b[5;10H\x1b[2F");
    assert_eq!(at(&s), (2, 0));
    let s = screen(10, 20, "\x1b[5;10H\x1b[3G");
    assert_eq!(at(&s), (4, 2));
    let s = screen(10, 20, "\x1b[5;10H\x1b[3`");
    assert_eq!(at(&s), (4, 2));
    let s = screen(10, 20, "\x1b[5;10H\x1b[7d");
    assert_eq!(at(&s), (6, 9));
    let s = screen(10, 20, "\x1b[5;10H\x1b[2e\x1b[3a");
    assert_eq!(at(&s), (6, 12));
    let s = screen(10, 20, "\x1b[5;10H\x1b[H");
    assert_eq!(at(&s), (0, 0));
    // Zero and missing parameters count as 1; moves stop at the edges.
    let s = screen(10, 20, "\x1b[0;0H\x1b[99A\x1b[99D");
    assert_eq!(at(&s), (0, 0));
    let s = screen(10, 20, "\x1b[99;99H");
    assert_eq!(at(&s), (9, 19));
    let s = screen(10, 20, "\x1b[99B\x1b[99C");
    assert_eq!(at(&s), (9, 19));
}

#[test]
fn save_and_restore_cursor() {
    let s = screen(10, 20, "\x1b[3;4H\x1b[1m\x1b7\x1b[H\x1b[0m\x1b8x");
    assert_eq!(at(&s), (2, 4));
    assert_eq!(s.cell(2, 3).attr, 0x0f);
    let s = screen(10, 20, "\x1b[3;4H\x1b[s\x1b[H\x1b[ux");
    assert_eq!(s.cell(2, 3).ch, b'x');
}

#[test]
fn index_reverse_index_next_line() {
    let s = screen(3, 5, "a\x1bDb");
    assert_eq!(lines(&s), ["a", " b", ""]);
    let s = screen(3, 5, "a\x1bEb");
    assert_eq!(lines(&s), ["a", "b", ""]);
    let s = screen(3, 5, "a\r\nb\x1b[H\x1bMc");
    assert_eq!(lines(&s), ["c", "a", "b"]);
    let s = screen(3, 5, "a\r\nb\x1bMc");
    assert_eq!(lines(&s), ["ac", "b", ""]);
}

#[test]
fn erase_display() {
    let full = "aaaaa\r\nbbbbb\r\nccccc\x1b[2;3H";
    let s = screen(3, 5, &format!("{full}\x1b[J"));
    assert_eq!(lines(&s), ["aaaaa", "bb", ""]);
    let s = screen(3, 5, &format!("{full}\x1b[0J"));
    assert_eq!(lines(&s), ["aaaaa", "bb", ""]);
    let s = screen(3, 5, &format!("{full}\x1b[1J"));
    assert_eq!(lines(&s), ["", "   bb", "ccccc"]);
    let s = screen(3, 5, &format!("{full}\x1b[2J"));
    assert_eq!(lines(&s), ["", "", ""]);
    assert_eq!(at(&s), (1, 2));
    let s = screen(3, 5, &format!("{full}\x1b[3J"));
    assert_eq!(lines(&s), ["", "", ""]);
}

#[test]
fn erase_line() {
    let full = "abcde\x1b[1;3H";
    assert_eq!(line(&screen(1, 5, &format!("{full}\x1b[K")), 0), "ab");
    assert_eq!(line(&screen(1, 5, &format!("{full}\x1b[1K")), 0), "   de");
    assert_eq!(line(&screen(1, 5, &format!("{full}\x1b[2K")), 0), "");
    // Erasing uses the background colour.
    let s = screen(1, 5, "\x1b[44m\x1b[K");
    assert_eq!(s.cell(0, 4), Cell { ch: b' ', attr: 0x17 });
}

#[test]
fn insert_and_delete_lines() {
    let base = "1\r\n2\r\n3\r\n4\x1b[2;1H";
    let s = screen(4, 5, &format!("{base}\x1b[L"));
    assert_eq!(lines(&s), ["1", "", "2", "3"]);
    let s = screen(4, 5, &format!("{base}\x1b[2M"));
    assert_eq!(lines(&s), ["1", "4", "", ""]);
    let s = screen(4, 5, &format!("{base}\x1b[9L"));
    assert_eq!(lines(&s), ["1", "", "", ""]);
    // Inside a scroll region only the region moves.
    let s = screen(4, 5, &format!("{base}\x1b[1;3r\x1b[2;1H\x1b[L"));
    assert_eq!(lines(&s), ["1", "", "2", "4"]);
}

#[test]
fn insert_delete_erase_characters() {
    let s = screen(1, 6, "abcdef\x1b[1;2H\x1b[2@");
    assert_eq!(line(&s, 0), "a  bcd");
    let s = screen(1, 6, "abcdef\x1b[1;2H\x1b[2P");
    assert_eq!(line(&s, 0), "adef");
    let s = screen(1, 6, "abcdef\x1b[1;2H\x1b[2X");
    assert_eq!(line(&s, 0), "a  def");
    assert_eq!(at(&s), (0, 1));
    let s = screen(1, 6, "abcdef\x1b[1;2H\x1b[99P");
    assert_eq!(line(&s, 0), "a");
    // Insert mode (IRM).
    let s = screen(1, 6, "abc\x1b[1;2H\x1b[4hX\x1b[4lY");
    assert_eq!(line(&s, 0), "aXYc");
}

#[test]
fn scroll_region() {
    let mut s = screen(5, 5, "\x1b[2;4r");
    assert_eq!(s.scroll_region(), (1, 4));
    assert_eq!(at(&s), (0, 0));
    s.feed(b"0\r\n1\r\n2\r\n3\r\n4\r\n5");
    assert_eq!(lines(&s), ["0", "3", "4", "5", ""]);
    // Reverse index at the region's top scrolls the region down.
    s.feed(b"\x1b[2;1H\x1bMx");
    assert_eq!(lines(&s), ["0", "x", "3", "4", ""]);
    // Below the region, LF stops at the last row without scrolling.
    s.feed(b"\x1b[5;1Ha\nb\nc");
    assert_eq!(line(&s, 4), "abc");
    // A bad region is ignored; CSI r resets to the whole screen.
    s.feed(b"\x1b[4;2r");
    assert_eq!(s.scroll_region(), (1, 4));
    s.feed(b"\x1b[r");
    assert_eq!(s.scroll_region(), (0, 5));
}

#[test]
fn origin_mode() {
    let s = screen(5, 5, "\x1b[2;4r\x1b[?6h\x1b[1;1Hx\x1b[9;1Hy");
    assert_eq!(lines(&s), ["", "x", "", "y", ""]);
    let s = screen(5, 5, "\x1b[2;4r\x1b[?6h\x1b[?6l");
    assert_eq!(at(&s), (0, 0));
}

#[test]
fn sgr() {
    let s = screen(
        1,
        20,
        "\x1b[31ma\x1b[1mb\x1b[22;44mc\x1b[0md\x1b[7me\x1b[27;4mf\x1b[24;2mg\x1b[mh",
    );
    let attrs: Vec<u8> = s.row(0)[..8].iter().map(|c| c.attr).collect();
    assert_eq!(attrs, [0x04, 0x0c, 0x14, 0x07, 0x70, 0x03, 0x08, 0x07]);
    let s = screen(1, 20, "\x1b[91;102ma\x1b[39;49mb\x1b[5mc\x1b[25md\x1b[95;45;7me");
    let attrs: Vec<u8> = s.row(0)[..5].iter().map(|c| c.attr).collect();
    assert_eq!(attrs, [0xac, 0x07, 0x87, 0x07, 0x5d]);
    // 38;5 and 38;2 consume their parameters (the 5 is no blink).
    let s = screen(1, 20, "\x1b[38;5;9ma\x1b[0;48;2;0;0;128mb\x1b[38;5;255;1mc");
    let attrs: Vec<u8> = s.row(0)[..3].iter().map(|c| c.attr).collect();
    assert_eq!(attrs, [0x0c, 0x17, 0x1f]);
}

#[test]
fn status_reports() {
    let mut s = Screen::new(25, 80);
    assert_eq!(s.feed(b"\x1b[5n").as_bytes(), b"\x1b[0n");
    assert_eq!(s.feed(b"\x1b[12;34H\x1b[6n").as_bytes(), b"\x1b[12;34R");
    assert_eq!(s.feed(b"\x1b[c").as_bytes(), b"\x1b[?6c");
    assert_eq!(s.feed(b"\x1bZ").as_bytes(), b"\x1b[?6c");
    assert_eq!(s.feed(b"\x1b[6n\x1b[6n").as_bytes(), b"\x1b[12;34R\x1b[12;34R");
    // More than fit: whole replies only.
    let many = "\x1b[6n".repeat(100);
    let r = s.feed(many.as_bytes());
    assert!(r.as_bytes().len() <= marten_vt::REPLY_CAPACITY);
    assert_eq!(r.as_bytes().len() % 8, 0);
}

#[test]
fn private_modes() {
    let s = screen(2, 5, "\x1b[?25l");
    assert!(!s.cursor().visible);
    let s = screen(2, 5, "\x1b[?25l\x1b[?25h");
    assert!(s.cursor().visible);
    let s = screen(2, 5, "\x1b[?1h");
    assert!(s.modes().cursor_keys_app);
    let s = screen(2, 5, "\x1b[?1h\x1b[?1l\x1b=");
    assert!(!s.modes().cursor_keys_app);
    assert!(s.modes().keypad_app);
    let s = screen(2, 5, "\x1b[20ha\nb");
    assert_eq!(lines(&s), ["a", "b"]);
}

#[test]
fn alternate_screen() {
    let mut s = screen(3, 5, "main\x1b[2;3H\x1b[?1049h");
    assert!(s.is_alternate());
    assert_eq!(lines(&s), ["", "", ""]);
    s.feed(b"\x1b[Halt");
    assert_eq!(line(&s, 0), "alt");
    s.feed(b"\x1b[?1049l");
    assert_eq!(lines(&s), ["main", "", ""]);
    assert_eq!(at(&s), (1, 2));
    let s = screen(3, 5, "main\x1b[?47h\x1b[?47l");
    assert_eq!(line(&s, 0), "main");
}

#[test]
fn reset() {
    let s = screen(3, 5, "\x1b[1;31mab\x1b[2;3r\x1b[?7l\x1b[?25l\x1bc");
    assert_eq!(lines(&s), ["", "", ""]);
    assert_eq!(at(&s), (0, 0));
    assert_eq!(s.scroll_region(), (0, 3));
    assert!(s.modes().autowrap && s.cursor().visible);
    assert_eq!(s.pen(), marten_vt::Pen::default());
}

#[test]
fn ignored_sequences_do_not_disturb() {
    let s = screen(
        2,
        10,
        "a\x1b(B\x1b)0\x1b[8;25;80t\x1b[?1000h\x1b[>c\x1b[1 q\x1b]0;title\x07\x1b%Gb",
    );
    assert_eq!(lines(&s), ["ab", ""]);
    assert_eq!(s.pen(), marten_vt::Pen::default());
    // A broken sequence: the printable part after CAN is drawn.
    let s = screen(2, 10, "\x1b[12\x18x\x1b[;;;Zy\x1b[1$z");
    assert_eq!(line(&s, 0), "xy");
    // DEL is ignored.
    let s = screen(2, 10, "a\x7fb");
    assert_eq!(line(&s, 0), "ab");
}

#[test]
fn utf8_to_cp437() {
    let s = screen(1, 10, "é─│█日\u{fffd}");
    let chars: Vec<u8> = s.row(0)[..6].iter().map(|c| c.ch).collect();
    assert_eq!(chars, [0x82, 0xc4, 0xb3, 0xdb, b'?', b'?']);
    // Split across writes.
    let mut s = Screen::new(1, 10);
    s.feed(&"é".as_bytes()[..1]);
    s.feed(&"é".as_bytes()[1..]);
    assert_eq!(s.cell(0, 0).ch, 0x82);
    // Invalid bytes show one replacement each.
    let s = screen(1, 10, "");
    drop(s);
    let mut s = Screen::new(1, 10);
    s.feed(b"\xffa\xc3b");
    assert_eq!(line(&s, 0), "?a?b");
}

#[test]
fn alignment_test() {
    let s = screen(2, 3, "\x1b#8");
    assert_eq!(lines(&s), ["EEE", "EEE"]);
}

#[test]
fn damage_tracking() {
    let mut s = Screen::new(5, 10);
    assert!(s.any_dirty());
    s.clear_damage();
    let g = s.generation();
    s.feed(b"\x1b[3;1Hx");
    assert!(s.generation() != g);
    let dirty: Vec<usize> = (0..5).filter(|&r| s.is_dirty(r)).collect();
    assert_eq!(dirty, [2]);
    s.clear_damage();
    s.feed(b"\r\n\r\n\r\n");
    // Scrolling moved every row.
    assert!((0..5).all(|r| s.is_dirty(r)));
    s.clear_damage();
    s.feed(b"\x1b[5;5H");
    assert!(!s.any_dirty());
}
