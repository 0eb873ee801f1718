//! Getting Debian's cloud Linux kernel into `bench/cache/`, without root.
//!
//! `apt-cache depends linux-image-cloud-amd64` names the real image package;
//! `apt-get download` fetches its .deb and `dpkg-deb -x` unpacks it; its
//! `boot/` directory is kept as `<cache>/linux/boot/`, whose `vmlinuz-*` is
//! the kernel, and the virtio disk driver's modules ([`MODULES`]) as
//! `<cache>/linux/modules/*.ko` (Debian builds them as modules; the bench
//! initramfs carries them for Linux's /init to load). A kernel already
//! unpacked with its modules is used as it is (delete the cache to get a
//! newer one); one without them is fetched again.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Debian's metapackage that always depends on the current cloud kernel.
pub const METAPACKAGE: &str = "linux-image-cloud-amd64";

/// The virtio disk driver and the modules it needs, as paths under the
/// package's `lib/modules/<version>/kernel/`.
pub const MODULES: [&str; 6] = [
    "drivers/virtio/virtio_ring.ko",
    "drivers/virtio/virtio.ko",
    "drivers/virtio/virtio_pci_modern_dev.ko",
    "drivers/virtio/virtio_pci_legacy_dev.ko",
    "drivers/virtio/virtio_pci.ko",
    "drivers/block/virtio_blk.ko",
];

/// The file name a module is kept under in `<cache>/linux/modules/`.
fn module_name(m: &str) -> &str {
    m.rsplit('/').next().unwrap_or(m)
}

/// Whether every module of [`MODULES`] is kept under `root`.
fn has_modules(root: &Path) -> bool {
    MODULES
        .iter()
        .all(|m| root.join("modules").join(module_name(m)).is_file())
}

/// Copies [`MODULES`] from an unpacked package at `unpacked` into
/// `<root>/modules/`.
fn keep_modules(unpacked: &Path, root: &Path) -> Result<(), String> {
    let lib = unpacked.join("lib/modules");
    let version = std::fs::read_dir(&lib)
        .map_err(|e| format!("the package holds no lib/modules: {e}"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.join("kernel").is_dir())
        .ok_or("the package holds no lib/modules/<version>/kernel")?;
    let dir = root.join("modules");
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    for m in MODULES {
        let from = version.join("kernel").join(m);
        std::fs::copy(&from, dir.join(module_name(m)))
            .map_err(|e| format!("the package holds no {}: {e}", from.display()))?;
    }
    Ok(())
}

/// The image package named in `apt-cache depends` output.
pub fn image_package(depends_output: &str) -> Option<String> {
    depends_output.lines().find_map(|l| {
        let dep = l.trim().strip_prefix("|").unwrap_or(l.trim());
        let name = dep.strip_prefix("Depends:")?.trim();
        (name.starts_with("linux-image-") && !name.contains(['<', ' '])).then(|| name.to_string())
    })
}

/// The newest `boot/vmlinuz-*` under `root` (by name).
pub fn find_vmlinuz(root: &Path) -> Option<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(root.join("boot"))
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("vmlinuz-"))
        })
        .collect();
    found.sort();
    found.pop()
}

