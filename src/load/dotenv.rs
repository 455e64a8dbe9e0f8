//! The `.env` / `env_file` parser, reproducing compose-go v2.9.1 `dotenv` (parser.go):
//! `KEY=VALUE`, `KEY: VALUE`, `export KEY=...`, `#` comment lines, unquoted values (cut at
//! ` #`, trimmed), single-quoted values (literal, `\'` allowed), double-quoted values (escapes
//! `\n \t \\ \" \$ \0ooo`...), multi-line quoted values, and a bare `KEY` line, which takes
//! `KEY`'s value from the lookup or is skipped. Unquoted and double-quoted values go through
//! variable substitution, looking names up in the caller's lookup first, then in the keys the
//! file has already set. Quirks kept: a last line without `=` and without a newline sets the key
//! `""`; text after a closing quote starts a new statement.

use crate::diag::{LoadError, Warning};
use crate::load::interpolate::unset_message;
use crate::load::node::KeyPath;
use crate::load::template::{go_quote, substitute};
use crate::source::{FileId, Span};
use indexmap::IndexMap;

/// Parse an env file into a new map. Unset variables referenced in values become empty (see
/// [`parse_into`] to get compose's warnings about them).
pub fn parse(
    text: &str,
    file: FileId,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<IndexMap<String, String>, LoadError> {
    let mut vars = IndexMap::new();
    parse_into(text, file, lookup, &mut vars, &mut Vec::new())?;
    Ok(vars)
}

/// compose's `parseWithLookup(r, vars, lookup)`: parse an env file into `vars`, which may already
/// hold values (earlier env files, or a service's `environment`). Substitution looks a name up
/// in `lookup` first, then in `vars` as it is at that point, so a key of this file shadows the
/// same key from an earlier file. A bare `KEY` line only consults `lookup`. One warning per
/// unset variable per value.
pub fn parse_into(
    text: &str,
    file: FileId,
    lookup: &dyn Fn(&str) -> Option<String>,
    vars: &mut IndexMap<String, String>,
    warnings: &mut Vec<Warning>,
) -> Result<(), LoadError> {
    let bom = if text.starts_with('\u{FEFF}') {
        '\u{FEFF}'.len_utf8()
    } else {
        0
    };
    let mut parser = Parser {
        text,
        newlines: text.match_indices('\n').map(|(i, _)| i).collect(),
        file,
        lookup,
        warnings,
        out: vars,
    };
    let mut cur = bom;
    while let Some(start) = parser.statement_start(cur) {
        cur = parser.statement(start)?;
    }
    Ok(())
}

/// A key as `locateKeyName` finds it.
struct KeyLoc {
    key: String,
    /// Byte offset where the key starts (after `export`).
    start: usize,
    /// Byte offset where the value starts (separator and leading blanks skipped).
    rest: usize,
    /// A bare `KEY` line: the value comes from the lookup.
    inherited: bool,
}

struct Parser<'a> {
    text: &'a str,
    /// Offsets of every `\n`, so a position is found without rescanning the file.
    newlines: Vec<usize>,
    file: FileId,
    lookup: &'a dyn Fn(&str) -> Option<String>,
    warnings: &'a mut Vec<Warning>,
    out: &'a mut IndexMap<String, String>,
}

