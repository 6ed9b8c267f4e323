//! The export's tests: faithful exports verify, tampering is named.
use super::*;
use crate::domain::{CardNumber, MemberKeyer, with_check_digit};

fn export() -> Export {
    let keyer = MemberKeyer::new(b"export tests");
    let pool = |p: &str| PoolId::parse(p).unwrap();
    let entries: Vec<Entry> = (0..30u64)
        .map(|n| Entry {
            member: keyer.key(
                &CardNumber::parse(&with_check_digit(&format!("621700000000{n:06}"))).unwrap(),
            ),
            choices: if n % 3 == 0 {
                vec![pool("show-1"), pool("show-2")]
            } else {
                vec![pool("show-2")]
            },
            seats: 1 + (n % 2) as u8,
            earlier: None,
        })
        .collect();
    Export::new(
        "theatre",
        &[9u8; 32],
        ("drand round 5000000", "a1b2c3"),
        2,
        &[(pool("show-1"), 6), (pool("show-2"), 8)],
        &entries,
    )
}

#[test]
fn a_faithful_export_verifies_also_after_a_round_trip_through_json() {
    let e = export();
    assert!(verify(&e, None).is_ok());
    let back: Export = serde_json::from_str(&serde_json::to_string(&e).unwrap()).unwrap();
    assert!(verify(&back, None).is_ok());
    assert!(e.entries.iter().any(|x| x.won.is_some()));
    assert!(e.entries.iter().any(|x| x.waiting.is_some()));
}

/// A `fewer_wins_first` program's draw (v3): fewest earlier tickets
/// first, the HMAC rank within a tier; it verifies, and a changed tier
/// is caught.
#[test]
fn a_tiered_draw_ranks_fewer_wins_first_and_verifies() {
    let mut e = export();
    let entries: Vec<Entry> = e
        .entries
        .iter()
        .enumerate()
        .map(|(i, x)| Entry {
            member: MemberKey::from_stored(&x.member).unwrap(),
            choices: x
                .choices
                .iter()
                .map(|c| PoolId::parse(c).unwrap())
                .collect(),
            seats: x.seats,
            earlier: Some((i % 3) as u32),
        })
        .collect();
    let pool = |p: &str| PoolId::parse(p).unwrap();
    let v3 = Export::new(
        "theatre",
        &[9u8; 32],
        ("drand round 5000000", "a1b2c3"),
        2,
        &[(pool("show-1"), 6), (pool("show-2"), 8)],
        &entries,
    );
    assert_eq!(v3.algorithm, ALGORITHM_V3);
    assert_eq!(
        v3.closing.as_ref().unwrap().order.as_deref(),
        Some("fewer_wins_first")
    );
    let tiers: Vec<u32> = v3.entries.iter().map(|x| x.earlier.unwrap()).collect();
    assert!(tiers.windows(2).all(|w| w[0] <= w[1]), "{tiers:?}");
    let kept = v3.closing.as_ref().unwrap().digest.clone();
    assert!(
        verify(&v3, Some(&kept)).is_ok(),
        "{:?}",
        verify(&v3, Some(&kept))
    );
    let back: Export = serde_json::from_str(&serde_json::to_string(&v3).unwrap()).unwrap();
    assert!(verify(&back, Some(&kept)).is_ok());
    // A member moved to a better tier after the close: caught.
    let mut forged = v3;
    let last = forged.entries.len() - 1;
    forged.entries[last].earlier = Some(0);
    let found = verify(&forged, Some(&kept)).unwrap_err();
    assert!(found.iter().any(|f| f.contains("digest")), "{found:?}");
    // A v2 export stays v2 and still verifies.
    e.entries.sort_by_key(|x| x.rank);
    assert!(verify(&e, None).is_ok());
    assert_eq!(e.algorithm, ALGORITHM);
}

#[test]
fn any_tampering_is_found_and_named() {
    let check = |change: &dyn Fn(&mut Export), words: &str| {
        let mut e = export();
        change(&mut e);
        let found = verify(&e, None).unwrap_err();
        assert!(
            found.iter().any(|f| f.contains(words)),
            "{words}: {found:?}"
        );
    };
    check(&|e| e.seed = hex::encode([1u8; 32]), "commitment");
    check(&|e| e.public_value.push('0'), "draw seed");
    check(&|e| e.entries_digest = hex::encode([0u8; 32]), "digest");
    // A winner swapped for a loser, the ranks kept.
    check(
        &|e| {
            let loser = e.entries.iter().position(|x| x.waiting.is_some()).unwrap();
            let (a, b) = (e.entries[0].clone(), e.entries[loser].clone());
            e.entries[0].won = b.won.clone();
            e.entries[0].waiting = b.waiting;
            e.entries[loser].won = a.won;
            e.entries[loser].waiting = a.waiting;
        },
        "rank 1",
    );
    // An entry left out changes the digest, and so every rank.
    check(
        &|e| {
            e.entries.pop();
        },
        "draw seed",
    );
    check(&|e| e.algorithm = "v0".into(), "algorithm");
}
