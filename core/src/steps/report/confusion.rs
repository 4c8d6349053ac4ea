//! A model's confusion matrix with label names on both axes (columns shortened, the full name on
//! hover), cells shaded by their share of the row, and the largest confusions spelled out.

use super::html::{escape, short_labels};
use crate::steps::infer::ModelInference;
use std::fmt::Write;

/// How many of the largest off-diagonal cells are listed under the matrix.
const LISTED: usize = 5;

/// The shaded matrix and the list of its largest confusions.
pub fn confusion_section(html: &mut String, result: &ModelInference) {
    let short = short_labels(&result.labels);
    html.push_str(
        "<h3>Confusion matrix (rows: true label, columns: predicted)</h3><table class=\"heat\"><tr><th></th>",
    );
    for (label, short) in result.labels.iter().zip(&short) {
        let _ = write!(html, "<th class=\"col\" title=\"{}\">{}</th>", escape(label), escape(short));
    }
    html.push_str("</tr>");
    for (t, (label, row)) in result.labels.iter().zip(&result.confusion_matrix).enumerate() {
        let total = row.iter().sum::<u64>().max(1) as f64;
        let _ = write!(html, "<tr><th class=\"row\">{}</th>", escape(label));
        for (p, &count) in row.iter().enumerate() {
            let share = count as f64 / total;
            let colour = if t == p { "31, 119, 180" } else { "214, 39, 40" };
            let _ = write!(
                html,
                "<td title=\"{} → {}: {count}\" style=\"background: rgba({colour}, {share:.3})\">{count}</td>",
                escape(label),
                escape(&result.labels[p])
            );
        }
        html.push_str("</tr>");
    }
    html.push_str("</table>");
    let confusions = largest_confusions(&result.confusion_matrix, LISTED);
    if !confusions.is_empty() {
        html.push_str("<p>Largest confusions (true → predicted: records):</p><ul>");
        for (t, p, count) in confusions {
            let _ = write!(html, "<li>{} → {}: {count}</li>", escape(&result.labels[t]), escape(&result.labels[p]));
        }
        html.push_str("</ul>");
    }
}

/// The `count` largest off-diagonal cells `(true, predicted, records)`, largest first (ties in
/// row-major order), zeros left out.
pub fn largest_confusions(matrix: &[Vec<u64>], count: usize) -> Vec<(usize, usize, u64)> {
    let mut cells: Vec<(usize, usize, u64)> = matrix
        .iter()
        .enumerate()
        .flat_map(|(t, row)| row.iter().enumerate().map(move |(p, &n)| (t, p, n)))
        .filter(|&(t, p, n)| t != p && n > 0)
        .collect();
    cells.sort_by(|a, b| b.2.cmp(&a.2).then((a.0, a.1).cmp(&(b.0, b.1))));
    cells.truncate(count);
    cells
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_largest_off_diagonal_cells_come_first() {
        let matrix = vec![vec![50, 3, 0], vec![7, 40, 3], vec![0, 1, 60]];
        assert_eq!(largest_confusions(&matrix, 3), [(1, 0, 7), (0, 1, 3), (1, 2, 3)]);
        assert_eq!(largest_confusions(&[vec![5]], 3), []);
    }
}
