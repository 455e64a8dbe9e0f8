//! Reading what the probe printed: `TSPROBE {json}` lines, split into runs (one per
//! container start, each beginning with `{"k":"start"}`).

use serde_json::Value;

/// What one container start printed, in order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Run {
    pub records: Vec<Value>,
}

impl Run {
    pub fn kind_seen(&self, kind: &str) -> bool {
        self.records.iter().any(|r| r["k"] == kind)
    }
    /// Printed `ready` and has neither exited nor been told to stop: what a running
    /// container's last run looks like once it has settled (anything else is a new start
    /// that has not printed yet).
    pub fn alive(&self) -> bool {
        self.kind_seen("ready")
            && !self.kind_seen("exit")
            && !self
                .records
                .iter()
                .any(|r| r["k"] == "signal" && (r["name"] == "SIGTERM" || r["name"] == "SIGINT"))
    }
    /// Printed `ready`, or reported an exit: the probe has done everything it will do.
    pub fn settled(&self) -> bool {
        self.kind_seen("ready") || self.kind_seen("exit")
    }
}

/// The probe's records in `text` (a container log or a unit's journal). Other lines (docker's
/// own errors in a journal, a tty's carriage returns) are skipped; records before the first
/// `start` (a log that was cut) form a run of their own.
pub fn parse_runs(text: &str) -> Vec<Run> {
    let mut runs: Vec<Run> = Vec::new();
    for line in text.lines() {
        let line = line.trim_end_matches('\r');
        let Some(at) = line.find("TSPROBE ") else {
            continue;
        };
        let Ok(record) = serde_json::from_str::<Value>(&line[at + "TSPROBE ".len()..]) else {
            continue;
        };
        if record["k"] == "start" || runs.is_empty() {
            runs.push(Run::default());
        }
        runs.last_mut().unwrap().records.push(record);
    }
    runs
}
