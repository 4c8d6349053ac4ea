//! The harness: paths of the workspace, the runner and the plugins; a temporary experiment with
//! its own settings.ini; running the runner and capturing its output; Python cross-checks; and
//! building deliberately faulty plugins in a scratch cargo workspace.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("runner/ has a parent").to_path_buf()
}

/// The cargo target folder the workspace builds into.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| workspace().join("target"))
}

/// A plugin `.so` built by `cargo build --workspace` in the same profile as this test.
pub fn workspace_plugin(package_lib: &str) -> PathBuf {
    let profile_dir = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent()?.parent().map(Path::to_path_buf))
        .unwrap_or_else(|| target_dir().join("debug"));
    let path = profile_dir.join(format!("lib{package_lib}.so"));
    assert!(
        path.is_file(),
        "{} is missing: run `cargo build --workspace` first (scripts/test.sh does)",
        path.display()
    );
    path
}

/// The fixture plugin.
pub fn fixture_plugin() -> PathBuf {
    workspace_plugin("mlpipe_plugin_fixture")
}

/// A copy of the fixture plugin in `dir` with other bytes at its end (ignored by the loader): the
/// same code under another file hash, as a rebuilt plugin.
pub fn rebuilt_fixture_plugin(dir: &Path) -> PathBuf {
    let path = dir.join("librebuilt_fixture.so");
    let mut bytes = std::fs::read(fixture_plugin()).unwrap();
    bytes.extend_from_slice(b"\0rebuilt");
    std::fs::write(&path, bytes).unwrap();
    path
}

/// The project's Python (with torch, pyarrow, pandas).
pub fn python() -> PathBuf {
    workspace().join(".venv/bin/python")
}

/// What one runner invocation did.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn from_output(output: Output) -> Self {
        Self {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// The `error: ...` line, which must be the only one.
    pub fn error_line(&self) -> String {
        let errors: Vec<&str> = self.stderr.lines().filter(|line| line.starts_with("error: ")).collect();
        assert_eq!(errors.len(), 1, "expected exactly one error line, stderr:\n{}", self.stderr);
        errors[0].to_string()
    }

    /// Asserts the exit code and returns the one `error:` line.
    pub fn failure(&self, code: i32) -> String {
        assert_eq!(self.code, code, "exit code\nstdout:\n{}\nstderr:\n{}", self.stdout, self.stderr);
        self.error_line()
    }

    /// Asserts success and returns stdout.
    pub fn ok(&self) -> &str {
        assert_eq!(self.code, 0, "runner failed\nstdout:\n{}\nstderr:\n{}", self.stdout, self.stderr);
        &self.stdout
    }
}

/// A temporary experiment folder with a settings.ini in it.
pub struct Experiment {
    pub dir: tempfile::TempDir,
}

impl Experiment {
    /// Writes `settings` (an INI text) as `settings.ini` in a new temporary folder.
    pub fn new(settings: &str) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("settings.ini"), settings).expect("write settings");
        Self { dir }
    }

    /// A fixture experiment: `records` synthetic records, extra `[plugin]` lines and extra text.
    pub fn fixture(plugin_options: &str, extra: &str) -> Self {
        Self::new(&format!(
            "[experiment]\nname = fixture-exp\nroot = ./experiments\nmodel_names = tiny\nseed = 7\n\n[data]\nvalidation_fraction = 0.2\ntest_fraction = 0.25\n\n[plugin]\n{plugin_options}\n{extra}"
        ))
    }

    pub fn settings(&self) -> PathBuf {
        self.dir.path().join("settings.ini")
    }

    /// The experiment folder (root `./experiments`, name `fixture-exp` for fixtures).
    pub fn exp_dir(&self, name: &str) -> PathBuf {
        self.dir.path().join("experiments").join(name)
    }

    /// Runs the runner with `plugin`, this settings file and `args`.
    pub fn run(&self, plugin: &Path, args: &[&str]) -> Run {
        runner(plugin, &self.settings(), args)
    }

    /// [`Experiment::run`] with `TMPDIR` set to `tmp`, to see what the runner leaves there.
    pub fn run_with_tmpdir(&self, plugin: &Path, args: &[&str], tmp: &Path) -> Run {
        Run::from_output(
            runner_command(plugin, &self.settings(), args).env("TMPDIR", tmp).output().expect("spawn runner"),
        )
    }
}

