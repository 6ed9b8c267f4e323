// The dashboard's archives: a finished sale archived from its card (its
// whole state to one file, then out of the live store), the org's archives
// with their figures and files, and this year's summary. Loaded before
// dashboard.js; uses its token, status and refresh when called.
"use strict";
TG.setDict({
  zh: { archive: "归档", confirmArchive: "归档该活动？全部记录写入归档文件后，该活动将从实时系统中移除，不能恢复。",
    archivedNow: "已归档 {id}：{t} 张票，{m} 位会员。", archives: "归档", noArchives: "还没有归档的活动。",
    archiveLine: "{t} 张票 · {m} 位会员 · 实收 {paid} 元 · 待退 {refund} 元", download: "下载归档文件",
    pruned: "已过保存期（仅保留统计）", lastShow: "最后一场", year: "{y} 年：{s} 场活动 · {t} 张票 · 惠及 {m} 位会员 · 实收 {paid} 元" },
  en: { archive: "Archive", confirmArchive: "Archive this sale? Its whole record goes to an archive file, then it leaves the live system for good.",
    archivedNow: "Archived {id}: {t} tickets, {m} members.", archives: "Archives", noArchives: "No archived sales yet.",
    archiveLine: "{t} tickets · {m} members · paid ¥{paid} · to refund ¥{refund}", download: "Download the archive",
    pruned: "past retention (counts only)", lastShow: "Last show", year: "{y}: {s} sales · {t} tickets · {m} members reached · paid ¥{paid}" },
});

const ARCH = (() => {
  const fill = (text, values) => Object.entries(values).reduce((s, [k, v]) => s.replace(`{${k}}`, v), text);
  const yuan = fen => (fen / 100).toFixed(2);

  function setup(ev, el) {
    el.querySelector(".act-close").insertAdjacentHTML("beforebegin",
      `<button type="button" class="secondary act-archive hidden" data-i18n="archive"></button>`);
    el.querySelector(".act-archive").addEventListener("click", async () => {
      if (!confirm(TG.t("confirmArchive"))) return;
      const result = el.querySelector(".result");
      try {
        const { data } = await TG.api(token, "POST", `/api/v1/admin/events/${ev.id}/archive`, {});
        TG.say(status, fill(TG.t("archivedNow"), { id: ev.id, t: data.summary.tickets, m: data.summary.members }), "ok");
        await refresh();
        await load();
      } catch (e) {
        const why = e.problem && e.problem.reason ? ` (${e.problem.reason})` : "";
        TG.say(result, TG.problemWithCode(e) + why, "bad");
      }
    });
  }

  // Only a sale whose window is over can be; the service says if it is too soon.
  function render(ev, el) {
    el.querySelector(".act-archive").classList.toggle("hidden", ev.status !== "closed");
  }

  let shown = { list: [], sum: null };
  function draw() {
    const box = document.querySelector("#archives");
    if (!box) return;
    const { list, sum } = shown;
    const items = list.map(a => `<li class="archive" data-event="${TG.esc(a.event)}">
        <strong>${TG.esc(a.title)}</strong> <span class="muted">${TG.esc(a.event)} · ${TG.esc(a.org)} · ${TG.t("lastShow")} ${TG.esc(TG.fmtTime(new Date(a.last_show).toISOString()))}</span><br>
        <span>${TG.esc(fill(TG.t("archiveLine"), { t: a.summary.tickets, m: a.summary.members, paid: yuan(a.summary.paid_fen), refund: yuan(a.summary.refund_due_fen) }))}</span>
        ${a.pruned_at ? `<span class="badge">${TG.esc(TG.t("pruned"))}</span>` : ""}
        <button type="button" class="secondary act-download" data-i18n="download"></button></li>`).join("");
    box.querySelector(".list").innerHTML = list.length ? `<ul>${items}</ul>` : `<p class="muted">${TG.esc(TG.t("noArchives"))}</p>`;
    box.querySelector(".year").textContent = sum
      ? fill(TG.t("year"), { y: sum.year, s: sum.sales, t: sum.tickets, m: sum.members_reached + sum.members_in_pruned_sales, paid: yuan(sum.paid_fen) })
      : "";
    box.querySelectorAll(".act-download").forEach(b => b.addEventListener("click", () => download(b.closest("li").dataset.event)));
    TG.applyLang();
  }

  async function download(id) {
    try {
      const resp = await fetch(`/api/v1/admin/archives/${id}`, { headers: { Authorization: "Bearer " + token } });
      if (!resp.ok) throw new TG.ApiError(resp.status, await resp.json(), 0);
      const a = document.createElement("a");
      a.href = URL.createObjectURL(await resp.blob());
      a.download = `${id}.tgarchive`;
      a.click();
    } catch (e) { TG.say(status, TG.problemWithCode(e), "bad"); }
  }

  async function load() {
    // The year in Beijing, by the server's clock.
    const year = new Date(TG.serverNow() + 8 * 3600e3).getUTCFullYear();
    try {
      const [list, sum] = await Promise.all([
        TG.api(token, "GET", "/api/v1/admin/archives"),
        TG.api(token, "GET", `/api/v1/admin/archives/summary?year=${year}`),
      ]);
      shown = { list: list.data.archives, sum: sum.data };
      draw();
    } catch (e) { TG.say(status, TG.problemWithCode(e), "bad"); }
  }

  return { setup, render, load, draw };
})();
