//! TS309: a `HOST:CONTAINER` port mapping written without quotes.

use crate::diag::Severity;
use crate::lint::rules::{Ctx, Hit};
use crate::lint::{Category, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    id: "TS309",
    name: "unquoted-port-mapping",
    category: Category::Hygiene,
    severity: Severity::Warning,
    opt_in: false,
    summary: "an unquoted port mapping that YAML 1.1 reads as a base-60 number (`22:22` → 1342)",
    docs: r#"YAML 1.1 parsers (PyYAML, older compose, many CI tools and editors) read unquoted
`22:22` as the base-60 number 1342: a plain scalar of digits whose parts after the first are
below 60 (`22:22`, `53:53`, `2222:22`). Compose v2 reads YAML 1.2 and gets it right, but the
same file breaks in the other tools that read it. Mappings YAML 1.1 reads as strings
(`8080:80`, `53:53/udp`, `127.0.0.1:22:22`) are not reported.

## Why
The file means different things to different tools; the failure is a baffling port number.

## Fix
Quote port mappings: `- "2222:22"`.

## Example
```yaml
services:
  ssh:
    image: example/sshd:1.0
    ports:
      - 2222:22
```
"#,
};

pub fn check(cx: &Ctx) -> Vec<Hit> {
    let mut out = Vec::new();
    for s in cx.services() {
        for i in 0..s.ports.len() {
            let path = format!("ports[{i}]");
            let Some(span) = s.provenance.span(&path) else {
                continue;
            };
            let Some(text) = cx.written(span) else {
                continue;
            };
            let token: String = text
                .chars()
                .take_while(|c| !c.is_whitespace() && *c != ',' && *c != ']')
                .collect();
            if !yaml11_sexagesimal(&token) {
                continue;
            }
            out.push(
                Hit::new(
                    s,
                    &path,
                    span,
                    format!(
                        "port mapping `{token}` is not quoted; YAML 1.1 tools read it as the base-60 number {}",
                        base60(&token)
                    ),
                )
                .help(format!("write `\"{token}\"`")),
            );
        }
    }
    out
}

/// Whether YAML 1.1 resolves the plain scalar as a base-60 integer: its
/// `[-+]?[1-9][0-9_]*(:[0-5]?[0-9])+` (so `22:22` and `2222:22`, not `8080:80` or `0:22`).
fn yaml11_sexagesimal(token: &str) -> bool {
    let mut parts = token.split(':');
    let head = parts.next().unwrap_or("");
    let head = head.strip_prefix(['-', '+']).unwrap_or(head);
    let head_ok = head.starts_with(|c: char| ('1'..='9').contains(&c))
        && head.chars().all(|c| c.is_ascii_digit() || c == '_');
    let rest: Vec<&str> = parts.collect();
    head_ok
        && !rest.is_empty()
        && rest.iter().all(|p| {
            (1..=2).contains(&p.len())
                && p.chars().all(|c| c.is_ascii_digit())
                && p.parse::<u32>().is_ok_and(|n| n < 60)
        })
}

/// The number a YAML 1.1 parser reads (`22:22` → 1342), for the message.
fn base60(token: &str) -> u64 {
    token.split(':').fold(0u64, |acc, p| {
        let digits: String = p.chars().filter(char::is_ascii_digit).collect();
        acc.saturating_mul(60)
            .saturating_add(digits.parse::<u64>().unwrap_or(0))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_base_60_shapes_are_misread() {
        for t in ["22:22", "2222:22", "53:53", "22:05", "1:2:3"] {
            assert!(yaml11_sexagesimal(t), "{t}");
        }
        for t in [
            "8080:80",
            "8080:8080",
            "0:22",
            "22:60",
            "53:53/udp",
            "127.0.0.1:22:22",
            "22",
        ] {
            assert!(!yaml11_sexagesimal(t), "{t}");
        }
        assert_eq!(base60("22:22"), 1342);
        assert_eq!(base60("2222:22"), 133_342);
    }
}
