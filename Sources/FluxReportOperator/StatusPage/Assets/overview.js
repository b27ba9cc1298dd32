"use strict";
(function (F) {
  const { el, query, url, getJSON, when, readyBadge, table, dl, transitionsSection, main } = F;
  function overviewView() {
    return {
      title: "Overview",
      async refresh() {
        const [o, problems] = await Promise.all([getJSON("/api/v1/overview"), getJSON("/api/v1/problems" + query({ limit: 10 }))]);
        const spec = o.spec || {}, status = o.status || {};
        const ready = (status.conditions || []).find(c => c.type === "Ready") || {};
        const d = spec.distribution || {}, c = spec.cluster || {}, op = spec.operator || {}, sync = spec.sync;
        const content = [
          el("h1", {}, "Flux status ", readyBadge(ready.status)),
          el("p", { id: "report-message" }, ready.message || ""),
          el("p", { class: "muted" }, "Computed ", when(o.computedAt), " from this replica's caches, again whenever they change · namespace ", o.namespace || ""),
          o.failures && o.failures.length ? el("p", { class: "error", role: "alert" }, "Parts that could not be read: ", o.failures.map(f => f.part + ": " + f.error).join("; ")) : null,
          problemsSection(problems),
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
  // What to fix first: the root causes by how many objects each holds up, then the other problems,
  // each with its count and a link to the list of all of them (GET /api/v1/problems).
  function problemsSection(p) {
    const counts = p.counts || {};
    const content = [el("h2", { id: "h-problems" }, "Problems"), el("p", { id: "problems-headline", class: counts.failing || counts.blocked ? "bad" : "" }, p.headline)];
    const roots = p.rootCauses || { items: [], more: 0 };
    if (roots.items.length) {
      content.push(el("table", { id: "root-causes" },
        el("caption", {}, "Root causes, the object holding up the most others first: fix these first"),
        el("thead", {}, el("tr", {}, ["Object", "Blocks", "Reason", "Message", "Failing since"].map(h => el("th", { scope: "col" }, h)))),
        el("tbody", {}, roots.items.map(r => el("tr", { "data-key": r.kind + "/" + r.namespace + "/" + r.name },
          el("td", {}, r.exists ? el("a", { href: F.objectHref(r) }, r.kind + " " + r.namespace + "/" + r.name) : r.kind + " " + r.namespace + "/" + r.name + " (not found)"),
          el("td", { class: "num blocks" }, el("a", { href: url("/resources") + query({ status: "blocked" }) }, "blocks " + r.blocks)),
          el("td", {}, r.reason || ""), el("td", { class: "msg" }, r.message || ""), el("td", {}, when(r.since)))))));
      if (roots.more > 0) content.push(el("p", { class: "muted" }, "and " + roots.more + " more root causes"));
    }
    const groups = [
      ["failing", "Failing on their own", counts.failingAlone, p.failing, "failing"],
      ["blocked", "Blocked by a failing dependency", counts.blocked, null, "blocked"],
      ["stale", "Stale (no reconcile for several intervals)", counts.stale, p.stale, "stale"],
      ["drifted", "Drifted HelmReleases", counts.drifted, p.drifted, "drifted"],
      ["suspended", "Suspended for a day or more", counts.longSuspended, p.longSuspended, "suspended"],
    ].filter(g => g[2] > 0);
    if (groups.length) {
      content.push(el("ul", { class: "problem-groups" }, groups.map(([id, label, count, list, status]) => el("li", { id: "problems-" + id },
        el("a", { href: url("/resources") + query({ status }) }, label + ": " + count),
        list && list.items.length ? el("ul", {}, list.items.slice(0, 5).map(x => el("li", {},
          el("a", { href: F.objectHref(x) }, x.kind + " " + x.namespace + "/" + x.name), " ", el("span", { class: "muted" }, x.summary)))) : null))));
    }
    return el("section", { id: "problems", "aria-labelledby": "h-problems" }, content);
  }
  F.views["/"] = overviewView;
})(FluxStatus);
