// The staff dashboard: live stats from /api/v1/admin/stream, and the actions.
"use strict";
TG.setDict({
  zh: { title: "抢票看板", lang: "English", signout: "退出", signin: "工作人员登录", token: "工作人员令牌", go: "登录",
    create: "新建活动", id: "活动编号", name: "名称（中文）", org: "工会范围", opens: "开抢时间（北京时间）", closes: "结束时间（北京时间）", price: "价格（元）", maxSeats: "每票人数上限", holdMinutes: "支付时限（分钟，收费活动默认15）",
    pools: "票池", addpool: "添加票池", createbtn: "创建", poolid: "票池编号", pooltitle: "票池名称", total: "总数",
    seatsPer: "每票最多 {n} 人（数字均为座位数）", remaining: "剩余", held: "待支付", expired: "超时未付", active: "已抢", redeemed: "已核销", cancelled: "已退", opensin: "距开抢", perSecond: "每秒出票（近60秒）",
    restock: "补票/撤票", delta: "数量（负数为撤回）", pool: "票池", apply: "确定", pause: "暂停", resume: "恢复", close: "结束",
    export: "导出 CSV", audit: "核对", auditOk: "核对通过", auditBad: "核对发现问题", live: "实时连接中", reconnecting: "连接断开，正在重连…",
    upcoming: "未开始", open: "进行中", paused: "已暂停", sold_out: "已抢完", closed: "已结束", created: "已创建", done: "已完成",
    confirmClose: "确定结束该活动？结束后不能恢复。", noevents: "您的范围内还没有活动。", removepool: "删除",
    useStation: "服务站工作人员请使用服务站页面：/station",
    noShow: "未到场释放", waiting: "候补", release: "释放未核销的票", confirmRelease: "确定释放该票池所有已付款但未核销的票？这些票将作废，座位先给候补会员，再给现场。",
    released: "已释放 {n} 张（{s} 座），剩余 {r}。",
    totals: "共 {events} 个活动 · 总数 {total} · 已售 {sold}（已核销 {redeemed}）· 剩余 {remaining} · 待支付 {held} · 候补 {waiting}",
    nameEn: "英文名称（可选）", venue: "地点（可选）", starts: "演出/使用时间（可选）", notes: "使用说明（可选，如“到龙潭街道工会服务站出示二维码”）",
    pooltitleEn: "英文名称（可选）", poolStarts: "该场时间（可选）", more: "详情与操作",
    rateNow: "当前 {r} 张/秒", eta: "预计 {t} 后售罄", soldOutIn: "开抢后 {t} 售罄", ago: "{n} 秒前", now: "现在", peak: "峰值 {n}/秒",
    refused: "本实例启动以来：限流(429) {rate_limited} · 繁忙(503) {overloaded} · 存储故障 {store_errors} · 服务器错误(5xx) {server_errors}" },
  en: { title: "Ticket grab dashboard", lang: "中文", signout: "Sign out", signin: "Staff sign-in", token: "Staff token", go: "Sign in",
    create: "Create an event", id: "Event id", name: "Title (Chinese)", org: "Union (org path)", opens: "Opens at (Beijing time)", closes: "Closes at (Beijing time)", price: "Price (yuan)", maxSeats: "Seats per ticket (max)", holdMinutes: "Minutes to pay (priced sales: 15 if empty)",
    pools: "Pools", addpool: "Add a pool", createbtn: "Create", poolid: "Pool id", pooltitle: "Pool title", total: "Total",
    seatsPer: "up to {n} seats per ticket (figures in seats)", remaining: "Remaining", held: "Awaiting payment", expired: "Expired unpaid", active: "Active", redeemed: "Redeemed", cancelled: "Cancelled", opensin: "Opens in", perSecond: "Tickets per second (last 60 s)",
    restock: "Restock / withdraw", delta: "Amount (negative withdraws)", pool: "Pool", apply: "Apply", pause: "Pause", resume: "Resume", close: "Close",
    export: "Export CSV", audit: "Audit", auditOk: "Audit passed", auditBad: "Audit found problems", live: "Live", reconnecting: "Disconnected, reconnecting…",
    upcoming: "Upcoming", open: "Open", paused: "Paused", sold_out: "Sold out", closed: "Closed", created: "Created", done: "Done",
    confirmClose: "Close this sale? It cannot be reopened.", noevents: "No events in your org yet.", removepool: "Remove",
    noShow: "No-shows released", waiting: "Waiting", release: "Release unused tickets", confirmRelease: "Release every paid, unused ticket of this pool? They become void; their seats go to the waiting list first, then to walk-ups.",
    released: "Released {n} tickets ({s} seats); {r} left.",
    totals: "Sales: {events} · total {total} · sold {sold} ({redeemed} used) · left {remaining} · awaiting payment {held} · waiting {waiting}",
    useStation: "Station staff: please use the station screen at /station",
    nameEn: "English title (optional)", venue: "Venue (optional)", starts: "Show / valid from (optional)", notes: "How to use the ticket (optional)",
    pooltitleEn: "English title (optional)", poolStarts: "This show's time (optional)", more: "Details and actions",
    rateNow: "now {r} tickets/s", eta: "sells out in about {t}", soldOutIn: "sold out {t} after opening", ago: "{n} s ago", now: "now", peak: "peak {n}/s",
    refused: "This instance since it started: rate-limited (429) {rate_limited} · busy (503) {overloaded} · store failures {store_errors} · server errors (5xx) {server_errors}" },
});

