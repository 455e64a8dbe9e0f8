//! Compose variable substitution (`$VAR`, `${VAR:-default}`, `$$`, ...), reproducing
//! compose-go v2.9.1 `template` bit for bit, quirks included:
//! - a braced expression with an operator extends (like compose's greedy regex) to the last `}`
//!   on its line; the part after the first balanced `}` is substituted separately and appended;
//! - the argument of `:-`, `-`, `:+`, `+`, `:?`, `?` is always substituted, even when unused
//!   (so `${SET:-$UNSET}` still reports `UNSET` as unset, and `${SET:?${UNSET:?x}}` fails);
//! - an invalid `${` reports the innermost template being substituted;
//! - names match `[_a-z][_a-z0-9]*` case-insensitively with Go's Unicode folding, so `ſ` (U+017F)
//!   and `K` (U+212A, Kelvin sign) are name characters too.

use std::fmt;

/// Why a template could not be substituted. `Display` gives compose's wording.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TemplateError {
    /// A `$` that starts something compose cannot parse, e.g. `${`, `${}`, `${ VAR }`.
    Invalid { template: String },
    /// `${VAR:?message}` / `${VAR?message}` with `VAR` missing (or empty, for `:?`).
    Required { var: String, message: String },
    /// Nested deeper than [`MAX_DEPTH`] (`too_deep`), or more than [`MAX_WORK`] bytes
    /// substituted: compose's algorithm is quadratic in both, and hostile input must not take
    /// unbounded memory.
    TooComplex { too_deep: bool },
}

/// Deepest nesting of substitutions (`${A:-${B:-...}}`, or the parts after a `}` on one line).
pub const MAX_DEPTH: usize = 250;
/// Most bytes of template text substituted for one value, all levels together.
pub const MAX_WORK: usize = 64 << 20;

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TemplateError::Invalid { template } => {
                write!(f, "Invalid template: {}", go_quote(template))
            }
            TemplateError::Required { var, message } if message.is_empty() => {
                write!(f, "required variable {var} is missing a value")
            }
            TemplateError::Required { var, message } => {
                write!(f, "required variable {var} is missing a value: {message}")
            }
            TemplateError::TooComplex { too_deep: true } => write!(
                f,
                "variable substitution is nested more than {MAX_DEPTH} levels deep"
            ),
            TemplateError::TooComplex { too_deep: false } => write!(
                f,
                "variable substitution handles more than {} MiB of text for one value",
                MAX_WORK >> 20
            ),
        }
    }
}

impl std::error::Error for TemplateError {}

/// The result of a substitution.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Substituted {
    pub value: String,
    /// Variables compose warns about ("not set, defaulting to a blank string"): referenced as
    /// `$VAR`/`${VAR}` (anywhere, including inside an unused default) without a value. In order
    /// of first reference, without duplicates.
    pub unset: Vec<String>,
    /// Those of `unset` referenced inside a default or alternative (`${A:-$B}`), where
    /// compose expands variables and `docker stack deploy` does not.
    pub nested: Vec<String>,
}

/// Substitute every variable reference in `template`, looking values up with `lookup`
/// (`None` = unset, which compose distinguishes from empty).
pub fn substitute(
    template: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Substituted, TemplateError> {
    let mut ctx = Ctx {
        lookup,
        unset: Vec::new(),
        nested: Vec::new(),
        depth: 0,
        work: 0,
    };
    let mut value = String::with_capacity(template.len());
    ctx.substitute(template, &mut value)?;
    Ok(Substituted {
        value,
        unset: ctx.unset,
        nested: ctx.nested,
    })
}

/// What compose's pattern matched at a `$`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// `$$`
    Escaped,
    /// `$NAME`
    Named,
    /// `${...}`
    Braced,
    /// `${` followed by something unparseable
    Invalid,
}

/// The six operators, as compose spells them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    RequiredNonEmpty,
    Required,
    DefaultIfEmpty,
    DefaultIfUnset,
    AltIfNonEmpty,
    AltIfSet,
}

