//! Scripted byte sequences through the editor, with the exact echo and results.

extern crate std;

use super::{Feed, LineEditor};
use std::string::{String, ToString};
use std::vec::Vec;

mod props;

const LEFT: &[u8] = b"\x1b[D";
const RIGHT: &[u8] = b"\x1b[C";
const UP: &[u8] = b"\x1b[A";
const DOWN: &[u8] = b"\x1b[B";

/// Feeds `input` and returns everything echoed plus every result that is not Pending.
fn run(ed: &mut LineEditor, input: &[u8]) -> (Vec<u8>, Vec<Feed>) {
    let mut echo = Vec::new();
    let mut results = Vec::new();
    for &b in input {
        let r = ed.feed(b, &mut |bytes: &[u8]| echo.extend_from_slice(bytes));
        if r != Feed::Pending {
            results.push(r);
        }
    }
    (echo, results)
}

/// Like `run`, but only the echo, and no result may arrive.
fn echo_of(ed: &mut LineEditor, input: &[u8]) -> Vec<u8> {
    let (echo, results) = run(ed, input);
    assert_eq!(results, [], "unexpected results for {input:?}");
    echo
}

fn line(s: &str) -> Feed {
    Feed::Line(s.to_string())
}

fn cat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

#[test]
fn typed_line_is_echoed_and_returned() {
    let mut ed = LineEditor::new(256);
    let (echo, results) = run(&mut ed, b"ls -l\r");
    assert_eq!(echo, b"ls -l\r\n");
    assert_eq!(results, [line("ls -l")]);
    assert_eq!(ed.buffer(), "");
}

#[test]
fn crlf_counts_once_but_lf_and_cr_alone_each_end_a_line() {
    let mut ed = LineEditor::new(16);
    let (echo, results) = run(&mut ed, b"a\r\nb\nc\r\r\n\n");
    assert_eq!(echo, b"a\r\nb\r\nc\r\n\r\n\r\n");
    assert_eq!(results, [line("a"), line("b"), line("c"), line(""), line("")]);
}

#[test]
fn lf_after_cr_is_ignored_only_right_after_it() {
    let mut ed = LineEditor::new(16);
    // The LF follows "x", not the CR, so it ends a second (empty) line.
    let (_, results) = run(&mut ed, b"\rx\n");
    assert_eq!(results, [line(""), line("x")]);
}

#[test]
fn backspace_and_del_at_end_of_line() {
    let mut ed = LineEditor::new(16);
    assert_eq!(echo_of(&mut ed, b"abc\x08"), b"abc\x08 \x08");
    assert_eq!(echo_of(&mut ed, b"\x7f"), b"\x08 \x08");
    assert_eq!(ed.buffer(), "a");
    assert_eq!(echo_of(&mut ed, b"\x08"), b"\x08 \x08");
    // Nothing left to delete: no echo.
    assert_eq!(echo_of(&mut ed, b"\x08\x7f"), b"");
    assert_eq!(ed.buffer(), "");
}

#[test]
fn deletion_inside_the_line_redraws_the_tail() {
    let mut ed = LineEditor::new(16);
    echo_of(&mut ed, b"abcd");
    assert_eq!(echo_of(&mut ed, &cat(&[LEFT, LEFT])), cat(&[LEFT, LEFT]));
    // Cursor after "ab": delete "b", reprint "cd", blank one column, go back 3.
    assert_eq!(echo_of(&mut ed, b"\x7f"), b"\x08cd \x08\x08\x08");
    assert_eq!(ed.buffer(), "acd");
    assert_eq!(ed.line.cursor(), 1);
    let (echo, results) = run(&mut ed, b"\r");
    assert_eq!(echo, b"\r\n");
    assert_eq!(results, [line("acd")]);
}

#[test]
fn insertion_inside_the_line_redraws_the_tail() {
    let mut ed = LineEditor::new(16);
    echo_of(&mut ed, b"ad");
    echo_of(&mut ed, LEFT);
    assert_eq!(echo_of(&mut ed, b"b"), b"bd\x08");
    assert_eq!(echo_of(&mut ed, b"c"), b"cd\x08");
    assert_eq!(ed.buffer(), "abcd");
    assert_eq!(ed.line.cursor(), 3);
}

