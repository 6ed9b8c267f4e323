//! The language of problem documents: `Accept-Language` decides (`zh…` or
//! `en…`, by q-value), else the route: Chinese for the member routes (the
//! 12351 app's), English for staff and operations. The `code` never changes;
//! only `title` and `detail` are said in the member's language, and a Chinese
//! document keeps the English detail as `detail_en`.

use std::borrow::Cow;

use serde_json::Value;

use crate::domain::Outcome;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

/// The language for a request with this `Accept-Language` to this path.
pub fn negotiate(accept: Option<&str>, path: &str) -> Lang {
    let mut best: Option<(f32, Lang)> = None;
    for part in accept.unwrap_or_default().split(',') {
        let mut pieces = part.split(';');
        let tag = pieces
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        let q = pieces
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        let lang = if tag == "zh" || tag.starts_with("zh-") {
            Lang::Zh
        } else if tag == "en" || tag.starts_with("en-") {
            Lang::En
        } else {
            continue;
        };
        if q > 0.0 && best.is_none_or(|(b, _)| q > b) {
            best = Some((q, lang));
        }
    }
    match best {
        Some((_, lang)) => lang,
        None if path.starts_with("/api/v1/events") || path.starts_with("/api/v1/me/") => Lang::Zh,
        None => Lang::En,
    }
}

/// A problem's title and detail in Chinese, by its code, from the outcome
/// table (src/domain/outcome.rs); `extra` holds the document's other members
/// (the figures some details name). Borrowed where fixed: every sold-out
/// answer of a flood is written with these.
pub fn zh(code: &str, extra: &Value) -> (&'static str, Cow<'static, str>) {
    let outcome = Outcome::from_code(code).unwrap_or(Outcome::Internal);
    let detail = outcome.detail_zh(|name| extra[name].to_string());
    (outcome.row().title_zh, detail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_header_decides_by_q_value_and_the_route_when_it_does_not() {
        let member = "/api/v1/events/park/reservations";
        let staff = "/api/v1/admin/events";
        assert_eq!(negotiate(None, member), Lang::Zh);
        assert_eq!(negotiate(None, staff), Lang::En);
        assert_eq!(negotiate(Some("zh-CN,zh;q=0.9"), staff), Lang::Zh);
        assert_eq!(negotiate(Some("en-US,en;q=0.9"), member), Lang::En);
        assert_eq!(negotiate(Some("zh;q=0.5, en;q=0.8"), member), Lang::En);
        assert_eq!(negotiate(Some("en;q=0, zh-TW"), staff), Lang::Zh);
        assert_eq!(negotiate(Some("fr-FR, de"), member), Lang::Zh);
        assert_eq!(negotiate(Some("zhx, eng"), staff), Lang::En);
    }

    #[test]
    fn details_name_the_figures_of_the_document() {
        let extra =
            serde_json::json!({"max_seats": 2, "amount_due_fen": 500, "remaining": 3, "max": 9});
        assert!(zh("too_many_seats", &extra).1.contains("2 人"));
        assert!(zh("payment_mismatch", &extra).1.contains("500 分"));
        assert!(zh("below_zero", &extra).1.contains("3 张"));
        assert_eq!(zh("nonsense", &extra).0, "出错了");
    }
}
