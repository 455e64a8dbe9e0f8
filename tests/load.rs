//! Loader fixtures: each `fixtures/load/<case>/` is loaded as Docker Compose would load it and
//! the result (the `config --format json` output, or the error) is snapshotted. The same cases
//! are compared with the real Docker Compose in `.ci/run`.

use crate::util::{cases, options_for, read_case, redact, root};
use transship::cli::Format;
use transship::commands::config::render;
use transship::load;
use transship::source::SourceMap;

fn outcome(dir: &std::path::Path) -> String {
    let case = read_case(dir);
    let opts = options_for(dir, &case);
    let sources = SourceMap::new();
    let text = match load::load(&opts, &sources) {
        Ok(loaded) => {
            let mut out = render(&loaded, Format::Json, true).unwrap_or_else(|e| panic!("{e}"));
            for w in &loaded.warnings {
                out.push_str(&format!(
                    "# warning: {}: {}: {}\n",
                    sources.describe(w.span),
                    w.path,
                    w.message
                ));
            }
            out
        }
        Err(e) => format!("error: {}\n", e.render(&sources)),
    };
    redact(&text, dir)
}

#[test]
fn load_fixtures() {
    let all = cases("load");
    assert!(!all.is_empty(), "no fixtures under fixtures/load");
    for dir in all {
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let text = outcome(&dir);
        insta::with_settings!({
            snapshot_path => root().join("snapshots/load"),
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_snapshot!(name, text);
        });
    }
}

/// `config --format yaml` output loads back to the same project (issue: round trip).
#[test]
fn yaml_output_round_trips() {
    let mut checked = 0;
    for dir in cases("load") {
        // Mapping keys are never interpolated, yet compose's output escapes their `$` as `$$`
        // (and so does ours, to stay identical): such keys cannot round-trip, in compose either.
        // A ulimit of 0 prints as `{}` (compose's output), which compose and we both refuse to
        // load again.
        // A `depends_on` with `required: false` on a service disabled by profiles is printed but
        // the service is not, so the output refers to a service it lacks.
        const COMPOSE_QUIRKS: &[&str] = &[
            "interp-not-in-keys",
            "norm-labels-hosts-sysctls-ulimits",
            "profiles-dotenv-compose-profiles",
        ];
        if COMPOSE_QUIRKS.iter().any(|q| dir.ends_with(q)) {
            continue;
        }
        let case = read_case(&dir);
        let opts = options_for(&dir, &case);
        let sources = SourceMap::new();
        let Ok(first) = load::load(&opts, &sources) else {
            continue;
        };
        let yaml = render(&first, Format::Yaml, true).unwrap_or_else(|e| panic!("{e}"));
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let file = tmp.path().join("compose.yaml");
        std::fs::write(&file, &yaml).unwrap_or_else(|e| panic!("{e}"));
        let mut again = options_for(tmp.path(), &case);
        again.files = vec![file.display().to_string()];
        again.env_files = Vec::new();
        again.project_directory = Some(dir.clone());
        let second = load::load(&again, &SourceMap::new()).unwrap_or_else(|e| {
            panic!("{}: reloading our YAML failed: {e}\n{yaml}", dir.display())
        });
        assert_eq!(
            render(&first, Format::Json, true).unwrap_or_default(),
            render(&second, Format::Json, true).unwrap_or_default(),
            "{}: YAML output does not load back to the same project",
            dir.display()
        );
        checked += 1;
    }
    assert!(checked >= 40, "only {checked} fixtures round-tripped");
}
