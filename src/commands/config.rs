//! `transship config`: the loaded project as `docker compose config` prints it.

use crate::cli::{ConfigArgs, Format, LoadArgs};
use crate::commands::{load_options, print_warnings};
use crate::load;
use crate::source::SourceMap;
use std::io::Write;
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
    let text = render(&loaded, args.format, !args.no_interpolate)?;
    out.write_all(text.as_bytes())?;
    crate::commands::discard((loaded, text));
    Ok(ExitCode::SUCCESS)
}

/// The printed model. Interpolated output escapes every `$` as `$$` so that it loads again
/// to the same values (compose does the same).
///
/// # Errors
/// Serialisation failures.
pub fn render(loaded: &load::Loaded, format: Format, interpolated: bool) -> anyhow::Result<String> {
    let value = if interpolated {
        discard_env_files(loaded.project.to_compose_json())
    } else {
        sorted(loaded.tree.to_json())
    };
    let text = match format {
        Format::Json => {
            let mut s = serde_json::to_string_pretty(&value)?;
            s.push('\n');
            s
        }
        Format::Yaml => load::yaml::to_yaml_string(&value).map_err(anyhow::Error::msg)?,
    };
    Ok(if interpolated {
        text.replace('$', "$$")
    } else {
        text
    })
}

/// `env_file` and `label_file` contents are already merged into `environment` and `labels`;
/// compose's `config` drops the file references, and so do we (the model keeps them).
fn discard_env_files(mut v: serde_json::Value) -> serde_json::Value {
    if let Some(services) = v
        .get_mut("services")
        .and_then(serde_json::Value::as_object_mut)
    {
        for svc in services.values_mut() {
            if let Some(s) = svc.as_object_mut() {
                s.shift_remove("env_file");
                s.shift_remove("label_file");
            }
        }
    }
    v
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
