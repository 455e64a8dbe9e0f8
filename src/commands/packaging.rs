//! `transship completions SHELL` and `transship man`: generated from the clap definition, so
//! they can never disagree with the real options.

use crate::cli::Cli;
use clap::CommandFactory;
use std::process::ExitCode;

/// # Errors
/// Standard output cannot be written.
pub fn completions(shell: clap_complete::Shell) -> anyhow::Result<ExitCode> {
    let mut cmd = Cli::command();
    clap_complete::generate(shell, &mut cmd, "transship", &mut std::io::stdout().lock());
    Ok(ExitCode::SUCCESS)
}

/// The main page on stdout, or with `--out-dir` that page and one per subcommand, each with
/// the sections clap does not know: exit status, environment, see also.
///
/// # Errors
/// Standard output or the directory cannot be written.
pub fn man(args: &crate::cli::ManArgs) -> anyhow::Result<ExitCode> {
    let mut cmd = Cli::command().disable_help_subcommand(true);
    // Built, subcommands carry their full names (`transship-convert`) for the page titles.
    cmd.build();
    let Some(dir) = &args.out_dir else {
        let mut out = std::io::stdout().lock();
        page(&cmd, &see_also(&cmd, None), &mut out)?;
        return Ok(ExitCode::SUCCESS);
    };
    let mut pages = vec![(cmd.clone(), see_also(&cmd, None))];
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        pages.push((sub.clone(), see_also(&cmd, Some(sub.get_name()))));
    }
    let mut files = Vec::new();
    for (c, also) in &pages {
        let mut text = Vec::new();
        page(c, also, &mut text)?;
        files.push(crate::backend::OutFile {
            name: clap_mangen::Man::new(c.clone()).get_filename(),
            contents: String::from_utf8(text)?,
        });
    }
    crate::output::write_all_atomic(dir, &files)?;
    for f in &files {
        eprintln!("wrote {}", dir.join(&f.name).display());
    }
    Ok(ExitCode::SUCCESS)
}

fn page(cmd: &clap::Command, see_also: &str, w: &mut dyn std::io::Write) -> std::io::Result<()> {
    clap_mangen::Man::new(cmd.clone()).render(w)?;
    w.write_all(EXIT_STATUS.as_bytes())?;
    w.write_all(ENVIRONMENT.as_bytes())?;
    w.write_all(see_also.as_bytes())
}

/// The other pages: the main page names every subcommand's, a subcommand's the main one.
fn see_also(main: &clap::Command, current: Option<&str>) -> String {
    let mut names: Vec<String> = Vec::new();
    if current.is_some() {
        names.push(format!("\\fB{}\\fR(1)", main.get_name()));
    }
    for sub in main.get_subcommands().filter(|s| !s.is_hide_set()) {
        if Some(sub.get_name()) != current {
            names.push(format!("\\fB{}-{}\\fR(1)", main.get_name(), sub.get_name()));
        }
    }
    format!(".SH \"SEE ALSO\"\n{}\n", names.join(", "))
}

const EXIT_STATUS: &str = r#".SH "EXIT STATUS"
.TP
\fB0\fR
Success; for \fBlint\fR, no finding reached \fB\-\-fail\-on\fR.
.TP
\fB1\fR
The input was refused (a load error, named with file:line:col and the key path);
\fBconvert \-\-strict\fR found a warning that no \fBx\-transship.accept\fR entry accepts;
\fB\-\-check\fR found drift, missing or stale files; \fB\-\-validate\fR was rejected (or,
with \fB\-\-strict\fR, could not run); for \fBlint\fR, findings reached \fB\-\-fail\-on\fR.
Nothing is written.
.TP
\fB2\fR
Wrong command-line usage (several output files without \fB\-o\fR, \fB\-o \-\fR); for
\fBlint\fR, an input that cannot be linted.
"#;

const ENVIRONMENT: &str = r#".SH ENVIRONMENT
The loader reads the variables Docker Compose reads, with the same precedence (the process
environment over \fB.env\fR):
.TP
\fBCOMPOSE_FILE\fR, \fBCOMPOSE_PATH_SEPARATOR\fR
The compose files when no \fB\-f\fR is given, separated by \fB:\fR (or the separator).
.TP
\fBCOMPOSE_PROJECT_NAME\fR
The project name when no \fB\-p\fR is given.
.TP
\fBCOMPOSE_PROFILES\fR
Profiles to enable, comma-separated, when no \fB\-\-profile\fR is given.
.TP
\fBCOMPOSE_DISABLE_ENV_FILE\fR
When true, \fB.env\fR is not read.
.TP
\fBNO_COLOR\fR
When set and not empty, \fBlint\fR prints its findings without colour (it colours only a
terminal anyway).
.TP
\fBHOME\fR
Expands \fB~\fR in paths, as Compose does.
.PP
Every other variable is available to \fB${VAR}\fR interpolation, as in Compose;
\fB\-\-hermetic\fR reads none of them.
"#;
