// Shared by both pages: token handling, API calls with problem+json errors,
// the server clock, and the language switch. No dependencies.
"use strict";
const TG = (() => {
  let lang = localStorage.getItem("tg-lang") || "zh";
  let dict = {};
  let offsetMs = 0; // server clock minus this device's clock

  // Each script of a page adds its words (the page's own, then a part's).
  function setDict(d) { for (const l of Object.keys(d)) dict[l] = Object.assign(dict[l] || {}, d[l]); }
  function t(key) { return (dict[lang] && dict[lang][key]) || (dict.en && dict.en[key]) || key; }
  function applyLang() {
    document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
    document.querySelectorAll("[data-i18n]").forEach(el => { el.textContent = t(el.dataset.i18n); });
    document.querySelectorAll("[data-i18n-placeholder]").forEach(el => { el.placeholder = t(el.dataset.i18nPlaceholder); });
    // The switch names the other language, in that language.
    const other = document.querySelector("#lang");
    if (other) other.lang = lang === "zh" ? "en" : "zh-CN";
  }
  function toggleLang() { lang = lang === "zh" ? "en" : "zh"; localStorage.setItem("tg-lang", lang); applyLang(); }

  // A token from the URL fragment (#token=...) wins, then the session.
  function initialToken(storageKey) {
    const m = location.hash.match(/token=([^&]+)/);
    if (m) {
      sessionStorage.setItem(storageKey, decodeURIComponent(m[1]));
      history.replaceState(null, "", location.pathname);
    }
    return sessionStorage.getItem(storageKey);
  }

  // What each problem `code` of the API means to a person: the one table of
  // them for every page (the codes are Error::code / docs/API.md).
  const PROBLEMS = {
    sold_out: ["票已抢完。", "Sold out."],
    not_paid: ["这张票还未支付。", "This ticket is not paid yet."],
    hold_expired: ["支付时间已过，票已释放。", "The time to pay ran out; the ticket was released."],
    payment_mismatch: ["支付金额不符。", "The amount paid is not the amount due."],
    too_many_seats: ["每张票的人数超过本活动的上限。", "More seats than this sale allows on one ticket."],
    not_open: ["还没到开抢时间。", "The sale has not opened yet."],
    closed: ["活动已结束。", "The sale is closed."],
    paused: ["活动暂停中，请稍后再试。", "The sale is paused; try again shortly."],
    not_eligible: ["本活动仅限指定工会的会员参加。", "This sale is for members of another union."],
    rate_limited: ["操作太频繁，请稍候。", "Too many tries; wait a moment."],
    overloaded: ["系统繁忙，请稍候。", "Busy; wait a moment."],
    store_unavailable: ["系统繁忙，请稍候。", "Busy; wait a moment."],
    unauthenticated: ["登录已失效，请重新登录。", "Please sign in again."],
    forbidden: ["没有权限。", "Not allowed for your role."],
    not_found: ["找不到该活动或票。", "No such sale or ticket."],
    unknown_event: ["没有这个活动。", "No such sale."],
    outside_org: ["该活动不属于本工会范围。", "This sale is for another union's members."],
    already_redeemed: ["这张票已经使用过了。", "This ticket was already used."],
    cancelled: ["这张票已经退了。", "This ticket was given back."],
    no_show: ["这张票未按时使用，座位已释放。", "This ticket was not used in time; its seats were released."],
    already_waiting: ["您已在候补名单中。", "You are on the waiting list already."],
    already_holding: ["您已经有这个活动的票了，无需候补。", "You hold a ticket for this sale: no need to wait."],
    not_sold_out: ["您选的票还有余票，请直接抢票。", "Seats are left in what you chose: grab them."],
    bad_cutoff: ["候补截止时间须在现在之后、活动结束之前。", "The cutoff must be after now and no later than the sale's close."],
    below_zero: ["未售出的票不够撤回。", "Not that many unsold tickets to withdraw."],
    above_limit: ["超过单个票池的上限。", "A pool cannot hold that many tickets."],
    exists: ["该活动编号已被使用。", "An event with this id exists."],
    lottery_sale: ["本活动为抽签，请报名参加抽签。", "This sale is a lottery: enter the draw."],
    not_lottery: ["本活动为抢票，不需要报名。", "This sale is not a lottery."],
    draw_not_due: ["还不能抽签：报名未结束、未到抽签时间或未录入公开随机数。", "Not yet: registration is open, the draw is not due, or the public value is missing."],
    public_value_set: ["已录入另一个公开随机数，不能更改。", "Another public value was entered already."],
    draw_running: ["正在抽签，请稍候。", "The draw is running; wait a moment."],
    not_drawn: ["还没有抽签。", "Not drawn yet."],
    invalid_request: ["请求有误。", "Something is wrong with the request."],
    payload_too_large: ["请求有误。", "Something is wrong with the request."],
    method_not_allowed: ["请求有误。", "Something is wrong with the request."],
    error: ["出错了，请稍后再试。", "Something went wrong; try again later."],
  };
  function problemText(e) {
    const code = e instanceof ApiError && PROBLEMS[e.code] ? e.code : "error";
    return PROBLEMS[code][lang === "zh" ? 0 : 1];
  }

  class ApiError extends Error {
    constructor(status, problem, retryAfter) {
      super(problem.detail || ("HTTP " + status));
      this.status = status; this.code = problem.code || "error"; this.problem = problem; this.retryAfter = retryAfter;
    }
  }

  async function api(token, method, path, body) {
    const headers = { "Authorization": "Bearer " + token };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const resp = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const type = resp.headers.get("content-type") || "";
    if (!resp.ok) {
      const problem = type.includes("json") ? await resp.json() : { detail: await resp.text() };
      throw new ApiError(resp.status, problem, Number(resp.headers.get("retry-after") || 0));
    }
    if (type.includes("json")) return { status: resp.status, data: await resp.json() };
    return { status: resp.status, data: await resp.text() };
  }

  function syncClock(serverTime) { if (serverTime) offsetMs = Date.parse(serverTime) - Date.now(); }
  function serverNow() { return Date.now() + offsetMs; }
  function countdown(toIso) {
    const ms = Date.parse(toIso) - serverNow();
    if (ms <= 0) return null;
    const s = Math.ceil(ms / 1000), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    return (h ? h + ":" : "") + String(m).padStart(2, "0") + ":" + String(r).padStart(2, "0");
  }
  function esc(s) { return String(s).replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c])); }
  function fmtTime(iso) { return iso ? new Date(iso).toLocaleString(lang === "zh" ? "zh-CN" : "en-GB") : ""; }
  // A sale's day and 24-hour time: "11月24日 14:00" / "24 Nov, 14:00".
  function fmtShort(iso) {
    return iso ? new Date(iso).toLocaleString(lang === "zh" ? "zh-CN" : "en-GB",
      { month: lang === "zh" ? "long" : "short", day: "numeric", hour: "2-digit", minute: "2-digit", hour12: false }) : "";
  }
  // A sale's or a pool's title in the page's language: the English one
  // when staff gave it, else the Chinese one.
  function name(o) { return (lang === "en" && o && o.title_en) || (o && o.title) || ""; }
  // A ticket's: its sale and pool, from the titles a reservation carries.
  function ticketName(r) {
    const ev = lang === "en" && r.event_title_en || r.event_title || r.event;
    const pool = lang === "en" && r.pool_title_en || r.pool_title || r.pool;
    return `${ev} · ${pool}`;
  }
  // Staff's own words (a venue, notes) as HTML: on the English page, words
  // written only in Chinese are marked as Chinese.
  function own(text) {
    const zh = lang === "en" && /[\u3400-\u9fff]/.test(text);
    return `<span${zh ? ' lang="zh-CN"' : ""}>${esc(text)}</span>`;
  }
  function say(el, text, kind) {
    el.textContent = text;
    el.classList.remove("ok", "bad", "warn");
    if (kind) el.classList.add(kind);
  }

  return { setDict, t, applyLang, toggleLang, initialToken, api, ApiError, problemText, syncClock, serverNow, countdown, esc, fmtTime, fmtShort, say, name, ticketName, own,
    get lang() { return lang; } };
})();
