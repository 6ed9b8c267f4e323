//! A real Redis Cluster for one test: `masters` masters (and `replicas` replicas
//! each) as redis-server processes on free ports, joined with
//! `redis-cli --cluster create`, stopped when dropped.

use std::process::Command;
use std::time::{Duration, Instant};

use super::redis_server::RedisServer;

pub struct RedisCluster {
    pub nodes: Vec<RedisServer>,
    masters: usize,
}

impl RedisCluster {
    pub fn start(masters: usize, replicas: usize) -> Self {
        let nodes: Vec<RedisServer> = (0..masters * (1 + replicas))
            .map(|_| {
                RedisServer::start_with(&[
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
                ])
            })
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
            std::thread::sleep(Duration::from_millis(100));
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
