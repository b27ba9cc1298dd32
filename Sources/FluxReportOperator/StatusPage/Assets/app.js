"use strict";
// Picks the view the path names and keeps it live.
(function (F) {
  const { el, main, live, url } = F;
  const view = (F.views[F.pagePath()] || F.views["/"])();
  function markNav() {
    const path = F.pagePath();
    const failing = path === "/resources" && new URLSearchParams(location.search).get("status") === "failing";
    for (const a of document.querySelectorAll("nav a")) {
      const v = a.dataset.view;
      const current = (v === "overview" && path === "/") || (v === "events" && path === "/events")
        || (v === "graph" && path === "/graph") || (v === "failing" && failing) || (v === "resources" && path.startsWith("/resource") && !failing);
      if (current) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
    }
  }
  F.markNav = markNav;
  markNav();
  document.title = view.title + " · Flux status";
  if (view.render) view.render();

  // Live updates: the server says "changed", the view fetches again. One fetch at a time; a
  // change during a fetch causes one more.
  function focusSelector() {
    const e = document.activeElement;
    if (!e || e === document.body || !main.contains(e)) return null;
    if (e.id) return "#" + CSS.escape(e.id);
    const href = e.getAttribute("href");
    return href ? 'a[href="' + CSS.escape(href) + '"]' : null;
  }
  let inFlight = false, again = false;
  F.refresh = refresh;
  async function refresh() {
    if (inFlight) { again = true; return; }
    inFlight = true;
    // Live updates redraw the view: keyboard focus stays on the same link or control.
    const focused = focusSelector();
    try {
      await view.refresh();
      document.body.dataset.refreshed = String(Date.now());
      if (focused && (!document.activeElement || document.activeElement === document.body)) {
        const target = main.querySelector(focused);
        if (target) target.focus();
      }
    }
    catch (e) { main.replaceChildren(el("p", { class: "error", role: "alert" }, "Cannot load: " + e.message)); }
    finally { inFlight = false; }
    if (again) { again = false; refresh(); }
  }
  let source = null;
  function connect() {
    source = new EventSource(url("/api/v1/events"));
    source.addEventListener("change", () => { live.textContent = "live"; live.className = "ok"; refresh(); });
    source.onopen = () => { live.textContent = "live"; live.className = "ok"; };
    source.onerror = () => {
      live.textContent = "reconnecting…"; live.className = "warn";
      // EventSource retries by itself unless the server refused the stream; then start over.
      if (source.readyState === EventSource.CLOSED) { source.close(); setTimeout(connect, 2000); }
    };
  }
  // A page left for another (or kept in the back/forward cache) gives its connection back at
  // once: browsers allow six per host over HTTP/1.1, and an open stream holds one.
  addEventListener("pagehide", () => { if (source) { source.close(); source = null; } });
  addEventListener("pageshow", event => { if (event.persisted) { connect(); refresh(); } });
  refresh();
  connect();
})(FluxStatus);