const KEY = "tg-staff-token";
let token = TG.initialToken(KEY);
const $ = sel => document.querySelector(sel);
const status = $("#status");
const cards = new Map();
let latest = [];

// The status line by its words' key, so a language switch re-says it.
let statusKey = null;
function sayKey(key, kind) { statusKey = [key, kind]; TG.say(status, TG.t(key), kind); }

function showBoard(on) {
  $("#signin").classList.toggle("hidden", on);
  $("#board").classList.toggle("hidden", !on);
  $("#signout").classList.toggle("hidden", !on);
}


// Tickets per second over the last minute, with its scale: the peak at the
// top, the time along the bottom.
function chart(perSecond) {
  const values = perSecond || [];
  const max = Math.max(1, ...values);
  const w = 600, h = 80, bw = w / Math.max(values.length, 1);
  const bars = values.map((v, i) => `<rect x="${(i * bw).toFixed(1)}" y="${(h - v / max * (h - 4)).toFixed(1)}" width="${Math.max(bw - 1, 1).toFixed(1)}" height="${(v / max * (h - 4)).toFixed(1)}" fill="#2563eb"/>`).join("");
  const n = values.length;
  return `<div class="muted axis-y">${TG.esc(TG.t("peak").replace("{n}", max))}</div>
    <svg viewBox="0 0 ${w} ${h}" preserveAspectRatio="none" role="img" aria-label="${TG.esc(TG.t("perSecond"))}: ${values.slice(-1)[0] || 0}">${bars}</svg>
    <div class="muted row axis-x"><span>${TG.t("ago").replace("{n}", n)}</span><span style="text-align:center">${TG.t("ago").replace("{n}", Math.round(n / 2))}</span><span style="text-align:right">${TG.t("now")}</span></div>`;
}

