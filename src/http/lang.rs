//! The language of problem documents: `Accept-Language` decides (`zh…` or
//! `en…`, by q-value), else the route: Chinese for the member routes (the
//! 12351 app's), English for staff and operations. The `code` never changes;
//! only `title` and `detail` are said in the member's language, and a Chinese
//! document keeps the English detail as `detail_en`.

use std::borrow::Cow;

use serde_json::Value;

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

/// A problem's title and detail in Chinese, by its code; `extra` holds the
/// document's other members (the figures some details name). Borrowed where
/// fixed: every sold-out answer of a flood is written with these.
pub fn zh(code: &str, extra: &Value) -> (&'static str, Cow<'static, str>) {
    let n = |k: &str| extra[k].to_string();
    let (title, detail): (&str, Cow<'static, str>) = match code {
        "invalid_request" => ("请求有误", "请求内容有误，请检查后重试。".into()),
        "too_many_seats" => (
            "人数超限",
            format!("本活动每张票最多 {} 人。", n("max_seats")).into(),
        ),
        "bad_cutoff" => (
            "候补截止时间有误",
            "候补截止时间须在现在之后、活动结束之前。".into(),
        ),
        "unauthenticated" => ("未登录", "登录已失效，请回到工会App重新打开。".into()),
        "forbidden" => ("没有权限", "您的身份不能进行这项操作。".into()),
        "not_eligible" => ("不在参加范围", "本活动仅限指定工会的会员参加。".into()),
        "outside_org" => ("不在本工会范围", "该活动不属于本工会范围。".into()),
        "not_found" => ("找不到", "找不到该活动或票。".into()),
        "unknown_event" => ("没有这个活动", "没有这个活动。".into()),
        "method_not_allowed" => ("请求有误", "不支持这种请求方式。".into()),
        "sold_out" => ("已抢完", "票已抢完。".into()),
        "not_open" => ("未开始", "还没到开抢时间。".into()),
        "closed" => ("已结束", "活动已结束。".into()),
        "paused" => ("已暂停", "活动暂停中，请稍后再试。".into()),
        "already_redeemed" => ("已使用", "这张票已经使用过了。".into()),
        "cancelled" => ("已退票", "这张票已经退了。".into()),
        "no_show" => ("已释放", "这张票未按时使用，座位已释放。".into()),
        "not_paid" => ("未支付", "这张票还未支付。".into()),
        "hold_expired" => ("支付已超时", "支付时间已过，票已释放。".into()),
        "payment_mismatch" => (
            "金额不符",
            format!("支付金额与应付金额（{} 分）不符。", n("amount_due_fen")).into(),
        ),
        "payment_conflict" => ("支付编号重复", "该支付编号已用于另一笔支付。".into()),
        "already_waiting" => ("已在候补中", "您已在候补名单中。".into()),
        "already_holding" => ("已有票", "您已经有这个活动的票了，无需候补。".into()),
        "not_sold_out" => ("还有余票", "您选的票还有余票，请直接抢票。".into()),
        "below_zero" => (
            "余票不足",
            format!("只能撤回 {} 张未售出的票。", n("remaining")).into(),
        ),
        "above_limit" => ("超过上限", format!("单个票池最多 {} 张。", n("max")).into()),
        "exists" => ("活动编号已存在", "该活动编号已被使用。".into()),
        "lottery_sale" => (
            "抽签活动",
            "本活动为抽签，请在报名期内报名参加抽签。".into(),
        ),
        "not_lottery" => ("不是抽签活动", "本活动为抢票，不需要报名抽签。".into()),
        "draw_not_due" => (
            "还不能抽签",
            "报名尚未结束、未到抽签时间或尚未录入公开随机数。".into(),
        ),
        "public_value_set" => (
            "公开随机数已录入",
            "已录入另一个公开随机数，不能更改。".into(),
        ),
        "draw_running" => ("正在抽签", "正在抽签，请稍候再看结果。".into()),
        "not_drawn" => ("尚未抽签", "本活动还没有抽签。".into()),
        "payload_too_large" => ("请求过大", "请求内容太大。".into()),
        "rate_limited" => ("操作太频繁", "操作太频繁，请稍候再试。".into()),
        "overloaded" => ("系统繁忙", "人太多了，请稍候再试。".into()),
        "store_unavailable" => ("系统繁忙", "系统繁忙，请稍候再试。".into()),
        _ => ("出错了", "出错了，工作人员已收到提醒。".into()),
    };
    (title, detail)
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
    fn every_code_of_the_contract_has_chinese_words() {
        let extra =
            serde_json::json!({"max_seats": 2, "amount_due_fen": 500, "remaining": 3, "max": 9});
        for code in [
            "invalid_request",
            "too_many_seats",
            "bad_cutoff",
            "unauthenticated",
            "forbidden",
            "not_eligible",
            "outside_org",
            "not_found",
            "unknown_event",
            "method_not_allowed",
            "sold_out",
            "not_open",
            "closed",
            "paused",
            "already_redeemed",
            "cancelled",
            "no_show",
            "not_paid",
            "hold_expired",
            "payment_mismatch",
            "payment_conflict",
            "already_waiting",
            "already_holding",
            "not_sold_out",
            "below_zero",
            "above_limit",
            "exists",
            "lottery_sale",
            "not_lottery",
            "draw_not_due",
            "public_value_set",
            "draw_running",
            "not_drawn",
            "payload_too_large",
            "rate_limited",
            "overloaded",
            "store_unavailable",
        ] {
            let (title, detail) = zh(code, &extra);
            assert_ne!(title, "出错了", "{code} has no words of its own");
            assert!(!detail.is_ascii(), "{code}: {detail}");
        }
        assert!(zh("too_many_seats", &extra).1.contains("2 人"));
        assert!(zh("payment_mismatch", &extra).1.contains("500 分"));
    }
}
