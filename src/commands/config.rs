//! `transship config`: the loaded project as `docker compose config` prints it.

use crate::cli::{ConfigArgs, Format, LoadArgs};
use crate::commands::{load_options, print_warnings};
use crate::load;
use crate::model::ComposeJson;
use crate::source::SourceMap;
use serde_json::ser::{Formatter, PrettyFormatter};
use std::io::{self, Write};
use std::process::ExitCode;

/// # Errors
/// Output cannot be written.
pub fn run(load_args: &LoadArgs, args: &ConfigArgs) -> anyhow::Result<ExitCode> {
    let opts = load_options(load_args, !args.no_interpolate)?;
    let sources = SourceMap::new();
    let loaded = match crate::commands::load_or_report(&opts, &sources) {
        Ok(l) => l,
        Err(code) => return Ok(code),
    };
    print_warnings(&loaded.warnings, &sources);
    if args.quiet {
        crate::commands::discard(loaded);
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = std::io::stdout().lock();
    if args.services || args.volumes {
        let key = if args.services { "services" } else { "volumes" };
        if let Some(m) = loaded.tree.get(key).and_then(load::node::Node::as_map) {
            for name in m.keys() {
                writeln!(out, "{name}")?;
            }
        }
        return Ok(ExitCode::SUCCESS);
    }
    // Streamed: the JSON of 5,000 services is 5 MB, and building it in memory first made
    // the run touch that much fresh memory (and copy it at every doubling).
    let mut out = io::BufWriter::with_capacity(64 << 10, out);
    write_model(&loaded, args.format, !args.no_interpolate, &mut out)?;
    out.flush()?;
    crate::commands::discard(loaded);
    Ok(ExitCode::SUCCESS)
}

/// The printed model as text (what [`write_model`] writes).
///
/// # Errors
/// Serialisation failures.
pub fn render(loaded: &load::Loaded, format: Format, interpolated: bool) -> anyhow::Result<String> {
    let mut out = Vec::new();
    write_model(loaded, format, interpolated, &mut out)?;
    Ok(String::from_utf8(out)?)
}

/// Write the printed model to `out`. Interpolated output escapes every `$` as `$$` so that
/// it loads again to the same values (compose does the same).
///
/// # Errors
/// Serialisation or write failures.
pub fn write_model(
    loaded: &load::Loaded,
    format: Format,
    interpolated: bool,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    if !interpolated {
        let value = sorted(loaded.tree.to_json());
        return match format {
            Format::Json => pretty_json(&value, PrettyFormatter::new(), out),
            Format::Yaml => {
                let text = load::yaml::to_yaml_string(&value).map_err(anyhow::Error::msg)?;
                Ok(out.write_all(text.as_bytes())?)
            }
        };
    }
    let view = ComposeJson {
        project: &loaded.project,
        env_files: false,
    };
    match format {
        // Streamed from the model: a JSON tree of a large project costs more than printing it.
        Format::Json => {
            view.write_pretty(out, &DollarsDoubled(PrettyFormatter::new()))?;
            Ok(out.write_all(b"\n")?)
        }
        Format::Yaml => {
            let text = load::yaml::to_yaml_string(&serde_json::to_value(view)?)
                .map_err(anyhow::Error::msg)?
                .replace('$', "$$");
            Ok(out.write_all(text.as_bytes())?)
        }
    }
}

fn pretty_json(
    value: &impl serde::Serialize,
    formatter: impl Formatter,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    value.serialize(&mut serde_json::Serializer::with_formatter(
        &mut *out, formatter,
    ))?;
    out.write_all(b"\n")?;
    Ok(())
}

/// Pretty JSON with every `$` written `$$`. A `$` can only stand in a string (key or value),
/// and serde_json writes it unescaped, so doubling it in string fragments is the same as
/// doubling it in the whole text.
#[derive(Clone)]
struct DollarsDoubled(PrettyFormatter<'static>);

impl Formatter for DollarsDoubled {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut parts = fragment.split('$');
        if let Some(first) = parts.next() {
            w.write_all(first.as_bytes())?;
        }
        for part in parts {
            w.write_all(b"$$")?;
            w.write_all(part.as_bytes())?;
        }
        Ok(())
    }
    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_value(w)
    }
}

/// Keys sorted at every level (Go's JSON encoder sorts map keys).
fn sorted(v: serde_json::Value) -> serde_json::Value {
    match v {
        serde_json::Value::Object(m) => {
            let mut entries: Vec<_> = m.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            serde_json::Value::Object(entries.into_iter().map(|(k, v)| (k, sorted(v))).collect())
        }
        serde_json::Value::Array(a) => {
            serde_json::Value::Array(a.into_iter().map(sorted).collect())
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Streaming with `$` doubled in string fragments prints what doubling every `$` of
        /// the whole printed text does (as `config` did before it streamed), with escapes,
        /// control characters and `$` in keys as well as values.
        #[test]
        fn dollars_doubled_in_fragments_equal_doubled_text(
            key in "\\PC*|[$\"\\\\a\\n]*",
            value in "\\PC*|[$\"\\\\\\u{1}{}]*",
            items in proptest::collection::vec("[$a-c\\t]*", 0..4),
        ) {
            let json = serde_json::json!({ key: value, "list": items, "n": 1 });
            let mut streamed = Vec::new();
            pretty_json(&json, DollarsDoubled(PrettyFormatter::new()), &mut streamed)
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            let streamed = String::from_utf8(streamed).ok();
            let whole = serde_json::to_string_pretty(&json).map(|t| t.replace('$', "$$") + "\n");
            prop_assert_eq!(streamed, whole.ok());
        }
    }
}