// "1:05" for 65 seconds.
function clock(s) { s = Math.max(0, Math.round(s)); return Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0"); }

// The summary line: stock, the current rate, and when it sells out (an
// estimate while selling; once sold out, how long it took, when this page
// saw the last seats go: opened after the sell-out, it cannot say).
const soldOutAt = new Map();
const sawSelling = new Set();
function pace(ev) {
  if (ev.mode === "lottery") return LOTA.summary(ev);
  // A race with a fair window: the window's line until it is drawn, then the race's too.
  if (LOTA.fair(ev) && ev.lottery.phase !== "drawn") return LOTA.summary(ev);
  const remaining = ev.pools.reduce((n, p) => n + p.remaining, 0), total = ev.pools.reduce((n, p) => n + p.total, 0);
  const values = ev.grabs_per_second || [];
  // The last whole second (the newest one is still filling).
  const rate = values.length > 1 ? values[values.length - 2] : values[0] || 0;
  const parts = [`${TG.t("remaining")} ${remaining} / ${total}`, TG.t("rateNow").replace("{r}", rate)];
  if (remaining > 0 && ev.status === "open") sawSelling.add(ev.id);
  if (remaining === 0) {
    if (sawSelling.has(ev.id) && !soldOutAt.has(ev.id)) soldOutAt.set(ev.id, TG.serverNow());
    const took = (soldOutAt.get(ev.id) - Date.parse(ev.opens_at)) / 1000;
    if (took >= 0 && took < 24 * 3600) parts.push(TG.t("soldOutIn").replace("{t}", clock(took)));
  } else if (rate > 0) {
    parts.push(TG.t("eta").replace("{t}", clock(remaining / rate)));
  }
  return parts;
}

function card(ev) {
  let el = cards.get(ev.id);
  if (el) return el;
  el = document.createElement("section");
  el.className = "card";
  el.dataset.event = ev.id;
  el.innerHTML = `
    <h2><span class="title"></span> <span class="badge status"></span> <span class="countdown"></span></h2>
    <details class="more"><summary><span class="summary-line"></span> <span class="open-hint" data-i18n="more"></span></summary>
    <p class="muted meta"></p>
    <div class="pools"></div>
    <div class="legend"><span style="color:var(--active)">■ <span data-i18n="active"></span></span><span style="color:var(--redeemed)">■ <span data-i18n="redeemed"></span></span><span style="color:#b45309">■ <span data-i18n="held"></span></span><span>□ <span data-i18n="remaining"></span></span></div>
    <h3 style="margin-top:.75rem" data-i18n="perSecond"></h3>
    <div class="chart"></div>
    <form class="restock row" style="margin-top:.75rem">
      <div><label for="rp-${ev.id}" data-i18n="pool"></label><select id="rp-${ev.id}" name="pool"></select></div>
      <div><label for="rd-${ev.id}" data-i18n="delta"></label><input id="rd-${ev.id}" name="delta" type="number" step="1" required></div>
      <button type="submit" data-i18n="apply"></button>
      <button type="button" class="secondary act-release" data-i18n="release"></button>
    </form>
    <div class="row" style="margin-top:.5rem">
      <button type="button" class="secondary act-pause" data-i18n="pause"></button>
      <button type="button" class="secondary act-resume" data-i18n="resume"></button>
      <button type="button" class="secondary act-export" data-i18n="export"></button>
      <button type="button" class="secondary act-audit" data-i18n="audit"></button>
      <button type="button" class="danger act-close" data-i18n="close" style="margin-left:auto"></button>
    </div>
    <pre class="audit hidden"></pre></details>
    <p class="message result" role="status" aria-live="polite"></p>`;
  // A busy day's sales fit on one screen: each a line that opens into its
  // detail. A few sales start open.
  el.querySelector("details").open = latest.length <= 3;
  const result = el.querySelector(".result");
  const act = async (fn, okText) => {
    try { await fn(); TG.say(result, okText || TG.t("done"), "ok"); refresh(); }
    catch (e) { TG.say(result, TG.problemWithCode(e), "bad"); }
  };
  el.querySelector(".restock").addEventListener("submit", e => {
    e.preventDefault();
    const f = e.target;
    act(() => TG.api(token, "POST", `/api/v1/admin/events/${ev.id}/pools/${f.pool.value}/restock`, { delta: Number(f.delta.value) }));
  });
  el.querySelector(".restock").pool.addEventListener("change", () => showRelease(latest.find(e => e.id === ev.id) || ev, el));
  el.querySelector(".act-release").addEventListener("click", async () => {
    const pool = el.querySelector(".restock").pool.value;
    if (!confirm(TG.t("confirmRelease"))) return;
    try {
      const { data } = await TG.api(token, "POST", `/api/v1/admin/events/${ev.id}/pools/${pool}/release-unredeemed`, {});
      TG.say(result, TG.t("released").replace("{n}", data.released).replace("{s}", data.seats).replace("{r}", data.remaining), "ok");
      refresh();
    } catch (e) { TG.say(result, TG.problemWithCode(e), "bad"); }
  });
  el.querySelector(".act-pause").addEventListener("click", () => act(() => TG.api(token, "POST", `/api/v1/admin/events/${ev.id}/pause`, {})));
  el.querySelector(".act-resume").addEventListener("click", () => act(() => TG.api(token, "POST", `/api/v1/admin/events/${ev.id}/resume`, {})));
  el.querySelector(".act-close").addEventListener("click", () => {
    if (confirm(TG.t("confirmClose"))) act(() => TG.api(token, "POST", `/api/v1/admin/events/${ev.id}/close`, {}));
  });
  el.querySelector(".act-export").addEventListener("click", () => act(async () => {
    const resp = await fetch(`/api/v1/admin/events/${ev.id}/reservations.csv`, { headers: { Authorization: "Bearer " + token } });
    if (!resp.ok) throw new TG.ApiError(resp.status, await resp.json(), 0);
    const a = document.createElement("a");
    a.href = URL.createObjectURL(await resp.blob());
    a.download = `${ev.id}-reservations.csv`;
    a.click();
  }));
  el.querySelector(".act-audit").addEventListener("click", async () => {
    const out = el.querySelector(".audit");
    try {
      const { data } = await TG.api(token, "GET", `/api/v1/admin/events/${ev.id}/audit`);
      TG.say(result, data.ok ? TG.t("auditOk") : TG.t("auditBad"), data.ok ? "ok" : "bad");
      out.textContent = JSON.stringify(data, null, 2);
      out.classList.remove("hidden");
    } catch (e) { TG.say(result, TG.problemWithCode(e), "bad"); }
  });
  const select = el.querySelector("select");
  ev.pools.forEach(p => { const o = document.createElement("option"); o.value = p.id; select.append(o); });
  if (ev.lottery) LOTA.setup(ev, el);
  ARCH.setup(ev, el);
  cards.set(ev.id, el);
  $("#events").append(el);
  TG.applyLang();
  return el;
}

// No-shows are released once the chosen pool's show has begun (a sale with
// no show time: once it has opened): before, it would void valid tickets.
function showRelease(ev, el) {
  const pool = ev.pools.find(p => p.id === el.querySelector(".restock").pool.value) || {};
  const begins = pool.starts_at || ev.starts_at || ev.opens_at;
  el.querySelector(".act-release").classList.toggle("hidden", TG.serverNow() < Date.parse(begins));
}

function render(events) {
  latest = events;
  // A sale archived (or gone) leaves the board.
  for (const [id, el] of cards) {
    if (!events.some(ev => ev.id === id)) { el.remove(); cards.delete(id); }
  }
  if (!events.length) { TG.say(status, TG.t("noevents"), ""); }
  for (const ev of events) {
    const el = card(ev);
    el.querySelector(".title").textContent = TG.name(ev);
    el.querySelectorAll(".restock option").forEach(o => { const p = ev.pools.find(p => p.id === o.value); o.textContent = `${TG.name(p)} (${p.id})`; });
    el.querySelector(".summary-line").innerHTML = pace(ev).map(t => `<span>${TG.esc(t)}</span>`).join("");
    showRelease(ev, el);
    const badge = el.querySelector(".status");
    badge.textContent = TG.t(ev.status);
    badge.className = "badge status " + ev.status;
    el.querySelector(".meta").textContent = `${ev.id} · ${ev.org} · ${TG.fmtTime(ev.opens_at)} – ${TG.fmtTime(ev.closes_at)}`
      + (ev.max_seats > 1 ? ` · ${TG.t("seatsPer").replace("{n}", ev.max_seats)}` : "");
    el.querySelector(".pools").innerHTML = ev.pools.map(p => {
      const pct = n => (100 * n / Math.max(p.total, 1)).toFixed(2);
      return `<div class="pool" data-pool="${TG.esc(p.id)}">
        <div><strong>${TG.esc(TG.name(p))}</strong>${p.starts_at ? ` <span class="muted">${TG.esc(TG.fmtShort(p.starts_at))} ·</span>` : ""} <span class="muted">${TG.t("remaining")} <span class="remaining">${p.remaining}</span> / ${p.total} ·
          ${TG.t("active")} <span class="active">${p.active}</span> · ${TG.t("redeemed")} <span class="redeemed">${p.redeemed}</span> ·
          ${TG.t("cancelled")} <span class="cancelled">${p.cancelled}</span>${p.held || p.expired ? ` ·
          ${TG.t("held")} <span class="held">${p.held}</span> · ${TG.t("expired")} <span class="expired">${p.expired}</span>` : ""}${p.no_show ? ` ·
          ${TG.t("noShow")} <span class="no-show">${p.no_show}</span>` : ""}${p.waiting ? ` ·
          ${TG.t("waiting")} <span class="waiting">${p.waiting}</span>` : ""}</span></div>
        <div class="bar" role="img" aria-label="${TG.esc(TG.name(p))}: ${p.remaining} / ${p.total}">
          <span class="redeemed" style="width:${pct(p.redeemed)}%"></span><span class="active" style="width:${pct(p.active)}%"></span><span class="held" style="width:${pct(p.held)}%"></span></div>${PARTS.live(p)}</div>`;
    }).join("");
    el.querySelector(".chart").innerHTML = chart(ev.grabs_per_second);
    if (ev.lottery) LOTA.render(ev, el);
    ARCH.render(ev, el);
    PARTS.render(ev, el);
    // Only the actions that apply: pause an open sale, resume a paused one,
    // close what is not closed.
    el.querySelector(".act-pause").classList.toggle("hidden", ev.sale_status !== "open");
    el.querySelector(".act-resume").classList.toggle("hidden", ev.sale_status !== "paused");
    el.querySelector(".act-close").classList.toggle("hidden", ev.sale_status === "closed");
  }
  // Totals across the day's sales, at the top.
  const sum = k => events.reduce((n, ev) => n + ev.pools.reduce((m, p) => m + (p[k] || 0), 0), 0);
  const sold = sum("active") + sum("redeemed") + sum("held");
  $("#totals").textContent = events.length ? Object.entries({ events: events.length, total: sum("total"), sold,
    redeemed: sum("redeemed"), remaining: sum("remaining"), held: sum("held"), waiting: sum("waiting") })
    .reduce((text, [k, v]) => text.replace(`{${k}}`, v), TG.t("totals")) : "";
  tick();
}

function tick() {
  for (const ev of latest) {
    const el = cards.get(ev.id);
    if (!el) continue;
    const left = ev.status === "upcoming" ? TG.countdown(ev.opens_at) : null;
    el.querySelector(".countdown").textContent = left ? `${TG.t("opensin")} ${left}` : "";
  }
}

let refused = null;
function showRefused() {
  $("#refused").textContent = refused ? Object.entries(refused).reduce((text, [k, v]) => text.replace(`{${k}}`, v), TG.t("refused")) : "";
}

async function refresh() {
  const { data } = await TG.api(token, "GET", "/api/v1/admin/events");
  TG.syncClock(data.server_time);
  refused = data.refused; showRefused();
  render(data.events);
}

// Server-sent events over fetch, so the token travels in a header, not the URL.
async function stream() {
  for (;;) {
    try {
      const resp = await fetch("/api/v1/admin/stream", { headers: { Authorization: "Bearer " + token } });
      if (resp.status === 401 || resp.status === 403) { signOut(); return; }
      if (!resp.ok) throw new Error("HTTP " + resp.status);
      sayKey("live", "ok");
      const reader = resp.body.getReader();
      const decoder = new TextDecoder();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let end;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = frame.split("\n").filter(l => l.startsWith("data:")).map(l => l.slice(5).trim()).join("\n");
          if (frame.includes("event: stats") && data) {
            const stats = JSON.parse(data);
            TG.syncClock(stats.server_time);
            refused = stats.refused; showRefused();
            render(stats.events);
          }
        }
      }
    } catch (e) { /* fall through to reconnect */ }
    if (!token) return;
    sayKey("reconnecting", "warn");
    await new Promise(r => setTimeout(r, 2000));
  }
}

