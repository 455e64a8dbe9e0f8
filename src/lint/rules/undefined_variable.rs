//! TS101: a `${VAR}` with no value and no default (compose substitutes an empty string).

use crate::diag::Severity;
use crate::lint::rules::{Ctx, Hit};
use crate::lint::{Category, RuleMeta};
use crate::load::node::PathSeg;
use crate::source::Span;

pub const META: RuleMeta = RuleMeta {
    id: "TS101",
    name: "undefined-variable",
    category: Category::Correctness,
    severity: Severity::Warning,
    opt_in: false,
    summary: "a variable is used without a value or a default, so it becomes an empty string",
    docs: r#"Compose substitutes `${VAR}` and `$VAR` from the shell environment and the project's
`.env` file. When the variable is set nowhere and the reference has no default, compose only
logs a warning and inserts an empty string: `image: app:${TAG}` becomes `app:` and the
deployment fails, or worse, a password becomes empty.

## Why
An empty substitution is almost never intended, and it fails far from its cause (a pull
error, a database refusing a login).

## Fix
Set the variable in `.env` or the CI environment, or give a default (`${TAG:-1.4}`), or make
it mandatory with a message (`${TAG:?TAG must be set}`) so loading fails early.

## Example
```yaml
services:
  web:
    image: registry.example.com/web:${WEB_TAG}
```
"#,
};

pub fn check(cx: &Ctx) -> Vec<Hit> {
    let mut out = Vec::new();
    for w in cx.warnings {
        let Some(var) = unset_variable(&w.message) else {
            continue;
        };
        let service = match w.path.0.as_slice() {
            [PathSeg::Key(s), PathSeg::Key(name), ..] if &**s == "services" => {
                Some(name.to_string())
            }
            _ => None,
        };
        out.push(Hit {
            span: refine(cx, w.span, &var),
            key_path: w.path.to_string(),
            message: format!("variable `{var}` is not set and has no default"),
            help: Some(format!(
                "set `{var}` in the environment or `.env`, or write `${{{var}:-default}}`"
            )),
            service,
        });
    }
    out
}

/// The variable named by the loader's "is not set" warning.
fn unset_variable(message: &str) -> Option<String> {
    let quoted = message
        .strip_prefix("the ")?
        .strip_suffix(" variable is not set, defaulting to a blank string")?;
    Some(quoted.trim_matches('"').to_string())
}

/// Move the column from the start of the value to the `$` of the reference, when the
/// reference is on the value's first line.
fn refine(cx: &Ctx, span: Span, var: &str) -> Span {
    let Some(text) = cx.written(span) else {
        return span;
    };
    let braced = format!("${{{var}");
    let plain = format!("${var}");
    let at = text.find(&braced).or_else(|| {
        text.match_indices(&plain)
            .find(|(i, _)| {
                let end = i + plain.len();
                !text[end..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
            })
            .map(|(i, _)| i)
    });
    match at {
        Some(i) => Span {
            col: span.col + u32::try_from(text[..i].chars().count()).unwrap_or(0),
            ..span
        },
        None => span,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_loader_message() {
        let m = crate::load::interpolate::unset_message("WEB_TAG");
        assert_eq!(unset_variable(&m).as_deref(), Some("WEB_TAG"));
        assert_eq!(unset_variable("something else"), None);
    }
}
