//! TS301: an image pulled without a tag (which means `latest`).

use crate::diag::Severity;
use crate::lint::rules::{Ctx, Hit, image_tag};
use crate::lint::{Category, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    id: "TS301",
    name: "image-without-tag",
    category: Category::Hygiene,
    severity: Severity::Warning,
    opt_in: false,
    summary: "an image has no tag or digest, so it silently means `latest`",
    docs: r#"`image: redis` pulls `redis:latest`: whatever was pushed last, which changes under
you. Two hosts deploying the same file can run different versions, and a rollback redeploys
the new version. Services that also `build` name their own image and are not reported.

## Why
Deployments are not reproducible, and upgrades happen by accident.

## Fix
Name a version tag (`redis:7.4`), or pin a digest (`redis:7.4@sha256:...`).

## Example
```yaml
services:
  cache:
    image: redis
```
"#,
};

pub fn check(cx: &Ctx) -> Vec<Hit> {
    let mut out = Vec::new();
    for s in cx.services() {
        if s.build.is_some() {
            continue;
        }
        let Some(image) = s.image.as_deref().filter(|i| !i.is_empty()) else {
            continue;
        };
        if image.contains('@') || image_tag(image).is_some() {
            continue;
        }
        out.push(
            Hit::value(
                s,
                "image",
                format!("image `{image}` has no tag and means `{image}:latest`"),
            )
            .help("name a version tag, e.g. `image: name:1.2.3`"),
        );
    }
    out
}
