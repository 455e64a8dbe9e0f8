//! Port strings (`[ip:][host[-range]:]container[-range][/proto]`) to long syntax, as
//! compose-go's `ParsePortConfig` (docker's `nat.ParsePortSpecs`) reads them.

use crate::diag::LoadError;
use crate::load::node::{KeyPath, Map, Node, Value};
use crate::load::yaml::Budget;
use crate::source::Span;

/// One parsed port entry (long syntax fields).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PortSpec {
    pub host_ip: String,
    pub target: u32,
    pub published: String,
    pub protocol: String,
}

fn parse_range(s: &str) -> Option<(u64, u64)> {
    let parse = |x: &str| -> Option<u64> {
        if x.is_empty() || !x.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        x.parse::<u64>().ok().filter(|v| *v <= 65535)
    };
    match s.split_once('-') {
        None => parse(s).map(|v| (v, v)),
        Some((a, b)) => {
            let (a, b) = (parse(a)?, parse(b)?);
            (b >= a).then_some((a, b))
        }
    }
}

/// How many entries [`parse_port`] makes of `raw` when it is valid (the container range's
/// length), without making them; 1 for what does not parse.
pub fn expanded_count(raw: &str) -> usize {
    let container = raw.rsplit(':').next().unwrap_or(raw);
    let container = container.split('/').next().unwrap_or(container);
    parse_range(container).map_or(1, |(start, end)| {
        usize::try_from(end - start).map_or(usize::MAX, |n| n.saturating_add(1))
    })
}

/// Parse one port string into its entries (a range gives several), sorted as compose sorts
/// them (by `port/proto` string).
///
/// # Errors
/// compose's messages: invalid IP, container or host port, ranges, protocol.
pub fn parse_port(raw: &str) -> Result<Vec<PortSpec>, String> {
    let parts: Vec<&str> = raw.split(':').collect();
    let n = parts.len();
    let container_full = parts.last().copied().unwrap_or_default();
    let (mut ip, host) = match n {
        1 => (String::new(), String::new()),
        2 => (
            String::new(),
            parts.first().copied().unwrap_or_default().to_string(),
        ),
        3 => (
            parts.first().copied().unwrap_or_default().to_string(),
            parts.get(1).copied().unwrap_or_default().to_string(),
        ),
        _ => (
            parts.get(..n - 2).map(|p| p.join(":")).unwrap_or_default(),
            parts.get(n - 2).copied().unwrap_or_default().to_string(),
        ),
    };
    let (container, proto) = match container_full.split_once('/') {
        Some((c, p)) => (c, p.to_string()),
        None => (container_full, "tcp".to_string()),
    };
    let proto = if proto.is_empty() {
        "tcp".to_string()
    } else {
        proto
    };
    if let Some(inner) = ip.strip_prefix('[') {
        ip = inner
            .strip_suffix(']')
            .map(str::to_string)
            .ok_or_else(|| format!("invalid IP address {ip}"))?;
    }
    if !ip.is_empty() && ip.parse::<std::net::IpAddr>().is_err() {
        return Err(format!("invalid IP address: {ip}"));
    }
    if container.is_empty() {
        return Err(format!("no port specified: {raw}<empty>"));
    }
    let (start, end) =
        parse_range(container).ok_or_else(|| format!("invalid containerPort: {container}"))?;
    let (hstart, hend) = if host.is_empty() {
        (0, 0)
    } else {
        parse_range(&host).ok_or_else(|| format!("invalid hostPort: {host}"))?
    };
    if !host.is_empty() && (end - start) != (hend - hstart) && end != start {
        return Err(format!(
            "invalid ranges specified for container and host Ports: {container} and {host}"
        ));
    }
    let proto_lc = proto.to_lowercase();
    if !matches!(proto_lc.as_str(), "tcp" | "udp" | "sctp") {
        return Err(format!("invalid proto: {proto}"));
    }
    let mut out = Vec::new();
    for i in 0..=(end - start) {
        let mut published = if host.is_empty() {
            String::new()
        } else {
            (hstart + i).to_string()
        };
        if start == end && hstart != hend {
            published = format!("{published}-{hend}");
        }
        out.push(PortSpec {
            host_ip: ip.clone(),
            target: u32::try_from(start + i).unwrap_or(0),
            published,
            protocol: proto_lc.clone(),
        });
    }
    if out.len() > 1 {
        out.sort_by_cached_key(|p| format!("{}/{}", p.target, p.protocol));
    }
    Ok(out)
}

