//! Hash-tree (`dir_index`) lookups: the name hashes (legacy, half-MD4, TEA, each with
//! signed or unsigned name bytes) and the walk from the index root to the one leaf block
//! (or the few, on hash collisions) that can hold a name.
//!
//! Only reading: a directory this crate changes loses its index flag (`dir_write.rs`).
//! Anything unexpected in the index (an unknown hash, a count beyond its limit, a block
//! outside the directory) makes the lookup fall back to the linear scan.

use alloc::vec::Vec;

use crate::bytes::{byte, le16, le32, zeroed};
use crate::dev::BlockDevice;
use crate::error::{Error, Result};
use crate::fs::Fs;
use crate::inode::Inode;
use crate::superblock::EXT2_FLAGS_UNSIGNED_HASH;

/// `i_flags` bit of a directory with a hash-tree index.
pub(crate) const EXT2_INDEX_FL: u32 = 0x1000;

/// Hash versions of `dx_root_info`.
const DX_HASH_LEGACY: u8 = 0;
const DX_HASH_HALF_MD4: u8 = 1;
const DX_HASH_TEA: u8 = 2;
/// Added to a version when name bytes are unsigned.
const UNSIGNED_DELTA: u8 = 3;
/// Deepest `indirect_levels` accepted (ext4's largedir allows 2).
const MAX_LEVELS: u8 = 2;
/// The seed used when the superblock's is all zero (the MD4 initial state).
const DEFAULT_SEED: [u32; 4] = [0x6745_2301, 0xefcd_ab89, 0x98ba_dcfe, 0x1032_5476];

/// A name's major hash with version `version` (0..=5) and `seed`; `None` for an unknown
/// version. The low bit is clear (it marks collision continuations in the index).
pub(crate) fn name_hash(name: &[u8], version: u8, seed: [u32; 4]) -> Option<u32> {
    let unsigned = version >= UNSIGNED_DELTA;
    let base = if unsigned { version - UNSIGNED_DELTA } else { version };
    let mut state = if seed == [0; 4] { DEFAULT_SEED } else { seed };
    let hash = match base {
        DX_HASH_LEGACY => legacy(name, unsigned),
        DX_HASH_HALF_MD4 => {
            for start in (0..name.len()).step_by(32) {
                let rest = name.get(start..).unwrap_or_default();
                half_md4(&mut state, &pack::<8>(rest, unsigned));
            }
            state[1]
        }
        DX_HASH_TEA => {
            for start in (0..name.len()).step_by(16) {
                let rest = name.get(start..).unwrap_or_default();
                tea(&mut state, &pack::<4>(rest, unsigned));
            }
            state[0]
        }
        _ => return None,
    };
    let hash = hash & !1;
    // The end-of-directory marker may not be a hash.
    Some(if hash == 0x7fff_ffff << 1 {
        0x7fff_fffe << 1
    } else {
        hash
    })
}

/// A name byte as the hashes read it.
fn widen(b: u8, unsigned: bool) -> u32 {
    if unsigned {
        u32::from(b)
    } else {
        i32::from(b as i8) as u32
    }
}

/// Packs the first `4 * N` bytes of `rest` (the name from the current chunk to its end)
/// into `N` words, earlier bytes in higher positions, padded with a word made of the
/// length of `rest`.
fn pack<const N: usize>(rest: &[u8], unsigned: bool) -> [u32; N] {
    let chunk = rest;
    let len = rest.len() as u32;
    let mut pad = len | (len << 8);
    pad |= pad << 16;
    let mut out = [pad; N];
    let take = chunk.len().min(N * 4);
    let mut val = pad;
    let mut w = 0;
    for (i, &b) in chunk.iter().take(take).enumerate() {
        val = widen(b, unsigned).wrapping_add(val << 8);
        if i % 4 == 3 {
            if let Some(slot) = out.get_mut(w) {
                *slot = val;
            }
            w += 1;
            val = pad;
        }
    }
    if !take.is_multiple_of(4)
        && let Some(slot) = out.get_mut(w)
    {
        *slot = val;
    }
    out
}

/// The legacy ("dx hack") hash.
fn legacy(name: &[u8], unsigned: bool) -> u32 {
    let (mut h0, mut h1) = (0x12a3_fe2d_u32, 0x37ab_e8f9_u32);
    for &b in name {
        let mut h = h1.wrapping_add(h0 ^ widen(b, unsigned).wrapping_mul(7_152_373));
        if h & 0x8000_0000 != 0 {
            h = h.wrapping_sub(0x7fff_ffff);
        }
        h1 = h0;
        h0 = h;
    }
    h0 << 1
}

