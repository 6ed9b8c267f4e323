//! A real Redis Cluster for one test: `masters` masters (and `replicas` replicas
//! each) as redis-server processes on free ports, stopped when dropped. With
//! replicas they are joined by `redis-cli --cluster create`; masters alone
//! are joined by hand (slots, config epochs, MEET) without its one-second
//! pauses.
//!
//! Even so a new cluster takes one to two seconds to say `ok`: a master
//! turns writable two seconds after its process started (Redis's
//! `CLUSTER_WRITABLE_DELAY`), and a node that was alone waits the node
//! timeout before it rejoins. The engine tests start some forty clusters, so
//! clusters of masters only come from a pool built ahead on a thread of its
//! own ([`spares`]); each test still gets a cluster no other test touched.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use super::redis_server::RedisServer;

pub struct RedisCluster {
    pub nodes: Vec<RedisServer>,
    masters: usize,
}

/// What every cluster node runs with. The process title is left alone so
/// that the spares' watchdog can find nodes by their directory.
const NODE_ARGS: &[&str] = &[
    "--cluster-enabled",
    "yes",
    "--cluster-config-file",
    "nodes.conf",
    "--cluster-node-timeout",
    "1000",
    "--save",
    "",
    "--appendonly",
    "no",
    "--set-proc-title",
    "no",
];

