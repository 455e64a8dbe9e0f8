//! Building and printing HCL: every string from the compose file goes through [`literal`]
//! (HCL quoting plus Nomad's `${`/`%{` escapes, done here because hcl-rs's own marker
//! escaping mishandles runs such as `$${`), or — inside a task driver's `config` block —
//! through [`config_literal`], which escapes for the Nomad client's second evaluation as
//! well; [`print`] formats a body with hcl-rs and then aligns `=` the way `nomad fmt`
//! (hclwrite) does.

use hcl::expr::{Expression, Heredoc, HeredocStripMode, Object, ObjectKey, TemplateExpr};
use hcl::structure::{Attribute, Block, Body, Structure};

/// An expression that evaluates to exactly `s`: no interpolation, no directive.
pub fn literal(s: &str) -> Expression {
    Expression::TemplateExpr(Box::new(TemplateExpr::QuotedString(quoted_template(s))))
}

/// A string inside a task driver's `config` block, escaped for both evaluations it goes
/// through. The jobspec parser evaluates it once (`$${` → `${`); then the Nomad client
/// JSON-encodes the whole driver config, parses it as HCL JSON and evaluates every string
/// as a template again, against the task's environment and node attributes
/// (client/allocrunner/taskrunner/task_runner.go `runDriver` →
/// helper/pluginutils/hclutils `ParseHclInterface`; hcl/json/structure.go evaluates
/// strings as templates whenever there is an eval context). So compose's literal `${X}`
/// must reach the client as `$${X}`, i.e. be written `$$${X}` here (and `%{` as `%%%{`),
/// or the task fails with "Unknown variable" or gets `X` substituted.
pub fn config_literal(s: &str) -> Expression {
    literal(&escape_markers(s))
}

/// A list of [`config_literal`] strings (`list(string)` driver options).
pub fn config_strings<'a>(items: impl IntoIterator<Item = &'a str>) -> Expression {
    Expression::Array(items.into_iter().map(config_literal).collect())
}

/// The string a [`config_literal`] expression stands for.
pub fn config_unquote(e: &Expression) -> String {
    unescape_markers(&unquote(e))
}

/// A Nomad run-time attribute such as `${meta.rack}`: a template when the `${...}` holds a
/// traversal HCL can read, else the same text with `${` escaped (`$${meta..rack}`), which
/// the jobspec parser hands to Nomad unchanged for its own run-time lookup (label keys come
/// from the compose file and need not be HCL identifiers).
pub fn interpolated(attribute: &str) -> Expression {
    let traversal = attribute
        .strip_prefix("${")
        .and_then(|r| r.strip_suffix('}'))
        .is_some_and(|t| t.split('.').all(is_identifier));
    if traversal {
        Expression::TemplateExpr(Box::new(TemplateExpr::QuotedString(attribute.to_string())))
    } else {
        literal(attribute)
    }
}

/// Multi-line text as a heredoc when it can be one byte-exactly (ends with a newline, no
/// carriage returns, no line equal to the delimiter), else a quoted string.
pub fn text(s: &str) -> Expression {
    let ok = s.ends_with('\n')
        && !s.contains('\r')
        && s.lines().all(|l| l.trim() != "EOF")
        && !s.contains(|c: char| c.is_control() && c != '\n' && c != '\t');
    if !ok || s.lines().count() < 2 {
        return literal(s);
    }
    let body = escape_markers(s);
    let mut doc = Heredoc::new(hcl::Identifier::unchecked("EOF"), body);
    doc.strip = HeredocStripMode::None;
    Expression::from(doc)
}

/// The raw text between the quotes of an HCL quoted template that yields `s`.
pub fn quoted_template(s: &str) -> String {
    let marked = escape_markers(s);
    let mut out = String::with_capacity(marked.len() + 2);
    for c in marked.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out
}

/// Double the `$` of every `${` and the `%` of every `%{`: HCL reads `$${` as a literal `${`.
/// A run like `$${` becomes `$$${` (the scanner takes the first `$` literally).
pub fn escape_markers(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(c);
        if (c == '$' || c == '%') && chars.peek() == Some(&'{') {
            out.push(c);
        }
    }
    out
}

