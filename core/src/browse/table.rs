//! [`render_table`]: the runs as an aligned plain-text table, one row per run, newest first as
//! given. Numbers are printed to four decimals; a value not known yet is `-`.

use super::list::RunSummary;
use super::time::utc_minutes;

const HEADERS: [&str; 8] = ["run", "started (UTC)", "job", "models", "objective", "best", "test accuracy", "status"];

/// The table of `runs` with a header row; columns are separated by two spaces and padded to line
/// up, and several models' values are listed in the models column's order, comma-separated. With
/// no runs, one line saying so and naming `location` (where the runs were looked for).
pub fn render_table(runs: &[RunSummary], location: &str) -> String {
    if runs.is_empty() {
        return format!("no runs yet in {location}\n");
    }
    let rows: Vec<[String; 8]> = runs.iter().map(row).collect();
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

fn row(run: &RunSummary) -> [String; 8] {
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
        run.status.to_string(),
    ]
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
                warnings: vec![],
            },
            RunSummary {
                num: 2,
                started: Some("2026-11-26T14:48:17Z".into()),
                job_type: Some("comparison".into()),
                status: RunStatus::Finished,
                models: vec![model("bow", Some(0.904273), Some(0.82249)), model("minilm", Some(0.879616), None)],
                warnings: vec![],
            },
        ];
        let expected = "\
run  started (UTC)     job         models       objective            best            test accuracy  status
 12  2026-11-27 08:00  -           -            -                    -               -              allocating
  2  2026-11-26 14:48  comparison  bow, minilm  validation:macro_f1  0.9043, 0.8796  0.8225, -      finished
";
        assert_eq!(render_table(&runs, "/x/demo/runs/"), expected);
    }

    #[test]
    fn no_runs_says_where_it_looked() {
        assert_eq!(render_table(&[], "s3://bucket/demo/runs/"), "no runs yet in s3://bucket/demo/runs/\n");
    }
}
