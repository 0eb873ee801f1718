//! The image being built: a sorted tree of entries gathered from the items, then written out.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::Path;

use marten_cpio::Writer;

use crate::args::Item;

/// Mode of directories the tool creates on its own, and of `--dir`.
const DIR_MODE: u32 = 0o755;
/// Mode of `--dev` nodes.
const DEV_MODE: u32 = 0o666;
/// Largest file newc can hold.
const MAX_FILE: u64 = u32::MAX as u64;

/// One entry of the image.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Node {
    /// `explicit` is false for parents created automatically; those take the mode of a later
    /// explicit directory at the same place.
    Dir {
        mode: u32,
        explicit: bool,
    },
    File {
        mode: u32,
        data: Vec<u8>,
    },
    Symlink {
        target: String,
    },
    CharDev {
        major: u32,
        minor: u32,
    },
}

/// The entries gathered so far, keyed by path components.
///
/// Invariants: no key is empty or has an empty, `.` or `..` component; the parent of every
/// key is present and is a directory. Because keys are component lists, iteration order is
/// depth-first with parents before children, and does not depend on the order of the items.
pub struct Image {
    entries: BTreeMap<Vec<String>, Node>,
}

impl Image {
    pub fn new() -> Self {
        Image {
            entries: BTreeMap::new(),
        }
    }

    /// Adds what one command-line item describes, reading host files as needed.
    pub fn add_item(&mut self, item: &Item) -> Result<(), String> {
        match item {
            Item::File { dest, src, mode } => {
                let path = components(dest)?;
                let (file_mode, data) = read_file(src)?;
                let mode = mode.unwrap_or(file_mode);
                self.add(path, Node::File { mode, data })
            }
            Item::Dir { dest } => self.add(
                components(dest)?,
                Node::Dir {
                    mode: DIR_MODE,
                    explicit: true,
                },
            ),
            Item::Symlink { dest, target } => self.add(components(dest)?, Node::Symlink { target: target.clone() }),
            Item::Dev { dest, major, minor } => self.add(
                components(dest)?,
                Node::CharDev {
                    major: *major,
                    minor: *minor,
                },
            ),
            Item::Tree { dest, src } => {
                let path = tree_root(dest)?;
                let meta = fs::metadata(src).map_err(|e| format!("cannot read {}: {e}", src.display()))?;
                if !meta.is_dir() {
                    return Err(format!("{} is not a directory", src.display()));
                }
                if !path.is_empty() {
                    let mode = meta.permissions().mode() & 0o7777;
                    self.add(path.clone(), Node::Dir { mode, explicit: true })?;
                }
                self.add_tree(&path, src)
            }
        }
    }

    /// Writes every entry, parents first, as a newc archive.
    pub fn to_cpio(&self) -> Vec<u8> {
        let mut w = Writer::new();
        for (path, node) in &self.entries {
            let name = path.join("/");
            match node {
                Node::Dir { mode, .. } => w.dir(&name, *mode),
                Node::File { mode, data } => w.file(&name, *mode, data),
                Node::Symlink { target } => w.symlink(&name, target),
                Node::CharDev { major, minor } => w.char_dev(&name, DEV_MODE, *major, *minor),
            }
        }
        w.finish()
    }

    /// Copies the contents of host directory `src` under `dest`, recursively.
    fn add_tree(&mut self, dest: &[String], src: &Path) -> Result<(), String> {
        let listing = fs::read_dir(src).map_err(|e| format!("cannot list {}: {e}", src.display()))?;
        let mut children = Vec::new();
        for entry in listing {
            let entry = entry.map_err(|e| format!("cannot list {}: {e}", src.display()))?;
            let name = entry
                .file_name()
                .into_string()
                .map_err(|raw| format!("{}: file name {raw:?} is not UTF-8", src.display()))?;
            children.push(name);
        }
        children.sort();
        for name in children {
            let host = src.join(&name);
            let mut path = dest.to_vec();
            path.push(name);
            let meta = fs::symlink_metadata(&host).map_err(|e| format!("cannot read {}: {e}", host.display()))?;
            let kind = meta.file_type();
            let mode = meta.permissions().mode() & 0o7777;
            if kind.is_dir() {
                self.add(path.clone(), Node::Dir { mode, explicit: true })?;
                self.add_tree(&path, &host)?;
            } else if kind.is_file() {
                let (mode, data) = read_file(&host)?;
                self.add(path, Node::File { mode, data })?;
            } else if kind.is_symlink() {
                let target = fs::read_link(&host).map_err(|e| format!("cannot read link {}: {e}", host.display()))?;
                let target = target
                    .into_os_string()
                    .into_string()
                    .map_err(|raw| format!("{}: link target {raw:?} is not UTF-8", host.display()))?;
                self.add(path, Node::Symlink { target })?;
            } else {
                let what = if kind.is_char_device() || kind.is_block_device() {
                    "device node"
                } else {
                    "fifo or socket"
                };
                return Err(format!(
                    "{}: cannot copy a {what} (use --dev for devices)",
                    host.display()
                ));
            }
        }
        Ok(())
    }

