// firegrid fire-risk layer and risk warnings on the dashboard's map (firegrid.risk).
//
// The layer: the district's H3 cells coloured by risk level (I 低 … IV 极高, colours from
// legend.py via cfg.styles.risk_level), a popup per cell with its safety score, level and the
// factors that cost it most points (names from the API's index hierarchy), and a "synthetic
// data" badge on the map while the result rests on synthetic records. The warnings panel lists
// the generated warnings (cells to their township, key units to the unit) with their reasons,
// lets planners generate next month's warnings and acknowledge or close them, and zooms the map
// to a warning's cell or unit when clicked.
//
// Nothing is fetched at page load: the index only when the layer is switched on (or a cell
// warning is located), the warnings only when their panel is opened — the dashboard loads as
// fast as before. Like command.js this file is loaded before dashboard.js and receives the map
// and its layer control through Leaflet init hooks. Plain browser JavaScript, no external
// requests.
"use strict";

(function () {
  var configNode = document.getElementById("fg-config");
  if (!configNode) return;
  var cfg = JSON.parse(configNode.textContent);
  var R = cfg.risk || { read: false, write: false };
  var S = cfg.strings;
  var LEVELS = (cfg.styles && cfg.styles.risk_level) || {};
  var K = window.firegridKit(cfg);
  var el = K.el, fill = K.fill, num = K.num, legendGroup = K.legendGroup, swatch = K.swatch;
  var en = cfg.lang === "en";

  var map = null;
  var control = null;
  if (typeof L !== "undefined") {
    L.Map.addInitHook(function () { if (!map) map = this; });
    L.Control.Layers.addInitHook(function () { if (!control) control = this; });
  }

  function $(id) { return document.getElementById(id); }

  var request = K.request;

  function levelInfo(level) {
    return LEVELS[String(level)] || { label: String(level), colour: "#9e9e9e", code: String(level) };
  }

  function levelPill(level) {
    var info = levelInfo(level);
    var node = el("span", { class: "pill risk-pill risk-pill-" + level, "data-level": level }, [
      info.label,
    ]);
    node.style.background = info.colour;  // CSSOM, allowed by the CSP
    return node;
  }

  function syntheticBadge(text) {
    return el("span", { class: "badge badge-synthetic" }, [text || S.synthetic_badge]);
  }

  // --- the layer -------------------------------------------------------------------------

  var group = null;          // the overlay (a layer group, filled on first use)
  var cells = {};            // H3 cell -> its polygon layer
  var names = {};            // factor id -> {zh, en}
  var meta = null;           // the GeoJSON's properties (config, bands, synthetic notes)
  var loading = null;        // promise of the first load
  var badge = null;          // map control: loading / failure / synthetic note
  var legendNode = null;

  function factorName(id) {
    var n = names[id];
    if (!n) return id;
    return en ? n.en || n.zh : n.zh || n.en;
  }

  function showBadge(text, mode) {
    if (!badge) return;
    var node = badge.getContainer();
    node.textContent = text || "";
    node.hidden = !text;
    node.dataset.mode = mode || "";
    node.classList.toggle("fg-map-badge-error", mode === "error");
  }

  function updateBadge() {
    if (!group || !map.hasLayer(group)) { showBadge(""); return; }
    if (meta && meta.synthetic) showBadge(S.risk_synthetic_badge, "synthetic");
    else if (meta) showBadge("");
  }

  function cellPopup(p) {
    var contributions = p.contributions || {};
    var top = Object.keys(contributions)
      .filter(function (k) { return contributions[k] > 0; })
      .sort(function (a, b) { return contributions[b] - contributions[a]; })
      .slice(0, 3);
    var children = [
      el("h3", {}, [levelPill(p.level), " ", S.risk_level]),
      el("dl", {}, [
        el("dt", {}, [S.risk_score]),
        el("dd", { class: "risk-score" }, [fill(S.risk_score_value, { v: num(p.score, 1) })]),
        el("dt", {}, [S.township]), el("dd", {}, [p.township || S.none]),
      ]),
      el("h4", {}, [S.risk_factors]),
    ];
    if (top.length) {
      children.push(el("ol", { class: "risk-factors" }, top.map(function (k) {
        return el("li", { "data-factor": k }, [
          fill(S.risk_factor_points, { name: factorName(k), v: num(contributions[k], 1) }),
        ]);
      })));
    } else {
      children.push(el("p", { class: "muted small" }, [S.risk_factors_none]));
    }
    if (p.synthetic) children.push(el("p", {}, [syntheticBadge(S.risk_synthetic_badge)]));
    if (meta && meta.config) {
      children.push(el("p", { class: "muted small" }, [fill(S.risk_config, { ref: meta.config })]));
    }
    return el("div", { class: "popup risk-popup", "data-cell": p.cell }, children);
  }

  function drawLegend(show) {
    var box = $("legend");
    if (!box) return;
    if (legendNode && legendNode.parentNode) legendNode.parentNode.removeChild(legendNode);
    legendNode = null;
    if (!show) return;
    legendNode = legendGroup(S.legend_risk, Object.keys(LEVELS).map(function (level) {
      return [swatch(LEVELS[level].colour, "swatch-area"), LEVELS[level].label];
    }));
    legendNode.id = "risk-legend";
    box.insertBefore(legendNode, box.firstChild);
  }

  function loadNames() {
    // The factor names live in the index's hierarchy (the server caches the assessment,
    // so this second request does not compute it again).
    return K.getJSON(cfg.api.risk_index).then(function (index) {
      ((index.hierarchy && index.hierarchy.groups) || []).forEach(function (g) {
        (g.indicators || []).forEach(function (i) { names[i.id] = { zh: i.name_zh, en: i.name_en }; });
      });
    }).catch(function () { /* popups fall back to the factor ids */ });
  }

  function load() {
    if (loading) return loading;
    showBadge(S.risk_loading, "loading");
    var pane = map.getPane("fg-risk") || map.createPane("fg-risk");
    pane.style.zIndex = 410;  // above the townships, below coverage, labels and markers
    var renderer = L.svg({ pane: "fg-risk", padding: 0.3 });
    loading = K.getJSON(cfg.api.risk_geojson).then(function (data) {
      meta = data.properties || {};
      var layer = L.geoJSON(data, {
        pane: "fg-risk",
        renderer: renderer,
        style: function (f) {
          var colour = levelInfo(f.properties.level).colour;
          return {
            // Cells with nothing on record to protect are drawn faint (they get no warnings).
            color: colour, weight: 0.5, opacity: 0.7, fillColor: colour,
            fillOpacity: f.properties.exposed === false ? 0.12 : 0.45,
            className: "fg-risk-cell fg-risk-level-" + f.properties.level,
          };
        },
        onEachFeature: function (f, cellLayer) {
          var p = f.properties;
          cells[p.cell] = cellLayer;
          cellLayer.bindPopup(function () { return cellPopup(p); }, { maxWidth: 320 });
          cellLayer.on("add", function () {
            var node = cellLayer.getElement && cellLayer.getElement();
            if (node) {
              node.setAttribute("data-cell", p.cell);
              node.setAttribute("data-level", p.level);
            }
          });
        },
      });
      group.addLayer(layer);
      updateBadge();
      return loadNames();
    }).catch(function (err) {
      loading = null;
      showBadge(fill(S.risk_failed, { detail: err.message }), "error");
      throw err;
    });
    return loading;
  }

  function initLayer() {
    group = L.layerGroup();
    badge = L.control({ position: "bottomleft" });
    badge.onAdd = function () {
      var node = el("div", { class: "fg-map-badge fg-risk-badge", id: "risk-map-badge" }, []);
      node.hidden = true;
      return node;
    };
    badge.addTo(map);
    group.on("add", function () {
      drawLegend(true);
      updateBadge();
      load().catch(function () { /* the badge says why */ });
    });
    group.on("remove", function () {
      drawLegend(false);
      updateBadge();
    });
    if (control) control.addOverlay(group, S.layer_risk);
  }

  function showLayer() {
    if (!group) return Promise.reject(new Error("no map"));
    if (!map.hasLayer(group)) map.addLayer(group);
    return load();
  }

  // --- warnings ------------------------------------------------------------------------------

  var TRANSITIONS = { "new": ["acknowledged", "closed"], acknowledged: ["closed"], closed: [] };
  var warningsLoaded = false;
  var unitsPromise = null;
  var focus = null;  // the highlighted unit

  function status(text, isError) {
    var box = $("warnings-status");
    if (!box) return;
    box.textContent = text || "";
    box.hidden = !text;
    box.classList.toggle("form-error", Boolean(isError));
  }

  function reasonText(r) {
    return (en ? r.text_en || r.text_zh : r.text_zh || r.text_en) || r.factor;
  }

  function warningItem(w) {
    var locate = el("button", {
      type: "button", class: "warning-locate", title: S.warning_locate,
    }, [
      levelPill(w.level),
      el("span", { class: "tag warning-kind" }, [S["warning_kind_" + w.kind] || w.kind]),
      el("strong", { class: "warning-addressee" }, [fill(S.warning_to, { v: w.addressee })]),
    ]);
    locate.addEventListener("click", function () { locateWarning(w); });
    var facts = [
      fill(S.warning_period, { v: w.period }),
      fill(S.warning_score, { v: num(w.score, 1) }),
    ].join(" · ");
    var children = [
      el("div", { class: "warning-head" }, [locate]),
      el("p", { class: "muted small warning-facts" }, [
        facts, " ",
        el("span", { class: "warning-status warning-status-" + w.status, "data-status": w.status }, [
          S["warning_status_" + w.status] || w.status,
        ]),
        w.synthetic ? " " : null,
        w.synthetic ? syntheticBadge() : null,
      ]),
    ];
    if (w.reasons && w.reasons.length) {
      children.push(el("ul", { class: "warning-reasons small" }, w.reasons.map(function (r) {
        return el("li", {}, [reasonText(r)]);
      })));
    }
    var moves = R.write ? TRANSITIONS[w.status] || [] : [];
    if (moves.length) {
      children.push(el("div", { class: "warning-actions" }, moves.map(function (to) {
        var button = el("button", {
          type: "button", class: "btn btn-small", "data-to": to,
        }, [to === "acknowledged" ? S.warning_acknowledge : S.warning_close]);
        button.addEventListener("click", function () { moveWarning(w, to, button); });
        return button;
      })));
    }
    return el("li", {
      class: "warning warning-" + w.kind, "data-warning-id": w.id, "data-kind": w.kind,
      "data-status": w.status, "data-level": w.level,
    }, children);
  }

  function drawWarnings(warnings) {
    var list = $("warnings-list");
    var count = $("warnings-count");
    list.textContent = "";
    var open = warnings.filter(function (w) { return w.status !== "closed"; }).length;
    if (count) count.textContent = warnings.length ? "(" + open + " / " + warnings.length + ")" : "";
    if (!warnings.length) {
      list.appendChild(el("li", { class: "muted small", id: "warnings-none" }, [S.warnings_none]));
      return;
    }
    warnings.forEach(function (w) { list.appendChild(warningItem(w)); });
  }

  function loadWarnings() {
    var list = $("warnings-list");
    if (!list) return Promise.resolve();
    list.setAttribute("aria-busy", "true");
    return request("GET", cfg.api.risk_warnings).then(function (warnings) {
      warningsLoaded = true;
      drawWarnings(warnings);
    }).catch(function (err) {
      status(fill(S.warnings_failed, { detail: err.message }), true);
    }).finally(function () { list.removeAttribute("aria-busy"); });
  }

  function moveWarning(w, to, button) {
    button.disabled = true;
    status("");
    request("POST", cfg.api.risk_warnings + "/" + encodeURIComponent(w.id) + "/status", {
      status: to,
    }).then(loadWarnings).catch(function (err) {
      button.disabled = false;
      status(fill(S.warnings_failed, { detail: err.message }), true);
      loadWarnings();
    });
  }

  function generate(button) {
    button.disabled = true;
    status(S.warnings_generating);
    request("POST", cfg.api.risk_warnings, { period: button.dataset.period }).then(function (out) {
      status(fill(S.warnings_generated, {
        n: out.created, replaced: out.replaced, kept: out.kept,
      }));
      return loadWarnings();
    }).catch(function (err) {
      status(fill(S.warnings_failed, { detail: err.message }), true);
    }).finally(function () { button.disabled = false; });
  }

  function keyUnits() {
    if (!unitsPromise) {
      unitsPromise = K.getJSON(cfg.api.risk_units).then(function (data) {
        var byId = {};
        (data.units || []).forEach(function (u) { byId[u.id] = u; });
        return byId;
      }).catch(function (err) { unitsPromise = null; throw err; });
    }
    return unitsPromise;
  }

  function bringMapIntoView() {
    var node = map.getContainer();
    if (node.scrollIntoView) node.scrollIntoView({ block: "nearest" });
  }

  function locateWarning(w) {
    if (!map) return;
    status("");
    if (w.kind === "cell" && w.cell) {
      showLayer().then(function () {
        var cell = cells[w.cell];
        if (!cell) return;
        bringMapIntoView();
        map.fitBounds(cell.getBounds(), { maxZoom: 14, padding: [40, 40], animate: false });
        cell.openPopup(cell.getBounds().getCenter());
      }).catch(function (err) { status(fill(S.risk_failed, { detail: err.message }), true); });
      return;
    }
    keyUnits().then(function (byId) {
      var u = byId[w.building_id];
      if (!u || u.lon === null || u.lat === null) return;
      bringMapIntoView();
      if (focus) map.removeLayer(focus);
      focus = L.circleMarker([u.lat, u.lon], {
        pane: "markerPane", radius: 14, weight: 3, color: levelInfo(w.level).colour,
        fillOpacity: 0.15, className: "fg-risk-focus",
      }).addTo(map);
      focus.bindPopup(el("div", { class: "popup risk-popup", "data-unit": u.id }, [
        el("h3", {}, [levelPill(w.level), " ", u.name]),
        el("dl", {}, [
          el("dt", {}, [S.risk_score]),
          el("dd", {}, [fill(S.risk_score_value, { v: num(w.score, 1) })]),
          el("dt", {}, [S.township]), el("dd", {}, [u.township || S.none]),
        ]),
        el("h4", {}, [S.risk_factors]),
        el("ol", { class: "risk-factors" }, (w.reasons || []).map(function (r) {
          return el("li", { "data-factor": r.factor }, [reasonText(r)]);
        })),
        w.synthetic ? syntheticBadge() : null,
      ]), { maxWidth: 320 });
      map.setView([u.lat, u.lon], Math.max(map.getZoom(), 15), { animate: false });
      focus.openPopup();
    }).catch(function (err) { status(fill(S.risk_failed, { detail: err.message }), true); });
  }

  function initPanel() {
    var details = $("risk-details");
    if (!details || !R.read) return;
    details.addEventListener("toggle", function () {
      if (details.open && !warningsLoaded) loadWarnings();
    });
    var button = $("warnings-generate");
    if (button) button.addEventListener("click", function () { generate(button); });
  }

  function start() {
    if (!R.read || !cfg.api.risk_geojson) return;
    if (map) initLayer();
    initPanel();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
