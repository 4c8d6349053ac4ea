//! [`News20`], the experiment: the 20 Newsgroups posts as records with the corpus's own
//! train/test split, and three models: `bow` and `bow_unigram` (see [`crate::model`]) and the
//! pretrained transformer `minilm` (see [`crate::minilm`]). This file only wires the five user
//! functions to the archive reader, the encoders and the networks.

use crate::archive::{for_each_document, scan_labels};
use crate::encode::bow_features;
use crate::imbalance::Imbalance;
use crate::minilm::Minilm;
use crate::model::bow_model;
use crate::options::{BowOptions, Ngrams};
use mlpipe_plugin_api::tch::Device;
use mlpipe_plugin_api::{Context, Experiment, Features, Model, PluginError, Record, RecordSink, Split};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The models this plugin can build, as named in `experiment.model_names`: `bow` (hashed unigrams
/// and bigrams, per `bow_ngrams`), `bow_unigram`, the same network on unigrams only — a fast
/// second model for comparison jobs — and `minilm`, pretrained all-MiniLM-L6-v2 fine-tuned.
pub const MODEL_NAMES: &[&str] = &["bow", "bow_unigram", "minilm"];

/// The 20 Newsgroups experiment, reading `data.source` (20news-bydate.tar.gz).
#[derive(Debug)]
pub struct News20 {
    source: PathBuf,
    bow: BowOptions,
    /// The skewed training split (`imbalance_ratio`), when asked for.
    imbalance: Option<Imbalance>,
    /// `[experiment] seed`, which picks the skewed corpus's posts.
    seed: u64,
    /// The tokenizer and checkpoint of `minilm`, loaded when `model_names` has it.
    minilm: Option<Minilm>,
    /// Filled by the first `reconcile` or `labels` call, so the archive is walked once for both.
    labels: OnceLock<Vec<String>>,
}

impl Experiment for News20 {
    fn new(ctx: &Context) -> Result<Self, PluginError> {
        // Only reconcile (and labels) read the corpus, and the file is checked there: a
        // SageMaker training job opens the plugin with the settings snapshot but never has the
        // corpus, which stays on the machine that reconciled it.
        let source = ctx
            .data_source
            .clone()
            .ok_or_else(|| PluginError::new("data.source is not set: point it at 20news-bydate.tar.gz"))?;
        let bow = BowOptions::from_options(&ctx.options)?;
        let imbalance = Imbalance::from_options(&ctx.options)?;
        for name in &ctx.model_names {
            check_model(name)?;
        }
        let minilm = if ctx.model_names.iter().any(|name| name == "minilm") { Some(Minilm::open(ctx)?) } else { None };
        Ok(Self { source, bow, imbalance, seed: ctx.seed, minilm, labels: OnceLock::new() })
    }

    /// Pushes every post as `train/<label>/<id>` or `test/<label>/<id>` with the corpus's split
    /// and one field, `text`. With `imbalance_ratio`, the train posts are skewed (see
    /// [`Imbalance`]) and given their validation split here.
    fn reconcile(&self, _ctx: &Context, sink: &mut RecordSink<'_>) -> Result<(), PluginError> {
        let mut labels = BTreeSet::new();
        let mut held = Vec::new();
        for_each_document(self.source()?, |doc| {
            if !labels.contains(&doc.label) {
                labels.insert(doc.label.clone());
            }
            if self.imbalance.is_some() && doc.split == Split::Train {
                held.push(doc);
                return Ok(());
            }
            let split = doc.split;
            push(sink, doc, split)
        })?;
        if let Some(imbalance) = &self.imbalance {
            for (doc, split) in imbalance.select(held, self.seed) {
                push(sink, doc, split)?;
            }
        }
        let _ = self.labels.set(labels.into_iter().collect());
        Ok(())
    }

    /// The newsgroup names, sorted.
    fn labels(&self) -> Result<Vec<String>, PluginError> {
        if let Some(labels) = self.labels.get() {
            return Ok(labels.clone());
        }
        let scanned = scan_labels(self.source()?)?;
        if scanned.is_empty() {
            return Err(PluginError::new(format!("no posts found in {}", self.source.display())));
        }
        Ok(self.labels.get_or_init(|| scanned).clone())
    }

    fn prepare(&self, model_name: &str, record: &Record) -> Result<Features, PluginError> {
        check_model(model_name)?;
        let text = record.field("text").ok_or_else(|| PluginError::new("record has no text field"))?;
        match model_name {
            "minilm" => self.minilm()?.prepare(text),
            _ => Ok(bow_features(text, &self.options_for(model_name)?)),
        }
    }

    fn ordered_input_keys(&self, model_name: &str) -> Result<Vec<String>, PluginError> {
        check_model(model_name)?;
        Ok(vec!["input_ids".to_string(), "attention_mask".to_string()])
    }

    fn load_model(&self, model_name: &str, num_labels: usize, device: Device) -> Result<Box<dyn Model>, PluginError> {
        check_model(model_name)?;
        match model_name {
            "minilm" => self.minilm()?.load_model(num_labels, device),
            _ => Ok(Box::new(bow_model(&self.options_for(model_name)?, num_labels, device)?)),
        }
    }
}

impl News20 {
    /// `data.source`, checked to be a file.
    fn source(&self) -> Result<&Path, PluginError> {
        match self.source.metadata() {
            Ok(meta) if meta.is_file() => Ok(&self.source),
            Ok(_) => Err(PluginError::new(format!(
                "data.source {} is not a file: point it at 20news-bydate.tar.gz",
                self.source.display()
            ))),
            Err(err) => Err(PluginError::from(err).context(format!("data.source {}", self.source.display()))),
        }
    }

    /// The `minilm` model, which is only opened when `experiment.model_names` names it.
    fn minilm(&self) -> Result<&Minilm, PluginError> {
        self.minilm.as_ref().ok_or_else(|| PluginError::new("model minilm is not in experiment.model_names"))
    }

    /// The encoding and network options of one model.
    fn options_for(&self, model_name: &str) -> Result<BowOptions, PluginError> {
        check_model(model_name)?;
        Ok(match model_name {
            "bow_unigram" => BowOptions { ngrams: Ngrams::Unigrams, ..self.bow },
            _ => self.bow,
        })
    }
}

/// Pushes one post as a record `<corpus split>/<label>/<id>` in `split`, with its `text`.
fn push(sink: &mut RecordSink<'_>, doc: crate::archive::Document, split: Split) -> Result<(), PluginError> {
    let id = format!("{}/{}/{}", doc.split.as_str(), doc.label, doc.id);
    sink.push(Record::new(id, doc.label).with_split(split).with_field("text", doc.text))
}

/// Refuses a model name this plugin cannot build.
fn check_model(name: &str) -> Result<(), PluginError> {
    if MODEL_NAMES.contains(&name) {
        return Ok(());
    }
    Err(PluginError::new(format!("unknown model {name:?}: the news20 plugin has {}", MODEL_NAMES.join(", "))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_corpus::{write_tar_gz, SMALL_CORPUS};
    use mlpipe_plugin_api::{Split, Values};
    use std::path::Path;

    fn context(source: &Path) -> Context {
        Context { data_source: Some(source.to_path_buf()), model_names: vec!["bow".to_string()], ..Context::default() }
    }

    fn open_small(dir: &Path) -> (News20, Context) {
        let ctx = context(&write_tar_gz(dir, SMALL_CORPUS));
        (News20::new(&ctx).unwrap(), ctx)
    }

    fn reconcile(experiment: &News20, ctx: &Context) -> Result<Vec<Record>, PluginError> {
        let mut records = Vec::new();
        let mut push = |record| {
            records.push(record);
            Ok(())
        };
        experiment.reconcile(ctx, &mut RecordSink::new(&mut push))?;
        Ok(records)
    }

    #[test]
    fn missing_source_setting_says_what_to_set() {
        let err = News20::new(&Context::default()).unwrap_err();
        assert_eq!(err.message(), "data.source is not set: point it at 20news-bydate.tar.gz");
    }

    #[test]
    fn missing_source_file_names_the_path_when_the_corpus_is_read() {
        // Opening succeeds (a training job has no corpus); reading the corpus names the path.
        let experiment = News20::new(&context(Path::new("/nowhere/20news.tar.gz"))).unwrap();
        let err = experiment.labels().unwrap_err();
        assert!(err.message().starts_with("data.source /nowhere/20news.tar.gz: "), "{err}");
    }

    #[test]
    fn bad_option_and_unknown_model_are_refused_at_open() {
        let dir = tempfile::tempdir().unwrap();
        let mut ctx = context(&write_tar_gz(dir.path(), SMALL_CORPUS));
        ctx.options.insert("bow_ngrams".to_string(), "5".to_string());
        assert!(News20::new(&ctx).unwrap_err().message().starts_with("plugin.bow_ngrams"));
        ctx.options.clear();
        ctx.model_names.push("bert".to_string());
        assert_eq!(
            News20::new(&ctx).unwrap_err().message(),
            "unknown model \"bert\": the news20 plugin has bow, bow_unigram, minilm"
        );
    }

    #[test]
    fn reconcile_pushes_every_post_with_its_split_and_text() {
        let dir = tempfile::tempdir().unwrap();
        let (experiment, ctx) = open_small(dir.path());
        let records = reconcile(&experiment, &ctx).unwrap();
        let ids: Vec<&str> = records.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(
            ids,
            ["train/sci.space/1", "train/sci.space/2", "train/alt.atheism/1", "test/sci.space/3", "test/rec.autos/9"]
        );
        let expected =
            Record::new("test/rec.autos/9", "rec.autos").with_split(Split::Test).with_field("text", "My car's engine.");
        assert_eq!(records[4], expected);
        assert_eq!(records[0].split, Some(Split::Train));
    }

    #[test]
    fn imbalance_skews_only_the_train_posts_and_marks_validation() {
        // Two labels with 20 train posts each and one test post; ratio 4, validation 0.25:
        // 5 validation posts per label, pools of 15, the larger label keeps 15 and the other 4.
        let dir = tempfile::tempdir().unwrap();
        let names: Vec<String> = ["a.one", "b.two"]
            .iter()
            .flat_map(|label| (0..20).map(move |i| format!("20news-bydate-train/{label}/{i}")))
            .chain(["20news-bydate-test/a.one/99".to_string()])
            .collect();
        let files: Vec<(&str, &[u8])> = names.iter().map(|name| (name.as_str(), b"text" as &[u8])).collect();
        let mut ctx = context(&write_tar_gz(dir.path(), &files));
        ctx.options.insert("imbalance_ratio".into(), "4".into());
        ctx.options.insert("imbalance_validation_fraction".into(), "0.25".into());
        let records = reconcile(&News20::new(&ctx).unwrap(), &ctx).unwrap();
        let count =
            |label: &str, split: Split| records.iter().filter(|r| r.label == label && r.split == Some(split)).count();
        assert_eq!((count("a.one", Split::Validation), count("b.two", Split::Validation)), (5, 5));
        let mut train = [count("a.one", Split::Train), count("b.two", Split::Train)];
        train.sort_unstable();
        assert_eq!(train, [4, 15]);
        assert_eq!(count("a.one", Split::Test), 1);
        assert!(records.iter().all(|r| r.id.starts_with(if r.split == Some(Split::Test) {
            "test/"
        } else {
            "train/"
        })));
    }

    #[test]
    fn labels_come_sorted_with_or_without_reconcile() {
        let dir = tempfile::tempdir().unwrap();
        let (experiment, ctx) = open_small(dir.path());
        let expected = ["alt.atheism", "rec.autos", "sci.space"];
        assert_eq!(experiment.labels().unwrap(), expected);
        let (experiment, _) = open_small(dir.path());
        reconcile(&experiment, &ctx).unwrap();
        assert_eq!(experiment.labels().unwrap(), expected);
    }

    #[test]
    fn empty_archive_has_no_labels() {
        let dir = tempfile::tempdir().unwrap();
        let experiment = News20::new(&context(&write_tar_gz(dir.path(), &[]))).unwrap();
        assert!(experiment.labels().unwrap_err().message().starts_with("no posts found in "));
    }

    #[test]
    fn sink_errors_stop_reconcile() {
        let dir = tempfile::tempdir().unwrap();
        let (experiment, ctx) = open_small(dir.path());
        let mut push = |_| Err(PluginError::new("duplicate id"));
        let err = experiment.reconcile(&ctx, &mut RecordSink::new(&mut push)).unwrap_err();
        assert_eq!(err.message(), "duplicate id");
    }

    #[test]
    fn prepare_respects_the_options() {
        let dir = tempfile::tempdir().unwrap();
        let mut ctx = context(&write_tar_gz(dir.path(), SMALL_CORPUS));
        ctx.options.insert("bow_max_tokens".to_string(), "3".to_string());
        let experiment = News20::new(&ctx).unwrap();
        let record = Record::new("r", "sci.space").with_field("text", "one two three four");
        let features = experiment.prepare("bow", &record).unwrap();
        assert_eq!(features, experiment.prepare("bow", &record).unwrap());
        let Some(Values::Int(ids)) = features.get("input_ids") else { panic!("no input_ids") };
        assert_eq!(ids.len(), 3);
        assert_eq!(features.get("attention_mask"), Some(&Values::Int(vec![1, 1, 1])));
    }

    #[test]
    fn prepare_refuses_unknown_models_and_records_without_text() {
        let dir = tempfile::tempdir().unwrap();
        let (experiment, _) = open_small(dir.path());
        let record = Record::new("r", "sci.space");
        assert_eq!(experiment.prepare("bow", &record).unwrap_err().message(), "record has no text field");
        let err = experiment.prepare("tfidf", &record.with_field("text", "x")).unwrap_err();
        assert_eq!(err.message(), "unknown model \"tfidf\": the news20 plugin has bow, bow_unigram, minilm");
    }

    #[test]
    fn input_keys_match_what_prepare_emits() {
        let dir = tempfile::tempdir().unwrap();
        let (experiment, _) = open_small(dir.path());
        let keys = experiment.ordered_input_keys("bow").unwrap();
        let record = Record::new("r", "sci.space").with_field("text", "orbit");
        let features = experiment.prepare("bow", &record).unwrap();
        let emitted: Vec<&String> = features.entries.iter().map(|(key, _)| key).collect();
        assert_eq!(emitted, keys.iter().collect::<Vec<_>>());
        assert!(experiment.ordered_input_keys("nope").is_err());
    }

    #[test]
    fn load_model_builds_bow_with_the_configured_sizes() {
        let dir = tempfile::tempdir().unwrap();
        let mut ctx = context(&write_tar_gz(dir.path(), SMALL_CORPUS));
        ctx.options.insert("bow_buckets".to_string(), "100".to_string());
        ctx.options.insert("bow_dim".to_string(), "4".to_string());
        let experiment = News20::new(&ctx).unwrap();
        let model = experiment.load_model("bow", 3, Device::Cpu).unwrap();
        let named = model.named_parameters().unwrap();
        assert_eq!(named.iter().find(|(n, _)| n == "embedding.weight").unwrap().1.size(), [100, 4]);
        assert!(experiment.load_model("cnn", 3, Device::Cpu).is_err());
    }

    #[test]
    fn bow_unigram_encodes_fewer_ids_than_bow() {
        let dir = tempfile::tempdir().unwrap();
        let (experiment, _) = open_small(dir.path());
        let record = Record::new("x", "a").with_field("text", "one two three four");
        let ids = |model| match experiment.prepare(model, &record).unwrap().get("input_ids") {
            Some(Values::Int(ids)) => ids.len(),
            _ => panic!("no input_ids"),
        };
        // 4 unigrams; bow adds the 3 bigrams.
        assert_eq!((ids("bow_unigram"), ids("bow")), (4, 7));
    }
}
