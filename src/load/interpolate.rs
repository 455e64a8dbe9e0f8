//! Interpolation of a loaded tree, as compose-go v2.9.1 `interpolation.Interpolate` with the
//! loader's `interpolateTypeCastMapping`: every string scalar (not mapping keys) goes through
//! [`substitute`]; then strings at known numeric/boolean paths are cast, whether or not they
//! held a variable (compose casts every string there, e.g. `privileged: "yes"`).
//! Numbers are parsed with Go's `strconv` rules and its error wording.

use crate::diag::{LoadError, Warning};
use crate::load::node::{KeyPath, Node, Value};
use crate::load::template::{TemplateError, go_quote, substitute};

/// How compose casts the string at a path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cast {
    /// `strconv.Atoi`
    Int,
    /// `strconv.ParseInt(s, 10, 64)`
    Int64,
    /// `strconv.ParseFloat(s, 64)`
    Float,
    /// `strconv.ParseFloat(s, 32)`, kept as the float32 value
    Float32,
    /// compose's `toBoolean`: true/false, and YAML 1.1 words with a warning
    Bool,
}

/// compose's `interpolateTypeCastMapping` (`*` is any key or list item, `[]` a list item).
const CASTS: &[(&str, Cast)] = &[
    ("services.*.cpu_count", Cast::Int64),
    ("services.*.cpu_percent", Cast::Float),
    ("services.*.cpu_period", Cast::Int64),
    ("services.*.cpu_quota", Cast::Int64),
    ("services.*.cpu_rt_period", Cast::Int64),
    ("services.*.cpu_rt_runtime", Cast::Int64),
    ("services.*.cpus", Cast::Float32),
    ("services.*.cpu_shares", Cast::Int64),
    ("services.*.init", Cast::Bool),
    ("services.*.deploy.replicas", Cast::Int),
    ("services.*.deploy.update_config.parallelism", Cast::Int),
    (
        "services.*.deploy.update_config.max_failure_ratio",
        Cast::Float,
    ),
    ("services.*.deploy.rollback_config.parallelism", Cast::Int),
    (
        "services.*.deploy.rollback_config.max_failure_ratio",
        Cast::Float,
    ),
    ("services.*.deploy.restart_policy.max_attempts", Cast::Int),
    (
        "services.*.deploy.placement.max_replicas_per_node",
        Cast::Int,
    ),
    ("services.*.healthcheck.retries", Cast::Int),
    ("services.*.healthcheck.disable", Cast::Bool),
    ("services.*.oom_kill_disable", Cast::Bool),
    ("services.*.oom_score_adj", Cast::Int64),
    ("services.*.pids_limit", Cast::Int64),
    ("services.*.ports.[].target", Cast::Int),
    ("services.*.privileged", Cast::Bool),
    ("services.*.read_only", Cast::Bool),
    ("services.*.scale", Cast::Int),
    ("services.*.stdin_open", Cast::Bool),
    ("services.*.tty", Cast::Bool),
    ("services.*.ulimits.*", Cast::Int),
    ("services.*.ulimits.*.hard", Cast::Int),
    ("services.*.ulimits.*.soft", Cast::Int),
    ("services.*.volumes.[].read_only", Cast::Bool),
    ("services.*.volumes.[].volume.nocopy", Cast::Bool),
    ("networks.*.external", Cast::Bool),
    ("networks.*.internal", Cast::Bool),
    ("networks.*.attachable", Cast::Bool),
    ("networks.*.enable_ipv4", Cast::Bool),
    ("networks.*.enable_ipv6", Cast::Bool),
    ("volumes.*.external", Cast::Bool),
    ("secrets.*.external", Cast::Bool),
    ("configs.*.external", Cast::Bool),
];

/// Substitute variables in every string of `root` and cast strings at typed paths. Unset
/// variables become empty, with one warning per variable per string.
pub fn interpolate(
    root: &mut Node,
    lookup: &(dyn Fn(&str) -> Option<String> + Sync),
    warnings: &mut Vec<Warning>,
) -> Result<(), LoadError> {
    let Value::Map(top) = &mut root.value else {
        return walk(root, &mut KeyPath::root(), lookup, warnings);
    };
    let mut path = KeyPath::root();
    for (key, child) in top.iter_mut() {
        path.push_key(key);
        let r = match &mut child.value {
            Value::Map(services)
                if key == "services"
                    && crate::par::worth_splitting(services.len(), crate::par::MIN_PER_THREAD) =>
            {
                services_on_every_core(services, &path, lookup, warnings)
            }
            _ => walk(child, &mut path, lookup, warnings),
        };
        path.pop();
        r?;
    }
    Ok(())
}