fn runner_command(plugin: &Path, settings: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_runner"));
    command.arg("--plugin").arg(plugin).arg(settings).args(args).env_remove("RUST_LOG");
    command
}

/// Runs the runner binary.
pub fn runner(plugin: &Path, settings: &Path, args: &[&str]) -> Run {
    Run::from_output(runner_command(plugin, settings, args).output().expect("spawn runner"))
}

/// Runs a Python snippet with the project's Python and parses its stdout as JSON.
///
/// The snippet ends with `os._exit(0)` once its output is flushed: pyarrow's native thread pool
/// occasionally aborts during interpreter teardown ("terminate called without an active
/// exception", seen once in CI on a loaded 2-core machine), which is not what these tests check.
/// A failure before the output is complete still fails the test.
pub fn python_json(script: &str, args: &[&Path]) -> serde_json::Value {
    python_json_with(&python(), script, args)
}

/// The Python of the MLflow virtualenv (`.venv/mlflow`, apart from the main one).
pub fn mlflow_python() -> PathBuf {
    workspace().join(".venv/mlflow/bin/python")
}

/// [`python_json`] with another interpreter.
pub fn python_json_with(python: &Path, script: &str, args: &[&Path]) -> serde_json::Value {
    let script = format!("{script}\nimport os as _os, sys as _sys\n_sys.stdout.flush()\n_os._exit(0)\n");
    let output = Command::new(python).arg("-c").arg(&script).args(args).output().expect("spawn python");
    assert!(output.status.success(), "python failed:\n{}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("python printed JSON")
}

/// Faulty plugins, built once per test process in a scratch workspace under the target folder.
pub struct FaultyPlugins {
    pub not_a_plugin: PathBuf,
    pub other_api_version: PathBuf,
    pub other_torch: PathBuf,
}

/// Builds (once) the faulty plugins: a cdylib without a root module, and the fixture plugin built
/// against two modified copies of mlpipe-plugin-api (version bumped to 0.2.0; tch version
/// changed). They use their own target folder: the outer `cargo test` holds the workspace's lock.
pub fn faulty_plugins() -> &'static FaultyPlugins {
    static BUILT: OnceLock<FaultyPlugins> = OnceLock::new();
    BUILT.get_or_init(|| {
        let root = target_dir().join("e2e-faulty-plugins");
        let target = root.join("target");
        let ws = workspace();
        let api = ws.join("plugin-api");
        let build_support = ws.join("plugin-api/build-support");
        let fixture_src = ws.join("example-plugins/fixture/src");

        let not_a_plugin = write_crate(
            &root.join("not-a-plugin"),
            "not-a-plugin",
            "",
            &[("src/lib.rs", "//! A shared library with no mlpipe root module.\n#[no_mangle]\npub extern \"C\" fn hello() -> i32 { 42 }\n")],
        );
        let api_v2 = copy_api(&api, &root.join("api-v2"), &build_support, |manifest, version_rs| {
            (manifest.replace("version.workspace = true", "version = \"0.2.0\""), version_rs)
        });
        let api_torch = copy_api(&api, &root.join("api-torch"), &build_support, |manifest, version_rs| {
            let patched = version_rs.replace("RStr::from_str(\"0.24.0\")", "RStr::from_str(\"0.23.0\")");
            assert_ne!(patched, version_rs, "plugin-api/src/version.rs no longer spells the tch version as expected");
            (manifest.replace("version.workspace = true", "version = \"0.1.0\""), patched)
        });
        let fixture_lib = std::fs::read_to_string(fixture_src.join("lib.rs")).expect("fixture lib.rs");
        let plugin_deps = |api_dir: &Path| {
            format!(
                "mlpipe-plugin-api = {{ path = \"{}\" }}\ntch = \"=0.24.0\"\n[build-dependencies]\nmlpipe-build-support = {{ path = \"{}\" }}\n",
                api_dir.display(),
                build_support.display()
            )
        };
        let build_rs = "fn main() { mlpipe_build_support::link_libtorch(); }\n";
        let other_api_version = write_crate(
            &root.join("plugin-api-v2"),
            "plugin-api-v2",
            &plugin_deps(&api_v2),
            &[("build.rs", build_rs)],
        );
        let other_torch = write_crate(
            &root.join("plugin-other-torch"),
            "plugin-other-torch",
            &plugin_deps(&api_torch),
            &[("build.rs", build_rs)],
        );
        for dir in [&other_api_version, &other_torch] {
            copy_dir(&fixture_src, &dir.join("src"));
            assert!(fixture_lib.contains("export_experiment!"), "the fixture plugin must export itself");
        }
        let lockfile = ws.join("Cargo.lock");
        let mut built = Vec::new();
        for dir in [&not_a_plugin, &other_api_version, &other_torch] {
            // Same dependency versions as the workspace, so registry crates compile once.
            std::fs::copy(&lockfile, dir.join("Cargo.lock")).expect("copy Cargo.lock");
            let status = Command::new(env!("CARGO"))
                .args(["build", "--quiet", "--offline"])
                .env("CARGO_TARGET_DIR", &target)
                .current_dir(dir)
                .status()
                .expect("spawn cargo");
            assert!(status.success(), "building {} failed", dir.display());
            let name = dir.file_name().unwrap().to_string_lossy().replace('-', "_");
            built.push(target.join("debug").join(format!("lib{name}.so")));
        }
        let [not_a_plugin, other_api_version, other_torch] = <[PathBuf; 3]>::try_from(built).expect("three plugins");
        FaultyPlugins { not_a_plugin, other_api_version, other_torch }
    })
}