function addPoolRow(id, title, total) {
  const n = $("#pool-rows").children.length + 1;
  const row = document.createElement("div");
  row.className = "row pool-row";
  row.innerHTML = `
    <div><label for="p-id-${n}" data-i18n="poolid"></label><input id="p-id-${n}" class="p-id" required value="${TG.esc(id || "p" + n)}"></div>
    <div><label for="p-title-${n}" data-i18n="pooltitle"></label><input id="p-title-${n}" class="p-title" required maxlength="200" value="${TG.esc(title || "")}"></div>
    <div><label for="p-title-en-${n}" data-i18n="pooltitleEn"></label><input id="p-title-en-${n}" class="p-title-en" maxlength="200"></div>
    <div><label for="p-starts-${n}" data-i18n="poolStarts"></label><input id="p-starts-${n}" class="p-starts" type="datetime-local"></div>
    <div><label for="p-total-${n}" data-i18n="total"></label><input id="p-total-${n}" class="p-total" type="number" min="1" required value="${total || 100}"></div>${PARTS.fields(n)}
    <button type="button" class="secondary" data-i18n="removepool"></button>`;
  row.querySelector("button").addEventListener("click", () => { if ($("#pool-rows").children.length > 1) row.remove(); });
  $("#pool-rows").append(row);
  TG.applyLang();
}

