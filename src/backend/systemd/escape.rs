//! Escaping for everything a compose value can reach in generated unit files: command-line
//! words of `Exec*=` lines (systemd specifiers, `$` expansion, quoting and C escapes),
//! `EnvironmentFile=` files (systemd's env-file parser), plain directive values and unit
//! names. Every function here is total: a value may contain any character except NUL (which
//! no argument or environment variable can carry; [`has_nul`] lets callers refuse it), and no
//! value can produce a newline or any other control character in the output, so a value
//! cannot end its line and inject a directive.

/// Characters an `Exec*=` word may contain unquoted (after `%`/`$` doubling). Everything
/// else is double-quoted; `#` and `;` are left out so a word never starts a comment or
/// separates commands on a continuation line.
fn safe_bare(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_@%+=:,./-".contains(c)
}

/// Whether `s` contains a NUL byte (unrepresentable in arguments and environments).
pub fn has_nul(s: &str) -> bool {
    s.contains('\0')
}

/// Double systemd's specifier character: `%` → `%%`.
pub fn specifiers(s: &str) -> String {
    s.replace('%', "%%")
}

/// One word of an `Exec*=` line, so systemd hands the program exactly `s`: `%` and `$` are
/// doubled (specifiers, environment expansion), then the word is double-quoted with `\\`,
/// `\"` and `\xNN` escapes for control characters when it is not made of safe characters
/// only. NUL cannot be expressed; callers refuse it (see [`has_nul`]).
pub fn exec_word(s: &str) -> String {
    let doubled = specifiers(s).replace('$', "$$");
    if !doubled.is_empty() && doubled.chars().all(safe_bare) {
        return doubled;
    }
    quote_c(&doubled)
}

/// A word the generator wrote itself and that may use specifiers (`%p-%i`): quoted like
/// [`exec_word`] but with `%` and `$` kept.
pub fn exec_word_raw(s: &str) -> String {
    if !s.is_empty() && s.chars().all(safe_bare) {
        return s.to_string();
    }
    quote_c(s)
}

