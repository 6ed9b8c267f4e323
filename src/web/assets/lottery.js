// The member page's lottery sales (抽签): enter with ranked shows and seats,
// withdraw while registration is open, then the result — the ticket won, or
// the place on the waiting list in draw order — and what anyone can check.
// Loaded before app.js; it uses app.js's helpers (fill, tell, tellProblem,
// wanted, poolOf, token) when called.
"use strict";
TG.setDict({
  zh: { enterLottery: "报名抽签", withdraw: "取消报名", confirmWithdraw: "确定取消报名？取消后可在报名截止前重新报名。",
    registering: "报名中", awaiting_draw: "待抽签", drawing: "抽签中", drawn: "已抽签",
    regOpens: "报名开始 {t} · 距报名", regCloses: "报名截止 {t}", drawAt: "抽签时间 {t}",
    enteredLine: "已报名：{what}，{seats} · 会员号 {key}", enteredOk: "报名成功！{draw} 抽签，结果在此公布。",
    withdrawn: "已取消报名。", lotWon: "中签！{what}（抽签第 {rank} 位）· 票号 {code}，见“我的票”",
    lotWaiting: "未中签：抽签第 {rank} 位，候补第 {n} 位。有人退票时按抽签顺序分配。",
    lotWaitEnded: "未中签（抽签第 {rank} 位），候补已结束。", lotDrawing: "正在抽签，请稍候…",
    fairness: "公开验证：种子承诺 {c}… · 公开随机数来源：{src}", fairnessDrawn: "公开验证：种子 {s}… · 公开随机数 {v} · 可下载全部结果核对",
    export: "下载抽签结果", poolEntries: "{n} 座 · {e} 人报名" },
  en: { enterLottery: "Enter the draw", withdraw: "Withdraw", confirmWithdraw: "Withdraw your entry? You may enter again until registration closes.",
    registering: "Registering", awaiting_draw: "Awaiting the draw", drawing: "Drawing", drawn: "Drawn",
    regOpens: "Registration opens {t} · in", regCloses: "Registration closes {t}", drawAt: "Drawn {t}",
    enteredLine: "Entered: {what}, {seats} · member key {key}", enteredOk: "You are in! Drawn {draw}; the result shows here.",
    withdrawn: "Entry withdrawn.", lotWon: "You won! {what} (drawn {rank}) · ticket {code}, see My tickets",
    lotWaiting: "Not drawn this time: number {rank}, waiting list place {n}. Returned tickets go out in draw order.",
    lotWaitEnded: "Not drawn (number {rank}); your wait has ended.", lotDrawing: "Drawing now…",
    fairness: "Verifiable: seed commitment {c}… · public value from {src}", fairnessDrawn: "Verifiable: seed {s}… · public value {v} · download every result to check",
    export: "Download the draw", poolEntries: "{n} seats · {e} entries" },
});

