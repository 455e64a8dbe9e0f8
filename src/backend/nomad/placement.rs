//! Swarm placement → Nomad constraints and spreads. Node labels are Nomad client `meta`;
//! hostname, id and platform are node attributes. `max_replicas_per_node` becomes
//! `distinct_hosts` (1) or `distinct_property` on the node id (N). `platform` pins the OS and
//! architecture.

use super::hcl::{attr, interpolated, literal};
use crate::backend::notes::Notes;
use crate::diag::Severity;
use crate::model::Service;
use hcl::structure::Block;

/// One parsed `deploy.placement.constraints` entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Constraint {
    /// A Nomad attribute template such as `${meta.rack}`.
    pub attribute: String,
    pub equal: bool,
    pub value: String,
}

/// The Nomad attribute for a Swarm node attribute, with the value as Nomad reports it.
fn attribute_for(key: &str, value: &str) -> Result<(String, String), String> {
    if let Some(label) = key.strip_prefix("node.labels.") {
        if label.is_empty()
            || !label
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        {
            return Err(format!("node label {label:?} cannot be a Nomad meta key"));
        }
        return Ok((format!("${{meta.{label}}}"), value.to_string()));
    }
    match key {
        "node.hostname" => Ok(("${attr.unique.hostname}".into(), value.into())),
        "node.id" => Ok(("${node.unique.id}".into(), value.into())),
        "node.platform.os" => Ok(("${attr.kernel.name}".into(), value.to_lowercase())),
        "node.platform.arch" => Ok(("${attr.cpu.arch}".into(), arch(value))),
        "node.role" => Err("Nomad clients have no manager/worker role".into()),
        k if k.starts_with("engine.labels.") => {
            Err("Docker engine labels are not Nomad node attributes".into())
        }
        k => Err(format!("unknown node attribute {k}")),
    }
}

/// Swarm reports `uname -m`; Nomad reports Go's architecture names.
fn arch(v: &str) -> String {
    match v {
        "x86_64" => "amd64".into(),
        "aarch64" => "arm64".into(),
        "armv7l" | "armhf" => "arm".into(),
        "i386" | "i686" => "386".into(),
        other => other.to_string(),
    }
}

/// Parse `node.labels.rack == r1` / `node.role!=manager`.
pub fn parse(expr: &str) -> Result<Constraint, String> {
    let (key, value, equal) = if let Some((k, v)) = expr.split_once("!=") {
        (k, v, false)
    } else if let Some((k, v)) = expr.split_once("==") {
        (k, v, true)
    } else {
        return Err("expected KEY==VALUE or KEY!=VALUE".into());
    };
    let (attribute, value) = attribute_for(key.trim(), value.trim())?;
    Ok(Constraint {
        attribute,
        equal,
        value,
    })
}

fn constraint_block(c: &Constraint) -> Block {
    let mut b =
        Block::builder("constraint").add_attribute(attr("attribute", interpolated(&c.attribute)));
    if !c.equal {
        b = b.add_attribute(attr("operator", literal("!=")));
    }
    b.add_attribute(attr("value", literal(&c.value))).build()
}

