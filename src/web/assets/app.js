// The member page: events with a countdown on the server's clock, the grab
// button, clear answers for every error code, my tickets with QR codes.
"use strict";
TG.setDict({
  zh: { title: "工会会员抢票", lang: "English", signout: "退出", signin: "会员登录", token: "会员令牌", go: "登录",
    events: "可参加的活动", mine: "我的票", grab: "立即抢票", choice: "第{n}志愿", pool: "选择票种", opensin: "距开抢",
    remaining: "剩余", free: "免费", yuan: "元", none: "暂无可参加的活动。", noTickets: "还没有票。", cancel: "退票",
    confirmCancel: "确定退票？退回的票会立即给其他会员。", got: "抢到了！{what} · 票号 {code}", already: "您已经有这张票了：{what} · 票号 {code}",
    cancelled_ok: "已退票。", retrying: "人太多了，{s} 秒后自动重试…",
    upcoming: "未开始", open: "进行中", paused: "已暂停", sold_out: "已抢完", closed: "已结束",
    active: "有效", redeemed: "已使用", cancelled: "已退票", refunding: "退款处理中", seats: "人数", seatsN: "{n} 人", seat1: "1 人", admits: "可入场 {n} 人",
    held: "待支付", expired: "已过期", heldGot: "已为您保留！{what} · 票号 {code}，支付剩余时间 {t}", payIn: "支付剩余时间 {t}", pay: "去支付",
    paid: "支付成功，票已生效。", payElsewhere: "请在工会App中完成支付。",
    no_show: "未到场", joinWait: "加入候补", leaveWait: "退出候补", waitPos: "候补中：第 {n} 位（{seats} 人）",
    waitJoined: "已加入候补，第 {n} 位。有人退票时按顺序分配。", waitGot: "候补成功！票号 {code}", waitEnded: "您的候补已结束。",
    waitingN: "候补 {n} 人", waitLeft: "已退出候补。", large: "大字", opensAt: "开抢时间",
    signinHow: "请从工会App（12351）打开本页，会自动登录。",
    expiredLogin: "登录已过期：请回到工会App（12351）重新打开本页。",
    tooFast: "您点得太快了，{s} 秒后自动重试…", youHave: "您已抢到：{what} · 票号 {code}（见“我的票”）", grabLeavesWait: "您正在候补本活动：抢到票后将退出候补。继续抢票吗？",
    returnsToWaiting: "退票将优先分配给候补会员", starts: "时间", venue: "地点",
    programHeld: "{title}：本年度已获 {held}/{cap} 张", fewerFirst: "抽签时本年度获票少的会员优先" },
  en: { title: "Union member tickets", lang: "中文", signout: "Sign out", signin: "Member sign-in", token: "Member token", go: "Sign in",
    events: "Sales you can join", mine: "My tickets", grab: "Grab a ticket", choice: "Choice {n}", pool: "Ticket type", opensin: "Opens in",
    remaining: "left", free: "Free", yuan: "yuan", none: "No sales for you right now.", noTickets: "No tickets yet.", cancel: "Give back",
    confirmCancel: "Give this ticket back? It goes to another member at once.", got: "Got it! {what} · ticket {code}", already: "You already have this ticket: {what} · ticket {code}",
    cancelled_ok: "Ticket given back.", retrying: "Busy — trying again in {s} s…",
    upcoming: "Upcoming", open: "Open", paused: "Paused", sold_out: "Sold out", closed: "Closed",
    active: "Valid", redeemed: "Used", cancelled: "Given back", refunding: "Refund in progress", seats: "Seats", seatsN: "{n} seats", seat1: "1 seat", admits: "Admits {n}",
    held: "Awaiting payment", expired: "Expired", heldGot: "Held for you! {what} · ticket {code}: time left to pay {t}", payIn: "Time left to pay: {t}", pay: "Pay",
    paid: "Paid: the ticket is valid.", payElsewhere: "Please pay in the union app.",
    no_show: "No-show", joinWait: "Join the waiting list", leaveWait: "Leave the list", waitPos: "Waiting: number {n} ({seats} seats)",
    waitJoined: "On the waiting list: number {n}. Returned tickets go out in order.", waitGot: "From the waiting list: ticket {code}", waitEnded: "Your wait has ended.",
    waitingN: "{n} waiting", waitLeft: "You left the waiting list.", large: "Large text", opensAt: "Opens",
    signinHow: "Open this page from the union app (12351) to sign in.",
    expiredLogin: "Your sign-in expired: open this page again from the union app (12351).",
    tooFast: "You tapped too fast — trying again in {s} s…", youHave: "You have {what} · ticket {code} (see My tickets)", grabLeavesWait: "You are on this sale's waiting list: a ticket grabbed now takes you off it. Grab anyway?",
    returnsToWaiting: "Returned tickets go to the waiting list first", starts: "When", venue: "Where",
    programHeld: "{title}: {held} of {cap} tickets this year", fewerFirst: "Draws put members with fewer tickets this year first" },
});

