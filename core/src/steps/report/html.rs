//! The report's HTML vocabulary: escaping (every piece of data goes through [`escape`]), the one
//! style sheet, and number formats shared by the sections.

/// Escapes text for HTML element content and quoted attribute values: record texts, label and
/// model names and settings values are data, never markup.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// At most `max` characters of `text`, with `…` when cut.
pub fn shorten(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

/// Label names short enough for matrix columns: each label's shortest dotted suffix that no other
/// label ends with (`comp.sys.mac.hardware` → `mac.hardware`, `sci.med` → `med`), cut to 14
/// characters. The full name goes in the cell's `title`.
pub fn short_labels(labels: &[String]) -> Vec<String> {
    let suffix = |label: &str, parts: usize| -> String {
        let all: Vec<&str> = label.split('.').collect();
        all[all.len().saturating_sub(parts)..].join(".")
    };
    labels
        .iter()
        .map(|label| {
            let depth = label.split('.').count();
            let unique = (1..=depth)
                .map(|parts| suffix(label, parts))
                .find(|tail| labels.iter().filter(|other| *other != label).all(|other| !ends_with_parts(other, tail)))
                .unwrap_or_else(|| label.clone());
            shorten(&unique, 14)
        })
        .collect()
}

/// Whether `label`'s dotted parts end with those of `tail`.
fn ends_with_parts(label: &str, tail: &str) -> bool {
    label == tail || label.ends_with(&format!(".{tail}"))
}

/// Mebibytes with one decimal.
pub fn mib(bytes: f64) -> String {
    format!("{:.1}", bytes / (1024.0 * 1024.0))
}

/// The page's style sheet: no external fonts, images or scripts.
pub const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2em auto;color:#222;max-width:1300px;padding:0 1em}\
h1{margin-bottom:0.2em}h2{border-bottom:2px solid #e5e5e5;padding-bottom:0.2em;margin-top:2em}\
.sub{color:#666;margin-top:0}\
pre.box{background:#f6f6f6;padding:1em;overflow:auto;font-size:12px}\
table{border-collapse:collapse;margin:0.5em 0 1.5em}td,th{border:1px solid #ddd;padding:3px 8px;font-size:13px;text-align:right}\
th{background:#fafafa}th.row,td.name,td:first-child{text-align:left}\
tr.best td{background:#eaf5ea;font-weight:600}.star{color:#2a7d2a}\
.curves img{width:32%;margin-right:1%}.heat td{min-width:2.2em;text-align:center}.heat th.col{writing-mode:vertical-rl;transform:rotate(180deg);text-align:left;font-weight:normal}\
.verdict{margin:0.3em 0}.verdict b{font-weight:600}\
td.text{text-align:left;max-width:60em;font-family:ui-monospace,monospace;font-size:12px;color:#444}\
img.tuning{width:48%}figure{margin:0.5em 0 1.5em}figcaption{color:#555;font-size:13px}\
details{margin:1em 0}summary{cursor:pointer;font-weight:600}";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_keeps_markup_out() {
        assert_eq!(escape("<a href=\"x\" b='y'>&"), "&lt;a href=&quot;x&quot; b=&#39;y&#39;&gt;&amp;");
    }

    #[test]
    fn shortening_counts_characters_not_bytes() {
        assert_eq!(shorten("héllo wörld", 5), "héllo…");
        assert_eq!(shorten("short", 5), "short");
    }

    #[test]
    fn short_labels_keep_the_telling_part() {
        let labels: Vec<String> = [
            "comp.sys.mac.hardware",
            "comp.sys.ibm.pc.hardware",
            "talk.religion.misc",
            "misc.forsale",
            "sci.med",
            "red",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(short_labels(&labels), ["mac.hardware", "pc.hardware", "misc", "forsale", "med", "red"]);
        let clash: Vec<String> = ["a.misc", "b.misc"].map(String::from).to_vec();
        assert_eq!(short_labels(&clash), ["a.misc", "b.misc"]);
    }
}
