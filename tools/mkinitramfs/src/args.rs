//! Command-line parsing (by hand): options and the list of items to put in the image.

use std::path::PathBuf;

pub const USAGE: &str = "\
usage: mkinitramfs -o OUT [--gzip] [ITEM]...
  --file DEST=SRC              regular file with SRC's mode bits
  --file-mode DEST=SRC:MODE    regular file with an octal mode
  --dir DEST                   directory (0755)
  --symlink DEST=TARGET        symbolic link
  --tree DEST=SRCDIR           copy a host directory recursively (DEST may be /)
  --dev DEST=c:MAJOR:MINOR     character device node (0666)
Parents of every DEST are created as 0755 directories. Entries are written parents first,
in a fixed order, so the same inputs always give the same image.
";

/// One thing to put in the image, as given on the command line (DEST not yet normalised).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item {
    File {
        dest: String,
        src: PathBuf,
        mode: Option<u32>,
    },
    Dir {
        dest: String,
    },
    Symlink {
        dest: String,
        target: String,
    },
    Tree {
        dest: String,
        src: PathBuf,
    },
    Dev {
        dest: String,
        major: u32,
        minor: u32,
    },
}

/// A complete build request.
///
/// Invariant: `out` was given with `-o`.
#[derive(Debug)]
pub struct Options {
    pub out: PathBuf,
    pub gzip: bool,
    pub items: Vec<Item>,
}

/// What the command line asks for.
#[derive(Debug)]
pub enum Command {
    Help,
    Build(Options),
}

/// Parses the arguments (without the program name).
pub fn parse(argv: &[String]) -> Result<Command, String> {
    let mut out = None;
    let mut gzip = false;
    let mut items = Vec::new();
    let mut args = argv.iter();
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "-o" => out = Some(PathBuf::from(value()?)),
            "--gzip" => gzip = true,
            "--file" => {
                let (dest, src) = split_pair(flag, value()?)?;
                items.push(Item::File {
                    dest,
                    src: PathBuf::from(src),
                    mode: None,
                });
            }
            "--file-mode" => {
                let (dest, rest) = split_pair(flag, value()?)?;
                let (src, mode) = rest
                    .rsplit_once(':')
                    .ok_or_else(|| format!("{flag} wants DEST=SRC:MODE, got {rest:?}"))?;
                items.push(Item::File {
                    dest,
                    src: PathBuf::from(src),
                    mode: Some(parse_mode(mode)?),
                });
            }
            "--dir" => items.push(Item::Dir { dest: value()?.clone() }),
            "--symlink" => {
                let (dest, target) = split_pair(flag, value()?)?;
                items.push(Item::Symlink { dest, target });
            }
            "--tree" => {
                let (dest, src) = split_pair(flag, value()?)?;
                items.push(Item::Tree {
                    dest,
                    src: PathBuf::from(src),
                });
            }
            "--dev" => {
                let (dest, spec) = split_pair(flag, value()?)?;
                let (major, minor) = parse_dev(&spec)?;
                items.push(Item::Dev { dest, major, minor });
            }
            other => return Err(format!("unknown argument {other:?} (try --help)")),
        }
    }
    let out = out.ok_or("no output file given (-o OUT)")?;
    Ok(Command::Build(Options { out, gzip, items }))
}

/// Splits `DEST=VALUE` at the first `=`; both halves must be non-empty.
fn split_pair(flag: &str, arg: &str) -> Result<(String, String), String> {
    match arg.split_once('=') {
        Some((dest, value)) if !dest.is_empty() && !value.is_empty() => Ok((dest.to_string(), value.to_string())),
        _ => Err(format!("{flag} wants DEST=VALUE, got {arg:?}")),
    }
}

/// An octal permission mode, at most 07777.
fn parse_mode(text: &str) -> Result<u32, String> {
    match u32::from_str_radix(text, 8) {
        Ok(mode) if mode <= 0o7777 => Ok(mode),
        _ => Err(format!("bad octal mode {text:?} (expected e.g. 0755)")),
    }
}

/// `c:MAJOR:MINOR`, decimal numbers.
fn parse_dev(spec: &str) -> Result<(u32, u32), String> {
    let bad = || format!("bad device {spec:?} (expected c:MAJOR:MINOR)");
    let mut parts = spec.split(':');
    let (Some(kind), Some(major), Some(minor), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err(bad());
    };
    if kind != "c" {
        return Err(format!(
            "bad device {spec:?}: only character devices (c:) are supported"
        ));
    }
    Ok((major.parse().map_err(|_| bad())?, minor.parse().map_err(|_| bad())?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn build(list: &[&str]) -> Result<Options, String> {
        match parse(&strings(list))? {
            Command::Build(options) => Ok(options),
            Command::Help => Err("help".into()),
        }
    }

    #[test]
    fn every_item_kind_parses() {
        let o = build(&[
            "-o",
            "out.img",
            "--gzip",
            "--file",
            "bin/busybox=/bin/busybox",
            "--file-mode",
            "init=a:b.sh:0700",
            "--dir",
            "proc",
            "--symlink",
            "bin/sh=busybox",
            "--tree",
            "/=root",
            "--dev",
            "dev/console=c:5:1",
        ])
        .unwrap();
        assert_eq!(o.out, PathBuf::from("out.img"));
        assert!(o.gzip);
        assert_eq!(
            o.items,
            vec![
                Item::File {
                    dest: "bin/busybox".into(),
                    src: "/bin/busybox".into(),
                    mode: None
                },
                Item::File {
                    dest: "init".into(),
                    src: "a:b.sh".into(),
                    mode: Some(0o700)
                },
                Item::Dir { dest: "proc".into() },
                Item::Symlink {
                    dest: "bin/sh".into(),
                    target: "busybox".into()
                },
                Item::Tree {
                    dest: "/".into(),
                    src: "root".into()
                },
                Item::Dev {
                    dest: "dev/console".into(),
                    major: 5,
                    minor: 1
                },
            ]
        );
    }

    #[test]
    fn mistakes_are_reported() {
        for bad in [
            &["--dir", "x"][..],
            &["-o"],
            &["-o", "x", "--file", "nodest"],
            &["-o", "x", "--file", "=src"],
            &["-o", "x", "--file-mode", "a=b"],
            &["-o", "x", "--file-mode", "a=b:999"],
            &["-o", "x", "--file-mode", "a=b:10000"],
            &["-o", "x", "--dev", "d=b:8:0"],
            &["-o", "x", "--dev", "d=c:5"],
            &["-o", "x", "--dev", "d=c:5:x"],
            &["-o", "x", "--dev", "d=c:5:1:2"],
            &["-o", "x", "--bogus"],
        ] {
            assert!(build(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn help_wins() {
        assert!(matches!(parse(&strings(&["--help"])), Ok(Command::Help)));
    }
}
