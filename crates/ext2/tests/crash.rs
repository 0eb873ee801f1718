//! Crash consistency: seeded workloads run over a device that records every write; the
//! image after every prefix of that log (a crash with in-order completion) must be
//! repaired by `e2fsck -p` (exit status 0 or 1), and every file flushed before the crash
//! and not touched since must read back intact from the repaired image. The same holds
//! with the writes between two device flushes completed in reverse order (a disk whose
//! volatile cache reorders them), which checks that a flush sits wherever order matters.

mod common;

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::rc::Rc;

use common::{mke2fs, pattern, scratch, tool};
use marten_ext2::{BlockDevice, Error, Fs, ROOT_INO, Result};

/// The image as written so far, and every write in order.
struct Log {
    img: Vec<u8>,
    writes: Vec<(u64, Vec<u8>)>,
    flushes: usize,
    /// The log length at each device flush.
    flushed_at: Vec<usize>,
}

/// A device that applies and records writes; clones share the log (the test writes file
/// data through one, as the kernel's page cache does).
#[derive(Clone)]
struct Recorder(Rc<RefCell<Log>>);

impl BlockDevice for Recorder {
    fn size(&self) -> u64 {
        self.0.borrow().img.len() as u64
    }
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<()> {
        let log = self.0.borrow();
        let s = usize::try_from(offset).map_err(|_| Error::Io)?;
        let src = log.img.get(s..s + buf.len()).ok_or(Error::Io)?;
        buf.copy_from_slice(src);
        Ok(())
    }
    fn write_at(&mut self, offset: u64, buf: &[u8]) -> Result<()> {
        let mut log = self.0.borrow_mut();
        let s = usize::try_from(offset).map_err(|_| Error::Io)?;
        log.img.get_mut(s..s + buf.len()).ok_or(Error::Io)?.copy_from_slice(buf);
        log.writes.push((offset, buf.to_vec()));
        Ok(())
    }
    fn flush(&mut self) -> Result<()> {
        let mut log = self.0.borrow_mut();
        log.flushes += 1;
        let at = log.writes.len();
        log.flushed_at.push(at);
        Ok(())
    }
}

impl Recorder {
    fn len(&self) -> usize {
        self.0.borrow().writes.len()
    }
}

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> Option<&'a T> {
        if v.is_empty() { None } else { v.get(self.below(v.len())) }
    }
}

/// What the workload expects: directories, regular files (path -> inode), their bytes,
/// and other names (symlinks).
#[derive(Default, Clone)]
struct Model {
    dirs: BTreeMap<String, u32>,
    files: BTreeMap<String, u32>,
    data: BTreeMap<u32, Vec<u8>>,
    others: BTreeMap<String, u32>,
}

impl Model {
    fn taken(&self, p: &str) -> bool {
        self.dirs.contains_key(p) || self.files.contains_key(p) || self.others.contains_key(p)
    }
    fn empty_dir(&self, d: &str) -> bool {
        let prefix = format!("{d}/");
        let inside = |k: &String| k.starts_with(&prefix);
        !self.dirs.keys().any(inside) && !self.files.keys().any(inside) && !self.others.keys().any(inside)
    }
    /// Drops path `p` of a regular file; its bytes go with the last name.
    fn drop_file(&mut self, p: &str) -> Option<u32> {
        let ino = self.files.remove(p)?;
        if !self.files.values().any(|&i| i == ino) {
            self.data.remove(&ino);
        }
        Some(ino)
    }
}

/// One operation's footprint: where the log stood when it began, and which paths and
/// inodes it touched.
struct Touch {
    start: usize,
    /// What the operation was (for failure reports).
    what: String,
    paths: Vec<String>,
    inodes: Vec<u32>,
}

/// A completed flush: the log length then, and the regular files it made durable.
struct Durable {
    /// The log length when the flush began.
    from: usize,
    pos: usize,
    op: usize,
    files: Vec<(String, u32, Vec<u8>)>,
}

/// The parent directory's inode and the last name of `p`.
fn split<'a>(m: &Model, p: &'a str) -> (u32, &'a str) {
    match p.rsplit_once('/') {
        Some((d, n)) => (m.dirs[d], n),
        None => (ROOT_INO, p),
    }
}

