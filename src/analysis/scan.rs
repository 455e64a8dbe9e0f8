//! Host names a text dials: the host of a URL (`postgres://u:pw@db:5432/app`), a
//! `host:port` pair (`redis:6379`, `zoo1:2888:3888`), or a whole value that is a host name
//! (`REDIS_HOST=redis`). Only names `is_host` accepts are reported, so ordinary words never
//! count; a name that is part of a longer one (`db.example.com`, `db-replica`) is not `db`.

/// One host name found in a text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mention {
    /// The name as written.
    pub host: String,
    /// The port written after it, else the URL scheme's default port.
    pub port: Option<u32>,
    /// Byte range of `host` or `host:port` (without a scheme default) in the text.
    pub start: usize,
    pub end: usize,
    pub form: Form,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Form {
    /// The host of a URL with this scheme.
    Url(String),
    /// `host:port` outside a URL.
    HostPort,
    /// The whole (trimmed) text is the host name.
    Bare,
}

fn host_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.')
}

/// Default ports of URL schemes that name a service protocol.
pub fn scheme_port(scheme: &str) -> Option<u32> {
    Some(match scheme.to_ascii_lowercase().as_str() {
        "http" | "ws" => 80,
        "https" | "wss" => 443,
        "postgres" | "postgresql" | "jdbc:postgresql" => 5432,
        "mysql" | "mysql2" | "mariadb" | "jdbc:mysql" | "jdbc:mariadb" => 3306,
        "redis" | "rediss" => 6379,
        "mongodb" => 27017,
        "amqp" => 5672,
        "amqps" => 5671,
        "nats" => 4222,
        "memcached" => 11211,
        "ldap" => 389,
        "ldaps" => 636,
        "smtp" => 25,
        "ftp" => 21,
        "kafka" => 9092,
        "zookeeper" => 2181,
        "etcd" => 2379,
        "sqlserver" | "mssql" | "jdbc:sqlserver" => 1433,
        _ => return None,
    })
}

/// The scheme of the URL whose authority starts at `start`, if any: the text before it in
/// the same word must end with `scheme://`, with optional `user[:password]@` after it.
fn url_scheme(text: &str, start: usize) -> Option<String> {
    let before = text.get(..start)?;
    let word_start = before
        .rfind(|c: char| {
            c.is_whitespace() || matches!(c, '"' | '\'' | '(' | '=' | ',' | ';' | '<' | '>')
        })
        .map_or(0, |i| i + 1);
    let word = before.get(word_start..)?;
    let (scheme, rest) = word.split_once("://")?;
    // Between `://` and the host only credentials may stand, ending in `@`.
    if !(rest.is_empty() || rest.ends_with('@')) || rest.contains('/') {
        return None;
    }
    let scheme = scheme.trim_start_matches(|c: char| !c.is_ascii_alphabetic());
    (!scheme.is_empty()).then(|| scheme.to_string())
}

/// The port written at `text[at..]` as `:digits`, and where it ends. Digits followed by a
/// dot, letter or dash are a version (`mysql:8.0`, `redis:7-alpine`), not a port.
fn written_port(text: &[u8], at: usize) -> Option<(u32, usize)> {
    if text.get(at) != Some(&b':') {
        return None;
    }
    let digits = text
        .get(at + 1..)?
        .iter()
        .take_while(|c| c.is_ascii_digit())
        .count();
    if digits == 0 || digits > 5 {
        return None;
    }
    let end = at + 1 + digits;
    if text.get(end).is_some_and(|&c| host_char(c)) {
        return None;
    }
    let port: u32 = std::str::from_utf8(text.get(at + 1..end)?)
        .ok()?
        .parse()
        .ok()?;
    (1..=65535).contains(&port).then_some((port, end))
}

