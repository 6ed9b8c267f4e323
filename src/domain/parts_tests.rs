//! Tests of domain/parts.rs.
use super::*;

fn share(g: &str, seats: i64, at: i64) -> Kept {
    Kept {
        rule: KeptFor::Group(Group::parse(g).unwrap()),
        seats,
        release_at: Millis(at),
    }
}

fn allotment(o: &str, seats: i64, at: i64) -> Kept {
    Kept {
        rule: KeptFor::Org(OrgPath::parse(o).unwrap()),
        seats,
        release_at: Millis(at),
    }
}

fn org(s: &str) -> OrgPath {
    OrgPath::parse(s).unwrap()
}

#[test]
fn a_member_tries_their_shares_then_their_union_s_allotment() {
    let parts = [
        allotment("bj/chaoyang", 10, 500),
        share("hardship", 5, 900),
        allotment("bj/haidian", 10, 500),
        share("model_worker", 5, 300),
    ];
    let both = [
        Group::parse("hardship").unwrap(),
        Group::parse("model_worker").unwrap(),
    ];
    let jianwai = org("bj/chaoyang/jianwai");
    assert_eq!(
        candidates(&parts, Some(&jianwai), &both, Millis(100)),
        [1, 3, 0]
    );
    // Released parts are nobody's.
    assert_eq!(
        candidates(&parts, Some(&jianwai), &both, Millis(400)),
        [1, 0]
    );
    assert_eq!(candidates(&parts, Some(&jianwai), &both, Millis(600)), [1]);
    // A station's walk-up the register does not know: public only.
    assert!(candidates(&parts, None, &[], Millis(100)).is_empty());
    assert_eq!(Kept::name(&parts, 0), "a1");
    assert_eq!(Kept::name(&parts, 2), "a2");
    assert_eq!(Kept::name(&parts, 3), "s2");
    let meta = Kept::to_meta(&parts);
    assert_eq!(
        meta,
        "o,bj/chaoyang,10,500;g,hardship,5,900;o,bj/haidian,10,500;g,model_worker,5,300"
    );
    assert_eq!(Kept::from_meta(&meta).unwrap(), parts);
    assert!(Kept::from_meta("x,hardship,5,1").is_err());
}

#[test]
fn parts_are_checked_at_creation() {
    let city = org("bj");
    let check = |parts: &[Kept]| check_kept("p", parts, 100, &city, Millis(10), Millis(1000));
    check(&[
        share("hardship", 50, 500),
        allotment("bj/chaoyang", 50, 500),
    ])
    .unwrap();
    assert!(
        check(&[
            share("hardship", 51, 500),
            allotment("bj/chaoyang", 50, 500)
        ])
        .is_err()
    );
    assert!(check(&[share("hardship", 0, 500)]).is_err());
    assert!(
        check(&[share("hardship", 5, 10)]).is_err(),
        "released at the opening"
    );
    assert!(
        check(&[share("hardship", 5, 1001)]).is_err(),
        "after the close"
    );
    assert!(check(&[share("hardship", 5, 500), share("hardship", 5, 600)]).is_err());
    assert!(
        check(&[
            allotment("bj/chaoyang", 5, 500),
            allotment("bj/chaoyang/x", 5, 500)
        ])
        .is_err()
    );
    let chaoyang = org("bj/chaoyang");
    let outside = check_kept(
        "p",
        &[allotment("bj/haidian", 5, 500)],
        100,
        &chaoyang,
        Millis(10),
        Millis(1000),
    );
    assert!(outside.is_err());
}