const KEY = "tg-member-token";
let token = TG.initialToken(KEY);
const $ = sel => document.querySelector(sel);
const status = $("#status");
let events = [];
const cards = new Map();
const qrUrls = new Map();
// The member's waiting-list entry per event (absent: not waiting).
const waits = new Map();
// The member's live ticket per event (no grab button, no waiting list for them).
let holding = new Map();
// The member's standing in each program (普惠) a listed sale belongs to.
const programs = new Map();

// A pool as the member picks it: its title, and its show's day and time.
function poolLabel(p) { return TG.name(p) + (p.starts_at ? ` · ${TG.fmtShort(p.starts_at)}` : ""); }
function poolOf(ev, id) { const p = ev && ev.pools.find(p => p.id === id); return p ? poolLabel(p) : id; }
// When and where, as HTML (a pool's show time is on the pool): the
// sale's own on its card, the ticket's pool's on a ticket.
function whenWhere(o) {
  return [o.starts_at ? `${TG.esc(TG.t("starts"))} ${TG.esc(TG.fmtShort(o.starts_at))}` : "", o.venue ? `${TG.esc(TG.t("venue"))} ${TG.own(o.venue)}` : ""]
    .filter(Boolean).join(" · ");
}

// Words with their {placeholders} filled; a placeholder may be a function
// (words that depend on the language or the clock, worked out when said).
function fill(text, vars) { return text.replace(/\{(\w+)\}/g, (_, k) => typeof vars[k] === "function" ? vars[k]() : vars[k]); }

// An answer line by its words' key, so that a language switch says it again
// in the other language.
function tell(el, key, vars, kind) { el._said = { key, vars, kind }; TG.say(el, key ? fill(TG.t(key), vars || {}) : "", kind); }
function tellProblem(el, e) { el._said = { problem: e }; TG.say(el, TG.problemText(e), "bad"); }
function retell() {
  document.querySelectorAll(".result, #status").forEach(el => {
    const said = el._said;
    if (!said || !el.textContent) return;
    if (said.problem) tellProblem(el, said.problem); else tell(el, said.key, said.vars, said.kind);
  });
}
function price(fen) { return fen === 0 ? TG.t("free") : `${(fen / 100).toFixed(2)} ${TG.t("yuan")}`; }

function show(on) {
  $("#to-tickets").classList.toggle("hidden", !on);
  $("#signin").classList.toggle("hidden", on);
  $("#home").classList.toggle("hidden", !on);
  $("#signout").classList.toggle("hidden", !on);
}