// The form's times are Beijing's, whatever this device's zone.
function localInput(date) { return TG.beijingInput(date); }

$("#create-form").addEventListener("submit", async e => {
  e.preventDefault();
  // What is left empty is not sent (optional fields).
  const optional = (o, k, v) => { if (v) o[k] = v; return o; };
  const instant = TG.fromBeijingInput;
  let pools;
  try { pools = [...document.querySelectorAll(".pool-row")].map(r => {
    const p = { id: r.querySelector(".p-id").value.trim(), title: r.querySelector(".p-title").value.trim(), total: Number(r.querySelector(".p-total").value) };
    optional(p, "title_en", r.querySelector(".p-title-en").value.trim());
    Object.assign(p, PARTS.read(r));
    return optional(p, "starts_at", instant(r.querySelector(".p-starts").value));
  }); } catch (err) { TG.say(status, err.message, "bad"); return; }
  const body = { id: $("#c-id").value.trim(), title: $("#c-title").value.trim(), org: $("#c-org").value,
    opens_at: instant($("#c-opens").value), closes_at: instant($("#c-closes").value),
    price_fen: Math.round(Number($("#c-price").value) * 100), max_seats: Number($("#c-seats").value), pools };
  optional(body, "title_en", $("#c-title-en").value.trim());
  optional(body, "venue", $("#c-venue").value.trim());
  optional(body, "starts_at", instant($("#c-starts").value));
  optional(body, "notes", $("#c-notes").value.trim());
  // Empty: the service's default (15 minutes for a priced sale, none if free).
  if ($("#c-hold").value !== "") body.hold_minutes = Number($("#c-hold").value);
  LOTA.formBody(body);
  PROG.formBody(body);
  try {
    await TG.api(token, "POST", "/api/v1/admin/events", body);
    TG.say(status, `${TG.t("created")}: ${body.id}`, "ok");
    await refresh();
    PROG.load();
  } catch (err) { TG.say(status, TG.problemWithCode(err), "bad"); }
});

