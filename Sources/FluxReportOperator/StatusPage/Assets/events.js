"use strict";
(function (F) {
  const { el, getJSON, when, table, transitionsSection, main } = F;
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
  F.views["/events"] = eventsView;
})(FluxStatus);