    /// Inserts `node` at `path`, creating missing parents; refuses conflicting entries.
    fn add(&mut self, path: Vec<String>, node: Node) -> Result<(), String> {
        for depth in 1..path.len() {
            let parent = &path[..depth];
            match self.entries.get(parent) {
                Some(Node::Dir { .. }) => {}
                Some(_) => {
                    return Err(format!(
                        "{}: parent {} is not a directory",
                        path.join("/"),
                        parent.join("/")
                    ));
                }
                None => {
                    self.entries.insert(
                        parent.to_vec(),
                        Node::Dir {
                            mode: DIR_MODE,
                            explicit: false,
                        },
                    );
                }
            }
        }
        let name = path.join("/");
        match (self.entries.get_mut(&path), node) {
            (None, node) => {
                self.entries.insert(path, node);
                Ok(())
            }
            (
                Some(Node::Dir { mode, explicit }),
                Node::Dir {
                    mode: new,
                    explicit: true,
                },
            ) => {
                if *explicit && *mode != new {
                    return Err(format!(
                        "{name}: directory given twice with modes {:o} and {new:o}",
                        *mode
                    ));
                }
                *mode = new;
                *explicit = true;
                Ok(())
            }
            (Some(Node::Dir { .. }), Node::Dir { explicit: false, .. }) => Ok(()),
            (Some(_), _) => Err(format!("{name}: given twice")),
        }
    }
}

/// Reads a host file (following symlinks): its permission bits and contents.
fn read_file(src: &Path) -> Result<(u32, Vec<u8>), String> {
    let meta = fs::metadata(src).map_err(|e| format!("cannot read {}: {e}", src.display()))?;
    if !meta.is_file() {
        return Err(format!("{} is not a regular file", src.display()));
    }
    if meta.len() > MAX_FILE {
        return Err(format!("{} is too large for a cpio archive", src.display()));
    }
    let data = fs::read(src).map_err(|e| format!("cannot read {}: {e}", src.display()))?;
    Ok((meta.permissions().mode() & 0o7777, data))
}

/// Splits a destination path into components: leading, repeated and trailing `/` and `.`
/// components are dropped; `..` and the empty path (the root) are refused.
fn components(dest: &str) -> Result<Vec<String>, String> {
    let path = tree_root(dest)?;
    if path.is_empty() {
        return Err(format!("{dest:?}: destination must name something below /"));
    }
    Ok(path)
}

/// Like [`components`], but the root (empty list) is allowed: `--tree /=DIR`.
fn tree_root(dest: &str) -> Result<Vec<String>, String> {
    let mut path = Vec::new();
    for part in dest.split('/') {
        match part {
            "" | "." => {}
            ".." => return Err(format!("{dest:?}: \"..\" is not allowed in a destination")),
            _ if part.contains('\0') => return Err(format!("{dest:?}: NUL in destination")),
            _ => path.push(part.to_string()),
        }
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn destinations_are_normalised() {
        assert_eq!(components("/bin//sh/"), Ok(parts(&["bin", "sh"])));
        assert_eq!(components("./etc/./passwd"), Ok(parts(&["etc", "passwd"])));
        assert!(components("/").is_err());
        assert!(components("a/../b").is_err());
        assert_eq!(tree_root("/"), Ok(Vec::new()));
    }

    #[test]
    fn parents_come_first_and_are_created() {
        let mut image = Image::new();
        let link = |t: &str| Node::Symlink { target: t.to_string() };
        image.add(parts(&["usr", "bin", "b"]), link("x")).unwrap();
        image.add(parts(&["bin", "sh"]), link("busybox")).unwrap();
        image.add(parts(&["usr", "bin-x"]), link("y")).unwrap();
        let order: Vec<String> = image.entries.keys().map(|k| k.join("/")).collect();
        assert_eq!(order, ["bin", "bin/sh", "usr", "usr/bin", "usr/bin/b", "usr/bin-x"]);
    }

    #[test]
    fn conflicts_are_refused() {
        let mut image = Image::new();
        let file = Node::File {
            mode: 0o644,
            data: Vec::new(),
        };
        image.add(parts(&["etc", "x"]), file.clone()).unwrap();
        assert!(image.add(parts(&["etc", "x"]), file.clone()).is_err());
        assert!(image.add(parts(&["etc", "x", "y"]), file.clone()).is_err());
        // An explicit directory over an automatic parent is fine and sets the mode.
        let dir = |mode| Node::Dir { mode, explicit: true };
        image.add(parts(&["etc"]), dir(0o700)).unwrap();
        assert_eq!(
            image.entries.get(&parts(&["etc"])),
            Some(&Node::Dir {
                mode: 0o700,
                explicit: true
            })
        );
        assert!(image.add(parts(&["etc"]), dir(0o700)).is_ok());
        assert!(image.add(parts(&["etc"]), dir(0o755)).is_err());
        assert!(image.add(parts(&["etc", "x"]), dir(0o755)).is_err());
    }
}
