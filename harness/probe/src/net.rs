//! Name resolution, the one-shot look at a dependency (`PROBE_AWAIT`), retried dials
//! (`PROBE_DIAL`) and the listeners that answer `"<hostname> <state>\n"`.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

/// The port every probe listens on; `PROBE_AWAIT` connects to it.
pub const PROBE_PORT: u16 = 7070;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
const READ_TIMEOUT: Duration = Duration::from_secs(2);
const DIAL_RETRY: Duration = Duration::from_millis(250);

pub fn resolves(name: &str) -> bool {
    (name, 0)
        .to_socket_addrs()
        .map(|mut a| a.next().is_some())
        .unwrap_or(false)
}

/// One connection to `target` ("host:port"), and the first line it sends (without the
/// newline). None when no address of it accepts.
fn connect_and_read(target: &str) -> Option<Vec<u8>> {
    let addrs: Vec<SocketAddr> = target.to_socket_addrs().ok()?.collect();
    let mut stream = addrs
        .iter()
        .find_map(|a| TcpStream::connect_timeout(a, CONNECT_TIMEOUT).ok())?;
    let _ = stream.set_read_timeout(Some(READ_TIMEOUT));
    Some(read_line(&mut stream))
}

fn read_line(stream: &mut TcpStream) -> Vec<u8> {
    let mut line = Vec::new();
    let mut buf = [0u8; 512];
    while line.len() < 4096 {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                line.extend_from_slice(&buf[..n]);
                if let Some(end) = line.iter().position(|b| *b == b'\n') {
                    line.truncate(end);
                    break;
                }
            }
        }
    }
    line
}

/// What a dependency looked like right now: `healthy`, `starting` (it answers, not yet
/// healthy) or `unreachable`.
pub fn await_state(host: &str) -> &'static str {
    match connect_and_read(&format!("{host}:{PROBE_PORT}")) {
        None => "unreachable",
        Some(reply) if reply.split(|b| *b == b' ').next_back() == Some(b"healthy") => "healthy",
        Some(_) => "starting",
    }
}

/// Connects to `target`, retrying every 250 ms until `wait` has passed; the first line
/// read on success.
pub fn dial(target: &str, wait: Duration) -> Option<Vec<u8>> {
    let deadline = Instant::now() + wait;
    loop {
        if let Some(reply) = connect_and_read(target) {
            return Some(reply);
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(DIAL_RETRY);
    }
}

/// Listens on every address of `port`: IPv6 and IPv4 on one dual-stack socket where the
/// kernel has IPv6, IPv4 alone otherwise.
pub fn listen(port: u16) -> std::io::Result<TcpListener> {
    TcpListener::bind(("::", port)).or_else(|_| TcpListener::bind(("0.0.0.0", port)))
}

/// Answers each connection with one line, `reply()` evaluated per connection, and closes it.
pub fn serve(listener: TcpListener, reply: impl Fn() -> Vec<u8>) {
    for stream in listener.incoming() {
        let Ok(mut stream) = stream else { continue };
        let _ = stream.set_write_timeout(Some(Duration::from_secs(1)));
        let _ = stream.write_all(&reply());
    }
}
