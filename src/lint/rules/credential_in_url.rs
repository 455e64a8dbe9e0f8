//! TS414: a password written inside a connection string or URL (`scheme://user:pass@host`).

use crate::diag::Severity;
use crate::lint::rules::{Ctx, Hit};
use crate::lint::{Category, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    id: "TS414",
    name: "credential-in-url",
    category: Category::Security,
    severity: Severity::Error,
    opt_in: false,
    summary: "an environment value is a URL with a literal password (`scheme://user:password@host`)",
    docs: r#"Connection strings carry their credentials in the user-info part:
`postgresql://airflow:airflow@postgres/airflow`. Whatever the variable is called
(`DATABASE_URL`, `SQL_ALCHEMY_CONN`, `BROKER`), the password is committed with the file,
printed by `docker compose config` and visible in `docker inspect`. Values in the compose
file and in its `env_file` targets are read; a password taken from the environment
(`postgres://app:${DB_PASSWORD}@db/app`) and URLs with a user but no password are not
reported.

## Why
Leaked credentials, as for TS407 (plaintext-secret-in-environment), but under names that
do not look secret.

## Fix
Interpolate the password (`postgres://app:${DB_PASSWORD:?}@db/app`), or pass the URL as a
secret (many images read `*_FILE` or `*_CMD` variables).

## Example
```yaml
services:
  worker:
    image: example/worker:1.0
    environment:
      DATABASE_URL: postgresql://app:s3cret@db:5432/app
```
"#,
};

/// The password in the first `scheme://user:password@` of `text`, if it is written
/// literally (not empty, no `$`).
pub fn url_password(text: &str) -> Option<&str> {
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        let after = &rest[i + 3..];
        let authority_end = after
            .find(['/', '?', '#', ' ', '"', '\'', ',', ';'])
            .unwrap_or(after.len());
        let authority = &after[..authority_end];
        if let Some((userinfo, _host)) = authority.rsplit_once('@')
            && let Some((_user, password)) = userinfo.split_once(':')
            && !password.is_empty()
            && !password.contains('$')
        {
            return Some(password);
        }
        rest = after;
    }
    None
}

pub fn check(cx: &Ctx) -> Vec<Hit> {
    let mut out = Vec::new();
    for s in cx.services() {
        for name in s.environment.keys() {
            let Some(entry) = cx.env_entry(s, name) else {
                continue;
            };
            if url_password(&entry.text).is_none() {
                continue;
            }
            out.push(
                Hit::new(
                    s,
                    &format!("environment.{name}"),
                    entry.span,
                    format!("`{name}` is a URL with a literal password"),
                )
                .help("interpolate the password, e.g. `postgres://app:${DB_PASSWORD:?}@db/app`"),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_in_urls() {
        assert_eq!(
            url_password("postgresql+psycopg2://airflow:airflow@postgres/airflow"),
            Some("airflow")
        );
        assert_eq!(url_password("URL=redis://:pw@redis:6379/0"), Some("pw"));
        assert_eq!(
            url_password("jdbc:mysql://root:pass@db:3306/x?useSSL=false"),
            Some("pass")
        );
        for t in [
            "https://hooks.slack.com/services/TOKEN",
            "postgres://app:${DB_PASSWORD}@db/app",
            "postgres://app@db/app",
            "postgres://app:@db/app",
            "http://example.com/a@b",
            "/var/run/x",
        ] {
            assert_eq!(url_password(t), None, "{t}");
        }
    }
}
