// The station screen: pick the sale and the ticket type, then swipe cards or
// scan tickets one after another. A USB card reader or QR scanner types into
// the field and presses Enter; every answer is one big line, green or red.
"use strict";
TG.setDict({
  zh: { title: "服务站出票核销", lang: "English", signout: "退出", signin: "工作人员登录", token: "工作人员令牌", go: "登录",
    event: "活动", pool: "票种", seats: "人数", seatsN: "{n} 人", seat1: "1 人", mode: "操作", issue: "出票（刷卡）", redeem: "核销（刷卡或扫码）",
    swipe: "刷卡、输入卡号或扫描票的二维码，按回车", submit: "确定", camera: "用摄像头扫码", ready: "请刷卡或扫码",
    today: "今日本站", enteredN: "报名", takenN: "收款", issued: "出票", redeemedN: "核销", left: "（剩余 {n}）", noEvents: "本站暂无可服务的活动。",
    issuedOk: "出票成功", hasTicket: "该会员已有票", redeemedOk: "已核销 · 请入场", usedAt: "已使用（首次核销 {t}）",
    noTicket: "无票", notPaid: "未支付", expiredHold: "未按时支付，已失效", outside: "不在本工会范围", soldOut: "已抢完", givenBack: "该票已退", admits: "{n} 人", codeLabel: "票号",
    upcoming: "未开始", open: "进行中", paused: "已暂停", sold_out: "已抢完", closed: "已结束",
    enter: "报名抽签（刷卡）", enteredOk: "已报名抽签", alreadyEntered: "该会员已报名", memberKey: "会员号 {k}", lottery: "抽签",
    otherSale: "这张票属于「{other}」，不是当前选择的「{selected}」", confirmAsk: "确认在本站核销这张票吗？", confirmRedeem: "确认核销", cancel: "取消", notRedeemed: "未核销",
    collect: "应收 ¥{y}", collected: "已收 ¥{y}", toCollect: "请收 ¥{y}", payAndRedeem: "收款 ¥{y} 并核销", unpaidAsk: "该票尚未支付：收款后核销。",
    registeredOk: "已登记，开抢后 {n} 秒统一抽取", alreadyRegistered: "该会员已登记", drawAtLine: "{t} 抽取，结果可凭卡在此查询或在工会App查看",
    notInRegister: "未在会员名册中，请核对会员卡", otherUnion: "会员名册显示此卡不属于本活动的工会（{org}），本活动仅限其会员" },
  en: { title: "Station: issue and redeem", lang: "中文", signout: "Sign out", signin: "Staff sign-in", token: "Staff token", go: "Sign in",
    event: "Sale", pool: "Ticket type", seats: "Seats", seatsN: "{n} seats", seat1: "1 seat", mode: "Action", issue: "Issue (card)", redeem: "Redeem (card or QR)",
    swipe: "Swipe a card, type its number or scan a ticket's QR code, then Enter", submit: "OK", camera: "Scan with the camera", ready: "Swipe or scan",
    today: "This station today", enteredN: "Entered", takenN: "Taken", issued: "Issued", redeemedN: "Redeemed", left: " ({n} left)", noEvents: "No sales for this station.",
    issuedOk: "Ticket issued", hasTicket: "This member already has a ticket", redeemedOk: "Redeemed · admit", usedAt: "Already used (first redeemed {t})",
    noTicket: "No ticket", notPaid: "Not paid", expiredHold: "Not paid in time: void", outside: "Not for this union's members", soldOut: "Sold out", givenBack: "Ticket was given back", admits: "admits {n}", codeLabel: "Ticket",
    upcoming: "Upcoming", open: "Open", paused: "Paused", sold_out: "Sold out", closed: "Closed",
    enter: "Enter the draw (card)", enteredOk: "Entered in the draw", alreadyEntered: "This member has entered already", memberKey: "member key {k}", lottery: "lottery",
    otherSale: "This ticket is for “{other}”, not the selected “{selected}”", confirmAsk: "Redeem it here?", confirmRedeem: "Redeem it", cancel: "Cancel", notRedeemed: "Not redeemed",
    collect: "To collect: ¥{y}", collected: "¥{y} collected", toCollect: "collect ¥{y}", payAndRedeem: "Take ¥{y} and redeem", unpaidAsk: "Not paid yet: take the payment, then redeem.",
    registeredOk: "Registered: drawn {n} s after the opening", alreadyRegistered: "This member is registered already", drawAtLine: "drawn at {t}; swipe again here or see the union app for the result",
    notInRegister: "Not in the member register: check the card", otherUnion: "The member register puts this card outside this sale's union ({org}): the sale is for its members only" },
});