/// The reduced MD4 transform of the index hash: three rounds of eight steps.
fn half_md4(state: &mut [u32; 4], input: &[u32; 8]) {
    const K2: u32 = 0o13_240_474_631;
    const K3: u32 = 0o15_666_365_641;
    fn f(x: u32, y: u32, z: u32) -> u32 {
        z ^ (x & (y ^ z))
    }
    fn g(x: u32, y: u32, z: u32) -> u32 {
        (x & y).wrapping_add((x ^ y) & z)
    }
    fn h(x: u32, y: u32, z: u32) -> u32 {
        x ^ y ^ z
    }
    /// A round: its mixing function, its (word, shift) steps and its constant.
    type Round = (fn(u32, u32, u32) -> u32, [(usize, u32); 8], u32);
    // (word index, shift) of each step; the registers rotate a, d, c, b.
    const R1: [(usize, u32); 8] = [(0, 3), (1, 7), (2, 11), (3, 19), (4, 3), (5, 7), (6, 11), (7, 19)];
    const R2: [(usize, u32); 8] = [(1, 3), (3, 5), (5, 9), (7, 13), (0, 3), (2, 5), (4, 9), (6, 13)];
    const R3: [(usize, u32); 8] = [(3, 3), (7, 9), (2, 11), (6, 15), (1, 3), (5, 9), (0, 11), (4, 15)];
    let mut r = *state;
    let rounds: [Round; 3] = [(f, R1, 0), (g, R2, K2), (h, R3, K3)];
    for (fun, steps, k) in rounds {
        for (n, &(word, shift)) in steps.iter().enumerate() {
            // Step n updates register (4 - n % 4) % 4 from the next three in order.
            let a = (4 - n % 4) % 4;
            let (b, c, d) = ((a + 1) % 4, (a + 2) % 4, (a + 3) % 4);
            let x = input[word].wrapping_add(k);
            r[a] = r[a]
                .wrapping_add(fun(r[b], r[c], r[d]))
                .wrapping_add(x)
                .rotate_left(shift);
        }
    }
    for (s, v) in state.iter_mut().zip(r) {
        *s = s.wrapping_add(v);
    }
}

/// The TEA transform of the index hash: sixteen cycles.
fn tea(state: &mut [u32; 4], input: &[u32; 4]) {
    const DELTA: u32 = 0x9e37_79b9;
    let (mut b0, mut b1) = (state[0], state[1]);
    let [a, b, c, d] = *input;
    let mut sum = 0u32;
    for _ in 0..16 {
        sum = sum.wrapping_add(DELTA);
        b0 = b0.wrapping_add(((b1 << 4).wrapping_add(a)) ^ b1.wrapping_add(sum) ^ ((b1 >> 5).wrapping_add(b)));
        b1 = b1.wrapping_add(((b0 << 4).wrapping_add(c)) ^ b0.wrapping_add(sum) ^ ((b0 >> 5).wrapping_add(d)));
    }
    state[0] = state[0].wrapping_add(b0);
    state[1] = state[1].wrapping_add(b1);
}

/// One index node: its (hash, logical block) entries (the first hash reads as 0) and
/// the entry the walk took.
struct Frame {
    entries: Vec<(u32, u32)>,
    at: usize,
}

impl<D: BlockDevice> Fs<D> {
    /// Looks `name` up through directory `dir`'s hash tree: `Some(result)` if the index
    /// answered, `None` if the directory has no usable index (scan it linearly).
    pub(crate) fn htree_lookup(&self, dir: &Inode, name: &[u8]) -> Option<Result<Option<u32>>> {
        // "." and ".." sit in the index root's block, outside the tree: the scan finds
        // them there at once.
        if dir.flags & EXT2_INDEX_FL == 0 || !self.sb.dir_index() || name == b"." || name == b".." {
            return None;
        }
        match self.walk_index(dir, name) {
            Ok(Some(found)) => Some(Ok(found)),
            Ok(None) => None,
            Err(Error::NoMemory) => Some(Err(Error::NoMemory)),
            Err(Error::Io) => Some(Err(Error::Io)),
            // A damaged index: the linear scan still sees every entry.
            Err(_) => None,
        }
    }

    /// The walk itself: `Ok(None)` for an index this crate does not read.
    fn walk_index(&self, dir: &Inode, name: &[u8]) -> Result<Option<Option<u32>>> {
        let bs = self.layout.block_size as usize;
        let nblocks = dir.size / bs as u64;
        let mut buf = zeroed(bs)?;
        self.read_dir_block(dir, 0, &mut buf)?;
        // dx_root: "." (12 bytes), ".." (to the end of the block), then dx_root_info.
        let info_len = usize::from(byte(&buf, 29));
        let version = byte(&buf, 28);
        let levels = byte(&buf, 30);
        if le32(&buf, 24) != 0 || info_len != 8 || levels > MAX_LEVELS || version > DX_HASH_TEA {
            return Ok(None);
        }
        let unsigned = self.sb.flags & EXT2_FLAGS_UNSIGNED_HASH != 0;
        let version = if unsigned { version + UNSIGNED_DELTA } else { version };
        let Some(hash) = name_hash(name, version, self.sb.hash_seed) else {
            return Ok(None);
        };
        let mut frames: Vec<Frame> = Vec::new();
        frames
            .try_reserve(usize::from(levels) + 1)
            .map_err(|_| Error::NoMemory)?;
        frames.push(Frame {
            entries: entries(&buf, 24 + info_len, nblocks)?,
            at: 0,
        });
        for _ in 0..levels {
            let child = descend(frames.last_mut().ok_or(Error::Corrupt("index"))?, hash);
            self.read_dir_block(dir, u64::from(child), &mut buf)?;
            frames.push(Frame {
                entries: entries(&buf, 8, nblocks)?,
                at: 0,
            });
        }
        let mut leaf = descend(frames.last_mut().ok_or(Error::Corrupt("index"))?, hash);
        loop {
            self.read_dir_block(dir, u64::from(leaf), &mut buf)?;
            let found = self.scan(&buf, 0, |_, e| Ok((e.name == name).then_some(e.ino)))?;
            if found.is_some() {
                return Ok(Some(found));
            }
            match self.next_leaf(dir, &mut frames, hash, nblocks, &mut buf)? {
                Some(next) => leaf = next,
                None => return Ok(Some(None)),
            }
        }
    }

