//! The language of problem documents: `Accept-Language` decides (`zh…` or
//! `en…`, by q-value), else the route: Chinese for the member routes (the
//! 12351 app's), English for staff and operations. The `code` never changes;
//! only `title` and `detail` are said in the member's language (their Chinese
//! words are the outcome table's, src/domain/outcome.rs), and a Chinese
//! document keeps the English detail as `detail_en`.

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
}