/// The string a [`literal`] (or plain string) expression stands for; other expressions give
/// their HCL text.
pub fn unquote(e: &Expression) -> String {
    match e {
        Expression::String(s) => s.clone(),
        Expression::TemplateExpr(t) => match t.as_ref() {
            TemplateExpr::QuotedString(raw) => unescape_markers(&unescape_quoted(raw)),
            TemplateExpr::Heredoc(h) => unescape_markers(&h.template),
        },
        other => other.to_string(),
    }
}

/// Undo HCL's backslash escapes of a quoted string.
pub fn unescape_quoted(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('u') => {
                let hex: String = chars.by_ref().take(4).collect();
                if let Some(ch) = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    out.push(ch);
                }
            }
            Some('U') => {
                let hex: String = chars.by_ref().take(8).collect();
                if let Some(ch) = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    out.push(ch);
                }
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

/// Undo [`escape_markers`]: `$${` reads as `${` and `%%{` as `%{`.
pub fn unescape_markers(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    for (i, &c) in chars.iter().enumerate() {
        let doubled = (c == '$' || c == '%')
            && chars.get(i + 1) == Some(&c)
            && chars.get(i + 2) == Some(&'{');
        if !doubled {
            out.push(c);
        }
    }
    out
}

/// A bare HCL identifier that needs no quoting as an attribute or object key.
pub fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    first_ok
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !matches!(s, "true" | "false" | "null" | "for" | "in" | "if" | "endif")
}

/// `name = value`.
pub fn attr(name: &str, value: impl Into<Expression>) -> Attribute {
    Attribute::new(hcl::Identifier::unchecked(name), value)
}

/// A list of literal strings.
pub fn strings<'a>(items: impl IntoIterator<Item = &'a str>) -> Expression {
    Expression::Array(items.into_iter().map(literal).collect())
}

/// A string map: a block (`name { KEY = "v" }`) when every key is an identifier, else the
/// attribute form (`name = { "a.b" = "v" }`), which Nomad accepts for maps.
pub fn map<'a>(name: &str, entries: impl IntoIterator<Item = (&'a str, &'a str)>) -> Structure {
    map_with(name, entries, literal, literal)
}

/// A string map inside a driver `config` whose option is a `list(map(string))` attribute
/// (labels, sysctl, ulimit, logging config): the client's HCL JSON pass evaluates object
/// keys as templates too ("we allow keys to contain interpolation expressions",
/// hcl/json/structure.go), so keys and values are both [`config_literal`].
pub fn config_map<'a>(
    name: &str,
    entries: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Structure {
    map_with(name, entries, config_literal, config_literal)
}

/// A string map inside a driver `config` whose option is a block of attributes
/// (`hclspec.NewBlockAttrs`, e.g. the docker driver's `storage_opt`): the client takes the
/// attribute names as they are and evaluates only the values.
pub fn config_block_attrs<'a>(
    name: &str,
    entries: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Structure {
    map_with(name, entries, literal, config_literal)
}

fn map_with<'a>(
    name: &str,
    entries: impl IntoIterator<Item = (&'a str, &'a str)>,
    key: fn(&str) -> Expression,
    value: fn(&str) -> Expression,
) -> Structure {
    let entries: Vec<(&str, &str)> = entries.into_iter().collect();
    // Identifiers hold no `$` or `%`, so the block form needs no key escaping.
    if entries.iter().all(|(k, _)| is_identifier(k)) {
        let mut b = Block::builder(name);
        for (k, v) in entries {
            b = b.add_attribute(Attribute::new(hcl::Identifier::unchecked(k), value(v)));
        }
        return Structure::Block(b.build());
    }
    let mut obj: Object<ObjectKey, Expression> = Object::new();
    for (k, v) in entries {
        obj.insert(ObjectKey::Expression(key(k)), value(v));
    }
    Structure::Attribute(attr(name, Expression::Object(obj)))
}

/// Format a body as `nomad fmt` would print it.
pub fn print(body: &Body) -> Result<String, hcl::Error> {
    let mut fmt = hcl::format::Formatter::builder()
        .compact_arrays(true)
        .build_vec();
    hcl::format::Format::format(body, &mut fmt)?;
    let bytes = fmt.into_inner();
    Ok(align(&String::from_utf8_lossy(&bytes)))
}