#[test]
fn arrows_move_within_the_line_only() {
    let mut ed = LineEditor::new(16);
    assert_eq!(echo_of(&mut ed, LEFT), b"");
    assert_eq!(echo_of(&mut ed, RIGHT), b"");
    echo_of(&mut ed, b"ab");
    assert_eq!(echo_of(&mut ed, RIGHT), b"");
    assert_eq!(echo_of(&mut ed, &cat(&[LEFT, LEFT, LEFT])), cat(&[LEFT, LEFT]));
    assert_eq!(echo_of(&mut ed, RIGHT), RIGHT);
    assert_eq!(ed.line.cursor(), 1);
}

#[test]
fn ctrl_a_and_ctrl_e_jump_to_the_ends() {
    let mut ed = LineEditor::new(16);
    echo_of(&mut ed, b"abc");
    assert_eq!(echo_of(&mut ed, b"\x01"), b"\x08\x08\x08");
    assert_eq!(echo_of(&mut ed, b"X"), b"Xabc\x08\x08\x08");
    // Ctrl-E reprints the tail to move over it.
    assert_eq!(echo_of(&mut ed, b"\x05"), b"abc");
    assert_eq!(echo_of(&mut ed, b"\x05"), b"");
    assert_eq!(ed.buffer(), "Xabc");
    assert_eq!(ed.line.cursor(), 4);
}

#[test]
fn ctrl_u_kills_the_whole_line_from_anywhere() {
    let mut ed = LineEditor::new(16);
    echo_of(&mut ed, b"abc");
    echo_of(&mut ed, LEFT);
    assert_eq!(echo_of(&mut ed, b"\x15"), b"\x08\x08   \x08\x08\x08");
    assert_eq!(ed.buffer(), "");
    assert_eq!(echo_of(&mut ed, b"\x15"), b"");
}

#[test]
fn ctrl_w_kills_the_word_and_spaces_before_the_cursor() {
    let mut ed = LineEditor::new(32);
    echo_of(&mut ed, b"ls  foo bar  ");
    assert_eq!(
        echo_of(&mut ed, b"\x17"),
        b"\x08\x08\x08\x08\x08     \x08\x08\x08\x08\x08"
    );
    assert_eq!(ed.buffer(), "ls  foo ");
    echo_of(&mut ed, b"\x17");
    assert_eq!(ed.buffer(), "ls  ");
    echo_of(&mut ed, b"\x17");
    assert_eq!(ed.buffer(), "");
    assert_eq!(echo_of(&mut ed, b"\x17"), b"");
}

#[test]
fn ctrl_w_inside_the_line_keeps_the_tail() {
    let mut ed = LineEditor::new(32);
    echo_of(&mut ed, b"one two three");
    echo_of(&mut ed, &cat(&[LEFT; 6]));
    // Cursor after "two": delete it, reprint " three", blank 3, go back 9.
    assert_eq!(
        echo_of(&mut ed, b"\x17"),
        b"\x08\x08\x08 three   \x08\x08\x08\x08\x08\x08\x08\x08\x08"
    );
    assert_eq!(ed.buffer(), "one  three");
    assert_eq!(ed.line.cursor(), 4);
}

#[test]
fn ctrl_c_discards_the_line() {
    let mut ed = LineEditor::new(16);
    let (echo, results) = run(&mut ed, b"abc\x03");
    assert_eq!(echo, b"abc^C\r\n");
    assert_eq!(results, [Feed::Interrupt]);
    assert_eq!(ed.buffer(), "");
    // The discarded line is not in the history.
    assert_eq!(echo_of(&mut ed, UP), b"\x07");
}

#[test]
fn ctrl_d_is_eof_only_on_an_empty_line() {
    let mut ed = LineEditor::new(16);
    let (echo, results) = run(&mut ed, b"x\x04");
    assert_eq!(echo, b"x");
    assert_eq!(results, []);
    let (echo, results) = run(&mut ed, b"\x08\x04");
    assert_eq!(echo, b"\x08 \x08");
    assert_eq!(results, [Feed::Eof]);
}

#[test]
fn bytes_beyond_capacity_ring_the_bell() {
    let mut ed = LineEditor::new(3);
    assert_eq!(echo_of(&mut ed, b"abcd"), b"abc\x07");
    echo_of(&mut ed, LEFT);
    assert_eq!(echo_of(&mut ed, b"X"), b"\x07");
    assert_eq!(ed.buffer(), "abc");
    let (_, results) = run(&mut ed, b"\r");
    assert_eq!(results, [line("abc")]);
}

