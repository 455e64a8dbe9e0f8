//! The engine harness's probe: stands in for every image of a scenario and reports what the
//! container observes as `TSPROBE {json}` lines on stdout. The protocol is in README.md.

mod files;
mod json;
mod net;
mod sys;

use json::{Json, obj};
use std::ffi::OsString;
use std::io::Write;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

const HEALTHY_FILE: &str = "/tmp/.probe-healthy";

/// One line at a time, whichever thread reports.
static OUT: Mutex<()> = Mutex::new(());

fn emit(value: Json) {
    let line = format!("TSPROBE {}\n", value.encode());
    let _guard = OUT.lock();
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(line.as_bytes());
    let _ = out.flush();
}

fn kind(k: &str, mut fields: Vec<(&str, Json)>) -> Json {
    fields.insert(0, ("k", Json::str(k)));
    obj(fields)
}

fn env_bytes(name: &str) -> Option<Vec<u8>> {
    std::env::var_os(name).map(OsString::into_vec)
}

/// The non-empty items of a list variable.
fn items(name: &str, sep: u8) -> Vec<Vec<u8>> {
    env_bytes(name)
        .map(|v| {
            v.split(|b| *b == sep)
                .filter(|s| !s.is_empty())
                .map(<[u8]>::to_vec)
                .collect()
        })
        .unwrap_or_default()
}

fn env_seconds(name: &str, default: f64) -> Duration {
    let secs = std::env::var(name)
        .ok()
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .unwrap_or(default);
    Duration::from_secs_f64(secs)
}

fn is_healthy() -> bool {
    Path::new(HEALTHY_FILE).exists()
}

fn exit_with(code: i32) -> ! {
    emit(kind("exit", vec![("code", Json::Int(code.into()))]));
    std::process::exit(code)
}

/// Reports SIGHUP/SIGUSR1/SIGUSR2 with a count each; SIGTERM/SIGINT end the probe with 0.
fn handle_signals() {
    use sys::{SIGHUP, SIGINT, SIGTERM, SIGUSR1, SIGUSR2};
    let set = sys::block_signals(&[SIGHUP, SIGINT, SIGTERM, SIGUSR1, SIGUSR2]);
    std::thread::spawn(move || {
        let mut counts = [0i64; 3];
        loop {
            let Some(sig) = sys::wait_signal(&set) else {
                continue;
            };
            let (name, slot) = match sig {
                SIGHUP => ("SIGHUP", Some(0)),
                SIGUSR1 => ("SIGUSR1", Some(1)),
                SIGUSR2 => ("SIGUSR2", Some(2)),
                SIGTERM => ("SIGTERM", None),
                SIGINT => ("SIGINT", None),
                _ => continue,
            };
            let n = match slot {
                Some(i) => {
                    counts[i] += 1;
                    counts[i]
                }
                None => 1,
            };
            emit(kind(
                "signal",
                vec![("name", Json::str(name)), ("n", Json::Int(n))],
            ));
            if slot.is_none() {
                std::process::exit(0);
            }
        }
    });
}

/// `/tmp/.probe-healthy` appears PROBE_HEALTHY_AFTER seconds after start; a file left by
/// an earlier run of the same container is removed first.
fn schedule_healthy() {
    let _ = std::fs::remove_file(HEALTHY_FILE);
    let after = env_seconds("PROBE_HEALTHY_AFTER", 0.0);
    let mark = || {
        let _ = std::fs::write(HEALTHY_FILE, b"");
    };
    if after.is_zero() {
        mark();
    } else {
        std::thread::spawn(move || {
            std::thread::sleep(after);
            mark();
        });
    }
}

fn report_process() {
    emit(kind("start", vec![]));
    let argv = std::env::args_os()
        .skip(1)
        .map(|a| Json::bytes(a.as_bytes()))
        .collect();
    emit(kind("argv", vec![("v", Json::Arr(argv))]));
    let mut vars: Vec<(Vec<u8>, Vec<u8>)> = std::env::vars_os()
        .map(|(k, v)| (k.into_vec(), v.into_vec()))
        .collect();
    vars.sort();
    let env = Json::Obj(vars.into_iter().map(|(k, v)| (k, Json::Bytes(v))).collect());
    emit(kind("env", vec![("v", env)]));
    let (uid, gid, groups) = sys::ids();
    emit(kind(
        "id",
        vec![
            ("uid", Json::Int(uid.into())),
            ("gid", Json::Int(gid.into())),
            (
                "groups",
                Json::Arr(groups.into_iter().map(|g| Json::Int(g.into())).collect()),
            ),
        ],
    ));
    emit(kind("hostname", vec![("v", Json::Bytes(sys::hostname()))]));
    let (tty, state) = sys::stdin_state();
    let state = match state {
        sys::StdinState::Eof => "eof",
        sys::StdinState::Open => "open",
        sys::StdinState::None => "none",
    };
    emit(kind(
        "stdin",
        vec![("tty", Json::Bool(tty)), ("state", Json::str(state))],
    ));
}