const KEY = "tg-station-token";
let token = TG.initialToken(KEY);
const $ = sel => document.querySelector(sel);
const status = $("#status");
let events = [];

function fill(text, vars) { return text.replace(/\{(\w+)\}/g, (_, k) => vars[k]); }
function show(on) {
  $("#signin").classList.toggle("hidden", on);
  $("#desk").classList.toggle("hidden", !on);
  $("#signout").classList.toggle("hidden", !on);
}

// Today's figures of this station, from the server (every screen of the
// station reads the same; the day is Beijing's).
async function renderCounts() {
  const { data } = await TG.api(token, "GET", "/api/v1/station/today");
  $("#count-issued").textContent = data.issued;
  $("#count-redeemed").textContent = data.redeemed;
  $("#count-entered").textContent = data.entered;
  $("#count-taken").textContent = "¥" + yuan(data.taken_fen);
}
function count() { renderCounts().catch(() => {}); }

function current() { return events.find(ev => ev.id === $("#s-event").value); }

function renderEvents() {
  const select = $("#s-event");
  const keep = select.value;
  select.innerHTML = events.map(ev => `<option value="${TG.esc(ev.id)}">${TG.esc(TG.name(ev))} · ${ev.mode === "lottery" ? TG.t("lottery") + " · " : ""}${TG.t(ev.status)}</option>`).join("");
  if (events.some(ev => ev.id === keep)) select.value = keep;
  if (!events.length) TG.say(status, TG.t("noEvents"), "warn");
  renderPools();
}

function renderPools() {
  const ev = current();
  const pool = $("#s-pool"), keep = pool.value;
  pool.innerHTML = (ev ? ev.pools : []).map(p => `<option value="${TG.esc(p.id)}">${TG.esc(TG.name(p))}${fill(TG.t("left"), { n: p.remaining })}</option>`).join("");
  if (ev && ev.pools.some(p => p.id === keep)) pool.value = keep;
  const max = ev ? ev.max_seats || 1 : 1;
  const seats = $("#s-seats"), keepSeats = seats.value;
  seats.innerHTML = Array.from({ length: max }, (_, i) => `<option value="${i + 1}">${fill(TG.t(i ? "seatsN" : "seat1"), { n: i + 1 })}</option>`).join("");
  if (Number(keepSeats) <= max) seats.value = keepSeats || "1";
  $("#seats-box").classList.toggle("hidden", max <= 1);
  // A lottery's walk-up is entered in the draw, not given a ticket.
  $("#issue-words").textContent = TG.t(ev && ev.mode === "lottery" ? "enter" : "issue");
  renderAmount();
}

// What a priced sale's walk-up pays at the counter, before it is issued.
function yuan(fen) { return (fen / 100).toFixed(2); }
function due(ev, seats) { return ev ? ev.price_fen * (seats || 1) : 0; }
function renderAmount() {
  const ev = current(), el = $("#amount");
  const fen = due(ev, Number($("#s-seats").value));
  const show = fen > 0 && ev.mode !== "lottery" && !$("#mode-redeem").checked;
  el.classList.toggle("hidden", !show);
  el.textContent = show ? fill(TG.t("collect"), { y: yuan(fen) }) : "";
}

async function loadEvents() {
  const { data } = await TG.api(token, "GET", "/api/v1/station/events");
  events = data.events;
  renderEvents();
}

function poolTitle(ev, id) { const p = ev && ev.pools.find(p => p.id === id); return p ? TG.name(p) : id; }

function result(kind, head, detail) {

  const panel = $("#result");
  panel.classList.remove("ok", "bad");
  if (kind) panel.classList.add(kind);
  $("#result-head").textContent = head;
  $("#result-detail").textContent = detail || "";
}

// A ticket as the gate reads it: its sale and pool by title (the answer's
// own titles, else the selected sale's), seats, code and masked card.
function ticketLine(ev, r) {
  const what = r.event_title ? TG.ticketName(r) : `${TG.name(ev)} · ${poolTitle(ev, r.pool)}`;
  return [what, fill(TG.t("admits"), { n: r.seats || 1 }), `${TG.t("codeLabel")} ${r.code}`, r.card].join(" · ");
}

