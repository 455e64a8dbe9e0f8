//! TS407: a password, token or key written literally in `environment`.

use crate::diag::Severity;
use crate::lint::rules::{Ctx, Hit, wildcard_match};
use crate::lint::{Category, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    id: "TS407",
    name: "plaintext-secret-in-environment",
    category: Category::Security,
    severity: Severity::Error,
    opt_in: false,
    summary: "a secret-looking variable (*_PASSWORD, *_TOKEN, *_KEY, ...) has a literal value in the file",
    docs: r#"A value written in the compose file is committed to version control, printed by
`docker compose config`, and visible to anyone who can `docker inspect` the container.
Variables named like secrets (`*_PASSWORD`, `*_SECRET`, `*_TOKEN`, `*_KEY`, `*_KEY_BASE`,
`*_SALT`, ...) with a literal value are reported, in the compose file and in its `env_file`
targets, and so are literal defaults (`${ADMIN_PASSWORD:-admin}`), which are used whenever
the variable is unset. Values taken from the environment (`${DB_PASSWORD}`, or a bare
`DB_PASSWORD` entry), empty values, flags (`yes`, `true`), paths (`*_FILE` targets) and URLs
are not (credentials inside URLs are TS414's). More name patterns can be configured:

```toml
[lint.options.plaintext-secret-in-environment]
names = ["*_SALT", "LICENSE_*"]
```

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
    "_KEY_BASE",
    "_SALT",
    "CREDENTIALS",
];
const NOT_SECRET: &[&str] = &["PUBLIC_KEY", "_FILE", "_PATH", "_KEY_ID", "_URL"];
const FLAGS: &[&str] = &["yes", "no", "true", "false", "0", "1", "on", "off"];

/// A secret-looking name: a built-in suffix, or one of the configured `extra` patterns.
pub fn is_secret_name(name: &str, extra: &[String]) -> bool {
    let n = name.to_ascii_uppercase();
    let builtin = SUFFIXES
        .iter()
        .any(|s| n.ends_with(s) || n == s.trim_start_matches('_'))
        && !NOT_SECRET.iter().any(|s| n.ends_with(s));
    builtin || extra.iter().any(|p| wildcard_match(p, name))
}

/// A value that could be a secret: not empty, not a flag, not a path (where the secret is,
/// as `*_FILE`-style values say), not a URL (credentials in URLs are TS414's).
fn is_secret_literal(value: &str) -> bool {
    !value.is_empty()
        && !value.starts_with('/')
        && !value.contains("://")
        && !FLAGS.contains(&value.to_ascii_lowercase().as_str())
}

/// The default of a value written as nothing but `${VAR:-default}` (or `${VAR-default}`),
/// when the default is plain text.
fn literal_default<'t>(text: &'t str, name: &str) -> Option<&'t str> {
    let t = text.trim();
    let t = t
        .strip_prefix(name)
        .and_then(|r| r.strip_prefix('='))
        .unwrap_or(t);
    let t = t.trim_start_matches(['"', '\'']);
    let rest = t.strip_prefix("${")?;
    let var_end = rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))?;
    let rest = &rest[var_end..];
    let rest = rest.strip_prefix(":-").or_else(|| rest.strip_prefix('-'))?;
    let (default, after) = rest.split_once('}')?;
    let after = after.trim_start_matches(['"', '\'']).trim_start();
    let whole = after.is_empty() || after.starts_with('#');
    (whole && var_end > 0 && !default.contains(['$', '{'])).then_some(default)
}

pub fn check(cx: &Ctx) -> Vec<Hit> {
    let extra = &cx.options.secrets.names;
    let help = "use `secrets:` or interpolate it from the environment, e.g. `${NAME:?}`";
    let mut out = Vec::new();
    for s in cx.services() {
        for (name, value) in &s.environment {
            if !is_secret_name(name, extra) {
                continue;
            }
            let Some(entry) = cx.env_entry(s, name) else {
                continue;
            };
            let path = format!("environment.{name}");
            if let Some(default) = literal_default(&entry.text, name) {
                if is_secret_literal(default) {
                    out.push(
                        Hit::new(
                            s,
                            &path,
                            entry.span,
                            format!("`{name}` has a literal secret as its default value"),
                        )
                        .help(help),
                    );
                }
                continue;
            }
            let Some(value) = value.as_deref().filter(|v| is_secret_literal(v)) else {
                continue;
            };
            if entry.interpolated || !entry.text.contains(value) {
                continue;
            }
            let whence = if entry.in_env_file {
                " in its env file"
            } else {
                ""
            };
            out.push(
                Hit::new(
                    s,
                    &path,
                    entry.span,
                    format!("`{name}` has a literal secret value{whence}"),
                )
                .help(help),
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
            assert!(is_secret_name(n, &[]), "{n}");
        }
        assert!(is_secret_name("LICENSE_CODE", &["license_*".to_string()]));
        for n in [
            "POSTGRES_PASSWORD_FILE",
            "SSH_PUBLIC_KEY",
            "AWS_ACCESS_KEY_ID",
            "MONKEY",
            "TOKENIZER",
        ] {
            assert!(!is_secret_name(n, &[]), "{n}");
        }
    }

    #[test]
    fn literal_defaults() {
        let d = |t| literal_default(t, "PW");
        assert_eq!(d("${ADMIN_PASSWORD:-admin}"), Some("admin"));
        assert_eq!(d("PW=${ADMIN_PASSWORD-admin} # dev"), Some("admin"));
        assert_eq!(d("\"${X:-}\""), Some(""));
        assert_eq!(d("${X:-$2a$14$hash}"), None);
        assert_eq!(d("${X}"), None);
        assert_eq!(d("prefix-${X:-a}"), None);
        assert_eq!(d("${X:-a}-suffix"), None);
    }
}
