//! The Swarm backend on whatever the loader accepts: it may refuse, never panic, and the
//! stack file it writes must load again as a compose file. The reload is skipped for stack
//! files over 1 MiB: those come from a few port ranges expanded into tens of thousands of
//! entries, the same few lines repeated, and reloading them takes longer under the
//! sanitizer than libFuzzer's time limit allows.
#![no_main]
mod common;
use libfuzzer_sys::fuzz_target;
use transship::backend::swarm;

fuzz_target!(|data: &[u8]| {
    let Some((loaded, _)) = common::load_bytes(data) else {
        return;
    };
    if let Ok(e) = swarm::emit(&loaded.project, &swarm::Options::default()) {
        let reloadable = |f: &&transship::backend::OutFile| {
            f.name.ends_with(".yaml") && f.contents.len() <= 1 << 20
        };
        for f in e.files.iter().filter(reloadable) {
            assert!(
                common::load_bytes(f.contents.as_bytes()).is_some(),
                "the stack file does not load again:\n{}",
                f.contents
            );
        }
    }
});
