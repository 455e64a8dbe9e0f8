//! One `nomad var put` per Nomad Variables path, listing every key the tasks read there.
//! Without a spec file `var put` builds the variable from the items given and writes it
//! with check-and-set (command/var_put.go: `makeVariable`, then `CheckedUpdate` unless
//! `-force`), so keys put one command at a time fail on the second command, or, forced,
//! replace each other: a template then renders the missing key as an empty file.

use super::{Cx, Item, Step, StepKind, Value, sh, some, unique_count};

/// Nomad refuses a variable whose items exceed 64 KiB in total (nomad/structs/variables.go:
/// "variables are limited to 64KiB in total size").
const MAX_VARIABLE_BYTES: u64 = 64 * 1024;

pub fn steps(cx: &Cx) -> Vec<Step> {
    let mut paths: Vec<(&str, Vec<&Item>)> = Vec::new();
    for item in &cx.facts.items {
        match paths.iter_mut().find(|(p, _)| *p == item.path) {
            Some((_, items)) => items.push(item),
            None => paths.push((&item.path, vec![item])),
        }
    }
    paths
        .into_iter()
        .map(|(path, items)| put(cx, path, &items))
        .collect()
}

/// A path below the project as `./rel`, others as they are.
fn shown(cx: &Cx, file: &str) -> String {
    match std::path::Path::new(file).strip_prefix(&cx.project.working_dir) {
        Ok(rel) if crate::backend::below_project(file, &cx.project.working_dir) => {
            format!("./{}", rel.display())
        }
        _ => file.to_string(),
    }
}

/// A shell variable name, so `"$NAME"` expands it.
fn shell_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn put(cx: &Cx, path: &str, items: &[&Item]) -> Step {
    // One item per key: readers of the same key share its value (Facts::item).
    let mut keys: Vec<&Item> = Vec::new();
    for i in items {
        if !keys.iter().any(|k| k.key == i.key) {
            keys.push(i);
        }
    }
    let mut args: Vec<String> = Vec::new();
    let mut sourced: Vec<String> = Vec::new();
    let mut lines: Vec<String> = Vec::new();
    let mut bytes: u64 = 0;
    for i in &keys {
        let readers: Vec<String> = items
            .iter()
            .filter(|r| r.key == i.key)
            .map(|r| format!("`services.{}.{}`", r.service, r.key_path))
            .collect();
        let from = match &i.value {
            Value::File(f) => {
                bytes += std::fs::metadata(f).map(|m| m.len()).unwrap_or(0);
                let shown = shown(cx, f);
                args.push(sh(&format!(
                    "{}=@{}",
                    i.key,
                    shown.trim_start_matches("./")
                )));
                format!("the file {shown}")
            }
            Value::Env(var) if shell_name(var) => {
                args.push(format!("{}=\"${var}\"", sh(&i.key)));
                format!("the environment variable {var} of the shell that runs the command")
            }
            Value::EnvFile(files) => {
                for f in files {
                    let f = shown(cx, f);
                    if !sourced.contains(&f) {
                        sourced.push(f);
                    }
                }
                args.push(format!("{}=\"${}\"", sh(&i.key), i.key));
                files
                    .iter()
                    .map(|f| shown(cx, f))
                    .collect::<Vec<_>>()
                    .join(" and ")
            }
            Value::Env(_) | Value::Unknown => {
                let placeholder = format!("/path/to/{}", i.key);
                args.push(sh(&format!("{}=@{placeholder}", i.key)));
                format!("nothing this project holds: replace {placeholder} with its file")
            }
        };
        lines.push(format!(
            "- `{}`: {}, from {from}; read by {}",
            i.key,
            i.what,
            readers.join(", ")
        ));
    }
    let mut command = format!("nomad var put{} {}", cx.flags(), sh(path));
    for a in &args {
        command.push(' ');
        command.push_str(a);
    }
    // The env files are read in a subshell, so their variables do not stay in the
    // operator's shell; compose's later files win, as `.` of each in order gives.
    if !sourced.is_empty() {
        let dots: Vec<String> = sourced.iter().map(|f| format!(". {}", sh(f))).collect();
        command = format!("(set -a && {} && {command})", dots.join(" && "));
    }
    let services: Vec<String> = items.iter().map(|i| i.service.clone()).collect();
    let mut why = format!(
        "{} read{} the variable {path}, which a task may read without an ACL policy (its workload identity reads nomad/jobs/<job>, nomad/jobs/<job>/<group> and nomad/jobs/<job>/<group>/<task>):\n\n{}.\n\nPut every key in one command: `nomad var put` writes the whole variable from the items given, with check-and-set, so keys put one by one fail or replace each other. It fails when the variable already exists: add `-force` to replace it (every key is listed here). Run it from the project directory (the paths are relative to it). See https://developer.hashicorp.com/nomad/commands/var/put.",
        some(&services),
        if unique_count(&services) > 1 { "" } else { "s" },
        lines.join(";\n")
    );
    if !sourced.is_empty() {
        why.push_str(" The command reads the env files by sourcing them in a subshell: check that they are valid sh (compose's env file syntax is close to it, not the same).");
    }
    if bytes > MAX_VARIABLE_BYTES {
        why.push_str(&format!(
            "\n\nIts files add up to {} KiB, more than the 64 KiB Nomad allows one variable: keep the largest on the clients instead (a host volume).",
            bytes.div_ceil(1024)
        ));
    }
    let mut step =
        Step::new(StepKind::Secret, format!("Put the variable {path}"), why).commands([command]);
    step.source = keys
        .first()
        .and_then(|i| cx.source(&i.service, &i.key_path));
    step
}