/// `"..."` with C escapes for `\`, `"` and control characters (systemd's `cunescape` rules).
fn quote_c(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if is_control(c) => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// ASCII control characters and the C1 range: none may appear raw in a unit file line.
fn is_control(c: char) -> bool {
    c.is_ascii_control()
}

/// An `Exec*=` command line: the first word is the program (never escaped beyond quoting:
/// the generator chooses it), the others are user words escaped by [`exec_word`].
pub fn exec_line(words: &[String]) -> String {
    words.join(" ")
}

/// Whether `name` is accepted by systemd as an environment variable name in an
/// `EnvironmentFile=` (it silently drops the others): `[A-Za-z_][A-Za-z0-9_]*`.
pub fn systemd_env_name_ok(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// One `KEY="value"` line of a systemd `EnvironmentFile=`: inside double quotes its parser
/// unescapes `\"`, `\\`, `` \` `` and `\$` and keeps every other character (newlines
/// included) as written, so the value comes back byte for byte.
pub fn env_file_line(name: &str, value: &str) -> String {
    let mut out = String::with_capacity(name.len() + value.len() + 4);
    out.push_str(name);
    out.push_str("=\"");
    for c in value.chars() {
        if matches!(c, '"' | '\\' | '`' | '$') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push_str("\"\n");
    out
}

/// Whether `name=value` can be written as one line of a Docker/Podman `--env-file` (read
/// raw, one variable per line: no newline in the value; the name has no whitespace or `=`,
/// is not empty and does not start a comment).
pub fn runtime_env_ok(name: &str, value: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('#')
        && !name.contains(|c: char| c == '=' || c.is_whitespace() || c.is_control())
        && !value.contains(['\n', '\r'])
        && !has_nul(value)
}

/// A value for a directive that is not a command line (`Description=`, `MachineMetadata=`):
/// specifiers doubled, control characters replaced by a space (they are descriptive only).
pub fn directive_value(s: &str) -> String {
    specifiers(s)
        .chars()
        .map(|c| if is_control(c) { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_string()
}

/// A fragment of a unit name: systemd's `systemd-escape` rules, so any compose name
/// gives a valid unit name (`[A-Za-z0-9:_.-]` kept, others as `\xNN` bytes; a leading `.`
/// escaped too).
pub fn unit_name_part(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for (i, b) in s.bytes().enumerate() {
        let keep = b.is_ascii_alphanumeric()
            || b == b':'
            || b == b'_'
            || b == b'-'
            || (b == b'.' && i > 0);
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

/// One field of a comma-separated `--mount` / `--network` option value, as Go's
/// `encoding/csv` reads it: quoted (with `"` doubled) when it has a comma, quote or
/// newline, or starts with a space.
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) || s.starts_with(' ') {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

pub use crate::backend::plan::shell_word;

#[cfg(test)]
pub mod tests {
    //! Readers written from systemd's documented rules (systemd.service(5) "Command lines",
    //! systemd.syntax(7), systemd.exec(5) `EnvironmentFile=`), used to check that escaped
    //! text comes back byte-identical.
    use super::*;
    use proptest::prelude::*;

    /// Split a unit file into `(section, key, value)` triples the way systemd reads it:
    /// lines end at `\n`, `\r` or NUL; whitespace is stripped; `#`/`;` lines are comments; an
    /// odd trailing backslash continues the line (replaced by a space).
    pub fn parse_unit(text: &str) -> Result<Vec<(String, String, String)>, String> {
        let mut out = Vec::new();
        let mut section = String::new();
        let mut cont: Option<String> = None;
        for raw in text.split(['\n', '\r', '\0']) {
            let line = raw.trim_matches(|c: char| " \t".contains(c));
            if cont.is_none() && (line.is_empty() || line.starts_with(['#', ';'])) {
                continue;
            }
            if cont.is_some() && line.starts_with(['#', ';']) {
                continue;
            }
            let mut escaped = false;
            for c in line.chars() {
                escaped = !escaped && c == '\\';
            }
            if escaped {
                let mut l = line.to_string();
                l.pop();
                l.push(' ');
                cont = Some(cont.unwrap_or_default() + &l);
                continue;
            }
            let full = cont.take().unwrap_or_default() + line;
            if full.starts_with('[') {
                section = full.trim_matches(['[', ']']).to_string();
                continue;
            }
            let (k, v) = full
                .split_once('=')
                .ok_or_else(|| format!("not an assignment: {full:?}"))?;
            out.push((section.clone(), k.trim().to_string(), v.trim().to_string()));
        }
        if cont.is_some() {
            return Err("dangling continuation".into());
        }
        Ok(out)
    }

    fn cunescape(chars: &mut std::iter::Peekable<std::str::Chars>) -> Result<char, String> {
        let c = chars.next().ok_or("backslash at end")?;
        Ok(match c {
            'a' => '\x07',
            'b' => '\x08',
            'f' => '\x0c',
            'n' => '\n',
            'r' => '\r',
            't' => '\t',
            'v' => '\x0b',
            's' => ' ',
            '\\' | '"' | '\'' => c,
            'x' => {
                let h: String = [chars.next(), chars.next()].into_iter().flatten().collect();
                let v = u32::from_str_radix(&h, 16).map_err(|e| e.to_string())?;
                if v == 0 {
                    return Err("\\x00".into());
                }
                char::from_u32(v).ok_or("bad \\x")?
            }
            other => return Err(format!("invalid escape \\{other}")),
        })
    }

    /// Split a command line into words like systemd's `extract_first_word` with
    /// `EXTRACT_UNQUOTE|EXTRACT_CUNESCAPE`, then resolve `%%` and `$$` in each word (any
    /// other `%x` or `$` is an error here: our output never relies on them).
    pub fn split_exec(line: &str) -> Result<Vec<String>, String> {
        let mut words = Vec::new();
        let mut chars = line.chars().peekable();
        loop {
            while chars.peek().is_some_and(|c| " \t\n\r".contains(*c)) {
                chars.next();
            }
            if chars.peek().is_none() {
                break;
            }
            if chars.peek() == Some(&';') {
                return Err("command separator".into());
            }
            let mut w = String::new();
            let mut quote: Option<char> = None;
            while let Some(c) = chars.next() {
                match (quote, c) {
                    (None, c) if " \t\n\r".contains(c) => break,
                    (None, '"' | '\'') => quote = Some(c),
                    (Some(q), c) if c == q => quote = None,
                    (_, '\\') => w.push(cunescape(&mut chars)?),
                    (_, c) => w.push(c),
                }
            }
            if quote.is_some() {
                return Err("unterminated quote".into());
            }
            words.push(unescape_specials(&w)?);
        }
        Ok(words)
    }

    fn unescape_specials(w: &str) -> Result<String, String> {
        let mut out = String::new();
        let mut chars = w.chars();
        while let Some(c) = chars.next() {
            match c {
                '%' | '$' => match chars.next() {
                    Some(n) if n == c => out.push(c),
                    // Specifiers the generator itself writes: kept visible.
                    Some(n @ ('p' | 'i' | 'n')) if c == '%' => {
                        out.push_str(&format!("<%{n}>"));
                    }
                    other => return Err(format!("unescaped {c}{other:?} in {w:?}")),
                },
                c => out.push(c),
            }
        }
        Ok(out)
    }

    /// systemd's env-file parser (`parse_env_file_internal`) as a state machine.
    pub fn parse_env_file(text: &str) -> Result<Vec<(String, String)>, String> {
        #[derive(PartialEq)]
        enum S {
            PreKey,
            Key,
            PreValue,
            Value,
            ValueEscape,
            Single,
            Double,
            DoubleEscape,
            Comment,
            CommentEscape,
        }
        let mut out = Vec::new();
        let mut st = S::PreKey;
        let (mut key, mut value) = (String::new(), String::new());
        let mut last_ws: Option<usize> = None;
        let push = |out: &mut Vec<(String, String)>, k: &str, v: &str| {
            let k = k.trim_matches(|c: char| " \t\n\r".contains(c));
            if !k.is_empty() {
                out.push((k.to_string(), v.to_string()));
            }
        };
        for c in text.chars() {
            let nl = c == '\n' || c == '\r';
            let ws = " \t\n\r".contains(c);
            st = match st {
                S::PreKey if c == '#' || c == ';' => S::Comment,
                S::PreKey if ws => S::PreKey,
                S::PreKey => {
                    key = c.to_string();
                    S::Key
                }
                S::Key if nl => {
                    key.clear();
                    S::PreKey
                }
                S::Key if c == '=' => {
                    value.clear();
                    last_ws = None;
                    S::PreValue
                }
                S::Key => {
                    key.push(c);
                    S::Key
                }
                S::PreValue if nl => {
                    push(&mut out, &key, &value);
                    S::PreKey
                }
                S::PreValue if c == '\'' => S::Single,
                S::PreValue if c == '"' => S::Double,
                S::PreValue if c == '\\' => S::ValueEscape,
                S::PreValue if ws => S::PreValue,
                S::PreValue | S::Value if !nl && c != '\\' => {
                    if ws {
                        last_ws.get_or_insert(value.len());
                    } else {
                        last_ws = None;
                    }
                    value.push(c);
                    S::Value
                }
                // Unreachable by the guards above; keeps the match total.
                S::PreValue => S::PreValue,
                S::Value if nl => {
                    if let Some(n) = last_ws {
                        value.truncate(n);
                    }
                    push(&mut out, &key, &value);
                    S::PreKey
                }
                S::Value => S::ValueEscape,
                S::ValueEscape => {
                    last_ws = None;
                    if !nl {
                        value.push(c);
                    }
                    S::Value
                }
                S::Single if c == '\'' => S::PreValue,
                S::Single => {
                    value.push(c);
                    S::Single
                }
                S::Double if c == '"' => S::PreValue,
                S::Double if c == '\\' => S::DoubleEscape,
                S::Double => {
                    value.push(c);
                    S::Double
                }
                S::DoubleEscape => {
                    if "\"\\`$".contains(c) {
                        value.push(c);
                    } else if c != '\n' {
                        value.push('\\');
                        value.push(c);
                    }
                    S::Double
                }
                S::Comment if c == '\\' => S::CommentEscape,
                S::Comment if nl => S::PreKey,
                S::Comment | S::CommentEscape => S::Comment,
            };
        }
        match st {
            S::PreValue | S::Value | S::ValueEscape => push(&mut out, &key, &value),
            S::Single | S::Double | S::DoubleEscape => return Err("unterminated quote".into()),
            _ => {}
        }
        Ok(out)
    }

    #[test]
    fn bare_and_quoted_words() {
        assert_eq!(exec_word("abc"), "abc");
        assert_eq!(exec_word("50%"), "50%%");
        assert_eq!(exec_word("$HOME"), "\"$$HOME\"");
        assert_eq!(exec_word(""), "\"\"");
        assert_eq!(exec_word("a b"), "\"a b\"");
        assert_eq!(exec_word("#x"), "\"#x\"");
        assert_eq!(exec_word(";"), "\";\"");
        assert_eq!(exec_word("a\nb\\\"c"), "\"a\\nb\\\\\\\"c\"");
        assert_eq!(exec_word("\x1b"), "\"\\x1b\"");
    }

    #[test]
    fn words_round_trip_through_the_reader() {
        let words = [
            "a b", "", "it's", "\"q\"", "50%", "${X}", "a\\", "\r\n\t", "\x7f", "é ü",
        ];
        let line = words
            .iter()
            .map(|w| exec_word(w))
            .collect::<Vec<_>>()
            .join(" ");
        assert_eq!(
            split_exec(&line),
            Ok(words.iter().map(|s| s.to_string()).collect())
        );
    }

    #[test]
    fn env_file_values_round_trip() {
        let v = "a \"b\" $c `d` \\e\nline2\r\n  ";
        let text = env_file_line("K", v);
        assert_eq!(parse_env_file(&text), Ok(vec![("K".into(), v.into())]));
    }

    #[test]
    fn env_names() {
        assert!(systemd_env_name_ok("_A1"));
        assert!(!systemd_env_name_ok("1A"));
        assert!(!systemd_env_name_ok("a.b"));
        assert!(!systemd_env_name_ok(""));
        assert!(runtime_env_ok("a.b", "x y"));
        assert!(!runtime_env_ok("a b", "x"));
        assert!(!runtime_env_ok("a", "x\ny"));
    }

    #[test]
    fn directive_values_stay_on_one_line() {
        assert_eq!(directive_value("a\nB=c %i"), "a B=c %%i");
    }

    #[test]
    fn unit_names_escape_like_systemd_escape() {
        assert_eq!(unit_name_part("my net"), "my\\x20net");
        assert_eq!(unit_name_part(".x/y"), "\\x2ex\\x2fy");
        assert_eq!(unit_name_part("a-b_c.d"), "a-b_c.d");
    }

    #[test]
    fn csv_and_shell() {
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("a\"b"), "\"a\"\"b\"");
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(shell_word("it's"), "'it'\\''s'");
        assert_eq!(shell_word("ok"), "ok");
    }

    proptest! {
        #[test]
        fn any_words_round_trip(words in proptest::collection::vec("[^\u{0}]*", 0..6)) {
            let line = words.iter().map(|w| exec_word(w)).collect::<Vec<_>>().join(" ");
            prop_assert!(!line.contains(['\n', '\r']));
            prop_assert_eq!(split_exec(&line), Ok(words));
        }

        #[test]
        fn any_env_value_round_trips(name in "[A-Za-z_][A-Za-z0-9_]{0,8}", value in "[^\u{0}]*") {
            let text = env_file_line(&name, &value);
            prop_assert_eq!(parse_env_file(&text), Ok(vec![(name, value)]));
        }

        #[test]
        fn directive_values_are_one_line(s in "\\PC*|[\u{0}-\u{1f}a=]*") {
            let v = directive_value(&s);
            prop_assert!(!v.chars().any(|c| c.is_ascii_control()));
        }
    }
}