#[test]
fn zero_capacity_takes_nothing() {
    let mut ed = LineEditor::new(0);
    let (echo, results) = run(&mut ed, b"ab\r");
    assert_eq!(echo, b"\x07\x07\r\n");
    assert_eq!(results, [line("")]);
}

#[test]
fn tab_and_other_control_bytes_are_ignored() {
    let mut ed = LineEditor::new(16);
    assert_eq!(echo_of(&mut ed, b"\ta\x02\x06\x0b\x0c\x7eb\x80\xff"), b"a~b");
    assert_eq!(ed.buffer(), "a~b");
}

#[test]
fn unknown_escape_sequences_are_swallowed() {
    let mut ed = LineEditor::new(32);
    let input = cat(&[
        b"a",
        b"\x1b[1;5C",  // Ctrl-Right
        b"\x1b[3~",    // Delete
        b"\x1b[H",     // Home (xterm)
        b"\x1bOP",     // F1
        b"\x1bOA",     // Up in application mode: ignored too
        b"\x1bb",      // Alt-b
        b"\x1b\x1b[Z", // ESC ESC then Shift-Tab
        b"b",
    ]);
    assert_eq!(echo_of(&mut ed, &input), b"ab");
    assert_eq!(ed.buffer(), "ab");
}

#[test]
fn a_control_byte_breaks_off_an_escape_sequence() {
    let mut ed = LineEditor::new(16);
    let (echo, results) = run(&mut ed, b"x\x1b[12\r");
    assert_eq!(echo, b"x\r\n");
    assert_eq!(results, [line("x")]);
}

#[test]
fn history_walks_back_and_forth_with_redraw() {
    let mut ed = LineEditor::new(16);
    run(&mut ed, b"one\rtwo\r\r");
    assert_eq!(echo_of(&mut ed, UP), b"two");
    assert_eq!(echo_of(&mut ed, UP), b"\x08\x08\x08one");
    assert_eq!(echo_of(&mut ed, UP), b"\x07");
    assert_eq!(ed.buffer(), "one");
    assert_eq!(echo_of(&mut ed, DOWN), b"\x08\x08\x08two");
    // Past the newest entry: back to the (empty) line being typed.
    assert_eq!(echo_of(&mut ed, DOWN), b"\x08\x08\x08   \x08\x08\x08");
    assert_eq!(echo_of(&mut ed, DOWN), b"\x07");
    assert_eq!(ed.buffer(), "");
}

#[test]
fn history_keeps_the_draft_being_typed() {
    let mut ed = LineEditor::new(16);
    run(&mut ed, b"a\rlonger\r");
    echo_of(&mut ed, b"dra");
    assert_eq!(echo_of(&mut ed, UP), b"\x08\x08\x08longer");
    assert_eq!(
        echo_of(&mut ed, UP),
        b"\x08\x08\x08\x08\x08\x08a     \x08\x08\x08\x08\x08"
    );
    echo_of(&mut ed, DOWN);
    assert_eq!(echo_of(&mut ed, DOWN), b"\x08\x08\x08\x08\x08\x08dra   \x08\x08\x08");
    assert_eq!(ed.buffer(), "dra");
}

#[test]
fn recalled_line_can_be_edited_and_entered() {
    let mut ed = LineEditor::new(16);
    run(&mut ed, b"cat\r");
    let (_, results) = run(&mut ed, &cat(&[UP, b"s\r"]));
    assert_eq!(results, [line("cats")]);
    // Both lines are now in the history, newest first.
    echo_of(&mut ed, UP);
    assert_eq!(ed.buffer(), "cats");
    echo_of(&mut ed, UP);
    assert_eq!(ed.buffer(), "cat");
}

#[test]
fn history_skips_empty_lines_and_keeps_the_last_sixteen() {
    let mut ed = LineEditor::new(16);
    for i in 0..20 {
        run(&mut ed, std::format!("l{i}\r\r").as_bytes());
    }
    let mut seen = Vec::new();
    loop {
        let echo = echo_of(&mut ed, UP);
        if echo == b"\x07" {
            break;
        }
        seen.push(ed.buffer().to_string());
    }
    let expected: Vec<String> = (4..20).rev().map(|i| std::format!("l{i}")).collect();
    assert_eq!(seen, expected);
}
