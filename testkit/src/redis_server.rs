//! A real redis-server for one test: started on a free loopback port with no
//! persistence (unless asked), and killed when dropped.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

pub struct RedisServer {
    child: Option<Child>,
    pub port: u16,
    dir: tempfile::TempDir,
    args: Vec<String>,
    /// user and password for `url` and `conn` (an admin of the instance).
    auth: Option<(String, String)>,
}

/// A port that was free a moment ago, at most 55535: a cluster node also binds
/// its port + 10000 for the cluster bus, and refuses to start above that.
pub fn free_port() -> u16 {
    loop {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        if port <= 55535 {
            return port;
        }
    }
}

fn spawn(program: &str, args: &[String], dir: &Path) -> Child {
    let log = std::fs::File::create(dir.join("redis.log")).expect("log file");
    Command::new(program)
        .args(args)
        .current_dir(dir)
        .stdout(log.try_clone().expect("log file"))
        .stderr(log)
        .spawn()
        .unwrap_or_else(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                panic!(
                    "{program} is not installed: these tests run a real Redis. \
                     Install the Debian package `redis-server` (apt-get install -y redis-server)"
                )
            }
            panic!("cannot start {program}: {e}")
        })
}

impl RedisServer {
    /// An in-memory Redis: `--save ""`, no AOF.
    pub fn start() -> Self {
        Self::start_with(&["--save", "", "--appendonly", "no"])
    }

    /// A Redis with extra arguments (a config file path may come first).
    pub fn start_with(extra: &[&str]) -> Self {
        Self::start_as(extra, None)
    }

    /// A Redis whose configuration turns the default user off: `auth` is the
    /// user and password that `url`, `conn` and the readiness check use.
    pub fn start_as(extra: &[&str], auth: Option<(&str, &str)>) -> Self {
        Self::start_full(extra, auth, None)
    }

    /// A Redis with extra arguments whose directory lies in `parent`.
    pub fn start_in(parent: &Path, extra: &[&str]) -> Self {
        Self::start_full(extra, None, Some(parent))
    }

    fn start_full(extra: &[&str], auth: Option<(&str, &str)>, parent: Option<&Path>) -> Self {
        let dir = match parent {
            Some(parent) => tempfile::tempdir_in(parent),
            None => tempfile::tempdir(),
        }
        .expect("temp dir for redis");
        let auth = auth.map(|(u, p)| (u.to_owned(), p.to_owned()));
        let mut server = Self {
            child: None,
            port: 0,
            dir,
            args: Vec::new(),
            auth,
        };
        for _ in 0..5 {
            server.port = free_port();
            server.args = extra.iter().map(|s| s.to_string()).collect();
            server.args.extend([
                "--port".into(),
                server.port.to_string(),
                "--bind".into(),
                "127.0.0.1".into(),
            ]);
            server
                .args
                .extend(["--dir".into(), server.dir.path().display().to_string()]);
            if server.launch() {
                return server;
            }
            // Someone took the port between our probe and Redis's bind: try another.
        }
        let log = std::fs::read_to_string(server.dir.path().join("redis.log")).unwrap_or_default();
        panic!("redis-server did not start on any of 5 free ports; its last words:\n{log}");
    }

    /// Starts the process and waits until it answers PING; false if it exited.
    // The running child is kept in `self.child` and waited for in `kill`, which
    // `Drop` calls; the lint cannot follow it there.
    #[allow(clippy::zombie_processes)]
    fn launch(&mut self) -> bool {
        let mut child = spawn("redis-server", &self.args, self.dir.path());
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if child.try_wait().unwrap().is_some() {
                return false;
            }
            if let Ok(mut conn) = redis::Client::open(self.url()).and_then(|c| c.get_connection())
                && redis::cmd("PING").query::<String>(&mut conn).is_ok()
            {
                // The server that answered may be another test's, started on
                // the same free port a moment before ours (which then fails
                // to bind): it is ours only if it has our process id.
                // (A user not allowed INFO cannot tell: then it is taken as ours.)
                let info: Option<String> = redis::cmd("INFO").arg("server").query(&mut conn).ok();
                let pid = format!("process_id:{}", child.id());
                if info.is_some_and(|info| !info.lines().any(|l| l.trim() == pid)) {
                    let _ = child.kill();
                    let _ = child.wait();
                    return false;
                }
                self.child = Some(child);
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        panic!(
            "redis-server on port {} did not answer PING within 10 s",
            self.port
        );
    }

    /// What redis-server printed since it was last (re)started.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("redis.log")).unwrap_or_default()
    }

    /// The process id, while it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    pub fn is_running(&self) -> bool {
        self.child.is_some()
    }

    pub fn url(&self) -> String {
        match &self.auth {
            Some((user, password)) => self.url_as(user, password),
            None => format!("redis://127.0.0.1:{}", self.port),
        }
    }

    pub fn url_as(&self, user: &str, password: &str) -> String {
        format!("redis://{user}:{password}@127.0.0.1:{}", self.port)
    }

    pub fn dir(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }

    /// A plain connection for inspecting what the store wrote.
    pub fn conn(&self) -> redis::Connection {
        redis::Client::open(self.url())
            .unwrap()
            .get_connection()
            .unwrap()
    }

    /// SIGSTOP (`freeze: true`) or SIGCONT: a process that is there but does
    /// nothing, as on a stalled machine or behind a partition.
    pub fn freeze(&self, freeze: bool) {
        let pid = self.child.as_ref().expect("running").id().to_string();
        let signal = if freeze { "-STOP" } else { "-CONT" };
        let status = Command::new("kill")
            .args([signal, &pid])
            .status()
            .expect("kill(1) runs");
        assert!(status.success());
    }

    /// kill -9, as a crash.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port and directory (after `kill`).
    pub fn restart(&mut self) {
        assert!(self.child.is_none(), "restart after kill");
        for _ in 0..50 {
            if self.launch() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("redis-server did not restart on port {}", self.port);
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}
