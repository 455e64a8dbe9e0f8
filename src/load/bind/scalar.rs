//! Reading typed values out of nodes, with compose's schema messages on mismatch and
//! compose-go's decoding rules (mapstructure hooks and casts) on match.

use crate::diag::LoadError;
use crate::load::node::{At, Map, Node, Value};
use crate::model::{ByteSize, Cpus, Duration, Extensions, FileMode, Mapping, MappingWithEquals};

pub type R<T> = Result<T, LoadError>;

pub fn err(n: &Node, p: &At<'_>, msg: impl Into<String>) -> LoadError {
    LoadError::new(n.span, p.key_path(), msg)
}

/// `must be a {want}`, as compose's schema validation says it.
pub fn type_err(n: &Node, p: &At<'_>, want: &str) -> LoadError {
    err(n, p, format!("must be a {want}"))
}

pub fn map<'a>(n: &'a Node, p: &At<'_>) -> R<&'a Map> {
    n.as_map().ok_or_else(|| type_err(n, p, "mapping"))
}

pub fn seq<'a>(n: &'a Node, p: &At<'_>) -> R<&'a [Node]> {
    n.as_seq()
        .map(Vec::as_slice)
        .ok_or_else(|| type_err(n, p, "array"))
}

/// Walk a mapping's keys. `x-*` keys go to `ext` when given (they are allowed), any other key
/// goes to `f`, which returns `false` for a key it does not know.
pub fn fields(
    n: &Node,
    p: &At<'_>,
    mut ext: Option<&mut Extensions>,
    mut f: impl FnMut(&str, &Node, &At<'_>) -> R<bool>,
) -> R<()> {
    for (k, v) in map(n, p)? {
        if let Some(ext) = ext.as_deref_mut().filter(|_| k.starts_with("x-")) {
            ext.insert(k.clone(), v.to_json());
            continue;
        }
        if !f(k, v, &p.key(k))? {
            return Err(LoadError::new(
                v.key_span,
                p.key_path(),
                format!("additional properties '{k}' not allowed"),
            ));
        }
    }
    Ok(())
}

/// compose's schema lists these keys as required (checked after unknown keys, as its
/// validator reports those first).
pub fn require(n: &Node, p: &At<'_>, keys: &[&str]) -> R<()> {
    match keys.iter().find(|k| n.get(k).is_none()) {
        Some(k) => Err(err(n, p, format!("missing property '{k}'"))),
        None => Ok(()),
    }
}

pub fn string(n: &Node, p: &At<'_>) -> R<String> {
    n.as_str()
        .map(str::to_owned)
        .ok_or_else(|| type_err(n, p, "string"))
}

pub fn ostring(n: &Node, p: &At<'_>) -> R<Option<String>> {
    string(n, p).map(Some)
}

/// A scalar rendered as compose renders it into a string field (numbers and booleans allowed).
pub fn scalar_string(n: &Node, p: &At<'_>, want: &str) -> R<String> {
    n.scalar_to_string().ok_or_else(|| type_err(n, p, want))
}

/// A boolean, or a string compose casts to one (`true`, `yes`, `on`, ...).
pub fn boolean(n: &Node, p: &At<'_>) -> R<bool> {
    match &n.value {
        Value::Bool(b) => Ok(*b),
        Value::Str(s) => match s.to_lowercase().as_str() {
            "true" | "y" | "yes" | "on" => Ok(true),
            "false" | "n" | "no" | "off" => Ok(false),
            _ => Err(err(n, p, format!("invalid boolean: {s}"))),
        },
        _ => Err(type_err(n, p, "boolean or string")),
    }
}

pub fn oboolean(n: &Node, p: &At<'_>) -> R<Option<bool>> {
    boolean(n, p).map(Some)
}

/// A boolean the schema does not let be a string.
pub fn strict_boolean(n: &Node, p: &At<'_>) -> R<bool> {
    match n.value {
        Value::Bool(b) => Ok(b),
        _ => Err(type_err(n, p, "boolean")),
    }
}

/// An integer; floats are truncated and strings parsed, as compose's decoder does.
pub fn int(n: &Node, p: &At<'_>, want: &str) -> R<i64> {
    match &n.value {
        Value::Int(i) => Ok(*i),
        Value::Float(f) => Ok(*f as i64),
        Value::Str(s) => s.parse::<i64>().map_err(|_| {
            err(
                n,
                p,
                format!("strconv.ParseInt: parsing {s:?}: invalid syntax"),
            )
        }),
        _ => Err(type_err(n, p, want)),
    }
}

pub fn oint(n: &Node, p: &At<'_>, want: &str) -> R<Option<i64>> {
    int(n, p, want).map(Some)
}

pub fn ouint(n: &Node, p: &At<'_>, want: &str) -> R<Option<u64>> {
    let v = int(n, p, want)?;
    u64::try_from(v).map(Some).map_err(|_| {
        err(
            n,
            p,
            format!("cannot parse value as 'uint64': {v} overflows uint"),
        )
    })
}

pub fn float(n: &Node, p: &At<'_>, want: &str) -> R<f64> {
    match &n.value {
        Value::Int(i) => Ok(*i as f64),
        Value::Float(f) => Ok(*f),
        Value::Str(s) => s
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|_| s.trim() == s)
            .ok_or_else(|| {
                err(
                    n,
                    p,
                    format!("strconv.ParseFloat: parsing {s:?}: invalid syntax"),
                )
            }),
        _ => Err(type_err(n, p, want)),
    }
}

