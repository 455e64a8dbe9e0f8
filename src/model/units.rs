//! Scalar types with units: durations (Go `time.Duration` syntax and printing), byte sizes
//! (go-units `RAMInBytes`), CPU counts (Go `float32`) and octal file modes, each printed the
//! way `docker compose config --format json` prints it.

use serde::{Serialize, Serializer};

/// A duration in nanoseconds. Parsed like compose (Go syntax plus `d` and `w` units), printed
/// like Go's `time.Duration.String()` (`1m30s`, `500ms`, `0s`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Duration(pub i64);

const NANO: u64 = 1;
const MICRO: u64 = 1_000;
const MILLI: u64 = 1_000_000;
const SECOND: u64 = 1_000_000_000;

impl Duration {
    pub fn from_secs(s: i64) -> Self {
        Duration(s.saturating_mul(SECOND as i64))
    }

    pub fn as_nanos(&self) -> i64 {
        self.0
    }

    /// Whole seconds, rounded down.
    pub fn as_secs(&self) -> i64 {
        self.0 / SECOND as i64
    }

    /// Parse `1h30m`, `1.5s`, `2d`, `0`; errors say why as Go's `time.ParseDuration` does.
    pub fn parse(s: &str) -> Result<Duration, String> {
        let invalid = || format!("time: invalid duration \"{s}\"");
        let (neg, rest) = match s.as_bytes().first() {
            Some(b'-') => (true, &s[1..]),
            Some(b'+') => (false, &s[1..]),
            _ => (false, s),
        };
        if rest == "0" {
            return Ok(Duration(0));
        }
        if rest.is_empty() {
            return Err(invalid());
        }
        let mut total: f64 = 0.0;
        let mut rest = rest;
        while !rest.is_empty() {
            let (value, after) = leading_number(rest).ok_or_else(invalid)?;
            let unit_len = after
                .find(|c: char| c == '.' || c.is_ascii_digit())
                .unwrap_or(after.len());
            let (unit, tail) = after.split_at(unit_len);
            if unit.is_empty() {
                return Err(format!("time: missing unit in duration \"{s}\""));
            }
            let scale = unit_nanos(unit)
                .ok_or_else(|| format!("time: unknown unit \"{unit}\" in duration \"{s}\""))?;
            total += value * scale as f64;
            rest = tail;
        }
        if total > i64::MAX as f64 {
            return Err(invalid());
        }
        let n = total.round() as i64;
        Ok(Duration(if neg { -n } else { n }))
    }
}

/// The number at the start of `s` (digits with an optional fraction) and what follows it.
fn leading_number(s: &str) -> Option<(f64, &str)> {
    let end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let num = &s[..end];
    if num.is_empty() || num == "." || num.matches('.').count() > 1 {
        return None;
    }
    let v: f64 = num
        .parse()
        .ok()
        .or_else(|| format!("0{num}").parse().ok())?;
    Some((v, &s[end..]))
}

fn unit_nanos(unit: &str) -> Option<u64> {
    Some(match unit {
        "ns" => NANO,
        "us" | "\u{b5}s" | "\u{3bc}s" => MICRO,
        "ms" => MILLI,
        "s" => SECOND,
        "m" => 60 * SECOND,
        "h" => 3600 * SECOND,
        "d" => 24 * 3600 * SECOND,
        "w" => 7 * 24 * 3600 * SECOND,
        _ => return None,
    })
}

/// `.123` for the fractional part of `u` at `prec` digits, trailing zeros dropped, and the
/// integer part (Go's `fmtFrac`).
fn frac(u: u64, prec: u32) -> (String, u64) {
    let pow = 10u64.pow(prec);
    let f = u % pow;
    if f == 0 {
        return (String::new(), u / pow);
    }
    let digits = format!("{f:0width$}", width = prec as usize);
    (format!(".{}", digits.trim_end_matches('0')), u / pow)
}

impl std::fmt::Display for Duration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let u = self.0.unsigned_abs();
        if self.0 < 0 {
            f.write_str("-")?;
        }
        if u == 0 {
            return f.write_str("0s");
        }
        if u < SECOND {
            let (prec, unit) = match u {
                _ if u < MICRO => (0, "ns"),
                _ if u < MILLI => (3, "\u{b5}s"),
                _ => (6, "ms"),
            };
            let (fr, int) = frac(u, prec);
            return write!(f, "{int}{fr}{unit}");
        }
        let (fr, secs) = frac(u, 9);
        let (h, m, s) = (secs / 3600, (secs / 60) % 60, secs % 60);
        if h > 0 {
            write!(f, "{h}h{m}m{s}{fr}s")
        } else if m > 0 {
            write!(f, "{m}m{s}{fr}s")
        } else {
            write!(f, "{s}{fr}s")
        }
    }
}

