//! Whether a value holds a NUL character anywhere (systemd directives and environment files
//! cannot carry one). Walks the value through serde without writing any text: printing each
//! service as JSON to search it cost a conversion as much as rendering its unit.

use serde::Serialize;
use serde::ser;

/// Whether any string, character or byte string in `value` (map keys included) holds NUL.
pub fn has_nul<T: Serialize + ?Sized>(value: &T) -> bool {
    matches!(value.serialize(Finder), Err(Stop::Nul))
}

/// Why the walk stopped early.
#[derive(Debug)]
enum Stop {
    Nul,
    /// The value's own `Serialize` failed: not a NUL, so not reported as one.
    Other,
}

impl std::fmt::Display for Stop {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Stop::Nul => "NUL character",
            Stop::Other => "serialisation failed",
        })
    }
}

impl std::error::Error for Stop {}

impl ser::Error for Stop {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        Stop::Other
    }
}

fn check(nul: bool) -> Result<(), Stop> {
    if nul { Err(Stop::Nul) } else { Ok(()) }
}

struct Finder;

impl ser::Serializer for Finder {
    type Ok = ();
    type Error = Stop;
    type SerializeSeq = Finder;
    type SerializeTuple = Finder;
    type SerializeTupleStruct = Finder;
    type SerializeTupleVariant = Finder;
    type SerializeMap = Finder;
    type SerializeStruct = Finder;
    type SerializeStructVariant = Finder;

    fn serialize_bool(self, _: bool) -> Result<(), Stop> {
        Ok(())
    }
    fn serialize_i8(self, _: i8) -> Result<(), Stop> {
        Ok(())
    }
    fn serialize_i16(self, _: i16) -> Result<(), Stop> {
        Ok(())
    }
    fn serialize_i32(self, _: i32) -> Result<(), Stop> {
        Ok(())
    }
    fn serialize_i64(self, _: i64) -> Result<(), Stop> {
        Ok(())
    }
    fn serialize_u8(self, _: u8) -> Result<(), Stop> {
        Ok(())
    }
    fn serialize_u16(self, _: u16) -> Result<(), Stop> {
        Ok(())
    }
    fn serialize_u32(self, _: u32) -> Result<(), Stop> {
        Ok(())
    }
    fn serialize_u64(self, _: u64) -> Result<(), Stop> {
        Ok(())
    }
    fn serialize_f32(self, _: f32) -> Result<(), Stop> {
        Ok(())
    }
    fn serialize_f64(self, _: f64) -> Result<(), Stop> {
        Ok(())
    }
    fn serialize_char(self, c: char) -> Result<(), Stop> {
        check(c == '\0')
    }
    fn serialize_str(self, s: &str) -> Result<(), Stop> {
        check(s.contains('\0'))
    }
    fn serialize_bytes(self, b: &[u8]) -> Result<(), Stop> {
        check(b.contains(&0))
    }
    fn serialize_none(self) -> Result<(), Stop> {
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<(), Stop> {
        v.serialize(Finder)
    }
    fn serialize_unit(self) -> Result<(), Stop> {
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Stop> {
        Ok(())
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, _: &'static str) -> Result<(), Stop> {
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<(), Stop> {
        v.serialize(Finder)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        v: &T,
    ) -> Result<(), Stop> {
        v.serialize(Finder)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Finder, Stop> {
        Ok(Finder)
    }
    fn serialize_tuple(self, _: usize) -> Result<Finder, Stop> {
        Ok(Finder)
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Finder, Stop> {
        Ok(Finder)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Finder, Stop> {
        Ok(Finder)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Finder, Stop> {
        Ok(Finder)
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Finder, Stop> {
        Ok(Finder)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Finder, Stop> {
        Ok(Finder)
    }
}

/// Sequences, tuples and tuple structs and variants: every element.
macro_rules! elements {
    ($($trait:ident :: $method:ident),*) => {$(
        impl ser::$trait for Finder {
            type Ok = ();
            type Error = Stop;
            fn $method<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Stop> {
                v.serialize(Finder)
            }
            fn end(self) -> Result<(), Stop> {
                Ok(())
            }
        }
    )*};
}

elements!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

/// Structs and struct variants: every field's value (field names are identifiers).
macro_rules! fields {
    ($($trait:ident),*) => {$(
        impl ser::$trait for Finder {
            type Ok = ();
            type Error = Stop;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                _: &'static str,
                v: &T,
            ) -> Result<(), Stop> {
                v.serialize(Finder)
            }
            fn end(self) -> Result<(), Stop> {
                Ok(())
            }
        }
    )*};
}

fields!(SerializeStruct, SerializeStructVariant);

impl ser::SerializeMap for Finder {
    type Ok = ();
    type Error = Stop;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, k: &T) -> Result<(), Stop> {
        k.serialize(Finder)
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Stop> {
        v.serialize(Finder)
    }
    fn end(self) -> Result<(), Stop> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[derive(Serialize)]
    struct Svc {
        name: String,
        env: BTreeMap<String, Option<String>>,
        args: Vec<(u16, String)>,
        mode: Mode,
    }

    #[derive(Serialize)]
    enum Mode {
        Plain,
        Tagged { tag: String },
    }

    fn svc(env_key: &str, env_value: &str, arg: &str, mode: Mode) -> Svc {
        Svc {
            name: "web".into(),
            env: BTreeMap::from([(env_key.to_string(), Some(env_value.to_string()))]),
            args: vec![(1, arg.to_string())],
            mode,
        }
    }

    #[test]
    fn finds_nul_wherever_a_string_is() {
        assert!(!has_nul(&svc("K", "v", "a", Mode::Plain)));
        assert!(has_nul(&svc("K", "v\0", "a", Mode::Plain)));
        assert!(has_nul(&svc("K\0", "v", "a", Mode::Plain)));
        assert!(has_nul(&svc("K", "v", "\0a", Mode::Plain)));
        assert!(has_nul(&svc(
            "K",
            "v",
            "a",
            Mode::Tagged { tag: "t\0".into() }
        )));
        assert!(has_nul(&'\0'));
        assert!(has_nul(&Bytes(vec![1, 0, 2])));
        assert!(!has_nul(&Bytes(vec![1, 2])));
    }

    #[test]
    fn the_text_of_an_escape_is_not_a_nul() {
        // Searching printed JSON for `\u0000` also matched this (escaped as `\\u0000`).
        assert!(!has_nul(&svc("K", "\\u0000", "\\0", Mode::Plain)));
    }

    /// A byte string, serialised with `serialize_bytes`.
    struct Bytes(Vec<u8>);

    impl Serialize for Bytes {
        fn serialize<S: ser::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_bytes(&self.0)
        }
    }
}
