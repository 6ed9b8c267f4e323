//! The one table of outcomes: every word an answer can carry, with its HTTP
//! status, the problem code the contract shows for it, and its words for a
//! person in Chinese (title and detail) and in English (what the pages say).
//!
//! Everything else reads this table: [`super::Error`] names its outcome, the
//! Redis reply parser turns a script's tag back into an outcome, the problem
//! documents take status, code and Chinese words from it, the metrics label
//! by its code, and the pages load it from the server (`/assets/outcomes.js`).
//! A new outcome is one row here; the compiler then asks each `match` over
//! [`Outcome`] for it, and tests check the scripts, the pages and docs/API.md.

use std::borrow::Cow;

/// One row of the table.
#[derive(Debug)]
pub struct Row {
    /// The outcome's one word: a script's reply tag, the metrics' `outcome`
    /// label, the word in the logs.
    pub code: &'static str,
    /// The HTTP status of its problem document.
    pub status: u16,
    /// The outcome the contract answers with: itself, or the coarser one it
    /// folds into (an unknown event is `not_found`, like a missing ticket).
    pub problem: Outcome,
    /// Chinese title of the problem document.
    pub title_zh: &'static str,
    /// Chinese detail; `{name}` is filled from the document's member `name`.
    pub detail_zh: &'static str,
    /// English words for a person (the pages; the problem document's own
    /// English `detail` is more exact, from the error itself).
    pub en: &'static str,
}

macro_rules! outcomes {
    ($($name:ident => $code:literal, $status:literal, $problem:ident,
        $title:literal, $zh:literal, $en:literal;)*) => {
        /// An outcome of a request: see the module doc.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Outcome { $($name),* }

        impl Outcome {
            /// Every outcome, in the table's order.
            pub const ALL: &'static [Outcome] = &[$(Outcome::$name),*];

            /// The outcome's row.
            pub const fn row(self) -> &'static Row {
                match self {
                    $(Outcome::$name => &Row {
                        code: $code,
                        status: $status,
                        problem: Outcome::$problem,
                        title_zh: $title,
                        detail_zh: $zh,
                        en: $en,
                    },)*
                }
            }

            /// The outcome with this word, if any.
            pub fn from_code(code: &str) -> Option<Outcome> {
                match code {
                    $($code => Some(Outcome::$name),)*
                    _ => None,
                }
            }
        }
    };
}

