// The dashboard's programs (普惠): per program, the members it reached, how
// many tickets each member holds, each sale's share of first-time winners,
// and the members' counts as CSV (by member key, never a card). Loaded
// before dashboard.js; uses its token and status when called.
"use strict";
TG.setDict({
  zh: { programs: "普惠项目", noPrograms: "还没有普惠项目。", programCap: "每人全年最多 {cap} 张", fewerWinsFirst: "抽签时获票少者优先",
    reached: "惠及 {m} 位会员（共 {p} 位参与）", perMember: "每人获票：{h}", ticketsN: "{k} 张 {n} 人",
    firstShare: "{title}：{t} 张，首次获票 {f} 人（{pct}%）", exportMembers: "导出会员统计", prunedSales: "另有 {n} 场已过保存期的活动未计入",
    programField: "普惠项目（可选）", noProgram: "不属于项目", newProgram: "新建普惠项目", pId: "项目编号", pTitle: "项目名称",
    pCap: "每人全年上限（张）", pStarts: "开始", pEnds: "结束", pOrder: "抽签顺序", orderRank: "随机", orderFewer: "获票少者优先",
    pCreate: "创建项目", pCreated: "已创建普惠项目 {id}" },
  en: { programs: "Programs", noPrograms: "No programs yet.", programCap: "at most {cap} tickets a member", fewerWinsFirst: "draws: fewer tickets first",
    reached: "{m} members reached ({p} took part)", perMember: "Tickets per member: {h}", ticketsN: "{k}: {n}",
    firstShare: "{title}: {t} tickets, {f} first-time winners ({pct}%)", exportMembers: "Export member counts", prunedSales: "{n} sales past retention are not counted",
    programField: "Program (optional)", noProgram: "None", newProgram: "New program", pId: "Program id", pTitle: "Title",
    pCap: "Tickets a member a year", pStarts: "Starts", pEnds: "Ends", pOrder: "Draw order", orderRank: "Random", orderFewer: "Fewer tickets first",
    pCreate: "Create program", pCreated: "Program {id} created" },
});

const PROG = (() => {
  const fill = (text, values) => Object.entries(values).reduce((s, [k, v]) => s.split(`{${k}}`).join(v), text);
  let shown = [];

  function line(r) {
    const reach = r.reach, p = r.program;
    const hist = reach.tickets_per_member.map((n, k) => fill(TG.t("ticketsN"), { k, n })).join(" · ");
    const sales = reach.sales.map(s => `<li class="program-sale" data-event="${TG.esc(s.event)}">${TG.esc(fill(TG.t("firstShare"),
      { title: s.title, t: s.tickets, f: s.first_time, pct: Math.round(s.first_time_share * 100) }))}</li>`).join("");
    return `<li class="program" data-program="${TG.esc(p.id)}">
        <strong>${TG.esc(p.title)}</strong> <span class="muted">${TG.esc(p.id)} · ${TG.esc(p.org)} · ${TG.esc(fill(TG.t("programCap"), { cap: p.cap }))}${p.draw_order === "fewer_wins_first" ? ` · ${TG.esc(TG.t("fewerWinsFirst"))}` : ""}</span><br>
        <span class="reached">${TG.esc(fill(TG.t("reached"), { m: reach.members_reached, p: reach.members_took_part }))}</span><br>
        <span class="histogram">${TG.esc(fill(TG.t("perMember"), { h: hist }))}</span>
        ${reach.pruned_sales ? `<br><span class="muted">${TG.esc(fill(TG.t("prunedSales"), { n: reach.pruned_sales }))}</span>` : ""}
        <ul>${sales}</ul>
        <button type="button" class="secondary act-members" data-i18n="exportMembers"></button></li>`;
  }

  function draw() {
    const box = document.querySelector("#programs");
    if (!box) return;
    box.querySelector(".list").innerHTML = shown.length
      ? `<ul>${shown.map(line).join("")}</ul>` : `<p class="muted">${TG.esc(TG.t("noPrograms"))}</p>`;
    box.querySelectorAll(".act-members").forEach(b => b.addEventListener("click", () => members(b.closest("li.program").dataset.program)));
    TG.applyLang();
  }

  async function members(id) {
    try {
      const resp = await fetch(`/api/v1/admin/programs/${id}/members.csv`, { headers: { Authorization: "Bearer " + token } });
      if (!resp.ok) throw new TG.ApiError(resp.status, await resp.json(), 0);
      const a = document.createElement("a");
      a.href = URL.createObjectURL(await resp.blob());
      a.download = `${id}-members.csv`;
      a.click();
    } catch (e) { TG.say(status, TG.problemWithCode(e), "bad"); }
  }

  // The sale form's choice of program: none, or one of the org's.
  function fillSelect() {
    const select = document.querySelector("#c-program");
    if (!select) return;
    const chosen = select.value;
    select.innerHTML = `<option value="">${TG.esc(TG.t("noProgram"))}</option>` +
      shown.map(r => `<option value="${TG.esc(r.program.id)}">${TG.esc(r.program.title)} · ${TG.esc(r.program.id)}</option>`).join("");
    select.value = chosen;
  }

  // A sale joins the program chosen on the form.
  function formBody(body) {
    const program = document.querySelector("#c-program").value;
    if (program) body.program = program;
  }

  // A new program: its union is the one picked for sales (the sale form's).
  async function create(e) {
    e.preventDefault();
    const value = id => document.querySelector(id).value;
    const body = { id: value("#pg-id").trim(), title: value("#pg-title").trim(), org: value("#c-org"),
      cap: Number(value("#pg-cap")), starts_at: TG.fromBeijingInput(value("#pg-starts")),
      ends_at: TG.fromBeijingInput(value("#pg-ends")), draw_order: value("#pg-order") };
    try {
      await TG.api(token, "POST", "/api/v1/admin/programs", body);
      TG.say(status, fill(TG.t("pCreated"), { id: body.id }), "ok");
      await load();
    } catch (err) { TG.say(status, TG.problemWithCode(err), "bad"); }
  }
  document.querySelector("#program-form")?.addEventListener("submit", create);

  async function load() {
    try {
      const list = (await TG.api(token, "GET", "/api/v1/admin/programs")).data.programs;
      shown = await Promise.all(list.map(async p => (await TG.api(token, "GET", `/api/v1/admin/programs/${p.id}`)).data));
      draw();
      fillSelect();
    } catch (e) { TG.say(status, TG.problemWithCode(e), "bad"); }
  }

  return { load, draw, formBody, fillSelect };
})();
