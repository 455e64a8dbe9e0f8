//! The floor the loader is measured against (README "## Speed", `benches/bench.py --only
//! parser`): read one YAML file and pull every event from the same YAML parser the loader
//! uses (saphyr-parser, from a `&str`), building nothing. Prints the number of events and
//! of scalar bytes so the work cannot be optimised away.
//!
//! cargo build --release --example yaml_events
//! target/release/examples/yaml_events compose.yaml

use saphyr_parser::{Event, Parser};

// The same allocator as transship, so the comparison is of the work, not of malloc.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let Some(path) = std::env::args_os().nth(1) else {
        eprintln!("usage: yaml_events FILE");
        return std::process::ExitCode::from(2);
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {}: {e}", path.to_string_lossy());
            return std::process::ExitCode::from(2);
        }
    };
    let (mut events, mut scalar_bytes) = (0u64, 0u64);
    for item in Parser::new_from_str(&text) {
        match item {
            Ok((event, _span)) => {
                events += 1;
                if let Event::Scalar(value, ..) = &event {
                    scalar_bytes += value.len() as u64;
                }
            }
            Err(e) => {
                eprintln!("error: {}: {e}", path.to_string_lossy());
                return std::process::ExitCode::from(1);
            }
        }
    }
    println!("{events} events, {scalar_bytes} scalar bytes");
    std::process::ExitCode::SUCCESS
}
