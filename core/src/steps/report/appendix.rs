//! The report's closing, collapsed section: the run manifest and the settings used, as tables
//! (`key | value`, and `section | key | value`) rather than raw TOML and INI.

use super::html::escape;
use crate::layout::SETTINGS_FILE;
use crate::settings::RawIni;
use std::fmt::Write;
use std::path::Path;

/// The manifest (TOML) and the settings snapshot (INI) in one `<details>`; a file that does not
/// parse is shown as written.
pub fn appendix(html: &mut String, manifest: &str, settings: &str) {
    html.push_str("<details><summary>Run manifest and settings used</summary><h3>Run manifest</h3>");
    match manifest.parse::<toml::Table>() {
        Ok(table) => {
            let mut rows = Vec::new();
            flatten("", &toml::Value::Table(table), &mut rows);
            html.push_str("<table><tr><th>key</th><th>value</th></tr>");
            for (key, value) in rows {
                let _ = write!(html, "<tr><td>{}</td><td class=\"name\">{}</td></tr>", escape(&key), escape(&value));
            }
            html.push_str("</table>");
        }
        Err(_) => {
            let _ = write!(html, "<pre class=\"box\">{}</pre>", escape(manifest));
        }
    }
    html.push_str("<h3>Settings used</h3>");
    match RawIni::parse(settings, Path::new(SETTINGS_FILE)) {
        Ok(raw) => {
            html.push_str("<table><tr><th>section</th><th>key</th><th>value</th></tr>");
            for section in raw.sections() {
                for entry in section.entries() {
                    let _ = write!(
                        html,
                        "<tr><td>{}</td><td class=\"name\">{}</td><td class=\"name\">{}</td></tr>",
                        escape(section.name()),
                        escape(&entry.key),
                        escape(&entry.value)
                    );
                }
            }
            html.push_str("</table>");
        }
        Err(_) => {
            let _ = write!(html, "<pre class=\"box\">{}</pre>", escape(settings));
        }
    }
    html.push_str("</details>");
}

/// `a.b.c = value` rows of a TOML value, tables walked in key order, arrays of scalars joined.
fn flatten(prefix: &str, value: &toml::Value, rows: &mut Vec<(String, String)>) {
    match value {
        toml::Value::Table(table) => {
            for (key, value) in table {
                let path = if prefix.is_empty() { key.clone() } else { format!("{prefix}.{key}") };
                flatten(&path, value, rows);
            }
        }
        toml::Value::Array(items) if items.iter().all(|item| !item.is_table() && !item.is_array()) => {
            rows.push((prefix.to_string(), items.iter().map(scalar).collect::<Vec<_>>().join(", ")));
        }
        toml::Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                flatten(&format!("{prefix}[{i}]"), item, rows);
            }
        }
        other => rows.push((prefix.to_string(), scalar(other))),
    }
}

fn scalar(value: &toml::Value) -> String {
    match value {
        toml::Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_and_settings_become_escaped_rows() {
        let mut html = String::new();
        appendix(
            &mut html,
            "run = 3\nmodels = [\"a\", \"<b>\"]\n[results.a]\nbest = \"0.9\"\n",
            "[experiment]\nname = x<y\n",
        );
        assert!(html.contains("<td>run</td><td class=\"name\">3</td>"), "{html}");
        assert!(html.contains("<td>models</td><td class=\"name\">a, &lt;b&gt;</td>"), "{html}");
        assert!(html.contains("<td>results.a.best</td><td class=\"name\">0.9</td>"), "{html}");
        assert!(
            html.contains("<td>experiment</td><td class=\"name\">name</td><td class=\"name\">x&lt;y</td>"),
            "{html}"
        );
    }
}
