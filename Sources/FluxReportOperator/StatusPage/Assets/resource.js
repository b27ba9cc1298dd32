"use strict";
(function (F) {
  const { el, query, url, getJSON, when, readyBadge, table, dl, transitionsSection, main } = F;
  // Helm's release statuses by tone; the status is always written out, the colour only adds to it.
  const releaseTone = { deployed: "ok", failed: "bad", "pending-install": "warn", "pending-upgrade": "warn", "pending-rollback": "warn", uninstalling: "warn" };
  // A HelmRelease's newest releases (status.history, kept up to three); nothing for other kinds.
  function releasesSection(o) {
    if (o.kind !== "HelmRelease") return [];
    const releases = (o.diagnosis && o.diagnosis.object && o.diagnosis.object.releases) || [];
    return [el("section", { "aria-labelledby": "h-releases" }, el("h2", { id: "h-releases" }, "Releases"),
      table("Newest first, from status.history", [{ label: "Release", num: true }, "Chart version", "Status", "Deployed"],
        releases.map(r => el("tr", {}, el("td", { class: "num" }, r.version ? String(r.version) : "unknown"), el("td", {}, r.chartVersion),
          el("td", {}, el("span", { class: "badge " + (releaseTone[r.status] || "muted") }, r.status)),
          el("td", {}, r.lastDeployed ? when(r.lastDeployed) : "unknown"))),
        "No release recorded in status.history."))];
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
          ...releasesSection(o),
          ...F.diagnosisSections(o),
          transitionsSection(o.transitions || [], "Recent transitions"),
          el("p", { class: "muted" }, "The cache keeps the Ready condition only; kubectl shows the others."));
      },
    };
  }
  F.views["/resource"] = resourceView;
})(FluxStatus);
