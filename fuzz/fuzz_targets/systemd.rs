//! The systemd and Quadlet backends on whatever the loader accepts: they may refuse, never
//! panic, and no unit line may come from a value's line break.
#![no_main]
mod common;
use libfuzzer_sys::fuzz_target;
use transship::backend::systemd;

fuzz_target!(|data: &[u8]| {
    let Some((loaded, _)) = common::load_bytes(data) else {
        return;
    };
    let opts = systemd::Options::default();
    let _ = systemd::emit(&loaded.project, &opts);
    let _ = systemd::quadlet::emit(&loaded.project, &opts);
});