/// Writes a one-package cargo workspace (cdylib) and returns its folder.
fn write_crate(dir: &Path, name: &str, deps: &str, files: &[(&str, &str)]) -> PathBuf {
    std::fs::create_dir_all(dir.join("src")).expect("mkdir");
    let manifest = format!(
        "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[lib]\ncrate-type = [\"cdylib\"]\n\n[workspace]\n\n[profile.dev]\ndebug = false\n\n[dependencies]\n{deps}"
    );
    std::fs::write(dir.join("Cargo.toml"), manifest).expect("write Cargo.toml");
    for (path, text) in files {
        std::fs::write(dir.join(path), text).expect("write source");
    }
    dir.to_path_buf()
}

/// Copies plugin-api to `dir` as a standalone package, letting `patch` edit its manifest and
/// `src/version.rs`.
fn copy_api(
    api: &Path,
    dir: &Path,
    build_support: &Path,
    patch: impl Fn(String, String) -> (String, String),
) -> PathBuf {
    copy_dir(&api.join("src"), &dir.join("src"));
    std::fs::copy(api.join("build.rs"), dir.join("build.rs")).expect("copy build.rs");
    let manifest = std::fs::read_to_string(api.join("Cargo.toml")).expect("read plugin-api manifest");
    let manifest = manifest
        .replace("edition.workspace = true", "edition = \"2021\"")
        .replace("license.workspace = true", "")
        .replace("abi_stable.workspace = true", "abi_stable = \"0.11.3\"")
        .replace("tch.workspace = true", "tch = \"=0.24.0\"")
        .replace(
            "mlpipe-build-support.workspace = true",
            &format!("mlpipe-build-support = {{ path = \"{}\" }}", build_support.display()),
        );
    let version_rs = std::fs::read_to_string(api.join("src/version.rs")).expect("read version.rs");
    let (manifest, version_rs) = patch(manifest, version_rs);
    std::fs::write(dir.join("Cargo.toml"), manifest).expect("write manifest");
    std::fs::write(dir.join("src/version.rs"), version_rs).expect("write version.rs");
    dir.to_path_buf()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("dir entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).expect("copy file");
        }
    }
}

