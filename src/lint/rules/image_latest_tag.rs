//! TS302: an image with the `latest` tag.

use crate::diag::Severity;
use crate::lint::rules::{Ctx, Hit, image_tag};
use crate::lint::{Category, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    id: "TS302",
    name: "image-latest-tag",
    category: Category::Hygiene,
    severity: Severity::Warning,
    opt_in: false,
    summary: "an image uses the `latest` tag",
    docs: r#"`latest` is just the tag pushed last, not a version: it moves, so the same file deploys
different software over time and on different hosts. Services that also `build` name their
own image and are not reported.

## Why
Deployments are not reproducible, rollbacks do not roll back, and upgrades happen by accident.

## Fix
Name a version tag, or pin a digest.

## Example
```yaml
services:
  web:
    image: nginx:latest
```
"#,
};

pub fn check(cx: &Ctx) -> Vec<Hit> {
    let mut out = Vec::new();
    for s in cx.services() {
        if s.build.is_some() {
            continue;
        }
        let Some(image) = s.image.as_deref() else {
            continue;
        };
        if image.contains('@') || image_tag(image) != Some("latest") {
            continue;
        }
        out.push(
            Hit::value(s, "image", format!("image `{image}` uses the `latest` tag"))
                .help("name a version tag, e.g. `image: name:1.2.3`"),
        );
    }
    out
}
