//! Command-line interface (clap derive). Loader options are global, so they may stand before
//! or after the subcommand, as in `docker compose`.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "transship",
    version = concat!(env!("CARGO_PKG_VERSION"), " (git ", env!("TRANSSHIP_GIT_REV"), ")"),
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
    /// Ignore the shell's environment: variables come only from --env-file / .env, so CI
    /// and a laptop produce the same output
    #[arg(long, global = true)]
    pub hermetic: bool,
}

// Each subcommand's arguments are built only when it runs: building all of them took a
// tenth of a 10-service `config` run (completions and the man page still see them all).
#[derive(Subcommand, Debug)]
#[command(defer = true)]
pub enum Command {
    /// Print the loaded, merged and normalised project (as `docker compose config`)
    Config(ConfigArgs),
    /// Convert the project to Nomad job HCL, a Swarm stack file, systemd units or Quadlet files
    Convert(Box<ConvertArgs>),
    /// Show what each compose key becomes in a target (the backend's mapping table)
    Explain(ExplainArgs),
    /// Write the project's environment to etcd for units converted with --env-from etcd
    PushConfig(PushConfigArgs),
    /// Check the project against the lint rules (exit 0 clean, 1 findings, 2 unusable input)
    Lint(LintArgs),
    /// List the lint rules, or show one rule's documentation
    Rules(RulesArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell)
    Completions(CompletionsArgs),
    /// Print the man page (roff), or write one page per subcommand with --out-dir
    Man(ManArgs),
}

#[derive(Args, Debug)]
pub struct PushConfigArgs {
    /// Where: etcd (keys /environment/<project>/<service>/<NAME>) or etcd:/PREFIX
    /// (<PREFIX>/<service>/<NAME>), as given to convert --env-from
    #[arg(long, value_name = "etcd[:PREFIX]")]
    pub to: crate::backend::systemd::etcd::EnvFrom,
    /// Say what would change and write nothing (exit 1 when something would)
    #[arg(long)]
    pub check: bool,
    /// Also delete the keys under a service's directory that the project no longer has
    #[arg(long)]
    pub prune: bool,
    /// The etcdctl program (its ETCDCTL_* environment settings apply)
    #[arg(long, value_name = "PATH", default_value = "etcdctl")]
    pub etcdctl: String,
}

#[derive(Args, Debug)]
pub struct ManArgs {
    /// Write transship.1 and transship-<subcommand>.1 into this directory
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<std::path::PathBuf>,
}

#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Nomad,
    Swarm,
    Systemd,
    Quadlet,
}

impl Target {
    /// `targets` without repeats, in the order given.
    pub fn distinct(targets: &[Target]) -> Vec<Target> {
        let mut out: Vec<Target> = Vec::new();
        for t in targets {
            if !out.contains(t) {
                out.push(*t);
            }
        }
        out
    }

    pub fn id(self) -> &'static str {
        match self {
            Target::Nomad => "nomad",
            Target::Swarm => "swarm",
            Target::Systemd => "systemd",
            Target::Quadlet => "quadlet",
        }
    }
}

