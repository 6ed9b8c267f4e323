//! Why a request is invalid, in Chinese: the problem document's `detail`
//! of `invalid_request` names the reason in the request's language (the
//! reasons are written in English where they are found; the ones a person
//! meets at a counter or in the dashboard are here).

/// The Chinese words of an English reason, when known.
pub fn reason_zh(en: &str) -> Option<String> {
    const EXACT: &[(&str, &str)] = &[
        (
            "card number fails its check digit",
            "卡号校验位不对，请核对卡号（京卡卡号末位是校验位）。",
        ),
        (
            "card number must have 16 to 19 digits",
            "卡号应为16至19位数字。",
        ),
        (
            "card number may hold only digits, spaces and hyphens",
            "卡号只能包含数字、空格和连字符。",
        ),
        (
            "opens_at must be before closes_at",
            "开始时间必须早于结束时间。",
        ),
        ("price_fen must not be negative", "价格不能为负数。"),
        ("a payment hold lasts at most a day", "支付时限最长一天。"),
        (
            "a free sale has nothing to pay: no payment hold",
            "免费活动无需支付，不能设置支付时限。",
        ),
        ("a pool is listed twice in choices", "同一票种选了两次。"),
        ("org path has at most 3 levels", "工会范围最多三级。"),
        (
            "the body is not valid JSON",
            "请求内容不是有效的 JSON，请检查后重试。",
        ),
        // The member register's import (a line's reason, or the file's).
        (
            "the register's first line must be the header card,org,groups",
            "名册第一行必须是表头 card,org,groups。",
        ),
        (
            "the register is sent as text/csv",
            "名册须以 text/csv 格式上传。",
        ),
        (
            "the register must be UTF-8 text",
            "名册须为 UTF-8 编码的文本。",
        ),
        (
            "more than three fields (card,org,groups)",
            "字段多于三个（应为 card,org,groups）。",
        ),
        ("groups without an org", "有组别但没有工会。"),
        (
            "a group is a lowercase letter, then lowercase letters, digits or _, at most 32",
            "组别以小写字母开头，只含小写字母、数字和下划线，最多32个字符。",
        ),
        (
            "a member is in at most 8 groups",
            "一名会员最多属于8个组别。",
        ),
        (
            "org path segment must be 1 to 32 characters of a-z, 0-9, '-' or '_'",
            "工会路径每一级为1至32个字符（a-z、0-9、-、_）。",
        ),
    ];
    if let Some((_, zh)) = EXACT.iter().find(|(e, _)| *e == en) {
        return Some((*zh).to_owned());
    }
    let tail = |prefix: &str| en.strip_prefix(prefix);
    if let Some(rest) = tail("price_fen must be at most ") {
        return Some(format!("价格最高 {rest} 分。"));
    }
    if let Some(rest) = tail("choose 1 to ") {
        return Some(format!(
            "请选择1至{} 个票种。",
            rest.trim_end_matches(" pools")
        ));
    }
    if let Some(rest) = en
        .strip_suffix(" appears twice")
        .and_then(|r| r.strip_prefix("pool "))
    {
        return Some(format!("票种 {rest} 重复。"));
    }
    if let Some((field, range)) = en.split_once(" must be 1 to ") {
        return Some(format!("{field} 应为 1 至 {range}。"));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_reasons_have_chinese_words_and_others_none() {
        assert_eq!(
            reason_zh("card number fails its check digit").unwrap(),
            "卡号校验位不对，请核对卡号（京卡卡号末位是校验位）。"
        );
        assert_eq!(
            reason_zh("seats must be 1 to 6").unwrap(),
            "seats 应为 1 至 6。"
        );
        assert_eq!(
            reason_zh("pool p1 appears twice").unwrap(),
            "票种 p1 重复。"
        );
        assert!(reason_zh("something new").is_none());
    }
}
