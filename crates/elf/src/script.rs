//! `#!` scripts: which interpreter runs a file, and the arguments it gets,
//! as Linux's binfmt_script decides them (since Linux 5.1).
//!
//! The line is read from the first [`BINPRM_BUF_SIZE`] bytes of the file
//! (zeros past its end). It ends at the first newline; without one, at the
//! buffer's last byte, provided a space, tab or NUL shows that the
//! interpreter's name is complete (ENOEXEC otherwise: Linux never runs a
//! truncated interpreter path; a truncated argument is fine). Spaces and tabs
//! around the line are skipped; the interpreter is the first word, ended by
//! a space, tab or NUL; the optional argument is the rest of the line, kept
//! as one argument with the spaces inside it. Both are C strings in the
//! buffer, so a NUL ends either.

use marten_abi::binfmt::BINPRM_BUF_SIZE;

/// A parsed `#!` line.
///
/// Invariant: `interp` holds no space, tab, NUL or newline; `arg` holds no
/// NUL and no newline. Either may be empty when a NUL comes first: Linux
/// then looks up the empty name (the working directory: EACCES) or passes an
/// empty argument. A short file whose line has trailing blanks and no newline
/// gets an empty argument too: the zeros after it end the line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Script<'a> {
    pub interp: &'a [u8],
    pub arg: Option<&'a [u8]>,
}

/// Why a file is not a runnable script.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScriptError {
    /// It does not start with `#!`: another format may claim it.
    NotScript,
    /// A `#!` line without an interpreter, or with one whose name does not
    /// fit in the buffer (ENOEXEC).
    NoInterpreter,
}

/// Does `head` (the start of a file) begin with `#!`?
pub fn is_script(head: &[u8]) -> bool {
    head.starts_with(b"#!")
}

fn spacetab(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

/// Parses the `#!` line at the start of `head` (the first bytes of the file,
/// any length; only the first [`BINPRM_BUF_SIZE`] count).
pub fn parse_script(head: &[u8]) -> Result<Script<'_>, ScriptError> {
    let buf = &head[..head.len().min(BINPRM_BUF_SIZE)];
    // The buffer, padded with zeros as Linux's is for a short file.
    let at = |i: usize| buf.get(i).copied().unwrap_or(0);
    if !is_script(buf) {
        return Err(ScriptError::NotScript);
    }
    let last = BINPRM_BUF_SIZE - 1;
    let non_blank = |from: usize, to: usize| (from..=to).find(|&i| !spacetab(at(i)));
    let terminator = |from: usize, to: usize| (from..=to).find(|&i| spacetab(at(i)) || at(i) == 0);

    // i_end: where the line ends (that byte is not part of it).
    let mut end = match buf.iter().position(|&c| c == b'\n') {
        Some(nl) => nl,
        None => {
            let first = non_blank(2, last).ok_or(ScriptError::NoInterpreter)?;
            // No blank or NUL after the name: it may be cut short.
            terminator(first, last).ok_or(ScriptError::NoInterpreter)?;
            last
        }
    };
    // Trailing blanks go (at(1) is '!', so this stops at 2 at the latest).
    while spacetab(at(end - 1)) {
        end -= 1;
    }
    let name = match non_blank(2, end) {
        Some(n) if n != end => n,
        _ => return Err(ScriptError::NoInterpreter),
    };
    let sep = terminator(name, end);
    let arg = match sep {
        Some(s) if at(s) != 0 => non_blank(s, end),
        _ => None,
    };
    // The C strings Linux makes by writing NULs at `end`, and at `sep` when
    // there is an argument.
    let cstr = |from: usize, to: usize| {
        let to = to.min(buf.len());
        let s = &buf[from.min(to)..to];
        s.iter().position(|&c| c == 0).map_or(s, |z| &s[..z])
    };
    let name_end = match (arg, sep) {
        (Some(_), Some(s)) => s,
        _ => end,
    };
    Ok(Script {
        interp: cstr(name, name_end),
        arg: arg.map(|a| cstr(a, end)),
    })
}

