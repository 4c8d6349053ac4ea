//! The bad-input matrix: inputs a new user gets wrong, each given to the real runner on a copy of
//! an experiment that already holds a data snapshot and a finished run. Every case asserts the
//! exit code, that the one `error:` line names the culprit (file:line and key, value, path, record,
//! function or model), and that nothing the experiment held before was changed: every earlier
//! file is still there with the same bytes. Cases that legitimately start something new (a run
//! folder for a failed training) may add files, never alter old ones. Signals are not here: a
//! killed run prints no error line (`train.rs` and `distributed.rs` cover kills and resumes).

use crate::util::{faulty_plugins, fixture_plugin, Experiment, Run};
use std::collections::BTreeMap;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

const TRAINING: &str = "[training]\nepochs = 1\nbatch_size = 16\nlearning_rate = 0.05\nnum_threads = 1\n";

/// Which plugin a case runs.
#[derive(Clone, Copy)]
enum Plugin {
    Fixture,
    Missing,
    NotALibrary,
    NoRootModule,
    OtherApiVersion,
}

/// One bad input.
struct Case {
    name: &'static str,
    /// Replaces the first `.0` of settings.ini with `.1` (`("", text)` appends `text`).
    edit: (&'static str, &'static str),
    args: &'static [&'static str],
    plugin: Plugin,
    /// Runs before the runner starts: replaces a folder by a file, …
    prepare: Option<fn(&Path)>,
    /// `RLIMIT_FSIZE` of the runner: a write past it fails with EFBIG, as on a full disk.
    file_size_limit: Option<u64>,
    /// Runs against a fresh moto server (the AWS API emulator) as the S3 endpoint.
    moto: bool,
    code: i32,
    /// What the error line must contain.
    culprit: &'static str,
}

const fn case(
    name: &'static str,
    edit: (&'static str, &'static str),
    args: &'static [&'static str],
    code: i32,
    culprit: &'static str,
) -> Case {
    Case { name, edit, args, plugin: Plugin::Fixture, prepare: None, file_size_limit: None, moto: false, code, culprit }
}

/// Appends `text` to the settings.
const fn add(text: &'static str) -> (&'static str, &'static str) {
    ("", text)
}

const KEEP: (&str, &str) = ("", "");

