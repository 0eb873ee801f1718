//! Parsing the kernel command line the way Linux does.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

/// The length of the first word of `s` (which starts with no whitespace): it ends at
/// whitespace outside double quotes.
fn word_len(s: &str) -> usize {
    let mut in_quotes = false;
    for (i, c) in s.char_indices() {
        if c == '"' {
            in_quotes = !in_quotes;
        } else if c.is_ascii_whitespace() && !in_quotes {
            return i;
        }
    }
    s.len()
}

/// Drops a leading double quote and, if there was one, a trailing one too.
fn strip_quotes(s: &str) -> &str {
    match s.strip_prefix('"') {
        Some(inner) => inner.strip_suffix('"').unwrap_or(inner),
        None => s,
    }
}

/// Splits one word into its key and optional value.
fn parse_word(word: &str) -> (String, Option<String>) {
    let word = strip_quotes(word);
    match word.split_once('=') {
        Some((key, value)) => (key.to_string(), Some(strip_quotes(value).to_string())),
        None => (word.to_string(), None),
    }
}

/// Parses a kernel command line: words separated by whitespace, each `key=value` or a
/// bare `key`. Double quotes may surround a value (`key="a b"`) or a whole word
/// (`"key=a b"`); whitespace inside quotes does not end a word, and an unclosed quote
/// runs to the end of the line. Words that are empty once unquoted are skipped.
///
/// This runs once at boot, so it allocates without checking.
pub fn parse_cmdline(cmdline: &str) -> Vec<(String, Option<String>)> {
    let mut params = Vec::new();
    let mut rest = cmdline;
    loop {
        rest = rest.trim_start_matches(|c: char| c.is_ascii_whitespace());
        if rest.is_empty() {
            return params;
        }
        let (word, tail) = rest.split_at(word_len(rest));
        rest = tail;
        let param = parse_word(word);
        if !param.0.is_empty() || param.1.is_some() {
            params.push(param);
        }
    }
}

#[cfg(test)]
mod tests;