function eventCard(ev) {
  let el = cards.get(ev.id);
  if (el) return el;
  el = document.createElement("section");
  el.className = "card";
  el.dataset.event = ev.id;
  const ranked = ev.pools.length > 1;
  const selects = (ranked ? [1, 2, 3].slice(0, Math.min(3, ev.pools.length)) : [1]).map(n => {
    const opts = (n > 1 ? `<option value="">—</option>` : "") + ev.pools.map(p => `<option value="${TG.esc(p.id)}"></option>`).join("");
    return `<div><label for="c${n}-${ev.id}" class="choice-label" data-n="${n}"></label><select id="c${n}-${ev.id}" class="choice">${opts}</select></div>`;
  }).join("");
  // A family sale: how many seats on this one ticket (all from one pool).
  const seatOpts = Array.from({ length: ev.max_seats || 1 }, (_, i) => `<option value="${i + 1}">${fill(TG.t(i ? "seatsN" : "seat1"), { n: i + 1 })}</option>`).join("");
  const seats = ev.max_seats > 1
    ? `<div><label for="seats-${ev.id}" data-i18n="seats"></label><select id="seats-${ev.id}" class="seats">${seatOpts}</select></div>` : "";
  el.innerHTML = `
    <h3><span class="title"></span> <span class="badge status"></span></h3>
    <p class="about"></p>
    <p class="muted"><span class="price"></span> · <span class="left"></span></p>
    <p class="muted notes"></p>
    <p class="program hidden"></p>
    <p class="countdown" aria-live="off"></p>
    <p class="have message ok hidden"></p>
    <form class="grab"><div class="row">${selects}${seats}</div>
      <p><button type="submit" class="grab-button" disabled data-i18n="grab"></button>
        <button type="button" class="secondary wait-button hidden" data-i18n="joinWait"></button></p></form>
    <p class="waitline hidden"><span class="waittext"></span> <button type="button" class="secondary leave-wait" data-i18n="leaveWait"></button></p>
    <p class="message result" role="status" aria-live="polite"></p>`;
  el.querySelector("form").addEventListener("submit", e => { e.preventDefault(); if (ev.mode === "lottery") LOT.enter(ev, el); else grab(ev.id, el); });
  el.querySelector("form").addEventListener("change", () => uniqueChoices(el));
  el.querySelector(".wait-button").addEventListener("click", () => joinWait(ev.id, el));
  el.querySelector(".leave-wait").addEventListener("click", () => leaveWait(ev.id, el));
  if (ev.mode === "lottery") LOT.setup(ev, el);
  if (FAIR.is(ev)) FAIR.setup(ev, el);
  cards.set(ev.id, el);
  $("#events").append(el);
  TG.applyLang();
  return el;
}

function renderEvents() {
  $("#events").querySelectorAll(".empty").forEach(n => n.remove());
  if (!events.length) $("#events").insertAdjacentHTML("beforeend", `<p class="muted empty">${TG.t("none")}</p>`);
  for (const ev of events) {
    const el = eventCard(ev);
    el.querySelector(".title").textContent = TG.name(ev);
    const where = el.querySelector(".about");
    where.innerHTML = whenWhere(ev);
    where.classList.toggle("hidden", !where.textContent);
    const notes = el.querySelector(".notes");
    notes.innerHTML = ev.notes ? TG.own(ev.notes) : "";
    notes.classList.toggle("hidden", !ev.notes);
    // Labels and options follow the language; the choices made stay.
    el.querySelectorAll(".choice-label").forEach(l => { l.textContent = ev.pools.length > 1 ? fill(TG.t("choice"), { n: l.dataset.n }) : TG.t("pool"); });
    el.querySelectorAll(".seats option").forEach(o => { o.textContent = fill(TG.t(o.value === "1" ? "seat1" : "seatsN"), { n: o.value }); });
    el.querySelectorAll(".choice option").forEach(o => { if (o.value) o.textContent = poolOf(ev, o.value); });
    el.querySelector(".price").textContent = price(ev.price_fen);
    el.querySelector(".left").textContent = ev.mode === "lottery" ? LOT.poolsLine(ev) : ev.pools.map(p => `${TG.name(p)} ${TG.t("remaining")} ${p.remaining}`
      + (p.waiting ? ` (${fill(TG.t("waitingN"), { n: p.waiting })})` : "")).join(" · ")
      + (ev.status === "sold_out" ? ` · ${TG.t("returnsToWaiting")}` : "");
    const pr = ev.program && programs.get(ev.program);
    const line = el.querySelector(".program");
    line.textContent = pr ? fill(TG.t("programHeld"), pr) + (pr.draw_order === "fewer_wins_first" ? ` · ${TG.t("fewerFirst")}` : "") : "";
    line.classList.toggle("hidden", !pr);
    renderWait(ev, el);
  }
  tick();
}

// What the member holds of each program a listed sale belongs to.
async function loadPrograms() {
  for (const id of new Set(events.map(ev => ev.program).filter(Boolean))) {
    const { data } = await TG.api(token, "GET", `/api/v1/me/programs/${encodeURIComponent(id)}`);
    programs.set(id, data);
  }
  renderEvents();
}

// Ranked choices cannot repeat a show: a pool picked above is not offered below.
function uniqueChoices(el) {
  const selects = [...el.querySelectorAll(".choice")];
  selects.forEach((s, i) => {
    const above = new Set(selects.slice(0, i).map(x => x.value).filter(Boolean));
    for (const o of s.options) o.disabled = above.has(o.value);
    if (above.has(s.value)) s.value = "";
  });
}

