//! Comparing a target's observations with Docker Compose's: each observation equal,
//! different, or different by design (declared in the scenario's case.json with a reason).

use crate::observe::Flat;
use serde::Deserialize;

/// A difference the scenario expects for a target, and why.
#[derive(Debug, Clone, Deserialize)]
pub struct ByDesign {
    /// Observation key pattern; `*` matches any run of characters.
    pub observation: String,
    pub reason: String,
}

/// One observation that is not the same on both sides.
#[derive(Debug, Clone, PartialEq)]
pub struct Difference {
    pub key: String,
    pub compose: Option<String>,
    pub target: Option<String>,
    /// The declared reason, when by design.
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Verdict {
    pub equal: usize,
    pub differences: Vec<Difference>,
}

impl Verdict {
    pub fn undeclared(&self) -> impl Iterator<Item = &Difference> {
        self.differences.iter().filter(|d| d.reason.is_none())
    }
    pub fn by_design(&self) -> impl Iterator<Item = &Difference> {
        self.differences.iter().filter(|d| d.reason.is_some())
    }
    /// No difference that the scenario does not declare.
    pub fn is_equal(&self) -> bool {
        self.undeclared().next().is_none()
    }
}

/// `*`-glob match of a whole key.
pub fn glob(pattern: &str, key: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    let (first, rest) = parts.split_first().unwrap();
    let Some(mut tail) = key.strip_prefix(first) else {
        return false;
    };
    let Some((last, middle)) = rest.split_last() else {
        return tail.is_empty();
    };
    for part in middle {
        match tail.find(part) {
            Some(at) => tail = &tail[at + part.len()..],
            None => return false,
        }
    }
    tail.len() >= last.len() && tail.ends_with(last)
}

pub fn compare(compose: &Flat, target: &Flat, by_design: &[ByDesign]) -> Verdict {
    let mut verdict = Verdict::default();
    let keys: std::collections::BTreeSet<&String> = compose.keys().chain(target.keys()).collect();
    for key in keys {
        let (a, b) = (compose.get(key), target.get(key));
        if a == b {
            verdict.equal += 1;
            continue;
        }
        let reason = by_design
            .iter()
            .find(|d| glob(&d.observation, key))
            .map(|d| d.reason.clone());
        verdict.differences.push(Difference {
            key: key.clone(),
            compose: a.cloned(),
            target: b.cloned(),
            reason,
        });
    }
    verdict
}

/// The mutant check: `mutant` is the comparison after dropping `variable` from the
/// converted output, `base` the one without the mutation. It passes only when the mutant's
/// undeclared differences are the base's plus that variable, and nothing else (a base
/// difference whose value changed counts as new).
pub fn mutant_caught(base: &Verdict, mutant: &Verdict, variable: &str) -> Result<(), String> {
    // A difference is new when the base did not have it, or had it with another value.
    let base_diffs: std::collections::BTreeMap<&str, &Option<String>> = base
        .undeclared()
        .map(|d| (d.key.as_str(), &d.target))
        .collect();
    let new: Vec<&str> = mutant
        .undeclared()
        .filter(|d| base_diffs.get(d.key.as_str()) != Some(&&d.target))
        .map(|d| d.key.as_str())
        .collect();
    let suffix = format!(" env.{variable}");
    let stray: Vec<&&str> = new.iter().filter(|k| !k.ends_with(&suffix)).collect();
    if new.is_empty() {
        return Err(format!(
            "dropping {variable} was not reported as a difference"
        ));
    }
    if !stray.is_empty() {
        return Err(format!(
            "dropping {variable} was reported with other differences too: {stray:?}"
        ));
    }
    Ok(())
}
