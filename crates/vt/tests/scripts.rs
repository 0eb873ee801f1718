//! Replays of what real programs wrote to a 25x80 `TERM=linux` terminal
//! (busybox `vi` and `less`, captured with `script`), and of what `top`,
//! `clear` and the shell's line editing send, checked on the grid.

use marten_vt::Screen;

const VI: &[u8] = include_bytes!("data/vi.out");
const LESS: &[u8] = include_bytes!("data/less.out");

fn lines(s: &Screen) -> Vec<String> {
    (0..s.rows())
        .map(|r| {
            let t: String = s.row(r).iter().map(|c| c.ch as char).collect();
            t.trim_end().to_string()
        })
        .collect()
}

fn find(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len()).position(|w| w == needle).unwrap()
}

#[test]
fn busybox_vi_session() {
    // vi /tmp/x.txt; "jx" deletes the 's' of "second"; "Gdd" deletes the
    // last line; ":q!" quits.
    let mut s = Screen::new(25, 80);
    s.feed(b"$ before vi\r\n");
    let leave = find(VI, b"\x1b[?1049l");
    s.feed(&VI[..leave]);
    assert!(s.is_alternate());
    let l = lines(&s);
    assert_eq!(l[0], "hello world");
    assert_eq!(l[1], "econd line");
    assert_eq!(l[2], "        third with tab");
    assert_eq!(l[3], "~");
    assert!(l[4..24].iter().all(|x| x == "~"));
    assert_eq!(l[24], "");
    assert_eq!((s.cursor().row, s.cursor().col), (24, 0));
    // Leaving restores the shell's screen and cursor.
    s.feed(&VI[leave..]);
    assert!(!s.is_alternate());
    assert_eq!(lines(&s)[0], "$ before vi");
    assert_eq!((s.cursor().row, s.cursor().col), (1, 0));
}

#[test]
fn busybox_vi_status_line() {
    let mut s = Screen::new(25, 80);
    let at = find(VI, b"Delete 1 lines");
    let end = at + find(&VI[at..], b"\x1b[3;9H");
    s.feed(&VI[..end]);
    assert_eq!(lines(&s)[24], "Delete 1 lines (5 chars) from [D]");
}

#[test]
fn busybox_less_paging() {
    // less on 60 numbered lines: the first page, SPACE, then k and q.
    let mut s = Screen::new(25, 80);
    let second = find(LESS, b"\x1b[0;0H\x1b[Kline number 25");
    s.feed(&LESS[..second]);
    let l = lines(&s);
    for (i, row) in l.iter().enumerate().take(24) {
        assert_eq!(row, &format!("line number {}", i + 1));
    }
    assert_eq!(l[24], "/tmp/l.txt");
    // The status line is in reverse video.
    assert_eq!(s.cell(24, 0).attr, 0x70);
    s.feed(&LESS[second..]);
    let l = lines(&s);
    for (i, row) in l.iter().enumerate().take(24) {
        assert_eq!(row, &format!("line number {}", i + 24));
    }
    assert_eq!(l[24], "");
}

#[test]
fn top_like_full_width_lines() {
    // top draws full-width lines ended by CR LF and a last line without
    // one; with deferred wrap nothing scrolls.
    let mut out = b"\x1b[H\x1b[J".to_vec();
    out.extend_from_slice(b"\x1b[7m");
    out.extend_from_slice(format!("{:<80}", "  PID USER").as_bytes());
    out.extend_from_slice(b"\x1b[m\r\n");
    for i in 1..24 {
        out.extend_from_slice(format!("{:<80}", i).as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("{:<80}", "last").as_bytes());
    let mut s = Screen::new(25, 80);
    s.feed(b"old junk\r\nmore junk");
    s.feed(&out);
    let l = lines(&s);
    assert_eq!(l[0], "  PID USER");
    assert_eq!(s.cell(0, 79).attr, 0x70);
    assert_eq!(l[1], "1");
    assert_eq!(l[23], "23");
    assert_eq!(l[24], "last");
    assert_eq!((s.cursor().row, s.cursor().col), (24, 79));
    assert!(s.wrap_pending());
    // top then homes the cursor to redraw: nothing scrolled away.
    s.feed(b"\x1b[H");
    assert_eq!(lines(&s)[0], "  PID USER");
}

#[test]
fn clear_command() {
    // busybox clear writes ESC [ H ESC [ J (and terminfo's linux clear adds
    // ESC [ 3 J elsewhere).
    let mut s = Screen::new(25, 80);
    s.feed(b"some\r\ntext\r\n");
    s.feed(b"\x1b[H\x1b[J\x1b[3J");
    assert!(lines(&s).iter().all(|l| l.is_empty()));
    assert_eq!((s.cursor().row, s.cursor().col), (0, 0));
}

#[test]
fn shell_line_editing() {
    let mut s = Screen::new(25, 80);
    // Prompt, typing, backspace as BS + erase to end of line.
    s.feed(b"~ # echo hellp\x08\x1b[Ko");
    assert_eq!(lines(&s)[0], "~ # echo hello");
    // Cursor left twice, insert a character by redrawing the tail.
    s.feed(b"\x1b[2DX\x1b[Klo\x1b[2D");
    assert_eq!(lines(&s)[0], "~ # echo helXlo");
    assert_eq!(s.cursor().col, 13);
    // Redraw of the whole line after a history recall.
    s.feed(b"\r\x1b[K~ # ls -l");
    assert_eq!(lines(&s)[0], "~ # ls -l");
    // A line longer than the screen wraps onto the next row.
    s.feed(b"\r\x1b[K~ # ");
    let long = "x".repeat(80);
    s.feed(long.as_bytes());
    let l = lines(&s);
    assert_eq!(l[0].len(), 80);
    assert_eq!(l[1], "xxxx");
}
