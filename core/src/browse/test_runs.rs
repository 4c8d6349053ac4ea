//! Test helpers: a job over [`MemoryStorage`] for experiment `demo`, and hand-written run files in
//! the format `steps/run_manifest.rs` writes (results as strings, `finished` omitted while running).

use crate::job::Job;
use crate::layout::ExperimentLayout;
use crate::settings::Settings;
use crate::storage::MemoryStorage;
use std::path::Path;
use std::sync::Arc;

/// A job for experiment `demo` (model `bert`) with an empty in-memory storage.
pub(crate) fn job() -> Job {
    let text = "[experiment]\nname = demo\nmodel_names = bert\n";
    let settings = Settings::parse(text, Path::new("/srv/settings.ini"), &[]).expect("valid settings");
    Job {
        settings,
        storage: Arc::new(MemoryStorage::new()),
        layout: ExperimentLayout::new("demo").unwrap(),
        remote: Arc::new(crate::job::LocalOnly),
    }
}

/// Stores `text` at `key`.
pub(crate) fn put(job: &Job, key: &str, text: &str) {
    job.storage.put(key, text.as_bytes()).expect("memory put");
}

/// The manifest of finished run `num`: `models` with their best `validation:macro_f1`, started
/// 2026-11-26T14:48:17Z and finished 40m 9s later.
pub(crate) fn finished_manifest(num: u64, job_type: &str, models: &[(&str, f64)]) -> String {
    let names: Vec<String> = models.iter().map(|(name, _)| format!("\"{name}\"")).collect();
    let mut text = format!(
        "run = {num}\nexperiment = \"demo\"\njob_type = \"{job_type}\"\nstatus = \"finished\"\n\
         started = \"2026-11-26T14:48:17Z\"\nfinished = \"2026-11-26T15:28:26Z\"\nmlpipe_version = \"0.1.0\"\n\
         torch = \"tch 0.24.0 / libtorch 2.11.0\"\nplugin_file = \"libdemo.so\"\nplugin_sha256 = \"aa11\"\n\
         data_records_sha256 = \"bb22\"\nprepared_inputs_sha256 = \"cc33\"\nmodels = [{}]\nworld_size = 1\n\
         dist_backend = \"\"\n",
        names.join(", ")
    );
    for (name, best) in models {
        text += &format!(
            "\n[results.{name}]\nbest_epoch = \"2\"\nbest_value = \"{best:.6}\"\nobjective = \"validation:macro_f1\"\n\
             train_seconds = \"72.0\"\n"
        );
    }
    text
}
