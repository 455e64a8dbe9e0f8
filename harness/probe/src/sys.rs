//! The few libc calls std has no wrapper for (musl and glibc agree on these on x86_64 Linux).

use std::ffi::{c_char, c_int, c_short, c_ulong};
use std::sync::atomic::{AtomicBool, Ordering};

#[repr(C)]
struct PollFd {
    fd: c_int,
    events: c_short,
    revents: c_short,
}

/// `sigset_t`: 128 bytes in both musl and glibc.
#[repr(C)]
pub struct SigSet([u64; 16]);

unsafe extern "C" {
    fn poll(fds: *mut PollFd, nfds: c_ulong, timeout: c_int) -> c_int;
    fn isatty(fd: c_int) -> c_int;
    fn fcntl(fd: c_int, cmd: c_int, ...) -> c_int;
    fn read(fd: c_int, buf: *mut u8, count: usize) -> isize;
    fn getuid() -> u32;
    fn getgid() -> u32;
    fn getgroups(size: c_int, list: *mut u32) -> c_int;
    fn gethostname(name: *mut c_char, len: usize) -> c_int;
    fn sigemptyset(set: *mut SigSet) -> c_int;
    fn sigaddset(set: *mut SigSet, sig: c_int) -> c_int;
    fn pthread_sigmask(how: c_int, set: *const SigSet, old: *mut SigSet) -> c_int;
    fn sigwait(set: *const SigSet, sig: *mut c_int) -> c_int;
    fn signal(sig: c_int, handler: usize) -> usize;
}

const POLLIN: c_short = 0x1;
const POLLERR: c_short = 0x8;
const POLLHUP: c_short = 0x10;
const POLLNVAL: c_short = 0x20;
const F_GETFD: c_int = 1;
const SIG_BLOCK: c_int = 0;

pub const SIGHUP: c_int = 1;
pub const SIGINT: c_int = 2;
pub const SIGUSR1: c_int = 10;
pub const SIGUSR2: c_int = 12;
pub const SIGTERM: c_int = 15;

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum StdinState {
    Eof,
    Open,
    None,
}

/// Whether fd 0 was open when the process started. Rust's runtime opens /dev/null on a
/// closed fd 0 before `main`, so this is recorded by a constructor that runs before it.
static STDIN_WAS_OPEN: AtomicBool = AtomicBool::new(true);

extern "C" fn record_stdin() {
    // SAFETY: fcntl(F_GETFD) only queries the descriptor.
    let open = unsafe { fcntl(0, F_GETFD) } != -1;
    STDIN_WAS_OPEN.store(open, Ordering::Relaxed);
}

#[used]
#[unsafe(link_section = ".init_array")]
static RECORD_STDIN: extern "C" fn() = record_stdin;

/// Whether fd 0 is a terminal, and what one 200 ms poll of it shows.
pub fn stdin_state() -> (bool, StdinState) {
    // SAFETY: plain syscalls on fd 0 with valid pointers.
    unsafe {
        if !STDIN_WAS_OPEN.load(Ordering::Relaxed) || fcntl(0, F_GETFD) == -1 {
            return (false, StdinState::None);
        }
        let tty = isatty(0) == 1;
        let mut fd = PollFd {
            fd: 0,
            events: POLLIN,
            revents: 0,
        };
        let ready = poll(&mut fd, 1, 200);
        let state = if ready > 0 && fd.revents & POLLNVAL != 0 {
            StdinState::None
        } else if ready > 0 && fd.revents & (POLLIN | POLLHUP | POLLERR) != 0 {
            let mut byte = 0u8;
            if read(0, &mut byte, 1) == 0 {
                StdinState::Eof
            } else {
                StdinState::Open
            }
        } else {
            StdinState::Open
        };
        (tty, state)
    }
}

pub fn ids() -> (u32, u32, Vec<u32>) {
    // SAFETY: getgroups is asked for the count first, then given a buffer of that size.
    unsafe {
        let n = getgroups(0, std::ptr::null_mut());
        let mut groups = vec![0u32; n.max(0) as usize];
        let got = if n > 0 {
            getgroups(n, groups.as_mut_ptr())
        } else {
            0
        };
        groups.truncate(got.max(0) as usize);
        groups.sort_unstable();
        groups.dedup();
        (getuid(), getgid(), groups)
    }
}

pub fn hostname() -> Vec<u8> {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its length; the name is NUL-terminated within it.
    let ok = unsafe { gethostname(buf.as_mut_ptr().cast(), buf.len() - 1) } == 0;
    if !ok {
        return Vec::new();
    }
    let end = buf.iter().position(|b| *b == 0).unwrap_or(buf.len());
    buf[..end].to_vec()
}

extern "C" fn ignore_signal(_: c_int) {}

/// Blocks `signals` in the calling thread (and so in every thread it spawns later) and
/// gives them a handler, so that they stay pending for [`wait_signal`] even when the
/// probe is PID 1 (the kernel drops default-action signals sent to a namespace's init).
pub fn block_signals(signals: &[c_int]) -> SigSet {
    let mut set = SigSet([0; 16]);
    // SAFETY: the set is a valid sigset_t; the handler is an extern "C" fn that does nothing.
    unsafe {
        sigemptyset(&mut set);
        for &sig in signals {
            sigaddset(&mut set, sig);
            signal(sig, ignore_signal as extern "C" fn(c_int) as usize);
        }
        pthread_sigmask(SIG_BLOCK, &set, std::ptr::null_mut());
    }
    set
}

pub fn wait_signal(set: &SigSet) -> Option<c_int> {
    let mut sig = 0;
    // SAFETY: set is a valid sigset_t, sig a valid out pointer.
    (unsafe { sigwait(set, &mut sig) } == 0).then_some(sig)
}
