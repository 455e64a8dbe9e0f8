//! What a healthcheck command probes: `curl`/`wget` of a local URL is an HTTP probe of that
//! container port and path; anything else is a command the target must run itself.

use crate::model::Healthcheck;

/// What a compose test does, as far as a check can tell.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Probe {
    Http {
        port: u32,
        path: String,
        https: bool,
    },
    Command(Vec<String>),
}

/// The probe of an enabled healthcheck, `None` when disabled or absent.
pub fn probe(h: &Healthcheck) -> Option<Probe> {
    if h.disable == Some(true) {
        return None;
    }
    let (kind, rest) = h.test.split_first()?;
    let argv: Vec<String> = match kind.as_str() {
        "NONE" => return None,
        "CMD" => rest.to_vec(),
        "CMD-SHELL" => {
            let script = rest.join(" ");
            if let Some(p) = http_probe(&shell_words(first_command(&script))) {
                return Some(p);
            }
            return Some(Probe::Command(vec!["/bin/sh".into(), "-c".into(), script]));
        }
        _ => h.test.clone(),
    };
    if argv.is_empty() {
        return None;
    }
    http_probe(&argv).map_or(Some(Probe::Command(argv)), Some)
}

/// The first command of a shell line (before `||`, `&&`, `;`, `|`).
fn first_command(script: &str) -> &str {
    let end = ["||", "&&", ";", "|"]
        .iter()
        .filter_map(|sep| script.find(sep))
        .min()
        .unwrap_or(script.len());
    script.get(..end).unwrap_or(script)
}

/// Whitespace-separated words with simple quotes removed (enough to find a URL).
fn shell_words(s: &str) -> Vec<String> {
    s.split_whitespace()
        .map(|w| w.trim_matches(|c| c == '"' || c == '\'').to_string())
        .collect()
}

/// `curl …URL` / `wget …URL` of a local address.
fn http_probe(argv: &[String]) -> Option<Probe> {
    let prog = argv.first()?.rsplit('/').next()?;
    if prog != "curl" && prog != "wget" {
        return None;
    }
    argv.iter().skip(1).find_map(|a| local_url(a))
}

fn local_url(arg: &str) -> Option<Probe> {
    let (https, rest) = if let Some(r) = arg.strip_prefix("https://") {
        (true, r)
    } else if let Some(r) = arg.strip_prefix("http://") {
        (false, r)
    } else if arg.starts_with("localhost") || arg.starts_with("127.0.0.1") {
        (false, arg)
    } else {
        return None;
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => (rest.get(..i)?, rest.get(i..)?),
        None => (rest, "/"),
    };
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let (h, p) = v6.split_once(']')?;
        (h, p.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    if !matches!(host, "localhost" | "127.0.0.1" | "0.0.0.0" | "::1") {
        return None;
    }
    let port = match port {
        Some(p) => p.parse().ok()?,
        None if https => 443,
        None => 80,
    };
    Some(Probe::Http {
        port,
        path: path.to_string(),
        https,
    })
}