fn cases() -> Vec<Case> {
    let mut cases = vec![
        // settings.ini: syntax, sections, keys and values (exit 2, file:line and key named).
        case("a line without =", add("[data]\nnum_workers\n"), &["train"], 2, "settings.ini:"),
        case("an unknown section", add("[trainig]\nepochs = 2\n"), &["train"], 2, "trainig: unknown section (did you mean training?)"),
        case("an unknown key", add("epoch = 2\n"), &["train"], 2, "training.epoch: unknown key (did you mean epochs?)"),
        case("a key given twice", add("epochs = 3\n"), &["train"], 2, "training.epochs"),
        case("epochs = 0", ("epochs = 1", "epochs = 0"), &["train"], 2, "training.epochs: expected a positive integer, got \"0\""),
        case("epochs not a number", ("epochs = 1", "epochs = two"), &["train"], 2, "got \"two\""),
        case("a negative learning rate", ("learning_rate = 0.05", "learning_rate = -0.1"), &["train"], 2, "training.learning_rate"),
        case("batch_size = 0", ("batch_size = 16", "batch_size = 0"), &["train"], 2, "training.batch_size"),
        case("micro-batch not dividing the batch", add("max_device_batch_size = 5\n"), &["train"], 2, "max_device_batch_size"),
        case("an unknown objective", add("objective_metric = validation:f2\n"), &["train"], 2, "training.objective_metric"),
        case("an unknown device", add("device = tpu\n"), &["train"], 2, "training.device"),
        case("an unknown precision", add("mixed_precision = fp8\n"), &["train"], 2, "training.mixed_precision"),
        case("an unknown class weighting", add("class_weighting = inverse\n"), &["train"], 2, "training.class_weighting"),
        case("label smoothing above 0.5", add("label_smoothing = 0.9\n"), &["train"], 2, "training.label_smoothing"),
        case("warmup ratio above 1", add("warmup_ratio = 1.5\n"), &["train"], 2, "training.warmup_ratio"),
        case("an unknown backend", add("backend = kubernetes\n"), &["train"], 2, "training.backend"),
        case("keep_checkpoints = 0", add("keep_checkpoints = 0\n"), &["train"], 2, "training.keep_checkpoints"),
        case("a boolean that is not one", add("save_checkpoints = maybe\n"), &["train"], 2, "training.save_checkpoints"),
        case("validation fraction of 1", ("validation_fraction = 0.2", "validation_fraction = 1"), &["train"], 2, "data.validation_fraction"),
        case("fractions adding to 1", ("test_fraction = 0.25", "test_fraction = 0.8"), &["train"], 2, "data.validation_fraction + data.test_fraction"),
        case("a name with a slash", ("name = fixture-exp", "name = a/b"), &["train"], 2, "experiment.name"),
        case("no experiment name", ("name = fixture-exp\n", ""), &["train"], 2, "experiment.name"),
        case("no model names", ("model_names = tiny", "model_names = "), &["train"], 2, "experiment.model_names"),
        case("a model name given twice", ("model_names = tiny", "model_names = tiny, tiny"), &["train"], 2, "experiment.model_names"),
        case("a negative seed", ("seed = 7", "seed = -7"), &["train"], 2, "experiment.seed"),
        case("a section for an unknown model", add("[training.large]\nepochs = 2\n"), &["train"], 2, "training.large"),
        case("a malformed range", add("[tuning]\nlearning_rate = 1e-4 -> \n"), &["tune"], 2, "tuning.learning_rate"),
        case("a range on a word key", add("[tuning]\nsampler = 1 -> 2\n"), &["tune"], 2, "tuning.sampler"),
        case("an untunable key", add("[tuning]\ndevice = cpu, cuda\n"), &["tune"], 2, "tuning.device"),
        case("grid over a continuous range", add("[tuning]\nstrategy = grid\nlearning_rate = 1e-4 -> 1e-2\n"), &["tune"], 2, "tuning"),
        case("an MLflow URI that is not http", add("[tracking]\nmlflow_uri = ftp://mlflow\n"), &["train"], 2, "tracking.mlflow_uri"),
        case("one calibration bin", add("[report]\ncalibration_bins = 1\n"), &["infer"], 2, "report.calibration_bins"),
        // Cloud requests, refused before any is sent.
        case("sagemaker without a role", add("backend = sagemaker\n"), &["train", "--dry-run"], 2, "sagemaker.role_arn"),
        case("a malformed role ARN", add("backend = sagemaker\n[sagemaker]\nrole_arn = admin\nimage_uri = 123456789012.dkr.ecr.us-east-1.amazonaws.com/x:1\n"), &["train", "--dry-run"], 2, "sagemaker.role_arn"),
        case("an instance type that is not one", add("backend = sagemaker\n[sagemaker]\nrole_arn = arn:aws:iam::123456789012:role/x\nimage_uri = 123456789012.dkr.ecr.us-east-1.amazonaws.com/x:1\ninstance_type = m5.large\n"), &["train", "--dry-run"], 2, "sagemaker.instance_type"),
        case("a spot wait shorter than the runtime", add("backend = sagemaker\n[sagemaker]\nrole_arn = arn:aws:iam::123456789012:role/x\nimage_uri = 123456789012.dkr.ecr.us-east-1.amazonaws.com/x:1\nuse_spot = true\nmax_runtime_secs = 3600\nmax_wait_secs = 60\n"), &["train", "--dry-run"], 2, "sagemaker.max_wait_secs"),
        // --set.
        case("--set without a section", KEEP, &["train", "--set", "epochs=3"], 2, "--set epochs=3"),
        case("--set without a value", KEEP, &["train", "--set", "training.epochs"], 2, "--set training.epochs"),
        case("--set a bad value", KEEP, &["train", "--set", "training.epochs=x"], 2, "--set training.epochs=x: training.epochs"),
        case("--set a misspelt key", KEEP, &["train", "--set", "training.learnig_rate=0.1"], 2, "training.learnig_rate: unknown key (did you mean learning_rate?)"),
        case("--set an unknown section", KEEP, &["train", "--set", "trainer.epochs=2"], 2, "trainer"),
        // The command line.
        case("an unknown step", KEEP, &["fit"], 2, "fit"),
        case("train and tune together", KEEP, &["train", "tune"], 2, "`train` and `tune`"),
        case("--resume without train", KEEP, &["infer", "--resume", "1"], 2, "--resume"),
        case("--run without infer", KEEP, &["train", "--run", "1"], 2, "--run"),
        case("--resume of a missing run", KEEP, &["train", "--resume", "9"], 2, "--resume 9: there is no run"),
        case("--run of a missing run", KEEP, &["infer", "--run", "9"], 1, "9"),
        case("--resume with changed settings", KEEP, &["train", "--resume", "1", "--set", "training.epochs=5"], 2, "settings differ from the run's snapshot"),
        // Data snapshots that would be overwritten.
        case("reconcile over the snapshot", KEEP, &["reconcile"], 1, "already exists"),
        case("prepare over the snapshot", KEEP, &["prepare"], 1, "already exists"),
        case("changed data under all", ("records = 60", "records = 61"), &["all"], 1, "already exists"),
        // Plugin behaviour (exit 1; the function, and where it applies the record or model).
        case("reconcile fails", ("records = 60", "records = 60\nfail_in = reconcile"), &["reconcile", "--force"], 1, "plugin function `reconcile` failed"),
        case("reconcile panics", ("records = 60", "records = 60\npanic_in = reconcile"), &["reconcile", "--force"], 1, "plugin function `reconcile` panicked"),
        case("labels fails", ("records = 60", "records = 60\nfail_in = labels"), &["reconcile", "--force"], 1, "plugin function `labels` failed"),
        case("new fails", ("records = 60", "records = 60\nfail_in = new"), &["reconcile", "--force"], 1, "plugin function `new` failed"),
        case("an unknown plugin option", ("records = 60", "records = 60\nrecordz = 5"), &["reconcile", "--force"], 1, "plugin.recordz"),
        case("a record with an unknown label", ("records = 60", "records = 60\nbad_label_record = r0003"), &["reconcile", "--force"], 1, "r0003"),
        case("a duplicate record id", ("records = 60", "records = 60\nduplicate_id = true"), &["reconcile", "--force"], 1, "r0001"),
        case("prepare fails on a record", ("records = 60", "records = 60\nfail_in = prepare"), &["prepare", "--force"], 1, "r0007"),
        case("prepare panics on a record", ("records = 60", "records = 60\npanic_in = prepare"), &["prepare", "--force"], 1, "r0007"),
        case("an input key left out", ("records = 60", "records = 60\ndrop_input_key = attention_mask"), &["prepare", "--force"], 1, "attention_mask"),
        case("ordered_input_keys fails", ("records = 60", "records = 60\nfail_in = ordered_input_keys"), &["prepare", "--force"], 1, "plugin function `ordered_input_keys` failed"),
        case("load_model fails", ("records = 60", "records = 60\nfail_in = load_model"), &["train"], 1, "plugin function `load_model` failed"),
        case("load_model panics", ("records = 60", "records = 60\npanic_in = load_model"), &["train"], 1, "plugin function `load_model` panicked"),
        case("forward fails in training", ("records = 60", "records = 60\nfail_in = forward"), &["train"], 1, "model tiny: plugin function `forward` failed"),
        case("forward panics in training", ("records = 60", "records = 60\npanic_in = forward"), &["train"], 1, "model tiny: plugin function `forward` panicked"),
        case("a model with too many outputs", ("records = 60", "records = 60\nextra_outputs = 2"), &["train"], 1, "model tiny"),
        case("a model the plugin does not know", ("model_names = tiny", "model_names = huge"), &["train"], 1, "huge"),
        case("a diverging loss", ("learning_rate = 0.05", "learning_rate = 1e30"), &["train"], 1, "model tiny: loss became"),
    ];
    let plugin_file = |name, plugin, culprit| Case { plugin, ..case(name, KEEP, &["train"], 1, culprit) };
    cases.extend([
        // The plugin file.
        plugin_file("a plugin file that does not exist", Plugin::Missing, "no-such-plugin.so"),
        plugin_file("a plugin that is not a library", Plugin::NotALibrary, "settings.ini"),
        plugin_file("a library without a root module", Plugin::NoRootModule, "not_a_plugin"),
        plugin_file("a plugin built against another plugin-api", Plugin::OtherApiVersion, "0.2.0"),
    ]);
    // Storage.
    cases.push(Case {
        prepare: Some(|exp| {
            std::fs::remove_dir_all(exp.join("experiments")).unwrap();
            std::fs::write(exp.join("experiments"), "a file").unwrap();
        }),
        ..case("a root that is a file", KEEP, &["reconcile"], 1, "Not a directory (os error 20)")
    });
    cases.push(Case {
        file_size_limit: Some(4096),
        ..case("a disk that takes no file over 4 KiB", KEEP, &["train"], 1, "File too large")
    });
    cases.push(Case {
        moto: true,
        ..case(
            "a bucket that does not exist",
            ("root = ./experiments", "root = s3://no-such-bucket/exp"),
            &["train"],
            1,
            "bucket no-such-bucket does not exist",
        )
    });
    cases
}