/// Runs workload `seed` on `img`; returns the log, the touches (by operation) and the
/// durable points.
fn workload(img: Vec<u8>, seed: u64, defer: bool) -> (Vec<u8>, Recorder, Vec<Touch>, Vec<Durable>) {
    let base = img.clone();
    let rec = Recorder(Rc::new(RefCell::new(Log {
        img,
        writes: Vec::new(),
        flushes: 0,
        flushed_at: Vec::new(),
    })));
    let mut fs = Fs::mount(rec.clone()).unwrap();
    fs.set_time(1_700_000_000);
    // A small cache, so eviction happens too.
    fs.set_cache_limit(48);
    if defer {
        fs.defer_release();
    }
    let bs = u64::from(fs.block_size());
    let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let mut m = Model::default();
    let mut touches = Vec::new();
    let mut durable = Vec::new();
    let mut open: Vec<u32> = Vec::new();
    // Unnamed files (O_TMPFILE, with deferred release only) and what they hold.
    let mut unnamed: Vec<(u32, Vec<u8>)> = Vec::new();
    for op in 0..120 {
        touches.push(Touch {
            start: rec.len(),
            what: String::new(),
            paths: Vec::new(),
            inodes: Vec::new(),
        });
        let t = touches.last_mut().unwrap();
        let dirs: Vec<String> = m.dirs.keys().cloned().collect();
        let files: Vec<String> = m.files.keys().cloned().collect();
        let serial = op + 1;
        let fresh = |rng: &mut Rng, m: &Model| -> String {
            let name = format!("n{serial}");
            match rng.pick(&dirs) {
                Some(d) if rng.below(3) != 0 => format!("{d}/{name}"),
                _ => {
                    assert!(!m.taken(&name));
                    name
                }
            }
        };
        let kind = rng.below(if defer { 17 } else { 16 });
        t.what = format!("kind {kind}");
        match kind {
            0 | 1 => {
                let p = fresh(&mut rng, &m);
                let (d, n) = split(&m, &p);
                let ino = fs.create(d, n.as_bytes(), 0o644, 0, 0).unwrap();
                m.files.insert(p.clone(), ino);
                m.data.insert(ino, Vec::new());
                t.paths.push(p);
            }
            2 | 3 => {
                let Some(p) = rng.pick(&files) else { continue };
                let ino = m.files[p];
                let cur = m.data[&ino].len();
                let off = if rng.below(3) == 0 { rng.below(cur + 1) } else { cur };
                let len = match rng.below(8) {
                    0 => 280 * 1024,
                    1..=3 => 1 + rng.below(40_000),
                    _ => 1 + rng.below(3000),
                };
                let bytes = pattern(rng.next(), len);
                assert_eq!(fs.write(ino, off as u64, &bytes).unwrap(), len);
                let d = m.data.get_mut(&ino).unwrap();
                if d.len() < off + len {
                    d.resize(off + len, 0);
                }
                d[off..off + len].copy_from_slice(&bytes);
                t.inodes.push(ino);
            }
            4 => {
                // The kernel's page cache: allocate, write the blocks straight to the
                // device, raise the size.
                let Some(p) = rng.pick(&files) else { continue };
                let ino = m.files[p];
                let cur = m.data[&ino].len() as u64;
                let first = cur.div_ceil(bs);
                let count = 1 + rng.below(20) as u64;
                fs.allocate_blocks(ino, first, count).unwrap();
                let bytes = pattern(rng.next(), (count * bs) as usize);
                let mut dev = rec.clone();
                for (i, chunk) in bytes.chunks(bs as usize).enumerate() {
                    let b = fs.file_block(ino, first + i as u64).unwrap().unwrap();
                    dev.write_at(fs.block_offset(b), chunk).unwrap();
                }
                let end = (first + count) * bs;
                fs.extend_size(ino, end).unwrap();
                let d = m.data.get_mut(&ino).unwrap();
                d.resize((first * bs) as usize, 0);
                d.extend_from_slice(&bytes);
                t.inodes.push(ino);
            }
            5 => {
                let Some(p) = rng.pick(&files) else { continue };
                let ino = m.files[p];
                let cur = m.data[&ino].len();
                let size = if rng.below(4) == 0 {
                    cur + rng.below(5000)
                } else {
                    rng.below(cur + 1)
                };
                fs.truncate(ino, size as u64).unwrap();
                m.data.get_mut(&ino).unwrap().resize(size, 0);
                t.inodes.push(ino);
            }
            6 | 7 => {
                let Some(p) = rng.pick(&files) else { continue };
                let (d, n) = split(&m, p);
                fs.unlink(d, n.as_bytes()).unwrap();
                let ino = m.drop_file(p).unwrap();
                open.extend(fs.take_orphans());
                t.paths.push(p.clone());
                t.inodes.push(ino);
            }
            8 => {
                let p = fresh(&mut rng, &m);
                if p.matches('/').count() > 1 {
                    continue;
                }
                let (d, n) = split(&m, &p);
                let ino = fs.mkdir(d, n.as_bytes(), 0o755, 0, 0).unwrap();
                m.dirs.insert(p.clone(), ino);
                t.paths.push(p);
            }
            9 => {
                let empty: Vec<String> = dirs.iter().filter(|d| m.empty_dir(d)).cloned().collect();
                let Some(p) = rng.pick(&empty) else { continue };
                let (d, n) = split(&m, p);
                fs.rmdir(d, n.as_bytes()).unwrap();
                m.dirs.remove(p);
                open.extend(fs.take_orphans());
                t.paths.push(p.clone());
            }
            10 | 11 => {
                // Rename a file to a new name or over another file.
                let Some(a) = rng.pick(&files).cloned() else { continue };
                let ino = m.files[&a];
                let b = match rng.pick(&files) {
                    Some(b) if rng.below(2) == 0 && m.files[b] != ino => b.clone(),
                    _ => fresh(&mut rng, &m),
                };
                let (da, na) = split(&m, &a);
                let (db, nb) = split(&m, &b);
                fs.rename(da, na.as_bytes(), db, nb.as_bytes()).unwrap();
                if let Some(old) = m.drop_file(&b) {
                    t.inodes.push(old);
                }
                m.files.remove(&a);
                m.files.insert(b.clone(), ino);
                open.extend(fs.take_orphans());
                t.paths.extend([a, b]);
                t.inodes.push(ino);
            }
            12 => {
                let p = fresh(&mut rng, &m);
                let (d, n) = split(&m, &p);
                let len = if rng.below(2) == 0 { 20 } else { 150 };
                let target = "t".repeat(len);
                let ino = fs.symlink(d, n.as_bytes(), target.as_bytes(), 0, 0).unwrap();
                m.others.insert(p.clone(), ino);
                t.paths.push(p);
            }
            13 => {
                let Some(a) = rng.pick(&files).cloned() else { continue };
                let ino = m.files[&a];
                let p = fresh(&mut rng, &m);
                let (d, n) = split(&m, &p);
                fs.link(ino, d, n.as_bytes()).unwrap();
                m.files.insert(p.clone(), ino);
                t.paths.push(p);
                t.inodes.push(ino);
            }
            14 => {
                for ino in open.drain(..) {
                    fs.release_orphan(ino).unwrap();
                    t.inodes.push(ino);
                }
            }
            15 => {
                let from = rec.len();
                fs.flush().unwrap();
                let files = m
                    .files
                    .iter()
                    .map(|(p, &i)| (p.clone(), i, m.data[&i].clone()))
                    .collect();
                durable.push(Durable {
                    from,
                    pos: rec.len(),
                    op,
                    files,
                });
            }
            16 => {
                // An unnamed file: a new one, written; or a waiting one named (its
                // first link), or freed as the kernel does at its last close.
                match rng.below(3) {
                    0 if !unnamed.is_empty() => {
                        let (ino, bytes) = unnamed.remove(0);
                        let p = fresh(&mut rng, &m);
                        let (d, n) = split(&m, &p);
                        fs.link(ino, d, n.as_bytes()).unwrap();
                        m.files.insert(p.clone(), ino);
                        m.data.insert(ino, bytes);
                        t.what = "kind 16: name an unnamed file".into();
                        t.paths.push(p);
                        t.inodes.push(ino);
                    }
                    1 if !unnamed.is_empty() => {
                        let (ino, _) = unnamed.remove(0);
                        fs.release_orphan(ino).unwrap();
                        t.what = "kind 16: free an unnamed file".into();
                        t.inodes.push(ino);
                    }
                    _ => {
                        let d = match rng.pick(&dirs) {
                            Some(d) => m.dirs[d],
                            None => ROOT_INO,
                        };
                        let ino = fs.create_unnamed(d, 0o600, 0, 0).unwrap();
                        let len = 1 + rng.below(30_000);
                        let bytes = pattern(rng.next(), len);
                        assert_eq!(fs.write(ino, 0, &bytes).unwrap(), len);
                        unnamed.push((ino, bytes));
                        t.what = "kind 16: a new unnamed file".into();
                        t.inodes.push(ino);
                    }
                }
            }
            _ => unreachable!(),
        }
    }
    for ino in open.drain(..).chain(unnamed.drain(..).map(|(i, _)| i)) {
        fs.release_orphan(ino).unwrap();
    }
    let stats = fs.cache_stats();
    assert!(stats.dirty > 0 || stats.blocks > 0);
    fs.flush().unwrap();
    assert_eq!(fs.cache_stats().dirty, 0);
    (base, rec, touches, durable)
}

