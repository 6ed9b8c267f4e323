//! `ticketgrab verify-draw`: a faithful export verifies, and so does a v1
//! export; each forgery a forger could make by re-running the published
//! rules on edited inputs fails, and says why.

use std::process::Command;

use ticketgrab::domain::{MemberKey, MemberKeyer, PoolId};
use ticketgrab::lottery::draw::Entry;
use ticketgrab::lottery::export::Export;

use testkit::card;

fn show(p: &str) -> PoolId {
    PoolId::parse(p).unwrap()
}

fn entries() -> Vec<Entry> {
    let keyer = MemberKeyer::new(b"cli test");
    (0..50)
        .map(|n| Entry {
            member: keyer.key(&card(n)),
            choices: vec![
                show(if n % 2 == 0 { "show-1" } else { "show-2" }),
                show("show-3"),
            ],
            seats: 1 + (n % 2) as u8,
            earlier: None,
        })
        .collect()
}

fn stock() -> Vec<(PoolId, i64)> {
    vec![
        (show("show-1"), 10),
        (show("show-2"), 8),
        (show("show-3"), 7),
    ]
}

const SEED: [u8; 32] = [5u8; 32];
const PUBLIC: (&str, &str) = ("drand round 1", "ff00");

/// A draw made by the rules from these inputs: a forger's own export.
fn made(entries: &[Entry], stock: &[(PoolId, i64)]) -> Export {
    Export::new("theatre", &SEED, PUBLIC, 2, stock, entries)
}

/// Runs `ticketgrab verify-draw` on `export` (with `--closing` when given):
/// its exit code and everything it said.
fn verify(export: &Export, closing: Option<&str>) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export.json");
    std::fs::write(&path, serde_json::to_string_pretty(export).unwrap()).unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_ticketgrab"));
    command.arg("verify-draw").arg(&path);
    if let Some(c) = closing {
        command.args(["--closing", c]);
    }
    let out = command.output().unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code(), said)
}

#[test]
fn a_faithful_export_verifies_and_a_v1_export_still_does() {
    let export = made(&entries(), &stock());
    let kept = export.closing.as_ref().unwrap().digest.clone();
    let (code, said) = verify(&export, Some(&kept));
    assert_eq!(code, Some(0), "{said}");
    assert!(
        said.starts_with(
            "ok: the published draw of theatre is the one ticketgrab-draw-v2 gives (50 entries"
        ),
        "{said}"
    );
    assert!(
        said.contains("held to the closing digest kept from the close"),
        "{said}"
    );
    // Without a kept digest it verifies, and says what that leaves open.
    let (code, said) = verify(&export, None);
    assert_eq!(code, Some(0), "{said}");
    assert!(said.contains("not held to the close"), "{said}");

    let old = Export::new_v1("theatre", &SEED, PUBLIC, &stock(), &entries());
    assert_eq!(old.algorithm, "ticketgrab-draw-v1");
    let (code, said) = verify(&old, None);
    assert_eq!(code, Some(0), "{said}");
    assert!(said.contains("published no closing"), "{said}");
    // An edited public value breaks either.
    let mut forged = export;
    forged.public_value = "ff01".into();
    let (code, said) = verify(&forged, Some(&kept));
    assert_eq!(code, Some(1), "{said}");
    assert!(
        said.starts_with("error: the published draw of theatre is NOT"),
        "{said}"
    );
    assert!(said.contains("draw seed"), "{said}");
}

#[test]
fn every_forgery_made_by_rerunning_the_rules_is_refused_and_explained() {
    let honest = made(&entries(), &stock());
    let kept = honest.closing.as_ref().unwrap().digest.clone();
    let winner = |e: &Export| {
        let first = e.entries.iter().find(|x| x.won.is_some()).unwrap();
        MemberKey::from_stored(&first.member).unwrap()
    };
    let forgeries: Vec<(&str, Export, &str)> = vec![
        (
            "one member entered twice",
            {
                let mut twice = entries();
                twice.push(twice[3].clone());
                made(&twice, &stock())
            },
            "has 2 entries",
        ),
        (
            "a fake member key that wins",
            {
                let mut more = entries();
                more.push(Entry {
                    member: MemberKeyer::new(b"a forger").key(&card(999)),
                    choices: vec![show("show-1")],
                    seats: 1,
                    earlier: None,
                });
                made(&more, &stock())
            },
            "changed after the close",
        ),
        (
            "a real winner removed",
            {
                let gone = winner(&honest);
                let fewer: Vec<Entry> =
                    entries().into_iter().filter(|e| e.member != gone).collect();
                made(&fewer, &stock())
            },
            "changed after the close",
        ),
        (
            "an entry with 0 seats",
            {
                let mut zero = entries();
                zero[7].seats = 0;
                made(&zero, &stock())
            },
            "asks for 0 seats",
        ),
        (
            "a pool's stock raised by 50",
            {
                let mut more = stock();
                more[0].1 += 50;
                made(&entries(), &more)
            },
            "changed after the close",
        ),
    ];
    for (what, forged, words) in forgeries {
        let (code, said) = verify(&forged, Some(&kept));
        assert_eq!(code, Some(1), "{what} verified: {said}");
        assert!(said.contains(words), "{what}: {said}");
    }
    // Edited in the export but not in its closing: caught without a kept
    // digest too, and named.
    let mut raised = honest.clone();
    raised.stock[1].seats += 50;
    let (code, said) = verify(&raised, None);
    assert_eq!(code, Some(1), "{said}");
    assert!(
        said.contains("pool show-2 gives 58 seats; the closing published show-2 8"),
        "{said}"
    );
    let mut extra = honest;
    let mut copy = extra.entries[0].clone();
    copy.rank = extra.entries.len() as u32 + 1;
    extra.entries.push(copy);
    let (code, said) = verify(&extra, None);
    assert_eq!(code, Some(1), "{said}");
    assert!(said.contains("has 2 entries"), "{said}");
}
