//! One test binary for everything that runs the library end to end on fixtures.

mod cli;
mod convert_nomad;
mod convert_swarm;
mod convert_systemd;
mod hostile;
mod lint;
mod load;
mod util;
