//! A real MLflow tracking server for the tests: `mlflow server` from the project's
//! `.venv/mlflow` (pinned in `scripts/setup.sh`) on a free loopback port below the ephemeral range, with a SQLite store and
//! the artifact proxy writing into a temporary folder. It runs in a process group of its own,
//! killed when the handle drops, at exit for the shared server (`atexit`), and by a watchdog when
//! the test process dies any other way (the watchdog reads the harness's end of a pipe; the pipe
//! closes when the process ends).

use std::fs::File;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use mlpipe_tracking::MlflowClient;

/// How long the server may take to answer `/health`: ~7 s on an idle 2-core machine, more while
/// other builds run.
const START_TIMEOUT: Duration = Duration::from_secs(90);

/// Runs `"$@"` (the server) in the background with a watchdog that kills the whole process group
/// when the harness's pipe on fd 0 closes; exits with the server's status, so that a dead server
/// shows as an exited child.
const WRAPPER: &str = r#"exec 3<&0
"$@" <&- &
server=$!
{ cat <&3 >/dev/null; kill -KILL -- -$$; } &
exec 3<&-
wait "$server""#;

/// A running (or stopped) MLflow server.
pub struct Server {
    dir: tempfile::TempDir,
    port: u16,
    uri: String,
    running: Option<(Child, ChildStdin)>,
    /// Runs' artifact root in S3 and the S3 endpoint, as on SageMaker's managed MLflow; `None`
    /// for the artifact proxy.
    s3_artifacts: Option<(String, String)>,
}

impl Server {
    /// Starts a server with an empty store and waits until it answers.
    ///
    /// # Panics
    /// When MLflow is not installed (run scripts/setup.sh) or the server does not come up.
    pub fn start() -> Server {
        let port = free_port_below_ephemeral_range();
        let dir = tempfile::Builder::new().prefix("mlpipe-mlflow-").tempdir().unwrap();
        let mut server =
            Server { dir, port, uri: format!("http://127.0.0.1:{port}"), running: None, s3_artifacts: None };
        server.spawn();
        server
    }

    /// Starts a server whose runs keep their artifacts under `root` (`s3://bucket/prefix`) in the
    /// S3 at `endpoint` (moto), with no artifact proxy: clients write artifacts to S3 themselves,
    /// as with SageMaker's managed MLflow. The server lists them with boto3.
    pub fn start_with_s3_artifacts(root: &str, endpoint: &str) -> Server {
        let port = free_port_below_ephemeral_range();
        let dir = tempfile::Builder::new().prefix("mlpipe-mlflow-").tempdir().unwrap();
        let mut server = Server {
            dir,
            port,
            uri: format!("http://127.0.0.1:{port}"),
            running: None,
            s3_artifacts: Some((root.to_string(), endpoint.to_string())),
        };
        server.spawn();
        server
    }

