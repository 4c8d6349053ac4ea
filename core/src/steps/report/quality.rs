//! What a model gets wrong and how far its confidence can be trusted: the reliability diagram with
//! the expected calibration error, and the most confident wrong predictions with the first 300
//! characters of each record's text (whitespace runs as one space).

use super::html::{escape, shorten};
use super::svg::reliability;
use crate::steps::infer::ModelInference;
use std::collections::HashMap;
use std::fmt::Write;

/// Characters of a record's text the error table shows.
pub const TEXT_CHARS: usize = 300;

/// The calibration: ECE and the reliability diagram.
pub fn calibration_section(html: &mut String, result: &ModelInference) {
    let _ = write!(
        html,
        "<h3>Calibration</h3><figure>{}<figcaption>Expected calibration error {:.4} over {} confidence bins: \
         bars are each bin's accuracy, the dashed line perfect calibration, red the gap.</figcaption></figure>",
        reliability(&result.calibration_bins),
        result.expected_calibration_error,
        result.calibration_bins.len()
    );
}

/// The most confident wrong predictions, with the records' texts (`texts` by record id).
pub fn errors_section(html: &mut String, result: &ModelInference, texts: &HashMap<String, String>) {
    if result.confident_errors.is_empty() {
        return;
    }
    let _ = write!(
        html,
        "<h3>Most confident errors ({})</h3><table><tr><th>record</th><th>true label</th><th>predicted</th><th>probability</th><th>text</th></tr>",
        result.confident_errors.len()
    );
    for error in &result.confident_errors {
        // Whitespace runs (line breaks of e-mail headers, indentation) shown as one space.
        let text = texts.get(&error.id).map_or("—".to_string(), |text| {
            shorten(&text.split_whitespace().collect::<Vec<_>>().join(" "), TEXT_CHARS)
        });
        let _ = write!(
            html,
            "<tr><td class=\"name\">{}</td><td class=\"name\">{}</td><td class=\"name\">{}</td><td>{:.3}</td><td class=\"text\">{}</td></tr>",
            escape(&error.id),
            escape(&error.label),
            escape(&error.predicted),
            error.probability,
            escape(&text)
        );
    }
    html.push_str("</table>");
}
