//! The lottery's rules and records: round trips and validation.
use super::*;

#[test]
fn records_and_fields_round_trip() {
    let e = LotteryEntry {
        member: MemberKey::from_stored(&"cd".repeat(16)).unwrap(),
        choices: vec![PoolId::parse("s1").unwrap(), PoolId::parse("s3").unwrap()],
        seats: 2,
        card: MaskedCard::from_stored("6217 **** **** 1234").unwrap(),
        channel: Channel::Station,
        entered_at: Millis(1_700_000_000_000),
        rank: None,
        won: None,
    };
    let back = LotteryEntry::from_record(e.member.clone(), &e.to_record()).unwrap();
    assert_eq!(back, e);
    let drawn = LotteryEntry {
        rank: Some(17),
        won: Some(PoolId::parse("s3").unwrap()),
        ..e.clone()
    };
    assert_eq!(
        LotteryEntry::from_record(e.member.clone(), &drawn.to_record()).unwrap(),
        drawn
    );
    assert!(LotteryEntry::from_record(e.member, "s1|2").is_err());

    let l = Lottery::new(Millis(5), "drand round 9".into());
    let f = l.fields();
    let got = Lottery::from_fields(|k| f.iter().find(|(n, _)| *n == k).map(|(_, v)| v.as_str()));
    assert_eq!(got.unwrap(), Some(l));
    assert_eq!(Lottery::from_fields(|_| None).unwrap(), None);
    let s = DrawState {
        stock: vec![(PoolId::parse("a").unwrap(), 3)],
        ..DrawState::default()
    };
    assert_eq!(DrawState::parse_stock(&s.stock_text()).unwrap(), s.stock);
}

#[test]
fn the_draw_is_not_before_the_close() {
    let l = Lottery::new(Millis(5), "x".into());
    assert!(l.validate(Millis(0), Millis(5)).is_ok());
    assert!(l.validate(Millis(0), Millis(6)).is_err());
    assert!(
        Lottery::new(Millis(5), " ".into())
            .validate(Millis(0), Millis(1))
            .is_err()
    );
    // A fair window ends before the close, and is drawn after its grace.
    let f = Lottery::fair(Millis(1_000), 30_000);
    assert_eq!(f.draw_at, Millis(31_000 + FAIR_DRAW_GRACE_MS));
    assert!(f.validate(Millis(1_000), Millis(31_001)).is_ok());
    assert!(f.validate(Millis(1_000), Millis(31_000)).is_err());
    assert!(
        Lottery::fair(Millis(0), MAX_FAIR_WINDOW_MS + 1)
            .validate(Millis(0), Millis(i64::MAX / 2))
            .is_err()
    );
    let fields = f.fields();
    let back = Lottery::from_fields(|k| {
        fields
            .iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.as_str())
    });
    assert_eq!(back.unwrap(), Some(f));
    assert_eq!(l.waiting_cutoff(Some(Millis(9))), Millis(9));
    assert_eq!(l.waiting_cutoff(None), Millis(5 + WAITING_AFTER_DRAW_MS));
}