impl Op {
    fn sep(self) -> &'static str {
        match self {
            Op::RequiredNonEmpty => ":?",
            Op::Required => "?",
            Op::DefaultIfEmpty => ":-",
            Op::DefaultIfUnset => "-",
            Op::AltIfNonEmpty => ":+",
            Op::AltIfSet => "+",
        }
    }
}

struct Ctx<'a> {
    lookup: &'a dyn Fn(&str) -> Option<String>,
    unset: Vec<String>,
    nested: Vec<String>,
    /// Current nesting of [`Ctx::substitute`] calls.
    depth: usize,
    /// Bytes of template text substituted so far, all levels together.
    work: usize,
}

// Every level writes into the one output string: an operator's argument is substituted in
// place and cut off again when the variable's value wins, so a `${VAR:-default}` costs no
// allocation of its own (it cost five).
impl Ctx<'_> {
    /// [`Ctx::substitute_level`] within the depth and work limits, appended to `out`.
    fn substitute(&mut self, template: &str, out: &mut String) -> Result<(), TemplateError> {
        self.work = self.work.saturating_add(template.len());
        if self.work > MAX_WORK {
            return Err(TemplateError::TooComplex { too_deep: false });
        }
        if self.depth > MAX_DEPTH {
            return Err(TemplateError::TooComplex { too_deep: true });
        }
        self.depth += 1;
        let result = self.substitute_level(template, out);
        self.depth -= 1;
        result
    }

    /// compose's `Substitute`: replace every match left to right; the first error wins.
    fn substitute_level(&mut self, template: &str, out: &mut String) -> Result<(), TemplateError> {
        let mut pos = 0;
        while let Some(rel) = template.get(pos..).and_then(|t| t.find('$')) {
            let start = pos + rel;
            out.push_str(template.get(pos..start).unwrap_or_default());
            let Some((kind, end)) = match_at(template, start) else {
                out.push('$');
                pos = start + 1;
                continue;
            };
            let text = template.get(start..end).unwrap_or_default();
            match self.replace(kind, text, out) {
                Ok(()) => {}
                // The innermost substitution that meets an invalid `${` names its own template.
                Err(TemplateError::Invalid { template: t }) if t.is_empty() => {
                    return Err(TemplateError::Invalid {
                        template: template.to_string(),
                    });
                }
                Err(e) => return Err(e),
            }
            pos = end;
        }
        out.push_str(template.get(pos..).unwrap_or_default());
        Ok(())
    }

    /// compose's `DefaultReplacementAppliedFunc` for one match.
    fn replace(&mut self, kind: Kind, text: &str, out: &mut String) -> Result<(), TemplateError> {
        match kind {
            Kind::Escaped => {
                out.push('$');
                Ok(())
            }
            Kind::Invalid => Err(TemplateError::Invalid {
                template: String::new(),
            }),
            Kind::Named => {
                self.plain(text.get(1..).unwrap_or_default(), out);
                Ok(())
            }
            Kind::Braced => self.braced(text, out),
        }
    }

    fn braced(&mut self, text: &str, out: &mut String) -> Result<(), TemplateError> {
        let (expr, rest) = match first_brace_closing_index(text) {
            Some(i) => (
                text.get(..=i).unwrap_or(text),
                text.get(i + 1..).unwrap_or_default(),
            ),
            None => (text, ""),
        };
        // `expr` is `${...}`; what is between the braces is compose's "braced" group.
        let inner = expr
            .get(2..expr.len().saturating_sub(1))
            .unwrap_or_default();
        let Some((at, op)) = first_operator_at(text) else {
            self.plain(inner, out);
            return Ok(());
        };
        // The first separator of the match is inner's first (the name before it holds
        // none, and `text` starts with the two bytes `${`): no second search for it.
        let at = at.saturating_sub(2);
        let name = inner.get(..at).unwrap_or(inner);
        let arg = inner.get(at + op.sep().len()..).unwrap_or_default();
        self.apply(op, name, arg, out)?;
        self.substitute(rest, out)
    }

    /// The value of `name` with an operator applied; `arg` is substituted first, always
    /// (onto `out`, and cut off again when it is not what the operator gives).
    fn apply(
        &mut self,
        op: Op,
        name: &str,
        arg: &str,
        out: &mut String,
    ) -> Result<(), TemplateError> {
        let mark = out.len();
        self.substitute(arg, out)?;
        let value = (self.lookup)(name);
        let non_empty = value.as_deref().is_some_and(|v| !v.is_empty());
        let use_value = |out: &mut String, v: Option<String>| {
            out.truncate(mark);
            out.push_str(v.as_deref().unwrap_or_default());
        };
        match op {
            Op::RequiredNonEmpty | Op::Required => {
                let ok = if op == Op::Required {
                    value.is_some()
                } else {
                    non_empty
                };
                if !ok {
                    return Err(TemplateError::Required {
                        var: name.to_string(),
                        message: out.get(mark..).unwrap_or_default().to_string(),
                    });
                }
                use_value(out, value);
            }
            Op::DefaultIfEmpty if non_empty => use_value(out, value),
            Op::DefaultIfUnset if value.is_some() => use_value(out, value),
            // Empty or unset: the value is empty either way.
            Op::AltIfNonEmpty if !non_empty => use_value(out, None),
            Op::AltIfSet if value.is_none() => use_value(out, None),
            // The argument stays.
            Op::DefaultIfEmpty | Op::DefaultIfUnset | Op::AltIfNonEmpty | Op::AltIfSet => {}
        }
        Ok(())
    }

    /// `$NAME` / `${NAME}`: the value, or nothing and a note that it was unset.
    fn plain(&mut self, name: &str, out: &mut String) {
        match (self.lookup)(name) {
            Some(v) => out.push_str(&v),
            None => {
                if !self.unset.iter().any(|u| u == name) {
                    self.unset.push(name.to_string());
                }
                // depth 1 is the value itself; deeper is an operator's argument.
                if self.depth > 1 && !self.nested.iter().any(|u| u == name) {
                    self.nested.push(name.to_string());
                }
            }
        }
    }
}