impl<'a> Script<'a> {
    /// The interpreter's arguments: its name, the optional argument, the
    /// script's path as execve was given it, then the script's own
    /// arguments after its `argv[0]` (which is dropped).
    pub fn argv<A: AsRef<[u8]>>(&self, path: &'a [u8], argv: &'a [A]) -> impl Iterator<Item = &'a [u8]> + 'a {
        let rest = argv.get(1..).unwrap_or(&[]).iter().map(|a| a.as_ref());
        [Some(self.interp), self.arg, Some(path)]
            .into_iter()
            .flatten()
            .chain(rest)
    }
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::vec::Vec;

    fn parse(s: &[u8]) -> Result<(Vec<u8>, Option<Vec<u8>>), ScriptError> {
        parse_script(s).map(|p| (p.interp.to_vec(), p.arg.map(|a| a.to_vec())))
    }

    fn ok(interp: &str, arg: Option<&str>) -> Result<(Vec<u8>, Option<Vec<u8>>), ScriptError> {
        Ok((interp.as_bytes().to_vec(), arg.map(|a| a.as_bytes().to_vec())))
    }

    #[test]
    fn plain_interpreter() {
        assert_eq!(parse(b"#!/bin/sh\necho hi\n"), ok("/bin/sh", None));
        assert_eq!(parse(b"#!/bin/sh"), ok("/bin/sh", None));
        assert_eq!(parse(b"#!/bin/sh\n"), ok("/bin/sh", None));
    }

    #[test]
    fn blanks_around_are_skipped() {
        assert_eq!(parse(b"#! \t /bin/sh \t \nx"), ok("/bin/sh", None));
        assert_eq!(parse(b"#!/bin/sh   \n"), ok("/bin/sh", None));
        // Without the newline the line runs into the zeros after the file:
        // an empty argument (Linux does the same).
        assert_eq!(parse(b"#!/bin/sh   "), ok("/bin/sh", Some("")));
    }

    #[test]
    fn the_rest_of_the_line_is_one_argument() {
        assert_eq!(parse(b"#!/usr/bin/awk -f\n"), ok("/usr/bin/awk", Some("-f")));
        assert_eq!(parse(b"#!/bin/x  -a  b\tc  \n"), ok("/bin/x", Some("-a  b\tc")));
        assert_eq!(parse(b"#!/bin/x\t-e\n"), ok("/bin/x", Some("-e")));
        assert_eq!(parse(b"#!/bin/x -e"), ok("/bin/x", Some("-e")));
    }

    #[test]
    fn nul_ends_the_strings() {
        assert_eq!(parse(b"#!/bin/sh\0junk\n"), ok("/bin/sh", None));
        assert_eq!(parse(b"#!/bin/sh -a\0b c\n"), ok("/bin/sh", Some("-a")));
        // A NUL right after the blanks: an empty argument, as Linux passes.
        assert_eq!(parse(b"#!/bin/sh \0b\n"), ok("/bin/sh", Some("")));
    }

    #[test]
    fn carriage_return_is_part_of_the_name() {
        assert_eq!(parse(b"#!/bin/sh\r\n"), ok("/bin/sh\r", None));
    }

    #[test]
    fn no_interpreter_is_enoexec() {
        assert_eq!(parse(b"#!\n"), Err(ScriptError::NoInterpreter));
        assert_eq!(parse(b"#!   \t\n"), Err(ScriptError::NoInterpreter));
        // "#!" then the zeros: an empty name, which Linux looks up.
        assert_eq!(parse(b"#!"), ok("", None));
        assert_eq!(parse(b"#! \0/bin/sh\n"), ok("", None));
        // Blanks to the end of the buffer.
        let mut blanks = b"#!".to_vec();
        blanks.resize(300, b' ');
        assert_eq!(parse(&blanks), Err(ScriptError::NoInterpreter));
    }