/// Align the `=` of consecutive attribute lines, following hclwrite's rules: a line takes
/// part when its value is a whole expression (brackets balanced on the line); any other line
/// (blank, block header, closing brace, opening of a multi-line value) ends the run. Heredoc
/// bodies belong to the line that opened them.
pub fn align(text: &str) -> String {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut cells: Vec<Option<usize>> = Vec::with_capacity(lines.len());
    let mut heredoc: Option<String> = None;
    let mut owner: Vec<usize> = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        if let Some(delim) = &heredoc {
            if line.trim() == delim {
                heredoc = None;
            }
            cells.push(None);
            owner.push(owner.last().copied().unwrap_or(i));
            continue;
        }
        owner.push(i);
        let cell = assign_column(line);
        if cell.is_some()
            && let Some(rest) = line.find("<<").and_then(|pos| line.get(pos + 2..))
        {
            let delim = rest.trim().trim_start_matches('-').to_string();
            if !delim.is_empty() && !delim.contains(' ') {
                heredoc = Some(delim);
            }
        }
        cells.push(cell);
    }
    // Runs of lines that have an assign cell (heredoc bodies are transparent).
    let mut out_width: Vec<Option<usize>> = vec![None; lines.len()];
    let mut run: Vec<usize> = Vec::new();
    let flush = |run: &mut Vec<usize>, out: &mut Vec<Option<usize>>| {
        let width = run
            .iter()
            .filter_map(|&i| cells.get(i).copied().flatten())
            .max()
            .unwrap_or(0);
        for &i in run.iter() {
            if let Some(slot) = out.get_mut(i) {
                *slot = Some(width);
            }
        }
        run.clear();
    };
    for i in 0..lines.len() {
        let in_heredoc = owner.get(i).is_some_and(|&o| o != i);
        if in_heredoc {
            continue;
        }
        if cells.get(i).copied().flatten().is_some() {
            run.push(i);
        } else {
            flush(&mut run, &mut out_width);
        }
    }
    flush(&mut run, &mut out_width);
    let mut out = String::with_capacity(text.len() + 64);
    for (i, line) in lines.iter().enumerate() {
        match (
            cells.get(i).copied().flatten(),
            out_width.get(i).copied().flatten(),
        ) {
            (Some(key_end), Some(width)) => {
                let (head, rest) = line.split_at(key_end);
                out.push_str(head);
                out.extend(std::iter::repeat_n(' ', width.saturating_sub(key_end) + 1));
                out.push_str(rest.trim_start());
            }
            _ if owner.get(i).is_some_and(|&o| o == i) => out.push_str(&empty_block(line)),
            _ => out.push_str(line),
        }
    }
    out
}

/// hcl-rs prints an empty block as `name {  }`; hclwrite (`nomad fmt`) as `name {}`.
fn empty_block(line: &str) -> std::borrow::Cow<'_, str> {
    let body = line.trim_end_matches('\n');
    match body
        .strip_suffix('}')
        .and_then(|h| h.trim_end().strip_suffix('{'))
    {
        Some(head) if body.len() > head.len() + 2 && !head.trim().is_empty() => {
            std::borrow::Cow::Owned(format!(
                "{head}{{}}{}",
                line.get(body.len()..).unwrap_or("")
            ))
        }
        _ => std::borrow::Cow::Borrowed(line),
    }
}

/// Byte offset of the end of the key of an attribute line whose value is complete on the
/// line (the `=` follows after spaces).
fn assign_column(line: &str) -> Option<usize> {
    let trimmed = line.trim_start();
    let indent = line.len() - trimmed.len();
    let bytes = trimmed.as_bytes();
    // The key: an identifier or a quoted string.
    let key_end = if bytes.first() == Some(&b'"') {
        closing_quote(trimmed, 0)? + 1
    } else {
        trimmed
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            .filter(|&n| n > 0)?
    };
    let after = trimmed.get(key_end..)?;
    let eq = after.find(|c: char| c != ' ')?;
    if after.as_bytes().get(eq) != Some(&b'=') || after.as_bytes().get(eq + 1) == Some(&b'=') {
        return None;
    }
    let value = after.get(eq + 1..)?;
    (net_brackets(value) == 0).then_some(indent + key_end)
}

