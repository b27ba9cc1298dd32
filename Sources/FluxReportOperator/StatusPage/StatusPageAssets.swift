/// The status page's HTML, CSS and script, embedded in the binary: no CDN, works air-gapped.
///
/// The script renders every object-derived value with `textContent` / `createTextNode`, never as
/// markup (names and messages come from the cluster: a `<script>` in a Ready message is text).
/// The Content-Security-Policy (`StatusPageRoutes.headers`) forbids inline script as a second line.
enum StatusPageAssets {
    static let html = #"""
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Flux status</title>
    <link rel="stylesheet" href="/assets/app.css">
    <script src="/assets/app.js" defer></script>
    </head>
    <body>
    <a class="skip" href="#main">Skip to content</a>
    <header>
    <nav aria-label="Main">
    <a href="/" data-view="overview">Overview</a>
    <a href="/resources" data-view="resources">Objects</a>
    <a href="/resources?status=failing" data-view="failing">Failing</a>
    <a href="/events" data-view="events">Events</a>
    </nav>
    <span id="live" role="status" aria-live="polite">connecting…</span>
    </header>
    <main id="main" tabindex="-1"><p>Loading…</p></main>
    <footer>flux-report-operator status page · read-only · served from the operator's caches</footer>
    </body>
    </html>