impl RedisCluster {
    /// A settled cluster of `masters` masters with `replicas` replicas each;
    /// one of masters only comes ready-made from the pool.
    pub fn start(masters: usize, replicas: usize) -> Self {
        if replicas == 0 {
            return spares::take(masters);
        }
        // With replicas (the failover tests), redis-cli joins them as it
        // always has: two seconds are nothing to a test that kills a master,
        // and its way of settling replicas is the one those tests were
        // proven on.
        let nodes: Vec<RedisServer> = (0..masters * (1 + replicas))
            .map(|_| RedisServer::start_in(spares::root(), NODE_ARGS))
            .collect();
        let addrs: Vec<String> = nodes
            .iter()
            .map(|n| format!("127.0.0.1:{}", n.port))
            .collect();
        let out = Command::new("redis-cli")
            .args(["--cluster", "create"])
            .args(&addrs)
            .args(["--cluster-replicas", &replicas.to_string(), "--cluster-yes"])
            .output()
            .unwrap_or_else(|e| {
                panic!("redis-cli is not available ({e}): install the Debian package `redis-tools`")
            });
        assert!(
            out.status.success(),
            "cluster create failed: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        let cluster = Self { nodes, masters };
        cluster.wait_ok(Duration::from_secs(30));
        cluster
    }

    /// A cluster of masters only: nodes started (at once, each on a thread)
    /// in `root` and joined; not waited for.
    fn build(root: &Path, masters: usize) -> Self {
        let nodes: Vec<RedisServer> = std::thread::scope(|s| {
            let starting: Vec<_> = (0..masters)
                .map(|_| s.spawn(|| RedisServer::start_in(root, NODE_ARGS)))
                .collect();
            starting
                .into_iter()
                .map(|t| t.join().expect("a cluster node starts"))
                .collect()
        });
        join(&nodes);
        Self { nodes, masters }
    }

    /// Waits until every live node says the cluster is ok, there are as many
    /// masters as the cluster was made with, and every other live node is a
    /// replica whose link to its master is up. (Right after `cluster create`
    /// the future replicas still call themselves masters.)
    pub fn wait_ok(&self, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            let (mut ok, mut masters, mut replicas) = (true, 0, 0);
            for node in self.live() {
                let mut conn = node.conn();
                let info: String = redis::cmd("CLUSTER")
                    .arg("INFO")
                    .query(&mut conn)
                    .unwrap_or_default();
                let replication: String = redis::cmd("INFO")
                    .arg("replication")
                    .query(&mut conn)
                    .unwrap_or_default();
                ok &= info.contains("cluster_state:ok");
                masters += usize::from(replication.contains("role:master"));
                replicas += usize::from(replication.contains("master_link_status:up"));
            }
            if ok && masters == self.masters && masters + replicas == self.live().count() {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "the cluster did not settle: ok {ok}, {masters} masters, {replicas} replicas up"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn live(&self) -> impl Iterator<Item = &RedisServer> {
        self.nodes.iter().filter(|n| n.is_running())
    }

    pub fn urls(&self) -> Vec<String> {
        self.nodes.iter().map(RedisServer::url).collect()
    }

    /// The port of the master serving `key` now.
    pub fn master_of(&self, key: &str) -> u16 {
        let node = self.live().next().expect("a live node");
        let mut conn = node.conn();
        let slot: i64 = redis::cmd("CLUSTER")
            .arg("KEYSLOT")
            .arg(key)
            .query(&mut conn)
            .unwrap();
        // Each entry: [first slot, last slot, [ip, port, id, ...], replicas...].
        let slots: redis::Value = redis::cmd("CLUSTER").arg("SLOTS").query(&mut conn).unwrap();
        let int = |v: &redis::Value| match v {
            redis::Value::Int(i) => *i,
            other => panic!("expected an integer in CLUSTER SLOTS, got {other:?}"),
        };
        let redis::Value::Array(entries) = slots else {
            panic!("CLUSTER SLOTS is an array")
        };
        entries
            .iter()
            .find_map(|entry| {
                let redis::Value::Array(parts) = entry else {
                    return None;
                };
                let (first, last) = (int(&parts[0]), int(&parts[1]));
                let redis::Value::Array(master) = &parts[2] else {
                    return None;
                };
                (first..=last)
                    .contains(&slot)
                    .then(|| int(&master[1]) as u16)
            })
            .expect("every slot is served")
    }

    /// Ports of the replicas of the master on `port`.
    pub fn replicas_of(&self, port: u16) -> Vec<u16> {
        let info: String = redis::cmd("INFO")
            .arg("replication")
            .query(&mut self.node(port).conn())
            .unwrap();
        info.lines()
            .filter(|l| l.starts_with("slave"))
            .filter_map(|l| {
                l.split(',')
                    .find_map(|kv| kv.strip_prefix("port="))?
                    .parse()
                    .ok()
            })
            .collect()
    }

    /// Cuts the master on `port` off from its replicas: they are frozen
    /// (SIGSTOP) and their links dropped, so nothing the master writes from now
    /// on reaches them. Returns the replicas, to `thaw` later.
    pub fn isolate_master(&self, port: u16) -> Vec<u16> {
        let replicas = self.replicas_of(port);
        for r in &replicas {
            self.node(*r).freeze(true);
        }
        let _: i64 = redis::cmd("CLIENT")
            .arg("KILL")
            .arg("TYPE")
            .arg("replica")
            .query(&mut self.node(port).conn())
            .unwrap();
        replicas
    }

    pub fn thaw(&self, ports: &[u16]) {
        for p in ports {
            self.node(*p).freeze(false);
        }
    }

    fn node(&self, port: u16) -> &RedisServer {
        self.nodes
            .iter()
            .find(|n| n.port == port)
            .expect("a node on that port")
    }

    /// kill -9 of the node on `port`.
    pub fn kill(&mut self, port: u16) {
        self.nodes
            .iter_mut()
            .find(|n| n.port == port)
            .expect("a node on that port")
            .kill();
    }
}

/// Joins fresh nodes as a cluster of masters: they share the 16,384 slots
/// in even ranges, each with a config epoch of its own, and every node meets
/// every other at once (rather than learning of them by gossip a tenth of a
/// second at a time).
fn join(nodes: &[RedisServer]) {
    let call = |node: &RedisServer, args: &[&str]| {
        let mut cmd = redis::cmd("CLUSTER");
        for arg in args {
            cmd.arg(*arg);
        }
        let _: redis::Value = cmd
            .query(&mut node.conn())
            .unwrap_or_else(|e| panic!("CLUSTER {args:?} on {}: {e}", node.port));
    };
    const SLOTS: usize = 16_384;
    let masters = nodes.len();
    for (i, node) in nodes.iter().enumerate() {
        let (first, last) = (i * SLOTS / masters, (i + 1) * SLOTS / masters - 1);
        call(
            node,
            &["ADDSLOTSRANGE", &first.to_string(), &last.to_string()],
        );
        call(node, &["SET-CONFIG-EPOCH", &(i + 1).to_string()]);
    }
    for (i, node) in nodes.iter().enumerate() {
        for other in &nodes[i + 1..] {
            call(node, &["MEET", "127.0.0.1", &other.port.to_string()]);
        }
    }
}

/// Clusters of masters only, built ahead of need. Their nodes live under
/// one directory of this process; a watchdog started with the pool kills what
/// is left of them once this process has exited (a test binary has no hook
/// at its end, and a spare must not outlive it).
mod spares {
    use std::collections::{HashMap, HashSet, VecDeque};
    use std::path::{Path, PathBuf};
    use std::process::{Command, Stdio};
    use std::sync::{Mutex, OnceLock};
    use std::time::Duration;

    use super::RedisCluster;

    /// Clusters kept ready (and built at once when the pool runs short):
    /// the tests of a binary take them two at a time.
    const READY: usize = 6;

    struct Pool {
        /// Never waited for: it ends after this process does.
        _watchdog: std::process::Child,
        root: PathBuf,
        /// Ready clusters by their number of masters.
        ready: Mutex<HashMap<usize, VecDeque<RedisCluster>>>,
        /// The sizes being built now.
        filling: Mutex<HashSet<usize>>,
    }

    fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
        m.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn pool() -> &'static Pool {
        static POOL: OnceLock<Pool> = OnceLock::new();
        POOL.get_or_init(|| {
            let root = tempfile::Builder::new()
                .prefix("tg-clusters-")
                .tempdir()
                .expect("a directory for cluster nodes")
                .keep();
            let watchdog = Command::new("sh")
                .args([
                    "-c",
                    "while kill -0 \"$0\" 2>/dev/null; do sleep 0.5; done; \
                     pkill -KILL -f -- \"--dir $1/\"; rm -rf -- \"$1\"",
                ])
                .arg(std::process::id().to_string())
                .arg(&root)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("sh runs the cluster nodes' watchdog");
            Pool {
                _watchdog: watchdog,
                root,
                ready: Mutex::new(HashMap::new()),
                filling: Mutex::new(HashSet::new()),
            }
        })
    }

    /// Where every cluster node of this process keeps its directory.
    pub fn root() -> &'static Path {
        &pool().root
    }

    /// A ready cluster of `masters` masters (built now when none is), and
    /// the pool filled again behind it.
    pub fn take(masters: usize) -> RedisCluster {
        let pool = pool();
        let ready = lock(&pool.ready)
            .get_mut(&masters)
            .and_then(VecDeque::pop_front);
        fill(masters);
        let cluster = ready.unwrap_or_else(|| RedisCluster::build(&pool.root, masters));
        cluster.wait_ok(Duration::from_secs(30));
        cluster
    }

    /// Builds clusters up to [`READY`] on a thread of its own, all that are
    /// missing at once (they settle in the same second).
    fn fill(masters: usize) {
        let pool = pool();
        if !lock(&pool.filling).insert(masters) {
            return;
        }
        std::thread::spawn(move || {
            loop {
                let have = lock(&pool.ready).get(&masters).map_or(0, VecDeque::len);
                if have >= READY {
                    break;
                }
                let built: Vec<RedisCluster> = (have..READY)
                    .map(|_| RedisCluster::build(&pool.root, masters))
                    .collect();
                for cluster in built {
                    cluster.wait_ok(Duration::from_secs(30));
                    lock(&pool.ready)
                        .entry(masters)
                        .or_default()
                        .push_back(cluster);
                }
            }
            lock(&pool.filling).remove(&masters);
        });
    }
}
