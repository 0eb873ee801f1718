//! Self-checks: heap allocation (Vec, HashMap, String) and the two clocks.

use std::collections::HashMap;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// 2020-01-01T00:00:00Z in seconds since the Unix epoch.
const YEAR_2020: u64 = 1_577_836_800;

/// Runs every check; the error names the first one that failed.
pub fn run_all() -> Result<(), String> {
    vec_of_u64()?;
    hash_map()?;
    string()?;
    clocks()
}

/// A Vec of 100000 u64: every element and the sum (by Gauss's formula).
fn vec_of_u64() -> Result<(), String> {
    const N: u64 = 100_000;
    let v: Vec<u64> = (0..N).map(|i| i * 7).collect();
    if v.len() as u64 != N {
        return Err(format!("vec: length {} instead of {N}", v.len()));
    }
    if let Some((i, x)) = v.iter().enumerate().find(|&(i, &x)| x != i as u64 * 7) {
        return Err(format!("vec: element {i} is {x}"));
    }
    let sum: u64 = v.iter().sum();
    let want = 7 * N * (N - 1) / 2;
    if sum != want {
        return Err(format!("vec: sum {sum} instead of {want}"));
    }
    Ok(())
}

/// A HashMap of 1000 entries k -> k*k: size, every lookup, and a missing key.
fn hash_map() -> Result<(), String> {
    let map: HashMap<u32, u32> = (0..1000).map(|k| (k, k * k)).collect();
    if map.len() != 1000 {
        return Err(format!("map: {} entries instead of 1000", map.len()));
    }
    for k in 0..1000u32 {
        if map.get(&k) != Some(&(k * k)) {
            return Err(format!("map: key {k} gives {:?}", map.get(&k)));
        }
    }
    if map.contains_key(&1000) {
        return Err("map: key 1000 present".to_string());
    }
    Ok(())
}

/// "0,1,...,99": 190 digits and 99 commas.
fn string() -> Result<(), String> {
    let mut s = String::new();
    for i in 0..100 {
        if i > 0 {
            s.push(',');
        }
        s.push_str(&i.to_string());
    }
    if s.len() != 289 || !s.starts_with("0,1,2,") || !s.ends_with(",98,99") {
        return Err(format!("string: built {} bytes: {s:?}", s.len()));
    }
    Ok(())
}

/// Instant never goes backwards; the wall clock is past 2020-01-01.
fn clocks() -> Result<(), String> {
    let a = Instant::now();
    let b = Instant::now();
    if b < a {
        return Err("Instant went backwards".to_string());
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_err(|_| "SystemTime is before 1970".to_string())?;
    if now < Duration::from_secs(YEAR_2020) {
        return Err(format!(
            "SystemTime is {} s after the epoch, before 2020",
            now.as_secs()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_check_passes_on_the_host() {
        assert_eq!(run_all(), Ok(()));
    }

    #[test]
    fn year_2020_constant_is_right() {
        // 50 years of 365 days plus the 12 leap days of 1972..=2016.
        assert_eq!(YEAR_2020, (50 * 365 + 12) * 86_400);
    }
}