outcomes! {
    // name => code, status, problem it folds into,
    //         Chinese title, Chinese detail, English words;
    InvalidRequest => "invalid_request", 400, InvalidRequest,
        "请求有误", "请求内容有误，请检查后重试。", "Something is wrong with the request.";
    UnknownEvent => "unknown_event", 404, NotFound,
        "没有这个活动", "没有这个活动。", "No such sale.";
    UnknownPool => "unknown_pool", 400, InvalidRequest,
        "没有这个票池", "本活动没有这个票池。", "The sale has no such pool.";
    NotFound => "not_found", 404, NotFound,
        "找不到", "找不到该活动或票。", "No such sale or ticket.";
    NotEligible => "not_eligible", 403, NotEligible,
        "不在参加范围", "本活动仅限指定工会的会员参加。", "This sale is for members of another union.";
    TooManySeats => "too_many_seats", 400, TooManySeats,
        "人数超限", "本活动每张票最多 {max_seats} 人。", "More seats than this sale allows on one ticket.";
    SoldOut => "sold_out", 409, SoldOut,
        "已抢完", "票已抢完。", "Sold out.";
    NotOpen => "not_open", 409, NotOpen,
        "未开始", "还没到开抢时间。", "The sale has not opened yet.";
    Closed => "closed", 409, Closed,
        "已结束", "活动已结束。", "The sale is closed.";
    Paused => "paused", 409, Paused,
        "已暂停", "活动暂停中，请稍后再试。", "The sale is paused; try again shortly.";
    AlreadyRedeemed => "already_redeemed", 409, AlreadyRedeemed,
        "已使用", "这张票已经使用过了。", "This ticket was already used.";
    Cancelled => "cancelled", 409, Cancelled,
        "已退票", "这张票已经退了。", "This ticket was given back.";
    NotPaid => "not_paid", 409, NotPaid,
        "未支付", "这张票还未支付。", "This ticket is not paid yet.";
    NoShow => "no_show", 409, NoShow,
        "已释放", "这张票未按时使用，座位已释放。",
        "This ticket was not used in time; its seats were released.";
    HoldExpired => "hold_expired", 409, HoldExpired,
        "支付已超时", "支付时间已过，票已释放。",
        "The time to pay ran out; the ticket was released.";
    PaymentMismatch => "payment_mismatch", 409, PaymentMismatch,
        "金额不符", "支付金额与应付金额（{amount_due_fen} 分）不符。",
        "The amount paid is not the amount due.";
    PaymentConflict => "payment_conflict", 409, PaymentConflict,
        "支付编号重复", "该支付编号已用于另一笔支付。", "This payment id was used for another payment.";
    AlreadyHolding => "already_holding", 409, AlreadyHolding,
        "已有票", "您已经有这个活动的票了，无需候补。",
        "You hold a ticket for this sale: no need to wait.";
    AlreadyWaiting => "already_waiting", 409, AlreadyWaiting,
        "已在候补中", "您已在候补名单中。", "You are on the waiting list already.";
    NotSoldOut => "not_sold_out", 409, NotSoldOut,
        "还有余票", "您选的票还有余票，请直接抢票。", "Seats are left in what you chose: grab them.";
    BadCutoff => "bad_cutoff", 400, BadCutoff,
        "候补截止时间有误", "候补截止时间须在现在之后、活动结束之前。",
        "The cutoff must be after now and no later than the sale's close.";
    BelowZero => "below_zero", 409, BelowZero,
        "余票不足", "只能撤回 {remaining} 张未售出的票。", "Not that many unsold tickets to withdraw.";
    AboveLimit => "above_limit", 409, AboveLimit,
        "超过上限", "单个票池最多 {max} 张。", "A pool cannot hold that many tickets.";
    Exists => "exists", 409, Exists,
        "活动编号已存在", "该活动编号已被使用。", "An event with this id exists.";
    ProgramCap => "program_cap", 409, ProgramCap,
        "本年度名额已满", "本项目每人最多 {cap} 张，您已获（或报名占用）{held} 张；报名抽签期间占用一个名额，可取消报名。",
        "You reached this program's limit of tickets (a lottery entry holds a place until its draw; you may withdraw it).";
    UnknownProgram => "unknown_program", 404, NotFound,
        "没有这个项目", "没有这个普惠项目。", "No such program.";
    ProgramExists => "program_exists", 409, ProgramExists,
        "项目编号已存在", "该项目编号已被使用。", "A program with this id exists.";
    LotterySale => "lottery_sale", 409, LotterySale,
        "抽签活动", "本活动为抽签，请在报名期内报名参加抽签。", "This sale is a lottery: enter the draw.";
    NotLottery => "not_lottery", 409, NotLottery,
        "不是抽签活动", "本活动为抢票，不需要报名抽签。", "This sale is not a lottery.";
    DrawNotDue => "draw_not_due", 409, DrawNotDue,
        "还不能抽签", "报名尚未结束、未到抽签时间或尚未录入公开随机数。",
        "Not yet: registration is open, the draw is not due, or the public value is missing.";
    PublicValueSet => "public_value_set", 409, PublicValueSet,
        "公开随机数已录入", "已录入另一个公开随机数，不能更改。",
        "Another public value was entered already.";
    DrawPending => "draw_pending", 503, DrawPending,
        "正在统一抽取", "开抢后前几秒的登记正在统一抽取，请稍候再试；抽取后余票先到先得。",
        "The opening seconds' registrations are being drawn; try again in a moment (what is left then sells first come).";
    DrawRunning => "draw_running", 409, DrawRunning,
        "正在抽签", "正在抽签，请稍候再看结果。", "The draw is running; wait a moment.";
    StockFixed => "stock_fixed", 409, StockFixed,
        "票数已公布", "抽签报名已截止，各场次票数已随报名结果公布，抽签结果公布前不能增减。",
        "A lottery's stock is fixed from the close of registration until its draw is published.";
    PartReleased => "part_released", 409, PartReleased,
        "预留名额已释放", "这部分预留名额已到释放时间，座位已归入公共票。",
        "This share or allotment was released: its seats are everyone's.";
    NotDrawn => "not_drawn", 409, NotDrawn,
        "尚未抽签", "本活动还没有抽签。", "Not drawn yet.";
    NotArchivable => "not_archivable", 409, NotArchivable,
        "暂不能归档", "活动尚未结束足够久，或仍有待支付的票、仍有效的候补。",
        "Not yet: the last show is too recent, or a hold or a waiting entry is still in force.";
    // A code collision four times running is as good as a store that does
    // not answer: retry.
    CodeTaken => "code_taken", 503, StoreUnavailable,
        "系统繁忙", "系统繁忙，请稍候再试。", "Busy; wait a moment.";
    StoreUnavailable => "store_unavailable", 503, StoreUnavailable,
        "系统繁忙", "系统繁忙，请稍候再试。", "Busy; wait a moment.";
    Internal => "internal", 500, Internal,
        "出错了", "出错了，工作人员已收到提醒。", "Something went wrong; try again later.";
    // The HTTP layer's own outcomes.
    Unauthenticated => "unauthenticated", 401, Unauthenticated,
        "未登录", "登录已失效，请重新登录。", "Please sign in again.";
    Forbidden => "forbidden", 403, Forbidden,
        "没有权限", "您的身份不能进行这项操作。", "Not allowed for your role.";
    OutsideOrg => "outside_org", 403, OutsideOrg,
        "不在本工会范围", "该活动不属于本工会范围。", "This sale is for another union's members.";
    MethodNotAllowed => "method_not_allowed", 405, MethodNotAllowed,
        "请求有误", "不支持这种请求方式。", "This request method is not supported.";
    PayloadTooLarge => "payload_too_large", 413, PayloadTooLarge,
        "请求过大", "请求内容太大。", "The request is too large.";
    UriTooLong => "uri_too_long", 414, UriTooLong,
        "请求有误", "请求地址太长。", "The request's address is too long.";
    HeadersTooLarge => "headers_too_large", 431, HeadersTooLarge,
        "请求有误", "请求头太大。", "The request's headers are too large.";
    RateLimited => "rate_limited", 429, RateLimited,
        "操作太频繁", "操作太频繁，请稍候再试。", "Too many tries; wait a moment.";
    Overloaded => "overloaded", 503, Overloaded,
        "系统繁忙", "人太多了，请稍候再试。", "Busy; wait a moment.";
}