    /// The leaf after the current one if it continues `hash` (a collision spilled over),
    /// moving the frames there.
    fn next_leaf(
        &self,
        dir: &Inode,
        frames: &mut [Frame],
        hash: u32,
        nblocks: u64,
        buf: &mut [u8],
    ) -> Result<Option<u32>> {
        // Up to the deepest frame that has an entry after the one taken.
        let mut depth = frames.len();
        loop {
            if depth == 0 {
                return Ok(None);
            }
            let f = frames.get_mut(depth - 1).ok_or(Error::Corrupt("index"))?;
            if f.at + 1 < f.entries.len() {
                f.at += 1;
                let (next_hash, _) = f.entries.get(f.at).copied().ok_or(Error::Corrupt("index"))?;
                if next_hash & !1 != hash {
                    return Ok(None);
                }
                break;
            }
            depth -= 1;
        }
        // Down again along first entries.
        let mut block = current(frames.get(depth - 1).ok_or(Error::Corrupt("index"))?)?;
        for f in frames.iter_mut().skip(depth) {
            self.read_dir_block(dir, u64::from(block), buf)?;
            f.entries = entries(buf, 8, nblocks)?;
            f.at = 0;
            block = current(f)?;
        }
        Ok(Some(block))
    }

    /// Reads logical block `lblk` of directory `dir` (a hole is corrupt).
    fn read_dir_block(&self, dir: &Inode, lblk: u64, buf: &mut [u8]) -> Result<()> {
        let b = self
            .map_block(dir, lblk)?
            .ok_or(Error::Corrupt("hole in a directory"))?;
        self.meta_read(self.layout.block_offset(b), buf)
    }
}

/// The block of the entry frame `f` took.
fn current(f: &Frame) -> Result<u32> {
    f.entries.get(f.at).map(|&(_, b)| b).ok_or(Error::Corrupt("index"))
}

/// Takes the last entry of `f` whose hash is at most `hash`; returns its block.
fn descend(f: &mut Frame, hash: u32) -> u32 {
    let at = f.entries.iter().skip(1).take_while(|&&(h, _)| h <= hash).count();
    f.at = at;
    f.entries.get(at).map_or(0, |&(_, b)| b)
}

/// The entries of the index node whose count/limit header is at byte `off` of `block`,
/// checked: a count within the limit, the limit within the block, blocks inside the
/// directory, hashes in order.
fn entries(block: &[u8], off: usize, nblocks: u64) -> Result<Vec<(u32, u32)>> {
    let limit = usize::from(le16(block, off));
    let count = usize::from(le16(block, off + 2));
    if count == 0 || count > limit || off + limit * 8 > block.len() {
        return Err(Error::Corrupt("index count"));
    }
    let mut out = Vec::new();
    out.try_reserve_exact(count).map_err(|_| Error::NoMemory)?;
    let mut last = 0u32;
    for i in 0..count {
        let e = off + i * 8;
        let hash = if i == 0 { 0 } else { le32(block, e) };
        let blk = le32(block, e + 4);
        if u64::from(blk) >= nblocks || hash < last {
            return Err(Error::Corrupt("index entry"));
        }
        last = hash;
        out.push((hash, blk));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_are_even_and_depend_on_the_version() {
        let seed = [0; 4];
        for v in 0..6 {
            let h = name_hash(b"some-file.txt", v, seed).unwrap();
            assert_eq!(h & 1, 0);
        }
        assert_ne!(name_hash(b"a", 1, seed), name_hash(b"b", 1, seed));
        assert_ne!(name_hash(b"a", 1, seed), name_hash(b"a", 2, seed));
        // Signedness only matters for bytes above 0x7f.
        assert_eq!(name_hash(b"plain", 1, seed), name_hash(b"plain", 4, seed));
        assert_ne!(name_hash(b"\xe9t\xe9", 1, seed), name_hash(b"\xe9t\xe9", 4, seed));
        assert_eq!(name_hash(b"x", 6, seed), None);
    }
}