    """#

    static let style = #"""
    :root { --fg: #1b1f24; --muted: #57606a; --bg: #fff; --line: #d0d7de; --ok: #1a7f37; --bad: #cf222e; --warn: #9a6700; --link: #0550ae; }
    * { box-sizing: border-box; }
    body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
    header { display: flex; align-items: center; justify-content: space-between; gap: 1rem; padding: .6rem 1.2rem; border-bottom: 1px solid var(--line); background: #f6f8fa; }
    nav a { margin-right: 1rem; color: var(--link); text-decoration: none; font-weight: 600; }
    nav a[aria-current="page"] { text-decoration: underline; }
    main { padding: 1rem 1.2rem; max-width: 1400px; }
    footer { padding: 1rem 1.2rem; color: var(--muted); font-size: 13px; }
    a { color: var(--link); }
    a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, main:focus-visible { outline: 3px solid #0969da; outline-offset: 2px; }
    .skip { position: absolute; left: -9999px; }
    .skip:focus { left: 1rem; top: .5rem; background: #fff; padding: .3rem .6rem; z-index: 10; }
    h1 { font-size: 1.5rem; margin: .2rem 0 .6rem; }
    h2 { font-size: 1.15rem; margin: 1.4rem 0 .5rem; }
    .badge { display: inline-block; padding: .05rem .5rem; border-radius: 1rem; font-size: 13px; font-weight: 600; border: 1px solid currentColor; }
    .ok { color: var(--ok); } .bad { color: var(--bad); } .warn { color: var(--warn); } .muted { color: var(--muted); }
    .cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(240px, 1fr)); gap: .8rem; }
    .card { border: 1px solid var(--line); border-radius: 6px; padding: .6rem .8rem; }
    .card h2 { margin-top: 0; }
    dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem .8rem; margin: 0; }
    dt { color: var(--muted); } dd { margin: 0; overflow-wrap: anywhere; }
    table { border-collapse: collapse; width: 100%; font-size: 14px; }
    caption { text-align: left; color: var(--muted); padding: .3rem 0; }
    th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
    th { background: #f6f8fa; }
    td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
    td.msg { max-width: 40rem; overflow-wrap: anywhere; white-space: pre-wrap; }
    td time { white-space: nowrap; }
    form.filters { display: flex; flex-wrap: wrap; gap: .8rem; align-items: flex-end; margin-bottom: .8rem; }
    form.filters label { display: flex; flex-direction: column; font-size: 13px; color: var(--muted); gap: .15rem; }
    input, select, button { font: inherit; padding: .25rem .4rem; border: 1px solid var(--line); border-radius: 4px; background: #fff; color: var(--fg); }
    button { cursor: pointer; background: #f6f8fa; }
    button[disabled] { cursor: default; opacity: .5; }
    .pager { display: flex; gap: .6rem; align-items: center; margin-top: .6rem; }
    .error { color: var(--bad); font-weight: 600; }

    """#

    static let script = #"""
    "use strict";
    (function () {
      // Builds an element; children that are strings become text nodes (never markup).
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
      function objectHref(o) { return "/resource" + query({ kind: o.kind, namespace: o.namespace, name: o.name }); }
      async function getJSON(url) {
        let response = await fetch(url, { headers: { Accept: "application/json" }, cache: "no-store" });
        // Over this address's request budget: wait as told, then ask again (a few times at most).
        for (let tries = 0; response.status === 429 && tries < 5; tries++) {
          const seconds = Math.min(30, Math.max(1, Number(response.headers.get("Retry-After")) || 1));
          await new Promise(resolve => setTimeout(resolve, seconds * 1000));
          response = await fetch(url, { headers: { Accept: "application/json" }, cache: "no-store" });
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

      // ---- views: each has render() (first paint) and refresh() (live update, keeps focus and form state).
      function overviewView() {
        return {
          title: "Overview",
          async refresh() {
            const o = await getJSON("/api/v1/overview");
            const spec = o.spec || {}, status = o.status || {};
            const ready = (status.conditions || []).find(c => c.type === "Ready") || {};
            const d = spec.distribution || {}, c = spec.cluster || {}, op = spec.operator || {}, sync = spec.sync;
            const content = [
              el("h1", {}, "Flux status ", readyBadge(ready.status)),
              el("p", { id: "report-message" }, ready.message || ""),
              el("p", { class: "muted" }, "Computed ", when(o.computedAt), " from this replica's caches, again whenever they change · namespace ", o.namespace || ""),
              o.failures && o.failures.length ? el("p", { class: "error", role: "alert" }, "Parts that could not be read: ", o.failures.map(f => f.part + ": " + f.error).join("; ")) : null,
              el("div", { class: "cards" },
                el("section", { class: "card", "aria-labelledby": "h-distribution" }, el("h2", { id: "h-distribution" }, "Distribution"),
                  dl([["Status", d.status], ["Version", d.version], ["Entitlement", d.entitlement], ["Managed by", d.managedBy]])),
                el("section", { class: "card", "aria-labelledby": "h-cluster" }, el("h2", { id: "h-cluster" }, "Cluster"),
                  dl([["Server version", c.serverVersion], ["Platform", c.platform], ["Nodes", c.nodes]])),
                el("section", { class: "card", "aria-labelledby": "h-operator" }, el("h2", { id: "h-operator" }, "Operator"),
                  dl([["API version", op.apiVersion], ["Version", op.version], ["Platform", op.platform]])),
                el("section", { class: "card", "aria-labelledby": "h-sync" }, el("h2", { id: "h-sync" }, "Cluster sync"),
                  sync ? dl([["ID", sync.id], ["Ready", readyBadge(sync.ready, "Sync ready")], ["Status", sync.status], ["Path", sync.path], ["Source", sync.source]])
                       : el("p", { class: "muted" }, "No sync Kustomization."))),
              el("section", { "aria-labelledby": "h-components" }, el("h2", { id: "h-components" }, "Components"),
                table("Flux controllers and their kstatus", ["Name", "Ready", "Status", "Image"],
                  (spec.components || []).map(x => el("tr", {}, el("td", {}, x.name), el("td", {}, readyBadge(x.ready, x.name + " ready")), el("td", {}, x.status), el("td", {}, x.image))),
                  "No Flux controllers found.")),
              el("section", { "aria-labelledby": "h-reconcilers" }, el("h2", { id: "h-reconcilers" }, "Reconcilers"),
                table("Objects per kind", ["Kind", "API version", { label: "Running", num: true }, { label: "Failing", num: true }, { label: "Suspended", num: true }, { label: "Size", num: true }],
                  (spec.reconcilers || []).map(r => el("tr", {},
                    el("td", {}, el("a", { href: "/resources" + query({ kind: r.kind }) }, r.kind)),
                    el("td", {}, r.apiVersion),
                    el("td", { class: "num" }, r.stats.running),
                    el("td", { class: "num" }, r.stats.failing > 0 ? el("a", { class: "bad", href: "/resources" + query({ kind: r.kind, status: "failing" }), "aria-label": r.stats.failing + " failing " + r.kind }, r.stats.failing) : "0"),
                    el("td", { class: "num" }, r.stats.suspended > 0 ? el("a", { href: "/resources" + query({ kind: r.kind, status: "suspended" }), "aria-label": r.stats.suspended + " suspended " + r.kind }, r.stats.suspended) : "0"),
                    el("td", { class: "num" }, r.stats.totalSize || ""))),
                  "No Flux kinds found.")),
              transitionsSection(o.transitions || [], "Recent object transitions"),
            ];
            main.replaceChildren(...content.filter(Boolean));
          },
        };
      }
      function transitionsSection(transitions, title) {
        return el("section", { "aria-labelledby": "h-transitions" }, el("h2", { id: "h-transitions" }, title),
          table("Newest first, as this replica saw them", ["When", "Object", "Change"],
            transitions.map(t => el("tr", {}, el("td", {}, when(t.time)),
              el("td", {}, el("a", { href: objectHref(t) }, t.kind + " " + t.namespace + "/" + t.name)), el("td", {}, t.change))),
            "No transitions since this replica started."));
      }

      function resourcesView() {
        const params = new URLSearchParams(location.search);
        const state = { kind: params.get("kind") || "", namespace: params.get("namespace") || "", status: params.get("status") || "all", q: params.get("q") || "", pages: [""] };
        const kindSelect = el("select", { id: "f-kind", name: "kind" }, el("option", { value: "" }, "All kinds"));
        const namespaceInput = el("input", { id: "f-namespace", name: "namespace", type: "text", value: state.namespace, placeholder: "any", autocomplete: "off", spellcheck: "false" });
        const statusSelect = el("select", { id: "f-status", name: "status" },
          ["all", "failing", "suspended"].map(s => el("option", { value: s, selected: s === state.status }, s[0].toUpperCase() + s.slice(1))));
        const textInput = el("input", { id: "f-q", name: "q", type: "search", value: state.q, placeholder: "name, reason, message", autocomplete: "off" });
        const form = el("form", { class: "filters", role: "search", "aria-label": "Filter objects" },
          el("label", { for: "f-kind" }, "Kind", kindSelect),
          el("label", { for: "f-namespace" }, "Namespace", namespaceInput),
          el("label", { for: "f-status" }, "Status", statusSelect),
          el("label", { for: "f-q" }, "Search", textInput),
          el("button", { type: "submit" }, "Apply"));
        const summary = el("p", { id: "result-summary", role: "status", "aria-live": "polite" });
        const results = el("div", { id: "results" });
        const prev = el("button", { type: "button", id: "prev-page", disabled: true }, "Previous page");
        const next = el("button", { type: "button", id: "next-page", disabled: true }, "Next page");
        let kindsLoaded = false;
        function apply() {
          state.kind = kindSelect.value; state.namespace = namespaceInput.value.trim(); state.status = statusSelect.value; state.q = textInput.value.trim();
          state.pages = [""];
          history.replaceState(null, "", "/resources" + query({ kind: state.kind, namespace: state.namespace, status: state.status === "all" ? "" : state.status, q: state.q }));
          markNav();
          refresh();
        }
        form.addEventListener("submit", e => { e.preventDefault(); apply(); });
        kindSelect.addEventListener("change", apply);
        statusSelect.addEventListener("change", apply);
        let typing;
        for (const input of [namespaceInput, textInput]) input.addEventListener("input", () => { clearTimeout(typing); typing = setTimeout(apply, 300); });
        next.addEventListener("click", () => { if (view.nextToken) { state.pages.push(view.nextToken); refresh(); } });
        prev.addEventListener("click", () => { if (state.pages.length > 1) { state.pages.pop(); refresh(); } });
        const view = {
          title: "Objects",
          nextToken: null,
          lastBody: null,
          render() {
            main.replaceChildren(el("h1", {}, "Objects"), form, summary, results, el("div", { class: "pager" }, prev, next));
          },
          async refresh() {
            if (!kindsLoaded) {
              // The kind choices come from the report, fetched beside the first page (not before it).
              kindsLoaded = true;
              getJSON("/api/v1/overview").then(o => {
                const kinds = [...new Set((o.spec.reconcilers || []).map(r => r.kind))].sort();
                if (state.kind && !kinds.includes(state.kind)) kinds.push(state.kind);
                kindSelect.append(...kinds.map(k => el("option", { value: k, selected: k === state.kind }, k)));
              }).catch(() => { kindsLoaded = false; });
            }
            const token = state.pages[state.pages.length - 1];
            let page;
            try {
              page = await getJSON("/api/v1/resources" + query({ kind: state.kind, namespace: state.namespace, status: state.status, q: state.q, limit: 100, continue: token }));
            } catch (e) {
              summary.textContent = "";
              results.replaceChildren(el("p", { class: "error", role: "alert" }, e.message));
              return;
            }
            // Unchanged rows are not redrawn (no flicker, nothing re-announced).
            const body = JSON.stringify(page);
            if (body === view.lastBody) return;
            view.lastBody = body;
            view.nextToken = page.continue || null;
            next.disabled = !view.nextToken;
            prev.disabled = state.pages.length <= 1;
            const first = (state.pages.length - 1) * 100;
            summary.textContent = page.total === 0 ? "No objects match." :
              page.total + " object" + (page.total === 1 ? "" : "s") + " match" + (page.total === 1 ? "es" : "") + (page.total > page.items.length ? " · showing " + (first + 1) + "–" + (first + page.items.length) : "");
            results.replaceChildren(table("Flux objects, by kind, namespace and name",
              ["Kind", "Namespace", "Name", "Ready", "Reason", "Message", "Since"],
              page.items.map(o => el("tr", { "data-key": o.kind + "/" + o.namespace + "/" + o.name },
                el("td", {}, o.kind), el("td", {}, o.namespace),
                el("td", {}, el("a", { href: objectHref(o) }, o.name)),
                el("td", {}, o.suspended ? el("span", { class: "badge warn", "aria-label": "Suspended" }, "Suspended") : readyBadge(o.ready)),
                el("td", {}, o.reason), el("td", { class: "msg" }, o.message), el("td", {}, when(o.since)))),
              ""));
          },
        };
        return view;
      }

      function resourceView() {
        const params = new URLSearchParams(location.search);
        const key = { kind: params.get("kind") || "", namespace: params.get("namespace") || "", name: params.get("name") || "" };
        return {
          title: key.kind + " " + key.namespace + "/" + key.name,
          async refresh() {
            let o;
            try { o = await getJSON("/api/v1/resource" + query(key)); } catch (e) {
              main.replaceChildren(el("h1", {}, key.kind + " " + key.namespace + "/" + key.name), el("p", { class: "error", role: "alert" }, e.message),
                el("p", {}, el("a", { href: "/resources" }, "Back to objects")));
              return;
            }
            main.replaceChildren(
              el("p", {}, el("a", { href: "/resources" + query({ kind: o.kind }) }, "← All " + o.kind + " objects")),
              el("h1", {}, o.kind + " ", el("span", { class: "muted" }, o.namespace + "/"), o.name),
              el("section", { "aria-labelledby": "h-ready" }, el("h2", { id: "h-ready" }, "Ready condition"),
                dl([["Status", o.suspended ? el("span", {}, readyBadge(o.ready), " ", el("span", { class: "badge warn" }, "Suspended")) : readyBadge(o.ready)],
                    ["Reason", o.reason], ["Message", o.message], ["Since", o.since ? el("span", {}, when(o.since), " (" + o.since + ")") : ""],
                    ["Suspended", o.suspended ? "yes" : "no"], ["Failing", o.failing ? "yes" : "no"]])),
              el("section", { "aria-labelledby": "h-source" }, el("h2", { id: "h-source" }, "Revision and source"),
                dl([["API version", o.apiVersion], ["Revision", o.revision], ["Source", o.source], ["URL", o.url], ["Ref", o.ref], ["Path", o.path], ["Artifact size", o.artifactSize]])),
              transitionsSection(o.transitions || [], "Recent transitions"),
              el("p", { class: "muted" }, "The cache keeps the Ready condition only; kubectl shows the others."));
          },
        };
      }

      function eventsView() {
        return {
          title: "Events",
          async refresh() {
            const o = await getJSON("/api/v1/overview");
            main.replaceChildren(el("h1", {}, "Events"),
              el("section", { "aria-labelledby": "h-events" }, el("h2", { id: "h-events" }, "Report events"),
                table("Changes of the report, newest first, as this replica computed them", ["When", "Type", "Reason", "Message"],
                  (o.events || []).map(e => el("tr", {}, el("td", {}, when(e.time)), el("td", { class: e.type === "Warning" ? "bad" : "" }, e.type), el("td", {}, e.reason), el("td", { class: "msg" }, e.message))),
                  "No report events since this replica started.")),
              transitionsSection(o.transitions || [], "Recent object transitions"));
          },
        };
      }

      const views = { "/": overviewView, "/resources": resourcesView, "/resource": resourceView, "/events": eventsView };
      const view = (views[location.pathname] || overviewView)();
      function markNav() {
        const failing = location.pathname === "/resources" && new URLSearchParams(location.search).get("status") === "failing";
        for (const a of document.querySelectorAll("nav a")) {
          const v = a.dataset.view;
          const current = (v === "overview" && location.pathname === "/") || (v === "events" && location.pathname === "/events")
            || (v === "failing" && failing) || (v === "resources" && location.pathname.startsWith("/resource") && !failing);
          if (current) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
        }
      }
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
        source = new EventSource("/api/v1/events");
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
    })();

    """#
}
