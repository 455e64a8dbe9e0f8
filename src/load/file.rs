//! One compose file onto the accumulated tree: compose-go's `loadYamlFile`. For each YAML
//! document: interpolate, apply `extends`, apply `!reset`/`!override`, import `include`s,
//! merge onto what earlier files built, then canonical forms.

use crate::diag::{LoadError, Warning};
use crate::load::node::{KeyPath, Map, Node, Value};
use crate::load::options::{Environment, read_text};
use crate::load::yaml::{Budget, Document, Limits};
use crate::load::{canonical, extends, include, interpolate, merge, unicity, yaml};
use crate::source::{SourceMap, Span};
use std::path::{Path, PathBuf};

/// What every file load shares: the source registry, limits, warnings, options.
pub struct Ctx<'a> {
    pub sources: &'a SourceMap,
    pub limits: Limits,
    pub interpolate: bool,
    pub warnings: Vec<Warning>,
    /// Files currently being included, outermost first (include cycle detection).
    pub include_stack: Vec<PathBuf>,
    /// Current directory, for messages with relative paths.
    pub cwd: PathBuf,
    /// Documents parsed ahead of loading (the project-name pass reads every `-f` file first);
    /// taken on first load so no file is parsed twice.
    pub parsed: std::collections::HashMap<PathBuf, Vec<Document>>,
    /// Services of files named by `extends.file`, by path and environment fingerprint.
    pub extends_bases: std::collections::HashMap<(PathBuf, u64), Map>,
    /// Port entries expanded so far (`limits.max_ports`).
    pub ports: Budget,
    /// Nodes inherited through `extends` so far (`limits.max_extends_nodes`).
    pub extends_nodes: Budget,
}

/// How one file is loaded: which phases run (extends files and included files skip some).
#[derive(Clone, Copy)]
pub struct Phases {
    pub extends: bool,
    pub include: bool,
}

impl Ctx<'_> {
    /// Read and parse a file (or standard input when `stdin` is given) into YAML documents.
    ///
    /// # Errors
    /// I/O, UTF-8, YAML syntax and size/alias bounds.
    pub fn parse_file(&self, path: &Path, stdin: Option<&str>) -> Result<Vec<Document>, LoadError> {
        let text = match stdin {
            Some(s) => s.to_string(),
            None => {
                let meta = std::fs::metadata(path).map_err(|e| {
                    LoadError::plain(format!(
                        "open {}: {}",
                        path.display(),
                        crate::load::options::io_reason(&e)
                    ))
                })?;
                if meta.len() > self.limits.max_bytes as u64 {
                    return Err(LoadError::plain(format!(
                        "{}: file is {} bytes, over the {} byte limit",
                        self.display(path),
                        meta.len(),
                        self.limits.max_bytes
                    )));
                }
                read_text(path)?
            }
        };
        let display = if stdin.is_some() {
            "-".to_string()
        } else {
            self.display(path)
        };
        let id = self
            .sources
            .add(display, path.to_path_buf(), text.clone().into());
        yaml::parse_documents(&text, id, &self.limits)
    }

    /// A path as messages show it: relative to the current directory when inside it.
    pub fn display(&self, path: &Path) -> String {
        crate::source::display_path(path, &self.cwd)
    }

    /// Load `path`'s documents onto `dict`. `working_dir` anchors relative paths of `extends`
    /// and `include`; `env` is the interpolation environment.
    ///
    /// # Errors
    /// Any error of any phase, with its position.
    pub fn load_file(
        &mut self,
        path: &Path,
        stdin: Option<&str>,
        dict: Node,
        working_dir: &Path,
        env: &Environment,
        phases: Phases,
    ) -> Result<Node, LoadError> {
        let docs = match self.parsed.remove(path) {
            Some(docs) => docs,
            None => self.parse_file(path, stdin)?,
        };
        let mut dict = dict;
        for doc in docs {
            dict = self.load_document(path, doc, dict, working_dir, env, phases)?;
        }
        Ok(dict)
    }

    fn load_document(
        &mut self,
        path: &Path,
        doc: Document,
        dict: Node,
        working_dir: &Path,
        env: &Environment,
        phases: Phases,
    ) -> Result<Node, LoadError> {
        let Document {
            mut root,
            reset_paths,
        } = doc;
        match root.value {
            Value::Map(_) => {}
            // An empty document adds nothing (compose skips it the same way).
            Value::Null => return Ok(dict),
            _ => {
                return Err(LoadError::new(
                    root.span,
                    KeyPath::root(),
                    "Top-level object must be a mapping",
                ));
            }
        }
        if self.interpolate {
            let lookup = |k: &str| env.get(k).cloned();
            interpolate::interpolate(&mut root, &lookup, &mut self.warnings)?;
        }
        if phases.extends {
            extends::apply_extends(self, &mut root, path, working_dir, env, &reset_paths)?;
        }
        let mut dict = dict;
        apply_resets(&mut dict, &reset_paths);
        if phases.include {
            include::apply_include(self, &mut root, path, working_dir, env)?;
        }
        let mut dict = merge::merge(dict, root)?;
        unicity::enforce_unicity(&mut dict)?;
        if let Some(m) = dict.as_map_mut()
            && let Some(v) = m.shift_remove("version")
        {
            self.warnings.push(Warning {
                    span: v.key_span,
                    path: KeyPath::root().key("version"),
                    message: "the attribute `version` is obsolete, it will be ignored, please remove it to avoid potential confusion".into(),
                });
        }
        canonical::canonical(&mut dict, !self.interpolate, &mut self.ports)?;
        omit_empty_dns(&mut dict);
        unicity::enforce_unicity(&mut dict)?;
        Ok(dict)
    }
}

/// An empty tree to merge the first file onto.
pub fn empty_dict() -> Node {
    Node::map(Map::default(), Span::SYNTHETIC)
}

/// `!reset` / `!override`: drop those paths from what earlier files built, so the current
/// file's value (or its absence) wins outright.
pub fn apply_resets(dict: &mut Node, paths: &[String]) {
    if paths.is_empty() {
        return;
    }
    fn walk(node: &mut Node, prefix: &str, paths: &[String]) {
        if let Some(m) = node.as_map_mut() {
            m.retain(|k, _| {
                let p = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                !paths.contains(&p)
            });
            for (k, v) in m.iter_mut() {
                let p = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                if paths.iter().any(|r| r.starts_with(&p)) {
                    walk(v, &p, paths);
                }
            }
        }
    }
    walk(dict, "", paths);
}

/// compose drops empty entries from `services.*.dns` (an unset variable leaves `""`).
fn omit_empty_dns(dict: &mut Node) {
    let Some(services) = dict.get_mut("services").and_then(Node::as_map_mut) else {
        return;
    };
    for (_, svc) in services.iter_mut() {
        if let Some(dns) = svc.get_mut("dns").and_then(Node::as_seq_mut) {
            dns.retain(|n| !(n.is_null() || n.as_str() == Some("")));
        }
    }
}
