//! TS306: `build` without `image` when a deployment target needs an image to pull.

use crate::diag::Severity;
use crate::lint::rules::{Ctx, Hit};
use crate::lint::{Category, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    id: "TS306",
    name: "build-without-image",
    category: Category::Hygiene,
    severity: Severity::Warning,
    opt_in: false,
    summary: "a service is built locally but names no image, and a --target needs one",
    docs: r#"Compose can build an image and run it on the same machine. Swarm, Nomad and systemd
hosts pull images from a registry: a service with `build` and no `image` has nothing to
pull (`docker stack deploy` ignores `build`). Reported only with `--target`.

## Why
The conversion has no image to run, or runs an image with a name nobody pushed.

## Fix
Add `image: registry.example.com/app:1.2.3` next to `build`, and push it from CI.

## Example
```yaml
services:
  app:
    build: .
```
"#,
};

pub fn check(cx: &Ctx) -> Vec<Hit> {
    if cx.targets.is_empty() {
        return Vec::new();
    }
    let targets = cx
        .targets
        .iter()
        .map(|t| t.id)
        .collect::<Vec<_>>()
        .join(", ");
    cx.services()
        .into_iter()
        .filter(|s| s.build.is_some() && s.image.as_deref().is_none_or(str::is_empty))
        .map(|s| {
            Hit::key(
                s,
                "build",
                format!(
                    "`{}` is built locally but names no image to pull on {targets}",
                    s.name
                ),
            )
            .help("add `image:` with a registry name and push it from CI")
        })
        .collect()
}
