//! One test binary for everything that runs the library end to end on fixtures.

mod convert_swarm;
mod load;
mod util;
