// The chain page: the segment diagram (ECharts, drawn on a canvas, so names are never HTML),
// the side panel of a clicked segment and the tables under it. All text is put in with
// textContent; the only HTML built from strings is the tooltip, and it is escaped.
(function () {
  "use strict";
  const app = document.getElementById("chain-app");
  if (!app) return;
  const words = JSON.parse(document.getElementById("chain-words").textContent);
  const COLOURS = { strong: "#2e7d32", weak: "#e0a100", gap: "#c62828" };
  const status = app.querySelector("[data-chain-status]");
  const panel = document.getElementById("segment-panel");
  let analysis = null;
  let chart = null;

  // -- small DOM helpers ------------------------------------------------------------------
  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "class") node.className = value;
      else if (name === "text") node.textContent = value;
      else node.setAttribute(name, value);
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }
  function say(template, values) {
    return template.replace(/\{(\w+)\}/g, (_, name) => values[name]);
  }
  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  }
  function percent(value) {
    return value === null || value === undefined ? "—" : Math.round(value * 100) + "%";
  }
  function money(wan) {
    if (wan === null || wan === undefined) return "—";
    const amount = Number(wan);
    if (document.documentElement.lang === "en") {
      return amount >= 100000 ? (amount / 100000).toFixed(2) + " billion yuan" : (amount / 100).toFixed(2) + " million yuan";
    }
    return amount >= 10000 ? (amount / 10000).toFixed(2) + " 亿元" : amount.toLocaleString("zh-CN", { maximumFractionDigits: 1 }) + " 万元";
  }
  function enterpriseLink(firm) {
    const href = app.dataset.enterpriseUrl.replace(/\/0$/, "/" + firm.id);
    const link = el("a", { href: href, "data-testid": "enterprise-link" }, firm.name);
    const marks = [];
    if (firm.is_chain_leader) marks.push("★" + words.chain_leader);
    return marks.length ? el("span", {}, link, " ", el("span", { class: "tag" }, marks.join(" "))) : link;
  }
  function segmentName(code) {
    const found = analysis.segments.find((segment) => segment.code === code);
    return found ? found.name : code;
  }
  function reasonList(reasons) {
    return el("ul", { class: "reasons" }, ...reasons.map((reason) => el("li", {}, reason)));
  }
  async function getJson(url) {
    // The API follows Accept-Language: ask in the page's language, not the browser's.
    const headers = { Accept: "application/json", "Accept-Language": document.documentElement.lang };
    const answer = await fetch(url, { headers: headers, credentials: "same-origin" });
    if (!answer.ok) throw new Error(answer.status);
    return answer.json();
  }

  // -- the diagram ------------------------------------------------------------------------
  const ROW = 26, COLUMN = 190, ROWS_PER_COLUMN = 18, NODE_WIDTH = 172;

  // Tiers left to right; a tier with many segments fills several columns, a category never split.
  function layout(document_) {
    const positions = {};
    let column = 0, maxRow = 0;
    for (const tier of document_.tiers) {
      let row = 0, used = false;
      for (const category of document_.categories.filter((c) => c.tier === tier.code)) {
        const members = document_.segments.filter((s) => s.category === category.code);
        if (!members.length) continue;
        if (used && row + members.length > ROWS_PER_COLUMN) { column += 1; row = 0; }
        for (const segment of members) {
          positions[segment.code] = [column * COLUMN + NODE_WIDTH / 2, row * ROW + ROW];
          row += 1;
        }
        row += 0.4;
        used = true;
        maxRow = Math.max(maxRow, row);
      }
      if (used) column += 1;
    }
    // Node centres are placed; the view is the box around them with half a node to spare, so
    // ECharts draws them at scale 1.
    const xs = Object.values(positions).map((p) => p[0]), ys = Object.values(positions).map((p) => p[1]);
    return {
      positions,
      width: Math.max(...xs) - Math.min(...xs) + NODE_WIDTH + 4,
      height: Math.max(...ys) - Math.min(...ys) + ROW + 4,
    };
  }

  function drawDiagram() {
    const box = document.getElementById("chain-diagram");
    const { positions, width, height } = layout(analysis);
    box.style.width = width + "px";
    box.style.height = height + "px";
    chart = echarts.init(box, null, { renderer: "canvas" });
    const nodes = analysis.segments.map((segment) => ({
      id: segment.code,
      name: (segment.local_chain_leaders ? "★ " : "") + segment.name + "  " + segment.local_enterprises,
      x: positions[segment.code][0],
      y: positions[segment.code][1],
      symbol: "roundRect",
      symbolSize: [NODE_WIDTH, ROW - 6],
      itemStyle: {
        color: COLOURS[segment.coverage],
        borderColor: segment.local_chain_leaders ? "#1a237e" : "#fff",
        borderWidth: segment.local_chain_leaders ? 2 : 1,
      },
      label: { color: segment.coverage === "weak" ? "#222" : "#fff" },
      segment: segment,
    }));
    chart.setOption({
      animation: false,
      tooltip: {
        formatter: (params) => {
          if (params.dataType !== "node") return "";
          const segment = params.data.segment;
          return escapeHtml(segment.code + " " + segment.name) + "<br>" +
            escapeHtml(words.coverage[segment.coverage] + " · " + words.local_enterprises + " " +
              segment.local_enterprises + " · " + words.local_output + " " + money(segment.local_output_wan));
        },
      },
      series: [{
        type: "graph",
        layout: "none",
        left: NODE_WIDTH / 2 + 2, right: NODE_WIDTH / 2 + 2, top: ROW / 2 + 2, bottom: ROW / 2 + 2,
        data: nodes,
        links: analysis.flows.map((flow) => ({ source: flow.supplier, target: flow.buyer })),
        edgeSymbol: ["none", "arrow"],
        edgeSymbolSize: 6,
        lineStyle: { color: "#8a97a8", opacity: 0.35, curveness: 0.12, width: 1 },
        label: { show: true, position: "inside", fontSize: 11, width: NODE_WIDTH - 10, overflow: "truncate" },
        emphasis: { focus: "adjacency", lineStyle: { opacity: 0.9, width: 2 } },
        selectedMode: "single",
        select: { itemStyle: { borderColor: "#000", borderWidth: 3 } },
      }],
    });
    chart.on("click", (params) => {
      if (params.dataType === "node") showSegment(params.data.id);
    });
  }

  // -- the segment panel ------------------------------------------------------------------
  function fact(label, value) {
    return [el("dt", {}, label), el("dd", {}, value)];
  }

  function showSegment(code) {
    const segment = analysis.segments.find((s) => s.code === code);
    const recommendation = analysis.recommendations.find((r) => r.segment === code);
    const singles = analysis.risks.filter((r) => r.kind === "single_source" && r.segment === code).length;
    panel.replaceChildren();
    panel.dataset.segment = code;
    panel.append(
      el("h2", {}, segment.name + " ", el("span", { class: "muted small" }, segment.code)),
      el("p", {}, el("span", { class: "badge coverage-" + segment.coverage, "data-testid": "segment-coverage" }, words.coverage[segment.coverage])),
      el("dl", { class: "facts" },
        ...fact(words.local_enterprises, segment.local_enterprises),
        ...fact(words.outside_enterprises, segment.outside_enterprises),
        ...fact(words.local_output, money(segment.local_output_wan)),
        ...fact(words.local_sourcing, percent(segment.local_sourcing_share)),
        ...fact(words.leaders_sourcing, percent(segment.leaders_local_sourcing_share)),
        ...fact(words.hhi, segment.supplier_hhi === null ? "—" : segment.supplier_hhi.toFixed(2)),
        ...(singles ? fact(words.single_source_count, singles) : [])),
      reasonList(segment.reasons),
    );
    const listUrl = (local) => app.dataset.segmentListUrl + "?" + new URLSearchParams({ segment: code, is_local: local, sort: "output" });
    if (segment.largest_local.length) {
      panel.append(el("h3", {}, words.largest_local),
        el("ul", { class: "plain-list" }, ...segment.largest_local.map((firm) =>
          el("li", {}, enterpriseLink(firm), " ", el("span", { class: "muted small" }, money(firm.output_wan))))));
    }
    panel.append(el("p", { class: "small" },
      el("a", { href: listUrl("true") }, words.see_all_local), " · ",
      el("a", { href: listUrl("false") }, words.see_all_outside)));
    if (!recommendation) {
      panel.append(el("p", { class: "muted" }, words.not_recommended));
      return;
    }
    panel.append(
      el("h3", {}, words.targets + " · " + words.action[recommendation.action] + " #" + recommendation.rank),
      reasonList(recommendation.reasons));
    if (!recommendation.targets.length) {
      panel.append(el("p", { class: "muted" }, words.no_targets));
      return;
    }
    for (const target of recommendation.targets) panel.append(targetCard(recommendation, target));
    if (recommendation.target_count > recommendation.targets.length) {
      panel.append(el("p", { class: "muted small" }, say(words.more, { count: recommendation.target_count - recommendation.targets.length })));
    }
  }

  function targetCard(recommendation, target) {
    const card = el("article", { class: "target", "data-testid": "target", "data-enterprise": target.enterprise.id });
    card.append(
      el("p", { class: "target-head" }, enterpriseLink(target.enterprise), " ",
        el("strong", { "data-testid": "target-score" }, words.score + " " + target.score.toFixed(2))),
      el("table", { class: "plain parts" }, el("tbody", {}, ...target.parts.map((part) =>
        el("tr", {}, el("th", {}, words.part[part.name]),
          el("td", { class: "num" }, part.value.toFixed(2) + " × " + part.weight.toFixed(2)),
          el("td", { class: "small" }, part.reason))))));
    const paths = el("div", { class: "paths", "data-testid": "paths" });
    const actions = el("p", { class: "no-print" },
      el("button", { type: "button", "data-testid": "show-paths" }, words.show_paths));
    actions.firstChild.addEventListener("click", () => showPaths(recommendation, target, paths, actions.firstChild));
    const form = leadForm(recommendation.segment, target.enterprise.id, null, words.make_lead);
    if (form) actions.append(" ", form);
    card.append(actions, paths);
    return card;
  }

  function leadForm(segment, enterpriseId, introducer, label) {
    if (!app.dataset.leadUrl) return null;
    const form = el("form", { method: "post", action: app.dataset.leadUrl, class: "inline" },
      el("input", { type: "hidden", name: "csrf_token", value: app.dataset.csrf }),
      el("input", { type: "hidden", name: "segment", value: segment }),
      el("input", { type: "hidden", name: "enterprise", value: enterpriseId }),
      el("button", { type: "submit", class: "primary", "data-testid": "make-lead" }, label));
    if (introducer) form.append(el("input", { type: "hidden", name: "introducer", value: introducer }));
    return form;
  }

  async function showPaths(recommendation, target, box, button) {
    button.disabled = true;
    box.replaceChildren(el("p", { class: "muted" }, words.loading));
    try {
      const url = app.dataset.pathsUrl.replace("/enterprises/0/", "/enterprises/" + target.enterprise.id + "/");
      const found = await getJson(url);
      box.replaceChildren(el("h4", {}, words.paths));
      if (!found.paths.length) box.append(el("p", { class: "muted" }, words.no_paths));
      for (const path of found.paths) {
        const end = path.introducer;
        const who = end.kind === "ambassador" ? words.ambassador : (end.is_chain_leader ? words.chain_leader : words.local);
        const item = el("div", { class: "path", "data-testid": "path" },
          el("p", {}, el("strong", {}, words.introducer + "：" + end.name), " ", el("span", { class: "tag" }, who), " ",
            el("span", { class: "muted small" }, path.hops + " " + words.hops + " · " + words.strength + " " + path.strength.toFixed(2))),
          el("p", { class: "small path-nodes" }, path.nodes.map((node) => node.name).join(" → ")),
          el("ol", { class: "small" }, ...path.steps.map((step) => el("li", {}, step.reason))));
        const form = leadForm(recommendation.segment, target.enterprise.id, end.kind + "-" + end.id, words.make_lead_via);
        if (form) item.append(el("p", { class: "no-print" }, form));
        box.append(item);
      }
    } catch (error) {
      box.replaceChildren(el("p", { class: "error" }, words.failed));
      button.disabled = false;
    }
  }

  // -- the tables under the diagram -------------------------------------------------------
  function table(headers, rows) {
    return el("div", { class: "table-wrap" }, el("table", { class: "list compact" },
      el("thead", {}, el("tr", {}, ...headers.map((h) => el("th", { scope: "col" }, h)))),
      el("tbody", {}, ...rows)));
  }

  function segmentButton(code) {
    const button = el("button", { type: "button", class: "link" }, segmentName(code));
    button.addEventListener("click", () => {
      showSegment(code);
      panel.scrollIntoView({ behavior: "smooth", block: "start" });
    });
    return button;
  }

  function drawTables() {
    const recommendations = app.querySelector('[data-list="recommendations"]');
    recommendations.replaceChildren(table(
      [words.rank, words.segment, words.action_col, words.priority, words.top_target],
      analysis.recommendations.slice(0, 15).map((item) => el("tr", {},
        el("td", { class: "num" }, item.rank), el("td", {}, segmentButton(item.segment)),
        el("td", {}, words.action[item.action]), el("td", { class: "num" }, item.priority.toFixed(2)),
        el("td", {}, item.targets.length ? enterpriseLink(item.targets[0].enterprise) : "—")))));

    const leaders = app.querySelector('[data-list="leaders"]');
    leaders.replaceChildren(table(
      [words.enterprise, words.flags, words.local_suppliers, words.local_customers, words.downstream, words.suggestion],
      analysis.leaders.map((entry) => el("tr", { "data-testid": "leader" },
        el("td", {}, enterpriseLink(entry.enterprise), el("div", { class: "muted small" }, words.role[entry.role])),
        el("td", {}, [entry.is_chain_leader && words.flag.is_chain_leader, entry.is_leading && words.flag.is_leading].filter(Boolean).join("、") || "—"),
        el("td", { class: "num" }, entry.local_suppliers), el("td", { class: "num" }, entry.local_customers),
        el("td", { class: "num" }, entry.downstream_segments),
        el("td", { class: "small" }, ...suggestionCells(entry))))));

    const risks = app.querySelector('[data-list="risks"]');
    risks.replaceChildren();
    for (const kind of ["cut_point", "single_source", "concentration", "local_sourcing"]) {
      const items = analysis.risks.filter((risk) => risk.kind === kind);
      if (!items.length) continue;
      const total = (analysis.risk_totals || {})[kind] || items.length;
      risks.append(el("h3", {}, words.risk[kind] + " (" + total + ")"));
      const list = el("ul", { class: "risk-list" });
      for (const risk of items.slice(0, 8)) {
        const item = el("li", { "data-testid": "risk-" + kind }, risk.reasons.join("；"));
        if (risk.enterprise && kind === "cut_point") {
          const button = el("button", { type: "button", class: "link no-print", "data-testid": "what-if" }, words.what_if);
          const result = el("div", { class: "what-if" });
          button.addEventListener("click", () => showWhatIf(risk.enterprise.id, result, button));
          item.append(" ", button, result);
        }
        list.append(item);
      }
      risks.append(list);
      if (total > 8) risks.append(el("p", { class: "muted small" }, say(words.more, { count: total - Math.min(8, items.length) })));
    }
  }

  // Each suggestion in words, and for staff who may change the enterprise a button to confirm it.
  function suggestionCells(entry) {
    if (!entry.suggestions.length) return ["—"];
    return entry.suggestions.map((suggestion) => {
      const text = say(suggestion.value ? words.suggest_set : words.suggest_unset, { flag: words.flag[suggestion.flag] });
      const line = el("div", { "data-testid": "suggestion" }, text);
      if (app.dataset.flagUrl) {
        line.append(" ", el("form", { method: "post", action: app.dataset.flagUrl, class: "inline no-print" },
          el("input", { type: "hidden", name: "csrf_token", value: app.dataset.csrf }),
          el("input", { type: "hidden", name: "enterprise", value: entry.enterprise.id }),
          el("input", { type: "hidden", name: "flag", value: suggestion.flag }),
          el("input", { type: "hidden", name: "value", value: suggestion.value ? "1" : "0" }),
          el("button", { type: "submit", class: "link", "data-testid": "confirm-flag" }, words.confirm)));
      }
      return line;
    });
  }

  async function showWhatIf(enterpriseId, box, button) {
    button.disabled = true;
    box.replaceChildren(el("p", { class: "muted" }, words.loading));
    try {
      const found = await getJson(app.dataset.whatIfUrl + "?enterprise=" + enterpriseId);
      box.replaceChildren();
      if (!found.affected.length) { box.append(el("p", { class: "muted" }, words.nobody_affected)); return; }
      box.append(el("ul", { class: "small" }, ...found.affected.slice(0, 12).map((item) =>
        el("li", {}, el("span", { class: "tag" }, words.severity[item.severity]), " ", item.reason))));
      if (found.affected.length > 12) box.append(el("p", { class: "muted small" }, say(words.more, { count: found.affected.length - 12 })));
    } catch (error) {
      box.replaceChildren(el("p", { class: "error" }, words.failed));
      button.disabled = false;
    }
  }

  // -- print and PNG ----------------------------------------------------------------------
  document.querySelector('[data-action="print"]')?.addEventListener("click", () => window.print());
  document.querySelector('[data-action="png"]')?.addEventListener("click", () => {
    if (!chart) return;
    const link = el("a", { href: chart.getDataURL({ type: "png", pixelRatio: 2, backgroundColor: "#fff" }), download: app.dataset.chainName + "-chain.png" });
    document.body.append(link);
    link.click();
    link.remove();
  });
  window.addEventListener("beforeprint", () => chart && chart.resize());

  getJson(app.dataset.analysisUrl).then((document_) => {
    analysis = document_;
    status.textContent = "";
    app.querySelector("[data-chain-status]").hidden = true;
    const version = document.querySelector("[data-chain-version]");
    if (version) version.textContent = say(words.version, { version: analysis.version });
    drawDiagram();
    drawTables();
    app.dataset.ready = "true";
  }).catch(() => { status.textContent = words.failed; });
})();