pub fn cpus(n: &Node, p: &At<'_>, want: &str) -> R<Option<Cpus>> {
    float(n, p, want).map(|f| Some(Cpus(f as f32)))
}

/// A byte size: integers as-is, strings with units; compose ignores other types (zero).
pub fn bytes(n: &Node, p: &At<'_>, want: &str) -> R<Option<ByteSize>> {
    match &n.value {
        Value::Int(i) => Ok(Some(ByteSize(*i))),
        Value::Str(s) => ByteSize::parse(s).map(Some).map_err(|e| err(n, p, e)),
        Value::Float(_) => Ok(Some(ByteSize(0))),
        _ => Err(type_err(n, p, want)),
    }
}

pub fn duration(n: &Node, p: &At<'_>) -> R<Option<Duration>> {
    match &n.value {
        Value::Str(s) => Duration::parse(s).map(Some).map_err(|e| err(n, p, e)),
        _ => Err(type_err(n, p, "string")),
    }
}

/// A file mode: a number, or a string read as octal.
pub fn file_mode(n: &Node, p: &At<'_>) -> R<Option<FileMode>> {
    match &n.value {
        Value::Int(i) => Ok(Some(FileMode(*i))),
        Value::Float(f) => Ok(Some(FileMode(*f as i64))),
        Value::Str(s) => FileMode::parse_octal(s).map(Some).map_err(|e| err(n, p, e)),
        _ => Err(type_err(n, p, "number or string")),
    }
}

/// `list_of_strings`.
pub fn strings(n: &Node, p: &At<'_>) -> R<Vec<String>> {
    seq(n, p)?
        .iter()
        .enumerate()
        .map(|(i, x)| string(x, &p.index(i)))
        .collect()
}

/// `string_or_list`.
pub fn string_or_list(n: &Node, p: &At<'_>) -> R<Vec<String>> {
    match &n.value {
        Value::Str(s) => Ok(vec![s.clone()]),
        Value::Seq(_) => strings(n, p),
        _ => Err(type_err(n, p, "string")),
    }
}

/// A list whose items may be strings or numbers, kept as strings (`expose`, `group_add`).
pub fn string_or_number_list(n: &Node, p: &At<'_>) -> R<Vec<String>> {
    if let Value::Str(s) = &n.value {
        return Ok(vec![s.clone()]);
    }
    seq(n, p)?
        .iter()
        .enumerate()
        .map(|(i, x)| scalar_string(x, &p.index(i), "string or number"))
        .collect()
}

/// `list_or_dict` into plain strings (`labels`, `sysctls`, ...): `null` and a missing `=`
/// give an empty value.
pub fn mapping(n: &Node, p: &At<'_>) -> R<Mapping> {
    match &n.value {
        Value::Map(m) => m
            .iter()
            .map(|(k, v)| {
                let s = if v.is_null() {
                    String::new()
                } else {
                    scalar_string(v, &p.key(k), "string, number, boolean or null")?
                };
                Ok((k.clone(), s))
            })
            .collect(),
        Value::Seq(items) => {
            let mut out = Mapping::new();
            for (i, x) in items.iter().enumerate() {
                let s = scalar_string(x, &p.index(i), "string")?;
                let (k, v) = s.split_once('=').unwrap_or((s.as_str(), ""));
                out.insert(k.to_string(), v.to_string());
            }
            Ok(out)
        }
        _ => Err(type_err(n, p, "mapping")),
    }
}

