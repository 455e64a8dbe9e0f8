//! The frontend: everything between compose files on disk and the typed model.
//!
//! Phases, in order (as Docker Compose v2 runs them):
//! 1. `yaml`: text → node tree per document (positions kept, anchors/merge keys resolved,
//!    `!reset`/`!override` recorded).
//! 2. `interpolate`: `${VAR}` substitution, then type casts for known numeric/bool keys.
//! 3. `extends` and `include`.
//! 4. `merge` of each file onto the accumulated tree, `unicity` of keyed lists.
//! 5. `canonical`: short syntax → long syntax.
//! 6. `defaults`, path resolution, `normalize` (default network, names, build defaults).
//! 7. `bind`: tree → typed [`crate::model`].

pub mod bind;
pub mod canonical;
pub mod defaults;
pub mod dotenv;
pub mod interpolate;
pub mod merge;
pub mod node;
pub mod template;
pub mod unicity;
pub mod yaml;
