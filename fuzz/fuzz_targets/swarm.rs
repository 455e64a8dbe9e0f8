//! The Swarm backend on whatever the loader accepts: it may refuse, never panic, and the
//! stack file it writes must load again as a compose file.
#![no_main]
mod common;
use libfuzzer_sys::fuzz_target;
use transship::backend::swarm;

fuzz_target!(|data: &[u8]| {
    let Some((loaded, _)) = common::load_bytes(data) else {
        return;
    };
    if let Ok(e) = swarm::emit(&loaded.project, &swarm::Options::default()) {
        for f in e.files.iter().filter(|f| f.name.ends_with(".yaml")) {
            assert!(
                common::load_bytes(f.contents.as_bytes()).is_some(),
                "the stack file does not load again:\n{}",
                f.contents
            );
        }
    }
});
