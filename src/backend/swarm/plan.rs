//! The node plan: what an operator runs on a manager before `docker stack deploy`. Written
//! twice from one list of operations: `<project>.nodes.sh`, a POSIX script that is safe to
//! run again (labels are set, not stacked; a secret that exists is kept; a label is moved off
//! another node only when the operator says so), and typed steps for `DEPLOY.md`.

use crate::backend::plan::{Step, StepKind, shell_word};

/// One thing the plan does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    /// Put node label `key=true` on the node `$var` names, and on no other node: the
    /// services pinned by it keep their local volumes there.
    Pin {
        key: String,
        var: String,
        what: String,
    },
    /// Add `key=value` to the node `$var` names: a constraint the compose file already had,
    /// which a pinned service also needs on its node.
    Label {
        key: String,
        value: String,
        var: String,
    },
    /// Create secret or config `name` from the environment variable `from`, unless it exists.
    Create {
        kind: &'static str,
        name: String,
        from: String,
    },
}

/// `NODE_<KEY>`: the variable naming the node for label `key`.
pub fn node_var(key: &str) -> String {
    let tail: String = key
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("NODE_{tail}")
}

const PRELUDE: &str = r#"set -eu
# pin KEY NODE: label NODE with KEY=true and make it the only node with KEY. A node that
# already has KEY keeps it (and the data the pinned services left there) unless
# TRANSSHIP_MOVE_LABELS=1: then the label moves, and the services start on NODE with NODE's
# copy of their volumes.
pin() {
  want=$(docker node inspect --format '{{.ID}}' "$2")
  for n in $(docker node ls -q --filter "node.label=$1"); do
    [ "$n" = "$want" ] && continue
    if [ "${TRANSSHIP_MOVE_LABELS:-}" != 1 ]; then
      echo "node $n already has label $1: not moving it to $2 (its data stays on $n); rerun with TRANSSHIP_MOVE_LABELS=1 to move it" >&2
      exit 1
    fi
    echo "moving label $1 from node $n to $2: the services it pins start there with that node's volumes" >&2
    docker node update --label-rm "$1" "$n" >/dev/null
  done
  docker node update --label-add "$1=true" "$want" >/dev/null
  echo "label $1=true on $2"
}
# label KEY VALUE NODE: add KEY=VALUE to NODE (a constraint the compose file already had).
label() {
  docker node update --label-add "$1=$2" "$3" >/dev/null
  echo "label $1=$2 on $3"
}
# prune PREFIX KEY...: remove the pin labels (KEY=true) under PREFIX (this project's) that
# this plan does not set: an earlier plan's, for a member or pinned service that is gone.
# Their volumes stay on the node; each removal is said.
prune() {
  prefix=$1
  shift
  for n in $(docker node ls -q); do
    for k in $(docker node inspect --format '{{range $k, $v := .Spec.Labels}}{{if eq $v "true"}}{{$k}} {{end}}{{end}}' "$n"); do
      case "$k" in "$prefix"*) ;; *) continue ;; esac
      keep=0
      for w in "$@"; do [ "$k" = "$w" ] && keep=1; done
      [ "$keep" = 1 ] && continue
      echo "removing label $k from node $n: no service of this plan is pinned by it (its volumes stay on $n)" >&2
      docker node update --label-rm "$k" "$n" >/dev/null
    done
  done
}
# create secret|config NAME VALUE: create it unless it exists (an existing one is kept: Swarm
# objects cannot change; give a new value a new name).
create() {
  if docker "$1" inspect "$2" >/dev/null 2>&1; then
    echo "$1 $2 exists: kept"
  else
    printf '%s' "$3" | docker "$1" create "$2" - >/dev/null
    echo "$1 $2 created"
  fi
}
"#;

fn command(op: &Op) -> String {
    match op {
        Op::Pin { key, var, what } => format!(
            "pin {} \"${{{var}:?node for {what} (docker node ls)}}\"",
            shell_word(key)
        ),
        Op::Label { key, value, var } => format!(
            "label {} {} \"${{{var}:?}}\"",
            shell_word(key),
            shell_word(value)
        ),
        Op::Create { kind, name, from } => {
            format!("create {kind} {} \"${{{from}:?}}\"", shell_word(name))
        }
    }
}

