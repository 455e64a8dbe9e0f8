//! TS407: a password, token or key written literally in `environment`.

use crate::diag::Severity;
use crate::lint::rules::{Ctx, Hit};
use crate::lint::{Category, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    id: "TS407",
    name: "plaintext-secret-in-environment",
    category: Category::Security,
    severity: Severity::Error,
    summary: "a secret-looking variable (*_PASSWORD, *_TOKEN, *_KEY, ...) has a literal value in the file",
    docs: r#"A value written in the compose file is committed to version control, printed by
`docker compose config`, and visible to anyone who can `docker inspect` the container.
Variables named like secrets (`*_PASSWORD`, `*_SECRET`, `*_TOKEN`, `*_KEY`, ...) with a
literal value are reported; values taken from the environment (`${DB_PASSWORD}`, or a bare
`DB_PASSWORD` entry), empty values and flags (`yes`, `true`) are not.

## Why
Leaked credentials: repositories, CI logs and support bundles are read by many more people
than the production database should be.

## Fix
Use `secrets:` (and the image's `*_FILE` variables), or interpolate from an untracked `.env`
or the CI secret store: `POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:?}`.

## Example
```yaml
services:
  db:
    image: postgres:16
    environment:
      POSTGRES_PASSWORD: hunter2
```
"#,
};

const SUFFIXES: &[&str] = &[
    "PASSWORD",
    "PASSWD",
    "_PASS",
    "_PWD",
    "SECRET",
    "SECRET_KEY",
    "_TOKEN",
    "APIKEY",
    "_KEY",
    "CREDENTIALS",
];
const NOT_SECRET: &[&str] = &["PUBLIC_KEY", "_FILE", "_PATH", "_KEY_ID", "_URL"];
const FLAGS: &[&str] = &["yes", "no", "true", "false", "0", "1", "on", "off"];

pub fn is_secret_name(name: &str) -> bool {
    let n = name.to_ascii_uppercase();
    SUFFIXES
        .iter()
        .any(|s| n.ends_with(s) || n == s.trim_start_matches('_'))
        && !NOT_SECRET.iter().any(|s| n.ends_with(s))
}

pub fn check(cx: &Ctx) -> Vec<Hit> {
    let mut out = Vec::new();
    for s in cx.services() {
        for (name, value) in &s.environment {
            let Some(value) = value.as_deref().filter(|v| !v.is_empty()) else {
                continue;
            };
            // A path names where the secret is (a `*_FILE`-style value), not the secret.
            if !is_secret_name(name)
                || value.starts_with('/')
                || FLAGS.contains(&value.to_ascii_lowercase().as_str())
            {
                continue;
            }
            let path = format!("environment.{name}");
            let Some(span) = s.provenance.span(&path) else {
                continue;
            };
            // Values read from env files sit at their file's first position; compose files
            // never hold an environment value there.
            if span.line == 1 && span.col == 1 {
                continue;
            }
            let Some(text) = cx.written(span) else {
                continue;
            };
            if text.contains('$') || !text.contains(value) {
                continue;
            }
            out.push(
                Hit::new(
                    s,
                    &path,
                    span,
                    format!("`{name}` has a literal secret value"),
                )
                .help("use `secrets:` or interpolate it from the environment, e.g. `${NAME:?}`"),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names() {
        for n in [
            "POSTGRES_PASSWORD",
            "api_key",
            "GITHUB_TOKEN",
            "SECRET",
            "AWS_SECRET_ACCESS_KEY",
        ] {
            assert!(is_secret_name(n), "{n}");
        }
        for n in [
            "POSTGRES_PASSWORD_FILE",
            "SSH_PUBLIC_KEY",
            "AWS_ACCESS_KEY_ID",
            "MONKEY",
            "TOKENIZER",
        ] {
            assert!(!is_secret_name(n), "{n}");
        }
    }
}