function signOut() {
  token = null;
  sessionStorage.removeItem(KEY);
  showBoard(false);
}

$("#signin-form").addEventListener("submit", e => {
  e.preventDefault();
  token = TG.pastedToken($("#token").value);
  sessionStorage.setItem(KEY, token);
  start();
});
$("#signout").addEventListener("click", signOut);
$("#lang").addEventListener("click", () => {
  TG.toggleLang(); render(latest); showRefused(); fillOrgs(); ARCH.draw(); PROG.draw(); PROG.fillSelect(); REG.draw();
  if (statusKey && status.textContent) sayKey(...statusKey);
});
$("#add-pool").addEventListener("click", () => addPoolRow());

// The unions a sale may be for, picked from a list (the staff's own first).
let orgs = [];
function fillOrgs() {
  const select = $("#c-org"), chosen = select.value;
  select.innerHTML = orgs.map(o => `<option value="${TG.esc(o.path)}">${TG.esc((TG.lang === "en" && o.name_en) || o.name)} · ${TG.esc(o.path)}</option>`).join("");
  if (chosen) select.value = chosen;
}

async function start() {
  try {
    orgs = (await TG.api(token, "GET", "/api/v1/admin/orgs")).data.orgs;
    fillOrgs();
    await refresh();
    showBoard(true);
    ARCH.load();
    PROG.load();
    REG.load();
    stream();
  } catch (e) {
    // Station staff have their own screen: say where it is, in words.
    if (e.code === "forbidden") TG.say(status, TG.t("useStation"), "bad");
    else TG.say(status, TG.problemWithCode(e), "bad");
    if (e.status === 401 || e.status === 403) signOut();
  }
}

addPoolRow("p1", "", 100);
LOTA.formSetup();
const soon = new Date(Date.now() + 10 * 60000);
$("#c-opens").value = localInput(soon);
$("#c-closes").value = localInput(new Date(soon.getTime() + 3 * 3600000));
$("#c-draw").value = $("#c-closes").value;
// The draw follows the close while staff have not set it apart.
let drawFollows = true;
$("#c-draw").addEventListener("input", () => { drawFollows = $("#c-draw").value === $("#c-closes").value; });
$("#c-closes").addEventListener("input", () => { if (drawFollows) $("#c-draw").value = $("#c-closes").value; });
TG.applyLang();
setInterval(tick, 250);
if (token) start(); else showBoard(false);