impl Parser<'_> {
    fn span(&self, offset: usize) -> Span {
        let offset = offset.min(self.text.len());
        // Newlines before `offset`: their count is the line index, the last one ends the
        // previous line.
        let above = self.newlines.partition_point(|&n| n < offset);
        let line = above + 1;
        let line_start = above
            .checked_sub(1)
            .and_then(|i| self.newlines.get(i))
            .map_or(0, |n| n + 1);
        let col = self
            .text
            .get(line_start..offset)
            .map_or(0, |l| l.chars().count())
            + 1;
        Span::new(
            self.file,
            u32::try_from(line).unwrap_or(u32::MAX),
            u32::try_from(col).unwrap_or(u32::MAX),
        )
    }

    fn error(&self, offset: usize, message: impl Into<String>) -> LoadError {
        LoadError::new(self.span(offset), KeyPath::root(), message)
    }

    /// compose's `getStatementStart`: skip whitespace and `#` comment lines.
    fn statement_start(&self, mut cur: usize) -> Option<usize> {
        loop {
            let rest = self.text.get(cur..)?;
            let start = cur + rest.find(|c: char| !c.is_whitespace())?;
            if self.text.as_bytes().get(start) != Some(&b'#') {
                return Some(start);
            }
            cur = start + self.text.get(start..)?.find('\n')?;
        }
    }

    /// Parse one statement starting at `start`; returns where the next one may start.
    fn statement(&mut self, start: usize) -> Result<usize, LoadError> {
        let loc = self.locate_key(start)?;
        if loc.key.contains(' ') {
            return Err(self.error(loc.start, "key cannot contain a space"));
        }
        if loc.inherited {
            if let Some(v) = (self.lookup)(&loc.key) {
                self.out.insert(loc.key, v);
            }
            return Ok(loc.rest);
        }
        let (value, next) = self.value(&loc.key, loc.rest)?;
        self.out.insert(loc.key, value);
        Ok(next)
    }

    /// compose's `locateKeyName`.
    fn locate_key(&self, start: usize) -> Result<KeyLoc, LoadError> {
        let text = self.text;
        let mut s = start;
        if starts_with_export(text.get(s..).unwrap_or_default()) {
            s += "export".len();
            s = skip_blanks(text, s);
        }
        let src = text.get(s..).unwrap_or_default();
        if src.is_empty() {
            // Only `export` and blanks were left.
            return Err(self.error(s, "zero length string"));
        }
        for (i, c) in src.char_indices() {
            if is_blank(c) {
                continue;
            }
            match c {
                '=' | ':' | '\n' => {
                    let key = src
                        .get(..i)
                        .unwrap_or_default()
                        .trim_end_matches(char::is_whitespace);
                    return Ok(KeyLoc {
                        key: key.to_string(),
                        start: s,
                        rest: skip_blanks(text, s + i + 1),
                        inherited: c == '\n',
                    });
                }
                '_' | '.' | '-' | '[' | ']' => {}
                c if is_go_letter_or_number(c) => {}
                c => {
                    let line = src.split('\n').next().unwrap_or_default();
                    let message = format!(
                        "unexpected character {} in variable name {}",
                        go_quote(&c.to_string()),
                        go_quote(line)
                    );
                    return Err(self.error(s + i, message));
                }
            }
        }
        // No separator before the end: compose reads the whole rest as the value of key "".
        Ok(KeyLoc {
            key: String::new(),
            start: s,
            rest: skip_blanks(text, s),
            inherited: false,
        })
    }

    /// compose's `extractVarValue`: the value at `start` and where the next statement may start.
    fn value(&mut self, key: &str, start: usize) -> Result<(String, usize), LoadError> {
        let text = self.text;
        let src = text.get(start..).unwrap_or_default();
        let quote = match src.as_bytes().first() {
            Some(&q @ (b'"' | b'\'')) => q,
            _ => {
                let (line, next) = match src.find('\n') {
                    Some(i) => (src.get(..i).unwrap_or_default(), start + i + 1),
                    None => (src, text.len()),
                };
                let line = line
                    .split(" #")
                    .next()
                    .unwrap_or_default()
                    .trim_end_matches(char::is_whitespace);
                return Ok((self.expand(key, line, start)?, next));
            }
        };
        let Some((raw, end)) = quoted_body(src, quote) else {
            let line = src.split('\n').next().unwrap_or_default();
            return Err(self.error(start, format!("unterminated quoted value {line}")));
        };
        let value = if quote == b'"' {
            self.expand(key, &expand_escapes(&raw), start)?
        } else {
            raw
        };
        Ok((value, start + end))
    }

    /// Variable substitution in a value: the lookup first, then the keys set so far.
    fn expand(&mut self, key: &str, value: &str, offset: usize) -> Result<String, LoadError> {
        let out = &*self.out;
        let lookup = self.lookup;
        let resolve = |k: &str| lookup(k).or_else(|| out.get(k).cloned());
        let substituted =
            substitute(value, &resolve).map_err(|e| self.error(offset, e.to_string()))?;
        let span = self.span(offset);
        for var in &substituted.unset {
            self.warnings.push(Warning {
                span,
                path: KeyPath::root().key(key),
                message: unset_message(var),
            });
        }
        Ok(substituted.value)
    }
}

