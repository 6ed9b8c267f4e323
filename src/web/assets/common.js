// Shared by both pages: token handling, API calls with problem+json errors,
// the server clock, and the language switch. No dependencies.
"use strict";
const TG = (() => {
  let lang = localStorage.getItem("tg-lang") || "zh";
  let dict = {};
  let offsetMs = 0; // server clock minus this device's clock

  // Each script of a page adds its words (the page's own, then a part's).
  function setDict(d) { for (const l of Object.keys(d)) dict[l] = Object.assign(dict[l] || {}, d[l]); }
  function t(key) { return (dict[lang] && dict[lang][key]) || (dict.en && dict.en[key]) || key; }
  function applyLang() {
    document.documentElement.lang = lang === "zh" ? "zh-CN" : "en";
    document.querySelectorAll("[data-i18n]").forEach(el => { el.textContent = t(el.dataset.i18n); });
    document.querySelectorAll("[data-i18n-placeholder]").forEach(el => { el.placeholder = t(el.dataset.i18nPlaceholder); });
    document.querySelectorAll(".tz-note").forEach(el => {
      el.textContent = lang === "zh" ? "所有时间均为北京时间（UTC+8）" : "All times are Beijing time (UTC+8)";
    });
    // The switch names the other language, in that language.
    const other = document.querySelector("#lang");
    if (other) other.lang = lang === "zh" ? "en" : "zh-CN";
  }
  function toggleLang() { lang = lang === "zh" ? "en" : "zh"; localStorage.setItem("tg-lang", lang); applyLang(); }

  // A token from the URL fragment (#token=...) wins, then the session.
  function initialToken(storageKey) {
    const m = location.hash.match(/token=([^&]+)/);
    if (m) {
      sessionStorage.setItem(storageKey, decodeURIComponent(m[1]));
      history.replaceState(null, "", location.pathname);
    }
    return sessionStorage.getItem(storageKey);
  }

  // A token as pasted: a whole "Bearer <token>" header line, quotes or
  // spaces around it are all taken off.
  function pastedToken(v) { return v.trim().replace(/^authorization:\s*/i, "").replace(/^bearer\s+/i, "").replace(/^["']|["']$/g, "").trim(); }

  // What each problem `code` of the API means to a person: the server's one
  // table of outcomes (src/domain/outcome.rs), loaded as /assets/outcomes.js.
  // `{name}` in the Chinese words is the problem document's member `name`.
  function problemText(e) {
    // No answer at all (the network, a page error): no code to look up.
    const row = e instanceof ApiError
      ? window.TG_OUTCOMES[e.code] || window.TG_OUTCOMES.internal
      : ["没有收到回应，请检查网络后再试。", "No answer came back; check the connection and try again."];
    const words = row[lang === "zh" ? 0 : 1];
    const problem = (e && e.problem) || {};
    // An invalid request names its reason: in Chinese in `detail`, in
    // English in `detail_en` (or in `detail` when asked in English).
    if (e instanceof ApiError && e.code === "invalid_request" && problem.detail)
      return lang === "zh" ? problem.detail : (problem.detail_en || problem.detail);
    return words.replace(/\{(\w+)\}/g, (_, name) => String(problem[name] ?? ""));
  }

  // For staff: the plain words and the code with its detail, for a support call.
  function problemWithCode(e) {
    if (!(e instanceof ApiError)) return String(e);
    // The reason is in the words already: the code is for a support call.
    if (e.code === "invalid_request") return `${problemText(e)} (${e.code})`;
    return `${problemText(e)} (${e.code}: ${(lang === "en" && e.problem.detail_en) || e.problem.detail || ""})`;
  }

  class ApiError extends Error {
    constructor(status, problem, retryAfter) {
      super(problem.detail || ("HTTP " + status));
      this.status = status; this.code = problem.code || "error"; this.problem = problem; this.retryAfter = retryAfter;
    }
  }

  async function api(token, method, path, body) {
    // Refusals come back in the page's language (their reasons too).
    const headers = { "Authorization": "Bearer " + token, "Accept-Language": lang === "zh" ? "zh-CN" : "en" };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const resp = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const type = resp.headers.get("content-type") || "";
    if (!resp.ok) {
      const problem = type.includes("json") ? await resp.json() : { detail: await resp.text() };
      throw new ApiError(resp.status, problem, Number(resp.headers.get("retry-after") || 0));
    }
    if (type.includes("json")) return { status: resp.status, data: await resp.json(), headers: resp.headers };
    return { status: resp.status, data: await resp.text(), headers: resp.headers };
  }

  function syncClock(serverTime) { if (serverTime) offsetMs = Date.parse(serverTime) - Date.now(); }
  function serverNow() { return Date.now() + offsetMs; }
  function countdown(toIso) {
    const ms = Date.parse(toIso) - serverNow();
    if (ms <= 0) return null;
    const s = Math.ceil(ms / 1000), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    return (h ? h + ":" : "") + String(m).padStart(2, "0") + ":" + String(r).padStart(2, "0");
  }
  function esc(s) { return String(s).replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c])); }
  // Every time is shown and read in Beijing time, whatever the device's
  // zone: a sale at 09:00 is at 09:00 for every member and every station.
  const ZONE = "Asia/Shanghai";
  function fmtTime(iso) { return iso ? new Date(iso).toLocaleString(lang === "zh" ? "zh-CN" : "en-GB", { timeZone: ZONE }) : ""; }
  // A sale's day and 24-hour time: "11月24日 14:00" / "24 Nov, 14:00".
  function fmtShort(iso) {
    return iso ? new Date(iso).toLocaleString(lang === "zh" ? "zh-CN" : "en-GB",
      { timeZone: ZONE, month: lang === "zh" ? "long" : "short", day: "numeric", hour: "2-digit", minute: "2-digit", hour12: false }) : "";
  }
  // A datetime-local input's value for an instant, in Beijing time (UTC+8
  // all year: China keeps no summer time).
  function beijingInput(date) { return new Date(date.getTime() + 8 * 3600000).toISOString().slice(0, 19); }
  // The instant a datetime-local input's value names in Beijing time.
  function fromBeijingInput(v) {
    if (!v) return "";
    return new Date((v.length === 16 ? v + ":00" : v) + "+08:00").toISOString();
  }
  // Beijing's calendar day of an instant, "2026-12-07".
  function beijingDay(date) { return beijingInput(date).slice(0, 10); }
  // A sale's or a pool's title in the page's language: the English one
  // when staff gave it, else the Chinese one.
  function name(o) { return (lang === "en" && o && o.title_en) || (o && o.title) || ""; }
  // A ticket's: its sale and pool, from the titles a reservation carries.
  function ticketName(r) {
    const ev = lang === "en" && r.event_title_en || r.event_title || r.event;
    const pool = lang === "en" && r.pool_title_en || r.pool_title || r.pool;
    return `${ev} · ${pool}`;
  }
  // Staff's own words (a venue, notes) as HTML: on the English page, words
  // written only in Chinese are marked as Chinese.
  function own(text) {
    const zh = lang === "en" && /[\u3400-\u9fff]/.test(text);
    return `<span${zh ? ' lang="zh-CN"' : ""}>${esc(text)}</span>`;
  }
  function say(el, text, kind) {
    el.textContent = text;
    el.classList.remove("ok", "bad", "warn");
    if (kind) el.classList.add(kind);
  }

  return { setDict, t, applyLang, toggleLang, initialToken, api, ApiError, problemText, problemWithCode, syncClock, serverNow, countdown, esc, fmtTime, fmtShort, pastedToken, beijingInput, fromBeijingInput, beijingDay, say, name, ticketName, own,
    get lang() { return lang; } };
})();
