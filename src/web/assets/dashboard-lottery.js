// The dashboard's lottery sales (抽签): entries per show as they come, the
// public value entered after the close, the draw run and followed, and the
// values it publishes. Loaded before dashboard.js; uses its token and refresh
// when called.
"use strict";
TG.setDict({
  zh: { mode: "方式", modeRace: "抢票（先到先得）", modeLottery: "抽签（报名后抽签）", drawAtField: "抽签时间", sourceField: "公开随机数来源（如“drand 第 5000000 轮”）",
    registering: "报名中", awaiting_draw: "待抽签", drawing: "抽签中", drawn: "已抽签",
    entriesN: "报名 {n} 人", entry1: "报名 1 人", entriesWord: "报名", publicValue: "公开随机数（报名截止后录入）", enterValue: "录入", draw: "开始抽签",
    drawProgress: "已写入 {w} / {n}", commitment: "种子承诺", seed: "种子", source: "公开随机数来源", value: "公开随机数",
    digest: "报名名单摘要", drawSeed: "抽签种子", algorithm: "算法", lotteryExport: "下载抽签结果（JSON）",
    drawStarted: "抽签已开始。", drawnAlready: "抽签已完成，结果已公布。", valueSaved: "公开随机数已录入。", drawAtLine: "抽签时间 {t}",
    fairField: "公平开抢窗口（秒，0 为不设）", fairLine: "公平开抢：前 {n} 秒登记 {e} 人，{t} 自动抽取", fairDrawn: "公平开抢：{e} 人登记，已自动抽取",
    fairNoValue: "无公开随机数：防的是手速，不防持有种子的运营方" },
  en: { mode: "Mode", modeRace: "Race (first come, first served)", modeLottery: "Lottery (enter, then a draw)", drawAtField: "Draw at", sourceField: "Public random value from (e.g. \"drand round 5000000\")",
    registering: "Registering", awaiting_draw: "Awaiting the draw", drawing: "Drawing", drawn: "Drawn",
    entriesN: "{n} entries", entriesWord: "entries", publicValue: "Public value (after registration closes)", enterValue: "Enter", draw: "Run the draw",
    drawProgress: "{w} / {n} written", commitment: "Seed commitment", seed: "Seed", source: "Public value from", value: "Public value",
    digest: "Entries digest", drawSeed: "Draw seed", algorithm: "Algorithm", lotteryExport: "Download the draw (JSON)",
    drawStarted: "The draw has started.", drawnAlready: "The draw is done and published.", entry1: "1 entry", valueSaved: "Public value entered.", drawAtLine: "Draw at {t}",
    fairField: "Fair window (seconds, 0 for none)", fairLine: "Fair opening: {e} registered in the first {n} s, drawn automatically at {t}", fairDrawn: "Fair opening: {e} registered, drawn automatically",
    fairNoValue: "No public value: it protects members from speed, not from an operator who holds the seed" },
});

