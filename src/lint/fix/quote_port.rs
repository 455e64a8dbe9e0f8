//! TS309: quote a `HOST:CONTAINER` port mapping written plain (`- 22:22` → `- "22:22"`).
//!
//! Safe because the loader (YAML 1.2, as compose-go) reads the plain and the quoted
//! spelling as the same string: [`quote_plain`] refuses any text whose plain reading is not
//! that string, and a plain scalar on one line has no escapes, so its characters are its
//! value. `${VAR}` is interpolated after parsing, from the same string either way.

use super::{Edit, FileText};
use crate::lint::Finding;
use crate::load::yaml::extent::{Role, Style, quote_plain};

pub fn fix(file: &FileText, finding: &Finding) -> Result<Edit, String> {
    let (_, s) = file
        .scalar_at(finding.span)
        .ok_or("no scalar is written at the finding")?;
    if s.role == Role::Key {
        return Err("it is a mapping key".into());
    }
    if s.style != Style::Plain {
        return Err("it is already quoted".into());
    }
    if s.tagged || s.end_line != s.line {
        return Err("it has a tag or spans lines".into());
    }
    let written = file.written(s);
    if !written.contains(':') {
        return Err(format!("`{written}` is not a HOST:CONTAINER mapping"));
    }
    let text = quote_plain(written, file.prefers_double_quotes())
        .ok_or_else(|| format!("quoting `{written}` could change how it reads"))?;
    Ok(Edit {
        range: s.range.clone(),
        text,
    })
}
