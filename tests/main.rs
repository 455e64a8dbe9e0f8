//! One test binary for everything that runs the library end to end on fixtures.

// Test helpers may panic: a failing fixture should stop loudly.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod cli;
mod convert_nomad;
mod convert_swarm;
mod convert_systemd;
mod hostile;
mod lint;
mod lint_fix;
mod load;
mod nomad_semantics;
mod util;
