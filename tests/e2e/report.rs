//! The report through the runner, read the way people read it: in headless Chromium (Debian's,
//! installed by `scripts/setup.sh`). It opens with the headline table and the verdicts, names every
//! label in the confusion matrix, and its calibration, largest confusions and most confident errors
//! equal what numpy and pandas compute from `predictions.parquet` and `records.parquet`. Markup in
//! a record's text and in label names is shown as text and never runs.

use crate::util::{fixture_plugin, python_json, target_dir, Experiment};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// One epoch at a tiny learning rate: the models stay unsure and wrong on many test records, so
/// there are errors to list and a calibration to draw.
const UNSURE: &str = "[training]\nepochs = 1\nbatch_size = 16\nlearning_rate = 0.0005\nnum_threads = 1\n";

/// What numpy and pandas make of one model's inference folder and the data snapshot, with the
/// report's conventions: bins `(k/B, (k+1)/B]`, errors by probability then record id, texts
/// with whitespace runs as one space.
const EXPECTED: &str = r#"
import json, sys, numpy as np, pandas as pd
inference, records_file, bins, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
pred = pd.read_parquet(f"{inference}/predictions.parquet")
probs = np.stack(pred["probabilities"].to_numpy()).astype(np.float64)
truth, predicted = pred["label"].to_numpy(), pred["predicted"].to_numpy()
conf = probs[np.arange(len(pred)), predicted]
right = truth == predicted
b = np.clip(np.ceil(conf * bins).astype(int) - 1, 0, bins - 1)
ece = sum(abs(right[b == k].mean() - conf[b == k].mean()) * (b == k).sum() / len(conf) for k in range(bins) if (b == k).any())
wrong = pred[~right].assign(p=conf[~right]).sort_values(["p", "id"], ascending=[False, True]).head(count)
records = pd.read_parquet(records_file).set_index("id")
n = probs.shape[1]
cm = np.zeros((n, n), dtype=int)
np.add.at(cm, (truth, predicted), 1)
off = [(int(cm[t, p]), t, p) for t in range(n) for p in range(n) if t != p and cm[t, p] > 0]
off.sort(key=lambda c: (-c[0], c[1], c[2]))
print(json.dumps({
    "ece": float(ece),
    "bin_counts": [int((b == k).sum()) for k in range(bins)],
    "errors": [[i, float(p)] for i, p in zip(wrong["id"], wrong["p"])],
    "texts": {i: " ".join(records.loc[i, "text"].split()) for i in wrong["id"]},
    "largest": [[t, p, c] for c, t, p in off[:5]],
}))
"#;