    #[test]
    fn not_a_script() {
        assert_eq!(parse(b"\x7fELF"), Err(ScriptError::NotScript));
        assert_eq!(parse(b"#"), Err(ScriptError::NotScript));
        assert_eq!(parse(b""), Err(ScriptError::NotScript));
        assert_eq!(parse(b" #!/bin/sh"), Err(ScriptError::NotScript));
        assert!(!is_script(b"!#"));
    }

    #[test]
    fn long_lines() {
        // The newline past the buffer: the name is complete (a blank
        // follows), the argument is cut at byte 255 (which is dropped).
        let mut line = b"#!/bin/sh ".to_vec();
        line.resize(300, b'a');
        line.push(b'\n');
        let (interp, arg) = parse(&line).unwrap();
        assert_eq!(interp, b"/bin/sh");
        assert_eq!(arg.unwrap().len(), 255 - 10);

        // A name that fills the buffer: ENOEXEC, it may be cut short.
        let mut long = b"#!/".to_vec();
        long.resize(300, b'x');
        long.push(b'\n');
        assert_eq!(parse(&long), Err(ScriptError::NoInterpreter));

        // A name of 253 bytes ending in a blank at byte 255: accepted.
        let mut edge = b"#!/".to_vec();
        edge.resize(255, b'x');
        edge.push(b' ');
        edge.extend_from_slice(b"more");
        let (interp, arg) = parse(&edge).unwrap();
        assert_eq!(interp.len(), 253);
        assert_eq!(arg, None);

        // Same name, newline at byte 255: accepted.
        let mut nl = b"#!/".to_vec();
        nl.resize(255, b'x');
        nl.push(b'\n');
        assert_eq!(parse(&nl).unwrap().0.len(), 253);

        // Without a newline but with a blank after the name, the rest of the
        // buffer (bar its last byte) is the argument.
        let mut arg_cut = b"#!/bin/x ".to_vec();
        arg_cut.resize(256, b'y');
        let (_, arg) = parse(&arg_cut).unwrap();
        assert_eq!(arg.unwrap().len(), 255 - 9);
    }

    #[test]
    fn argv_layout() {
        let argv: [&[u8]; 3] = [b"ignored", b"one", b"two words"];
        let s = parse_script(b"#!/bin/i -x y\n").unwrap();
        let got: Vec<&[u8]> = s.argv(b"/tmp/s", &argv).collect();
        assert_eq!(got, [&b"/bin/i"[..], b"-x y", b"/tmp/s", b"one", b"two words"]);
        let s = parse_script(b"#!/bin/i\n").unwrap();
        let empty: [&[u8]; 0] = [];
        let got: Vec<&[u8]> = s.argv(b"rel/s", &empty).collect();
        assert_eq!(got, [&b"/bin/i"[..], b"rel/s"]);
    }

    proptest::proptest! {
        /// Any bytes: no panic, and the invariants of [`Script`] hold.
        #[test]
        fn any_head_parses_safely(tail in proptest::collection::vec(
            proptest::prop_oneof![proptest::prelude::Just(b' '), proptest::prelude::Just(b'\t'),
                proptest::prelude::Just(b'\n'), proptest::prelude::Just(0u8), proptest::prelude::any::<u8>()],
            0..400,
        )) {
            let mut head = b"#!".to_vec();
            head.extend_from_slice(&tail);
            if let Ok(s) = parse_script(&head) {
                proptest::prop_assert!(!s.interp.iter().any(|&c| spacetab(c) || c == 0 || c == b'\n'));
                if let Some(a) = s.arg {
                    proptest::prop_assert!(!a.iter().any(|&c| c == 0 || c == b'\n'));
                    proptest::prop_assert!(a.first().is_none_or(|&c| !spacetab(c)));
                }
                let argv: [&[u8]; 1] = [b"x"];
                proptest::prop_assert_eq!(s.argv(b"p", &argv).count(), 2 + usize::from(s.arg.is_some()));
            }
        }
    }
}
