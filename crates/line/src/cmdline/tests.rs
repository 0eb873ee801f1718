//! Tests for kernel command line parsing.

extern crate std;

use super::parse_cmdline;
use proptest::prelude::*;
use std::string::{String, ToString};
use std::vec::Vec;

fn params(list: &[(&str, Option<&str>)]) -> Vec<(String, Option<String>)> {
    list.iter()
        .map(|(k, v)| (k.to_string(), v.map(|v| v.to_string())))
        .collect()
}

#[test]
fn keys_with_and_without_values() {
    assert_eq!(
        parse_cmdline("console=ttyS0,115200 quiet  init=/bin/sh\n"),
        params(&[
            ("console", Some("ttyS0,115200")),
            ("quiet", None),
            ("init", Some("/bin/sh")),
        ])
    );
}

#[test]
fn empty_line_gives_nothing() {
    assert_eq!(parse_cmdline(""), params(&[]));
    assert_eq!(parse_cmdline(" \t "), params(&[]));
}

#[test]
fn value_splits_at_the_first_equals_sign() {
    assert_eq!(
        parse_cmdline("a=b=c x="),
        params(&[("a", Some("b=c")), ("x", Some(""))])
    );
}

#[test]
fn quoted_value() {
    assert_eq!(
        parse_cmdline(r#"msg="hello world" next"#),
        params(&[("msg", Some("hello world")), ("next", None)])
    );
}

#[test]
fn quoted_whole_word() {
    assert_eq!(
        parse_cmdline(r#""msg=hello world" "bare""#),
        params(&[("msg", Some("hello world")), ("bare", None)])
    );
}

#[test]
fn unclosed_quote_runs_to_the_end() {
    assert_eq!(
        parse_cmdline(r#"a=1 b="x y"#),
        params(&[("a", Some("1")), ("b", Some("x y"))])
    );
}

#[test]
fn quotes_inside_a_value_are_kept() {
    assert_eq!(parse_cmdline(r#"k=a"b c"d"#), params(&[("k", Some(r#"a"b c"d"#))]));
}

#[test]
fn empty_words_are_skipped() {
    assert_eq!(parse_cmdline(r#""" x "#), params(&[("x", None)]));
    assert_eq!(parse_cmdline("=v"), params(&[("", Some("v"))]));
}

proptest! {
    #[test]
    fn built_lines_parse_back(
        list in proptest::collection::vec(
            ("[a-z_.]{1,8}", proptest::option::of("[a-z0-9 ,/=]{0,8}")),
            0..8,
        ),
    ) {
        let line: Vec<String> = list
            .iter()
            .map(|(k, v)| match v {
                Some(v) => std::format!("{k}=\"{v}\""),
                None => k.clone(),
            })
            .collect();
        prop_assert_eq!(parse_cmdline(&line.join(" ")), list);
    }

    #[test]
    fn unquoted_text_matches_a_plain_split(line in "[a-z= \t\n]{0,60}") {
        let expected: Vec<(String, Option<String>)> = line
            .split_ascii_whitespace()
            .map(|w| match w.split_once('=') {
                Some((k, v)) => (k.to_string(), Some(v.to_string())),
                None => (w.to_string(), None),
            })
            .collect();
        prop_assert_eq!(parse_cmdline(&line), expected);
    }

    #[test]
    fn arbitrary_text_never_panics(line in ".{0,80}") {
        for (key, _) in parse_cmdline(&line) {
            prop_assert!(!key.contains('='));
        }
    }
}
