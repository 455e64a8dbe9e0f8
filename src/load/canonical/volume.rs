//! `source:target[:options]` volume strings (compose-go `format/volume.go`).

use crate::load::node::{Map, Node, Value};
use crate::load::normalize::clean_unix;

fn s(v: &str) -> Node {
    Node::synthetic(Value::Str(v.to_string()))
}

/// The parts of a short-syntax volume, as slices of it (each section between colons is
/// kept verbatim, so no copy is needed until the long form is built).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct VolumeSpec<'a> {
    pub source: &'a str,
    /// As written: [`VolumeSpec::target`] gives compose's cleaned path.
    target: &'a str,
    /// Specs of one or two characters are all target, and kept as written.
    short: bool,
    pub read_only: bool,
    pub nocopy: bool,
    pub selinux: &'a str,
    pub propagation: &'a str,
}

impl VolumeSpec<'_> {
    /// The mount target, cleaned as compose cleans it.
    pub fn target(&self) -> String {
        if self.short || self.target.is_empty() {
            self.target.to_string()
        } else {
            clean_unix(self.target)
        }
    }
}

/// Split a short-syntax volume (compose-go `ParseVolume`): sections between colons outside
/// `${...}`, a one-letter section before a colon being a Windows drive.
///
/// # Errors
/// An empty spec, an empty section between colons, too many colons.
pub fn split_volume(spec: &str) -> Result<VolumeSpec<'_>, String> {
    if spec.is_empty() {
        return Err("invalid empty volume spec".into());
    }
    if spec.chars().nth(2).is_none() {
        return Ok(VolumeSpec {
            target: spec,
            short: true,
            ..VolumeSpec::default()
        });
    }
    let fail = |msg: &str| Err(format!("invalid spec: {spec}: {msg}"));
    let mut out = VolumeSpec::default();
    let (mut have_source, mut have_target) = (false, false);
    // The current section is `spec[start..i]`.
    let mut start = 0;
    let mut in_var = 0usize;
    let mut chars = spec.char_indices().peekable();
    loop {
        let (i, ch) = chars
            .next()
            .map_or((spec.len(), None), |(i, c)| (i, Some(c)));
        if ch == Some('$') && chars.peek().is_some_and(|&(_, c)| c == '{') {
            in_var += 1;
            continue;
        }
        if ch == Some('}') && in_var > 0 {
            in_var -= 1;
            continue;
        }
        let section = spec.get(start..i).unwrap_or_default();
        let mut section_chars = section.chars();
        let is_drive = ch == Some(':')
            && section_chars.next().is_some_and(char::is_alphabetic)
            && section_chars.next().is_none();
        let at_end = ch.is_none();
        if !is_drive && (ch == Some(':') || at_end) && in_var == 0 {
            if section.is_empty() {
                return fail("empty section between colons");
            } else if !have_source && at_end {
                out.target = section;
                have_target = true;
            } else if !have_source {
                out.source = section;
                have_source = true;
            } else if !have_target {
                out.target = section;
                have_target = true;
            } else if !at_end {
                return fail("too many colons");
            } else {
                for opt in section.split(',') {
                    match opt {
                        "ro" => out.read_only = true,
                        "rw" => out.read_only = false,
                        "nocopy" => out.nocopy = true,
                        "z" | "Z" => out.selinux = opt,
                        "rprivate" | "private" | "rshared" | "shared" | "rslave" | "slave" => {
                            out.propagation = opt
                        }
                        _ => {}
                    }
                }
            }
            start = i + 1;
        }
        if at_end {
            return Ok(out);
        }
    }
}

/// Parse a short-syntax volume into its long form.
///
/// # Errors
/// An empty spec, an empty section between colons, too many colons.
pub fn parse_volume(spec: &str) -> Result<Node, String> {
    let v = split_volume(spec)?;
    Ok(build(&v))
}

fn is_file_path(source: &str) -> bool {
    let mut it = source.chars();
    match it.next() {
        None => false,
        Some('.' | '/' | '~') => true,
        Some(first) => {
            source.starts_with("\\\\") || (first.is_alphabetic() && it.next() == Some(':'))
        }
    }
}

