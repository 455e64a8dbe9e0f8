//! TS310: an image tag that names a channel (`stable`, `nightly`, `edge`, ...), not a version.

use crate::diag::Severity;
use crate::lint::rules::{Ctx, Hit, image_tag};
use crate::lint::{Category, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    id: "TS310",
    name: "image-moving-tag",
    category: Category::Hygiene,
    severity: Severity::Warning,
    opt_in: false,
    summary: "an image uses a moving tag (`stable`, `nightly`, `edge`, `main`, ...)",
    docs: r#"Tags such as `stable`, `nightly`, `edge`, `main`, `master`, `dev`, `beta`, `canary`,
`lts`, `mainline` or `rolling` name a release channel: they are re-pushed with every
release (or every night), exactly like `latest` (which TS302 reports). Services that also
`build` name their own image and are not reported. More tags can be listed in
`.transship.toml`:

```toml
[lint.options.image-moving-tag]
tags = ["rc", "testing"]
```

## Why
Deployments are not reproducible, rollbacks do not roll back, and a nightly build can
reach production by a restart.

## Fix
Name a version tag, or pin a digest.

## Example
```yaml
services:
  db:
    image: example/engine:stable
```
"#,
};

const MOVING: &[&str] = &[
    "stable", "nightly", "edge", "main", "master", "dev", "develop", "beta", "alpha", "canary",
    "lts", "unstable", "mainline", "rolling", "current", "testing",
];

pub fn check(cx: &Ctx) -> Vec<Hit> {
    let extra = &cx.options.moving_tags.tags;
    let mut out = Vec::new();
    for s in cx.services() {
        if s.build.is_some() {
            continue;
        }
        let Some(image) = s.image.as_deref() else {
            continue;
        };
        let Some(tag) = image_tag(image).filter(|_| !image.contains('@')) else {
            continue;
        };
        let moving = MOVING.iter().any(|m| m.eq_ignore_ascii_case(tag))
            || extra.iter().any(|m| m.eq_ignore_ascii_case(tag));
        if moving {
            out.push(
                Hit::value(
                    s,
                    "image",
                    format!("image `{image}` uses the moving tag `{tag}`"),
                )
                .help("name a version tag, e.g. `image: name:1.2.3`, or pin a digest"),
            );
        }
    }
    out
}