/// `list_or_dict` where a value may be absent (`environment`, `build.args`).
pub fn mapping_with_equals(n: &Node, p: &At<'_>) -> R<MappingWithEquals> {
    match &n.value {
        Value::Map(m) => m
            .iter()
            .map(|(k, v)| {
                let s = if v.is_null() {
                    None
                } else {
                    Some(scalar_string(
                        v,
                        &p.key(k),
                        "string, number, boolean or null",
                    )?)
                };
                Ok((k.clone(), s))
            })
            .collect(),
        Value::Seq(items) => {
            let mut out = MappingWithEquals::new();
            for (i, x) in items.iter().enumerate() {
                let ip = p.index(i);
                let s = scalar_string(x, &ip, "string")?;
                let (k, v) = match s.split_once('=') {
                    Some((k, v)) => (k, Some(v.to_string())),
                    None => (s.as_str(), None),
                };
                if k.ends_with(char::is_whitespace) {
                    return Err(err(
                        x,
                        &ip,
                        format!("environment variable {k} is declared with a trailing space"),
                    ));
                }
                out.insert(k.to_string(), v);
            }
            Ok(out)
        }
        _ => Err(type_err(n, p, "mapping")),
    }
}

/// Driver options: a mapping of scalars; `null` gives an empty value.
pub fn options(n: &Node, p: &At<'_>) -> R<Mapping> {
    map(n, p)?
        .iter()
        .map(|(k, v)| {
            let s = if v.is_null() {
                String::new()
            } else {
                scalar_string(v, &p.key(k), "string or number")?
            };
            Ok((k.clone(), s))
        })
        .collect()
}

/// `command`/`entrypoint`: `null`, a list, or a string split as a shell would.
pub fn command(n: &Node, p: &At<'_>) -> R<Option<Vec<String>>> {
    match &n.value {
        Value::Null => Ok(None),
        Value::Str(s) => shell_split(s).map(Some).map_err(|e| err(n, p, e)),
        Value::Seq(_) => strings(n, p).map(Some),
        _ => Err(type_err(n, p, "null")),
    }
}

/// Split a command line as go-shellwords v1.0.12 does (what compose uses): quotes and
/// backslashes are honoured, no variable or command expansion, and the line ends at an
/// unquoted `;`, `&`, `|`, `<` or `>` (a file-descriptor number before `>` is dropped).
pub fn shell_split(line: &str) -> Result<Vec<String>, String> {
    let mut args = Vec::new();
    let mut buf = String::new();
    let (mut escaped, mut dq, mut sq, mut bq, mut dollar) = (false, false, false, false, false);
    let mut got = false;
    for r in line.chars() {
        if escaped {
            buf.push(r);
            escaped = false;
            got = true;
            continue;
        }
        if r == '\\' {
            if sq {
                buf.push(r);
            } else {
                escaped = true;
            }
            continue;
        }
        if matches!(r, ' ' | '\t' | '\r' | '\n') {
            if sq || dq || bq || dollar {
                buf.push(r);
            } else if got {
                args.push(std::mem::take(&mut buf));
                got = false;
            }
            continue;
        }
        let quiet = !(sq || dq || bq || dollar);
        match r {
            '`' if !sq && !dq && !dollar => bq = !bq,
            ')' if !sq && !dq && !bq => dollar = !dollar,
            '(' if !sq && !dq && !bq => {
                if !dollar && buf.ends_with('$') {
                    dollar = true;
                    buf.push('(');
                    continue;
                }
                return Err("invalid command line string".into());
            }
            '"' if !sq && !dollar && !bq => {
                if dq {
                    got = true;
                }
                dq = !dq;
                continue;
            }
            '\'' if !dq && !dollar && !bq => {
                if sq {
                    got = true;
                }
                sq = !sq;
                continue;
            }
            ';' | '&' | '|' | '<' | '>' if quiet => {
                if r == '>' && !buf.is_empty() && buf.chars().all(|c| c.is_ascii_digit()) {
                    got = false;
                }
                break;
            }
            _ => {}
        }
        got = true;
        buf.push(r);
    }
    if got {
        args.push(buf);
    }
    if escaped || sq || dq || bq || dollar {
        return Err("invalid command line string".into());
    }
    Ok(args)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(s: &str) -> Vec<String> {
        shell_split(s).unwrap_or_else(|e| vec![format!("ERR {e}")])
    }

    #[test]
    fn shell_split_matches_go_shellwords() {
        assert_eq!(split("echo a && echo b"), ["echo", "a"]);
        assert_eq!(
            split(r#"echo 'a b' "c\"d" e\ f"#),
            ["echo", "a b", "c\"d", "e f"]
        );
        assert_eq!(split("echo $(date) x"), ["echo", "$(date)", "x"]);
        assert_eq!(split("echo ) x"), ["ERR invalid command line string"]);
        assert_eq!(split("echo 2>x"), ["echo"]);
        assert_eq!(split(r#"a\tb "\n""#), ["atb", "n"]);
        assert_eq!(split(r#"echo "" x"#), ["echo", "", "x"]);
        assert_eq!(split("  "), Vec::<String>::new());
        assert_eq!(split("'unterminated"), ["ERR invalid command line string"]);
    }
}