/// Runs `e2fsck -fp` on `img` written at `path`; returns the exit status and output.
fn preen(fsck: &Path, path: &Path, img: &[u8]) -> (i32, String) {
    std::fs::write(path, img).unwrap();
    let out = Command::new(fsck).arg("-fp").arg(path).output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

/// The inode at path `p` of a mounted image.
fn resolve<D: BlockDevice>(fs: &Fs<D>, p: &str) -> Option<u32> {
    let mut ino = ROOT_INO;
    for part in p.split('/') {
        ino = fs.lookup(ino, part.as_bytes()).ok()??;
    }
    Some(ino)
}

/// The order the writes complete in (`None`: a write that a later one in the same run
/// between device flushes overwrote, which a disk's cache may never write): as issued,
/// or with each such run reversed (flush points stay where they are). Where two writes
/// of a run overlap only in part, that run keeps its issue order.
fn completion_order(log: &Log, reverse_epochs: bool) -> Vec<Option<usize>> {
    let n = log.writes.len();
    if !reverse_epochs {
        return (0..n).map(Some).collect();
    }
    let span = |i: usize| {
        let (off, bytes) = &log.writes[i];
        (*off, *off + bytes.len() as u64)
    };
    let mut order = Vec::with_capacity(n);
    let mut from = 0;
    for &to in log.flushed_at.iter().chain(std::iter::once(&n)) {
        if to <= from {
            continue;
        }
        let mut run: Vec<Option<usize>> = (from..to).rev().map(Some).collect();
        let mut partial = false;
        for i in from..to {
            let (a0, a1) = span(i);
            for j in i + 1..to {
                let (b0, b1) = span(j);
                if a0 < b1 && b0 < a1 {
                    if b0 <= a0 && a1 <= b1 {
                        run[to - 1 - i] = None;
                    } else {
                        partial = true;
                    }
                }
            }
        }
        if partial {
            run = (from..to).map(Some).collect();
        }
        order.extend(run);
        from = to;
    }
    order
}

/// Replays the log of one workload up to each chosen cut and checks the image.
fn check_cuts(
    tag: &str,
    fsck: &Path,
    dir: &Path,
    run: &(Vec<u8>, Recorder, Vec<Touch>, Vec<Durable>),
    max: usize,
    reverse_epochs: bool,
) {
    let (img, rec, touches, durable) = run;
    let mut img = img.clone();
    let log = rec.0.borrow();
    let order = completion_order(&log, reverse_epochs);
    let n = log.writes.len();
    let step = n.div_ceil(max.min(n).max(1)).max(1);
    let mut cuts: Vec<usize> = (0..=n).step_by(step).collect();
    // Every cut inside each flush's writes (a sample of long ones), and just after.
    for d in durable.iter() {
        let step = (d.pos - d.from).div_ceil(40).max(1);
        cuts.extend((d.from..=d.pos).step_by(step));
        cuts.extend(d.pos..=(d.pos + 2).min(n));
    }
    cuts.push(n);
    cuts.sort_unstable();
    cuts.dedup();
    let path: PathBuf = dir.join(format!("{tag}.img"));
    let mut applied = 0;
    let mut checked_files = 0usize;
    for &c in &cuts {
        while applied < c {
            if let Some(w) = order[applied] {
                let (off, bytes) = &log.writes[w];
                let s = *off as usize;
                img[s..s + bytes.len()].copy_from_slice(bytes);
            }
            applied += 1;
        }
        let (status, out) = preen(fsck, &path, &img);
        if status > 1 {
            std::fs::write(dir.join(format!("{tag}-failed.img")), &img).unwrap();
            for (i, t) in touches.iter().enumerate() {
                println!("op {i} at {}: {} {:?} {:?}", t.start, t.what, t.paths, t.inodes);
            }
        }
        assert!(
            status == 0 || status == 1,
            "{tag}: e2fsck -p exit status {status} after {c} of {n} writes:\n{out}"
        );
        let Some(d) = durable.iter().rev().find(|d| d.pos <= c) else {
            continue;
        };
        // Writes issued up to here may have completed (with reversed runs, up to the
        // next device flush).
        let horizon = if reverse_epochs {
            log.flushed_at.iter().copied().find(|&f| f >= c).unwrap_or(n)
        } else {
            c
        };
        let repaired = std::fs::read(&path).unwrap();
        let fs = Fs::mount(marten_ext2::MemDevice::new(repaired)).unwrap();
        for (p, ino, bytes) in &d.files {
            let touched = touches
                .iter()
                .skip(d.op + 1)
                .any(|t| t.start < horizon && (t.paths.iter().any(|q| q == p) || t.inodes.contains(ino)));
            if touched {
                continue;
            }
            let got = resolve(&fs, p).unwrap_or_else(|| panic!("{tag}: {p} lost after {c} of {n} writes"));
            let size = fs.inode(got).unwrap().size as usize;
            let mut back = vec![0u8; size];
            fs.read(got, 0, &mut back).unwrap();
            assert!(back == *bytes, "{tag}: {p} differs after {c} of {n} writes");
            checked_files += 1;
        }
    }
    println!(
        "{tag}{}: {} cuts of {n} writes ({} device flushes), {checked_files} file checks",
        if reverse_epochs {
            " (reversed between flushes)"
        } else {
            ""
        },
        cuts.len(),
        log.flushes
    );
}

#[test]
fn every_prefix_of_the_write_log_is_repaired_by_preen() {
    let (Some(mk), Some(fsck)) = (tool("mke2fs"), tool("e2fsck")) else {
        return;
    };
    let dir = scratch("crash");
    let src = dir.join("src");
    std::fs::create_dir_all(src.join("old")).unwrap();
    std::fs::write(src.join("old/file"), pattern(7, 30_000)).unwrap();
    let mut runs = vec![
        (1024, 1, false),
        (1024, 2, true),
        (4096, 3, false),
        (2048, 4, true),
        (1024, 5, false),
        (4096, 6, true),
    ];
    // For a longer hunt: EXT2_CRASH_SEEDS=n adds n workloads, EXT2_CRASH_ALL=1 checks
    // every cut.
    let extra: u64 = std::env::var("EXT2_CRASH_SEEDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    for k in 0..extra {
        runs.push(([1024, 2048, 4096][k as usize % 3], 100 + k, k % 2 == 1));
    }
    let max = if std::env::var_os("EXT2_CRASH_ALL").is_some() {
        usize::MAX
    } else {
        150
    };
    for (i, (bs, seed, defer)) in runs.into_iter().enumerate() {
        let img = mke2fs(&mk, &src, &dir.join(format!("base{i}.img")), bs, "6M", &[]);
        let run = workload(img, seed, defer);
        check_cuts(&format!("w{i}-{bs}"), &fsck, &dir, &run, max, false);
        check_cuts(&format!("w{i}-{bs}"), &fsck, &dir, &run, max, true);
    }
}