#[derive(Args, Debug)]
pub struct ConvertArgs {
    /// Target(s) to generate; several (comma-separated) load the project once and write each
    /// target's files under DIR/<target>/ (needs -o)
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        required = true,
        value_name = "TARGET"
    )]
    pub to: Vec<Target>,
    /// Output directory (files written atomically); without it, everything goes to stdout
    #[arg(short = 'o', long, value_name = "DIR")]
    pub output: Option<PathBuf>,
    /// Turn every conversion warning into an error (exit 1, nothing written)
    #[arg(long)]
    pub strict: bool,
    /// Compare with the files in -o DIR instead of writing: exit 1 and print a diff when they differ
    #[arg(long, requires = "output")]
    pub check: bool,
    /// After writing, run the target's own validator (nomad job validate, docker stack
    /// config, systemd-analyze verify) when it is on PATH
    #[arg(long, requires = "output")]
    pub validate: bool,
    /// Print counts of what the conversion did (references found, made reachable, warned;
    /// tasks without resources) as one JSON line on stderr
    #[arg(long)]
    pub stats: bool,
    /// Leave out the comments naming the compose key and file:line each block came from
    #[arg(long)]
    pub no_provenance: bool,
    /// Print every warning on its own line (by default, warnings with the same key and
    /// reason in several services are one line with the count and the first places)
    #[arg(long, short = 'v')]
    pub verbose: bool,

    /// [nomad] Job name (default: the project name)
    #[arg(long, help_heading = "Nomad")]
    pub job: Option<String>,
    /// [nomad] Datacenter(s) (default: none written, so Nomad places the job in any
    /// datacenter, "*")
    #[arg(long = "datacenter", value_name = "DC", help_heading = "Nomad")]
    pub datacenters: Vec<String>,
    /// [nomad] Region
    #[arg(long, help_heading = "Nomad")]
    pub region: Option<String>,
    /// [nomad] Namespace
    #[arg(long, help_heading = "Nomad")]
    pub namespace: Option<String>,
    /// [nomad] Task driver
    #[arg(long, value_enum, default_value_t = Runtime::Docker, help_heading = "Nomad")]
    pub driver: Runtime,
    /// [nomad] Service registration provider
    #[arg(long, value_enum, default_value_t = ServiceProvider::Nomad, help_heading = "Nomad")]
    pub service_provider: ServiceProvider,
    /// [nomad] How named volumes are provided
    #[arg(long, value_enum, default_value_t = VolumeType::Host, help_heading = "Nomad")]
    pub volume_type: VolumeType,
    /// [nomad] MHz of CPU per compose CPU (compose `cpus: 0.5` → 0.5 × this). Set it to the
    /// clients' attr.cpu.frequency: with cpu_hard_limit the driver caps a task at its MHz
    /// over the client's total, so a too low value throttles services on faster clients
    #[arg(long, value_name = "N", default_value_t = 1000, help_heading = "Nomad")]
    pub cpu_mhz_per_core: u32,
    /// [nomad] The cluster has memory oversubscription enabled (nomad operator scheduler
    /// set-config -memory-oversubscription=true): a memory reservation below the limit
    /// becomes memory and the limit memory_max. Without it the limit is memory, Nomad's
    /// hard limit (Nomad ignores memory_max unless oversubscription is enabled)
    #[arg(long, help_heading = "Nomad")]
    pub memory_oversubscription: bool,
    /// [nomad] Memory in MiB for services without a compose memory setting (Nomad's own
    /// default, 300 MB, is a hard limit with the docker driver)
    #[arg(long = "default-memory", value_name = "MiB", default_value_t = 512,
          value_parser = clap::value_parser!(u32).range(10..), help_heading = "Nomad")]
    pub default_memory_mb: u32,
    /// [nomad] CPU in MHz for services without a compose CPU setting (Nomad's own default is
    /// 100 MHz)
    #[arg(long = "default-cpu", value_name = "MHz", default_value_t = 500,
          value_parser = clap::value_parser!(u32).range(1..), help_heading = "Nomad")]
    pub default_cpu_mhz: u32,
    /// [nomad] Render env_file variables from Nomad Variables (template env = true) instead of inlining them
    #[arg(long, help_heading = "Nomad")]
    pub env_from_variables: bool,

    /// [nomad] How services reach each other by name: native (Nomad service discovery:
    /// referencing values rendered from the registry), mesh (Consul service mesh: an
    /// upstream on the port the application dials, the name resolving to 127.0.0.1; implies
    /// --service-provider consul), single-group (the whole project in one group, one
    /// network namespace: single-node projects)
    #[arg(long, value_enum, default_value_t = Topology::Native, help_heading = "Nomad")]
    pub topology: Topology,

    /// [swarm, nomad] Treat SERVICE as stateful: one pinned service (Nomad: group) per
    /// replica, each with its own name, volume and node
    #[arg(long = "stateful", value_name = "SERVICE", help_heading = "Swarm")]
    pub stateful: Vec<String>,
    /// [swarm] Node label key for member placement (default: <project>.<service>)
    #[arg(long, value_name = "KEY", help_heading = "Swarm")]
    pub placement_label: Option<String>,
    /// [swarm] Write the shared part of stateful members once, as a YAML anchor
    #[arg(long, help_heading = "Swarm")]
    pub anchors: bool,

    /// [systemd] Container runtime the units call
    #[arg(long, value_enum, default_value_t = Runtime::Docker, help_heading = "systemd")]
    pub runtime: Runtime,
    /// [systemd] Instance name is the published port (web@8001)
    #[arg(long, help_heading = "systemd")]
    pub instance_port: bool,
    /// [systemd] Add [X-Fleet] sections (Global=, Conflicts=, MachineMetadata=) for clusters
    /// still run by CoreOS fleet (archived in 2020): fleet takes the instance units, not the
    /// targets; see docs/systemd.md
    #[arg(long, help_heading = "systemd")]
    pub fleet: bool,
    /// [systemd] Directory the env files are installed to (default: /etc/<project>/)
    #[arg(long, value_name = "DIR", help_heading = "systemd")]
    pub env_dir: Option<String>,
    /// [systemd] Read each service's environment from etcd at every start
    /// (`<PREFIX>/<service>/<NAME>`, PREFIX default /environment/<project>; written by
    /// `transship push-config`) instead of from the env file; docker runtime
    #[arg(long, value_name = "etcd[:PREFIX]", help_heading = "systemd")]
    pub env_from: Option<crate::backend::systemd::etcd::EnvFrom>,
    /// [systemd] Directory of tera templates overriding the built-in ones
    #[arg(long, value_name = "DIR", help_heading = "systemd")]
    pub templates: Option<PathBuf>,
    /// [systemd, nomad] Where the project directory is on the machines that run the
    /// containers: bind mounts and secret files below it are read from there (default:
    /// /srv/<project>; Nomad embeds small project files in the job instead)
    #[arg(long, value_name = "DIR", help_heading = "systemd")]
    pub project_root: Option<String>,
    /// [systemd, quadlet] The podman release the podman units and Quadlet files are written
    /// for: keys and flags a newer podman added are left out (with a warning) below their
    /// release. Default 4.9 (Ubuntu 24.04, RHEL 9.4); see docs/systemd.md
    #[arg(
        long,
        value_name = "X.Y",
        default_value = "4.9",
        help_heading = "systemd"
    )]
    pub podman_version: crate::backend::systemd::podman::PodmanVersion,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Runtime {
    Docker,
    Podman,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServiceProvider {
    Nomad,
    Consul,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Topology {
    Native,
    Mesh,
    SingleGroup,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum VolumeType {
    Host,
    Csi,
}

#[derive(Args, Debug)]
pub struct ExplainArgs {
    /// Target whose mapping table to print
    #[arg(long, value_enum)]
    pub to: Target,
    /// Output format
    #[arg(long, value_enum, default_value_t = ExplainFormat::Text)]
    pub format: ExplainFormat,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExplainFormat {
    Text,
    Markdown,
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

#[derive(Args, Debug)]
pub struct LintArgs {
    /// Also report what deployment targets drop or approximate (comma-separated or
    /// repeated, as `convert --to`)
    #[arg(
        long = "target",
        visible_alias = "to",
        value_enum,
        value_delimiter = ',',
        value_name = "TARGET"
    )]
    pub targets: Vec<Target>,
    /// Output format
    #[arg(long, value_enum, default_value_t = LintFormat::Human)]
    pub format: LintFormat,
    /// Configuration file (default: .transship.toml in the current or project directory)
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Lowest severity that makes the exit code 1 (default: the config's, else error)
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub fail_on: Option<FailOn>,
    /// Run only these rules (IDs or names, comma-separated)
    #[arg(long, value_delimiter = ',', value_name = "ID,..")]
    pub select: Vec<String>,
    /// Never run these rules (IDs or names, comma-separated)
    #[arg(long, value_delimiter = ',', value_name = "ID,..")]
    pub ignore: Vec<String>,
    /// Fix what is safe to fix mechanically (TS307, TS309) in the files that wrote it, then
    /// report what is left (docs/lint-fix.md)
    #[arg(long, conflicts_with = "write_baseline")]
    pub fix: bool,
    /// With --fix: print the fixes as a unified diff and write nothing (exit 1 when there is
    /// something to fix)
    #[arg(long, requires = "fix")]
    pub diff: bool,
    /// Report only findings not recorded in this baseline file (recorded ones are kept,
    /// marked suppressed, in JSON and SARIF)
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Record the current findings in FILE (written atomically) and exit 0
    #[arg(long, value_name = "FILE", conflicts_with = "baseline")]
    pub write_baseline: Option<PathBuf>,
    /// Also exit 1 when more than N warnings are reported (suppressed ones never count;
    /// errors fail through --fail-on as before)
    #[arg(long, value_name = "N")]
    pub max_warnings: Option<usize>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum LintFormat {
    Human,
    Json,
    Sarif,
    Github,
    /// GitLab Code Quality (`artifacts:reports:codequality`)
    Codeclimate,
    /// JUnit XML (`artifacts:reports:junit`, Jenkins, test reporters)
    Junit,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailOn {
    Error,
    Warning,
    Info,
}

#[derive(Args, Debug)]
pub struct RulesArgs {
    /// A rule ID or name: print its documentation
    pub rule: Option<String>,
}
