//! Archiving a finished sale (issue 32): the file holds it whole and
//! verifies, the live state leaves the store, archiving again changes
//! nothing, and an archiving cut short at any step finishes when run again.

use std::time::Duration;

use testkit::{event_between, event_id};
use ticketgrab::domain::{Error, Millis};

use super::Harness;

/// A sale open for `ms` more, with pool p of 40: cards 0..30 grab, every
/// third of them gives the ticket back.
async fn short_sale(h: &Harness, id: &str, ms: i64) {
    let now = Millis::now().0;
    h.store
        .create_event(&event_between(
            id,
            &[("p", 40)],
            Millis(now - 1_000),
            Millis(now + ms),
        ))
        .await
        .unwrap();
    for n in 0..30 {
        let got = super::grab_one(&h.engine, id, n, "bj/x")
            .await
            .unwrap()
            .reservation;
        if n % 3 == 0 {
            h.engine
                .cancel(&got.event, &got.member, &got.code)
                .await
                .unwrap();
        }
    }
}

async fn wait_until_closed(ms: u64) {
    tokio::time::sleep(Duration::from_millis(ms)).await;
}

async fn archive_round_trip(h: Harness) {
    let dir = tempfile::tempdir().unwrap();
    short_sale(&h, "done", 1_500).await;
    let early = h.engine.archive(&event_id("done"), dir.path(), 0).await;
    assert!(matches!(early, Err(Error::NotArchivable(_))), "{early:?}");
    wait_until_closed(1_600).await;
    let before = h.engine.snapshot(&event_id("done")).await.unwrap();
    let header = h
        .engine
        .archive(&event_id("done"), dir.path(), 0)
        .await
        .unwrap();
    assert_eq!(header.summary.tickets, 20);
    assert_eq!(header.summary.members, 20);
    assert_eq!(header.entries, before.log.len() as u64);
    let path = ticketgrab::archive::path_of(dir.path(), &event_id("done"));
    assert_eq!(ticketgrab::archive::verify(&path), Ok("done".to_owned()));
    // The live state is gone, and the index with it.
    assert_eq!(
        h.store.event(&event_id("done")).await.err(),
        Some(Error::UnknownEvent)
    );
    assert!(
        !h.store
            .event_ids()
            .await
            .unwrap()
            .contains(&event_id("done"))
    );
    // Archiving again answers the same and changes nothing.
    let again = h
        .engine
        .archive(&event_id("done"), dir.path(), 0)
        .await
        .unwrap();
    assert_eq!(again, header);
    // A byte changed in the file is found.
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replacen("\"reserved\"", "\"cancelled\"", 1)).unwrap();
    let found = ticketgrab::archive::verify(&path).unwrap_err();
    assert!(found.iter().any(|p| p.contains("digest")), "{found:?}");
}

/// After the retention period an archive keeps counts only: no log, no
/// member keys; it still verifies, and the year's summary counts it.
#[tokio::test]
async fn the_retention_takes_the_members_out_of_old_archives() {
    let h = super::memory();
    let dir = tempfile::tempdir().unwrap();
    short_sale(&h, "old", 300).await;
    wait_until_closed(400).await;
    let header = h
        .engine
        .archive(&event_id("old"), dir.path(), 0)
        .await
        .unwrap();
    let year = ticketgrab::archive::beijing_year(header.last_show);
    let everything = |_: &ticketgrab::archive::Header| true;
    let before = ticketgrab::archive::year_summary(dir.path(), year, &everything).unwrap();
    assert_eq!(
        (before.members_reached, before.members_in_pruned_sales),
        (20, 0)
    );
    let now = Millis::now();
    assert!(
        ticketgrab::archive::prune(dir.path(), 365, now)
            .unwrap()
            .is_empty()
    );
    let later = Millis(now.0 + 366 * 86_400_000);
    assert_eq!(
        ticketgrab::archive::prune(dir.path(), 365, later).unwrap(),
        ["old"]
    );
    let path = ticketgrab::archive::path_of(dir.path(), &event_id("old"));
    let pruned = ticketgrab::archive::read(&path, true).unwrap();
    assert_eq!((pruned.header.entries, pruned.log.len()), (0, 0));
    assert_eq!(pruned.header.summary, header.summary);
    let text = std::fs::read_to_string(&path).unwrap();
    let member = h.engine.member(&testkit::card(1)).key;
    assert!(!text.contains(member.as_str()), "no member key is left");
    assert_eq!(ticketgrab::archive::verify(&path), Ok("old".to_owned()));
    let after = ticketgrab::archive::year_summary(dir.path(), year, &everything).unwrap();
    assert_eq!(
        (after.members_reached, after.members_in_pruned_sales),
        (0, 20)
    );
    assert_eq!(after.tickets, before.tickets);
}