/// An experiment with a data snapshot and one finished run (made once), copied for each case.
fn base() -> &'static Path {
    static BASE: OnceLock<Experiment> = OnceLock::new();
    BASE.get_or_init(|| {
        let exp = Experiment::fixture("records = 60", TRAINING);
        exp.run(&fixture_plugin(), &["all"]).ok();
        exp
    })
    .dir
    .path()
}

/// Every file under `dir` with its bytes.
fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(bytes) = std::fs::read(&path) {
                out.insert(path, bytes);
            }
        }
    }
    out
}

fn run_case(case: &Case) -> Result<(), String> {
    let copy = tempfile::tempdir().unwrap();
    let status = Command::new("cp").arg("-a").arg(format!("{}/.", base().display())).arg(copy.path()).status().unwrap();
    assert!(status.success());
    let settings = copy.path().join("settings.ini");
    let text = std::fs::read_to_string(&settings).unwrap();
    let text = match case.edit {
        ("", more) => text + more,
        (from, to) => text.replacen(from, to, 1),
    };
    std::fs::write(&settings, text).unwrap();
    if let Some(prepare) = case.prepare {
        prepare(copy.path());
    }
    let before = files(&copy.path().join("experiments"));
    assert!(case.prepare.is_some() || before.len() > 10, "{}: the copy holds the snapshot and run 1", case.name);
    let plugins = || faulty_plugins();
    let plugin = match case.plugin {
        Plugin::Fixture => fixture_plugin(),
        Plugin::Missing => copy.path().join("no-such-plugin.so"),
        Plugin::NotALibrary => settings.clone(),
        Plugin::NoRootModule => plugins().not_a_plugin.clone(),
        Plugin::OtherApiVersion => plugins().other_api_version.clone(),
    };
    let mut command = Command::new(env!("CARGO_BIN_EXE_runner"));
    command.arg("--plugin").arg(&plugin).arg(&settings).args(case.args).env_remove("RUST_LOG");
    let moto = case.moto.then(crate::aws::Moto::start);
    if let Some(moto) = &moto {
        command
            .env("AWS_ENDPOINT_URL", &moto.endpoint)
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_REGION", "us-east-1")
            .env("MLPIPE_AWS_MAX_ATTEMPTS", "1");
    }
    let limit = case.file_size_limit;
    // SAFETY: only async-signal-safe calls (signal, setrlimit) between fork and exec.
    unsafe {
        command.pre_exec(move || {
            // A write past the limit then fails with EFBIG instead of killing the process.
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            if let Some(bytes) = limit {
                let rlimit = libc::rlimit { rlim_cur: bytes, rlim_max: bytes };
                if libc::setrlimit(libc::RLIMIT_FSIZE, &rlimit) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            Ok(())
        });
    }
    let run = Run::from_output(command.output().unwrap());
    let problem = |what: String| Err(format!("{}: {what}\nstderr:\n{}", case.name, run.stderr));
    if run.code != case.code {
        return problem(format!("exit code {} (expected {})", run.code, case.code));
    }
    let errors: Vec<&str> = run.stderr.lines().filter(|line| line.starts_with("error: ")).collect();
    if errors.len() != 1 {
        return problem(format!("{} error lines", errors.len()));
    }
    if !errors[0].contains(case.culprit) {
        return problem(format!("the error line does not name {:?}", case.culprit));
    }
    let after = files(&copy.path().join("experiments"));
    for (path, bytes) in &before {
        match after.get(path) {
            None => return problem(format!("{} was removed", path.display())),
            Some(now) if now != bytes => return problem(format!("{} was changed", path.display())),
            Some(_) => {}
        }
    }
    Ok(())
}

#[test]
fn every_bad_input_is_one_line_naming_the_culprit_and_changes_nothing() {
    let cases = cases();
    assert!(cases.len() >= 60, "{} cases", cases.len());
    let failures: Vec<String> = cases.iter().filter_map(|case| run_case(case).err()).collect();
    assert!(failures.is_empty(), "{} of {} cases failed:\n\n{}", failures.len(), cases.len(), failures.join("\n\n"));
}
