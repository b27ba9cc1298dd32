"use strict";
(function (F) {
  const { el, query, url, getJSON, when, readyBadge, dl, transitionsSection, main } = F;
  function resourceView() {
    const params = new URLSearchParams(location.search);
    const key = { kind: params.get("kind") || "", namespace: params.get("namespace") || "", name: params.get("name") || "" };
    return {
      title: key.kind + " " + key.namespace + "/" + key.name,
      async refresh() {
        let o;
        try { o = await getJSON("/api/v1/resource" + query(key)); } catch (e) {
          main.replaceChildren(el("h1", {}, key.kind + " " + key.namespace + "/" + key.name), el("p", { class: "error", role: "alert" }, e.message),
            el("p", {}, el("a", { href: url("/resources") }, "Back to objects")));
          return;
        }
        main.replaceChildren(
          el("p", {}, el("a", { href: url("/resources") + query({ kind: o.kind }) }, "← All " + o.kind + " objects")),
          el("h1", {}, o.kind + " ", el("span", { class: "muted" }, o.namespace + "/"), o.name),
          el("section", { "aria-labelledby": "h-ready" }, el("h2", { id: "h-ready" }, "Ready condition"),
            dl([["Status", o.suspended ? el("span", {}, readyBadge(o.ready), " ", el("span", { class: "badge warn" }, "Suspended")) : readyBadge(o.ready)],
                ["Reason", o.reason], ["Message", o.message], ["Since", o.since ? el("span", {}, when(o.since), " (" + o.since + ")") : ""],
                ["Suspended", o.suspended ? "yes" : "no"], ["Failing", o.failing ? "yes" : "no"]])),
          el("section", { "aria-labelledby": "h-source" }, el("h2", { id: "h-source" }, "Revision and source"),
            dl([["API version", o.apiVersion], ["Revision", o.revision], ["Source", o.source], ["URL", o.url], ["Ref", o.ref], ["Path", o.path], ["Artifact size", o.artifactSize]])),
          ...F.diagnosisSections(o),
          transitionsSection(o.transitions || [], "Recent transitions"),
          el("p", { class: "muted" }, "The cache keeps the Ready condition only; kubectl shows the others."));
      },
    };
  }
  F.views["/resource"] = resourceView;
})(FluxStatus);