/// Runs a command and returns its standard output, or why it failed.
fn run(cmd: &mut Command) -> Result<String, String> {
    let what = format!("{cmd:?}");
    let out = cmd.output().map_err(|e| format!("cannot run {what}: {e}"))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let last = err.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("");
        return Err(format!("{what} failed ({}): {last}", out.status));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The Linux kernel to boot: the cached one, or a freshly fetched one
/// (with its virtio disk modules).
pub fn kernel(cache: &Path) -> Result<PathBuf, String> {
    let root = cache.join("linux");
    if let Some(k) = find_vmlinuz(&root)
        && has_modules(&root)
    {
        return Ok(k);
    }
    std::fs::create_dir_all(cache).map_err(|e| format!("cannot create {}: {e}", cache.display()))?;
    let deps = run(Command::new("apt-cache").args(["depends", METAPACKAGE]))?;
    let pkg =
        image_package(&deps).ok_or_else(|| format!("apt-cache depends {METAPACKAGE} names no linux-image package"))?;
    eprintln!("mbench-run: fetching {pkg} into {}", cache.display());
    run(Command::new("apt-get")
        .args(["download", "-q", &pkg])
        .current_dir(cache))?;
    let deb = std::fs::read_dir(cache)
        .map_err(|e| format!("cannot list {}: {e}", cache.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(&format!("{pkg}_")) && n.ends_with(".deb"))
        })
        .ok_or_else(|| format!("apt-get download left no {pkg}_*.deb in {}", cache.display()))?;
    // Unpack beside the cache and keep only the modules and boot/ (the
    // kernel last), so that an interrupted run never leaves a half-written
    // kernel where the next run looks.
    let unpacked = cache.join("unpack.tmp");
    let _ = std::fs::remove_dir_all(&unpacked);
    run(Command::new("dpkg-deb").arg("-x").arg(&deb).arg(&unpacked))?;
    let _ = std::fs::remove_file(&deb);
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).map_err(|e| format!("cannot create {}: {e}", root.display()))?;
    let kept = keep_modules(&unpacked, &root)
        .map_err(|e| format!("{pkg}: {e}"))
        .and_then(|()| {
            std::fs::rename(unpacked.join("boot"), root.join("boot"))
                .map_err(|e| format!("{pkg} holds no boot/ directory: {e}"))
        });
    let _ = std::fs::remove_dir_all(&unpacked);
    kept?;
    find_vmlinuz(&root).ok_or_else(|| format!("{pkg} holds no boot/vmlinuz-*"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_package_from_apt_cache() {
        let out = "linux-image-cloud-amd64\n  Depends: linux-image-6.1.0-56-cloud-amd64\n";
        assert_eq!(image_package(out).as_deref(), Some("linux-image-6.1.0-56-cloud-amd64"));
        let alt = "linux-image-cloud-amd64\n |Depends: linux-image-6.1.0-9-cloud-amd64\n  Depends: other\n";
        assert_eq!(image_package(alt).as_deref(), Some("linux-image-6.1.0-9-cloud-amd64"));
        assert_eq!(image_package("x\n  Depends: <virtual-linux-image>\n"), None);
        assert_eq!(image_package("x\n  Recommends: linux-image-1\n"), None);
        assert_eq!(image_package(""), None);
    }

    #[test]
    fn modules_are_kept_by_file_name() {
        let d = std::env::temp_dir().join(format!("mbench-mods-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        let (pkg, root) = (d.join("pkg"), d.join("root"));
        let kernel = pkg.join("lib/modules/6.1.0-1/kernel");
        for m in MODULES {
            let p = kernel.join(m);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, m).unwrap();
        }
        assert!(!has_modules(&root));
        keep_modules(&pkg, &root).unwrap();
        assert!(has_modules(&root));
        assert_eq!(
            std::fs::read_to_string(root.join("modules/virtio_blk.ko")).unwrap(),
            "drivers/block/virtio_blk.ko"
        );
        // A package without one of them is a reason, not a crash.
        std::fs::remove_file(kernel.join(MODULES[5])).unwrap();
        assert!(keep_modules(&pkg, &d.join("other")).is_err());
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn newest_vmlinuz_by_name() {
        let d = std::env::temp_dir().join(format!("mbench-linux-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        assert_eq!(find_vmlinuz(&d), None);
        std::fs::create_dir_all(d.join("boot")).unwrap();
        for f in [
            "config-6.1.0-9",
            "vmlinuz-6.1.0-9",
            "vmlinuz-6.1.0-10x",
            "System.map-6.1.0-9",
        ] {
            std::fs::write(d.join("boot").join(f), "").unwrap();
        }
        // Name order: "vmlinuz-6.1.0-9" sorts after "vmlinuz-6.1.0-10x".
        assert_eq!(find_vmlinuz(&d), Some(d.join("boot/vmlinuz-6.1.0-9")));
        std::fs::remove_dir_all(&d).unwrap();
    }
}