// A question staff answer on screen before anything changes: redeeming
// another sale's ticket, or taking an unpaid ticket's payment.
let pending = null;
function ask(head, detail, yes, run) {
  pending = run;
  result("bad", head, detail);
  $("#confirm-yes").textContent = yes;
  $("#confirm").classList.remove("hidden");
  $("#confirm-yes").focus();
}
function askOther(ev, found) {
  ask(fill(TG.t("otherSale"), { other: TG.ticketName(found), selected: TG.name(ev) }),
    `${TG.t("confirmAsk")} ${ticketLine(ev, found)}`, TG.t("confirmRedeem"),
    ev => redeemHere(ev, { event: found.event, code: found.code }));
}
// An unpaid ticket at the gate: its price × seats taken here, then redeemed.
function askPayment(ev, r) {
  const sale = events.find(e => e.id === r.event) || ev;
  const y = yuan(due(sale, r.seats));
  ask(TG.t("unpaidAsk"), ticketLine(ev, r), fill(TG.t("payAndRedeem"), { y }), async ev => {
    await TG.api(token, "POST", "/api/v1/station/pay", { event: r.event, code: r.code });
    await redeemHere(ev, { event: r.event, code: r.code });
  });
}
function closeAsk() { pending = null; $("#confirm").classList.add("hidden"); }
async function redeemConfirmed() {
  const run = pending;
  closeAsk();
  if (run) await answer(current(), run);
}
// Which of this station's sales holds a typed code (null: none).
async function lookUp(code) {
  try { return (await TG.api(token, "GET", "/api/v1/station/tickets/" + encodeURIComponent(code))).data; }
  catch (e) { if (e instanceof TG.ApiError && e.code === "not_found") return null; throw e; }
}

// A ticket's code as typed or its QR code as scanned: the rest is a card number.
function isTicket(v) { return /^TG1:/i.test(v) || /^[0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{12}$/.test(v); }

async function submit(raw) {
  const v = raw.trim();
  const ev = current();
  if (!v || !ev) return;
  closeAsk();
  const redeem = isTicket(v) || $("#mode-redeem").checked;
  await answer(ev, async ev => {
    if (redeem) {
      const scanned = v.match(/^TG1:([^:]+):(.+)$/i);
      const code = scanned ? scanned[2] : v;
      if (isTicket(v)) {
        // A ticket of another sale: named, and redeemed only when confirmed.
        const elsewhere = scanned && scanned[1] !== ev.id;
        if (elsewhere) {
          const found = await lookUp(code);
          if (found) { askOther(ev, found); return; }
          // Not a sale of this station's (or no such ticket in one that is).
          result("bad", TG.t(events.some(e => e.id === scanned[1]) ? "noTicket" : "outside"), "");
          return;
        }
        try {
          await redeemHere(ev, { event: ev.id, code: v });
        } catch (e) {
          // A bare code not of the selected sale: say which sale it is of.
          const found = e instanceof TG.ApiError && e.code === "not_found" && !scanned ? await lookUp(code) : null;
          if (found && found.event !== ev.id) { askOther(ev, found); return; }
          throw e;
        }
      } else {
        await redeemHere(ev, { event: ev.id, card: v });
      }
    } else if (ev.mode === "lottery") {
      const body = { event: ev.id, pool: $("#s-pool").value, card: v };
      if (ev.max_seats > 1) body.seats = Number($("#s-seats").value);
      const { status: code, data, headers } = await TG.api(token, "POST", "/api/v1/station/enter", body);
      const line = [TG.name(ev), data.choices.map(c => poolTitle(ev, c)).join(" / "), fill(TG.t("admits"), { n: data.seats }), fill(TG.t("memberKey"), { k: data.member_key_short })].join(" · ");
      result("ok", TG.t(code === 201 ? "enteredOk" : "alreadyEntered") + registerNote(headers), line);
      if (code === 201) count();
    } else {
      const body = { event: ev.id, pool: $("#s-pool").value, card: v };
      if (ev.max_seats > 1) body.seats = Number($("#s-seats").value);
      const { status: code, data, headers } = await TG.api(token, "POST", "/api/v1/station/issue", body);
      // Inside a race's fair window: registered for its draw, like the app's.
      if (code === 202) {
        const n = ev.lottery ? ev.lottery.fair_window_secs : 0;
        const line = [TG.name(ev), poolTitle(ev, data.entry.choices[0]), fill(TG.t("memberKey"), { k: data.entry.member_key_short }),
          fill(TG.t("drawAtLine"), { t: TG.fmtShort(data.draw_at) })].join(" · ");
        result("ok", fill(TG.t(data.new ? "registeredOk" : "alreadyRegistered"), { n }) + registerNote(headers), line);
        if (data.new) count();
        return;
      }
      const fen = due(ev, data.seats);
      // Recorded as paid here when the sale holds tickets for payment (the
      // answer keeps the hold's deadline); a sale paid at the venue is not.
      const paid = code === 201 && fen > 0 ? ` · ${fill(TG.t(data.pay_by ? "collected" : "toCollect"), { y: yuan(fen) })}` : "";
      result("ok", TG.t(code === 201 ? "issuedOk" : "hasTicket") + paid + registerNote(headers), ticketLine(ev, data));
      if (code === 201) count();
    }
  });
}

// A walk-up's card the member register does not know: the station vouched
// for it, so staff check the card (the answer's TG-Register header).
function registerNote(headers) {
  return headers && headers.get("tg-register") === "unknown" ? ` · ${TG.t("notInRegister")}` : "";
}

async function redeemHere(ev, body) {
  const { data } = await TG.api(token, "POST", "/api/v1/station/redeem", body);
  result("ok", `${TG.t("redeemedOk")} ${fill(TG.t("admits"), { n: data.seats || 1 })}`, ticketLine(ev, data));
  count();
}

// Runs one step of the desk and shows its refusal, if any, in one line.
async function answer(ev, step) {
  try {
    await step(ev);
  } catch (e) {
    if (!(e instanceof TG.ApiError)) { result("bad", String(e), ""); return; }
    if (e.status === 401) { signOut(); return; }
    const words = {
      already_redeemed: () => fill(TG.t("usedAt"), { t: TG.fmtTime(e.problem.redeemed_at) }),
      not_found: () => TG.t("noTicket"), outside_org: () => TG.t("outside"), not_eligible: () => e.problem.register === "known" ? fill(TG.t("otherUnion"), { org: e.problem.org }) : TG.t("outside"),
      sold_out: () => TG.t("soldOut"), cancelled: () => TG.t("givenBack"),
      not_paid: () => TG.t("notPaid"), hold_expired: () => TG.t("expiredHold"),
    }[e.code];
    const r = e.problem.reservation;
    if (e.code === "not_paid" && r) { askPayment(ev, r); return; }
    result("bad", words ? words() : TG.problemText(e), r ? ticketLine(ev, r) : "");
  } finally {
    $("#swipe").value = "";
    $("#swipe").focus();
    loadEvents().catch(() => {});
  }
}

// The camera, where the browser can read QR codes itself.
async function scanWithCamera() {
  const video = $("#video");
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } });
  video.srcObject = stream; video.classList.remove("hidden"); await video.play();
  const detector = new BarcodeDetector({ formats: ["qr_code"] });
  const stop = () => { stream.getTracks().forEach(t => t.stop()); video.classList.add("hidden"); };
  for (let i = 0; i < 200; i++) {
    const found = await detector.detect(video).catch(() => []);
    if (found.length) { stop(); await submit(found[0].rawValue); return; }
    await new Promise(r => setTimeout(r, 150));
  }
  stop();
}

