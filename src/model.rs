//! The typed intermediate model: what every backend and the linter read.