/// Constraint and spread blocks for the service's placement and platform.
pub fn blocks(svc: &Service, per_node: bool, notes: &mut Notes) -> Vec<Block> {
    let mut out = Vec::new();
    if let Some(platform) = svc.platform.as_deref().filter(|p| !p.is_empty()) {
        let mut parts = platform.split('/');
        if let Some(os) = parts.next().filter(|s| !s.is_empty()) {
            out.push(constraint_block(&Constraint {
                attribute: "${attr.kernel.name}".into(),
                equal: true,
                value: os.to_lowercase(),
            }));
        }
        if let Some(a) = parts.next().filter(|s| !s.is_empty()) {
            out.push(constraint_block(&Constraint {
                attribute: "${attr.cpu.arch}".into(),
                equal: true,
                value: arch(a),
            }));
        }
    }
    let Some(placement) = svc.deploy.as_ref().map(|d| &d.placement) else {
        return out;
    };
    for (i, expr) in placement.constraints.iter().enumerate() {
        match parse(expr) {
            Ok(c) => out.push(constraint_block(&c)),
            Err(why) => notes.warn(
                Severity::Warning,
                &format!("deploy.placement.constraints[{i}]"),
                format!("dropped for nomad: {expr:?}: {why}"),
            ),
        }
    }
    match placement.max_replicas_per_node {
        Some(1) => out.push(
            Block::builder("constraint")
                .add_attribute(attr("distinct_hosts", true))
                .build(),
        ),
        Some(n) if n > 1 => out.push(
            Block::builder("constraint")
                .add_attribute(attr("operator", literal("distinct_property")))
                .add_attribute(attr("attribute", interpolated("${node.unique.id}")))
                .add_attribute(attr("value", literal(&n.to_string())))
                .build(),
        ),
        _ => {}
    }
    for (i, pref) in placement.preferences.iter().enumerate() {
        let Some(spread) = pref.spread.as_deref() else {
            continue;
        };
        let path = format!("deploy.placement.preferences[{i}]");
        if per_node {
            notes.warn(
                Severity::Warning,
                &path,
                "dropped for nomad: system jobs run on every node and take no spread".into(),
            );
            continue;
        }
        match attribute_for(spread.trim(), "") {
            Ok((attribute, _)) => out.push(
                Block::builder("spread")
                    .add_attribute(attr("attribute", interpolated(&attribute)))
                    .build(),
            ),
            Err(why) => notes.warn(
                Severity::Warning,
                &path,
                format!("dropped for nomad: spread over {spread}: {why}"),
            ),
        }
    }
    out
}

/// Whether the blocks already keep replicas on distinct hosts.
pub fn has_distinct_hosts(svc: &Service) -> bool {
    svc.deploy
        .as_ref()
        .is_some_and(|d| d.placement.max_replicas_per_node == Some(1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::nomad::hcl::is_identifier;
    use hcl::Expression;

    #[test]
    fn swarm_constraints_map_to_nomad_attributes() {
        assert_eq!(
            parse("node.labels.rack == r1"),
            Ok(Constraint {
                attribute: "${meta.rack}".into(),
                equal: true,
                value: "r1".into()
            })
        );
        assert_eq!(
            parse("node.platform.arch!=x86_64"),
            Ok(Constraint {
                attribute: "${attr.cpu.arch}".into(),
                equal: false,
                value: "amd64".into()
            })
        );
        assert_eq!(
            parse("node.hostname==db-1").map(|c| c.attribute),
            Ok("${attr.unique.hostname}".to_string())
        );
        assert!(parse("node.role==manager").is_err());
        assert!(parse("node.labels.a}b==x").is_err());
        assert!(parse("nonsense").is_err());
    }

    /// Label keys that are not an HCL traversal (found by fuzzing: `node.labels..mongo`)
    /// print as escaped text that still reads back to the same attribute.
    #[test]
    fn any_label_key_prints_as_hcl_that_reads_back() {
        for label in [
            "rack",
            "zone-1",
            ".mongo.replica",
            "mongo.2.x",
            "a..b",
            "9lives",
            "x.",
        ] {
            let c = parse(&format!("node.labels.{label} == v")).unwrap_or_else(|e| panic!("{e}"));
            let body = ::hcl::Body::builder()
                .add_block(constraint_block(&c))
                .build();
            let text = crate::backend::nomad::hcl::print(&body).unwrap_or_else(|e| panic!("{e}"));
            let back: hcl::Body =
                hcl::parse(&text).unwrap_or_else(|e| panic!("{label}: {e}\n{text}"));
            let attribute = back
                .blocks()
                .next()
                .and_then(|b| b.body.attributes().find(|a| a.key.as_str() == "attribute"))
                .map(|a| a.expr.clone());
            let expected = format!("${{meta.{label}}}");
            let readable = label.split('.').all(is_identifier);
            match attribute {
                // A template: its text is the attribute (Nomad interpolates it).
                Some(Expression::TemplateExpr(t)) if readable => {
                    assert_eq!(t.to_string(), expected, "{label}");
                }
                // Escaped text: HCL reads `$${` as a literal `${`, so the value is the
                // attribute itself, for Nomad to look up at run time.
                Some(Expression::String(v)) if !readable => assert_eq!(v, expected),
                other => panic!("{label}: {other:?}"),
            }
        }
    }
}