/// Index of the quote closing the string that opens at `start`.
fn closing_quote(s: &str, start: usize) -> Option<usize> {
    let bytes = s.as_bytes();
    let mut i = start + 1;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'\\' => i += 2,
            b'"' => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// Opening minus closing brackets outside quoted strings (strings are balanced on a line).
fn net_brackets(s: &str) -> i32 {
    let bytes = s.as_bytes();
    let mut n = 0;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        match b {
            b'"' => match closing_quote(s, i) {
                Some(end) => i = end,
                None => return 1,
            },
            b'{' | b'[' | b'(' => n += 1,
            b'}' | b']' | b')' => n -= 1,
            _ => {}
        }
        i += 1;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;
    use hcl::structure::Block;

    #[test]
    fn markers_are_escaped_including_runs() {
        assert_eq!(escape_markers("${A}"), "$${A}");
        assert_eq!(escape_markers("$${A}"), "$$${A}");
        assert_eq!(escape_markers("%{if}"), "%%{if}");
        assert_eq!(escape_markers("$$ %% $x {"), "$$ %% $x {");
    }

    #[test]
    fn config_strings_are_escaped_for_the_second_evaluation() {
        let raw = |e: Expression| match e {
            Expression::TemplateExpr(t) => t.to_string(),
            other => other.to_string(),
        };
        assert_eq!(raw(config_literal("${A}")), "$$${A}");
        assert_eq!(raw(config_literal("$${A}")), "$$$${A}");
        assert_eq!(raw(config_literal("%{if}")), "%%%{if}");
        assert_eq!(raw(config_literal("$ % }")), "$ % }");
        assert_eq!(config_unquote(&config_literal("a$${b}%{c")), "a$${b}%{c");
    }

    #[test]
    fn quoting_escapes_quotes_backslashes_and_controls() {
        assert_eq!(quoted_template("a\"b\\c\nd\u{1}"), "a\\\"b\\\\c\\nd\\u0001");
    }

    #[test]
    fn attributes_align_like_nomad_fmt() {
        let body = Body::builder()
            .add_block(
                Block::builder("job")
                    .add_label("web")
                    .add_attribute(("type", "service"))
                    .add_attribute(("datacenters", strings(["dc1"])))
                    .add_block(
                        Block::builder("group")
                            .add_label("g")
                            .add_attribute(("count", 2))
                            .build(),
                    )
                    .build(),
            )
            .build();
        let text = print(&body).unwrap_or_default();
        assert_eq!(
            text,
            "job \"web\" {\n  type        = \"service\"\n  datacenters = [\"dc1\"]\n\n  group \"g\" {\n    count = 2\n  }\n}\n"
        );
    }

    #[test]
    fn multi_line_values_break_the_run() {
        let text = "a = 1\nlong_name = {\n  x = 1\n}\nbb = 2\n";
        assert_eq!(align(text), "a = 1\nlong_name = {\n  x = 1\n}\nbb = 2\n");
        let text = "a = 1\nlong_name = \"{\"\n";
        assert_eq!(align(text), "a         = 1\nlong_name = \"{\"\n");
    }

    #[test]
    fn heredoc_bodies_are_left_alone_and_do_not_break_the_run() {
        let text = "data = <<EOF\nx = 1\nEOF\ndestination = \"local/a\"\n";
        assert_eq!(
            align(text),
            "data        = <<EOF\nx = 1\nEOF\ndestination = \"local/a\"\n"
        );
    }

    #[test]
    fn maps_use_blocks_for_identifier_keys_and_objects_otherwise() {
        let b = Body::builder()
            .add_structure(map("env", [("A", "1"), ("B_2", "${x}")]))
            .add_structure(map("labels", [("a.b", "1")]))
            .build();
        let text = print(&b).unwrap_or_default();
        assert_eq!(
            text,
            "env {\n  A   = \"1\"\n  B_2 = \"$${x}\"\n}\n\nlabels = {\n  \"a.b\" = \"1\"\n}\n"
        );
    }
}