const LOTA = (() => {
  // A race's fair window: drawn with the lottery's rules, by itself.
  function fair(ev) { return !!(ev.lottery && ev.lottery.fair_window_secs); }

  function setup(ev, el) {
    el.querySelector(".pools").insertAdjacentHTML("afterend", `
      <div class="lottery-admin">
        <p class="lottery-state"></p>
        <form class="public-value row">
          <div><label for="pv-${ev.id}" data-i18n="publicValue"></label><input id="pv-${ev.id}" name="value" maxlength="200" required></div>
          <button type="submit" data-i18n="enterValue"></button>
          <button type="button" class="act-draw" data-i18n="draw"></button>
          <button type="button" class="secondary act-lottery-export" data-i18n="lotteryExport"></button>
        </form>
        <dl class="published"></dl>
      </div>`);
    const result = el.querySelector(".result");
    el.querySelector(".public-value").addEventListener("submit", async e => {
      e.preventDefault();
      try {
        await TG.api(token, "POST", `/api/v1/admin/events/${ev.id}/lottery/public-value`, { value: e.target.value.value.trim() });
        TG.say(result, TG.t("valueSaved"), "ok"); refresh();
      } catch (err) { TG.say(result, TG.problemWithCode(err), "bad"); }
    });
    el.querySelector(".act-draw").addEventListener("click", async () => {
      try {
        // 202: started now; 200: it was drawn already (pressed again).
        const { status } = await TG.api(token, "POST", `/api/v1/admin/events/${ev.id}/lottery/draw`, {});
        TG.say(result, TG.t(status === 200 ? "drawnAlready" : "drawStarted"), "ok"); refresh();
      } catch (err) { TG.say(result, TG.problemWithCode(err), "bad"); }
    });
    el.querySelector(".act-lottery-export").addEventListener("click", async () => {
      try {
        const { data } = await TG.api(token, "GET", `/api/v1/events/${ev.id}/lottery/export`);
        const a = document.createElement("a");
        a.href = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: "application/json" }));
        a.download = `${ev.id}-draw.json`;
        a.click();
      } catch (err) { TG.say(result, TG.problemWithCode(err), "bad"); }
    });
    // No public value to enter, no draw to press: the window's is automatic.
    if (fair(ev)) el.querySelectorAll(".public-value > div, .public-value button[type=submit], .act-draw").forEach(n => n.remove());
  }

  // The summary line of a lottery: its phase, the entries, the draw's progress.
  function summary(ev) {
    const l = ev.lottery;
    if (fair(ev)) {
      const line = TG.t(l.phase === "drawn" ? "fairDrawn" : "fairLine")
        .replace("{n}", l.fair_window_secs).replace("{e}", l.entries).replace("{t}", TG.fmtShort(l.draw_at));
      return l.phase === "drawing" ? [line, TG.t("drawProgress").replace("{w}", l.written).replace("{n}", l.entries)] : [line];
    }
    // The phase is the badge's; the line says what the badge does not.
    const parts = [l.entries === 1 ? TG.t("entry1") : TG.t("entriesN").replace("{n}", l.entries)];
    if (l.phase === "drawing") parts.push(TG.t("drawProgress").replace("{w}", l.written).replace("{n}", l.entries));
    if (l.phase !== "drawn") parts.push(TG.t("drawAtLine").replace("{t}", TG.fmtShort(l.draw_at)));
    return parts;
  }

  function render(ev, el) {
    const l = ev.lottery;
    // Where the lottery stands, not the sale window's "closed" (a fair
    // window's race is the race's once drawn).
    const badge = el.querySelector(".status");
    if (!fair(ev) || (l.phase !== "drawn" && l.phase !== "upcoming")) {
      badge.textContent = TG.t(l.phase);
      badge.className = "badge status " + (l.phase === "registering" ? "open" : l.phase === "drawn" ? "upcoming" : "paused");
    }
    el.querySelector(".lottery-state").textContent = summary(ev).join(" · ") + (fair(ev) ? ` · ${TG.t("fairNoValue")}` : "");
    if (fair(ev)) {
      el.querySelector(".act-lottery-export").classList.toggle("hidden", l.phase !== "drawn");
      published(el, l);
      return;
    }
    el.querySelectorAll(".pool").forEach(row => {
      const p = ev.pools.find(p => p.id === row.dataset.pool);
      let n = row.querySelector(".entries");
      if (!n) { row.querySelector("div").insertAdjacentHTML("beforeend", ` <span class="muted">· <span class="entries-label"></span> <span class="entries"></span></span>`); n = row.querySelector(".entries"); }
      row.querySelector(".entries-label").textContent = TG.t("entriesWord");
      n.textContent = p ? p.entries : 0;
    });
    const closed = !TG.countdown(ev.closes_at);
    const form = el.querySelector(".public-value");
    form.querySelector("input").disabled = !closed || !!l.public_value;
    if (l.public_value && !form.querySelector("input").value) form.querySelector("input").value = l.public_value;
    form.querySelector("button[type=submit]").classList.toggle("hidden", !closed || !!l.public_value);
    el.querySelector(".act-draw").classList.toggle("hidden", !l.public_value || l.phase === "drawn" || !!TG.countdown(l.draw_at));
    el.querySelector(".act-lottery-export").classList.toggle("hidden", l.phase !== "drawn");
    published(el, l);
  }

  // The values the draw publishes, as far as they are.
  function published(el, l) {
    const rows = [["algorithm", l.algorithm], ["commitment", l.seed_commitment], ["source", l.public_source],
      ["value", l.public_value], ["seed", l.seed], ["digest", l.entries_digest], ["drawSeed", l.draw_seed]].filter(([, v]) => v);
    el.querySelector(".published").innerHTML = rows.map(([k, v]) => `<dt>${TG.esc(TG.t(k))}</dt><dd class="hash">${k === "source" || k === "value" ? TG.own(v) : TG.esc(v)}</dd>`).join("");
  }

  // The create form: a lottery's draw time and public source; a race's
  // fair window.
  function formSetup() {
    const toggle = () => {
      $("#lottery-fields").classList.toggle("hidden", $("#c-mode").value !== "lottery");
      $("#fair-field").classList.toggle("hidden", $("#c-mode").value === "lottery");
    };
    $("#c-mode").addEventListener("change", toggle);
    toggle();
  }
  function formBody(body) {
    if ($("#c-mode").value !== "lottery") {
      const secs = Number($("#c-fair").value || 0);
      if (secs) body.fair_window_secs = secs;
      return body;
    }
    body.mode = "lottery";
    body.draw_at = TG.fromBeijingInput($("#c-draw").value);
    body.public_source = $("#c-source").value.trim();
    return body;
  }

  return { setup, render, summary, formSetup, formBody, fair };
})();
