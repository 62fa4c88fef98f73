//! `wayfinder run --sandbox --max-memory SIZE --max-instructions N --max-time SECONDS`: the
//! embedding API's sandbox and limits (`wayfinder_vm::limits`) from the command line.

use std::time::Duration;

use wayfinder_vm::Limits;

/// `64M`, `512k`, `2G`, `1000000` (bytes; suffixes are powers of 1024, `B`/`iB` optional).
pub fn parse_size(text: &str) -> Result<usize, String> {
    let t = text.trim();
    let lower = t.to_ascii_lowercase();
    let lower = lower
        .strip_suffix("ib")
        .or_else(|| lower.strip_suffix('b'))
        .unwrap_or(&lower);
    let (digits, shift) = match lower.chars().last() {
        Some('k') => (&lower[..lower.len() - 1], 10),
        Some('m') => (&lower[..lower.len() - 1], 20),
        Some('g') => (&lower[..lower.len() - 1], 30),
        Some('t') => (&lower[..lower.len() - 1], 40),
        _ => (lower, 0),
    };
    let n: f64 = digits
        .trim()
        .parse()
        .ok()
        .filter(|n: &f64| n.is_finite() && *n > 0.0)
        .ok_or_else(|| format!("invalid size '{text}' (examples: 64M, 512K, 2G)"))?;
    Ok((n * (1u64 << shift) as f64).min(usize::MAX as f64) as usize)
}

/// A positive number of seconds.
pub fn parse_seconds(text: &str) -> Result<Duration, String> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s > 0.0)
        .map(Duration::from_secs_f64)
        .ok_or_else(|| format!("invalid number of seconds '{text}'"))
}

/// The limits the options ask for; `None` when there are none.
pub fn limits(
    max_memory: Option<usize>,
    max_instructions: Option<u64>,
    max_time: Option<Duration>,
) -> Option<Limits> {
    let limits = Limits {
        max_memory,
        max_instructions,
        max_time,
        // A limit hit ends the run: the script cannot catch it.
        catchable: false,
        ..Limits::default()
    };
    (!limits.is_unlimited()).then_some(limits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("64M"), Ok(64 << 20));
        assert_eq!(parse_size("512k"), Ok(512 << 10));
        assert_eq!(parse_size("2GiB"), Ok(2 << 30));
        assert_eq!(parse_size("1.5K"), Ok(1536));
        assert_eq!(parse_size("1000"), Ok(1000));
        assert!(parse_size("lots").is_err());
        assert!(parse_size("-1M").is_err());
    }
}