/// First character of a name: compose's `(?i)[_a-z]`, with Go's case folding of `s` and `k`.
fn is_name_start(c: char) -> bool {
    c == '_' || c.is_ascii_alphabetic() || c == '\u{17F}' || c == '\u{212A}'
}

fn is_name_char(c: char) -> bool {
    is_name_start(c) || c.is_ascii_digit()
}

/// End (byte index) of the name starting at `start`, or `None` when there is no name there.
fn name_end(s: &str, start: usize) -> Option<usize> {
    let rest = s.get(start..)?;
    // ASCII names (nearly all) byte by byte; a non-ASCII character anywhere in the name
    // goes the way of chars (Go's case folding lets two of them in).
    let ascii = rest
        .bytes()
        .position(|b| !(b == b'_' || b.is_ascii_alphanumeric()))
        .unwrap_or(rest.len());
    if rest.as_bytes().get(ascii).is_none_or(u8::is_ascii) {
        // A digit first is no name.
        let named = rest
            .as_bytes()
            .first()
            .is_some_and(|&b| b == b'_' || b.is_ascii_alphabetic());
        return named.then_some(start + ascii);
    }
    let mut chars = rest.char_indices();
    let (_, first) = chars.next()?;
    if !is_name_start(first) {
        return None;
    }
    let len = chars
        .find(|&(_, c)| !is_name_char(c))
        .map_or(rest.len(), |(i, _)| i);
    Some(start + len)
}

