//! Property tests: any byte stream leaves the screen consistent, and how
//! the stream is split into writes does not matter.

use marten_vt::Screen;
use proptest::prelude::*;

/// Bytes weighted toward what makes sequences: ESC, CSI pieces, digits,
/// separators, final bytes, controls, UTF-8 lead and continuation bytes.
fn stream() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        4 => any::<u8>(),
        3 => prop::sample::select(b"\x1b[;?0123456789".to_vec()),
        2 => prop::sample::select(b"ABCDEFGHJKLMPX@adefgmnrhlsu`cDEM78 #()]P\x07\x08\t\n\r\x0b\x0c\x18\x1a".to_vec()),
        1 => prop::sample::select(vec![0xc3u8, 0xe2, 0x94, 0x80, 0xa9, 0xf0, 0x9f]),
    ];
    let chunk = prop_oneof![
        8 => prop::collection::vec(piece, 1..8),
        1 => prop::sample::select(vec![
            b"\x1b[?1049h".to_vec(), b"\x1b[?1049l".to_vec(), b"\x1b[?6h".to_vec(),
            b"\x1b[?7l".to_vec(), b"\x1b[?7h".to_vec(), b"\x1b[2;4r".to_vec(),
            b"\x1b[4h".to_vec(), b"\x1b[6n".to_vec(), b"\x1bc".to_vec(),
            b"\x1b[38;5;200m".to_vec(), b"\x1b[99;99H".to_vec(), b"\x1b[L".to_vec(),
            b"\x1b[3M".to_vec(), b"\x1bM".to_vec(), b"\x1b[9@".to_vec(),
        ]),
    ];
    prop::collection::vec(chunk, 0..200).prop_map(|v| v.concat())
}

fn check(s: &Screen) -> Result<(), TestCaseError> {
    let c = s.cursor();
    prop_assert!(c.row < s.rows(), "row {} of {}", c.row, s.rows());
    prop_assert!(c.col < s.cols(), "col {} of {}", c.col, s.cols());
    let (top, bottom) = s.scroll_region();
    prop_assert!(top < bottom && bottom <= s.rows());
    if s.wrap_pending() {
        prop_assert_eq!(c.col, s.cols() - 1);
        prop_assert!(s.modes().autowrap);
    }
    for r in 0..s.rows() {
        prop_assert_eq!(s.row(r).len(), s.cols());
    }
    Ok(())
}

fn snapshot(s: &Screen) -> (Vec<u16>, marten_vt::Cursor, bool, marten_vt::Modes) {
    let cells = (0..s.rows())
        .flat_map(|r| s.row(r).iter().map(|c| c.to_vga()))
        .collect();
    (cells, s.cursor(), s.wrap_pending(), s.modes())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn never_panics_and_stays_in_bounds(
        rows in 1usize..30,
        cols in 1usize..90,
        bytes in stream(),
    ) {
        let mut s = Screen::new(rows, cols);
        for chunk in bytes.chunks(7) {
            let r = s.feed(chunk);
            prop_assert!(r.as_bytes().len() <= marten_vt::REPLY_CAPACITY);
            check(&s)?;
        }
    }

    #[test]
    fn plain_random_bytes(bytes in prop::collection::vec(any::<u8>(), 0..2000)) {
        let mut s = Screen::new(25, 80);
        s.feed(&bytes);
        check(&s)?;
    }

    #[test]
    fn splitting_writes_changes_nothing(
        bytes in stream(),
        cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..10),
    ) {
        let mut whole = Screen::new(8, 20);
        let replies_whole = whole.feed(&bytes).as_bytes().to_vec();
        let mut points: Vec<usize> = cuts.iter().map(|i| i.index(bytes.len() + 1)).collect();
        points.sort();
        let mut split = Screen::new(8, 20);
        let mut replies_split = Vec::new();
        let mut at = 0;
        for p in points.into_iter().chain([bytes.len()]) {
            replies_split.extend_from_slice(split.feed(&bytes[at..p]).as_bytes());
            at = p;
        }
        prop_assert_eq!(snapshot(&whole), snapshot(&split));
        // Replies may only differ when one write's buffer overflowed.
        if replies_whole.len() < marten_vt::REPLY_CAPACITY - 16 {
            prop_assert_eq!(replies_whole, replies_split);
        }
    }

    /// Printable ASCII without controls fills the grid row by row, and
    /// the screen scrolls once the text is longer than it.
    #[test]
    fn printable_text_wraps_like_a_model(text in "[ -~]{0,400}", cols in 1usize..30) {
        let rows = 5;
        let mut s = Screen::new(rows, cols);
        s.feed(text.as_bytes());
        let chars: Vec<u8> = text.bytes().collect();
        // Lines the text fills, the last one possibly partial.
        let lines: Vec<&[u8]> = chars.chunks(cols).collect();
        let shown = &lines[lines.len().saturating_sub(rows)..];
        for (r, line) in shown.iter().enumerate() {
            let got: Vec<u8> = s.row(r)[..line.len()].iter().map(|c| c.ch).collect();
            prop_assert_eq!(&got[..], *line);
        }
        if !chars.is_empty() {
            let last = shown.len() - 1;
            prop_assert_eq!(s.cursor().row, last);
            let full = shown[last].len() == cols;
            prop_assert_eq!(s.wrap_pending(), full);
            prop_assert_eq!(s.cursor().col, if full { cols - 1 } else { shown[last].len() });
        }
    }

    /// Damage: after clearing it, a row is dirty if (not only if) its
    /// cells changed.
    #[test]
    fn changed_rows_are_dirty(before in stream(), after in stream()) {
        let mut s = Screen::new(8, 20);
        s.feed(&before);
        s.clear_damage();
        let old: Vec<Vec<u16>> = (0..8).map(|r| s.row(r).iter().map(|c| c.to_vga()).collect()).collect();
        s.feed(&after);
        for (r, old_row) in old.iter().enumerate() {
            let new: Vec<u16> = s.row(r).iter().map(|c| c.to_vga()).collect();
            if &new != old_row {
                prop_assert!(s.is_dirty(r), "row {} changed but is clean", r);
            }
        }
    }
}
