//! The disk of a benchmark boot: a fresh ext2 image, made by the host's `mke2fs` before each boot.
//!
//! Both kernels get the same image (same size, block size, label, UUID and
//! directory hash seed), attached the same way as a virtio disk, and a new
//! one for every boot, so no boot sees another's files or free-space
//! layout. `mbench`'s disk figures only touch a disk labelled [`LABEL`].

use std::path::{Path, PathBuf};
use std::process::Command;

/// Where the image is made.
pub const IMAGE: &str = "build/bench/disk.img";
/// The volume label the disk figures look for before they mount the disk.
pub const LABEL: &str = "mbench-disk";
/// The image's size, as mke2fs takes it.
const SIZE: &str = "1G";
/// A fixed UUID and hash seed: every image is made alike.
const UUID: &str = "6d62656e-6368-4469-736b-000000000001";

/// `mke2fs` on the PATH or in the sbin directories (which a user's PATH may lack).
fn mke2fs() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/sbin", "/usr/sbin"].map(PathBuf::from))
        .map(|d| d.join("mke2fs"))
        .find(|p| p.is_file())
}

/// The mke2fs arguments that make the image at `path`.
fn mke2fs_args(path: &Path) -> Vec<String> {
    let mut a: Vec<String> = ["-q", "-F", "-t", "ext2", "-b", "4096", "-L", LABEL, "-U", UUID]
        .map(String::from)
        .to_vec();
    a.push("-E".into());
    a.push(format!("hash_seed={UUID}"));
    a.push(path.display().to_string());
    a.push(SIZE.into());
    a
}

/// Makes a new, empty ext2 image at `path` (replacing any older one).
pub fn fresh(path: &Path) -> Result<(), String> {
    let tool = mke2fs().ok_or("mke2fs not found (Debian's e2fsprogs)")?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let _ = std::fs::remove_file(path);
    let out = Command::new(&tool)
        .args(mke2fs_args(path))
        .output()
        .map_err(|e| format!("cannot run {}: {e}", tool.display()))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(format!("mke2fs failed ({}): {}", out.status, err.trim()));
    }
    Ok(())
}

/// QEMU's arguments that attach the image at `path` as a virtio disk.
pub fn drive_args(path: &Path) -> [String; 2] {
    ["-drive".into(), format!("file={},if=virtio,format=raw", path.display())]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_name_the_label_and_the_image() {
        let a = mke2fs_args(Path::new("x.img"));
        let joined = a.join(" ");
        assert!(joined.contains("-t ext2 -b 4096 -L mbench-disk"), "{joined}");
        assert!(joined.ends_with("x.img 1G"), "{joined}");
        assert_eq!(
            drive_args(Path::new("d.img")),
            ["-drive".to_string(), "file=d.img,if=virtio,format=raw".to_string()]
        );
    }

    #[test]
    fn a_fresh_image_has_the_label() {
        use std::io::Read;
        let p = std::env::temp_dir().join(format!("mbench-disk-{}.img", std::process::id()));
        fresh(&p).unwrap();
        let mut bytes = [0u8; 2048];
        std::fs::File::open(&p).unwrap().read_exact(&mut bytes).unwrap();
        assert_eq!(&bytes[1024 + 56..1024 + 58], &[0x53, 0xef]);
        assert_eq!(&bytes[1024 + 120..1024 + 120 + LABEL.len()], LABEL.as_bytes());
        std::fs::remove_file(&p).unwrap();
    }
}
