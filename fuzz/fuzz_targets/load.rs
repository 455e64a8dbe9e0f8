//! The loader on arbitrary bytes: it may refuse them, never panic or hang.
#![no_main]
mod common;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some((loaded, _)) = common::load_bytes(data) {
        let _ = loaded.project.to_compose_json();
    }
});
