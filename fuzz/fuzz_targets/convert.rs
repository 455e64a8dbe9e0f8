//! Every backend on whatever the loader accepts: conversions may refuse, never panic, and
//! the Nomad output must parse as HCL again.
#![no_main]
mod common;
use libfuzzer_sys::fuzz_target;
use transship::backend::{nomad, swarm, systemd};

fuzz_target!(|data: &[u8]| {
    let Some((loaded, _)) = common::load_bytes(data) else {
        return;
    };
    let p = &loaded.project;
    if let Ok(e) = nomad::emit(p, &nomad::Options::default()) {
        for f in &e.files {
            assert!(hcl::parse(&f.contents).is_ok(), "unparsable HCL:\n{}", f.contents);
        }
    }
    let _ = swarm::emit(p, &swarm::Options::default());
    let _ = systemd::emit(p, &systemd::Options::default());
    let _ = systemd::quadlet::emit(p, &systemd::Options::default());
});
