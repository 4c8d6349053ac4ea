//! Narrowing a comparison's settings snapshot to the one model a training job trains. A
//! `[training.<model>]` section is only valid for a model listed in `experiment.model_names`, and
//! the container overrides that list with the job's model, so the sections of the other models
//! must go; the job's own section stays and still applies.

/// `text` without its `[training.<other>]` sections (header, keys and comments up to the next
/// header), or `None` when it has none for a model other than `model`.
pub(super) fn without_other_models(text: &str, model: &str) -> Option<String> {
    let own = format!("training.{model}");
    let mut out = String::with_capacity(text.len());
    let (mut dropping, mut dropped) = (false, false);
    for line in text.split_inclusive('\n') {
        if let Some(name) = header(line) {
            dropping = name.starts_with("training.") && name != own;
            dropped |= dropping;
        }
        if !dropping {
            out.push_str(line);
        }
    }
    dropped.then_some(out)
}

/// The section name of a `[section]` header line (an inline comment may follow), as the settings
/// parser reads it; a malformed header is left for that parser to report.
fn header(line: &str) -> Option<&str> {
    let inner = line.trim().strip_prefix('[')?;
    Some(inner[..inner.find(']')?].trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_models_sections_are_dropped_and_the_jobs_own_kept() {
        let text = "[experiment]\nmodel_names = bow, minilm\n[training]\nepochs = 3\n\
                    [training.bow] ; fast\nlearning_rate = 1e-2\n\n[ training.minilm ]\nlearning_rate = 5e-5\n\
                    [plugin]\nx = 1\n";
        assert_eq!(
            without_other_models(text, "minilm").unwrap(),
            "[experiment]\nmodel_names = bow, minilm\n[training]\nepochs = 3\n\
             [ training.minilm ]\nlearning_rate = 5e-5\n[plugin]\nx = 1\n"
        );
        assert_eq!(
            without_other_models(text, "bow").unwrap(),
            "[experiment]\nmodel_names = bow, minilm\n[training]\nepochs = 3\n\
             [training.bow] ; fast\nlearning_rate = 1e-2\n\n[plugin]\nx = 1\n"
        );
    }

    #[test]
    fn settings_without_other_models_are_left_as_they_are() {
        assert_eq!(without_other_models("[training]\nepochs = 3\n[training.tiny]\nepochs = 1\n", "tiny"), None);
    }
}
