//! TS304: a single configuration file bind-mounted (edits on the host stop reaching the
//! container).

use crate::diag::Severity;
use crate::lint::rules::{Ctx, Hit, is_bind};
use crate::lint::{Category, RuleMeta};
use std::path::Path;

pub const META: RuleMeta = RuleMeta {
    id: "TS304",
    name: "single-file-bind-mount",
    category: Category::Hygiene,
    severity: Severity::Info,
    opt_in: false,
    summary: "a single configuration file is bind-mounted instead of its directory",
    docs: r#"A file bind mount pins the file's inode. Editors, `git checkout`, config management and
Kubernetes-style atomic updates replace a file by writing a new one and renaming it, so the
container keeps seeing the old content: a configuration reload (`SIGHUP`, `nginx -s
reload`) re-reads stale configuration and the change silently does not apply.

## Why
Configuration changes that look deployed are not.

## Fix
Mount the directory that holds the file (`./nginx/conf.d:/etc/nginx/conf.d:ro`), or use a
`configs:` entry and redeploy on change.

## Example
```yaml
services:
  web:
    image: nginx:1.27
    volumes:
      - ./nginx.conf:/etc/nginx/nginx.conf:ro
```
"#,
};

const CONFIG_EXTENSIONS: &[&str] = &[
    "conf",
    "cfg",
    "cnf",
    "ini",
    "yml",
    "yaml",
    "json",
    "toml",
    "xml",
    "properties",
    "lua",
    "hcl",
    "rules",
    "env",
];

fn config_like(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| CONFIG_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

pub fn check(cx: &Ctx) -> Vec<Hit> {
    let mut out = Vec::new();
    for s in cx.services() {
        for (i, v) in s.volumes.iter().enumerate() {
            if !is_bind(v) {
                continue;
            }
            let Some(src) = v.source.as_deref() else {
                continue;
            };
            let path = Path::new(src);
            // Only project files: /etc/localtime and sockets are meant to be single files.
            if !path.starts_with(cx.working_dir) {
                continue;
            }
            let single = if path.exists() {
                path.is_file() && config_like(path)
            } else {
                config_like(path)
            };
            if single {
                let target = v.target.as_deref().unwrap_or_default();
                out.push(
                    Hit::mount(s, i, "source",
                        format!("the single file `{target}` is bind-mounted; updates replacing the file on the host will not reach the container"),
                    )
                    .help("mount the directory that holds the file"),
                );
            }
        }
    }
    out
}