/// Services are interpolated independently: a large project's on every core, each service
/// with warnings of its own, put together in file order (the order one thread gives), and
/// the first error in file order is the one reported.
fn services_on_every_core(
    services: &mut crate::load::node::Map,
    path: &KeyPath,
    lookup: &(dyn Fn(&str) -> Option<String> + Sync),
    warnings: &mut Vec<Warning>,
) -> Result<(), LoadError> {
    let mut entries: Vec<(&String, &mut Node)> = services.iter_mut().collect();
    let done =
        crate::par::map_mut_in_order(&mut entries, crate::par::MIN_PER_THREAD, |(name, svc)| {
            let mut path = path.clone();
            path.push_key(name);
            let mut own = Vec::new();
            walk(svc, &mut path, lookup, &mut own).map(|()| own)
        });
    for own in done {
        warnings.extend(own?);
    }
    Ok(())
}

fn walk(
    node: &mut Node,
    path: &mut KeyPath,
    lookup: &dyn Fn(&str) -> Option<String>,
    warnings: &mut Vec<Warning>,
) -> Result<(), LoadError> {
    match &mut node.value {
        Value::Str(s) => {
            // Most strings hold no `$` and sit where no type is cast: left as they are
            // (not copied).
            if !s.contains('$') && cast_for(path).is_none() {
                return Ok(());
            }
            let value = interpolate_string(s, node.span, path, lookup, warnings)?;
            node.value = value;
        }
        Value::Map(map) => {
            for (key, child) in map.iter_mut() {
                path.push_key(key);
                let r = walk(child, path, lookup, warnings);
                path.pop();
                r?;
            }
        }
        Value::Seq(items) => {
            for (i, child) in items.iter_mut().enumerate() {
                path.push_index(i);
                let r = walk(child, path, lookup, warnings);
                path.pop();
                r?;
            }
        }
        Value::Null | Value::Bool(_) | Value::Int(_) | Value::Float(_) => {}
    }
    Ok(())
}

fn interpolate_string(
    s: &str,
    span: crate::source::Span,
    path: &KeyPath,
    lookup: &dyn Fn(&str) -> Option<String>,
    warnings: &mut Vec<Warning>,
) -> Result<Value, LoadError> {
    // Fast path: most strings hold no `$` and need no substitution.
    let substituted = if s.contains('$') {
        substitute(s, lookup)
            .map_err(|e| LoadError::new(span, path.clone(), template_message(&e)))?
    } else {
        crate::load::template::Substituted {
            value: s.to_string(),
            unset: Vec::new(),
            nested: Vec::new(),
        }
    };
    for var in &substituted.unset {
        warnings.push(Warning {
            span,
            path: path.clone(),
            message: unset_message(var),
        });
    }
    for var in &substituted.nested {
        warnings.push(Warning {
            span,
            path: path.clone(),
            message: format!(
                "${var} is inside the default or alternative of another variable: compose expands it (to nothing here), while `docker stack deploy` of the same file keeps the default as written; write $$ for a literal $ (a bcrypt hash in a default, for one)"
            ),
        });
    }
    let Some(cast) = cast_for(path) else {
        return Ok(Value::Str(substituted.value));
    };
    let (value, warning) = apply_cast(cast, &substituted.value).map_err(|e| {
        LoadError::new(
            span,
            path.clone(),
            format!("failed to cast to expected type: {e}"),
        )
    })?;
    if let Some(message) = warning {
        warnings.push(Warning {
            span,
            path: path.clone(),
            message,
        });
    }
    Ok(value)
}

/// The warning compose logs for a variable with no value and no default.
pub fn unset_message(var: &str) -> String {
    format!(
        "the {} variable is not set, defaulting to a blank string",
        go_quote(var)
    )
}

/// compose's message for a template error found while interpolating (the key path is carried
/// separately by the [`LoadError`]).
fn template_message(e: &TemplateError) -> String {
    match e {
        TemplateError::Invalid { template } => format!(
            "invalid interpolation format {}: you may need to escape any $ with another $",
            go_quote(template)
        ),
        TemplateError::Required { .. } | TemplateError::TooComplex { .. } => e.to_string(),
    }
}