/// Runs `f` on every item at once (each may wait) and reports the results in order.
fn in_parallel(list: Vec<Vec<u8>>, f: fn(&[u8]) -> Json) {
    let handles: Vec<_> = list
        .into_iter()
        .map(|item| std::thread::spawn(move || f(&item)))
        .collect();
    for h in handles {
        if let Ok(line) = h.join() {
            emit(line);
        }
    }
}

fn await_one(host: &[u8]) -> Json {
    let state = std::str::from_utf8(host).map_or("unreachable", net::await_state);
    kind(
        "await",
        vec![("host", Json::bytes(host)), ("state", Json::str(state))],
    )
}

fn dial_one(target: &[u8]) -> Json {
    let wait = env_seconds("PROBE_DIAL_WAIT", 15.0);
    let reply = std::str::from_utf8(target)
        .ok()
        .and_then(|t| net::dial(t, wait));
    kind(
        "dial",
        vec![
            ("target", Json::bytes(target)),
            ("ok", Json::Bool(reply.is_some())),
            ("reply", Json::Bytes(reply.unwrap_or_default())),
        ],
    )
}

fn run_actions() {
    for item in items("PROBE_WRITE", b';') {
        emit(files::write(&item));
    }
    let count = env_bytes("PROBE_COUNTER")
        .filter(|p| !p.is_empty())
        .map(|path| {
            let (line, value) = files::counter(&path);
            emit(line);
            value
        });
    for path in items("PROBE_FILES", b',') {
        emit(files::observe(&path));
    }
    for name in items("PROBE_RESOLVE", b',') {
        let ok = std::str::from_utf8(&name).is_ok_and(net::resolves);
        emit(kind(
            "resolve",
            vec![("name", Json::bytes(&name)), ("ok", Json::Bool(ok))],
        ));
    }
    in_parallel(items("PROBE_AWAIT", b','), await_one);
    in_parallel(items("PROBE_DIAL", b','), dial_one);
    if let (Some(value), Ok(times)) = (count, std::env::var("PROBE_FAIL_TIMES"))
        && times.trim().parse::<i64>().is_ok_and(|n| value <= n)
    {
        exit_with(1);
    }
    if let Ok(code) = std::env::var("PROBE_EXIT") {
        match code.trim().parse::<i32>() {
            Ok(code) => exit_with(code),
            Err(_) => {
                emit(kind(
                    "exit",
                    vec![
                        ("code", Json::Int(2)),
                        ("error", Json::str("PROBE_EXIT is not an integer")),
                    ],
                ));
                std::process::exit(2)
            }
        }
    }
}

fn listen_and_serve() {
    let mut ports = vec![net::PROBE_PORT];
    for p in items("PROBE_LISTEN", b',') {
        match std::str::from_utf8(&p)
            .ok()
            .and_then(|s| s.trim().parse::<u16>().ok())
        {
            Some(port) if !ports.contains(&port) => ports.push(port),
            Some(_) => {}
            None => emit(kind(
                "listen",
                vec![
                    ("port", Json::bytes(&p)),
                    ("ok", Json::Bool(false)),
                    ("error", Json::str("not a port number")),
                ],
            )),
        }
    }
    let mut listeners = Vec::new();
    for port in ports {
        match net::listen(port) {
            Ok(l) => listeners.push(l),
            Err(e) => emit(kind(
                "listen",
                vec![
                    ("port", Json::Int(port.into())),
                    ("ok", Json::Bool(false)),
                    ("error", Json::str(&e.to_string())),
                ],
            )),
        }
    }
    emit(kind("ready", vec![]));
    let host = sys::hostname();
    for listener in listeners {
        let host = host.clone();
        std::thread::spawn(move || {
            net::serve(listener, || {
                let state: &[u8] = if is_healthy() {
                    b"healthy"
                } else {
                    b"starting"
                };
                [&host[..], b" ", state, b"\n"].concat()
            })
        });
    }
}

fn main() {
    if std::env::args_os().nth(1).is_some_and(|a| a == "--health") {
        std::process::exit(if is_healthy() { 0 } else { 1 });
    }
    // Before any other thread exists, so that every thread inherits the blocked signals.
    handle_signals();
    schedule_healthy();
    report_process();
    run_actions();
    listen_and_serve();
    loop {
        std::thread::park();
    }
}
