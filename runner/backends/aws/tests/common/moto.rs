//! A real AWS API emulator for the tests: `moto_server` (pinned in `scripts/setup.sh`) started
//! from the project's virtualenv, stopped when the handle drops. Each test starts its own server,
//! so tests share no state. The end-to-end tests include this file too (`#[path]`).
//!
//! The server binds port 0 itself and the test reads the port it announces. Picking a free port
//! first and probing it with `connect` until the server answers raced twice over: another
//! process could take the port in between, and a probe of an unbound port in the ephemeral range
//! can connect to itself (TCP simultaneous open), which holds the port so the server cannot bind.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// How long moto may take to announce its port: about 1 s on an idle 2-core machine.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// A running moto server.
pub struct Moto {
    child: Child,
    /// `http://127.0.0.1:<port>`.
    pub endpoint: String,
}

impl Moto {
    /// Starts `moto_server` on a port it picks and waits until it listens.
    ///
    /// # Panics
    /// When moto is not installed (run scripts/setup.sh), exits, or does not announce its port
    /// within [`START_TIMEOUT`].
    pub fn start() -> Moto {
        Self::spawn(Command::new(venv_bin("moto_server")))
    }

    /// Starts moto through `tests/python/moto_sagemaker.py`: its SageMaker training jobs leave
    /// `archive` as their `model.tar.gz` where the job's `OutputDataConfig` says, as a real job
    /// does (plain moto completes jobs without writing anything).
    ///
    /// # Panics
    /// As [`Moto::start`].
    pub fn start_with_model_archive(archive: &Path) -> Moto {
        let mut command = Command::new(venv_bin("python"));
        command.arg(workspace().join("tests/python/moto_sagemaker.py")).env("MLPIPE_TEST_MODEL_ARCHIVE", archive);
        Self::spawn(command)
    }

    fn spawn(mut command: Command) -> Moto {
        let program = command.get_program().to_string_lossy().into_owned();
        let mut child = command
            .args(["-H", "127.0.0.1", "-p", "0"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {program}: {e}"));
        // Werkzeug prints ` * Running on http://127.0.0.1:<port>` once the socket listens; the
        // reader then keeps draining moto's request log so the pipe never fills.
        let stderr = child.stderr.take().unwrap();
        let (sender, announced) = mpsc::channel();
        std::thread::spawn(move || {
            let mut sender = Some(sender);
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(port) = announced_port(&line) {
                    if let Some(sender) = sender.take() {
                        let _ = sender.send(format!("http://127.0.0.1:{port}"));
                    }
                }
            }
        });
        match announced.recv_timeout(START_TIMEOUT) {
            Ok(endpoint) => Moto { child, endpoint },
            Err(_) => {
                let status = child.try_wait().unwrap();
                let _ = child.kill();
                panic!("moto_server did not announce its port within {START_TIMEOUT:?} (exit status: {status:?})");
            }
        }
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The port in werkzeug's ` * Running on http://127.0.0.1:<port>` line.
fn announced_port(line: &str) -> Option<u16> {
    let rest = &line[line.find("Running on http://127.0.0.1:")? + "Running on http://127.0.0.1:".len()..];
    rest.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()
}

/// Fake credentials and region for the SDK's standard chain; moto accepts any.
pub fn fake_aws_env() -> Vec<(&'static str, &'static str)> {
    vec![
        ("AWS_ACCESS_KEY_ID", "testing"),
        ("AWS_SECRET_ACCESS_KEY", "testing"),
        ("AWS_SESSION_TOKEN", "testing"),
        ("AWS_DEFAULT_REGION", "us-east-1"),
        ("AWS_REGION", "us-east-1"),
    ]
}

/// The repository root: the nearest folder above this crate with `.venv/`.
pub fn workspace() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.ancestors()
        .find(|dir| dir.join(".venv/bin").is_dir())
        .unwrap_or_else(|| panic!("no .venv above {}: run scripts/setup.sh", here.display()))
        .to_path_buf()
}

/// A program of the project's virtualenv.
fn venv_bin(name: &str) -> PathBuf {
    let bin = workspace().join(".venv/bin").join(name);
    assert!(bin.is_file(), "{} is missing: run scripts/setup.sh", bin.display());
    bin
}