/// The text between the quote at the start of `src` and its closing quote (`\<quote>` becomes
/// the quote, other backslashes are kept), and the byte offset just past the closing quote.
fn quoted_body(src: &str, quote: u8) -> Option<(String, usize)> {
    let mut chars: Vec<u8> = Vec::new();
    let mut escaped = false;
    for (i, &c) in src.as_bytes().iter().enumerate().skip(1) {
        if c == quote {
            if escaped {
                escaped = false;
                chars.push(c);
                continue;
            }
            // Only ASCII bytes were dropped, so the bytes are still UTF-8.
            return Some((String::from_utf8_lossy(&chars).into_owned(), i + 1));
        }
        if !escaped && c == b'\\' {
            escaped = true;
            continue;
        }
        if escaped {
            escaped = false;
            chars.push(b'\\');
        }
        chars.push(c);
    }
    None
}

/// compose's `expandEscapes` for double-quoted values: `\a \b \f \n \r \t \v \" \\` and
/// `\0` followed by three octal digits become the character; `\$` becomes `$$` (a literal `$`
/// after substitution); an incomplete `\0..` loses its `0`; anything else stays as written.
fn expand_escapes(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('\\') {
        out.push_str(rest.get(..i).unwrap_or_default());
        let after = rest.get(i + 1..).unwrap_or_default();
        let (replacement, used) = escape(after);
        out.push_str(&replacement);
        rest = after.get(used..).unwrap_or_default();
    }
    out.push_str(rest);
    out
}

/// One escape: `after` is the text following a backslash; returns the replacement and how many
/// bytes of `after` it consumed.
fn escape(after: &str) -> (String, usize) {
    let Some(c) = after.chars().next() else {
        return ("\\".to_string(), 0);
    };
    let simple = match c {
        'a' => Some("\u{7}"),
        'b' => Some("\u{8}"),
        'f' => Some("\u{c}"),
        'n' => Some("\n"),
        'r' => Some("\r"),
        't' => Some("\t"),
        'v' => Some("\u{b}"),
        '"' => Some("\""),
        '\\' => Some("\\"),
        '$' => Some("$$"),
        // `\c` is matched by compose's pattern but is no Go escape: kept as written.
        'c' => Some("\\c"),
        _ => None,
    };
    if let Some(r) = simple {
        return (r.to_string(), 1);
    }
    if c != '0' {
        return ("\\".to_string(), 0);
    }
    let digits: String = after
        .chars()
        .skip(1)
        .take_while(char::is_ascii_digit)
        .take(3)
        .collect();
    (octal_escape(&digits), 1 + digits.len())
}

/// `\0ddd` is rewritten to `\ddd` and unquoted the Go way: exactly three octal digits up to
/// `\377` give that code point; otherwise `\ddd` stays as text.
fn octal_escape(digits: &str) -> String {
    let value = (digits.len() == 3)
        .then(|| u32::from_str_radix(digits, 8).ok())
        .flatten();
    match value.filter(|&v| v <= 255).and_then(char::from_u32) {
        Some(ch) => ch.to_string(),
        None => format!("\\{digits}"),
    }
}

/// compose's `^export\s+` (`\s` being ASCII `[\t\n\f\r ]`).
fn starts_with_export(s: &str) -> bool {
    s.strip_prefix("export")
        .and_then(|r| r.bytes().next())
        .is_some_and(|b| matches!(b, b'\t' | b'\n' | b'\x0c' | b'\r' | b' '))
}

/// compose's `isSpace`: blanks, but not the line feed.
fn is_blank(c: char) -> bool {
    matches!(
        c,
        '\t' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{85}' | '\u{a0}'
    )
}

fn skip_blanks(text: &str, from: usize) -> usize {
    let rest = text.get(from..).unwrap_or_default();
    from + rest.find(|c: char| !is_blank(c)).unwrap_or(rest.len())
}

/// Go's `unicode.IsLetter || unicode.IsNumber`, approximated with Rust's Unicode properties
/// (which also count combining vowel signs as alphabetic).
fn is_go_letter_or_number(c: char) -> bool {
    c.is_alphabetic() || c.is_numeric()
}

#[cfg(test)]
mod tests {
    use super::*;

    const F: FileId = FileId(3);

    fn look(k: &str) -> Option<String> {
        match k {
            "HOME" => Some("/h".into()),
            "FOO" => Some("outer".into()),
            "EMPTY" => Some(String::new()),
            _ => None,
        }
    }

