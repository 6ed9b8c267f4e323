//! The sale window's one precedence.
use super::*;

#[test]
fn the_sale_window_has_one_precedence() {
    let (opens, closes) = (Millis(1_000), Millis(2_000));
    let at = |status, now| sale_phase(status, opens, closes, Millis(now));
    // Closed by staff wins over everything, and time closes a paused sale.
    assert_eq!(at(SaleStatus::Closed, 500), Phase::Closed);
    assert_eq!(at(SaleStatus::Paused, 2_000), Phase::Closed);
    assert_eq!(at(SaleStatus::Open, 2_000), Phase::Closed);
    // Paused wins over not yet open.
    assert_eq!(at(SaleStatus::Paused, 500), Phase::Paused);
    assert_eq!(at(SaleStatus::Paused, 1_500), Phase::Paused);
    assert_eq!(at(SaleStatus::Open, 999), Phase::Upcoming);
    assert_eq!(at(SaleStatus::Open, 1_000), Phase::Open);
}