impl Serialize for Duration {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A size in bytes (`mem_limit`, `shm_size`, ...). Printed as a decimal string, as compose does.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ByteSize(pub i64);

impl ByteSize {
    /// go-units `RAMInBytes`: a decimal number, optional space, optional `k/m/g/t/p` (binary
    /// multiples), optional `i`, optional `b`; case-insensitive.
    pub fn parse(s: &str) -> Result<ByteSize, String> {
        let invalid = || format!("invalid size: '{s}'");
        let sep = s
            .rfind(|c: char| c.is_ascii_digit() || c == '.' || c == ' ')
            .ok_or_else(invalid)?;
        let (num, sfx) = if s.as_bytes().get(sep) == Some(&b' ') {
            (&s[..sep], &s[sep + 1..])
        } else {
            (&s[..=sep], &s[sep + 1..])
        };
        let size: f64 = parse_go_float(num).ok_or_else(invalid)?;
        if size < 0.0 {
            return Err(invalid());
        }
        let mul =
            size_suffix(sfx).ok_or_else(|| format!("invalid suffix: '{}'", sfx.to_lowercase()))?;
        Ok(ByteSize((size * mul as f64) as i64))
    }
}

/// Multiplier for a go-units size suffix (`""`, `b`, `k`, `kb`, `kib`, ...).
fn size_suffix(sfx: &str) -> Option<i64> {
    let sfx = sfx.to_lowercase();
    if sfx.is_empty() || sfx == "b" {
        return Some(1);
    }
    let mut chars = sfx.chars();
    let mul: i64 = match chars.next()? {
        'k' => 1 << 10,
        'm' => 1 << 20,
        'g' => 1 << 30,
        't' => 1 << 40,
        'p' => 1 << 50,
        _ => return None,
    };
    match chars.as_str() {
        "" | "b" | "ib" => Some(mul),
        _ => None,
    }
}

/// Go's `strconv.ParseFloat` for the plain decimal forms compose sees.
fn parse_go_float(s: &str) -> Option<f64> {
    if s.is_empty()
        || s.contains(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == '+'))
    {
        return None;
    }
    s.parse().ok()
}

impl std::fmt::Display for ByteSize {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl Serialize for ByteSize {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// A CPU count held as Go's `float32` (so `0.1` prints as `0.1`, not `0.10000000149011612`).
#[derive(Clone, Copy, Debug, Default, PartialEq, PartialOrd)]
pub struct Cpus(pub f32);

impl Serialize for Cpus {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        f32_json(self.0).serialize(s)
    }
}

/// A Go `float32` as the JSON number Go's encoder writes: shortest float32 digits, integers
/// without a fraction.
pub fn f32_json(v: f32) -> serde_json::Value {
    if v.is_finite() && v.fract() == 0.0 && v.abs() < 1e15 {
        return serde_json::Value::from(v as i64);
    }
    let text = v.to_string();
    text.parse::<f64>()
        .ok()
        .and_then(serde_json::Number::from_f64)
        .map_or(serde_json::Value::Null, serde_json::Value::Number)
}

/// A file mode for secrets and configs; printed in octal with a leading zero (`"0444"`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct FileMode(pub i64);

impl FileMode {
    /// Strings are read as octal, as compose does (`"0440"`, `"440"`).
    pub fn parse_octal(s: &str) -> Result<FileMode, String> {
        i64::from_str_radix(s, 8)
            .map(FileMode)
            .map_err(|_| format!("strconv.ParseInt: parsing \"{s}\": invalid syntax"))
    }
}

impl std::fmt::Display for FileMode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "0{:o}", self.0)
    }
}

impl Serialize for FileMode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> String {
        Duration::parse(s)
            .map(|d| d.to_string())
            .unwrap_or_else(|e| e)
    }

    #[test]
    fn durations_print_like_go() {
        assert_eq!(d("90s"), "1m30s");
        assert_eq!(d("1h"), "1h0m0s");
        assert_eq!(d("1h2m3.5s"), "1h2m3.5s");
        assert_eq!(d("500ms"), "500ms");
        assert_eq!(d("1.5ms"), "1.5ms");
        assert_eq!(d("1500us"), "1.5ms");
        assert_eq!(d("2us"), "2\u{b5}s");
        assert_eq!(d("10ns"), "10ns");
        assert_eq!(d("0"), "0s");
        assert_eq!(d("0s"), "0s");
        assert_eq!(d("1d"), "24h0m0s");
        assert_eq!(d("1w"), "168h0m0s");
        assert_eq!(d("-5s"), "-5s");
        assert_eq!(d("1m0.000000001s"), "1m0.000000001s");
    }

    #[test]
    fn bad_durations_are_rejected() {
        assert!(Duration::parse("10").is_err());
        assert!(Duration::parse("").is_err());
        assert!(Duration::parse("1x").is_err());
        assert!(Duration::parse("s").is_err());
        assert!(Duration::parse("1..2s").is_err());
    }

    #[test]
    fn byte_sizes_parse_like_go_units() {
        let b = |s: &str| ByteSize::parse(s).map(|b| b.0);
        assert_eq!(b("1g"), Ok(1 << 30));
        assert_eq!(b("1G"), Ok(1 << 30));
        assert_eq!(b("50M"), Ok(50 << 20));
        assert_eq!(b("12mb"), Ok(12 << 20));
        assert_eq!(b("1.5k"), Ok(1536));
        assert_eq!(b("2 KiB"), Ok(2048));
        assert_eq!(b("1024"), Ok(1024));
        assert_eq!(b("10b"), Ok(10));
        assert!(b("1x").is_err());
        assert!(b("1kx").is_err());
        assert!(b("m").is_err());
    }

    #[test]
    fn cpus_print_as_float32() {
        assert_eq!(f32_json(0.1).to_string(), "0.1");
        assert_eq!(f32_json(1.5).to_string(), "1.5");
        assert_eq!(f32_json(2.0).to_string(), "2");
        assert_eq!(f32_json(0.3).to_string(), "0.3");
    }

    #[test]
    fn file_modes_print_in_octal() {
        assert_eq!(FileMode(0o444).to_string(), "0444");
        assert_eq!(FileMode::parse_octal("0440").map(|m| m.0), Ok(0o440));
        assert!(FileMode::parse_octal("9").is_err());
    }
}
