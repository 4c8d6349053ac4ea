//! "Did you mean …?" for unknown section and key names: the closest known name, if it is close
//! enough to be a plausible typo.

/// The candidate closest to `given`, when it is within two edits or very similar by Jaro-Winkler.
pub(crate) fn did_you_mean<'a>(given: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<String> {
    candidates
        .into_iter()
        .map(|c| {
            let edits = strsim::levenshtein(given, c);
            let similarity = strsim::jaro_winkler(given, c);
            (c, edits, similarity)
        })
        .filter(|(_, edits, similarity)| *edits <= 2 || *similarity >= 0.9)
        .min_by(|a, b| a.1.cmp(&b.1).then(b.2.total_cmp(&a.2)))
        .map(|(c, _, _)| c.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typo_suggests_the_closest_name() {
        let keys = ["learning_rate", "weight_decay", "epochs"];
        assert_eq!(did_you_mean("learnig_rate", keys).as_deref(), Some("learning_rate"));
        assert_eq!(did_you_mean("epoch", keys).as_deref(), Some("epochs"));
    }

    #[test]
    fn unrelated_name_suggests_nothing() {
        assert_eq!(did_you_mean("colour", ["learning_rate", "epochs"]), None);
    }
}
