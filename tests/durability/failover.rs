//! A cluster master killed mid-sale; its replica takes over. How many confirmed
//! tickets are lost with plain (asynchronous) replication, and with WAIT.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use crate::{audit_confirmed, crowd};
use testkit::app::spawn_app_flags;
use testkit::cluster::RedisCluster;

/// Runs a 6,000-ticket sale on a 3-master cluster with 2 replicas per master.
/// After 2,000 tickets the master is cut off from its replicas (they freeze and
/// their links drop: a partition), confirms alone for 150 ms, and is killed with
/// SIGKILL; the replicas come back and one takes over. Returns (confirmed
/// tickets lost, the audit with the confirmed codes, confirmed tickets).
///
/// Two replicas, because with WAIT a master whose only replica was promoted
/// has none left to wait for: the sale would stop confirming until one is back.
async fn sale_with_failover(wait_replicas: &str) -> (usize, Value, usize) {
    let _turn = crate::ONE_CROWD_AT_A_TIME.lock().await;
    let mut cluster = RedisCluster::start(3, 2);
    let urls = cluster.urls().join(",");
    let flags = [
        "--redis-cluster",
        &urls,
        "--redis-wait-replicas",
        wait_replicas,
        "--store-timeout-ms",
        "1000",
    ];
    let app = Arc::new(spawn_app_flags(&flags).await);
    app.create_open_event("failover", &[("p", 6_000)]).await;
    let master = cluster.master_of("tg:{failover}:meta");

    let sale = tokio::spawn(crowd(
        app.clone(),
        "failover",
        "p",
        8_000,
        100,
        Duration::from_millis(200),
        Duration::from_secs(120),
    ));
    loop {
        let (_, event) = app
            .get("/api/v1/events/failover", &app.member(0, "bj/x"))
            .await;
        if event["pools"][0]["remaining"]
            .as_i64()
            .is_some_and(|left| left <= 4_000)
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let replicas = cluster.isolate_master(master);
    tokio::time::sleep(Duration::from_millis(150)).await;
    cluster.kill(master);
    cluster.thaw(&replicas);
    let told = sale.await.unwrap();
    let told = std::mem::take(&mut *told.lock().unwrap());
    cluster.wait_ok(Duration::from_secs(30));
    assert_ne!(
        cluster.master_of("tg:{failover}:meta"),
        master,
        "the replica took over"
    );

    let audit = audit_confirmed(&app, "failover", &told).await;
    let lost = audit["violations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v.as_str().unwrap().contains("lost ticket"))
        .count();
    (lost, audit, told.tickets.len())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_failover_loses_no_confirmed_ticket_when_the_service_waits_for_a_replica() {
    let (lost, audit, confirmed) = sale_with_failover("1").await;
    eprintln!("failover with WAIT 1: {confirmed} confirmed, {lost} lost");
    assert_eq!(lost, 0, "{audit}");
    assert_eq!(audit["ok"], true, "{audit}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_failover_with_plain_replication_is_measured_and_any_loss_is_reported() {
    let (lost, audit, confirmed) = sale_with_failover("0").await;
    eprintln!("failover without WAIT: {confirmed} confirmed, {lost} lost");
    // Whatever was lost, the audit says so: it is ok exactly when nothing was.
    assert_eq!(audit["ok"] == true, lost == 0, "{audit}");
    // Apart from lost tickets the store is consistent: no double ticket, balanced pools.
    let other: Vec<&Value> = audit["violations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| !v.as_str().unwrap().contains("lost ticket"))
        .collect();
    assert!(other.is_empty(), "{other:?}");
}