/// [`CASTS`] split into segments once, and indexed by length and last segment: this runs for
/// every string of every file, and scanning every pattern was most of interpolation's cost.
struct CastPatterns {
    patterns: Vec<(Vec<&'static str>, Cast)>,
    /// (segments, last segment) → patterns ending in that key.
    by_last:
        std::collections::HashMap<(usize, &'static str), Vec<usize>, foldhash::fast::FixedState>,
    /// By number of segments: the patterns ending in `*` or `[]` (any key or item).
    open_last: Vec<Vec<usize>>,
}

static CAST_PATTERNS: std::sync::LazyLock<CastPatterns> = std::sync::LazyLock::new(|| {
    let patterns: Vec<(Vec<&'static str>, Cast)> = CASTS
        .iter()
        .map(|(p, c)| (p.split('.').collect(), *c))
        .collect();
    let mut by_last: std::collections::HashMap<_, Vec<usize>, _> = Default::default();
    let mut open_last: Vec<Vec<usize>> = Vec::new();
    for (i, (segments, _)) in patterns.iter().enumerate() {
        let last = segments.last().copied().unwrap_or_default();
        if last == "*" || last == "[]" {
            if open_last.len() <= segments.len() {
                open_last.resize(segments.len() + 1, Vec::new());
            }
            if let Some(slot) = open_last.get_mut(segments.len()) {
                slot.push(i);
            }
        } else {
            by_last.entry((segments.len(), last)).or_default().push(i);
        }
    }
    CastPatterns {
        patterns,
        by_last,
        open_last,
    }
});

fn cast_for(path: &KeyPath) -> Option<Cast> {
    use crate::load::node::PathSeg;
    let len = path.0.len();
    if len < 2 {
        return None;
    }
    let index = &*CAST_PATTERNS;
    let keyed = match path.0.last() {
        Some(PathSeg::Key(k)) => index.by_last.get(&(len, &**k)).map(Vec::as_slice),
        _ => None,
    };
    let open = index.open_last.get(len).map(Vec::as_slice);
    keyed
        .unwrap_or_default()
        .iter()
        .chain(open.unwrap_or_default())
        .filter_map(|&i| index.patterns.get(i))
        .find(|(pattern, _)| {
            pattern.len() == len
                && pattern.iter().zip(&path.0).rev().all(|(p, seg)| match seg {
                    PathSeg::Key(k) => *p == "*" || *p == &**k,
                    PathSeg::Index(_) => *p == "*" || *p == "[]",
                })
        })
        .map(|&(_, cast)| cast)
}

/// Cast `s`; on success the new value and maybe a warning, on failure Go's error text.
fn apply_cast(cast: Cast, s: &str) -> Result<(Value, Option<String>), String> {
    match cast {
        Cast::Int => parse_int(s, "Atoi").map(|i| (Value::Int(i), None)),
        Cast::Int64 => parse_int(s, "ParseInt").map(|i| (Value::Int(i), None)),
        Cast::Float => parse_float(s, false).map(|f| (Value::Float(f), None)),
        Cast::Float32 => parse_float(s, true).map(|f| (Value::Float(f), None)),
        Cast::Bool => to_boolean(s).map(|(b, w)| (Value::Bool(b), w)),
    }
}

/// compose's `toBoolean`.
fn to_boolean(s: &str) -> Result<(bool, Option<String>), String> {
    let word = |b: bool| {
        Some(format!(
            "{} for boolean is not supported by YAML 1.2, please use `{b}`",
            go_quote(s)
        ))
    };
    match s.to_lowercase().as_str() {
        "true" => Ok((true, None)),
        "false" => Ok((false, None)),
        "y" | "yes" | "on" => Ok((true, word(true))),
        "n" | "no" | "off" => Ok((false, word(false))),
        _ => Err(format!("invalid boolean: {s}")),
    }
}

fn syntax_error(func: &str, s: &str) -> String {
    format!("strconv.{func}: parsing {}: invalid syntax", go_quote(s))
}

fn range_error(func: &str, s: &str) -> String {
    format!(
        "strconv.{func}: parsing {}: value out of range",
        go_quote(s)
    )
}

/// Go's `strconv.ParseInt(s, 10, 64)` (and `Atoi`): optional sign, ASCII digits only; digits are
/// read left to right and the first bad byte or the first overflow decides the error.
fn parse_int(s: &str, func: &str) -> Result<i64, String> {
    let (neg, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, s.get(1..).unwrap_or_default()),
        Some(b'+') => (false, s.get(1..).unwrap_or_default()),
        _ => (false, s),
    };
    if digits.is_empty() {
        return Err(syntax_error(func, s));
    }
    let mut n: u64 = 0;
    for b in digits.bytes() {
        if !b.is_ascii_digit() {
            return Err(syntax_error(func, s));
        }
        n = n
            .checked_mul(10)
            .and_then(|n| n.checked_add(u64::from(b - b'0')))
            .ok_or_else(|| range_error(func, s))?;
    }
    let limit = 1u64 << 63;
    match (neg, n) {
        (false, n) if n >= limit => Err(range_error(func, s)),
        (true, n) if n > limit => Err(range_error(func, s)),
        (true, n) => Ok(0i64.wrapping_sub_unsigned(n)),
        (false, n) => i64::try_from(n).map_err(|_| range_error(func, s)),
    }
}

/// Go's `strconv.ParseFloat(s, 64 or 32)`. A float32 result is returned as the f64 with the
/// same shortest decimal form (what Go prints for a float32).
fn parse_float(s: &str, single: bool) -> Result<f64, String> {
    let func = "ParseFloat";
    if let Some(f) = special_float(s) {
        return Ok(f);
    }
    let Some(lit) = FloatLit::read(s) else {
        return Err(syntax_error(func, s));
    };
    let value = if single {
        lit.to_f32().and_then(f32_to_f64)
    } else {
        lit.to_f64()
    };
    match value {
        Some(f) if f.is_finite() => Ok(f),
        _ => Err(range_error(func, s)),
    }
}

fn f32_to_f64(f: f32) -> Option<f64> {
    if f.is_finite() {
        f.to_string().parse().ok()
    } else {
        Some(f64::from(f))
    }
}

/// `inf`, `infinity` (optionally signed) and `nan`, case-insensitively, as Go accepts them.
fn special_float(s: &str) -> Option<f64> {
    let lower = s.to_ascii_lowercase();
    let (sign, body) = match lower.as_bytes().first() {
        Some(b'-') => (-1.0, lower.get(1..)?),
        Some(b'+') => (1.0, lower.get(1..)?),
        _ => (1.0, lower.as_str()),
    };
    match body {
        "inf" | "infinity" => Some(sign * f64::INFINITY),
        "nan" if body.len() == lower.len() => Some(f64::NAN),
        _ => None,
    }
}

/// A syntactically valid Go float literal, underscores removed.
struct FloatLit {
    neg: bool,
    hex: bool,
    /// decimal: the text Rust can parse; hex: the mantissa digits (with `.`) and exponent
    mantissa: String,
    exp: i64,
}

impl FloatLit {
    /// Go's `readFloat` grammar: sign, optional `0x`, digits with one `.`, exponent (`e` for
    /// decimal, mandatory `p` for hex), underscores only between digits.
    fn read(s: &str) -> Option<FloatLit> {
        let b = s.as_bytes();
        let mut i = 0;
        let neg = b.first() == Some(&b'-');
        if matches!(b.first(), Some(b'-' | b'+')) {
            i = 1;
        }
        let hex = b.get(i) == Some(&b'0') && matches!(b.get(i + 1), Some(b'x' | b'X'));
        if hex {
            i += 2;
        }
        let is_digit = |c: u8| c.is_ascii_digit() || (hex && c.is_ascii_hexdigit());
        let mant_start = i;
        let (mut saw_dot, mut saw_digit) = (false, false);
        while let Some(&c) = b.get(i) {
            match c {
                b'_' => {}
                b'.' if !saw_dot => saw_dot = true,
                c if is_digit(c) => saw_digit = true,
                _ => break,
            }
            i += 1;
        }
        if !saw_digit {
            return None;
        }
        let mantissa: String = s
            .get(mant_start..i)?
            .chars()
            .filter(|&c| c != '_')
            .collect();
        let exp_char = if hex { b'p' } else { b'e' };
        let mut exp = 0i64;
        if b.get(i).map(u8::to_ascii_lowercase) == Some(exp_char) {
            let (e, end) = read_exponent(b, i + 1)?;
            exp = e;
            i = end;
        } else if hex {
            return None;
        }
        if i != b.len() || (s.contains('_') && !underscore_ok(s)) {
            return None;
        }
        Some(FloatLit {
            neg,
            hex,
            mantissa,
            exp,
        })
    }

    fn to_f64(&self) -> Option<f64> {
        let v = if self.hex {
            hex_value(&self.mantissa, self.exp, 53)?
        } else {
            self.decimal_text().parse().ok()?
        };
        Some(if self.neg { -v } else { v })
    }

    fn to_f32(&self) -> Option<f32> {
        let v: f32 = if self.hex {
            // Rounded to 24 bits first, so the conversion to f32 is exact.
            hex_value(&self.mantissa, self.exp, 24)? as f32
        } else {
            self.decimal_text().parse().ok()?
        };
        Some(if self.neg { -v } else { v })
    }

    fn decimal_text(&self) -> String {
        format!("{}e{}", self.mantissa, self.exp)
    }
}

/// Exponent digits (sign allowed, underscores skipped) starting at `i`; `None` without a digit.
fn read_exponent(b: &[u8], mut i: usize) -> Option<(i64, usize)> {
    let mut neg = false;
    if let Some(&c @ (b'+' | b'-')) = b.get(i) {
        neg = c == b'-';
        i += 1;
    }
    if !b.get(i).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    let mut e: i64 = 0;
    while let Some(&c) = b.get(i) {
        match c {
            b'_' => {}
            c if c.is_ascii_digit() => e = (e * 10 + i64::from(c - b'0')).min(100_000),
            _ => break,
        }
        i += 1;
    }
    Some((if neg { -e } else { e }, i))
}

/// Go's `underscoreOK`: underscores only between digits (or after a base prefix).
fn underscore_ok(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let mut saw = b'^';
    let hex = b.get(i) == Some(&b'0')
        && matches!(
            b.get(i + 1).map(u8::to_ascii_lowercase),
            Some(b'x' | b'b' | b'o')
        );
    let hex_digits = hex && b.get(i + 1).map(u8::to_ascii_lowercase) == Some(b'x');
    if hex {
        i += 2;
        saw = b'0';
    }
    while let Some(&c) = b.get(i) {
        if c.is_ascii_digit() || (hex_digits && c.is_ascii_hexdigit()) {
            saw = b'0';
        } else if c == b'_' {
            if saw != b'0' {
                return false;
            }
            saw = b'_';
        } else if saw == b'_' {
            return false;
        } else {
            saw = b'!';
        }
        i += 1;
    }
    saw != b'_'
}

/// Value of hex mantissa digits (with an optional `.`) times 2^exp, rounded to `bits` bits
/// (nearest, ties to even) before scaling; subnormal results may be rounded twice.
fn hex_value(mantissa: &str, exp: i64, bits: u32) -> Option<f64> {
    let mut m: u128 = 0;
    let mut e = exp;
    let mut sticky = false;
    let mut after_dot = false;
    for c in mantissa.chars() {
        if c == '.' {
            after_dot = true;
            continue;
        }
        let d = u128::from(c.to_digit(16)?);
        if m >> 120 == 0 {
            m = m * 16 + d;
            if after_dot {
                e -= 4;
            }
        } else {
            sticky |= d != 0;
            if !after_dot {
                e += 4;
            }
        }
    }
    if m == 0 {
        return Some(0.0);
    }
    let width = 128 - m.leading_zeros();
    if width > bits {
        let shift = width - bits;
        let half = 1u128 << (shift - 1);
        let rem = m & ((1u128 << shift) - 1);
        m >>= shift;
        e += i64::from(shift);
        if rem > half || (rem == half && (sticky || m & 1 == 1)) {
            m += 1;
        }
    }
    let e = i32::try_from(e.clamp(-5000, 5000)).ok()?;
    // m < 2^54, exact in f64; scaling by a power of two in two steps avoids overflowing powi.
    Some((m as f64) * 2f64.powi(e / 2) * 2f64.powi(e - e / 2))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{FileId, Span};

    fn sp(line: u32) -> Span {
        Span::new(FileId(1), line, 3)
    }

    fn look(k: &str) -> Option<String> {
        match k {
            "A" => Some("aval".into()),
            "N" => Some("12".into()),
            "T" => Some("TRUE".into()),
            "EMPTY" => Some(String::new()),
            "BAD" => Some("abc".into()),
            _ => None,
        }
    }

    /// A project large enough to be interpolated on every core: the same tree, the same
    /// warnings in the same order, and the same first error as one service after the other.
    #[test]
    fn large_projects_on_every_core_match_one_at_a_time() {
        let project = |bad: &[usize]| {
            let services: serde_json::Map<String, serde_json::Value> = (0..1000)
                .map(|i| {
                    let image = if bad.contains(&i) {
                        "${".to_string()
                    } else {
                        format!("${{A}}/s{i}:${{UNSET{}}}", i % 7)
                    };
                    let svc = serde_json::json!({
                        "image": image,
                        "scale": "${N}",
                        "environment": {"X": "$UNSET_ALL", "Y": "${EMPTY:-d}"},
                    });
                    (format!("s{i}"), svc)
                })
                .collect();
            let root = serde_json::json!({"name": "${A}", "services": services, "x-a": "$UNSET_X"});
            Node::from_json(&root, sp(1))
        };
        let (mut parallel, mut one) = (project(&[]), project(&[]));
        let (mut w_parallel, mut w_one) = (Vec::new(), Vec::new());
        let r = interpolate(&mut parallel, &look, &mut w_parallel);
        assert!(r.is_ok(), "{r:?}");
        let r = walk(&mut one, &mut KeyPath::root(), &look, &mut w_one);
        assert!(r.is_ok(), "{r:?}");
        assert_eq!(parallel, one);
        assert_eq!(w_parallel.len(), 1000 * 2 + 1);
        assert_eq!(w_parallel, w_one);

        let mut bad = project(&[700, 300]);
        let e = interpolate(&mut bad, &look, &mut Vec::new())
            .err()
            .unwrap_or_else(|| panic!("accepted"));
        assert_eq!(e.path.to_string(), "services.s300.image");
    }

    /// The indexed lookup finds what scanning [`CASTS`] in order finds, for every pattern with
    /// its wildcards filled in each way and for paths one segment off.
    #[test]
    fn cast_index_agrees_with_scanning_the_table() {
        use crate::load::node::PathSeg;
        let scan = |path: &KeyPath| {
            CASTS
                .iter()
                .find(|(p, _)| {
                    let segs: Vec<&str> = p.split('.').collect();
                    segs.len() == path.0.len()
                        && segs.iter().zip(&path.0).all(|(p, seg)| match seg {
                            PathSeg::Key(k) => *p == "*" || *p == &**k,
                            PathSeg::Index(_) => *p == "*" || *p == "[]",
                        })
                })
                .map(|&(_, c)| c)
        };
        let mut checked = 0;
        for (pattern, _) in CASTS {
            let segs: Vec<&str> = pattern.split('.').collect();
            for fill in ["x", "hard", "ulimits", "0"] {
                let mut path = KeyPath::root();
                for seg in &segs {
                    match (*seg, fill) {
                        ("*" | "[]", "0") => path.push_index(0),
                        ("*" | "[]", k) => path.push_key(k),
                        (k, _) => path.push_key(k),
                    }
                }
                let mut longer = path.clone();
                longer.push_key("soft");
                let mut shorter = path.clone();
                shorter.pop();
                for p in [path, longer, shorter] {
                    assert_eq!(cast_for(&p), scan(&p), "{p}");
                    checked += 1;
                }
            }
        }
        assert!(checked > 400);
    }

    fn run(json: serde_json::Value) -> (Result<serde_json::Value, LoadError>, Vec<Warning>) {
        let mut node = Node::from_json(&json, sp(1));
        let mut warnings = Vec::new();
        let r = interpolate(&mut node, &look, &mut warnings).map(|()| node.to_json());
        (r, warnings)
    }

    fn ok(json: serde_json::Value) -> serde_json::Value {
        match run(json).0 {
            Ok(v) => v,
            Err(e) => panic!("unexpected error: {e}"),
        }
    }

    fn err(json: serde_json::Value) -> String {
        match run(json).0 {
            Ok(v) => panic!("expected an error, got {v}"),
            Err(e) => e.to_string(),
        }
    }

    fn svc(field: serde_json::Value) -> serde_json::Value {
        serde_json::json!({"services": {"web": field}})
    }

    #[test]
    fn strings_everywhere_but_keys() {
        let got = ok(serde_json::json!({
            "name": "p-${A}",
            "x-${A}": ["$A", 1, true, null, {"k$A": "${MISSING-d}"}],
            "n": 1.5
        }));
        assert_eq!(
            got,
            serde_json::json!({"name": "p-aval", "x-${A}": ["aval", 1, true, null, {"k$A": "d"}], "n": 1.5})
        );
    }

    #[test]
    fn unset_warnings_per_string_with_span_and_path() {
        let mut node = Node::from_json(
            &svc(serde_json::json!({"environment": {"FOO": "$X $Y $X"}})),
            sp(1),
        );
        if let Some(foo) = node
            .get_mut("services")
            .and_then(|s| s.get_mut("web"))
            .and_then(|w| w.get_mut("environment"))
            .and_then(|e| e.get_mut("FOO"))
        {
            foo.span = sp(7);
        }
        let mut warnings = Vec::new();
        assert_eq!(interpolate(&mut node, &look, &mut warnings), Ok(()));
        let msgs: Vec<(String, String, u32)> = warnings
            .iter()
            .map(|w| (w.path.to_string(), w.message.clone(), w.span.line))
            .collect();
        assert_eq!(
            msgs,
            vec![
                (
                    "services.web.environment.FOO".to_string(),
                    r#"the "X" variable is not set, defaulting to a blank string"#.to_string(),
                    7
                ),
                (
                    "services.web.environment.FOO".to_string(),
                    r#"the "Y" variable is not set, defaulting to a blank string"#.to_string(),
                    7
                ),
            ]
        );
        assert_eq!(
            node.to_json()["services"]["web"]["environment"]["FOO"],
            "  "
        );
    }

    #[test]
    fn spans_are_kept() {
        let mut node = Node::from_json(
            &svc(serde_json::json!({"scale": "${N}", "image": "$A"})),
            sp(4),
        );
        let mut warnings = Vec::new();
        assert_eq!(interpolate(&mut node, &look, &mut warnings), Ok(()));
        let web = node.get("services").and_then(|s| s.get("web"));
        assert_eq!(
            web.and_then(|w| w.get("scale"))
                .map(|n| (n.value.clone(), n.span)),
            Some((Value::Int(12), sp(4)))
        );
        assert_eq!(
            web.and_then(|w| w.get("image")).map(|n| n.span),
            Some(sp(4))
        );
    }

    #[test]
    fn required_error_carries_path_and_span() {
        let (r, _) = run(svc(
            serde_json::json!({"environment": {"FOO": "${NOPE:?set it}"}}),
        ));
        let e = r.err();
        assert_eq!(e.as_ref().map(|e| e.span), Some(sp(1)));
        assert_eq!(
            e.map(|e| e.to_string()),
            Some(
                "services.web.environment.FOO: required variable NOPE is missing a value: set it"
                    .to_string()
            )
        );
        assert_eq!(
            err(svc(serde_json::json!({"image": "${EMPTY:?}"}))),
            "services.web.image: required variable EMPTY is missing a value"
        );
    }

    #[test]
    fn invalid_template_error() {
        assert_eq!(
            err(serde_json::json!({"services": {"web": {"command": ["echo", "${ x }"]}}})),
            r#"services.web.command[1]: invalid interpolation format "${ x }": you may need to escape any $ with another $"#
        );
    }

    #[test]
    fn integer_casts() {
        let got = ok(svc(serde_json::json!({
            "scale": "+3", "cpu_count": "${N}", "oom_score_adj": "-1000", "pids_limit": 5,
            "deploy": {"replicas": "0012", "restart_policy": {"max_attempts": "${N}"}},
            "ports": [{"target": "${N}", "published": "${N}"}, "8080:80"],
            "ulimits": {"nofile": "${N}", "nproc": {"soft": "1", "hard": "2"}},
            "healthcheck": {"retries": "7"}
        })));
        let web = &got["services"]["web"];
        assert_eq!(web["scale"], 3);
        assert_eq!(web["cpu_count"], 12);
        assert_eq!(web["oom_score_adj"], -1000);
        assert_eq!(web["pids_limit"], 5);
        assert_eq!(web["deploy"]["replicas"], 12);
        assert_eq!(web["deploy"]["restart_policy"]["max_attempts"], 12);
        // `published` is a string in compose; only `target` is cast.
        assert_eq!(
            web["ports"],
            serde_json::json!([{"target": 12, "published": "12"}, "8080:80"])
        );
        assert_eq!(
            web["ulimits"],
            serde_json::json!({"nofile": 12, "nproc": {"soft": 1, "hard": 2}})
        );
        assert_eq!(web["healthcheck"]["retries"], 7);
    }

    #[test]
    fn integer_cast_errors() {
        let cases = [
            (
                "scale",
                "${BAD}",
                r#"strconv.Atoi: parsing "abc": invalid syntax"#,
            ),
            (
                "scale",
                " 3",
                r#"strconv.Atoi: parsing " 3": invalid syntax"#,
            ),
            ("scale", "", r#"strconv.Atoi: parsing "": invalid syntax"#),
            ("scale", "-", r#"strconv.Atoi: parsing "-": invalid syntax"#),
            (
                "scale",
                "1_0",
                r#"strconv.Atoi: parsing "1_0": invalid syntax"#,
            ),
            (
                "scale",
                "0x10",
                r#"strconv.Atoi: parsing "0x10": invalid syntax"#,
            ),
            (
                "cpu_count",
                "99999999999999999999",
                r#"strconv.ParseInt: parsing "99999999999999999999": value out of range"#,
            ),
            (
                "cpu_count",
                "9223372036854775808",
                r#"strconv.ParseInt: parsing "9223372036854775808": value out of range"#,
            ),
            (
                "cpu_count",
                "99999999999999999999x",
                r#"strconv.ParseInt: parsing "99999999999999999999x": value out of range"#,
            ),
            (
                "cpu_count",
                "9223372036854775808x",
                r#"strconv.ParseInt: parsing "9223372036854775808x": invalid syntax"#,
            ),
        ];
        for (field, value, message) in cases {
            assert_eq!(
                err(svc(serde_json::json!({field: value}))),
                format!("services.web.{field}: failed to cast to expected type: {message}")
            );
        }
        assert_eq!(parse_int("-9223372036854775808", "ParseInt"), Ok(i64::MIN));
        assert_eq!(parse_int("9223372036854775807", "ParseInt"), Ok(i64::MAX));
        assert_eq!(parse_int("-0", "Atoi"), Ok(0));
    }

    #[test]
    fn float_casts() {
        let got = ok(svc(serde_json::json!({
            "cpus": "0.1", "cpu_percent": "1e2",
            "deploy": {"update_config": {"max_failure_ratio": "1_0.5"}, "rollback_config": {"max_failure_ratio": ".5"}}
        })));
        let web = &got["services"]["web"];
        // float32 keeps its shortest form, not 0.10000000149011612
        assert_eq!(web["cpus"], 0.1);
        assert_eq!(web["cpu_percent"], 100.0);
        assert_eq!(web["deploy"]["update_config"]["max_failure_ratio"], 10.5);
        assert_eq!(web["deploy"]["rollback_config"]["max_failure_ratio"], 0.5);
    }

    #[test]
    fn go_float_grammar() {
        assert_eq!(parse_float("0x1p-2", false), Ok(0.25));
        assert_eq!(parse_float("0x1.8p1", false), Ok(3.0));
        assert_eq!(parse_float("-0X_1fp+0_1", false), Ok(-62.0));
        assert_eq!(parse_float("+Inf", false), Ok(f64::INFINITY));
        assert_eq!(parse_float("-infinity", false), Ok(f64::NEG_INFINITY));
        assert!(parse_float("NaN", false).is_ok_and(f64::is_nan));
        assert_eq!(parse_float("5.", false), Ok(5.0));
        assert_eq!(parse_float("1E+3", false), Ok(1000.0));
        assert_eq!(parse_float("1e-400", false), Ok(0.0));
        assert_eq!(
            parse_float("0.30000000000000004", false),
            Ok(0.30000000000000004)
        );
        for bad in [
            "", ".", "e5", "1e", "0x1", "0x1.8", "1__0", "_1", "1_", "1_.5", "+nan", "infx",
            "1.2.3", "0x1p", " 1",
        ] {
            assert_eq!(
                parse_float(bad, false),
                Err(syntax_error("ParseFloat", bad)),
                "{bad:?}"
            );
        }
        assert_eq!(
            parse_float("1e309", false),
            Err(range_error("ParseFloat", "1e309"))
        );
        assert_eq!(
            parse_float("1e39", true),
            Err(range_error("ParseFloat", "1e39"))
        );
        assert_eq!(parse_float("3.4e38", true), Ok(3.4e38));
        assert_eq!(
            parse_float("0x1p128", true),
            Err(range_error("ParseFloat", "0x1p128"))
        );
        assert_eq!(parse_float("0x1.000001p0", true), Ok(1.0));
        assert_eq!(parse_float("0x1.0000011p0", true), Ok(1.0000001));
    }

    #[test]
    fn float_cast_error_message() {
        assert_eq!(
            err(svc(serde_json::json!({"cpus": "${BAD}"}))),
            r#"services.web.cpus: failed to cast to expected type: strconv.ParseFloat: parsing "abc": invalid syntax"#
        );
        assert_eq!(
            err(svc(serde_json::json!({"cpus": "1e39"}))),
            r#"services.web.cpus: failed to cast to expected type: strconv.ParseFloat: parsing "1e39": value out of range"#
        );
    }

    #[test]
    fn boolean_casts_and_yaml11_warnings() {
        let (r, warnings) = run(serde_json::json!({
            "services": {"web": {
                "privileged": "yes", "read_only": "ON", "tty": "${T}", "init": "false", "stdin_open": "n",
                "oom_kill_disable": "Off", "healthcheck": {"disable": "Y"},
                "volumes": [{"read_only": "true", "volume": {"nocopy": "no"}}]
            }},
            "networks": {"n": {"external": "true", "internal": "False", "attachable": "on", "enable_ipv4": "TRUE", "enable_ipv6": "false"}},
            "volumes": {"v": {"external": "yes"}},
            "secrets": {"s": {"external": "no"}},
            "configs": {"c": {"external": "true"}}
        }));
        let got = r.unwrap_or_default();
        let web = &got["services"]["web"];
        assert_eq!(web["privileged"], true);
        assert_eq!(web["read_only"], true);
        assert_eq!(web["tty"], true);
        assert_eq!(web["init"], false);
        assert_eq!(web["stdin_open"], false);
        assert_eq!(web["oom_kill_disable"], false);
        assert_eq!(web["healthcheck"]["disable"], true);
        assert_eq!(
            web["volumes"],
            serde_json::json!([{"read_only": true, "volume": {"nocopy": false}}])
        );
        assert_eq!(
            got["networks"]["n"],
            serde_json::json!({"external": true, "internal": false, "attachable": true, "enable_ipv4": true, "enable_ipv6": false})
        );
        assert_eq!(got["volumes"]["v"]["external"], true);
        assert_eq!(got["secrets"]["s"]["external"], false);
        assert_eq!(got["configs"]["c"]["external"], true);
        let msgs: Vec<String> = warnings
            .iter()
            .map(|w| format!("{}: {}", w.path, w.message))
            .collect();
        assert_eq!(
            msgs,
            vec![
                "services.web.privileged: \"yes\" for boolean is not supported by YAML 1.2, please use `true`",
                "services.web.read_only: \"ON\" for boolean is not supported by YAML 1.2, please use `true`",
                "services.web.stdin_open: \"n\" for boolean is not supported by YAML 1.2, please use `false`",
                "services.web.oom_kill_disable: \"Off\" for boolean is not supported by YAML 1.2, please use `false`",
                "services.web.healthcheck.disable: \"Y\" for boolean is not supported by YAML 1.2, please use `true`",
                "services.web.volumes[0].volume.nocopy: \"no\" for boolean is not supported by YAML 1.2, please use `false`",
                "networks.n.attachable: \"on\" for boolean is not supported by YAML 1.2, please use `true`",
                "volumes.v.external: \"yes\" for boolean is not supported by YAML 1.2, please use `true`",
                "secrets.s.external: \"no\" for boolean is not supported by YAML 1.2, please use `false`",
            ]
        );
    }

    #[test]
    fn boolean_cast_error() {
        assert_eq!(
            err(svc(serde_json::json!({"privileged": "${BAD}"}))),
            "services.web.privileged: failed to cast to expected type: invalid boolean: abc"
        );
        assert_eq!(
            err(svc(serde_json::json!({"tty": "1"}))),
            "services.web.tty: failed to cast to expected type: invalid boolean: 1"
        );
    }

    #[test]
    fn uncast_paths_stay_strings() {
        let got = ok(serde_json::json!({
            "services": {"web": {"environment": {"scale": "${N}"}, "x-tty": "yes", "labels": ["${N}"]}},
            "networks": {"n": {"driver_opts": {"external": "yes"}}},
            "x-scale": "${N}"
        }));
        assert_eq!(got["services"]["web"]["environment"]["scale"], "12");
        assert_eq!(got["services"]["web"]["x-tty"], "yes");
        assert_eq!(got["services"]["web"]["labels"], serde_json::json!(["12"]));
        assert_eq!(got["networks"]["n"]["driver_opts"]["external"], "yes");
        assert_eq!(got["x-scale"], "12");
    }
}
