//! The per-target table: one row per scenario, the differing observations spelled out.

use crate::compare::Verdict;

/// One scenario's outcome on a target: its verdict, or why it could not be compared.
pub struct Row {
    pub scenario: String,
    pub outcome: Result<Verdict, String>,
}

fn short(v: &Option<String>) -> String {
    match v {
        None => "(absent)".into(),
        // Debug quoting: newlines and trailing spaces stay visible on one line.
        Some(s) if s.chars().count() > 90 => {
            format!("{:?}…", s.chars().take(90).collect::<String>())
        }
        Some(s) => format!("{s:?}"),
    }
}

/// The table as text, ending with the totals line `N/M equal`.
pub fn render(target: &str, rows: &[Row]) -> String {
    let mut out = format!("\n### engine: {target} vs docker compose\n\n");
    out.push_str(
        "| scenario | result | equal | different | by design |\n|---|---|---:|---:|---:|\n",
    );
    let mut details = String::new();
    let mut equal = 0;
    for row in rows {
        match &row.outcome {
            Ok(v) => {
                let (undeclared, designed) = (v.undeclared().count(), v.by_design().count());
                let result = if v.is_equal() { "equal" } else { "different" };
                equal += usize::from(v.is_equal());
                out.push_str(&format!(
                    "| {} | {result} | {} | {undeclared} | {designed} |\n",
                    row.scenario, v.equal
                ));
                if undeclared + designed > 0 {
                    details.push_str(&format!("{}:\n", row.scenario));
                }
                for (i, d) in v.undeclared().enumerate() {
                    if i == 15 {
                        details
                            .push_str(&format!("  … and {} more differences\n", undeclared - 15));
                        break;
                    }
                    details.push_str(&format!(
                        "  DIFFERENT {}: compose {} / {target} {}\n",
                        d.key,
                        short(&d.compose),
                        short(&d.target)
                    ));
                }
                // By-design differences are grouped by reason: listed, never hidden.
                let mut reasons: Vec<(&str, usize, &str)> = Vec::new();
                for d in v.by_design() {
                    let reason = d.reason.as_deref().unwrap_or("");
                    match reasons.iter_mut().find(|r| r.0 == reason) {
                        Some(r) => r.1 += 1,
                        None => reasons.push((reason, 1, &d.key)),
                    }
                }
                for (reason, n, first) in reasons {
                    details.push_str(&format!("  BY DESIGN ({n}, e.g. {first}): {reason}\n"));
                }
            }
            Err(e) => {
                out.push_str(&format!("| {} | error | 0 | - | - |\n", row.scenario));
                details.push_str(&format!("{}:\n  ERROR {e}\n", row.scenario));
            }
        }
    }
    out.push('\n');
    out.push_str(&details);
    out.push_str(&format!("engine-{target}: {equal}/{} equal\n", rows.len()));
    out
}
