//! The report's two drawn charts as inline SVG (crisp at any zoom, searchable text, no files):
//! the per-label F1 of every model as grouped horizontal bars, and a model's reliability diagram.
//! Every label and model name is escaped; hovering a bar shows its exact value.

use super::html::escape;
use crate::metrics::CalibrationBin;
use std::fmt::Write;

/// Model colours (matplotlib's tab10), in model order.
pub const PALETTE: [&str; 10] =
    ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

/// Per-label F1 of each model: one group of bars per label (rows), one bar per model.
/// `models[m].1[l]` is model `m`'s F1 on `labels[l]`.
pub fn f1_bars(labels: &[String], models: &[(String, Vec<f64>)]) -> String {
    let (left, right, top, bar, gap) = (230.0, 40.0, 34.0, 9.0, 7.0);
    let plot = 620.0;
    let group = bar * models.len() as f64 + gap;
    let height = top + group * labels.len() as f64 + 24.0;
    let width = left + plot + right;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"12\" role=\"img\" aria-label=\"per-label F1 of every model\">"
    );
    for (m, (name, _)) in models.iter().enumerate() {
        let x = left + 130.0 * m as f64;
        let _ = write!(
            svg,
            "<rect x=\"{x}\" y=\"6\" width=\"12\" height=\"12\" fill=\"{}\"/><text x=\"{}\" y=\"16\">{}</text>",
            PALETTE[m % PALETTE.len()],
            x + 16.0,
            escape(name)
        );
    }
    for tick in 0..=5 {
        let value = f64::from(tick) / 5.0;
        let x = left + plot * value;
        let _ = write!(
            svg,
            "<line x1=\"{x}\" y1=\"{top}\" x2=\"{x}\" y2=\"{}\" stroke=\"#ddd\"/><text x=\"{x}\" y=\"{}\" text-anchor=\"middle\" fill=\"#555\">{value:.1}</text>",
            height - 20.0,
            height - 6.0
        );
    }
    for (l, label) in labels.iter().enumerate() {
        let y0 = top + group * l as f64;
        let _ = write!(
            svg,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>",
            left - 8.0,
            y0 + group / 2.0,
            escape(label)
        );
        for (m, (name, f1)) in models.iter().enumerate() {
            let value = f1.get(l).copied().unwrap_or(0.0).clamp(0.0, 1.0);
            let _ = write!(
                svg,
                "<rect x=\"{left}\" y=\"{}\" width=\"{:.1}\" height=\"{}\" fill=\"{}\"><title>{} · {}: F1 {value:.3}</title></rect>",
                y0 + bar * m as f64,
                plot * value,
                bar - 1.0,
                PALETTE[m % PALETTE.len()],
                escape(name),
                escape(label)
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

/// A reliability diagram: per confidence bin, the accuracy (bar) against the diagonal of perfect
/// calibration; the gap to the diagonal is drawn in red. Empty bins have no bar.
pub fn reliability(bins: &[CalibrationBin]) -> String {
    let (size, margin) = (300.0, 40.0);
    let at = |v: f64| margin + size * v;
    let up = |v: f64| margin + size * (1.0 - v);
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{}\" font-family=\"sans-serif\" font-size=\"11\" role=\"img\" aria-label=\"reliability diagram\">",
        size + 2.0 * margin,
        size + 2.0 * margin
    );
    let _ = write!(
        svg,
        "<rect x=\"{margin}\" y=\"{margin}\" width=\"{size}\" height=\"{size}\" fill=\"none\" stroke=\"#bbb\"/>"
    );
    for bin in bins.iter().filter(|bin| bin.count > 0) {
        let (x, w) = (at(bin.lower), size * (bin.upper - bin.lower));
        let (acc, conf) = (bin.accuracy, bin.confidence);
        let _ = write!(
            svg,
            "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"{:.1}\" fill=\"#1f77b4\" stroke=\"#fff\"><title>confidence ({:.2}, {:.2}]: {} records, mean confidence {conf:.3}, accuracy {acc:.3}</title></rect>",
            up(acc),
            size * acc,
            bin.lower,
            bin.upper,
            bin.count
        );
        let (low, high) = (acc.min(conf), acc.max(conf));
        let _ = write!(
            svg,
            "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{w:.1}\" height=\"{:.1}\" fill=\"#d62728\" fill-opacity=\"0.35\"/>",
            up(high),
            size * (high - low)
        );
    }
    let _ = write!(
        svg,
        "<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#444\" stroke-dasharray=\"4 3\"/>",
        at(0.0),
        up(0.0),
        at(1.0),
        up(1.0)
    );
    for tick in 0..=5 {
        let v = f64::from(tick) / 5.0;
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\">{v:.1}</text><text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{v:.1}</text>",
            at(v),
            size + margin + 14.0,
            margin - 4.0,
            up(v) + 4.0
        );
    }
    let _ = write!(
        svg,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">confidence</text><text transform=\"translate(11 {}) rotate(-90)\" text-anchor=\"middle\">accuracy</text></svg>",
        margin + size / 2.0,
        size + 2.0 * margin - 4.0,
        margin + size / 2.0
    );
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_escape_names_and_draw_one_rect_per_model_and_label() {
        let labels = vec!["<b>".to_string(), "y".to_string()];
        let svg = f1_bars(&labels, &[("m<1>".into(), vec![0.5, 1.0]), ("m2".into(), vec![0.25, 0.0])]);
        assert!(!svg.contains("<b>") && !svg.contains("m<1>"));
        assert_eq!(svg.matches("<title>").count(), 4);
        assert!(svg.contains("width=\"310.0\""), "F1 0.5 is half the 620-pixel plot");
    }

    #[test]
    fn empty_bins_draw_no_bar() {
        let bin =
            |lower: f64, count| CalibrationBin { lower, upper: lower + 0.5, count, confidence: 0.7, accuracy: 0.6 };
        let svg = reliability(&[bin(0.0, 0), bin(0.5, 3)]);
        assert_eq!(svg.matches("<title>").count(), 1);
    }
}
