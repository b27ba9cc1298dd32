"use strict";
(function (F) {
  const { el, query, url, getJSON, when, readyBadge, table, dl, transitionsSection, main } = F;
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
                el("td", {}, el("a", { href: url("/resources") + query({ kind: r.kind }) }, r.kind)),
                el("td", {}, r.apiVersion),
                el("td", { class: "num" }, r.stats.running),
                el("td", { class: "num" }, r.stats.failing > 0 ? el("a", { class: "bad", href: url("/resources") + query({ kind: r.kind, status: "failing" }), "aria-label": r.stats.failing + " failing " + r.kind }, r.stats.failing) : "0"),
                el("td", { class: "num" }, r.stats.suspended > 0 ? el("a", { href: url("/resources") + query({ kind: r.kind, status: "suspended" }), "aria-label": r.stats.suspended + " suspended " + r.kind }, r.stats.suspended) : "0"),
                el("td", { class: "num" }, r.stats.totalSize || ""))),
              "No Flux kinds found.")),
          transitionsSection(o.transitions || [], "Recent object transitions"),
        ];
        main.replaceChildren(...content.filter(Boolean));
      },
    };
  }
  F.views["/"] = overviewView;
})(FluxStatus);
