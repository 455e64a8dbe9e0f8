//! File observations and writes: `PROBE_WRITE`, `PROBE_COUNTER`, `PROBE_FILES`.

use crate::json::{Json, obj};
use std::ffi::OsStr;
use std::fs;
use std::io::Read;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

/// Contents are reported up to this size; a larger file is cut and marked `truncated`.
const MAX_CONTENT: usize = 64 * 1024;

pub fn path_of(bytes: &[u8]) -> &Path {
    Path::new(OsStr::from_bytes(bytes))
}

fn error_text(e: &std::io::Error) -> Json {
    Json::str(&e.to_string())
}

fn write_file(path: &Path, content: &[u8]) -> std::io::Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent)?;
    }
    fs::write(path, content)
}

/// One `path=content` item of `PROBE_WRITE`.
pub fn write(item: &[u8]) -> Json {
    let (path, content) = match item.iter().position(|b| *b == b'=') {
        Some(i) => (&item[..i], &item[i + 1..]),
        None => (item, &b""[..]),
    };
    let mut fields = vec![("k", Json::str("wrote")), ("path", Json::bytes(path))];
    if let Err(e) = write_file(path_of(path), content) {
        fields.push(("error", error_text(&e)));
    }
    obj(fields)
}

/// Reads the integer in `path` (0 when missing or not a number), adds one, writes it back.
pub fn counter(path: &[u8]) -> (Json, i64) {
    let p = path_of(path);
    let old = fs::read_to_string(p)
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .unwrap_or(0);
    let value = old + 1;
    let mut fields = vec![
        ("k", Json::str("counter")),
        ("path", Json::bytes(path)),
        ("value", Json::Int(value)),
    ];
    if let Err(e) = write_file(p, format!("{value}\n").as_bytes()) {
        fields.push(("error", error_text(&e)));
    }
    (obj(fields), value)
}

/// What the probe's own user sees at `path` (symlinks followed).
pub fn observe(path: &[u8]) -> Json {
    let p = path_of(path);
    let mut fields = vec![("k", Json::str("file")), ("path", Json::bytes(path))];
    let Ok(meta) = fs::metadata(p) else {
        fields.push(("exists", Json::Bool(false)));
        fields.push(("readable", Json::Bool(false)));
        fields.push(("is_dir", Json::Bool(false)));
        return obj(fields);
    };
    let listing = if meta.is_dir() {
        fs::read_dir(p).ok().map(|dir| {
            let mut names: Vec<Vec<u8>> = dir
                .filter_map(Result::ok)
                .map(|e| e.file_name().as_bytes().to_vec())
                .collect();
            names.sort();
            (
                "entries",
                Json::Arr(names.iter().map(|n| Json::bytes(n)).collect()),
            )
        })
    } else {
        None
    };
    let content = if meta.is_dir() {
        None
    } else {
        fs::File::open(p).ok().map(|f| {
            let mut buf = Vec::new();
            let _ = f.take(MAX_CONTENT as u64 + 1).read_to_end(&mut buf);
            let truncated = buf.len() > MAX_CONTENT;
            buf.truncate(MAX_CONTENT);
            (buf, truncated)
        })
    };
    let readable = listing.is_some() || content.is_some();
    fields.push(("exists", Json::Bool(true)));
    fields.push(("readable", Json::Bool(readable)));
    fields.push(("is_dir", Json::Bool(meta.is_dir())));
    fields.push((
        "mode",
        Json::str(&format!("{:04o}", meta.permissions().mode() & 0o7777)),
    ));
    fields.push(("uid", Json::Int(meta.uid().into())));
    fields.push(("gid", Json::Int(meta.gid().into())));
    if let Some((buf, truncated)) = content {
        fields.push(("content", Json::Bytes(buf)));
        if truncated {
            fields.push(("truncated", Json::Bool(true)));
        }
    }
    if let Some(entries) = listing {
        fields.push(entries);
    }
    obj(fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("tsprobe-test-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn write_creates_parents_and_counter_counts() {
        let dir = scratch("write");
        let file = dir.join("a/b/c.txt");
        let item = format!("{}=x=y", file.display());
        let line = write(item.as_bytes()).encode();
        assert_eq!(
            line,
            format!(r#"{{"k":"wrote","path":"{}"}}"#, file.display())
        );
        assert_eq!(fs::read(&file).unwrap(), b"x=y");

        let count = dir.join("n");
        assert_eq!(counter(count.as_os_str().as_bytes()).1, 1);
        assert_eq!(counter(count.as_os_str().as_bytes()).1, 2);
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn observe_reports_mode_content_and_sorted_entries() {
        let dir = scratch("observe");
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("z"), "zz\n").unwrap();
        fs::write(dir.join("a"), b"\xff").unwrap();
        fs::set_permissions(dir.join("z"), fs::Permissions::from_mode(0o444)).unwrap();
        let z = observe(dir.join("z").as_os_str().as_bytes()).encode();
        assert!(
            z.contains(r#""exists":true,"readable":true,"is_dir":false,"mode":"0444""#),
            "{z}"
        );
        assert!(z.ends_with(r#""content":"zz\u000a"}"#), "{z}");
        let a = observe(dir.join("a").as_os_str().as_bytes()).encode();
        assert!(a.ends_with(r#""content":{"hex":"ff"}}"#), "{a}");
        let d = observe(dir.as_os_str().as_bytes()).encode();
        assert!(d.ends_with(r#""entries":["a","z"]}"#), "{d}");
        let missing = observe(dir.join("nope").as_os_str().as_bytes()).encode();
        assert!(missing.ends_with(r#""exists":false,"readable":false,"is_dir":false}"#));
        fs::remove_dir_all(dir).unwrap();
    }
}
