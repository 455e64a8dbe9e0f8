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