/// The script, or `None` when there is nothing to do.
pub fn script(project: &str, stack: &str, ops: &[Op], needs: &NodeNeeds) -> Option<String> {
    if ops.is_empty() {
        return None;
    }
    let mut out = format!(
        "#!/bin/sh\n\
         # Before `docker stack deploy -c {stack} {project}`, on a manager node: label the node\n\
         # that keeps the local volumes of each pinned service, and create the secrets and\n\
         # configs Swarm cannot read from the environment. Set each NODE_* to a node name from\n\
         # `docker node ls` (one node may take several). Safe to run again; it removes the\n\
         # labels an earlier plan of this project set that this one does not, saying so.\n"
    );
    out.push_str(PRELUDE);
    let mut seen: Vec<String> = Vec::new();
    for op in ops {
        let line = command(op);
        if !seen.contains(&line) {
            out.push_str(&line);
            out.push('\n');
            seen.push(line);
        }
    }
    // Labels of this project's default scheme (`<project>.<svc>[.<i>]`) that no op sets any
    // more; a `--placement-label` of the user's own is never pruned (its history is unknown).
    let prefix = format!("{project}.");
    // Also the labels the compose file's own constraints ask for (an operator set those).
    let mut keep: Vec<String> = Vec::new();
    let set = ops.iter().filter_map(|op| match op {
        Op::Pin { key, .. } | Op::Label { key, .. } => Some(key),
        Op::Create { .. } => None,
    });
    for key in set.chain(needs.labels.iter().map(|(k, _, _)| k)) {
        if key.starts_with(&prefix) && !keep.contains(key) {
            keep.push(key.clone());
        }
    }
    let words: Vec<String> = std::iter::once(prefix.as_str())
        .chain(keep.iter().map(String::as_str))
        .map(shell_word)
        .collect();
    out.push_str(&format!("prune {}\n", words.join(" ")));
    Some(out)
}

/// What the project's own placement constraints ask of the nodes: `node.labels.K == V`
/// (a label someone must add) and `node.hostname == H` (a node of that name), each with the
/// services that need it. Compose ignores placement, so on a new swarm nothing has them and
/// the services stay pending.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct NodeNeeds {
    /// (key, value, services)
    pub labels: Vec<(String, String, Vec<String>)>,
    /// (hostname, services)
    pub hostnames: Vec<(String, Vec<String>)>,
}

impl NodeNeeds {
    pub fn of(project: &crate::model::Project) -> Self {
        let mut needs = NodeNeeds::default();
        for name in project.service_names() {
            let Some(p) = project
                .services
                .get(name)
                .and_then(|s| s.deploy.as_ref())
                .map(|d| &d.placement)
            else {
                continue;
            };
            for c in &p.constraints {
                let Some((k, v)) = c.split_once("==") else {
                    continue;
                };
                let (k, v) = (k.trim(), v.trim().to_string());
                if let Some(label) = k.strip_prefix("node.labels.") {
                    add(&mut needs.labels, (label.to_string(), v), name);
                } else if k == "node.hostname" {
                    match needs.hostnames.iter_mut().find(|(h, _)| *h == v) {
                        Some((_, svcs)) => svcs.push(name.to_string()),
                        None => needs.hostnames.push((v, vec![name.to_string()])),
                    }
                }
            }
        }
        needs
    }
}

fn add(labels: &mut Vec<(String, String, Vec<String>)>, (k, v): (String, String), svc: &str) {
    match labels.iter_mut().find(|(a, b, _)| *a == k && *b == v) {
        Some((_, _, svcs)) => svcs.push(svc.to_string()),
        None => labels.push((k, v, vec![svc.to_string()])),
    }
}

/// The steps for the constraints the script does not already satisfy.
fn node_steps(needs: &NodeNeeds, ops: &[Op]) -> Vec<Step> {
    let mut out = Vec::new();
    for (k, v, svcs) in &needs.labels {
        let scripted = ops.iter().any(|o| match o {
            Op::Label { key, value, .. } => key == k && value == v,
            Op::Pin { key, .. } => key == k && v == "true",
            Op::Create { .. } => false,
        });
        if scripted {
            continue;
        }
        out.push(
            Step::new(
                StepKind::NodeLabel,
                format!("Label the nodes for {k}={v}"),
                format!(
                    "deploy.placement.constraints of {} asks for node.labels.{k} == {v}: until a node has the label, the tasks stay pending. Label every node they may run on.",
                    svcs.join(", ")
                ),
            )
            .commands([format!(
                "docker node update --label-add {} NODE",
                shell_word(&format!("{k}={v}"))
            )]),
        );
    }
    for (h, svcs) in &needs.hostnames {
        out.push(
            Step::new(
                StepKind::NodeLabel,
                format!("Have a node named {h}"),
                format!(
                    "deploy.placement.constraints of {} asks for node.hostname == {h}: the tasks stay pending on a swarm without a node of that hostname.",
                    svcs.join(", ")
                ),
            )
            .commands(["docker node ls --format '{{.Hostname}}'".to_string()]),
        );
    }
    out
}