    fn env(text: &str) -> Vec<(String, String)> {
        match parse(text, F, &look) {
            Ok(m) => m.into_iter().collect(),
            Err(e) => panic!("{text:?}: unexpected error {e}"),
        }
    }

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn err(text: &str) -> (u32, u32, String) {
        match parse(text, F, &look) {
            Ok(m) => panic!("{text:?}: expected an error, got {m:?}"),
            Err(e) => (e.span.line, e.span.col, e.message),
        }
    }

    #[test]
    fn plain_assignments_and_spacing() {
        let text =
            "A=1\nB=2\nC= 3\nD =4\nE = 5\n456 = ABC\nF = \nG=\nH = my string # Inline comment\n";
        assert_eq!(
            env(text),
            pairs(&[
                ("A", "1"),
                ("B", "2"),
                ("C", "3"),
                ("D", "4"),
                ("E", "5"),
                ("456", "ABC"),
                ("F", ""),
                ("G", ""),
                ("H", "my string")
            ])
        );
    }

    #[test]
    fn yaml_style_export_and_key_characters() {
        let text =
            "A: yaml\nexport B=exp\nexport\tC=tab\nVAR.WITH.DOTS=d\nVAR-DASH=x\n[a]=1\né=2\n";
        assert_eq!(
            env(text),
            pairs(&[
                ("A", "yaml"),
                ("B", "exp"),
                ("C", "tab"),
                ("VAR.WITH.DOTS", "d"),
                ("VAR-DASH", "x"),
                ("[a]", "1"),
                ("é", "2")
            ])
        );
        // `exportX=1` is a key named exportX.
        assert_eq!(env("exportX=1"), pairs(&[("exportX", "1")]));
    }

    #[test]
    fn comments() {
        let text = "# c1\n  # c2\nA1= #x\nA2=b#c\nA3=b #c\nA4=b\t#c\nA5=\"q\" # after\n#last";
        assert_eq!(
            env(text),
            pairs(&[
                ("A1", "#x"),
                ("A2", "b#c"),
                ("A3", "b"),
                ("A4", "b\t#c"),
                ("A5", "q")
            ])
        );
    }

    #[test]
    fn single_quotes_are_literal() {
        let text = "A='1'\nB=''\nC='\\n'\nD='Let\\'s go!'\nE='a\\\\b'\nF='$HOME ${X'\nG='a\nb'\n";
        assert_eq!(
            env(text),
            pairs(&[
                ("A", "1"),
                ("B", ""),
                ("C", "\\n"),
                ("D", "Let's go!"),
                ("E", "a\\\\b"),
                ("F", "$HOME ${X"),
                ("G", "a\nb")
            ])
        );
    }

    #[test]
    fn double_quotes_expand_escapes_and_variables() {
        let text = r#"A="1"
B=""
C="\n\t\r|\a\b\f\v"
D="say \"hi\" \\ \c"
E="$HOME ${FOO}"
F="\$HOME $$HOME"
G="multi
line"
"#;
        assert_eq!(
            env(text),
            pairs(&[
                ("A", "1"),
                ("B", ""),
                ("C", "\n\t\r|\u{7}\u{8}\u{c}\u{b}"),
                ("D", "say \"hi\" \\ \\c"),
                ("E", "/h outer"),
                ("F", "$HOME $HOME"),
                ("G", "multi\nline"),
            ])
        );
    }

    #[test]
    fn octal_escapes() {
        let text = r#"A="\0101 \01 \0 \0777 \0377 \0129 \0089 \01234""#;
        assert_eq!(
            env(text),
            pairs(&[("A", "A \\1 \\ \\777 \u{ff} \\129 \\089 S4")])
        );
    }

    #[test]
    fn unquoted_values_expand_variables_but_not_escapes() {
        let text = "A4=\\$HOME x\nA5=\\n\nA6=$$HOME\n";
        assert_eq!(
            env(text),
            pairs(&[("A4", "\\/h x"), ("A5", "\\n"), ("A6", "$HOME")])
        );
    }

    #[test]
    fn expansion_prefers_the_lookup_over_earlier_keys() {
        let text = "FOO=inner\nX=$FOO\nOPT=1\nY=${OPT}_${OPT:-z}\nZ=${NOPE}\n";
        assert_eq!(
            env(text),
            pairs(&[
                ("FOO", "inner"),
                ("X", "outer"),
                ("OPT", "1"),
                ("Y", "1_1"),
                ("Z", "")
            ])
        );
    }