/// Headless Chromium on `page`: `--dump-dom` (the DOM after scripts ran) or `--screenshot=<png>`.
pub fn chromium(page: &Path, mode: &str, window: (u32, u32)) -> String {
    let profile = tempfile::tempdir().unwrap();
    let output = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--virtual-time-budget=3000",
        ])
        .arg(format!("--window-size={},{}", window.0, window.1))
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(mode)
        .arg(format!("file://{}", page.display()))
        .stderr(Stdio::null())
        .output()
        .expect("chromium is installed by scripts/setup.sh");
    assert!(output.status.success(), "chromium {mode} failed");
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn comparison_run(plugin_options: &str) -> (Experiment, PathBuf) {
    let exp = Experiment::fixture(plugin_options, UNSURE);
    exp.run(&fixture_plugin(), &["all", "--set", "experiment.model_names=tiny,dense"]).ok();
    let run = exp.exp_dir("fixture-exp").join("runs/1");
    (exp, run)
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn the_report_opens_with_the_answer_and_its_numbers_equal_numpys() {
    let (exp, run) = comparison_run("records = 200");
    let html = std::fs::read_to_string(run.join("inference/report.html")).unwrap();
    let at = |part: &str| html.find(part).unwrap_or_else(|| panic!("{part} missing from the report"));
    // The answer first, the manifest and settings last and collapsed.
    assert!(at("<table class=\"headline\">") < at("<h2>Verdicts</h2>"));
    assert!(at("<h2>Verdicts</h2>") < at("<h2>Per-label F1</h2>"));
    assert!(at("<h2>Per-label F1</h2>") < at("<h2 id=\"model-0\">Model tiny</h2>"));
    assert!(at("<h2 id=\"model-1\">Model dense</h2>") < at("<details><summary>Run manifest and settings used"));
    assert!(!html.contains("<pre class=\"box\">"), "manifest and settings are tables, not raw text");

    let summaries: Vec<_> = ["tiny", "dense"].map(|m| json(&run.join(format!("inference/{m}/summary.json")))).to_vec();
    let best = if summaries[1]["macro_f1"].as_f64() > summaries[0]["macro_f1"].as_f64() { "dense" } else { "tiny" };
    let best_row = &html[html.find("<tr class=\"best\">").expect("the best model is marked")..];
    assert!(
        best_row.starts_with(&format!(
            "<tr class=\"best\"><td class=\"name\"><a href=\"#model-{}\">{best}</a>",
            (best == "dense") as u8
        )),
        "{best_row:.200}"
    );
    for summary in &summaries {
        let accuracy = format!("<td>{:.4}</td>", summary["accuracy"].as_f64().unwrap());
        assert!(html.contains(&accuracy), "{accuracy} missing from the headline");
    }
    let comparison = json(&run.join("inference/comparison.json"));
    let p = comparison[0]["mcnemar_p_value"].as_f64().unwrap();
    let verdict =
        if p >= 0.05 { "tiny vs dense: no significant difference at 5 %" } else { "is better, significant at 5 %" };
    assert!(html.contains(verdict) && html.contains(&format!("McNemar p = {p:.4}")), "verdict for p = {p}");

    let records = exp.exp_dir("fixture-exp").join("data/reconciled/records.parquet");
    let mut listed_errors = 0;
    for (model, summary) in ["tiny", "dense"].iter().zip(&summaries) {
        let inference = run.join(format!("inference/{model}"));
        let expected = python_json(EXPECTED, &[&inference, &records, Path::new("15"), Path::new("10")]);
        let ece = summary["expected_calibration_error"].as_f64().unwrap();
        assert!(
            (ece - expected["ece"].as_f64().unwrap()).abs() < 1e-9,
            "{model}: ECE {ece} vs numpy {}",
            expected["ece"]
        );
        assert!(ece > 0.0, "an unsure model is not perfectly calibrated");
        let counts: Vec<u64> =
            summary["calibration_bins"].as_array().unwrap().iter().map(|b| b["count"].as_u64().unwrap()).collect();
        assert_eq!(serde_json::json!(counts), expected["bin_counts"], "{model}: bin counts");
        assert!(html.contains(&format!("Expected calibration error {ece:.4} over 15 confidence bins")));

        let errors = summary["confident_errors"].as_array().unwrap();
        let ours: Vec<(String, f64)> = errors
            .iter()
            .map(|e| (e["id"].as_str().unwrap().to_string(), e["probability"].as_f64().unwrap()))
            .collect();
        let numpy: Vec<(String, f64)> = expected["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| (e[0].as_str().unwrap().to_string(), e[1].as_f64().unwrap()))
            .collect();
        assert_eq!(ours, numpy, "{model}: most confident errors");
        listed_errors += ours.len();
        for (id, _) in &ours {
            let text = expected["texts"][id].as_str().unwrap();
            let shown: String = text.chars().take(300).collect();
            assert!(html.contains(&format!("<td class=\"text\">{shown}")), "{model}: the text of {id}");
        }

        let labels = summary["labels"].as_array().unwrap();
        for triple in expected["largest"].as_array().unwrap() {
            let (t, p, c) = (
                triple[0].as_u64().unwrap() as usize,
                triple[1].as_u64().unwrap() as usize,
                triple[2].as_u64().unwrap(),
            );
            let line = format!("<li>{} → {}: {c}</li>", labels[t].as_str().unwrap(), labels[p].as_str().unwrap());
            assert!(html.contains(&line), "{model}: {line}");
        }
        for label in labels {
            assert!(
                html.contains(&format!("<th class=\"col\" title=\"{0}\">{0}</th>", label.as_str().unwrap())),
                "column {label}"
            );
        }
    }
    assert!(listed_errors > 0, "the unsure models make errors to list");
    // The per-label chart: one bar per model and label (3 labels × 2 models).
    let chart = &html[at("<h2>Per-label F1</h2>")..at("<h2 id=\"model-0\">")];
    assert_eq!(chart.matches("<title>").count(), 6, "{chart:.400}");
}

#[test]
fn markup_in_record_texts_and_label_names_never_runs() {
    // The fixture's texts repeat the label names, so both carry the markup. Were it to run, the page
    // title would change and an element would gain the class `pwned`.
    let labels = "labels = <script>document.title=1337</script>,<img src=x alt=pwned onerror=document.body.classList.add(this.alt)>,blue";
    let (_exp, run) = comparison_run(&format!("records = 120\n{labels}"));
    let report = run.join("inference/report.html");
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(html.contains("&lt;script&gt;document.title=1337&lt;/script&gt;"), "the label is shown as text");
    let dom = chromium(&report, "--dump-dom", (1300, 2000));
    assert!(dom.contains("<title>fixture-exp — run 1</title>"), "a script changed the title: {:.300}", dom);
    assert!(!dom.contains("pwned\"") && !dom.contains("class=\"pwned"), "an onerror handler ran");
    assert!(!dom.contains("<script") && !dom.contains("<img src=\"x\""), "markup became elements");
    assert!(dom.contains("&lt;img src=x alt=pwned"), "the text is still there, as text");
}

#[test]
fn the_report_is_one_self_contained_page_that_chromium_renders() {
    let (_exp, run) = comparison_run("records = 150");
    let report = run.join("inference/report.html");
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(!html.contains("src=\"http") && !html.contains("href=\"http"), "no external resources");
    assert_eq!(html.matches("data:image/png;base64,").count(), 6, "3 curves for each of 2 models");
    for part in
        ["Model tiny", "Model dense", "Confusion matrix", "tiny vs dense", "McNemar", "Settings used", "Calibration"]
    {
        assert!(html.contains(part), "{part} missing");
    }
    // The new sections are in the DOM Chromium builds: the headline, the F1 chart and one
    // reliability diagram per model (SVG), the errors, the collapsed appendix.
    let dom = chromium(&report, "--dump-dom", (1300, 2400));
    assert!(dom.contains("<table class=\"headline\">") && dom.contains("<h2>Verdicts</h2>"));
    assert_eq!(dom.matches("<svg ").count(), 3, "one F1 chart and two reliability diagrams");
    assert_eq!(dom.matches("<h3>Calibration</h3>").count(), 2);
    assert!(dom.contains("<details><summary>Run manifest and settings used</summary>"));
    let shots = target_dir().join("e2e-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let shot = shots.join("report.png");
    let _ = std::fs::remove_file(&shot);
    chromium(&report, &format!("--screenshot={}", shot.display()), (1300, 2400));
    let png = std::fs::read(&shot).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    assert!(png.len() > 50_000, "a rendered page with charts, not a blank one ({} bytes)", png.len());
}