#[tokio::test]
async fn archive_round_trip_on_memory() {
    archive_round_trip(super::memory()).await;
}

#[tokio::test]
async fn archive_round_trip_on_redis() {
    archive_round_trip(super::redis()).await;
}

#[tokio::test]
async fn archive_round_trip_on_cluster() {
    archive_round_trip(super::cluster()).await;
}

/// Cut short after the file was written (the sale still in the store, and
/// changed since), then after the keys went but before the index forgot
/// the sale: each time, archiving again finishes, and the file holds the
/// sale as it was removed.
#[tokio::test]
async fn an_interrupted_archiving_finishes_when_run_again_on_redis() {
    let h = super::redis();
    let dir = tempfile::tempdir().unwrap();
    short_sale(&h, "cut", 800).await;
    wait_until_closed(900).await;
    let path = ticketgrab::archive::path_of(dir.path(), &event_id("cut"));
    // 1. Written, not removed; then a member gives a ticket back.
    let first = h
        .engine
        .write_archive(&event_id("cut"), dir.path())
        .await
        .unwrap();
    assert_eq!(first.summary.tickets, 20);
    let mine = h.engine.member(&testkit::card(1));
    let r = h
        .engine
        .reservation(
            &event_id("cut"),
            &ticketgrab::store::Find::Member(mine.key.clone()),
        )
        .await
        .unwrap();
    h.engine.cancel(&r.event, &r.member, &r.code).await.unwrap();
    let header = h
        .engine
        .archive(&event_id("cut"), dir.path(), 0)
        .await
        .unwrap();
    assert_eq!(
        header.summary.tickets, 19,
        "the file was written again, with the cancel"
    );
    assert_eq!(ticketgrab::archive::verify(&path), Ok("cut".to_owned()));
    // 2. The keys gone, the index not: put it back as a crash would leave it.
    let client = redis::Client::open(h.redis.as_ref().unwrap().url()).unwrap();
    let mut con = client.get_multiplexed_async_connection().await.unwrap();
    let () = redis::cmd("SADD")
        .arg("tg:events")
        .arg("cut")
        .query_async(&mut con)
        .await
        .map(|_: i64| ())
        .unwrap();
    assert!(
        h.store
            .event_ids()
            .await
            .unwrap()
            .contains(&event_id("cut"))
    );
    let again = h
        .engine
        .archive(&event_id("cut"), dir.path(), 0)
        .await
        .unwrap();
    assert_eq!(again, header);
    assert!(
        !h.store
            .event_ids()
            .await
            .unwrap()
            .contains(&event_id("cut"))
    );
}

/// The embedded store forgets an archived sale for good: reopened from its
/// journal (as after kill -9), the sale is not there.
#[tokio::test]
async fn an_archived_sale_stays_gone_after_the_embedded_store_restarts() {
    let data = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    {
        let store: std::sync::Arc<dyn ticketgrab::store::Store> =
            std::sync::Arc::new(ticketgrab::store::MemoryStore::open(data.path()).unwrap());
        let h = Harness::new(store, None, None);
        short_sale(&h, "kept", 600).await;
        short_sale(&h, "gone", 600).await;
        wait_until_closed(700).await;
        h.engine
            .archive(&event_id("gone"), dir.path(), 0)
            .await
            .unwrap();
    }
    let store = ticketgrab::store::MemoryStore::open(data.path()).unwrap();
    use ticketgrab::store::Store;
    assert_eq!(store.event_ids().await.unwrap(), vec![event_id("kept")]);
    assert_eq!(
        store.event(&event_id("gone")).await.err(),
        Some(Error::UnknownEvent)
    );
}