    /// The server this test binary shares between its tests (each test uses its own experiment).
    pub fn shared() -> &'static Server {
        static SHARED: OnceLock<Server> = OnceLock::new();
        SHARED.get_or_init(|| {
            extern "C" fn kill_shared() {
                if let Some(server) = SHARED.get() {
                    server.kill_group();
                    let _ = std::fs::remove_dir_all(server.dir.path());
                }
            }
            let server = Server::start();
            // Statics are never dropped: stop it when the test binary exits.
            unsafe { libc::atexit(kill_shared) };
            server
        })
    }

    /// `http://127.0.0.1:<port>`.
    pub fn uri(&self) -> &str {
        &self.uri
    }

    /// A client of this server with a short timeout.
    pub fn client(&self) -> MlflowClient {
        MlflowClient::new(&self.uri, Duration::from_secs(10))
    }

    /// The server's folder: `mlflow.db`, `artifacts/`, `server.log`.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Kills the server (as a crash would) and waits until its port refuses connections.
    pub fn stop(&mut self) {
        self.kill_group();
        if let Some((mut child, stdin)) = self.running.take() {
            let _ = child.wait();
            drop(stdin);
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
            assert!(Instant::now() < deadline, "mlflow server on port {} did not stop", self.port);
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Starts the server again on the same port and store, after [`Server::stop`].
    pub fn restart_on_same_port(&mut self) {
        assert!(self.running.is_none(), "restart_on_same_port needs stop() first");
        self.spawn();
    }

    fn spawn(&mut self) {
        let bin = mlflow_bin();
        let log = File::options().create(true).append(true).open(self.log_path()).unwrap();
        let dir = self.dir.path();
        let mut command = Command::new("bash");
        command
            .args(["-c", WRAPPER, "mlflow-server"])
            .arg(&bin)
            .args(["server", "--host", "127.0.0.1", "--port", &self.port.to_string(), "--workers", "1"])
            .arg("--backend-store-uri")
            .arg(format!("sqlite:///{}", dir.join("mlflow.db").display()));
        match &self.s3_artifacts {
            None => command.arg("--artifacts-destination").arg(dir.join("artifacts")),
            Some((root, endpoint)) => command
                .args(["--no-serve-artifacts", "--default-artifact-root", root])
                .env("MLFLOW_S3_ENDPOINT_URL", endpoint)
                .env("AWS_ACCESS_KEY_ID", "testing")
                .env("AWS_SECRET_ACCESS_KEY", "testing")
                .env("AWS_DEFAULT_REGION", "us-east-1"),
        };
        let mut child = command
            // The job runner and its huey consumers (7 processes) serve GenAI features only.
            .env("MLFLOW_SERVER_ENABLE_JOB_EXECUTION", "false")
            .current_dir(dir)
            .stdin(Stdio::piped())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("spawn bash for {}: {e}", bin.display()));
        let stdin = child.stdin.take().unwrap();
        let probe = MlflowClient::new(&self.uri, Duration::from_secs(2));
        let deadline = Instant::now() + START_TIMEOUT;
        while probe.ping().is_err() {
            if let Some(status) = child.try_wait().unwrap() {
                panic!("mlflow server exited ({status}) before answering; its log:\n{}", self.log_tail());
            }
            if Instant::now() > deadline {
                self.running = Some((child, stdin));
                self.kill_group();
                panic!("mlflow server did not answer /health within {START_TIMEOUT:?}; its log:\n{}", self.log_tail());
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        self.running = Some((child, stdin));
    }

    fn kill_group(&self) {
        if let Some((child, _)) = &self.running {
            // The wrapper leads the group (process_group(0)): its pid is the group id.
            unsafe { libc::kill(-(child.id() as libc::pid_t), libc::SIGKILL) };
        }
    }

    fn log_path(&self) -> PathBuf {
        self.dir.path().join("server.log")
    }

    /// The last lines the server wrote.
    pub fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(self.log_path()).unwrap_or_default();
        let lines: Vec<_> = log.lines().collect();
        lines[lines.len().saturating_sub(40)..].join("\n")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill_group();
        if let Some((mut child, _)) = self.running.take() {
            let _ = child.wait();
        }
    }
}

/// A free loopback port below the system's ephemeral range. The server needs a port the test
/// knows before it starts (to restart on it), and binds it seconds later: a port from the
/// ephemeral range could meanwhile become the source port of an outgoing connection, or of a
/// readiness probe that connects to itself (TCP simultaneous open). Below the range only a
/// server asking for that very port can take it.
fn free_port_below_ephemeral_range() -> u16 {
    let range = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range").unwrap_or_default();
    let low: u16 = range.split_whitespace().next().and_then(|p| p.parse().ok()).unwrap_or(32768);
    let span = u64::from(low.saturating_sub(10_000).max(1));
    let seed = u64::from(std::process::id()).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64;
    (0..span)
        .map(|i| 10_000 + ((seed.wrapping_add(i.wrapping_mul(7919))) % span) as u16)
        .find(|&port| std::net::TcpListener::bind(("127.0.0.1", port)).is_ok())
        .expect("no free port below the ephemeral range")
}

/// `<repo>/.venv/mlflow/bin/mlflow`, found walking up from this crate.
fn mlflow_bin() -> PathBuf {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    here.ancestors()
        .map(|dir| dir.join(".venv/mlflow/bin/mlflow"))
        .find(|bin| bin.is_file())
        .unwrap_or_else(|| panic!("no .venv/mlflow/bin/mlflow above {}: run scripts/setup.sh", here.display()))
}