    #[test]
    fn bare_keys_inherit_from_the_lookup() {
        assert_eq!(
            env("a=1\nHOME\nNOT_FOUND\nb=2\n"),
            pairs(&[("a", "1"), ("HOME", "/h"), ("b", "2")])
        );
        assert_eq!(env("EMPTY\n"), pairs(&[("EMPTY", "")]));
        // The last line without a newline and without `=` sets the key "".
        assert_eq!(env("a=1\nFOO"), pairs(&[("a", "1"), ("", "FOO")]));
        // Text after a closing quote is a new statement.
        assert_eq!(env("A=\"q\" HOME\n"), pairs(&[("A", "q"), ("HOME", "/h")]));
    }

    #[test]
    fn later_assignment_wins() {
        assert_eq!(env("A=1\nB=2\nA=3\n"), pairs(&[("A", "3"), ("B", "2")]));
    }

    #[test]
    fn bom_and_crlf() {
        assert_eq!(
            env("\u{FEFF}A=1\r\nB = \"x\"\r\nC\r\n"),
            pairs(&[("A", "1"), ("B", "x")])
        );
        assert_eq!(env("\r\n\r\nHOME\r\n"), pairs(&[("HOME", "/h")]));
    }

    #[test]
    fn empty_files() {
        assert!(env("").is_empty());
        assert!(env("\n  \n# only comments\n").is_empty());
    }

    #[test]
    fn errors_with_positions() {
        assert_eq!(
            err("A B=1\n"),
            (1, 1, "key cannot contain a space".to_string())
        );
        assert_eq!(
            err("\n\n  # c\n  B C\n"),
            (4, 3, "key cannot contain a space".to_string())
        );
        assert_eq!(
            err("OK=1\nA!=1\n"),
            (
                2,
                2,
                r#"unexpected character "!" in variable name "A!=1""#.to_string()
            )
        );
        assert_eq!(
            err("export $X=1"),
            (
                1,
                8,
                r#"unexpected character "$" in variable name "$X=1""#.to_string()
            )
        );
        assert_eq!(
            err("X=1\nA=\"unterminated\nB=2\n"),
            (2, 3, "unterminated quoted value \"unterminated".to_string())
        );
        assert_eq!(
            err("A='x"),
            (1, 3, "unterminated quoted value 'x".to_string())
        );
        assert_eq!(
            err("A=1\nexport  "),
            (2, 9, "zero length string".to_string())
        );
        assert_eq!(
            err("X=1\nA=${\n"),
            (2, 3, r#"Invalid template: "${""#.to_string())
        );
        assert_eq!(
            err("A=\"${B:?need}\""),
            (
                1,
                3,
                "required variable B is missing a value: need".to_string()
            )
        );
    }

    #[test]
    fn parse_into_sees_earlier_values_after_the_lookup_and_the_file() {
        let mut vars: IndexMap<String, String> =
            [("FOO", "base"), ("BAR", "base"), ("HOME", "base")]
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
        let text =
            "BAR=override\nI_BAR=${BAR}\nI_ZOT=${ZOT:-none}\nI_FOO=$FOO\nI_HOME=$HOME\nZOT=late\n";
        assert_eq!(
            parse_into(text, F, &look, &mut vars, &mut Vec::new()),
            Ok(())
        );
        let got: Vec<(String, String)> = vars.into_iter().collect();
        assert_eq!(
            got,
            pairs(&[
                ("FOO", "base"),
                ("BAR", "override"),
                ("HOME", "base"),
                ("I_BAR", "override"),
                ("I_ZOT", "none"),
                ("I_FOO", "outer"),
                ("I_HOME", "/h"),
                ("ZOT", "late"),
            ])
        );
    }

    #[test]
    fn warnings_for_unset_variables() {
        let mut warnings = Vec::new();
        let mut vars = IndexMap::new();
        let r = parse_into(
            "A=1\nB=${NOPE}$NOPE2\nC='$NOPE3'\n",
            F,
            &look,
            &mut vars,
            &mut warnings,
        );
        assert_eq!(r, Ok(()));
        assert_eq!(vars.len(), 3);
        let got: Vec<(u32, String, String)> = warnings
            .into_iter()
            .map(|w| (w.span.line, w.path.to_string(), w.message))
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    2,
                    "B".to_string(),
                    r#"the "NOPE" variable is not set, defaulting to a blank string"#.to_string()
                ),
                (
                    2,
                    "B".to_string(),
                    r#"the "NOPE2" variable is not set, defaulting to a blank string"#.to_string()
                ),
            ]
        );
    }
}