/// What compose's pattern matches at the `$` at byte `start`, with the match's end; `None` when
/// the `$` is literal (`$ `, `$1`, `$}`, trailing `$`).
fn match_at(s: &str, start: usize) -> Option<(Kind, usize)> {
    let next = s.get(start + 1..)?.chars().next()?;
    if next == '$' {
        return Some((Kind::Escaped, start + 2));
    }
    if next != '{' {
        return name_end(s, start + 1).map(|end| (Kind::Named, end));
    }
    let invalid = Some((Kind::Invalid, start + 2));
    let Some(name_end) = name_end(s, start + 2) else {
        return invalid;
    };
    let bytes = s.as_bytes();
    match bytes.get(name_end) {
        Some(b'}') => return Some((Kind::Braced, name_end + 1)),
        Some(b':') | Some(b'-') | Some(b'+') | Some(b'?') => {}
        _ => return invalid,
    }
    let op_end = match (bytes.get(name_end), bytes.get(name_end + 1)) {
        (Some(b':'), Some(b'-' | b'+' | b'?')) => name_end + 2,
        (Some(b'-' | b'+' | b'?'), _) => name_end + 1,
        _ => return invalid,
    };
    // `(.*)}` with a greedy `.` that stops at a newline: the last `}` of the line.
    let line = s.get(op_end..)?;
    let line = line.split('\n').next().unwrap_or_default();
    match line.rfind('}') {
        Some(i) => Some((Kind::Braced, op_end + i + 1)),
        None => invalid,
    }
}

/// compose's operator choice: whichever separator occurs first in the whole match. One scan:
/// at any byte at most one separator starts (`:` and the bare `?`/`-`/`+` are different
/// bytes, and the byte after `:` picks one of the three), so the first hit is the answer.
/// With it, the byte index where its separator starts.
fn first_operator_at(text: &str) -> Option<(usize, Op)> {
    let bytes = text.as_bytes();
    bytes.iter().enumerate().find_map(|(i, &b)| {
        let op = match b {
            b':' => match bytes.get(i + 1) {
                Some(b'?') => Op::RequiredNonEmpty,
                Some(b'-') => Op::DefaultIfEmpty,
                Some(b'+') => Op::AltIfNonEmpty,
                _ => return None,
            },
            b'?' => Op::Required,
            b'-' => Op::DefaultIfUnset,
            b'+' => Op::AltIfSet,
            _ => return None,
        };
        Some((i, op))
    })
}

/// compose's `getFirstBraceClosingIndex`, including its habit of skipping the byte after
/// every `{` (so `${A:-{}}` has no balanced end and stays whole).
fn first_brace_closing_index(s: &str) -> Option<usize> {
    let bytes = s.as_bytes();
    let mut open = 0i64;
    let mut i = 0;
    while i < bytes.len() {
        if bytes.get(i) == Some(&b'}') {
            open -= 1;
            if open == 0 {
                return Some(i);
            }
        }
        if bytes.get(i) == Some(&b'{') {
            open += 1;
            i += 1;
        }
        i += 1;
    }
    None
}

/// Go's `strconv.Quote` (also what `%q` and `%#v` print for a string): double quotes, with
/// backslash escapes for quotes, backslashes and non-printable characters.
pub fn go_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if go_is_print(c) => out.push(c),
            c if (c as u32) < 0x80 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// Approximation of Go's `unicode.IsPrint`: graphic characters and the ASCII space; controls,