function signOut() { token = null; sessionStorage.removeItem(KEY); show(false); }

async function start() {
  try { await loadEvents(); show(true); count(); $("#swipe").focus(); }
  catch (e) { TG.say(status, TG.problemText(e), "bad"); if (e.status === 401 || e.status === 403) signOut(); }
}

$("#signin-form").addEventListener("submit", e => { e.preventDefault(); token = TG.pastedToken($("#token").value); sessionStorage.setItem(KEY, token); start(); });
$("#swipe-form").addEventListener("submit", e => { e.preventDefault(); submit($("#swipe").value); });
$("#s-event").addEventListener("change", renderPools);
$("#s-seats").addEventListener("change", renderAmount);
document.querySelectorAll("input[name=mode]").forEach(el => el.addEventListener("change", renderAmount));
$("#signout").addEventListener("click", signOut);
$("#confirm-yes").addEventListener("click", () => redeemConfirmed());
$("#confirm-no").addEventListener("click", () => { closeAsk(); result("", TG.t("notRedeemed"), ""); $("#swipe").focus(); });
$("#lang").addEventListener("click", () => { TG.toggleLang(); renderEvents(); });
renderPools();
if ("BarcodeDetector" in window && navigator.mediaDevices) {
  $("#camera").classList.remove("hidden");
  $("#camera").addEventListener("click", () => scanWithCamera().catch(e => result("bad", String(e), "")));
}
TG.applyLang();
setInterval(() => { if (token) loadEvents().catch(() => {}); }, 5000);
if (token) start(); else show(false);
