"use strict";
// Shared by every view: element building, fetching, formatting. Each view file registers itself
// (a function returning { title, render() for the first paint, refresh() for each live update })
// in FluxStatus.views by path; app.js (loaded last) picks the view and runs the live updates.
const FluxStatus = (function () {
  // The prefix the page is served under (--web-base-path), "" at the root.
  const base = document.documentElement.dataset.base || "";
  // A path of this page ("/resources?kind=X") as a URL under the base path.
  function url(path) { return base + path; }
  // The page path of the current location, without the base path.
  function pagePath() { return location.pathname.startsWith(base) ? (location.pathname.slice(base.length) || "/") : location.pathname; }
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === undefined || value === null || value === false) continue;
      node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children.flat(Infinity)) {
      if (child === undefined || child === null || child === false) continue;
      node.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
    }
    return node;
  }
  function query(params) {
    const parts = [];
    for (const [key, value] of Object.entries(params)) {
      if (value !== undefined && value !== null && value !== "") parts.push(encodeURIComponent(key) + "=" + encodeURIComponent(value));
    }
    return parts.length ? "?" + parts.join("&") : "";
  }
  function objectHref(o) { return url("/resource") + query({ kind: o.kind, namespace: o.namespace, name: o.name }); }
  async function getJSON(path) {
    let response = await fetch(url(path), { headers: { Accept: "application/json" }, cache: "no-store" });
    // Over this address's request budget: wait as told, then ask again (a few times at most).
    for (let tries = 0; response.status === 429 && tries < 5; tries++) {
      const seconds = Math.min(30, Math.max(1, Number(response.headers.get("Retry-After")) || 1));
      await new Promise(resolve => setTimeout(resolve, seconds * 1000));
      response = await fetch(url(path), { headers: { Accept: "application/json" }, cache: "no-store" });
    }
    const body = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(body.error || ("HTTP " + response.status));
    return body;
  }
  function ago(iso) {
    if (!iso) return "";
    const seconds = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
    if (!isFinite(seconds)) return iso;
    if (seconds < 60) return seconds + "s ago";
    if (seconds < 3600) return Math.floor(seconds / 60) + "m ago";
    if (seconds < 86400) return Math.floor(seconds / 3600) + "h ago";
    return Math.floor(seconds / 86400) + "d ago";
  }
  function when(iso) { return iso ? el("time", { datetime: iso, title: iso }, ago(iso)) : ""; }
  function readyBadge(status, label) {
    const cls = status === "True" || status === true ? "ok" : status === "False" || status === false ? "bad" : "warn";
    const text = status === true ? "True" : status === false ? "False" : (status || "Unknown");
    return el("span", { class: "badge " + cls, "aria-label": (label || "Ready") + ": " + text }, text);
  }
  function table(caption, headers, rows, empty) {
    if (!rows.length) return el("p", { class: "muted" }, empty || "None.");
    return el("table", {},
      el("caption", {}, caption),
      el("thead", {}, el("tr", {}, headers.map(h => el("th", { scope: "col", class: h.num ? "num" : null }, h.label || h)))),
      el("tbody", {}, rows));
  }
  function dl(pairs) {
    return el("dl", {}, pairs.filter(p => p[1] !== undefined && p[1] !== null && p[1] !== "").map(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]));
  }
  const main = document.getElementById("main");
  const live = document.getElementById("live");
  function transitionsSection(transitions, title) {
    return el("section", { "aria-labelledby": "h-transitions" }, el("h2", { id: "h-transitions" }, title),
      table("Newest first, as this replica saw them", ["When", "Object", "Change"],
        transitions.map(t => el("tr", {}, el("td", {}, when(t.time)),
          el("td", {}, el("a", { href: objectHref(t) }, t.kind + " " + t.namespace + "/" + t.name)), el("td", {}, t.change))),
        "No transitions since this replica started."));
  }
  return { base, url, pagePath, el, query, objectHref, getJSON, ago, when, readyBadge, table, dl, transitionsSection, main, live, views: {},
    // Set by app.js: redraw the current view; mark the navigation link of the current page.
    refresh() {}, markNav() {} };
})();