function renderWait(ev, el) {
  const w = waits.get(ev.id);
  el.querySelector(".waitline").classList.toggle("hidden", !w);
  if (w) el.querySelector(".waittext").textContent = fill(TG.t("waitPos"), { n: w.position, seats: w.seats });
}

// What the grab form asks for: ranked pools and seats.
function wanted(el) {
  const picks = [...el.querySelectorAll(".choice")].map(s => s.value).filter(Boolean);
  const body = picks.length > 1 ? { choices: [...new Set(picks)] } : { pool: picks[0] };
  const seats = el.querySelector(".seats");
  if (seats) body.seats = Number(seats.value);
  return body;
}

// Sold out for what the form asks: every chosen pool has fewer seats left.
function soldOutFor(ev, el) {
  const body = wanted(el);
  const ids = body.choices || [body.pool];
  return ev.pools.filter(p => ids.includes(p.id)).every(p => p.remaining < (body.seats || 1));
}

async function joinWait(id, el) {
  const result = el.querySelector(".result");
  try {
    const { data } = await TG.api(token, "POST", `/api/v1/events/${id}/waiting`, wanted(el));
    waits.set(id, data);
    tell(result, "waitJoined", { n: data.position }, "ok");
  } catch (e) {
    if (e instanceof TG.ApiError && e.code === "already_waiting") waits.set(id, e.problem.waiting);
    tellProblem(result, e);
  }
  loadEvents();
}

async function leaveWait(id, el) {
  try { await TG.api(token, "DELETE", `/api/v1/events/${id}/waiting`); tell(el.querySelector(".result"), "waitLeft", null, "ok"); }
  catch (e) { tellProblem(el.querySelector(".result"), e); }
  waits.delete(id);
  loadEvents();
}

// The member's place on each list that anyone waits on; an entry that went
// away was served (the ticket shows up among "my tickets") or lapsed.
async function loadWaits() {
  // A lottery's list is its draw's: its card says the member's place.
  for (const ev of events.filter(ev => ev.mode !== "lottery" && (ev.pools.some(p => p.waiting > 0) || waits.has(ev.id)))) {
    const el = cards.get(ev.id);
    try {
      const { data } = await TG.api(token, "GET", `/api/v1/events/${ev.id}/waiting`);
      waits.set(ev.id, data);
    } catch (e) {
      if (!(e instanceof TG.ApiError) || e.status !== 404 || !waits.has(ev.id)) continue;
      waits.delete(ev.id);
      const { data } = await TG.api(token, "GET", "/api/v1/me/reservations");
      const got = data.reservations.find(r => r.event === ev.id && (r.status === "active" || r.status === "held"));
      if (el) tell(el.querySelector(".result"), got ? "waitGot" : "waitEnded", { code: got && got.code }, got ? "ok" : "");
      loadTickets();
    }
    if (el) renderWait(ev, el);
  }
}

// A hold's countdown to its pay_by, on the server's clock.
function tickPayBy() {
  document.querySelectorAll(".pay-by").forEach(el => {
    const left = TG.countdown(el.dataset.payBy);
    el.textContent = left ? fill(TG.t("payIn"), { t: left }) : TG.t("expired");
  });
}

// The grab button is live only while the sale is open by the server's clock.
function tick() {
  tickPayBy();
  for (const ev of events) {
    const el = cards.get(ev.id);
    if (!el) continue;
    if (ev.mode === "lottery") { LOT.tick(ev, el); continue; }
    const left = TG.countdown(ev.opens_at);
    let phase = ev.status;
    if (phase === "upcoming" && !left) phase = "open";
    if (phase === "open" && !TG.countdown(ev.closes_at)) phase = "closed";
    const badge = el.querySelector(".status");
    badge.textContent = TG.t(phase);
    badge.className = "badge status " + phase;
    // The sale's date and clock time, and the countdown to it.
    el.querySelector(".countdown").textContent = left ? `${TG.t("opensAt")} ${TG.fmtShort(ev.opens_at)} · ${TG.t("opensin")} ${left}` : "";
    // A sale over is no longer one to take part in (its tickets are under
    // My tickets).
    el.classList.toggle("hidden", phase === "closed");
    const have = holding.get(ev.id);
    const haveLine = el.querySelector(".have");
    // Not said twice: the grab's own answer already names this ticket.
    const justGot = have && el.querySelector(".result").dataset.code === have.code;
    haveLine.classList.toggle("hidden", !have || justGot);
    if (have) haveLine.textContent = fill(TG.t("youHave"), { code: have.code, what: poolOf(ev, have.pool) });
    el.querySelector(".grab").classList.toggle("hidden", !!have);
    el.querySelector(".grab-button").disabled = phase !== "open" || el.dataset.busy === "1";
    // Sold out for what the member wants: offer the waiting list instead.
    const canWait = (phase === "open" || phase === "sold_out") && ev.eligible && !waits.has(ev.id) && !holding.has(ev.id) && soldOutFor(ev, el)
      && (!FAIR.is(ev) || ev.lottery.phase === "drawn");
    el.querySelector(".wait-button").classList.toggle("hidden", !canWait);
    if (FAIR.is(ev)) FAIR.tick(ev, el);
  }
}

