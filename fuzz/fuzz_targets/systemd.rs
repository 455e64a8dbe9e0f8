//! The systemd and Quadlet backends on whatever the loader accepts: they may refuse, never
//! panic, and every line they write is a comment, a section header, a `Key=value`
//! directive or the continuation of one, so no value can smuggle in a line of its own.
#![no_main]
mod common;
use libfuzzer_sys::fuzz_target;
use transship::backend::systemd;

fn unit_file(name: &str) -> bool {
    [".service", ".target", ".container", ".volume", ".network"]
        .iter()
        .any(|ext| name.ends_with(ext))
}

fn check_lines(name: &str, text: &str) {
    let mut continued = false;
    for line in text.lines() {
        let t = line.trim_start();
        let ok = continued
            || t.is_empty()
            || t.starts_with('#')
            || t.starts_with(';')
            || (t.starts_with('[') && t.ends_with(']'))
            || t.split_once('=').is_some_and(|(k, _)| {
                !k.is_empty()
                    && k.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            });
        assert!(ok, "{name}: stray line {line:?}\n{text}");
        continued = t.ends_with('\\') && !t.starts_with('#');
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((loaded, _)) = common::load_bytes(data) else {
        return;
    };
    let opts = systemd::Options::default();
    for emitted in [
        systemd::emit(&loaded.project, &opts),
        systemd::quadlet::emit(&loaded.project, &opts),
    ]
    .into_iter()
    .flatten()
    {
        for f in emitted.files.iter().filter(|f| unit_file(&f.name)) {
            check_lines(&f.name, &f.contents);
        }
    }
});
