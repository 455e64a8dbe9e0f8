//! Output helpers shared by the model's `Serialize` impls: Go's `omitempty` rules, which drop
//! zero values (empty strings, `false`, `0`) as well as absent ones.

use super::units::{ByteSize, Cpus, Duration};

pub(crate) fn blank(v: &Option<String>) -> bool {
    v.as_deref().is_none_or(str::is_empty)
}

pub(crate) fn not_true(v: &Option<bool>) -> bool {
    v != &Some(true)
}

pub(crate) fn zero_i64(v: &Option<i64>) -> bool {
    v.is_none_or(|x| x == 0)
}

pub(crate) fn zero_u64(v: &Option<u64>) -> bool {
    v.is_none_or(|x| x == 0)
}

pub(crate) fn zero_cpus(v: &Option<Cpus>) -> bool {
    v.is_none_or(|x| x.0 == 0.0)
}

pub(crate) fn zero_bytes(v: &Option<ByteSize>) -> bool {
    v.is_none_or(|x| x.0 == 0)
}

pub(crate) fn zero_duration(v: &Option<Duration>) -> bool {
    v.is_none_or(|x| x.0 == 0)
}

pub(crate) fn is_false(v: &bool) -> bool {
    !*v
}