const LOT = (() => {
  // The member's entry per lottery (null: not entered).
  const entries = new Map();

  // The card of a lottery: the grab button enters the draw; a line says
  // where the member stands; a withdraw button while they may.
  function setup(ev, el) {
    el.querySelector(".grab-button").dataset.i18n = "enterLottery";
    el.querySelector(".wait-button").remove();
    el.querySelector(".have").insertAdjacentHTML("afterend", `
      <p class="lotline message hidden"></p>
      <p class="withdraw-line hidden"><button type="button" class="secondary withdraw-button" data-i18n="withdraw"></button></p>
      <p class="muted fairness"></p>`);
    el.querySelector(".withdraw-button").addEventListener("click", () => withdraw(ev.id, el));
  }

  function seatsText(n) { return fill(TG.t(n > 1 ? "seatsN" : "seat1"), { n }); }

  // What the lottery's line, badge and buttons say at the server's now.
  function tick(ev, el) {
    const l = ev.lottery;
    let phase = l.phase;
    if (phase === "upcoming" && !TG.countdown(ev.opens_at)) phase = "registering";
    if (phase === "registering" && !TG.countdown(ev.closes_at)) phase = "awaiting_draw";
    if (ev.status === "paused") phase = "paused";
    const badge = el.querySelector(".status");
    badge.textContent = TG.t(phase);
    badge.className = "badge status " + (phase === "registering" ? "open" : phase);
    const opens = TG.countdown(ev.opens_at);
    el.querySelector(".countdown").textContent = phase === "upcoming"
      ? `${fill(TG.t("regOpens"), { t: TG.fmtShort(ev.opens_at) })} ${opens}`
      : phase === "registering" ? `${fill(TG.t("regCloses"), { t: TG.fmtShort(ev.closes_at) })} · ${fill(TG.t("drawAt"), { t: TG.fmtShort(l.draw_at) })}`
      : phase === "drawn" ? "" : fill(TG.t("drawAt"), { t: TG.fmtShort(l.draw_at) });
    const entry = entries.get(ev.id);
    // A ticket won is said on the lottery's line.
    el.querySelector(".have").classList.add("hidden");
    const line = el.querySelector(".lotline");
    const said = entry ? standing(ev, entry, phase) : null;
    line.classList.toggle("hidden", !said);
    if (said) { line.textContent = said.text; line.className = `lotline message ${said.kind}`; }
    el.querySelector(".grab").classList.toggle("hidden", !!entry || phase !== "registering" && phase !== "upcoming");
    el.querySelector(".grab-button").disabled = phase !== "registering" || el.dataset.busy === "1";
    el.querySelector(".withdraw-line").classList.toggle("hidden", !entry || phase !== "registering");
    // The source and the value are staff's own words: marked as Chinese
    // on the English page when they are.
    const words = (key, vars) => TG.esc(TG.t(key)).replace(/\{(\w+)\}/g, (_, k) => k === "src" || k === "v" ? TG.own(String(vars[k])) : TG.esc(String(vars[k])));
    el.querySelector(".fairness").innerHTML = l.seed
      ? words("fairnessDrawn", { s: l.seed.slice(0, 12), v: l.public_value })
      : words("fairness", { c: l.seed_commitment.slice(0, 12), src: l.public_source });
  }

  // The member's standing, in words: entered, the draw running, won, waiting.
  function standing(ev, e, phase) {
    const what = e.choices.map(c => poolOf(ev, c)).join(" / ");
    if (e.result === "won" && e.reservation) {
      return { kind: "ok", text: fill(TG.t("lotWon"), { what: poolOf(ev, e.won), rank: e.rank, code: e.reservation.code }) };
    }
    if (e.result === "waiting") {
      if (e.waiting) return { kind: "warn", text: fill(TG.t("lotWaiting"), { rank: e.rank, n: e.waiting.position }) };
      if (e.reservation) return { kind: "ok", text: fill(TG.t("waitGot"), { code: e.reservation.code }) };
      return { kind: "", text: fill(TG.t("lotWaitEnded"), { rank: e.rank }) };
    }
    if (phase === "drawing") return { kind: "warn", text: TG.t("lotDrawing") };
    return { kind: "ok", text: fill(TG.t("enteredLine"), { what, seats: seatsText(e.seats), key: e.member_key_short }) };
  }

  async function enter(ev, el) {
    const result = el.querySelector(".result");
    el.dataset.busy = "1";
    try {
      const { data } = await TG.api(token, "POST", `/api/v1/events/${ev.id}/entry`, wanted(el));
      entries.set(ev.id, data);
      tell(result, "enteredOk", { draw: () => TG.fmtShort(ev.lottery.draw_at) }, "ok");
    } catch (e) {
      if (e.status === 401) { signOut(); return; }
      tellProblem(result, e);
    } finally { el.dataset.busy = ""; }
    loadEvents();
  }

  async function withdraw(id, el) {
    if (!confirm(TG.t("confirmWithdraw"))) return;
    const result = el.querySelector(".result");
    try {
      await TG.api(token, "DELETE", `/api/v1/events/${id}/entry`);
      entries.delete(id);
      tell(result, "withdrawn", null, "ok");
    } catch (e) { tellProblem(result, e); }
    loadEvents();
  }

  // The member's entry of a draw into `into` (404: none). Drawn since the
  // last ask: the result is on the draw's line, the answer to the entry is
  // old news, and a ticket won is among the tickets. (A fair race's
  // registration too: fair.js.)
  async function refresh(ev, into) {
    try {
      const { data } = await TG.api(token, "GET", `/api/v1/events/${ev.id}/entry`);
      const before = into.get(ev.id);
      into.set(ev.id, data);
      if (before && before.result === "entered" && data.result !== "entered") {
        const el = cards.get(ev.id);
        if (el) tell(el.querySelector(".result"), "", null, "");
        loadTickets();
      }
    } catch (e) {
      if (e instanceof TG.ApiError && e.status === 404) into.delete(ev.id);
    }
  }

  // Every lottery's entry of this member.
  async function load(events) {
    for (const ev of events.filter(ev => ev.mode === "lottery")) {
      await refresh(ev, entries);
    }
    tick_all(events);
  }

  function tick_all(events) {
    for (const ev of events.filter(ev => ev.mode === "lottery")) {
      const el = cards.get(ev.id);
      if (el) tick(ev, el);
    }
  }

  // Each show's seats and how many entries rank it.
  function poolsLine(ev) {
    return ev.pools.map(p => `${TG.name(p)} ${fill(TG.t("poolEntries"), { n: p.total, e: p.entries })}`).join(" · ");
  }

  return { setup, tick, enter, load, refresh, poolsLine };
})();