fn to_node(p: &PortSpec, span: Span) -> Node {
    // mode, host_ip, target, published, protocol: one growth step less than default.
    let mut m = Map::with_capacity_and_hasher(6, Default::default());
    m.insert("mode".into(), Node::new(Value::Str("ingress".into()), span));
    if !p.host_ip.is_empty() {
        m.insert(
            "host_ip".into(),
            Node::new(Value::Str(p.host_ip.clone()), span),
        );
    }
    m.insert(
        "target".into(),
        Node::new(Value::Int(i64::from(p.target)), span),
    );
    if !p.published.is_empty() {
        m.insert(
            "published".into(),
            Node::new(Value::Str(p.published.clone()), span),
        );
    }
    m.insert(
        "protocol".into(),
        Node::new(Value::Str(p.protocol.clone()), span),
    );
    let mut n = Node::map(m, span);
    n.key_span = span;
    n
}

/// `services.*.ports`: every string or integer entry to long syntax.
///
/// # Errors
/// An invalid port (unless `lenient`, for `--no-interpolate`), or a wrongly typed entry.
pub fn transform_ports(
    n: &mut Node,
    path: &[String],
    lenient: bool,
    budget: &mut Budget,
) -> Result<(), LoadError> {
    // The path is built only for an error message.
    let kp = || KeyPath::from_keys(path);
    let Value::Seq(items) = &n.value else {
        return Err(LoadError::new(
            n.span,
            kp(),
            format!("invalid type {} for ports: expected a list", n.type_name()),
        ));
    };
    let mut out = Vec::with_capacity(items.len());
    for (i, it) in items.iter().enumerate() {
        let raw = match &it.value {
            Value::Int(v) => v.to_string(),
            Value::Str(s) => s.clone(),
            Value::Map(_) => {
                out.push(it.clone());
                continue;
            }
            _ => {
                return Err(LoadError::new(
                    it.span,
                    kp().index(i),
                    format!("invalid type {} for port", it.type_name()),
                ));
            }
        };
        match parse_port(&raw) {
            Ok(specs) => {
                if !budget.spend(specs.len()) {
                    return Err(LoadError::new(
                        it.span,
                        kp().index(i),
                        format!(
                            "the project publishes more than {} ports once ranges are \
                             expanded; transship refuses that many (Compose would create one \
                             entry per port)",
                            budget.limit
                        ),
                    ));
                }
                out.extend(specs.iter().map(|p| to_node(p, it.span)));
            }
            Err(_) if lenient && matches!(it.value, Value::Str(_)) => return Ok(()),
            Err(m) => {
                return Err(LoadError::new(
                    it.span,
                    kp().index(i),
                    format!("invalid port {raw:?}: {m}"),
                ));
            }
        }
    }
    n.value = Value::Seq(out);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expanded_count_is_the_number_of_entries() {
        for raw in [
            "80",
            "8080:80",
            "127.0.0.1:8080:80/udp",
            "[::1]:80:80",
            "1000-1099:80-179",
            "80-90",
            "9000-9010:8000",
            "1-65535",
            "x:80",
            "80-70",
            "",
        ] {
            let n = parse_port(raw).map_or(1, |v| v.len());
            assert_eq!(expanded_count(raw), n, "{raw}");
        }
    }

    fn one(s: &str) -> PortSpec {
        let mut v = parse_port(s).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(v.len(), 1);
        v.remove(0)
    }

    #[test]
    fn forms() {
        assert_eq!(
            one("80"),
            PortSpec {
                host_ip: String::new(),
                target: 80,
                published: String::new(),
                protocol: "tcp".into()
            }
        );
        assert_eq!(one("8080:80/udp").published, "8080");
        assert_eq!(one("127.0.0.1:8080:80").host_ip, "127.0.0.1");
        assert_eq!(one("[::1]:8080:80").host_ip, "::1");
        assert_eq!(one("8000-8010:80").published, "8000-8010");
        let r = parse_port("8000-8001:80-81").unwrap_or_default();
        assert_eq!(
            r.iter()
                .map(|p| (p.published.as_str(), p.target))
                .collect::<Vec<_>>(),
            vec![("8000", 80), ("8001", 81)]
        );
    }

    #[test]
    fn errors() {
        assert_eq!(
            parse_port("80:99999").err(),
            Some("invalid containerPort: 99999".to_string())
        );
        assert_eq!(
            parse_port("8000-8002:80-81").err(),
            Some(
                "invalid ranges specified for container and host Ports: 80-81 and 8000-8002"
                    .to_string()
            )
        );
        assert_eq!(
            parse_port("80/xyz").err(),
            Some("invalid proto: xyz".to_string())
        );
        assert_eq!(
            parse_port("1.2.3:80:80").err(),
            Some("invalid IP address: 1.2.3".to_string())
        );
    }
}
