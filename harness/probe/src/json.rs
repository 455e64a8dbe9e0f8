//! The JSON of a `TSPROBE` line: compact, fields in the order they were added.
//!
//! Strings carry the exact bytes the probe saw. Bytes that are UTF-8 become a JSON string
//! (quote, backslash and control characters escaped, control characters as `\uXXXX`);
//! bytes that are not UTF-8 become `{"hex":"..."}` (lowercase), so nothing is lost or
//! replaced.

use std::fmt::Write as _;

#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Bool(bool),
    Int(i64),
    /// Bytes: a JSON string when they are UTF-8, else `{"hex":"..."}`.
    Bytes(Vec<u8>),
    Arr(Vec<Json>),
    /// Keys are written in this order (callers sort where the protocol says so).
    Obj(Vec<(Vec<u8>, Json)>),
}

impl Json {
    pub fn str(s: &str) -> Json {
        Json::Bytes(s.as_bytes().to_vec())
    }

    pub fn bytes(b: &[u8]) -> Json {
        Json::Bytes(b.to_vec())
    }

    pub fn encode(&self) -> String {
        let mut out = String::new();
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut String) {
        match self {
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Json::Int(n) => {
                let _ = write!(out, "{n}");
            }
            Json::Bytes(b) => match std::str::from_utf8(b) {
                Ok(s) => write_str(out, s),
                Err(_) => {
                    out.push_str("{\"hex\":\"");
                    out.push_str(&hex(b));
                    out.push_str("\"}");
                }
            },
            Json::Arr(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write(out);
                }
                out.push(']');
            }
            Json::Obj(fields) => {
                out.push('{');
                for (i, (key, value)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_key(out, key);
                    out.push(':');
                    value.write(out);
                }
                out.push('}');
            }
        }
    }
}

/// An object from `(key, value)` pairs, in the order given.
pub fn obj(fields: Vec<(&str, Json)>) -> Json {
    Json::Obj(
        fields
            .into_iter()
            .map(|(k, v)| (k.as_bytes().to_vec(), v))
            .collect(),
    )
}

/// A key must be a JSON string: one that is not UTF-8 is written as `"hex:<hex>"`.
fn write_key(out: &mut String, key: &[u8]) {
    match std::str::from_utf8(key) {
        Ok(s) => write_str(out, s),
        Err(_) => write_str(out, &format!("hex:{}", hex(key))),
    }
}

fn write_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

pub fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_ascii_is_a_string() {
        assert_eq!(Json::str("hello world").encode(), r#""hello world""#);
    }

    #[test]
    fn quote_and_backslash_are_escaped() {
        assert_eq!(Json::str(r#"a"b\c"#).encode(), r#""a\"b\\c""#);
    }

    #[test]
    fn control_characters_are_unicode_escapes() {
        assert_eq!(
            Json::str("l1\nl2\tx\r\u{0}\u{1f}\u{7f}").encode(),
            r#""l1\u000al2\u0009x\u000d\u0000\u001f\u007f""#
        );
    }

    #[test]
    fn non_ascii_utf8_is_kept_as_is() {
        assert_eq!(Json::str("é ✓ 日本 😀").encode(), "\"é ✓ 日本 😀\"");
    }

    #[test]
    fn dollar_percent_and_spaces_are_untouched() {
        assert_eq!(Json::str("$$HOME %s  x ").encode(), r#""$$HOME %s  x ""#);
    }

    #[test]
    fn bytes_that_are_not_utf8_become_hex() {
        assert_eq!(
            Json::bytes(b"ab\xff\xfe\n").encode(),
            r#"{"hex":"6162fffe0a"}"#
        );
        // A truncated multi-byte sequence is not UTF-8 either.
        assert_eq!(Json::bytes(b"\xc3").encode(), r#"{"hex":"c3"}"#);
    }

    #[test]
    fn empty_bytes_are_an_empty_string() {
        assert_eq!(Json::bytes(b"").encode(), r#""""#);
    }

    #[test]
    fn objects_keep_field_order_and_nest() {
        let v = obj(vec![
            ("k", Json::str("file")),
            ("exists", Json::Bool(true)),
            ("uid", Json::Int(-1)),
            (
                "entries",
                Json::Arr(vec![Json::str("a"), Json::bytes(b"\x80")]),
            ),
            ("empty", Json::Arr(vec![])),
        ]);
        assert_eq!(
            v.encode(),
            r#"{"k":"file","exists":true,"uid":-1,"entries":["a",{"hex":"80"}],"empty":[]}"#
        );
    }

    #[test]
    fn keys_are_escaped_and_non_utf8_keys_are_hex_prefixed() {
        let v = Json::Obj(vec![
            (b"A\"B".to_vec(), Json::str("1")),
            (b"K\xff".to_vec(), Json::str("2")),
        ]);
        assert_eq!(v.encode(), r#"{"A\"B":"1","hex:4bff":"2"}"#);
    }
}
