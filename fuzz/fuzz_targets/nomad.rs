//! The Nomad backend on whatever the loader accepts: it may refuse, never panic, and its
//! output must parse as HCL again.
#![no_main]
mod common;
use libfuzzer_sys::fuzz_target;
use transship::backend::nomad;

fuzz_target!(|data: &[u8]| {
    let Some((loaded, _)) = common::load_bytes(data) else {
        return;
    };
    if let Ok(e) = nomad::emit(&loaded.project, &nomad::Options::default()) {
        for f in &e.files {
            assert!(hcl::parse(&f.contents).is_ok(), "unparsable HCL:\n{}", f.contents);
        }
    }
});
