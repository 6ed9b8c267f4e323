// The member page's races with a fair window (公平开抢): inside the window a
// grab is registered (202), not decided; the page says so with a countdown
// to the draw, then shows the result — the ticket won, or the place on the
// waiting list in draw order. Loaded after lottery.js (its words for the
// result) and before app.js; it uses app.js's helpers when called.
"use strict";
TG.setDict({
  zh: { fairNote: "公平开抢：开抢后 {n} 秒内提交的一律登记，{t} 统一抽取（先后不影响结果）；之后余票先到先得。",
    registeredLine: "已登记，开抢后 {n} 秒统一抽取 · 还有 {t}", registeredOk: "已登记！开抢后 {n} 秒统一抽取，结果在此公布。",
    fairDrawing: "正在统一抽取，请稍候…", drawPendingRetry: "正在统一抽取，{s} 秒后自动重试…",
    fairPublic: "抽取可核对：种子承诺 {c}…（开抢前公布）" },
  en: { fairNote: "Fair opening: every grab in the first {n} s is registered and drawn together at {t} (being first gains nothing); what is left then sells first come.",
    registeredLine: "Registered: drawn {n} s after the opening · in {t}", registeredOk: "Registered! Drawn {n} s after the opening; the result shows here.",
    fairDrawing: "Drawing the registrations…", drawPendingRetry: "Drawing the registrations — trying again in {s} s…",
    fairPublic: "Checkable draw: seed commitment {c}… (published before the opening)" },
});

const FAIR = (() => {
  // The member's registration per fair race (its entry; absent: none).
  const entries = new Map();

  function is(ev) { return !!(ev.lottery && ev.lottery.fair_window_secs); }

  function setup(ev, el) {
    el.querySelector(".have").insertAdjacentHTML("afterend", `
      <p class="fairline message hidden" role="status"></p>
      <p class="muted fairnote"></p>`);
  }

  // A 202 to a grab: the registration, said with the draw's countdown.
  function registered(ev, el, data) {
    entries.set(ev.id, data.entry);
    tell(el.querySelector(".result"), "registeredOk", { n: ev.lottery.fair_window_secs }, "ok");
    tick(ev, el);
  }

  // What the card says of the window at the server's now.
  function tick(ev, el) {
    const l = ev.lottery;
    el.querySelector(".fairnote").textContent = l.phase === "drawn" ? ""
      : fill(TG.t("fairNote"), { n: l.fair_window_secs, t: TG.fmtShort(l.draw_at) })
        + " " + fill(TG.t("fairPublic"), { c: l.seed_commitment.slice(0, 12) });
    const e = entries.get(ev.id);
    const line = el.querySelector(".fairline");
    line.classList.toggle("hidden", !e);
    if (!e) return;
    // Registered: no grab button until the result is in; a ticket won is
    // said on this line.
    if (e.result === "entered") el.querySelector(".grab").classList.add("hidden");
    if (e.result === "won") el.querySelector(".have").classList.add("hidden");
    let text, kind = "ok";
    if (e.result === "won" && e.reservation) {
      text = fill(TG.t("lotWon"), { what: poolOf(ev, e.won), rank: e.rank, code: e.reservation.code });
    } else if (e.result === "waiting") {
      kind = "warn";
      text = e.waiting ? fill(TG.t("lotWaiting"), { rank: e.rank, n: e.waiting.position })
        : e.reservation ? fill(TG.t("waitGot"), { code: e.reservation.code })
        : fill(TG.t("lotWaitEnded"), { rank: e.rank });
    } else {
      const left = TG.countdown(l.draw_at);
      text = left ? fill(TG.t("registeredLine"), { n: l.fair_window_secs, t: left }) : TG.t("fairDrawing");
      kind = left ? "ok" : "warn";
    }
    line.textContent = text;
    line.className = `fairline message ${kind}`;
  }

  // The member's registration in each fair race that has opened (404:
  // none); asked again every few seconds until its result is in.
  async function load(events) {
    for (const ev of events.filter(ev => is(ev) && ev.lottery.phase !== "upcoming")) {
      // A ticket won is final; a place on the list moves, so it is asked again.
      if (entries.get(ev.id) && entries.get(ev.id).result === "won") continue;
      await LOT.refresh(ev, entries);
      const el = cards.get(ev.id);
      if (el) tick(ev, el);
    }
  }

  // Registered and the draw due: ask for the result now, not at the next
  // five-second reload.
  function due(events) {
    return events.some(ev => is(ev) && entries.get(ev.id) && entries.get(ev.id).result === "entered" && !TG.countdown(ev.lottery.draw_at));
  }

  return { is, setup, registered, tick, load, due };
})();
