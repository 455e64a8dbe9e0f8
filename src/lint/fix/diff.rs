//! `lint --fix --diff`: the fixes as a unified diff (`--- a/FILE`, `+++ b/FILE`, three lines
//! of context), which `git apply` or `patch -p1` applies from the directory the paths are
//! relative to.

use super::FileFix;

/// One unified diff for every changed file, in the plan's order.
pub fn unified(files: &[FileFix]) -> String {
    let mut out = String::new();
    for f in files {
        let name = f.display.trim_start_matches("./");
        let (old, new) = if std::path::Path::new(name).is_absolute() {
            (name.to_string(), name.to_string())
        } else {
            (format!("a/{name}"), format!("b/{name}"))
        };
        let diff = similar::TextDiff::from_lines(&f.before, &f.after);
        out.push_str(
            &diff
                .unified_diff()
                .context_radius(3)
                .header(&old, &new)
                .to_string(),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_hunks_and_context() {
        let before = "version: '3'\nservices:\n  a:\n    image: x\n    ports:\n      - 22:22\n";
        let after = "services:\n  a:\n    image: x\n    ports:\n      - \"22:22\"\n";
        let d = unified(&[FileFix {
            path: "/p/compose.yaml".into(),
            display: "./compose.yaml".into(),
            before: before.into(),
            after: after.into(),
            fixed: 2,
        }]);
        assert_eq!(
            d,
            "--- a/compose.yaml\n+++ b/compose.yaml\n@@ -1,6 +1,5 @@\n-version: '3'\n services:\n   a:\n     image: x\n     ports:\n-      - 22:22\n+      - \"22:22\"\n"
        );
    }
}
