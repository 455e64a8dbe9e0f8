//! The Swarm backend on whatever the loader accepts: it may refuse, never panic.
#![no_main]
mod common;
use libfuzzer_sys::fuzz_target;
use transship::backend::swarm;

fuzz_target!(|data: &[u8]| {
    if let Some((loaded, _)) = common::load_bytes(data) {
        let _ = swarm::emit(&loaded.project, &swarm::Options::default());
    }
});