async function grab(id, el) {
  const result = el.querySelector(".result");
  // A ticket of this sale takes the member off its waiting list: say so first.
  if (waits.has(id) && !confirm(TG.t("grabLeavesWait"))) return;
  result.dataset.code = "";
  const body = wanted(el);
  el.dataset.busy = "1"; tick();
  for (let attempt = 0; attempt < 10; attempt++) {
    try {
      const { status: code, data } = await TG.api(token, "POST", `/api/v1/events/${id}/reservations`, body);
      // Inside a fair window: registered for its draw, not decided.
      if (code === 202) { FAIR.registered(events.find(ev => ev.id === id), el, data); break; }
      const words = data.status === "held" ? "heldGot" : code === 201 ? "got" : "already";
      // Which show it is: ranked choices may have given any of them.
      const what = () => poolOf(events.find(ev => ev.id === id), data.pool);
      tell(result, words, { code: data.code, what, t: () => TG.countdown(data.pay_by) || "0:00" }, "ok");
      result.dataset.code = data.code;
      break;
    } catch (e) {
      if (e instanceof TG.ApiError && (e.status === 429 || e.status === 503)) {
        // As the API asks: wait Retry-After, with jitter so the crowd spreads out.
        // 429 is the member's own tapping; 503 the crowd.
        const wait = Math.max(e.retryAfter || 1, 0.2) * (1 + Math.random() * 0.5);
        const words = e.status === 429 ? "tooFast" : e.code === "draw_pending" ? "drawPendingRetry" : "retrying";
        tell(result, words, { s: Math.ceil(wait) }, "warn");
        await new Promise(r => setTimeout(r, wait * 1000));
        continue;
      }
      if (e instanceof TG.ApiError && e.code === "not_open") TG.syncClock(e.problem.server_time);
      if (e.status === 401) { signOut(); break; }
      tellProblem(result, e);
      break;
    }
  }
  el.dataset.busy = "";
  loadEvents(); loadTickets();
}

async function qr(r) {
  const key = `${r.event}/${r.code}`;
  if (!qrUrls.has(key)) {
    const resp = await fetch(`/api/v1/me/reservations/${r.event}/${r.code}/qr.svg`, { headers: { Authorization: "Bearer " + token } });
    qrUrls.set(key, resp.ok ? URL.createObjectURL(await resp.blob()) : "");
  }
  return qrUrls.get(key);
}

// The list as last read: a language switch writes it again at once, in the
// new language, rather than after the list is read again.
let lastTickets = null;

async function loadTickets() {
  try {
    const { data } = await TG.api(token, "GET", "/api/v1/me/reservations");
    lastTickets = data;
    await renderTickets(data);
  } catch (e) { tellProblem(status, e); }
}

