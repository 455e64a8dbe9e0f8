//! Shared by the fuzz targets: load bytes as a compose file read from stdin, with a fixed
//! environment, so runs are reproducible.

use transship::load::{self, Loaded, options::LoadOptions};
use transship::source::SourceMap;

pub fn load_bytes(data: &[u8]) -> Option<(Loaded, SourceMap)> {
    let text = std::str::from_utf8(data).ok()?;
    let mut env = indexmap::IndexMap::new();
    env.insert("HOME".to_string(), "/tmp".to_string());
    let opts = LoadOptions {
        files: vec!["-".into()],
        project_name: Some("fuzz".into()),
        project_directory: Some("/nonexistent-fuzz".into()),
        env_files: Vec::new(),
        profiles: Vec::new(),
        interpolate: true,
        environment: Some(env),
        cwd: Some("/nonexistent-fuzz".into()),
        stdin: Some(text.to_string()),
    };
    let sources = SourceMap::new();
    let loaded = load::load(&opts, &sources).ok()?;
    Some((loaded, sources))
}
