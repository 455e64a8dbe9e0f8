//! One test binary for everything that runs the library end to end on fixtures.

mod load;
mod util;
