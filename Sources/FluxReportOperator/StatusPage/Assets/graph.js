"use strict";
// The dependency graph (/graph): one object's upstream and downstream in layers, or with no
// object the cluster view of the root causes and what each blocks; and the diagnosis sections of
// the object page. Drawn as SVG by this script: no library. Every node is a link with its state
// in words beside its colour; a cut neighbourhood ends in "N more" nodes.
(function (F) {
  const { el, query, url, getJSON, when, dl, main } = F;
  const NS = "http://www.w3.org/2000/svg";
  function svg(tag, attrs, ...children) {
    const node = document.createElementNS(NS, tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value !== undefined && value !== null) node.setAttribute(key, String(value));
    }
    for (const child of children.flat(Infinity)) {
      if (child === undefined || child === null || child === false) continue;
      node.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
    }
    return node;
  }
  const keyText = o => o.kind + " " + o.namespace + "/" + o.name;
  function graphHref(o) { return url("/graph") + query({ kind: o.kind, namespace: o.namespace, name: o.name }); }

  // Fill and stroke by state; the state is always written in the node too.
  const palette = {
    bad: ["#ffebe9", "#cf222e"], warn: ["#fff8c5", "#9a6700"], ok: ["#dafbe1", "#1a7f37"], muted: ["#f6f8fa", "#57606a"],
  };
  function tone(n) {
    if (n.placeholder) return "muted";
    if (n.state === "failing" || n.state === "missing") return "bad";
    if (n.state === "blocked" || n.state === "stale" || n.state === "drifted") return "warn";
    if (n.state === "suspended") return "muted";
    return n.ready === "True" ? "ok" : "muted";
  }
  function stateWords(n) {
    if (n.placeholder) return n.count + " more";
    const words = n.summary || n.state || (n.ready === "True" ? "ready" : "not ready");
    return n.blocks ? words + " · blocks " + n.blocks : words;
  }
  function clip(text, max) { return text.length > max ? text.slice(0, max - 1) + "…" : text; }

  // Lays out nodes ({layer, ...}) in columns by layer, each column ordered by the mean position of
  // its neighbours in the column before (fewer crossings), and draws them with their edges.
  function drawGraph(nodes, edges, caption) {
    const W = 270, H = 46, GX = 70, GY = 14, PAD = 10;
    const layers = [...new Set(nodes.map(n => n.layer))].sort((a, b) => a - b);
    const columns = layers.map(layer => nodes.filter(n => n.layer === layer));
    const neighbours = new Map(nodes.map(n => [n, []]));
    for (const e of edges) { neighbours.get(e.from).push(e.to); neighbours.get(e.to).push(e.from); }
    for (let c = 1; c < columns.length; c++) {
      const mean = n => {
        const placed = neighbours.get(n).filter(m => m.row !== undefined && m.layer === layers[c - 1]);
        return placed.length ? placed.reduce((s, m) => s + m.row, 0) / placed.length : Infinity;
      };
      columns[c - 1].forEach((n, i) => { n.row = i; });
      const order = columns[c].map(n => [mean(n), n]);
      order.sort((a, b) => a[0] - b[0]);
      columns[c] = order.map(x => x[1]);
    }
    const tallest = Math.max(1, ...columns.map(c => c.length));
    columns.forEach((column, c) => column.forEach((n, i) => {
      n.x = PAD + c * (W + GX);
      n.width = W;
      n.y = PAD + i * (H + GY) + (tallest - column.length) * (H + GY) / 2;
    }));
    const width = PAD * 2 + columns.length * W + (columns.length - 1) * GX;
    const height = PAD * 2 + tallest * (H + GY) - GY;
    const lines = edges.map(e => {
      const y1 = e.from.y + H / 2, y2 = e.to.y + H / 2;
      if (e.to.x === e.from.x) {
        // Both in one column (reached at the same depth): a loop out to the right.
        const x = e.from.x + W;
        return svg("path", { d: `M${x},${y1} C${x + 40},${y1} ${x + 40},${y2} ${x},${y2}`, fill: "none", stroke: "#8c959f", "stroke-width": 1.5,
          "marker-end": "url(#arrow)" });
      }
      // From the dependent's left side to the dependency's right side (or the reverse when a cycle points back).
      const forward = e.to.x < e.from.x;
      const x1 = forward ? e.from.x : e.from.x + W, x2 = forward ? e.to.x + W : e.to.x;
      const mid = (x1 + x2) / 2;
      return svg("path", { d: `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}`, fill: "none", stroke: "#8c959f", "stroke-width": 1.5,
        "marker-end": "url(#arrow)" });
    });
    const boxes = nodes.map(n => {
      const [fill, stroke] = palette[tone(n)];
      const title = n.placeholder ? n.count + " more objects not drawn" : keyText(n) + ": " + stateWords(n);
      const body = [
        svg("title", {}, title),
        svg("rect", { x: n.x, y: n.y, width: W, height: H, rx: 6, fill, stroke, "stroke-width": n.center ? 3 : 1.5 }),
        svg("text", { x: n.x + 8, y: n.y + 18, "font-size": 13, "font-weight": 600, fill: "#1b1f24" },
          n.placeholder ? clip(n.count + " more", 32) : clip(n.kind + " " + n.namespace + "/" + n.name, 32)),
        svg("text", { x: n.x + 8, y: n.y + 36, "font-size": 12, fill: stroke }, clip(n.placeholder ? n.hint : stateWords(n), 40)),
      ];
      if (n.href) return svg("a", { href: n.href, class: "graph-node", "data-key": n.placeholder ? null : n.kind + "/" + n.namespace + "/" + n.name,
        "aria-label": title }, body);
      return svg("g", { class: "graph-node graph-more", role: "img", "aria-label": title }, body);
    });
    const marker = svg("defs", {}, svg("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 10, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" },
      svg("path", { d: "M0,0 L10,5 L0,10 z", fill: "#8c959f" })));
    return el("div", { class: "graph" },
      svg("svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "group", "aria-label": caption }, marker, lines, boxes));
  }

  function objectGraph(key) {
    let shown = false;
    return {
      title: "Graph · " + key.kind + " " + key.namespace + "/" + key.name,
      async refresh() {
        let g;
        try { g = await getJSON("/api/v1/graph" + query(key)); } catch (e) {
          main.replaceChildren(el("h1", {}, "Graph of " + keyText(key)), el("p", { class: "error", role: "alert" }, e.message),
            el("p", {}, el("a", { href: url("/graph") }, "Root causes of the cluster")));
          return;
        }
        // A referenced object that does not exist has no page: drawn, not linked.
        const nodes = g.nodes.map(n => Object.assign({}, n, { href: !n.exists ? null : n.id === 0 ? F.objectHref(n) : graphHref(n), center: n.id === 0 }));
        const edges = g.edges.map(e => ({ from: nodes[e.from], to: nodes[e.to] }));
        for (const m of g.more) {
          const placeholder = { placeholder: true, count: m.count, layer: m.layer, hint: m.layer < 0 ? "dependencies not drawn" : "dependents not drawn" };
          nodes.push(placeholder);
          edges.push(m.layer < 0 ? { from: nodes[m.node], to: placeholder } : { from: placeholder, to: nodes[m.node] });
        }
        const up = g.nodes.filter(n => n.layer < 0).length, down = g.nodes.filter(n => n.layer > 0).length;
        const before = main.querySelector(".graph");
        const kept = shown && before ? before.scrollLeft : null;
        main.replaceChildren(
          el("p", {}, el("a", { href: F.objectHref(key) }, "← " + keyText(key)), " · ", el("a", { href: url("/graph") }, "Root causes of the cluster")),
          el("h1", {}, "Dependency graph of " + keyText(key)),
          el("p", { id: "graph-summary", class: "muted" }, up + " upstream (left, to the roots), " + down + " downstream (right, what depends on it)"
            + (g.left ? "; " + g.left + " more not drawn" : "") + ". Arrows point from an object to what it depends on; each box links to its graph, the framed one to its page."),
          drawGraph(nodes, edges, "Dependencies of " + keyText(key)));
        // A deep upstream puts the framed object past the box's right edge: bring it into view
        // the first time; a refresh (each change redraws) keeps where the reader scrolled to.
        const box = main.querySelector(".graph"), center = nodes.find(n => n.center);
        if (box && center && center.x !== undefined) {
          box.scrollLeft = kept ?? Math.max(0, center.x + center.width / 2 - box.clientWidth / 2);
          shown = true;
        }
      },
    };
  }

  function clusterGraph() {
    return {
      title: "Root causes",
      async refresh() {
        const m = await getJSON("/api/v1/rootcauses");
        const roots = m.rootCauses.items;
        const nodes = [], edges = [];
        for (const r of roots) {
          const root = Object.assign({}, r, { layer: 0, href: r.exists ? graphHref(r) : null });
          nodes.push(root);
          for (const b of r.blocked.items) {
            const node = Object.assign({}, b, { layer: 1, href: graphHref(b) });
            nodes.push(node);
            edges.push({ from: node, to: root });
          }
          if (r.blocked.more > 0) {
            const placeholder = { placeholder: true, count: r.blocked.more, layer: 1, hint: "blocked by " + clip(r.name, 24) };
            nodes.push(placeholder);
            edges.push({ from: placeholder, to: root });
          }
        }
        if (m.rootCauses.more > 0) nodes.push({ placeholder: true, count: m.rootCauses.more, layer: 0, hint: "root causes not drawn" });
        main.replaceChildren(
          el("h1", {}, "Root causes"),
          roots.length ? el("p", { id: "graph-summary", class: "muted" }, roots.length + m.rootCauses.more + " root cause"
            + (roots.length + m.rootCauses.more === 1 ? "" : "s") + " (left), each with the blocked objects that wait on it (right). Each box links to its graph.")
            : el("p", { id: "graph-summary" }, "No root causes: nothing is blocked by a failing dependency."),
          roots.length ? drawGraph(nodes, edges, "Root causes and what each blocks") : null);
      },
    };
  }

  function graphView() {
    const params = new URLSearchParams(location.search);
    const key = { kind: params.get("kind") || "", namespace: params.get("namespace") || "", name: params.get("name") || "" };
    return key.kind || key.name ? objectGraph(key) : clusterGraph();
  }
  F.views["/graph"] = graphView;

  // The object page's diagnosis: signals in words and times, dependencies, dependents, paths.
  function objectList(title, id, list, empty) {
    const items = (list && list.items) || [];
    return el("section", { "aria-labelledby": id }, el("h2", { id }, title + " (" + (items.length + ((list && list.more) || 0)) + ")"),
      items.length ? el("ul", {}, items.map(o => el("li", {},
        o.exists ? el("a", { href: F.objectHref(o) }, keyText(o)) : el("span", {}, keyText(o)), " — ",
        el("span", { class: tone(o) }, stateWords(o))))) : el("p", { class: "muted" }, empty),
      list && list.more ? el("p", { class: "muted" }, "… and " + list.more + " more") : null);
  }
  F.diagnosisSections = function (o) {
    const d = o.diagnosis;
    if (!d) return [];
    const s = d.object;
    const paths = (d.pathsToRootCauses && d.pathsToRootCauses.items) || [];
    return [
      el("section", { "aria-labelledby": "h-signals" }, el("h2", { id: "h-signals" }, "State"),
        dl([["State", el("span", { class: tone(s), id: "object-state" }, s.summary || "ready")],
          ["Since", s.since ? when(s.since) : ""], ["Flips", s.flips], ["Last failure", s.lastFailureReason],
          ["Stale", s.stale ? el("span", {}, "yes: last progress ", s.lastReconcile ? when(s.lastReconcile) : "unknown", " (evidence: " + (s.evidence || "none") + ")") : ""],
          ["Interval", s.interval], ["Last reconcile", s.lastReconcile ? el("span", {}, when(s.lastReconcile), " (" + s.evidence + ")") : ""],
          ["Drifted since", s.driftedSince ? when(s.driftedSince) : ""],
          ["Suspended by", s.suspendedBy], ["Suspension reason", s.suspendReason],
          ["Last attempted revision", s.lastAppliedRevision !== undefined ? s.revision : ""],
          ["Last applied revision", s.lastAppliedRevision],
          ["Blocks", s.blocks ? s.blocks + " object" + (s.blocks === 1 ? "" : "s") : ""]]),
        el("p", {}, el("a", { href: graphHref(o), id: "graph-link" }, "Dependency graph"))),
      paths.length ? el("section", { "aria-labelledby": "h-paths" }, el("h2", { id: "h-paths" }, "Paths to the root causes"),
        el("ol", {}, paths.map(path => el("li", {}, path.map((k, i) => {
          const [kind, namespace, name] = k.split("/");
          const link = el("a", { href: F.objectHref({ kind, namespace, name }) }, kind + " " + namespace + "/" + name);
          return i ? [" → ", link] : [link];
        }))))) : null,
      objectList("Depends on", "h-dependencies", d.dependencies, "No dependencies."),
      objectList("Depended on by", "h-dependents", d.dependents, "Nothing depends on it."),
    ].filter(Boolean);
  };
})(FluxStatus);
