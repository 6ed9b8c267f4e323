// The dashboard's reserved shares and allotments (预留名额): set on a pool
// when a sale is created, seen live on its card (each part's seats left, its
// release time), and seats moved between them. Members never see whose
// seats they are; staff do. Loaded before dashboard.js; uses its token and
// refresh when called.
"use strict";
TG.setDict({
  zh: { shares: "预留份额（组别:数量，逗号分隔）", sharesAt: "份额释放时间", allotments: "分配名额（工会:数量，逗号分隔）",
    allotmentsAt: "分配名额释放时间", partsLine: "{name} {who}：剩 {left} / {seats}，{at} 释放", partsReleased: "{name} {who}：已释放",
    moveFrom: "从", moveTo: "到", moveSeats: "数量", move: "调整名额", everyone: "公共票", partsBad: "格式应为 名称:数量，如 hardship:500",
    movedNow: "已调整：{from} 剩 {fl}，{to} 剩 {tl}。" },
  en: { shares: "Reserved shares (group:seats, comma-separated)", sharesAt: "Shares released at", allotments: "Allotments (union:seats, comma-separated)",
    allotmentsAt: "Allotments released at", partsLine: "{name} {who}: {left} / {seats} left, released {at}", partsReleased: "{name} {who}: released",
    moveFrom: "From", moveTo: "To", moveSeats: "Seats", move: "Move seats", everyone: "everyone's", partsBad: "Write name:seats, e.g. hardship:500",
    movedNow: "Moved: {from} has {fl} left, {to} {tl}." },
});

const PARTS = (() => {
  const fill = (text, values) => Object.entries(values).reduce((s, [k, v]) => s.replace(`{${k}}`, v), text);

  // The create form's fields of pool row `n`.
  function fields(n) {
    return `
    <div><label for="p-shares-${n}" data-i18n="shares"></label><input id="p-shares-${n}" class="p-shares" placeholder="hardship:500"></div>
    <div><label for="p-shares-at-${n}" data-i18n="sharesAt"></label><input id="p-shares-at-${n}" class="p-shares-at" type="datetime-local" step="1"></div>
    <div><label for="p-allot-${n}" data-i18n="allotments"></label><input id="p-allot-${n}" class="p-allot" placeholder="bj/chaoyang:100, bj/haidian:100"></div>
    <div><label for="p-allot-at-${n}" data-i18n="allotmentsAt"></label><input id="p-allot-at-${n}" class="p-allot-at" type="datetime-local" step="1"></div>`;
  }

  // "a:1, b:2" as [[a, 1], [b, 2]]; throws on a bad entry (the form says so).
  function pairs(text) {
    return text.split(/[,，]/).map(s => s.trim()).filter(Boolean).map(s => {
      const at = s.lastIndexOf(":");
      const name = s.slice(0, at).trim(), seats = Number(s.slice(at + 1));
      if (at < 1 || !Number.isInteger(seats)) throw new Error(TG.t("partsBad"));
      return [name, seats];
    });
  }

  // A pool row's parts as the create body takes them (nothing when none).
  function read(row) {
    const out = {};
    const at = cls => TG.fromBeijingInput(row.querySelector(cls).value);
    const shares = pairs(row.querySelector(".p-shares").value);
    if (shares.length) out.shares = shares.map(([group, seats]) => ({ group, seats, release_at: at(".p-shares-at") }));
    const allotments = pairs(row.querySelector(".p-allot").value);
    if (allotments.length) {
      out.allotments = allotments.map(([org, seats]) => ({ org, seats }));
      out.allotments_release_at = at(".p-allot-at");
    }
    return out;
  }

  // A pool's parts, live, under its figures.
  function live(p) {
    if (!p.parts || !p.parts.length) return "";
    const lines = p.parts.map(k => {
      const who = k.group || k.org;
      return `<li class="part" data-part="${TG.esc(k.name)}">${TG.esc(k.released
        ? fill(TG.t("partsReleased"), { name: k.name, who })
        : fill(TG.t("partsLine"), { name: k.name, who, left: k.left, seats: k.seats, at: TG.fmtTime(k.release_at) }))}</li>`;
    }).join("");
    return `<ul class="parts muted">${lines}</ul>`;
  }

  // The card's move form, for a sale with parts.
  function render(ev, el) {
    const pools = ev.pools.filter(p => p.parts && p.parts.length);
    let form = el.querySelector(".move");
    if (!pools.length) { if (form) form.classList.add("hidden"); return; }
    if (!form) {
      el.querySelector(".restock").insertAdjacentHTML("afterend", `<form class="move row" style="margin-top:.5rem">
        <div><label for="mp-${ev.id}" data-i18n="pool"></label><select id="mp-${ev.id}" name="pool"></select></div>
        <div><label for="mf-${ev.id}" data-i18n="moveFrom"></label><select id="mf-${ev.id}" name="from"></select></div>
        <div><label for="mt-${ev.id}" data-i18n="moveTo"></label><select id="mt-${ev.id}" name="to"></select></div>
        <div><label for="ms-${ev.id}" data-i18n="moveSeats"></label><input id="ms-${ev.id}" name="seats" type="number" min="1" step="1" required></div>
        <button type="submit" data-i18n="move"></button></form>`);
      form = el.querySelector(".move");
      form.pool.addEventListener("change", () => options(form, ev.id));
      form.addEventListener("submit", async e => {
        e.preventDefault();
        const result = el.querySelector(".result");
        const names = [form.from.value, form.to.value];
        try {
          const { data } = await TG.api(token, "POST", `/api/v1/admin/events/${ev.id}/pools/${form.pool.value}/move`,
            { from: names[0], to: names[1], seats: Number(form.seats.value) });
          const label = n => n === "public" ? TG.t("everyone") : n;
          TG.say(result, fill(TG.t("movedNow"), { from: label(data.from), fl: data.from_left, to: label(data.to), tl: data.to_left }), "ok");
          refresh();
        } catch (e) { TG.say(result, TG.problemWithCode(e), "bad"); }
      });
      TG.applyLang();
    }
    form.classList.remove("hidden");
    const chosen = form.pool.value;
    form.pool.innerHTML = pools.map(p => `<option value="${TG.esc(p.id)}">${TG.esc(TG.name(p))} (${TG.esc(p.id)})</option>`).join("");
    if (pools.some(p => p.id === chosen)) form.pool.value = chosen;
    form.dataset.parts = JSON.stringify(pools.map(p => [p.id, p.parts.filter(k => !k.released).map(k => [k.name, k.group || k.org])]));
    options(form, ev.id);
  }

  // From and to: the chosen pool's unreleased parts and everyone's seats.
  function options(form) {
    const [, parts] = JSON.parse(form.dataset.parts).find(([id]) => id === form.pool.value) || [null, []];
    const list = [["public", TG.t("everyone")], ...parts.map(([name, who]) => [name, `${name} ${who}`])];
    for (const select of [form.from, form.to]) {
      const was = select.value;
      select.innerHTML = list.map(([v, text]) => `<option value="${TG.esc(v)}">${TG.esc(text)}</option>`).join("");
      if (list.some(([v]) => v === was)) select.value = was;
    }
  }

  return { fields, read, live, render };
})();
