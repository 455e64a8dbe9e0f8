//! One member of a stateful service (see [`crate::analysis::stateful`]): its group is pinned
//! to the client whose `meta` names this member (the data of a host volume lives on one
//! client; the plan says which meta to set), and every local named volume becomes the
//! member's own (`<source>-<i>`), so no two members write one volume. External volumes
//! cannot be copied: members share them, with a warning.

use super::Ctx;
use super::hcl::{attr, interpolated, literal, unquote};
use crate::backend::mapping::ConvertWarning;
use crate::backend::notes::Notes;
use crate::diag::Severity;
use crate::model::Service;
use hcl::structure::{Block, Structure};

/// The client meta key that says which member a client holds: `<project>_<service>`, in
/// characters an HCL traversal (`${meta.KEY}`) reads.
pub fn meta_key(ctx: &Ctx, svc: &Service) -> String {
    format!("{}_{}", ctx.project.name, svc.name)
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// `constraint { attribute = "${meta.<key>}" value = "<i>" }`.
pub fn pin(ctx: &Ctx, svc: &Service, i: i64, warnings: &mut Vec<ConvertWarning>) -> Block {
    let key = meta_key(ctx, svc);
    if i == 1 {
        let mut notes = Notes::new(svc);
        notes.warn(
            Severity::Info,
            "deploy.replicas",
            format!(
                "each member runs on the client whose meta {key} is its number: set client {{ meta {{ {key} = \"1\" }} }} on the client holding {}'s data, \"2\" for the next member, and so on",
                crate::analysis::stateful::member_name(&svc.name, 1)
            ),
        );
        warnings.append(&mut notes.warnings);
    }
    Block::builder("constraint")
        .add_attribute(attr("attribute", interpolated(&format!("${{meta.{key}}}"))))
        .add_attribute(attr("value", literal(&i.to_string())))
        .build()
}

/// The member's copies of the group's volumes: `source` gets `-<i>` unless the compose
/// volume is external, and `per_alloc` goes (one allocation per member group).
pub fn own_volumes(
    ctx: &Ctx,
    svc: &Service,
    volumes: Vec<Block>,
    i: i64,
    warnings: &mut Vec<ConvertWarning>,
) -> Vec<Block> {
    volumes
        .into_iter()
        .map(|v| {
            let label = v.labels().first().map(|l| l.as_str().to_string()).unwrap_or_default();
            let external = ctx
                .project
                .volumes
                .iter()
                .find(|(k, _)| super::label(k) == label)
                .is_some_and(|(_, vol)| vol.external);
            if external {
                if i == 1 {
                    let mut notes = Notes::new(svc);
                    notes.warn(
                        Severity::Warning,
                        "volumes",
                        format!("volume {label} is external: every member mounts the same volume, which transship cannot copy per member"),
                    );
                    warnings.append(&mut notes.warnings);
                }
                return v;
            }
            let mut b = Block::builder("volume").add_label(label.as_str());
            for s in v.body().iter() {
                match s {
                    Structure::Attribute(a) if a.key.as_str() == "source" => {
                        let src = unquote(&a.expr);
                        b = b.add_attribute(attr("source", literal(&format!("{src}-{i}"))));
                    }
                    Structure::Attribute(a) if a.key.as_str() == "per_alloc" => {}
                    other => b = b.add_structure(other.clone()),
                }
            }
            b.build()
        })
        .collect()
}