/// Bind sources compose would create when missing: Swarm never does, and rejects the task
/// (`invalid mount config: bind source path does not exist`) on a node without them.
pub fn bind_dirs(
    project: &crate::model::Project,
    host: &super::resources::HostPaths,
) -> Option<Step> {
    let found = crate::backend::bind_dirs_below_project(project, |src| host.rel(src))?;
    let (dirs, services) = (&found.dirs, &found.services);
    let words: Vec<String> = dirs.iter().map(|d| shell_word(d)).collect();
    Some(
        Step::new(
            StepKind::HostFiles,
            "Create the bind-mounted directories on the nodes",
            format!(
                "compose creates a missing bind source as an empty root-owned directory; Swarm never does, and rejects the task on a node that lacks it. `docker stack deploy` makes these paths absolute against this directory: create them at those absolute paths on every node that may run {} (or constrain those services to the nodes that have them). On the manager, from this directory:",
                services.join(", ")
            ),
        )
        .commands([format!("mkdir -p {}", words.join(" "))])
        .source(found.key, found.span),
    )
}

/// The DEPLOY.md steps: the nodes the constraints need, run the script (when there is one),
/// then deploy.
pub fn steps(
    project: &str,
    stack: &str,
    script_name: Option<&str>,
    ops: &[Op],
    needs: &NodeNeeds,
) -> Vec<Step> {
    let mut out = node_steps(needs, ops);
    if let Some(script) = script_name {
        let mut vars: Vec<String> = Vec::new();
        for op in ops {
            let v = match op {
                Op::Pin { var, .. } | Op::Label { var, .. } => var,
                Op::Create { from, .. } => from,
            };
            if !vars.contains(v) {
                vars.push(v.clone());
            }
        }
        let pins = ops.iter().filter(|o| matches!(o, Op::Pin { .. })).count();
        let creates = ops
            .iter()
            .filter(|o| matches!(o, Op::Create { .. }))
            .count();
        let kind = if pins > 0 {
            StepKind::NodeLabel
        } else {
            StepKind::Secret
        };
        let mut cmds: Vec<String> = vars.iter().map(|v| format!("export {v}=...")).collect();
        cmds.push(format!("sh {script}"));
        out.push(
            Step::new(
                kind,
                format!("Run {script} on a manager"),
                format!(
                    "It labels the nodes that keep local volumes ({pins} label(s)) and creates the secrets and configs read from the environment ({creates}). It is safe to run again: it stops rather than move a label to another node unless TRANSSHIP_MOVE_LABELS=1, and it removes (saying so) the labels of this project that an earlier plan set and this one does not."
                ),
            )
            .commands(cmds),
        );
    }
    out.push(
        Step::new(
            StepKind::Submit,
            format!("Deploy {stack}"),
            "Secrets and configs are named after their content: an edited file gets a new object and the services roll to it. Old versions stay until removed (`docker secret ls`, `docker config ls`).",
        )
        .commands([format!("docker stack deploy -c {stack} {project}")]),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constraints_the_script_does_not_set_become_steps() {
        let needs = NodeNeeds {
            labels: vec![
                (
                    "tier".into(),
                    "app".into(),
                    vec!["api".into(), "web".into()],
                ),
                ("rack".into(), "r1".into(), vec!["db".into()]),
            ],
            hostnames: vec![("db-1".into(), vec!["db".into()])],
        };
        let ops = vec![Op::Label {
            key: "rack".into(),
            value: "r1".into(),
            var: "NODE_X".into(),
        }];
        let steps = node_steps(&needs, &ops);
        let titles: Vec<&str> = steps.iter().map(|s| s.title.as_str()).collect();
        assert_eq!(
            titles,
            vec!["Label the nodes for tier=app", "Have a node named db-1"],
            "rack=r1 is the script's"
        );
        assert!(steps[0].why.contains("of api, web"), "{}", steps[0].why);
    }

    #[test]
    fn script_is_idempotent_by_construction() {
        let ops = vec![
            Op::Pin {
                key: "p.db.1".into(),
                var: node_var("p.db.1"),
                what: "db-1".into(),
            },
            Op::Pin {
                key: "p.db.1".into(),
                var: node_var("p.db.1"),
                what: "db-1".into(),
            },
            Op::Create {
                kind: "secret",
                name: "p_tok".into(),
                from: "TOKEN".into(),
            },
        ];
        let s = script("p", "p.stack.yaml", &ops, &NodeNeeds::default()).unwrap_or_default();
        assert_eq!(
            s.matches("pin p.db.1 \"${NODE_P_DB_1:?node for db-1 (docker node ls)}\"")
                .count(),
            1,
            "{s}"
        );
        assert!(s.contains("create secret p_tok \"${TOKEN:?}\""));
        assert!(s.contains("docker \"$1\" inspect \"$2\""));
        assert!(s.ends_with("prune p. p.db.1\n"), "{s}");
        assert!(script("p", "p.stack.yaml", &[], &NodeNeeds::default()).is_none());
    }
}
