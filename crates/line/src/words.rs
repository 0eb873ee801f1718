//! Splitting a shell line into words, and a word list into groups.

use alloc::string::String;
use alloc::vec::Vec;

/// Why a line could not be split into words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineError {
    /// A double quote was opened and never closed.
    UnterminatedQuote,
    /// The line ends with a backslash, so there is nothing for it to escape.
    DanglingBackslash,
    /// The allocator had no memory for the words.
    NoMem,
}

/// Appends `c` to `word`, failing instead of aborting when memory is short.
fn push_char(word: &mut String, c: char) -> Result<(), LineError> {
    word.try_reserve(c.len_utf8()).map_err(|_| LineError::NoMem)?;
    word.push(c);
    Ok(())
}

/// Appends a finished word to `words`, failing instead of aborting when memory is short.
fn push_word(words: &mut Vec<String>, word: String) -> Result<(), LineError> {
    words.try_reserve(1).map_err(|_| LineError::NoMem)?;
    words.push(word);
    Ok(())
}

/// Splits on ASCII whitespace. Double quotes group words (`"a b"` is one word `a b`)
/// and may appear inside a word (`x"y z"` is `xy z`); `""` is an empty word. A
/// backslash takes the next character literally, inside quotes too.
pub fn split_words(line: &str) -> Result<Vec<String>, LineError> {
    let mut words = Vec::new();
    let mut word = String::new();
    // A word has begun: it may still be empty, as in `""`.
    let mut in_word = false;
    let mut in_quotes = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let escaped = chars.next().ok_or(LineError::DanglingBackslash)?;
                push_char(&mut word, escaped)?;
                in_word = true;
            }
            '"' => {
                in_quotes = !in_quotes;
                in_word = true;
            }
            c if c.is_ascii_whitespace() && !in_quotes => {
                if in_word {
                    push_word(&mut words, core::mem::take(&mut word))?;
                    in_word = false;
                }
            }
            c => {
                push_char(&mut word, c)?;
                in_word = true;
            }
        }
    }
    if in_quotes {
        return Err(LineError::UnterminatedQuote);
    }
    if in_word {
        push_word(&mut words, word)?;
    }
    Ok(words)
}

/// Cuts `words` at every word equal to `sep`, dropping empty groups:
/// `["a","x","--","b","--","c","y"]` gives `[["a","x"],["b"],["c","y"]]`.
pub fn split_groups<'a>(words: &'a [String], sep: &str) -> Vec<&'a [String]> {
    words.split(|w| w == sep).filter(|group| !group.is_empty()).collect()
}

#[cfg(test)]
mod tests;