fn build(v: &VolumeSpec<'_>) -> Node {
    let (source, target) = (v.source, v.target());
    let (selinux, propagation) = (v.selinux, v.propagation);
    // type, source, target, read_only, bind or volume: one growth step less than default.
    let mut m = Map::with_capacity_and_hasher(6, Default::default());
    let bind = is_file_path(source);
    m.insert("type".into(), s(if bind { "bind" } else { "volume" }));
    if !source.is_empty() {
        m.insert("source".into(), s(source));
    }
    if !target.is_empty() {
        m.insert("target".into(), s(&target));
    }
    if v.read_only {
        m.insert("read_only".into(), Node::synthetic(Value::Bool(true)));
    }
    if bind {
        let mut b = Map::default();
        if !propagation.is_empty() {
            b.insert("propagation".into(), s(propagation));
        }
        b.insert(
            "create_host_path".into(),
            Node::synthetic(Value::Bool(true)),
        );
        if !selinux.is_empty() {
            b.insert("selinux".into(), s(selinux));
        }
        m.insert("bind".into(), Node::synthetic(Value::Map(b)));
    } else {
        let mut volume = Map::default();
        if v.nocopy {
            volume.insert("nocopy".into(), Node::synthetic(Value::Bool(true)));
        }
        m.insert("volume".into(), Node::synthetic(Value::Map(volume)));
        // Bind options on a named volume are kept by compose in a `bind` block.
        if !selinux.is_empty() || !propagation.is_empty() {
            let mut b = Map::default();
            if !propagation.is_empty() {
                b.insert("propagation".into(), s(propagation));
            }
            if !selinux.is_empty() {
                b.insert("selinux".into(), s(selinux));
            }
            m.insert("bind".into(), Node::synthetic(Value::Map(b)));
        }
    }
    Node::synthetic(Value::Map(m))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn p(spec: &str) -> serde_json::Value {
        parse_volume(spec)
            .unwrap_or_else(|e| panic!("{e}"))
            .to_json()
    }

    /// The former char-buffer parser, the reference for [`split_volume`].
    ///
    /// # Errors
    /// An empty spec, an empty section between colons, too many colons.
    fn parse_volume_by_chars(spec: &str) -> Result<serde_json::Value, String> {
        let mut source = String::new();
        let mut target = String::new();
        let mut read_only = false;
        let mut nocopy = false;
        let mut selinux = String::new();
        let mut propagation = String::new();
        let chars: Vec<char> = spec.chars().collect();
        match chars.len() {
            0 => return Err("invalid empty volume spec".into()),
            1 | 2 => {
                return Ok(
                    json!({"source": "", "target": spec, "ro": false, "nocopy": false, "selinux": "", "propagation": ""}),
                );
            }
            _ => {}
        }
        let mut buffer: Vec<char> = Vec::new();
        let mut in_var = 0usize;
        let mut have_source = false;
        let mut have_target = false;
        let fail = |msg: &str| Err(format!("invalid spec: {spec}: {msg}"));
        for i in 0..=chars.len() {
            let ch = chars.get(i).copied();
            if ch == Some('$') && chars.get(i + 1) == Some(&'{') {
                in_var += 1;
                buffer.push('$');
                continue;
            }
            if ch == Some('}') && in_var > 0 {
                in_var -= 1;
                buffer.push('}');
                continue;
            }
            let is_drive = ch == Some(':')
                && buffer.len() == 1
                && buffer.first().is_some_and(|c| c.is_alphabetic());
            let at_end = ch.is_none();
            if is_drive {
                buffer.push(':');
            } else if (ch == Some(':') || at_end) && in_var == 0 {
                let text: String = buffer.iter().collect();
                if buffer.is_empty() {
                    return fail("empty section between colons");
                } else if !have_source && at_end {
                    target = text;
                    have_target = true;
                } else if !have_source {
                    source = text;
                    have_source = true;
                } else if !have_target {
                    target = text;
                    have_target = true;
                } else if !at_end {
                    return fail("too many colons");
                } else {
                    for opt in text.split(',') {
                        match opt {
                            "ro" => read_only = true,
                            "rw" => read_only = false,
                            "nocopy" => nocopy = true,
                            "z" | "Z" => selinux = opt.to_string(),
                            "rprivate" | "private" | "rshared" | "shared" | "rslave" | "slave" => {
                                propagation = opt.to_string()
                            }
                            _ => {}
                        }
                    }
                }
                buffer.clear();
            } else if let Some(c) = ch {
                buffer.push(c);
            }
        }
        let target = if target.is_empty() {
            target
        } else {
            clean_unix(&target)
        };
        Ok(
            json!({"source": source, "target": target, "ro": read_only, "nocopy": nocopy, "selinux": selinux, "propagation": propagation}),
        )
    }

    fn split_as_json(spec: &str) -> Result<serde_json::Value, String> {
        split_volume(spec).map(|v| {
            json!({"source": v.source, "target": v.target(), "ro": v.read_only,
                "nocopy": v.nocopy, "selinux": v.selinux, "propagation": v.propagation})
        })
    }

    proptest::proptest! {
        /// The slice-based split agrees with the char-buffer parser it replaced, on specs
        /// full of colons, `${...}`, drive letters, options and non-ASCII letters.
        #[test]
        fn split_agrees_with_the_char_parser(
            spec in concat!(
                "([a-zC/.:${}~,é]|ro|rw|nocopy|rshared|z|Z|\\\\){0,14}",
                "|[a-zC/.${}~é\\\\]{0,4}(:[a-zC/.${}~é]{0,4}){0,2}",
                "(:(ro|rw|nocopy|z|Z|rshared|x)(,(ro|rw|nocopy|z|Z|rshared|x)){0,2})?",
            )
        ) {
            proptest::prop_assert_eq!(split_as_json(&spec), parse_volume_by_chars(&spec));
        }
    }

    #[test]
    fn bind_named_anonymous() {
        assert_eq!(
            p("./data:/var/lib/data:ro"),
            json!({"type": "bind", "source": "./data", "target": "/var/lib/data", "read_only": true, "bind": {"create_host_path": true}})
        );
        assert_eq!(
            p("db:/var/lib/pg"),
            json!({"type": "volume", "source": "db", "target": "/var/lib/pg", "volume": {}})
        );
        assert_eq!(
            p("/var/cache/"),
            json!({"type": "volume", "target": "/var/cache", "volume": {}})
        );
        assert_eq!(
            p("/src:/dst:z"),
            json!({"type": "bind", "source": "/src", "target": "/dst", "bind": {"create_host_path": true, "selinux": "z"}})
        );
        assert_eq!(
            p("vol:/d:nocopy"),
            json!({"type": "volume", "source": "vol", "target": "/d", "volume": {"nocopy": true}})
        );
    }

    #[test]
    fn errors() {
        assert_eq!(
            parse_volume("ab::c").err(),
            Some("invalid spec: ab::c: empty section between colons".to_string())
        );
        assert_eq!(
            parse_volume("").err(),
            Some("invalid empty volume spec".to_string())
        );
    }
}