/// other spaces, format characters, private use and unassigned code points are not printable.
fn go_is_print(c: char) -> bool {
    let u = c as u32;
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    let format_or_private = matches!(u,
        0xAD | 0x600..=0x605 | 0x61C | 0x6DD | 0x70F | 0x180E | 0x200B..=0x200F | 0x202A..=0x202E
        | 0x2060..=0x206F | 0xFEFF | 0xFFF9..=0xFFFB | 0xE000..=0xF8FF | 0xFFFE | 0xFFFF
        | 0xE0001 | 0xE0020..=0xE007F | 0xF0000..);
    !format_or_private
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k: &str| vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
    }

    fn base() -> impl Fn(&str) -> Option<String> {
        env(&[
            ("FOO", "first"),
            ("EMPTY", ""),
            ("JSON", r#"{"json":2}"#),
            ("A", "aval"),
        ])
    }

    fn sub(t: &str) -> String {
        match substitute(t, &base()) {
            Ok(s) => s.value,
            Err(e) => panic!("{t:?}: unexpected error {e}"),
        }
    }

    fn unset(t: &str) -> Vec<String> {
        substitute(t, &base()).map(|s| s.unset).unwrap_or_default()
    }

    #[test]
    fn unset_variables_inside_a_default_are_told_apart() {
        let got = substitute("$top ${missing:-a$inner}${A:+$alt}", &base())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            got.unset,
            vec!["top", "inner", "alt"],
            "a defaulted variable is not unset"
        );
        assert_eq!(got.nested, vec!["inner", "alt"]);
        let plain = substitute("$x ${y}", &base()).unwrap_or_else(|e| panic!("{e}"));
        assert!(plain.nested.is_empty());
    }

    fn err(t: &str) -> String {
        match substitute(t, &base()) {
            Ok(s) => panic!("{t:?}: expected an error, got {:?}", s.value),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn plain_text_and_literal_dollars() {
        assert_eq!(sub("foo"), "foo");
        assert_eq!(sub("a $ string"), "a $ string");
        assert_eq!(sub("^REGEX$"), "^REGEX$");
        assert_eq!(sub("$}"), "$}");
        assert_eq!(sub("$"), "$");
        assert_eq!(sub("$1 $-x $ {"), "$1 $-x $ {");
        assert_eq!(sub(""), "");
    }

    #[test]
    fn escaped_dollar() {
        assert_eq!(sub("$${FOO}"), "${FOO}");
        assert_eq!(sub("$$FOO $$$FOO"), "$FOO $first");
        assert_eq!(sub("$$"), "$");
        assert_eq!(sub("$$$"), "$$");
    }

    #[test]
    fn named_and_braced() {
        assert_eq!(sub("This $FOO var"), "This first var");
        assert_eq!(sub("This ${FOO} var"), "This first var");
        assert_eq!(sub("$FOO-bar"), "first-bar");
        assert_eq!(sub("${FOO}${FOO}"), "firstfirst");
        assert_eq!(sub("$FOO.x"), "first.x");
    }

    #[test]
    fn names_are_case_insensitive_pattern_with_go_folding() {
        let look = env(&[("ſ", "longs"), ("\u{212A}", "kelvin"), ("_9", "u")]);
        let r = substitute("$ſ ${\u{212A}} $_9 ${_9}", &look).map(|s| s.value);
        assert_eq!(r, Ok("longs kelvin u u".to_string()));
        // A name cannot start with a digit: `$9` is literal.
        assert_eq!(sub("$9"), "$9");
    }

    #[test]
    fn unset_is_blank_and_reported_once_in_order() {
        assert_eq!(sub("This ${missing} var $other $missing"), "This  var  ");
        assert_eq!(
            unset("This ${missing} var $other $missing"),
            vec!["missing", "other"]
        );
        assert_eq!(sub("${EMPTY}"), "");
        assert!(unset("${EMPTY}").is_empty());
    }

    #[test]
    fn defaults() {
        assert_eq!(sub("ok ${missing:-def}"), "ok def");
        assert_eq!(sub("ok ${missing-def}"), "ok def");
        assert_eq!(sub("ok ${EMPTY:-def}"), "ok def");
        assert_eq!(sub("ok ${EMPTY-def}"), "ok ");
        assert_eq!(sub("ok ${FOO:-def}"), "ok first");
        assert_eq!(sub("ok ${FOO-def}"), "ok first");
        assert_eq!(
            sub("ok ${missing:-/non:-alphanumeric}"),
            "ok /non:-alphanumeric"
        );
        assert_eq!(sub("${missing-}"), "");
        // A defaulted variable is not reported as unset.
        assert!(unset("${missing:-x}${missing-y}").is_empty());
    }

    #[test]
    fn alternatives() {
        assert_eq!(sub("ok ${missing:+alt}"), "ok ");
        assert_eq!(sub("ok ${missing+alt}"), "ok ");
        assert_eq!(sub("ok ${EMPTY:+alt}"), "ok ");
        assert_eq!(sub("ok ${EMPTY+alt}"), "ok alt");
        assert_eq!(sub("ok ${FOO:+alt}"), "ok alt");
        assert_eq!(sub("ok ${FOO+alt}"), "ok alt");
    }

    #[test]
    fn required() {
        assert_eq!(sub("ok ${FOO:?err}"), "ok first");
        assert_eq!(sub("ok ${FOO?err}"), "ok first");
        assert_eq!(sub("ok ${EMPTY?err}"), "ok ");
        assert_eq!(
            err("not ok ${missing:?Mandatory Variable Unset}"),
            "required variable missing is missing a value: Mandatory Variable Unset"
        );
        assert_eq!(
            err("${EMPTY:?empty!}"),
            "required variable EMPTY is missing a value: empty!"
        );
        assert_eq!(
            err("${missing:?}"),
            "required variable missing is missing a value"
        );
        assert_eq!(
            err("${missing?}"),
            "required variable missing is missing a value"
        );
        assert_eq!(
            err("${missing?bar-baz}"),
            "required variable missing is missing a value: bar-baz"
        );
        assert_eq!(
            err("${missing?msg ${FOO}}"),
            "required variable missing is missing a value: msg first"
        );
        assert_eq!(
            substitute("${X:?m}", &base()),
            Err(TemplateError::Required {
                var: "X".into(),
                message: "m".into()
            })
        );
    }

    #[test]
    fn operator_is_the_first_separator() {
        assert_eq!(sub("${missing-myerror?msg}"), "myerror?msg");
        assert_eq!(sub("${missing-va:-lu:?e}"), "va:-lu:?e");
        assert_eq!(sub("${FOO+va?lu-e}"), "va?lu-e");
        assert_eq!(sub("${FOO:+va:?lu:-e}"), "va:?lu:-e");
        assert_eq!(
            err("${missing?val:?ue}"),
            "required variable missing is missing a value: val:?ue"
        );
    }

    #[test]
    fn outer_text_does_not_interfere() {
        assert_eq!(sub("-ok ${EMPTY:-defaultValue}"), "-ok defaultValue");
        assert_eq!(sub(":-ok ${EMPTY-defaultValue}"), ":-ok ");
        assert_eq!(sub(":?ok ${EMPTY:-d}"), ":?ok d");
        assert_eq!(sub("+ok ${UNSET:-${EMPTY-defaultValue}}"), "+ok ");
    }

    #[test]
    fn nested_expansion() {
        assert_eq!(sub("ok ${missing-$FOO}"), "ok first");
        assert_eq!(sub("ok ${missing-${FOO}}"), "ok first");
        assert_eq!(sub("ok ${missing-${FOO} ${FOO}}"), "ok first first");
        assert_eq!(sub("ok ${EMPTY:-${FOO}}"), "ok first");
        assert_eq!(sub("ok ${FOO+$FOO ${FOO:+second}}"), "ok first second");
        assert_eq!(sub("${A:-${B:-${C:-deep}}}"), "aval");
        assert_eq!(sub("${X:-${B:-${C:-deep}}}"), "deep");
    }

    #[test]
    fn unused_default_is_still_substituted() {
        // compose warns about B although A is set...
        assert_eq!(sub("${A:-${B}}"), "aval");
        assert_eq!(unset("${A:-${B}}"), vec!["B"]);
        assert_eq!(unset("${A:+${C}}"), vec!["C"]);
        // ...and fails on a required variable inside an unused message.
        assert_eq!(
            err("${A:?${B:?eb}}"),
            "required variable B is missing a value: eb"
        );
    }

    #[test]
    fn braces_and_trailing_text() {
        assert_eq!(sub(r#"ok ${missing:-{"json":1}}"#), r#"ok {"json":1}"#);
        assert_eq!(sub(r#"ok ${JSON-{"json":1}}"#), r#"ok {"json":2}"#);
        assert_eq!(sub("${missing-{}}"), "{}");
        assert_eq!(sub("${A:-x}}"), "aval}");
        assert_eq!(sub("x${A:-a}y}z ${A:-q} and ${D}"), "xavaly}z aval and ");
        assert_eq!(unset("x${A:-a}y}z ${A:-q} and ${D}"), vec!["D"]);
        assert_eq!(sub("${A:-$}"), "aval");
        assert_eq!(sub("${missing-a}\n${FOO}}"), "a\nfirst}");
    }

    #[test]
    fn invalid_templates() {
        for t in [
            "${", "${}", "${ }", "${ foo}", "${foo }", "${foo!}", "${FOO:x}", "${9}", "${FOO:-x",
        ] {
            assert_eq!(err(t), format!("Invalid template: {}", go_quote(t)), "{t}");
        }
        assert_eq!(err("x ${A:-y"), r#"Invalid template: "x ${A:-y""#);
        // The value does not continue past a newline.
        assert_eq!(err("${A:-a\nb}"), r#"Invalid template: "${A:-a\nb}""#);
    }

    #[test]
    fn invalid_nested_names_the_innermost_template() {
        assert_eq!(err("${A:-${B}"), r#"Invalid template: "${B""#);
        assert_eq!(err("${A:-${A:-}x ${}"), r#"Invalid template: "${A:-}x ${""#);
        assert_eq!(err("${A:-z} ${"), r#"Invalid template: "${A:-z} ${""#);
    }

    #[test]
    fn first_error_wins() {
        assert_eq!(
            err("${X:?one} ${Y:?two}"),
            "required variable X is missing a value: one"
        );
        assert_eq!(err("${ ${X:?one}"), r#"Invalid template: "${ ${X:?one}""#);
    }

    #[test]
    fn go_quote_matches_strconv_quote() {
        assert_eq!(go_quote("a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(go_quote("é\t\u{1}\u{7f}\u{a0}"), r#""é\t\x01\x7f\u00a0""#);
        assert_eq!(go_quote("\u{feff}x\u{10ffff}"), r#""\ufeffx\U0010ffff""#);
    }

    proptest! {
        #[test]
        fn doubled_dollars_round_trip(s in "\\PC*|[${}:?+a-z_-]*") {
            let escaped = s.replace('$', "$$");
            let r = substitute(&escaped, &|_| Some("X".to_string()));
            prop_assert_eq!(r, Ok(Substituted { value: s.clone(), unset: vec![], nested: vec![] }));
        }

        /// The ASCII shortcut ends a name where the char-by-char definition does, with
        /// Go's two folded letters, digits and other non-ASCII characters about.
        #[test]
        fn name_end_matches_the_char_definition(
            s in "[a-zA-Z0-9_\u{17F}\u{212A}\u{E9}${}:-]{0,10}",
            start in 0usize..4,
        ) {
            let by_chars = s.get(start..).and_then(|rest| {
                let mut chars = rest.char_indices();
                let (_, first) = chars.next()?;
                if !is_name_start(first) {
                    return None;
                }
                let len = chars.find(|&(_, c)| !is_name_char(c)).map_or(rest.len(), |(i, _)| i);
                Some(start + len)
            });
            prop_assert_eq!(name_end(&s, start), by_chars);
        }

        /// The one-scan operator choice against the definition: the separator found first
        /// by searching for each, ties going to the earlier in compose's list.
        #[test]
        fn first_operator_is_the_earliest_separator(s in "[:?+a-z{}$-]{0,12}|\\PC{0,8}") {
            let ops = [Op::RequiredNonEmpty, Op::Required, Op::DefaultIfEmpty,
                Op::DefaultIfUnset, Op::AltIfNonEmpty, Op::AltIfSet];
            let by_search = ops
                .iter()
                .filter_map(|&op| s.find(op.sep()).map(|i| (i, op)))
                .min_by_key(|&(i, _)| i);
            prop_assert_eq!(first_operator_at(&s), by_search);
        }
    }

    #[test]
    fn nesting_is_bounded_and_compose_depths_still_work() {
        let nested = |n: usize| format!("{}v{}", "${NOPE:-".repeat(n), "}".repeat(n));
        let r = substitute(&nested(MAX_DEPTH), &base()).map(|s| s.value);
        assert_eq!(r, Ok("v".to_string()));
        assert!(matches!(
            substitute(&nested(MAX_DEPTH + 1), &base()),
            Err(TemplateError::TooComplex { .. })
        ));
    }
}
