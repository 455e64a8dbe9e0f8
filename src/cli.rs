//! Command-line interface (clap derive). Loader options are global, so they may stand before
//! or after the subcommand, as in `docker compose`.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "transship",
    version,
    about = "Docker Compose projects in; Nomad jobs, Swarm stacks and systemd units out; and a compose linter for CI"
)]
pub struct Cli {
    #[command(flatten)]
    pub load: LoadArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Options that decide what is loaded (the same as `docker compose`'s).
#[derive(Args, Debug, Clone, Default)]
pub struct LoadArgs {
    /// Compose file(s), in override order; `-` reads standard input
    #[arg(short = 'f', long = "file", global = true, value_name = "FILE")]
    pub files: Vec<String>,
    /// Project name
    #[arg(short = 'p', long = "project-name", global = true, value_name = "NAME")]
    pub project_name: Option<String>,
    /// Project directory (default: the folder of the first compose file)
    #[arg(long, global = true, value_name = "DIR")]
    pub project_directory: Option<PathBuf>,
    /// Environment file(s) used for interpolation (default: the project's `.env`)
    #[arg(long = "env-file", global = true, value_name = "FILE")]
    pub env_files: Vec<PathBuf>,
    /// Profile(s) to enable
    #[arg(long = "profile", global = true, value_name = "NAME")]
    pub profiles: Vec<String>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Print the loaded, merged and normalised project (as `docker compose config`)
    Config(ConfigArgs),
}

#[derive(Args, Debug)]
pub struct ConfigArgs {
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Yaml)]
    pub format: Format,
    /// Print the service names, one per line
    #[arg(long)]
    pub services: bool,
    /// Print the volume names, one per line
    #[arg(long)]
    pub volumes: bool,
    /// Don't interpolate environment variables
    #[arg(long)]
    pub no_interpolate: bool,
    /// Don't print anything, only check the files
    #[arg(short, long)]
    pub quiet: bool,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Yaml,
    Json,
}
