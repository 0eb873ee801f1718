//! Tests for word splitting and grouping.

extern crate std;

use super::{LineError, split_groups, split_words};
use proptest::prelude::*;
use std::string::{String, ToString};
use std::vec::Vec;

fn words(list: &[&str]) -> Vec<String> {
    list.iter().map(|w| w.to_string()).collect()
}

#[test]
fn splits_on_any_ascii_whitespace() {
    assert_eq!(split_words("  ls \t-l\n /bin  ").unwrap(), words(&["ls", "-l", "/bin"]));
    assert_eq!(split_words("").unwrap(), words(&[]));
    assert_eq!(split_words("   ").unwrap(), words(&[]));
}

#[test]
fn quotes_group_words() {
    assert_eq!(split_words(r#"echo "a b"  c"#).unwrap(), words(&["echo", "a b", "c"]));
    assert_eq!(split_words(r#"x"y z"w"#).unwrap(), words(&["xy zw"]));
    assert_eq!(split_words(r#"a "" b"#).unwrap(), words(&["a", "", "b"]));
    assert_eq!(split_words(r#""""#).unwrap(), words(&[""]));
}

#[test]
fn backslash_escapes_the_next_character() {
    assert_eq!(split_words(r"a\ b c").unwrap(), words(&["a b", "c"]));
    assert_eq!(
        split_words(r#"\"q\" "in \" side""#).unwrap(),
        words(&["\"q\"", "in \" side"])
    );
    assert_eq!(split_words(r"\\").unwrap(), words(&["\\"]));
    assert_eq!(split_words(r"\x").unwrap(), words(&["x"]));
}

#[test]
fn errors() {
    assert_eq!(split_words(r#"echo "abc"#), Err(LineError::UnterminatedQuote));
    assert_eq!(split_words(r#"""""#), Err(LineError::UnterminatedQuote));
    assert_eq!(split_words("abc\\"), Err(LineError::DanglingBackslash));
}

#[test]
fn non_ascii_text_passes_through() {
    assert_eq!(split_words("héllo wörld").unwrap(), words(&["héllo", "wörld"]));
}

#[test]
fn groups_are_cut_at_the_separator() {
    let w = words(&["a", "x", "--", "b", "--", "c", "y"]);
    let groups = split_groups(&w, "--");
    assert_eq!(groups, [&w[0..2], &w[3..4], &w[5..7]]);
}

#[test]
fn empty_groups_are_dropped() {
    let w = words(&["--", "--", "a", "--", "--", "b", "--"]);
    let groups = split_groups(&w, "--");
    assert_eq!(groups, [&w[2..3], &w[5..6]]);
    assert!(split_groups(&words(&["|", "|"]), "|").is_empty());
    assert!(split_groups(&[], "|").is_empty());
}

#[test]
fn no_separator_is_one_group() {
    let w = words(&["a", "b"]);
    assert_eq!(split_groups(&w, "|"), [&w[..]]);
}

/// Quotes `word` so that `split_words` must give it back unchanged.
fn quote(word: &str) -> String {
    let mut out = String::from("\"");
    for c in word.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

proptest! {
    #[test]
    fn quoted_words_come_back(list in proptest::collection::vec(".{0,12}", 0..8)) {
        let line: Vec<String> = list.iter().map(|w| quote(w)).collect();
        prop_assert_eq!(split_words(&line.join(" \t ")).unwrap(), list);
    }

    #[test]
    fn plain_words_come_back(list in proptest::collection::vec("[a-z0-9/._-]{1,8}", 0..8)) {
        prop_assert_eq!(split_words(&list.join("  ")).unwrap(), list);
    }

    #[test]
    fn arbitrary_text_never_panics(line in ".{0,64}") {
        if let Ok(ws) = split_words(&line) {
            // Unquoted whitespace never survives inside a word, so no word has more
            // characters than the line.
            for w in ws {
                prop_assert!(w.chars().count() <= line.chars().count());
            }
        }
    }

    #[test]
    fn groups_hold_every_non_separator_word_in_order(
        list in proptest::collection::vec(prop::sample::select(std::vec!["a", "b", "--"]), 0..12),
    ) {
        let w = words(&list);
        let groups = split_groups(&w, "--");
        let flat: Vec<&String> = groups.iter().flat_map(|g| g.iter()).collect();
        let expected: Vec<&String> = w.iter().filter(|x| *x != "--").collect();
        prop_assert_eq!(flat, expected);
        for g in groups {
            prop_assert!(!g.is_empty());
            prop_assert!(g.iter().all(|x| x != "--"));
        }
    }
}