/// Every mention of a host `is_host` accepts, in text order.
pub fn mentions(text: &str, is_host: impl Fn(&str) -> bool) -> Vec<Mention> {
    let bytes = text.as_bytes();
    let trimmed = text.trim();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if !bytes.get(i).is_some_and(|&c| host_char(c)) {
            i += 1;
            continue;
        }
        let start = i;
        while bytes.get(i).is_some_and(|&c| host_char(c)) {
            i += 1;
        }
        // A trailing dot ends a sentence, not a name.
        let mut end = i;
        while end > start && bytes.get(end - 1) == Some(&b'.') {
            end -= 1;
        }
        let Some(host) = text.get(start..end) else {
            continue;
        };
        if host.is_empty() || !is_host(host) {
            continue;
        }
        let port = if end == i {
            written_port(bytes, end)
        } else {
            None
        };
        let scheme = url_scheme(text, start);
        let form = if let Some(s) = scheme {
            Form::Url(s)
        } else if port.is_some() {
            // `/path/db:1` is a path, `--x=db:1` and ` db:1` are addresses.
            if start > 0 && bytes.get(start - 1) == Some(&b'/') {
                continue;
            }
            Form::HostPort
        } else if trimmed == host {
            Form::Bare
        } else {
            continue;
        };
        let span_end = port.map_or(end, |(_, e)| e);
        let port = port.map(|(p, _)| p).or(match &form {
            Form::Url(s) => scheme_port(s),
            _ => None,
        });
        out.push(Mention {
            host: host.to_string(),
            port,
            start,
            end: span_end,
            form,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<(String, Option<u32>, Form)> {
        mentions(text, |h| {
            matches!(h, "db" | "redis" | "zoo1" | "backend" | "mysql")
        })
        .into_iter()
        .map(|m| (m.host, m.port, m.form))
        .collect()
    }

    #[test]
    fn urls_with_credentials_and_default_ports() {
        assert_eq!(
            found("postgres://app:pw@db:5432/app"),
            [("db".into(), Some(5432), Form::Url("postgres".into()))]
        );
        assert_eq!(
            found("redis://redis"),
            [("redis".into(), Some(6379), Form::Url("redis".into()))]
        );
        assert_eq!(
            found("proxy_pass http://backend;"),
            [("backend".into(), Some(80), Form::Url("http".into()))]
        );
        assert_eq!(
            found("jdbc:mysql://mysql/app"),
            [("mysql".into(), Some(3306), Form::Url("jdbc:mysql".into()))]
        );
    }

    #[test]
    fn host_port_pairs_and_bare_values() {
        assert_eq!(
            found("server.1=zoo1:2888:3888"),
            [("zoo1".into(), Some(2888), Form::HostPort)]
        );
        assert_eq!(
            found("--redis=redis:6379 --x"),
            [("redis".into(), Some(6379), Form::HostPort)]
        );
        assert_eq!(found("  redis "), [("redis".into(), None, Form::Bare)]);
    }

    #[test]
    fn longer_names_versions_and_words_are_not_mentions() {
        assert!(found("db.example.com:5432").is_empty());
        assert!(found("db-replica:5432").is_empty());
        assert!(found("mysql:8.0").is_empty());
        assert!(found("redis:7-alpine").is_empty());
        assert!(found("use the db for this").is_empty());
        assert!(found("/var/lib/db:5432").is_empty());
        assert!(found("http://example.com/db").is_empty());
        // A trailing dot ends the sentence.
        assert_eq!(
            found("http://backend."),
            [("backend".into(), Some(80), Form::Url("http".into()))]
        );
    }

    #[test]
    fn byte_ranges_cover_host_and_written_port() {
        let text = "a=http://db:8080/x";
        let m = mentions(text, |h| h == "db");
        let m = m.first().cloned().unwrap_or_else(|| panic!("no mention"));
        assert_eq!(text.get(m.start..m.end), Some("db:8080"));
        let text = "http://db/x";
        let m = mentions(text, |h| h == "db");
        let m = m.first().cloned().unwrap_or_else(|| panic!("no mention"));
        assert_eq!(text.get(m.start..m.end), Some("db"));
    }
}
