// The dashboard's member register (会员名册): how many cards it knows, and an
// import of the federation's CSV (card,org,groups) with its report: refused
// lines by number, cards masked. Shown to the federation's staff only (a
// district's admin is refused, and the section hides). Loaded before
// dashboard.js; uses its token and status.
"use strict";
TG.setDict({
  zh: { register: "会员名册", registerCount: "名册中共 {n} 张会员卡。", registerFile: "名册文件（CSV：card,org,groups）",
    registerImport: "导入名册", registerDone: "已导入：{rows} 行，设置 {set}，新增 {added}，移除 {removed}，未导入 {refused}。",
    registerLine: "第 {line} 行{card}：{reason}", registerMore: "……另有 {n} 行未导入",
    registerNote: "名册属于会员个人信息：仅市总工会管理员可导入和查询，每次操作都会记录。组别（如困难职工）不会向会员或服务站显示。" },
  en: { register: "Member register", registerCount: "{n} cards in the register.", registerFile: "Register file (CSV: card,org,groups)",
    registerImport: "Import the register", registerDone: "Imported: {rows} rows, {set} set, {added} new, {removed} removed, {refused} refused.",
    registerLine: "line {line}{card}: {reason}", registerMore: "… and {n} more refused lines",
    registerNote: "The register is members' personal data: only the federation's admins import and look it up, and every use is logged. Groups (e.g. hardship) are never shown to members or stations." },
});

const REG = (() => {
  const fill = (text, values) => Object.entries(values).reduce((s, [k, v]) => s.replace(`{${k}}`, v), text);
  let members = null;
  let report = null;

  function box() { return document.querySelector("#register"); }

  function draw() {
    const el = box();
    if (!el) return;
    el.classList.toggle("hidden", members === null);
    el.querySelector(".count").textContent = members === null ? "" : fill(TG.t("registerCount"), { n: members });
    const out = el.querySelector(".report");
    if (!report) { out.innerHTML = ""; return; }
    const lines = report.errors.map(e => `<li>${TG.esc(fill(TG.t("registerLine"),
      { line: e.line, card: e.card ? ` (${e.card})` : "", reason: e.reason }))}</li>`).join("");
    const more = report.refused - report.errors.length;
    out.innerHTML = `<p class="message ok">${TG.esc(fill(TG.t("registerDone"), report))}</p>`
      + (lines ? `<ul class="refused">${lines}</ul>` : "")
      + (more > 0 ? `<p class="muted">${TG.esc(fill(TG.t("registerMore"), { n: more }))}</p>` : "");
  }

  async function load() {
    try {
      const { data } = await TG.api(token, "GET", "/api/v1/admin/register/summary");
      members = data.members;
    } catch (e) {
      // A district's admin: the register is not theirs to see.
      members = null;
      if (!(e instanceof TG.ApiError && e.status === 403)) TG.say(status, TG.problemWithCode(e), "bad");
    }
    draw();
  }

  async function upload(file) {
    const resp = await fetch("/api/v1/admin/register", {
      method: "POST",
      headers: { Authorization: "Bearer " + token, "Content-Type": "text/csv; charset=utf-8",
        "Accept-Language": TG.lang === "zh" ? "zh-CN" : "en" },
      body: await file.text(),
    });
    const data = await resp.json();
    if (!resp.ok) throw new TG.ApiError(resp.status, data, 0);
    return data;
  }

  function setup() {
    const el = box();
    el?.querySelector("form").addEventListener("submit", async ev => {
      ev.preventDefault();
      const file = el.querySelector("#r-file").files[0];
      if (!file) return;
      const button = el.querySelector("button[type=submit]");
      button.disabled = true;
      try {
        report = await upload(file);
        members = report.members;
        el.querySelector("#r-file").value = "";
      } catch (e) {
        report = null;
        TG.say(el.querySelector(".result"), TG.problemWithCode(e), "bad");
      } finally { button.disabled = false; }
      draw();
    });
  }

  setup();
  return { load, draw };
})();
