//! One test binary for everything that runs the library end to end on fixtures.

mod lint;
mod load;
mod util;
