//! The member register on every store: an import sets, replaces and removes
//! entries, reports refused lines without their numbers, is idempotent, and
//! is written a chunk at a time (the durable store rebuilt from its journal
//! after every call keeps it).

use ticketgrab::domain::{REGISTER_CHUNK, with_check_digit};

use super::Harness;
use testkit::card;

conformance!(
    an_import_sets_replaces_and_removes_entries,
    a_large_import_is_written_a_chunk_at_a_time,
    a_bad_header_changes_nothing,
);

mod cases {
    use super::*;

    fn digits(n: u64) -> String {
        card(n).digits().to_owned()
    }

    pub async fn an_import_sets_replaces_and_removes_entries(h: Harness) {
        let bad = with_check_digit("621700000000009") + "1";
        let csv = format!(
            "card,org,groups\n{},bj/chaoyang/jianwai,hardship;model_worker\n{},bj/dongcheng,\n\n{bad},bj,\n{},bj/haidian,Bad\n{},bj/xicheng,\n",
            digits(1),
            digits(2),
            digits(3),
            digits(2),
        );
        let report = h.engine.import_register(&csv).await.unwrap();
        assert_eq!((report.rows, report.set, report.added), (5, 3, 2));
        assert_eq!((report.refused, report.members), (2, 2));
        let lines: Vec<u64> = report.errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [5, 6]);
        assert_eq!(report.errors[0].card, None, "never the number as given");
        assert_eq!(report.errors[1].card, Some(card(3).masked()));
        let one = h.engine.registered(&card(1)).await.unwrap().unwrap();
        assert_eq!(one.to_stored(), "bj/chaoyang/jianwai|hardship;model_worker");
        // A card named twice takes the later row.
        let two = h.engine.registered(&card(2)).await.unwrap().unwrap();
        assert_eq!(two.to_stored(), "bj/xicheng");
        assert_eq!(h.engine.registered(&card(3)).await.unwrap(), None);

        // Again: the same register, nothing added.
        let again = h.engine.import_register(&csv).await.unwrap();
        assert_eq!((again.added, again.removed, again.members), (0, 0, 2));
        // An empty org takes a card out; a card not named keeps its entry.
        let out = format!("card,org,groups\n{},,\n{},,\n", digits(2), digits(9));
        let report = h.engine.import_register(&out).await.unwrap();
        assert_eq!((report.removed, report.members), (1, 1));
        assert_eq!(h.engine.registered(&card(2)).await.unwrap(), None);
        assert!(h.engine.registered(&card(1)).await.unwrap().is_some());
        assert_eq!(h.engine.register_len().await.unwrap(), 1);
    }

    pub async fn a_large_import_is_written_a_chunk_at_a_time(h: Harness) {
        let n = 2 * REGISTER_CHUNK as u64 + 17;
        let mut csv = String::from("card,org,groups\n");
        for i in 0..n {
            let org = ["bj/chaoyang", "bj/haidian", "bj/dongcheng/longtan"][i as usize % 3];
            let groups = if i % 10 == 0 { "hardship" } else { "" };
            csv.push_str(&format!("{},{org},{groups}\n", digits(1000 + i)));
        }
        let report = h.engine.import_register(&csv).await.unwrap();
        assert_eq!((report.rows, report.added, report.refused), (n, n, 0));
        assert_eq!(h.engine.register_len().await.unwrap(), n);
        for i in [0, REGISTER_CHUNK as u64, n - 1] {
            let entry = h.engine.registered(&card(1000 + i)).await.unwrap().unwrap();
            assert_eq!(
                entry.org.as_str(),
                ["bj/chaoyang", "bj/haidian", "bj/dongcheng/longtan"][i as usize % 3]
            );
            assert_eq!(entry.groups.len(), usize::from(i % 10 == 0));
        }
    }

    pub async fn a_bad_header_changes_nothing(h: Harness) {
        let csv = format!("card,org\n{},bj,\n", digits(1));
        let e = h.engine.import_register(&csv).await.unwrap_err();
        assert_eq!(e.code(), "invalid_request");
        assert_eq!(h.engine.register_len().await.unwrap(), 0);
        let e = h.engine.import_register("").await.unwrap_err();
        assert_eq!(e.code(), "invalid_request");
    }
}
