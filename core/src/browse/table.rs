//! [`render_table`]: the runs as an aligned plain-text table, one row per run, newest first as
//! given. Numbers are printed to four decimals; a value not known yet is `-`.

use super::list::RunSummary;
use super::time::utc_minutes;

const HEADERS: [&str; 9] =
    ["run", "started (UTC)", "job", "models", "objective", "best", "test accuracy", "size", "status"];

/// The table of `runs` with a header row; columns are separated by two spaces and padded to line
/// up, and several models' values are listed in the models column's order, comma-separated. With
/// no runs, one line saying so and naming `location` (where the runs were looked for).
pub fn render_table(runs: &[RunSummary], location: &str) -> String {
    if runs.is_empty() {
        return format!("no runs yet in {location}\n");
    }
    let rows: Vec<[String; 9]> = runs.iter().map(row).collect();
    let mut widths = HEADERS.map(str::len);
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for cells in std::iter::once(HEADERS.map(String::from)).chain(rows) {
        let line: Vec<String> = cells
            .iter()
            .zip(widths)
            .enumerate()
            // The run number is right-aligned under its header, every other column left-aligned.
            .map(|(i, (cell, width))| if i == 0 { format!("{cell:>width$}") } else { format!("{cell:<width$}") })
            .collect();
        out += line.join("  ").trim_end();
        out.push('\n');
    }
    out
}

fn row(run: &RunSummary) -> [String; 9] {
    let list = |values: Vec<String>| if values.is_empty() { "-".to_string() } else { values.join(", ") };
    let number = |value: Option<f64>| value.map_or_else(|| "-".to_string(), |v| format!("{v:.4}"));
    let mut objectives: Vec<String> = run.models.iter().filter_map(|model| model.objective.clone()).collect();
    objectives.dedup();
    [
        run.num.to_string(),
        run.started.as_deref().map_or_else(|| "-".to_string(), utc_minutes),
        run.job_type.clone().unwrap_or_else(|| "-".to_string()),
        list(run.models.iter().map(|model| model.name.clone()).collect()),
        list(objectives),
        list(run.models.iter().map(|model| number(model.best_value)).collect()),
        list(run.models.iter().map(|model| number(model.test_accuracy)).collect()),
        human_size(run.size_bytes),
        run.status.to_string(),
    ]
}

/// Bytes in decimal units, as `du --si` prints them: `512 B`, `3.4 kB`, `771.2 MB`, `1.25 GB`.
pub fn human_size(bytes: u64) -> String {
    let b = bytes as f64;
    match bytes {
        0..=999 => format!("{bytes} B"),
        1_000..=999_999 => format!("{:.1} kB", b / 1e3),
        1_000_000..=999_999_999 => format!("{:.1} MB", b / 1e6),
        _ => format!("{:.2} GB", b / 1e9),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::browse::{ModelSummary, RunStatus};

    fn model(name: &str, best: Option<f64>, accuracy: Option<f64>) -> ModelSummary {
        ModelSummary {
            name: name.into(),
            objective: best.map(|_| "validation:macro_f1".to_string()),
            best_value: best,
            test_accuracy: accuracy,
        }
    }

    #[test]
    fn runs_line_up_under_the_header() {
        let runs = [
            RunSummary {
                num: 12,
                started: Some("2026-11-27T08:00:59Z".into()),
                job_type: None,
                status: RunStatus::Allocating,
                models: vec![],
                size_bytes: 0,
                warnings: vec![],
            },
            RunSummary {
                num: 2,
                started: Some("2026-11-26T14:48:17Z".into()),
                job_type: Some("comparison".into()),
                status: RunStatus::Finished,
                models: vec![model("bow", Some(0.904273), Some(0.82249)), model("minilm", Some(0.879616), None)],
                size_bytes: 771_234_567,
                warnings: vec![],
            },
        ];
        let expected = "\
run  started (UTC)     job         models       objective            best            test accuracy  size      status
 12  2026-11-27 08:00  -           -            -                    -               -              0 B       allocating
  2  2026-11-26 14:48  comparison  bow, minilm  validation:macro_f1  0.9043, 0.8796  0.8225, -      771.2 MB  finished
";
        assert_eq!(render_table(&runs, "/x/demo/runs/"), expected);
    }

    #[test]
    fn sizes_are_printed_in_decimal_units() {
        let printed: Vec<String> =
            [0, 999, 1_000, 3_449, 999_949, 1_000_000, 771_234_567, 1_254_000_000].map(human_size).to_vec();
        assert_eq!(printed, ["0 B", "999 B", "1.0 kB", "3.4 kB", "999.9 kB", "1.0 MB", "771.2 MB", "1.25 GB"]);
    }

    #[test]
    fn no_runs_says_where_it_looked() {
        assert_eq!(render_table(&[], "s3://bucket/demo/runs/"), "no runs yet in s3://bucket/demo/runs/\n");
    }
}