impl Outcome {
    /// The outcome's one word.
    pub const fn code(self) -> &'static str {
        self.row().code
    }

    /// The Chinese detail, with `{name}` filled by `member(name)` (the
    /// problem document's figures). Borrowed when it names none: every
    /// sold-out answer of a flood is written with these.
    pub fn detail_zh(self, member: impl Fn(&str) -> String) -> Cow<'static, str> {
        let template = self.row().detail_zh;
        if !template.contains('{') {
            return Cow::Borrowed(template);
        }
        let mut out = String::with_capacity(template.len() + 8);
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            let close = open + rest[open..].find('}').expect("a closed placeholder");
            out.push_str(&rest[..open]);
            out.push_str(&member(&rest[open + 1..close]));
            rest = &rest[close + 1..];
        }
        out.push_str(rest);
        Cow::Owned(out)
    }

    /// The table as JavaScript for the pages: `TG_OUTCOMES[code] = [zh, en]`
    /// (`{name}` is filled by the page from the problem document).
    pub fn script() -> String {
        let mut table = serde_json::Map::new();
        for outcome in Self::ALL {
            let row = outcome.row();
            table.insert(row.code.into(), serde_json::json!([row.detail_zh, row.en]));
        }
        format!(
            "// The outcome table of src/domain/outcome.rs, served by the server.\n\
             window.TG_OUTCOMES = {};\n",
            serde_json::Value::Object(table)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_has_its_own_word_and_words_for_people() {
        let mut seen = std::collections::HashSet::new();
        for &outcome in Outcome::ALL {
            let row = outcome.row();
            assert!(seen.insert(row.code), "{} twice", row.code);
            assert_eq!(Outcome::from_code(row.code), Some(outcome));
            assert!(
                !row.title_zh.is_ascii() && !row.detail_zh.is_ascii(),
                "{}",
                row.code
            );
            assert!(row.en.is_ascii() && !row.en.is_empty(), "{}", row.code);
            // A folded outcome answers with its problem's status, and the
            // problem it folds into is its own problem.
            let problem = row.problem.row();
            assert_eq!(row.status, problem.status, "{}", row.code);
            assert_eq!(problem.problem, row.problem, "{}", row.code);
        }
        assert_eq!(Outcome::from_code("nonsense"), None);
    }

    /// The contract's table of codes (docs/API.md) names every code a
    /// problem document can carry.
    #[test]
    fn the_contract_names_every_problem_code() {
        let contract = include_str!("../../docs/API.md");
        for outcome in Outcome::ALL {
            let problem = outcome.row().problem.code();
            assert!(
                contract.contains(&format!("`{problem}`")),
                "docs/API.md does not name `{problem}`"
            );
        }
    }

    #[test]
    fn details_fill_their_figures() {
        let figures = |name: &str| match name {
            "max_seats" => "2".to_owned(),
            other => panic!("{other}"),
        };
        assert_eq!(
            Outcome::TooManySeats.detail_zh(figures),
            "本活动每张票最多 2 人。"
        );
        assert!(matches!(
            Outcome::SoldOut.detail_zh(figures),
            Cow::Borrowed("票已抢完。")
        ));
    }
}
