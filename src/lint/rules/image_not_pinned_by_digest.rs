//! TS303: a versioned image not pinned by digest.

use crate::diag::Severity;
use crate::lint::rules::{Ctx, Hit, image_tag};
use crate::lint::{Category, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    id: "TS303",
    name: "image-not-pinned-by-digest",
    category: Category::Hygiene,
    severity: Severity::Info,
    opt_in: false,
    summary: "an image is referenced by a tag only, not pinned by digest",
    docs: r#"Tags can be moved: `postgres:16` is rebuilt for every patch release and base-image fix,
and a registry compromise can repoint any tag. Only a digest (`@sha256:...`) names exactly
one image. For production, pin digests and let a bot (Renovate, Dependabot) update them.
Images without a tag or with `latest` are reported by TS301/TS302 instead, and services that
`build` are not reported.

## Why
What runs in production may differ from what was tested, without any change to the file.

## Fix
Append the digest: `postgres:16@sha256:...` (`docker buildx imagetools inspect postgres:16`
prints it).

## Example
```yaml
services:
  db:
    image: postgres:16
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
        let Some(tag) = image_tag(image) else {
            continue;
        };
        if image.contains('@') || tag == "latest" {
            continue;
        }
        out.push(
            Hit::value(
                s,
                "image",
                format!("image `{image}` is not pinned by digest"),
            )
            .help("append `@sha256:<digest>` and let a bot update it"),
        );
    }
    out
}