async function renderTickets(data) {
  const box = $("#tickets");
  holding = new Map(data.reservations.filter(r => ["held", "active", "redeemed"].includes(r.status)).map(r => [r.event, r]));
  tick();
  if (!data.reservations.length) { box.innerHTML = `<p class="muted">${TG.t("noTickets")}</p>`; return; }
  const parts = await Promise.all(data.reservations.map(async r => {
    const img = r.status === "active" ? `<img alt="QR ${TG.esc(r.code)}" src="${await qr(r)}">` : "";
    const live = r.status === "active" || r.status === "held";
    const cancel = live ? `<button type="button" class="secondary cancel" data-event="${TG.esc(r.event)}" data-code="${TG.esc(r.code)}">${TG.t("cancel")}</button>` : "";
    const pay = r.status === "held"
      ? `<p class="countdown pay-by" data-pay-by="${TG.esc(r.pay_by)}"></p><button type="button" class="pay" data-event="${TG.esc(r.event)}" data-code="${TG.esc(r.code)}">${TG.t("pay")}</button> ` : "";
    const when = whenWhere(r);
    return `<section class="card ticket" data-ticket="${TG.esc(r.code)}">${img}<div>
      <h3 class="what">${TG.esc(TG.ticketName(r))}</h3>
      <p><strong class="state">${TG.t(r.status)}</strong>${r.refund_due ? ` · <strong class="refund">${TG.t("refunding")}</strong>` : ""}${r.seats > 1 ? ` · <strong class="seats">${fill(TG.t("admits"), { n: r.seats })}</strong>` : ""}</p>
      ${when ? `<p class="when">${when}</p>` : ""}${r.notes && live ? `<p class="notes">${TG.own(r.notes)}</p>` : ""}
      <p class="code">${TG.esc(r.code)}</p>
      <p class="muted">${TG.esc(r.card)} · ${TG.fmtTime(r.created_at)}</p>${pay}${cancel}</div></section>`;
  }));
  box.innerHTML = parts.join("");
  tickPayBy();
  box.querySelectorAll(".pay").forEach(b => b.addEventListener("click", async () => {
    try { await TG.api(token, "POST", `/api/v1/me/reservations/${b.dataset.event}/${b.dataset.code}/pay`, {}); tell(status, "paid", null, "ok"); status.scrollIntoView({ block: "nearest", behavior: "smooth" }); }
    catch (e) { if (e.status === 404) tell(status, "payElsewhere", null, "bad"); else tellProblem(status, e); }
    loadEvents(); loadTickets();
  }));
  box.querySelectorAll(".cancel").forEach(b => b.addEventListener("click", async () => {
    if (!confirm(TG.t("confirmCancel"))) return;
    try { await TG.api(token, "DELETE", `/api/v1/me/reservations/${b.dataset.event}/${b.dataset.code}`); tell(status, "cancelled_ok", null, "ok"); }
    catch (e) { tellProblem(status, e); }
    loadEvents(); loadTickets();
  }));
}

async function loadEvents() {
  const { data } = await TG.api(token, "GET", "/api/v1/events");
  TG.syncClock(data.server_time);
  events = data.events;
  renderEvents();
  loadWaits().catch(() => {});
  loadPrograms().catch(() => {});
  LOT.load(events).catch(() => {});
  FAIR.load(events).catch(() => {});
}

// Signed out by the server (an expired or refused token): say what to do.
function signOut() {
  const expired = token !== null;
  token = null; sessionStorage.removeItem(KEY); show(false);
  if (expired) tell(status, "expiredLogin", null, "bad");
}

async function start() {
  try { await loadEvents(); show(true); loadTickets(); }
  catch (e) { if (e.status === 401) signOut(); else tellProblem(status, e); }
}

$("#signin-form").addEventListener("submit", e => { e.preventDefault(); token = TG.pastedToken($("#token").value); sessionStorage.setItem(KEY, token); start(); });
$("#signout").addEventListener("click", () => { token = null; sessionStorage.removeItem(KEY); show(false); tell(status, "", null, ""); });
// Large text for older members, remembered on this device.
function applyLarge(on) {
  document.documentElement.classList.toggle("large", on);
  $("#large").setAttribute("aria-pressed", String(on));
}
$("#large").addEventListener("click", () => {
  const on = !document.documentElement.classList.contains("large");
  localStorage.setItem("tg-large", on ? "1" : "");
  applyLarge(on);
});
applyLarge(localStorage.getItem("tg-large") === "1");
$("#lang").addEventListener("click", () => {
  TG.toggleLang(); renderEvents(); retell();
  if (lastTickets) renderTickets(lastTickets).catch(e => tellProblem(status, e));
  loadTickets();
});
TG.applyLang();
setInterval(tick, 250);
// Fresh stock and status every few seconds, and right at each opening.
setInterval(() => { if (token) loadEvents().catch(() => {}); }, 5000);
setInterval(() => { if (token && events.some(ev => ev.status === "upcoming" && !TG.countdown(ev.opens_at))) loadEvents().catch(() => {}); }, 1000);
// A fair window's draw is due: its result within a couple of seconds.
setInterval(() => { if (token && FAIR.due(events)) loadEvents().catch(() => {}); }, 2000);
if (token) start(); else show(false);
