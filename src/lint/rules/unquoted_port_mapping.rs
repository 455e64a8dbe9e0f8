//! TS309: a `HOST:CONTAINER` port mapping written without quotes.

use crate::diag::Severity;
use crate::lint::rules::{Ctx, Hit};
use crate::lint::{Category, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    id: "TS309",
    name: "unquoted-port-mapping",
    category: Category::Hygiene,
    severity: Severity::Info,
    summary: "a port mapping with a colon is written without quotes",
    docs: r#"YAML 1.1 parsers (PyYAML, older compose, many CI tools and editors) read unquoted
`22:22` as the base-60 number 1342, and Compose's own documentation asks for quoted port
mappings. Compose v2 reads YAML 1.2 and gets it right, but the same file breaks in the other
tools that read it.

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
            if !token.contains(':') || !token.starts_with(|c: char| c.is_ascii_digit()) {
                continue;
            }
            let sexagesimal = token
                .split(':')
                .skip(1)
                .all(|p| p.parse::<u32>().is_ok_and(|n| n < 60))
                && token
                    .split(':')
                    .all(|p| p.chars().all(|c| c.is_ascii_digit()));
            let why = if sexagesimal {
                "YAML 1.1 tools read it as a base-60 number"
            } else {
                "YAML 1.1 tools may misread it"
            };
            out.push(
                Hit::new(
                    s,
                    &path,
                    span,
                    format!("port mapping `{token}` is not quoted; {why}"),
                )
                .help(format!("write `\"{token}\"`")),
            );
        }
    }
    out
}
