// The industry map's points: fetched as GeoJSON with the form's filters, drawn as clustered
// circle markers into the enterprises layer folium made (geo/shell.py). Every piece of user
// text goes into the page with textContent, never innerHTML: an enterprise named
// <img src=x onerror=...> shows as those characters.
(function () {
  "use strict";

  var frame = document.getElementById("industry-map");
  if (!frame || !window.L) return;
  var data = frame.dataset;
  var map = window[data.map];
  var enterprises = window[data.enterprises];
  var projectLayer = window[data.projects];
  var parkLayer = window[data.parks];
  var heatLayer = data.heat && window[data.heat];
  var form = document.querySelector("[data-testid=map-filters]");
  var countLine = document.querySelector("[data-testid=map-count]");
  var errorLine = document.querySelector("[data-testid=map-error]");
  var english = data.english === "true";
  var list = document.getElementById("map-list");

  // Colours for chain categories, in the order their codes sort; distinct on a light map.
  var PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf",
                 "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22"];
  var OTHER = "#555555";
  // Projects are rings coloured by pool; parks are violet outlines (or rings without one).
  var POOLS = { reserve: "#f59e0b", construction: "#dc2626", in_effect: "#059669" };
  var PARK = "#7c3aed";
  var poolNames = {};

  function element(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (className) node.className = className;
    return node;
  }

  // District and zone names as tooltips, set as text.
  (data.boundaries || "").split(" ").forEach(function (name) {
    var layer = name && window[name];
    if (!layer) return;
    layer.eachLayer(function (part) {
      var props = part.feature && part.feature.properties;
      if (props) part.bindTooltip(element("span", english ? props.name_en || props.name : props.name), { sticky: true });
    });
  });

  var clusters = L.markerClusterGroup({ chunkedLoading: true, showCoverageOnHover: false,
                                        maxClusterRadius: 50 });
  enterprises.addLayer(clusters);

  var legend = L.control({ position: "bottomright" });
  legend.onAdd = function () {
    this._div = element("div", null, "map-legend");
    this._div.setAttribute("data-testid", "map-legend");
    return this._div;
  };
  legend.addTo(map);

  function colours(categories) {
    var byCode = {};
    Object.keys(categories).sort().forEach(function (code, index) {
      byCode[code] = PALETTE[index % PALETTE.length];
    });
    return byCode;
  }

  function drawLegend(categories, byCode) {
    var box = legend._div;
    box.replaceChildren(element("strong", data.labelLegend));
    Object.keys(byCode).forEach(function (code) {
      var row = element("div", null, "legend-row");
      var swatch = element("span", null, "swatch");
      swatch.style.background = byCode[code];
      row.append(swatch, element("span", categories[code]));
      box.append(row);
    });
    [[data.labelChainLeader, "swatch big"], [data.labelLeading, "swatch mid"]].forEach(function (entry) {
      var row = element("div", null, "legend-row");
      row.append(element("span", null, entry[1]), element("span", entry[0]));
      box.append(row);
    });
    Object.keys(POOLS).forEach(function (pool) {
      if (!poolNames[pool]) return;
      var row = element("div", null, "legend-row");
      var ring = element("span", null, "swatch ring");
      ring.style.borderColor = POOLS[pool];
      row.append(ring, element("span", data.labelProject + "：" + poolNames[pool]));
      box.append(row);
    });
    var park = element("div", null, "legend-row");
    var outline = element("span", null, "swatch square");
    outline.style.borderColor = PARK;
    park.append(outline, element("span", data.labelPark));
    box.append(park);
  }
  var lastCategories = {}, lastColours = {};

  // The district choropleth: figures fetched once, coloured by the chosen measure in classes
  // whose bounds the server gives (geo/choropleth.py), with a legend of its own.
  var SHADES = ["#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"];
  var districtLayer = data.districts && window[data.districts];
  var figures = null;
  var shadeLegend = L.control({ position: "bottomleft" });
  shadeLegend.onAdd = function () {
    this._div = element("div", null, "map-legend");
    this._div.setAttribute("data-testid", "shade-legend");
    this._div.hidden = true;
    return this._div;
  };
  shadeLegend.addTo(map);

  function shadeOf(value, breaks) {
    var index = 0;
    breaks.forEach(function (bound) { if (value > bound) index += 1; });
    return SHADES[Math.min(index, SHADES.length - 1)];
  }

  function shade() {
    var measure = form.elements.shade ? form.elements.shade.value : "";
    var box = shadeLegend._div;
    if (!districtLayer || !figures) return;
    var breaks = measure ? figures.breaks[measure] || [] : [];
    districtLayer.eachLayer(function (part) {
      var props = part.feature && part.feature.properties;
      if (!props) return;
      var row = figures.districts[props.code] || {};
      var value = measure ? row[measure] : null;
      var name = english ? props.name_en || props.name : props.name;
      part.setStyle(measure && value !== null && value !== undefined
        ? { fillColor: shadeOf(value, breaks), fillOpacity: 0.6 }
        : { fillColor: "#1d4ed8", fillOpacity: measure ? 0 : 0.03 });
      part.unbindTooltip();
      part.bindTooltip(element("span", measure ? name + "：" + (value === null || value === undefined
        ? data.labelNoFigure : number(value)) : name), { sticky: true });
    });
    box.hidden = !measure;
    if (!measure) return box.replaceChildren();
    var caption = form.elements.shade.selectedOptions[0].textContent;
    box.replaceChildren(element("strong", caption));
    var bounds = breaks.map(number);
    for (var index = 0; index <= breaks.length; index++) {
      var text = index === 0 ? (breaks.length ? "≤ " + bounds[0] : "")
        : index === breaks.length ? "> " + bounds[index - 1]
        : bounds[index - 1] + " – " + bounds[index];
      var row = element("div", null, "legend-row");
      var swatch = element("span", null, "swatch square");
      swatch.style.background = SHADES[index];
      row.append(swatch, element("span", text || caption));
      box.append(row);
    }
  }

  function popupFor(props, segments) {
    var box = element("div", null, "map-popup");
    box.append(element("strong", props.n));
    var segment = props.s && segments[props.s] ? props.s + " " + segments[props.s][0] : data.labelNone;
    box.append(element("div", data.labelSegment + "：" + segment));
    var output = props.o === null ? data.labelNone
      : props.o.toLocaleString(english ? "en" : "zh-CN", { maximumFractionDigits: 1 }) + " " + data.labelWan;
    box.append(element("div", data.labelOutput + "：" + output));
    var link = element("a", data.labelOpen);
    link.href = data.enterpriseUrl.replace(/0$/, String(Number(props.id)));
    box.append(link);
    return box;
  }

  function draw(collection) {
    var byCode = colours(collection.categories || {});
    var segments = collection.segments || {};
    var markers = collection.features.map(function (feature) {
      var props = feature.properties;
      var coords = feature.geometry.coordinates;
      var category = props.s && segments[props.s] ? segments[props.s][1] : null;
      var marker = L.circleMarker([coords[1], coords[0]], {
        radius: props.k === 2 ? 9 : props.k === 1 ? 7 : 5,
        weight: props.k ? 2 : 1,
        color: props.k ? "#111" : "#fff",
        fillColor: byCode[category] || OTHER,
        fillOpacity: 0.85,
        className: "enterprise-marker",
      });
      marker.bindPopup(function () { return popupFor(props, segments); });
      return marker;
    });
    clusters.clearLayers();
    clusters.addLayers(markers);
    drawHeat(collection.features);
    lastCategories = collection.categories || {};
    lastColours = byCode;
    drawLegend(lastCategories, lastColours);
    countLine.textContent = countLine.dataset.template.replace("{count}", collection.count.toLocaleString());
    countLine.dataset.count = String(collection.count);
  }

  // The heat layer (off until chosen in the layer control): the same points, each weighing
  // its output on a log scale, so a few giants do not hide the rest of the city.
  function drawHeat(features) {
    if (!heatLayer || !L.heatLayer) return;
    var points = features.map(function (feature) {
      var c = feature.geometry.coordinates, output = feature.properties.o || 0;
      return [c[1], c[0], Math.min(1, Math.log10(1 + output) / 6)];
    });
    heatLayer.clearLayers();
    heatLayer.addLayer(L.heatLayer(points, { radius: 14, blur: 18, maxZoom: 13 }));
  }

  function query() {
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, key) {
      if (key !== "preset" && key !== "shade" && String(value).trim() !== "") params.append(key, value);
    });
    return params;
  }

  function figure(value) {
    if (value === null || value === undefined) return "—";
    return value.toLocaleString(english ? "en" : "zh-CN", { maximumFractionDigits: 2 });
  }

  // The list under the map: the first rows of the same filtered set, and the export of all.
  function drawList(body) {
    var rows = list.querySelector("[data-testid=map-list-rows]");
    rows.replaceChildren();
    body.rows.forEach(function (row) {
      var line = element("tr");
      var name = element("td");
      var link = element("a", row.name);
      link.href = data.enterpriseUrl.replace(/0$/, String(Number(row.id)));
      name.append(link);
      line.append(name, element("td", row.district || "—"), element("td", row.segment || "—"),
                  element("td", figure(row.output_wan), "num"),
                  element("td", figure(row.output_per_mu), "num"),
                  element("td", figure(row.tax_per_mu), "num"));
      rows.append(line);
    });
    var more = list.querySelector("[data-testid=map-list-more]");
    more.hidden = !body.more;
    more.textContent = body.more ? list.dataset.more.replace("{count}", body.more.toLocaleString()) : "";
  }

  function refreshList(params, ticket) {
    var exportLink = list.querySelector("[data-testid=map-export]");
    if (exportLink) exportLink.href = list.dataset.exportUrl + (params.toString() ? "?" + params : "");
    fetch(list.dataset.listUrl + "?" + params.toString(), {
      credentials: "same-origin",
      headers: { Accept: "application/json", "Accept-Language": document.documentElement.lang },
    })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (body) { if (body && ticket === latest) drawList(body); });
  }

  function number(value) {
    return value === null || value === undefined ? data.labelNone
      : value.toLocaleString(english ? "en" : "zh-CN", { maximumFractionDigits: 1 });
  }

  function getJSON(url) {
    return fetch(url, {
      credentials: "same-origin",
      headers: { Accept: "application/geo+json", "Accept-Language": document.documentElement.lang },
    }).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) {
          var error = body && body.error ? body.error : {};
          var details = Object.values(error.fields || {}).join("；");
          throw new Error((error.message || response.status) + (details ? " " + details : ""));
        }
        return body;
      });
    });
  }

  function projectPopup(props, stages) {
    var box = element("div", null, "map-popup");
    box.setAttribute("data-testid", "project-popup");
    box.append(element("strong", props.n));
    box.append(element("div", data.labelStage + "：" + (stages[props.st] || props.st) +
                              "（" + (poolNames[props.p] || props.p) + "）"));
    box.append(element("div", data.labelInvestment + "：" + number(props.i) + " " + data.labelWan));
    var link = element("a", data.labelOpenProject);
    link.href = data.projectUrl.replace(/0$/, String(Number(props.id)));
    box.append(link);
    return box;
  }

  function drawProjects(collection) {
    poolNames = collection.pools || {};
    var stages = collection.stages || {};
    projectLayer.clearLayers();
    collection.features.forEach(function (feature) {
      var props = feature.properties;
      var coords = feature.geometry.coordinates;
      var marker = L.circleMarker([coords[1], coords[0]], {
        radius: 7, weight: 3, color: POOLS[props.p] || OTHER, fillColor: "#fff", fillOpacity: 0.9,
        className: "project-marker",
      });
      marker.bindPopup(function () { return projectPopup(props, stages); });
      projectLayer.addLayer(marker);
    });
    drawLegend(lastCategories, lastColours);
  }

  function drawParks(collection) {
    L.geoJSON(collection, {
      style: function () { return { color: PARK, weight: 2, fillOpacity: 0.08 }; },
      pointToLayer: function (_feature, at) {
        return L.circleMarker(at, { radius: 10, color: PARK, weight: 2, fillOpacity: 0.08 });
      },
      onEachFeature: function (feature, layer) {
        var props = feature.properties;
        layer.bindPopup(function () {
          var box = element("div", null, "map-popup");
          box.append(element("strong", props.n));
          box.append(element("div", data.labelDistrict + "：" + (props.d || data.labelNone)));
          box.append(element("div", data.labelAvailable + "：" + number(props.a) + " " + data.labelMu));
          return box;
        });
      },
    }).addTo(parkLayer);
  }

  function showProblem(problem) {
    errorLine.textContent = data.labelFailed + problem.message;
    errorLine.hidden = false;
  }

  var latest = 0;
  function refresh() {
    var params = query();
    var ticket = ++latest;
    countLine.textContent = countLine.dataset.loading;
    delete countLine.dataset.count;
    errorLine.hidden = true;
    fetch(data.pointsUrl + "?" + params.toString(), {
      credentials: "same-origin",
      // The API's messages in the page's language, not the browser's.
      headers: { Accept: "application/geo+json", "Accept-Language": document.documentElement.lang },
    })
      .then(function (response) {
        return response.json().then(function (body) {
          if (!response.ok) {
            var error = body && body.error ? body.error : {};
            var details = Object.values(error.fields || {}).join("；");
            throw new Error((error.message || response.status) + (details ? " " + details : ""));
          }
          return body;
        });
      })
      .then(function (collection) { if (ticket === latest) draw(collection); })
      .catch(function (problem) {
        if (ticket !== latest) return;
        errorLine.textContent = data.labelFailed + problem.message;
        errorLine.hidden = false;
        countLine.textContent = "";
      });
    if (list) refreshList(params, ticket);
    if (projectLayer) {
      getJSON(data.projectsUrl + "?" + params.toString())
        .then(function (collection) { if (ticket === latest) drawProjects(collection); })
        .catch(function (problem) { if (ticket === latest) showProblem(problem); });
    }
    // The address keeps the filters, so a view can be shared or reloaded.
    var shown = new URLSearchParams(params);
    if (form.elements.preset.value) shown.set("preset", form.elements.preset.value);
    history.replaceState(null, "", location.pathname + (shown.toString() ? "?" + shown : ""));
  }

  function showPreset(applyValues) {
    var option = form.elements.preset.selectedOptions[0];
    var about = document.querySelector("[data-testid=preset-about]");
    var unchecked = document.querySelector("[data-testid=preset-unchecked]");
    var chosen = option && option.value;
    about.hidden = !chosen || !option.dataset.about;
    about.textContent = chosen ? option.dataset.about : "";
    unchecked.hidden = !chosen || !option.dataset.unchecked;
    unchecked.textContent = chosen && option.dataset.unchecked ? unchecked.dataset.caption + option.dataset.unchecked : "";
    if (!applyValues) return;
    var values = chosen ? JSON.parse(option.dataset.filters) : {};
    ["safety_at_least", "environment_at_least", "investment_intensity_min",
     "output_per_mu_min", "tax_per_mu_min"].forEach(function (name) {
      if (form.elements[name]) form.elements[name].value = values[name] || "";
    });
  }

  form.addEventListener("submit", function (event) { event.preventDefault(); refresh(); });
  form.addEventListener("change", function (event) {
    if (event.target.name === "shade") return shade();
    if (event.target.name === "preset") showPreset(true);
    refresh();
  });
  showPreset(false);
  if (parkLayer) getJSON(data.parksUrl).then(drawParks).catch(showProblem);
  if (districtLayer) {
    getJSON(data.figuresUrl).then(function (body) { figures = body; shade(); }).catch(showProblem);
  }
  refresh();
})();
