"use strict";
(function (F) {
  const { el, query, url, getJSON, when, readyBadge, table, objectHref, main } = F;
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
      history.replaceState(null, "", url("/resources") + query({ kind: state.kind, namespace: state.namespace, status: state.status === "all" ? "" : state.status, q: state.q }));
      F.markNav();
      F.refresh();
    }
    form.addEventListener("submit", e => { e.preventDefault(); apply(); });
    kindSelect.addEventListener("change", apply);
    statusSelect.addEventListener("change", apply);
    let typing;
    for (const input of [namespaceInput, textInput]) input.addEventListener("input", () => { clearTimeout(typing); typing = setTimeout(apply, 300); });
    next.addEventListener("click", () => { if (view.nextToken) { state.pages.push(view.nextToken); F.refresh(); } });
    prev.addEventListener("click", () => { if (state.pages.length > 1) { state.pages.pop(); F.refresh(); } });
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
  F.views["/resources"] = resourcesView;
})(FluxStatus);
