//! Running commands with a deadline, capturing their output.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct Output {
    pub ok: bool,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    /// stdout, or an error naming the command and its stderr.
    pub fn checked(self, what: &str) -> Result<String, String> {
        if self.ok {
            Ok(self.stdout)
        } else {
            Err(format!("{what}: {}", self.stderr.trim()))
        }
    }
}

/// Runs `cmd` (stdin closed) and kills it after `limit`.
pub fn run(cmd: &mut Command, limit: Duration) -> Output {
    let started = Instant::now();
    let mut child = match cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => {
            return Output {
                ok: false,
                stdout: String::new(),
                stderr: format!("{cmd:?}: {e}"),
            };
        }
    };
    // Drain both pipes on threads so a chatty command cannot block on a full pipe.
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out_t = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = out.read_to_end(&mut b);
        b
    });
    let err_t = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = err.read_to_end(&mut b);
        b
    });
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break Some(s),
            Ok(None) if started.elapsed() < limit => std::thread::sleep(Duration::from_millis(50)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
        }
    };
    let stdout = String::from_utf8_lossy(&out_t.join().unwrap_or_default()).into_owned();
    let mut stderr = String::from_utf8_lossy(&err_t.join().unwrap_or_default()).into_owned();
    if status.is_none() {
        stderr.push_str(&format!("\n(killed after {limit:?})"));
    }
    Output {
        ok: status.is_some_and(|s| s.success()),
        stdout,
        stderr,
    }
}

/// `docker ARGS` with a deadline.
pub fn docker(args: &[&str], limit: Duration) -> Output {
    run(Command::new("docker").args(args), limit)
}

pub fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}
