//! What a target showed, per service and replica slot, flattened into comparable
//! observations `"<svc>.<slot>#<run> <kind>[:<what>]" → value`, with volatile values
//! normalised (and the normalisations named in `NORMALISED`).

use crate::probe::Run;
use serde_json::Value;
use std::collections::BTreeMap;

/// Every container a target started: (service, slot) → its runs in start order.
#[derive(Debug, Clone, Default)]
pub struct Observed {
    pub slots: BTreeMap<(String, u32), Vec<Run>>,
}

/// Flattened observations, in a stable order.
pub type Flat = BTreeMap<String, String>;

/// What `flatten` rewrites because it differs from one start to the next by nature.
pub const NORMALISED: &[&str] = &[
    "a 12-hex-digit container id (HOSTNAME, the hostname, a dial reply) → <id>",
    "env HOSTNAME equal to the container's hostname → <hostname>",
];

impl Observed {
    pub fn add(&mut self, service: &str, slot: u32, runs: Vec<Run>) {
        self.slots
            .entry((service.to_string(), slot))
            .or_default()
            .extend(runs);
    }
    pub fn settled(&self) -> bool {
        self.slots
            .values()
            .all(|runs| runs.last().is_some_and(Run::settled))
    }
}

fn is_container_id(s: &str) -> bool {
    s.len() == 12
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Container ids inside a text (a dial reply is "<hostname> <state>").
fn scrub_ids(s: &str) -> String {
    s.split(' ')
        .map(|w| if is_container_id(w) { "<id>" } else { w })
        .collect::<Vec<_>>()
        .join(" ")
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The record without its kind and naming field, as compact JSON.
fn rest(record: &Value, drop: &[&str]) -> String {
    let mut map = record.as_object().cloned().unwrap_or_default();
    map.remove("k");
    for d in drop {
        map.remove(*d);
    }
    if let Some(Value::String(reply)) = map.get("reply") {
        map.insert("reply".into(), Value::String(scrub_ids(reply)));
    }
    Value::Object(map).to_string()
}

fn put(flat: &mut Flat, key: String, value: String) {
    flat.entry(key)
        .and_modify(|v| {
            v.push_str(" | ");
            v.push_str(&value);
        })
        .or_insert(value);
}

/// One run's observations under `prefix` ("web.1#2").
fn flatten_run(flat: &mut Flat, prefix: &str, run: &Run) {
    let hostname = run
        .records
        .iter()
        .find(|r| r["k"] == "hostname")
        .map(|r| text(&r["v"]));
    put(
        flat,
        format!("{prefix} ready"),
        run.kind_seen("ready").to_string(),
    );
    for r in &run.records {
        let kind = r["k"].as_str().unwrap_or("?");
        match kind {
            "start" | "ready" => {}
            "argv" => put(flat, format!("{prefix} argv"), r["v"].to_string()),
            "env" => {
                for (name, value) in r["v"].as_object().into_iter().flatten() {
                    let mut value = text(value);
                    if name == "HOSTNAME" && Some(&value) == hostname.as_ref() {
                        value = "<hostname>".into();
                    }
                    if is_container_id(&value) {
                        value = "<id>".into();
                    }
                    put(flat, format!("{prefix} env.{name}"), value);
                }
            }
            "hostname" => {
                let v = text(&r["v"]);
                let v = if is_container_id(&v) {
                    "<id>".into()
                } else {
                    v
                };
                put(flat, format!("{prefix} hostname"), v);
            }
            "id" | "stdin" | "exit" => put(flat, format!("{prefix} {kind}"), rest(r, &[])),
            "file" => {
                // Mode and owner apart from the content: a target that sets other modes by
                // design must still deliver the same bytes.
                let path = text(&r["path"]);
                put(
                    flat,
                    format!("{prefix} file:{path}"),
                    rest(r, &["path", "mode", "uid", "gid"]),
                );
                let owner: serde_json::Map<String, Value> = ["mode", "uid", "gid"]
                    .iter()
                    .filter_map(|k| r.get(*k).map(|v| (k.to_string(), v.clone())))
                    .collect();
                if !owner.is_empty() {
                    put(
                        flat,
                        format!("{prefix} file-mode:{path}"),
                        Value::Object(owner).to_string(),
                    );
                }
            }
            "wrote" | "counter" => put(
                flat,
                format!("{prefix} {kind}:{}", text(&r["path"])),
                rest(r, &["path"]),
            ),
            "resolve" | "await" => put(
                flat,
                format!(
                    "{prefix} {kind}:{}",
                    text(r.get("name").or(r.get("host")).unwrap_or(&Value::Null))
                ),
                rest(r, &["name", "host"]),
            ),
            "dial" => put(
                flat,
                format!("{prefix} dial:{}", text(&r["target"])),
                rest(r, &["target"]),
            ),
            "signal" => put(
                flat,
                format!("{prefix} signal:{}", text(&r["name"])),
                rest(r, &["name"]),
            ),
            other => put(flat, format!("{prefix} {other}"), rest(r, &[])),
        }
    }
}

/// Every observation of a target: instance count per service, start count per slot, and
/// each run's records.
pub fn flatten(obs: &Observed) -> Flat {
    let mut flat = Flat::new();
    let mut instances: BTreeMap<&str, u32> = BTreeMap::new();
    for ((service, slot), runs) in &obs.slots {
        *instances.entry(service).or_default() += 1;
        put(
            &mut flat,
            format!("{service}.{slot} starts"),
            runs.len().to_string(),
        );
        for (i, run) in runs.iter().enumerate() {
            flatten_run(&mut flat, &format!("{service}.{slot}#{}", i + 1), run);
        }
    }
    for (service, n) in instances {
        put(&mut flat, format!("{service} instances"), n.to_string());
    }
    flat
}
