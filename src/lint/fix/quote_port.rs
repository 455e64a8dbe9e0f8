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

#[cfg(test)]
mod tests {
    use crate::lint::fix::testing::fix_at;

    fn quote(text: &str, line: u32, col: u32) -> Result<String, String> {
        fix_at(text, "TS309", line, col)
    }

    #[test]
    fn quotes_the_scalar_only() {
        assert_eq!(
            quote("p:\n  - 22:22 # ssh\n", 2, 5).as_deref(),
            Ok("p:\n  - \"22:22\" # ssh\n")
        );
        assert_eq!(
            quote("p: [22:22, 'a']\r\n", 1, 5).as_deref(),
            Ok("p: ['22:22', 'a']\r\n")
        );
    }

    #[test]
    fn an_anchored_port_is_quoted_where_it_is_defined() {
        // The loader's position of an anchored scalar is its anchor's.
        assert_eq!(
            quote("x: &ssh 2222:22\np: [*ssh]\n", 1, 4).as_deref(),
            Ok("x: &ssh \"2222:22\"\np: [*ssh]\n")
        );
    }

    #[test]
    fn what_it_leaves_alone() {
        let refused = |text: &str, line, col| quote(text, line, col).err().unwrap_or_default();
        assert_eq!(refused("p: [\"2:2\"]\n", 1, 5), "it is already quoted");
        assert_eq!(
            refused("p: [!!str 2:2]\n", 1, 5),
            "it has a tag or spans lines"
        );
        assert_eq!(
            refused("p:\n  - 2:2\n    3\n", 2, 5),
            "it has a tag or spans lines"
        );
        assert_eq!(
            refused("p: [80]\n", 1, 5),
            "`80` is not a HOST:CONTAINER mapping"
        );
        assert_eq!(refused("2:2: x\n", 1, 1), "it is a mapping key");
        assert_eq!(
            refused("p: [a]\n", 1, 2),
            "no scalar is written at the finding"
        );
    }
}
