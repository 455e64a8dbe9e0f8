//! What every target does the same way: deploy, settle, run the steps, observe, tear down.

use crate::observe::{Observed, flatten};
use crate::scenario::{Scenario, Step};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Paths and programs every target needs.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub transship: PathBuf,
    pub compose: PathBuf,
    pub repo: PathBuf,
    /// Scratch directory of this run (on the host, visible at the same path in the systemd
    /// containers).
    pub work: PathBuf,
}

/// A project running on one target.
pub trait Deployment {
    /// What every container printed so far, and whether the engine is still busy with it
    /// (containers being created or restarted, units activating).
    fn observe(&mut self) -> Result<(Observed, bool), String>;
    fn step(&mut self, step: &Step) -> Result<(), String>;
    /// Removes everything the deployment created; never fails the scenario.
    fn teardown(&mut self);
}

/// Observes until the engine is idle, every container printed `ready` or exited, and nothing
/// changed for `quiet`; at most `limit` (then the last observation stands, unsettled).
pub fn settle(
    d: &mut dyn Deployment,
    limit: Duration,
    quiet: Duration,
) -> Result<Observed, String> {
    let started = Instant::now();
    let mut last = None;
    let mut since = Instant::now();
    loop {
        let (obs, busy) = d.observe()?;
        let flat = flatten(&obs);
        if last.as_ref() != Some(&flat) {
            last = Some(flat);
            since = Instant::now();
        }
        // Nothing at all after 10 s: nothing is going to start (a refused deployment).
        let started_any = !obs.slots.is_empty() || started.elapsed() >= Duration::from_secs(10);
        let done = !busy && obs.settled() && started_any && since.elapsed() >= quiet;
        if done || started.elapsed() >= limit {
            return Ok(obs);
        }
        std::thread::sleep(Duration::from_millis(400));
    }
}

/// Deploys with `deploy`, settles, runs the scenario's steps and returns the final
/// observation; tears down whatever happened.
pub fn exercise(
    sc: &Scenario,
    deploy: impl FnOnce() -> Result<Box<dyn Deployment>, String>,
    quiet: Duration,
) -> Result<Observed, String> {
    let mut d = deploy()?;
    let result = (|| {
        settle(d.as_mut(), Duration::from_secs(45), quiet)?;
        for step in &sc.case.steps {
            if step.action == "wait" {
                std::thread::sleep(Duration::from_secs(step.seconds));
            } else {
                d.step(step)?;
            }
            settle(d.as_mut(), Duration::from_secs(45), quiet)?;
        }
        let (obs, _) = d.observe()?;
        Ok(obs)
    })();
    d.teardown();
    result
}