/// Runs the runner binary with `args` as given (subcommands such as `new` and `check`).
pub fn runner_args(args: &[&std::ffi::OsStr]) -> Run {
    let output =
        Command::new(env!("CARGO_BIN_EXE_runner")).args(args).env_remove("RUST_LOG").output().expect("spawn runner");
    Run::from_output(output)
}

/// Runs `runner check --plugin <plugin> <settings> [extra...]`.
pub fn check_plugin(plugin: &Path, settings: &Path, extra: &[&str]) -> Run {
    let mut args: Vec<&std::ffi::OsStr> =
        vec!["check".as_ref(), "--plugin".as_ref(), plugin.as_os_str(), settings.as_os_str()];
    args.extend(extra.iter().map(std::ffi::OsStr::new));
    runner_args(&args)
}

/// Waits until `state` (a `checkpoints/state.toml`) is a mid-epoch checkpoint of the second epoch
/// or later, freezes `child` (SIGSTOP), makes sure the checkpoint on disk is still that one, then
/// kills it (SIGKILL) as a crash or a reclaimed spot instance would.
///
/// # Panics
/// When no such checkpoint appears within 120 s, or `child` ends first.
pub fn kill_after_a_mid_epoch_checkpoint(child: &mut std::process::Child, state: &Path) {
    let mid_epoch = regex::Regex::new(r"(?m)^epoch = [1-9]\d*$[\s\S]*^batch = [1-9]").unwrap();
    let pid = child.id().to_string();
    let signal = |name: &str| assert!(Command::new("kill").args([name, &pid]).status().unwrap().success());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
    loop {
        assert!(std::time::Instant::now() < deadline, "no mid-epoch checkpoint after the first epoch appeared");
        assert!(child.try_wait().unwrap().is_none(), "the run finished before it could be killed");
        if std::fs::read_to_string(state).is_ok_and(|text| mid_epoch.is_match(&text)) {
            signal("-STOP");
            if std::fs::read_to_string(state).is_ok_and(|text| mid_epoch.is_match(&text)) {
                break;
            }
            signal("-CONT");
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    child.kill().unwrap();
    child.wait().unwrap();
}

/// A `statistics.json` / `summary.json` value without the fields that legitimately differ between
/// two runs of the same settings: timings, throughput, memory, start and end times.
pub fn without_timing(mut json: serde_json::Value) -> serde_json::Value {
    if let Some(object) = json.as_object_mut() {
        for key in [
            "samples_per_second",
            "tokens_per_second",
            "train_seconds",
            "wall_seconds",
            "peak_rss_mib",
            "seconds",
            "docs_per_second",
            "started",
            "finished",
        ] {
            object.remove(key);
        }
        for value in object.values_mut() {
            *value = without_timing(value.take());
        }
    }
    json
}

/// Bytes in the files under `dir`, at any depth (what `runner runs` adds up for a run folder).
pub fn dir_bytes(dir: &Path) -> u64 {
    let mut total = 0;
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let entry = entry.unwrap();
        let meta = entry.metadata().unwrap();
        total += if meta.is_dir() { dir_bytes(&entry.path()) } else { meta.len() };
    }
    total
}

/// A size as `runner runs` prints it (`3.4 kB`, `771.2 MB`) in bytes, with half its last digit's
/// unit: the rounding the printed value may carry.
pub fn printed_size(text: &str) -> (f64, f64) {
    let (number, unit) = text.split_once(' ').unwrap_or_else(|| panic!("not a size: {text:?}"));
    let number: f64 = number.parse().unwrap_or_else(|e| panic!("{text:?}: {e}"));
    let (scale, decimals) = match unit {
        "B" => (1.0, 0),
        "kB" => (1e3, 1),
        "MB" => (1e6, 1),
        "GB" => (1e9, 2),
        _ => panic!("unknown unit in {text:?}"),
    };
    (number * scale, 0.5 * scale / 10f64.powi(decimals))
}
