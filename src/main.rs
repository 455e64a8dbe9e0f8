//! The `transship` binary: parse arguments, run, map the outcome to an exit code
//! (0 success, 1 findings or a refused input, 2 usage errors from clap).

use clap::Parser;
use std::io::Write;
use std::process::ExitCode;
use transship::cli::{Cli, Command};
use transship::commands;

// Loading builds many small strings and maps; mimalloc makes those allocations cheaper than
// glibc's malloc (about a third of the instructions of a small run were in malloc/free).
// Its v2 line (Cargo.toml): against v3 it starts ~0.15 ms sooner (`--version`), loads as
// fast, and uses a little less CPU at 1,000 services.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Transparent huge pages past the first few MiB of the heap only. mimalloc is built
/// without its own `madvise(MADV_HUGEPAGE)` of the whole arena (Cargo.toml: `no_thp`): with
/// it, the first allocation zeroes a whole 2 MiB page, and after another large process has
/// run (Docker Compose, in the benchmark) the kernel may first compact memory to find one;
/// a 10-service `config` took 24% longer for it. Large runs gain from huge pages (fewer page
/// faults), so the arena is advised from `SMALL_HEAP` on: a small run never reaches it.
#[cfg(target_os = "linux")]
mod huge_pages {
    use std::ffi::{c_int, c_void};

    unsafe extern "C" {
        /// mimalloc's public API (`mimalloc.h`): the start and size of arena `id` (ids
        /// count from 1), or null when there is no such arena.
        fn mi_arena_area(id: c_int, size: *mut usize) -> *mut c_void;
        fn madvise(addr: *mut c_void, len: usize, advice: c_int) -> c_int;
    }

    const MADV_HUGEPAGE: c_int = 14;
    /// What a run of a few dozen services allocates, with room to spare.
    const SMALL_HEAP: usize = 4 << 20;

    /// Advise mimalloc's first arena (1 GiB reserved at its first allocation, all a run
    /// that fits in memory uses) past its first `SMALL_HEAP` bytes.
    pub fn advise_past_small_heap() {
        // The arena exists once something was allocated.
        drop(std::hint::black_box(Box::new(0u64)));
        let mut size = 0usize;
        // SAFETY: mi_arena_area only reads mimalloc's arena table and writes `size`;
        // madvise(MADV_HUGEPAGE) changes no memory, only how the kernel backs the range,
        // which lies inside the arena's mapping and starts page-aligned (an arena starts
        // on a segment boundary, 32 MiB).
        unsafe {
            let start = mi_arena_area(1, &raw mut size);
            if !start.is_null() && size > SMALL_HEAP {
                madvise(start.byte_add(SMALL_HEAP), size - SMALL_HEAP, MADV_HUGEPAGE);
            }
        }
    }
}

fn main() -> ExitCode {
    #[cfg(target_os = "linux")]
    huge_pages::advise_past_small_heap();
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Config(args) => commands::config::run(&cli.load, args),
        Command::Convert(args) => commands::convert::run(&cli.load, args),
        Command::Explain(args) => commands::explain::run(args),
        Command::PushConfig(args) => commands::push_config::run(&cli.load, args),
        Command::Lint(args) => commands::lint::run(&cli.load, args),
        Command::Rules(args) => commands::rules::run(args),
        Command::Completions(args) => commands::packaging::completions(args.shell),
        Command::Man(args) => commands::packaging::man(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            let _ = writeln!(std::io::stderr(), "error: {e:#}");
            ExitCode::from(1)
        }
    }
}
