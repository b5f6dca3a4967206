// The dashboard's charts (领导驾驶舱): drawn by ECharts on canvases from the JSON the page holds
// (#dashboard-data, made by crm.services.dashboard_charts). Each bar, slice or point opens the
// list behind it. Names are drawn on the canvas; the tooltips, ECharts' only HTML, are escaped.
(function () {
  "use strict";
  const source = document.getElementById("dashboard-data");
  if (!source || typeof echarts === "undefined") return;
  const data = JSON.parse(source.textContent);
  const words = data.words;
  const COLOURS = ["#1f5fa8", "#2e7d32", "#e0a100", "#c62828", "#6a4c93", "#00838f", "#8d6e63"];
  const charts = [];

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
  }
  function say(template, values) {
    return template.replace(/\{(\w+)\}/g, (_, name) => values[name]);
  }
  // 万元 → the axis unit (亿元, or million yuan in English), two decimals at most.
  function money(wan) {
    return Math.round((wan / data.money.divisor) * 100) / 100;
  }
  function moneyText(wan) {
    return money(wan).toLocaleString() + " " + data.money.unit;
  }
  function tooltip(lines) {
    return lines.map(escapeHtml).join("<br>");
  }
  // Names may be long (project names): the category axis shows the start of them.
  function shortName(name) {
    return name.length > 12 ? name.slice(0, 11) + "…" : name;
  }
  // Category names under a bar, four characters a line (签约项目\n落地率).
  function wrap(name) {
    return name.replace(/(.{4})/g, "$1\n").trim();
  }

  function base() {
    return {
      color: COLOURS,
      textStyle: { fontFamily: data.font },
      tooltip: { textStyle: { fontFamily: data.font } },
      grid: { left: 8, right: 24, top: 36, bottom: 8, containLabel: true },
      animation: false,
    };
  }

  function horizontalBars(rows, valueOf, unit, tip) {
    const shown = rows.slice().reverse(); // the largest at the top
    return Object.assign(base(), {
      tooltip: { trigger: "item", formatter: (p) => tooltip(tip(shown[p.dataIndex])) },
      grid: { left: 8, right: 40, top: 8, bottom: 28, containLabel: true },
      xAxis: { type: "value", name: unit, nameLocation: "middle", nameGap: 24, nameTextStyle: { fontFamily: data.font } },
      yAxis: { type: "category", data: shown.map((row) => shortName(row.name)), axisLabel: { fontFamily: data.font } },
      series: [{ type: "bar", data: shown.map(valueOf), label: { show: true, position: "right", fontFamily: data.font }, cursor: "pointer" }],
    });
  }

  const draw = {
    funnel(rows) {
      return {
        option: Object.assign(base(), {
          tooltip: { trigger: "item", formatter: (p) => tooltip([rows[p.dataIndex].name + "：" + rows[p.dataIndex].value]) },
          series: [{
            type: "funnel", sort: "none", left: "8%", right: "8%", top: 16, bottom: 8, minSize: "12%", gap: 2,
            label: { show: true, position: "inside", fontFamily: data.font, formatter: (p) => p.name + " " + p.value },
            data: rows.map((row) => ({ name: row.name, value: row.value })),
          }],
        }),
        urls: rows.map((row) => row.url),
      };
    },
    rates(rows) {
      const signed = data.signed;
      const categories = rows.map((row) => row.name);
      const actual = rows.map((row) => row.value);
      const target = rows.map((row) => row.target);
      const urls = rows.map((row) => row.url);
      // Signed count and amount: how much of the year's target, when one is set.
      const countGoal = signed.count_target === null ? null : signed.count_target + " " + words.count_unit;
      const amountGoal = signed.amount_target === null ? null : moneyText(signed.amount_target);
      const extra = [
        { name: words.signed_count, value: signed.count_percent, detail: signed.count + " " + words.count_unit, goal: countGoal },
        { name: words.signed_amount, value: signed.amount_percent, detail: moneyText(signed.amount), goal: amountGoal },
      ];
      for (const row of extra) {
        categories.push(row.name);
        actual.push(row.value);
        target.push(row.value === null ? null : 100);
        urls.push(signed.url);
      }
      rows = rows.concat(extra);
      return {
        option: Object.assign(base(), {
          legend: { top: 0, textStyle: { fontFamily: data.font } },
          tooltip: {
            trigger: "axis",
            formatter: (items) => {
              const row = rows[items[0].dataIndex];
              const lines = [row.name];
              if (row.detail !== undefined) {
                lines.push(words.actual + "：" + row.detail);
                lines.push(words.target + "：" + (row.goal === null ? words.no_target : row.goal));
                if (row.value !== null) lines.push(say(words.of_target, { percent: row.value }));
              } else {
                lines.push(words.actual + "：" + (row.value === null ? "—" : row.value + "%") + " (" + row.numerator + " / " + row.denominator + ")");
                lines.push(words.target + "：" + (row.target === null ? words.no_target : row.target + "%"));
              }
              return tooltip(lines);
            },
          },
          xAxis: { type: "category", data: categories, axisLabel: { interval: 0, fontFamily: data.font, formatter: wrap } },
          yAxis: { type: "value", name: "%", min: 0 },
          series: [
            { name: words.actual, type: "bar", data: actual, cursor: "pointer", label: { show: true, position: "top", fontFamily: data.font, formatter: (p) => (p.value === null || p.value === undefined ? "" : p.value + "%") } },
            { name: words.target, type: "bar", data: target, cursor: "pointer", itemStyle: { color: "#b0bec5" } },
          ],
        }),
        urls,
      };
    },
    trend(rows) {
      return {
        option: Object.assign(base(), {
          legend: { top: 0, textStyle: { fontFamily: data.font } },
          tooltip: {
            trigger: "axis",
            formatter: (items) => {
              const row = rows[items[0].dataIndex];
              return tooltip([row.name, words.signed + "：" + moneyText(row.signed), words.funds + "：" + moneyText(row.funds), words.started + "：" + row.started + " " + words.count_unit]);
            },
          },
          xAxis: { type: "category", data: rows.map((row) => row.name), axisLabel: { fontFamily: data.font } },
          yAxis: [
            { type: "value", name: data.money.unit, nameTextStyle: { fontFamily: data.font } },
            { type: "value", name: words.count_unit, minInterval: 1, nameTextStyle: { fontFamily: data.font } },
          ],
          series: [
            { name: words.signed, type: "bar", data: rows.map((row) => money(row.signed)), cursor: "pointer" },
            { name: words.funds, type: "bar", data: rows.map((row) => money(row.funds)), cursor: "pointer" },
            { name: words.started, type: "line", yAxisIndex: 1, data: rows.map((row) => row.started), cursor: "pointer" },
          ],
        }),
        // One list per series: signed leads, projects with funds, projects started that month.
        urls: (params) => rows[params.dataIndex][["signed_url", "funds_url", "started_url"][params.seriesIndex]],
      };
    },
    sectors(rows) {
      return money_chart(rows);
    },
    segments(rows) {
      return money_chart(rows);
    },
    districts(rows) {
      return money_chart(rows);
    },
    top(rows) {
      const shown = rows.slice().reverse();
      return {
        option: horizontalBars(rows, (row) => money(row.amount), data.money.unit, (row) => [row.name, words.stage + "：" + row.stage, row.district, words.investment + "：" + moneyText(row.amount)]),
        urls: shown.map((row) => row.url),
      };
    },
    enterprises(rows) {
      const shown = rows.slice().reverse();
      return {
        option: horizontalBars(rows, (row) => row.count, words.count_unit, (row) => [row.name, words.enterprises + "：" + row.count]),
        urls: shown.map((row) => row.url),
      };
    },
  };

  // Investment per group: bars of the amount, the projects' count in the tooltip.
  function money_chart(rows) {
    const shown = rows.slice().reverse();
    return {
      option: horizontalBars(rows, (row) => money(row.amount), data.money.unit, (row) => [row.name, words.projects + "：" + row.count + " " + words.count_unit, words.investment + "：" + moneyText(row.amount)]),
      urls: shown.map((row) => row.url),
    };
  }

  for (const node of document.querySelectorAll("[data-chart]")) {
    const key = node.dataset.chart;
    const rows = data[key];
    if (!rows || (Array.isArray(rows) && rows.length === 0)) {
      node.classList.add("empty");
      node.textContent = "—";
      node.dataset.rendered = "empty";
      continue;
    }
    const made = draw[key](rows);
    const chart = echarts.init(node, null, { renderer: "canvas" });
    chart.setOption(made.option);
    chart.on("click", (params) => {
      const url = typeof made.urls === "function" ? made.urls(params) : made.urls[params.dataIndex];
      if (url) window.location.assign(url);
    });
    node.dataset.rendered = "true";
    charts.push(chart);
  }
  window.addEventListener("resize", () => charts.forEach((chart) => chart.resize()));
  window.addEventListener("beforeprint", () => charts.forEach((chart) => chart.resize()));
})();
