//! A real Redis Cluster for one test: `masters` masters (and `replicas` replicas
//! each) as redis-server processes on free ports, joined with
//! `redis-cli --cluster create`, stopped when dropped.

use std::process::Command;
use std::time::{Duration, Instant};

use super::redis_server::RedisServer;

pub struct RedisCluster {
    pub nodes: Vec<RedisServer>,
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
        let cluster = Self { nodes };
        cluster.wait_ok(Duration::from_secs(30));
        cluster
    }

    /// Waits until every live node says the cluster is ok and sees all masters.
    pub fn wait_ok(&self, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            let ready = self.live().all(|n| {
                let info: String = redis::cmd("CLUSTER")
                    .arg("INFO")
                    .query(&mut n.conn())
                    .unwrap_or_default();
                info.contains("cluster_state:ok")
            });
            if ready {
                return;
            }
            assert!(Instant::now() < deadline, "the cluster did not become ok");
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

    /// kill -9 of the node on `port`.
    pub fn kill(&mut self, port: u16) {
        self.nodes
            .iter_mut()
            .find(|n| n.port == port)
            .expect("a node on that port")
            .kill();
    }
}
