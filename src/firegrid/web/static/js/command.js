// firegrid command centre on the dashboard's map: live units and open incidents (server push),
// water sources, key units and a heat grid of historical incidents, and the 119 dispatch panel
// (intake -> alarm level and recommendation -> accept, escalate, unit statuses). Every string
// comes from the server's i18n table (cfg.strings), every colour from the enum styles
// (cfg.styles) or the API (alarm-level colours). Plain browser JavaScript, no external requests.
//
// dashboard.js builds the map inside its own closure. Rather than reach into it, this file is
// loaded first and registers Leaflet init hooks (Leaflet's plugin mechanism) that hand over the
// map and its layer control when dashboard.js creates them; the command centre starts once the
// document has been parsed, i.e. after dashboard.js has run.
"use strict";

(function () {
  var configNode = document.getElementById("fg-config");
  if (!configNode) return;
  var cfg = JSON.parse(configNode.textContent);
  var D = cfg.dispatch || { read: false, write: false };
  var S = cfg.strings;
  var STYLES = cfg.styles;
  var K = window.firegridKit(cfg);
  var el = K.el, fill = K.fill, num = K.num, swatch = K.swatch, legendGroup = K.legendGroup;
  var request = K.request, shortName = K.shortName;
  var langQuery = "lang=" + encodeURIComponent(cfg.lang);

  var map = null;
  var control = null;
  if (typeof L !== "undefined") {
    L.Map.addInitHook(function () { if (!map) map = this; });
    L.Control.Layers.addInitHook(function () { if (!control) control = this; });
  }

  // --- small formatting helpers -----------------------------------------------------------

  function mmss(seconds) {
    if (seconds === null || seconds === undefined || !isFinite(seconds)) return S.none;
    var s = Math.max(0, Math.round(seconds));
    var m = Math.floor(s / 60);
    return (m < 10 ? "0" : "") + m + ":" + (s % 60 < 10 ? "0" : "") + (s % 60);
  }

  function colourOf(table, value, fallback) {
    var entry = STYLES[table] && STYLES[table][value];
    return entry && entry.colour ? entry.colour : fallback || "#757575";
  }

  function labelOf(table, value) { return K.label(table, value); }

  function pill(text, colour, className) {
    var node = el("span", { class: "pill " + (className || "") }, [text]);
    node.style.background = colour;  // CSSOM, allowed by the CSP (no style attributes)
    return node;
  }

  function syntheticBadge() {
    return el("span", { class: "badge badge-synthetic" }, [S.synthetic_badge]);
  }

  function dot(colour, className) {
    var node = el("span", { class: "dot " + (className || "") });
    node.style.background = colour;
    return node;
  }

  // --- panel elements -----------------------------------------------------------------------

  function $(id) { return document.getElementById(id); }

  var alertBox = null;

  function showAlert(text) {
    if (!alertBox) return;
    alertBox.textContent = "";
    alertBox.appendChild(el("span", { class: "alert-text" }, [text]));
    var close = el("button", { type: "button", class: "alert-close", "aria-label": S.alert_dismiss,
      title: S.alert_dismiss }, ["×"]);
    close.addEventListener("click", hideAlert);
    alertBox.appendChild(close);
    alertBox.hidden = false;
    if (alertBox.scrollIntoView) alertBox.scrollIntoView({ block: "nearest" });
  }

  function hideAlert() {
    if (!alertBox) return;
    alertBox.hidden = true;
    alertBox.textContent = "";
  }

  function showOk(text) {
    var box = $("dispatch-ok");
    if (!box) return;
    box.textContent = text;
    box.hidden = !text;
  }

  function failure(err) {
    if (err && err.status === 409) {
      showAlert(fill(S.conflict_alert, { detail: err.message }));
    } else {
      showAlert(fill(S.action_failed, { detail: err ? err.message : "?" }));
    }
  }

  // --- state (pushed by the server) ---------------------------------------------------------

  var state = null;
  var unitsById = {};
  var current = null;  // {id, incident, rec, accepted}

  function applyState(next) {
    state = next;
    // Other panels (static/js/iot.js) refresh on the same server push.
    document.dispatchEvent(new CustomEvent("fg:dispatch-state", { detail: next }));
    unitsById = {};
    next.units.forEach(function (u) { unitsById[u.id] = u; });
    if (current) {
      var fresh = next.incidents.filter(function (i) { return i.id === current.id; })[0];
      if (fresh) current.incident = fresh;
    }
    drawLiveLayers();
    drawCounts();
    drawOpenIncidents();
    drawUnitBoard();
    if (current) {
      drawIncidentSummary();
      drawIncidentUnits();
      markStaleRecommendation();
    }
  }

  function refreshState() {
    if (!D.read) return Promise.resolve();
    return request("GET", cfg.api.dispatch_state + "?" + langQuery).then(applyState)
      .catch(function () { /* the stream delivers the next state anyway */ });
  }

  function setLive(mode) {
    var box = $("live-status");
    if (!box) return;
    box.dataset.live = mode;
    box.textContent = {
      connected: S.live_connected, connecting: S.live_connecting, reconnecting: S.live_reconnecting,
    }[mode];
  }

  function openStream() {
    if (typeof EventSource === "undefined") {
      refreshState();
      window.setInterval(refreshState, 2000);
      return;
    }
    var source = new EventSource(cfg.api.dispatch_stream + "?" + langQuery);
    source.addEventListener("state", function (event) {
      setLive("connected");
      applyState(JSON.parse(event.data));
    });
    source.addEventListener("open", function () { setLive("connected"); });
    source.addEventListener("error", function () { setLive("reconnecting"); });
    window.addEventListener("pagehide", function () { source.close(); });
  }

  // --- map layers ---------------------------------------------------------------------------

  var layers = {};
  var unitMarkers = {};
  var incidentMarkers = {};
  var liveInControl = false;

  function makePane(name, zIndex) {
    var pane = map.getPane(name) || map.createPane(name);
    pane.style.zIndex = zIndex;
    return pane;
  }

  function initLayers() {
    // Own panes: above the townships and the coverage layer, live markers above the stations;
    // canvases stay out of the overlay pane that dashboard.js draws the incident points into.
    makePane("fg-cmd-heat", 405);
    makePane("fg-cmd-water", 432);
    makePane("fg-cmd-key", 436);
    makePane("fg-cmd-scene", 615);
    makePane("fg-cmd-live", 630);
    layers.units = L.layerGroup().addTo(map);
    layers.incidents = L.layerGroup().addTo(map);
    layers.scene = L.layerGroup().addTo(map);
    map.on("zoomend", function () {
      map.getContainer().classList.toggle("fg-zoom-near", map.getZoom() >= 13);
    });
    map.getContainer().classList.toggle("fg-zoom-near", map.getZoom() >= 13);
    if (D.write) {
      map.getContainer().classList.add("fg-intake-map");
      map.on("click", function (event) {
        setIntakeLocation(event.latlng.lng, event.latlng.lat, null, null);
      });
    }
    loadWater();
    loadKeyUnits();
    initHeat();
  }

  function addOverlay(layer, name) {
    if (control) control.addOverlay(layer, name);
  }

  // Units: a dot coloured by status; units at one point (a station's fleet, units on scene)
  // sit on a small ring around it so that each stays visible and clickable.
  function unitPopup(id) {
    var u = unitsById[id];
    if (!u) return "";
    var rows = [
      [S.col_unit_station, u.station],
      [S.col_unit_type, u.type_label],
      [S.unit_crew, String(u.crew)],
      [S.col_unit_status, u.status_label],
      [S.unit_incident, u.incident_id ? incidentName(u.incident_id) : null],
    ].filter(function (r) { return r[1] !== null && r[1] !== undefined && r[1] !== ""; });
    var children = [
      el("h3", {}, [u.call_sign]),
      el("dl", {}, rows.reduce(function (acc, r) {
        acc.push(el("dt", {}, [r[0]]), el("dd", {}, [r[1]]));
        return acc;
      }, [])),
    ];
    if (u.synthetic) children.push(syntheticBadge());
    return el("div", { class: "popup" }, children);
  }

  function incidentName(id) {
    var inc = state && state.incidents.filter(function (i) { return i.id === id; })[0];
    return inc ? inc.external_id : "#" + id;
  }

  function unitIcon(u, dx, dy) {
    var colour = colourOf("unit_status", u.status);
    var node = el("span", {
      class: "fg-unit", "data-unit-id": u.id, "data-status": u.status,
      "aria-label": u.call_sign + " · " + u.status_label,
    }, [dot(colour, "fg-unit-dot"), el("span", { class: "fg-unit-label" }, [
      String(u.call_sign).replace(/^.*-/, ""),
    ])]);
    return L.divIcon({
      html: node, className: "fg-unit-icon", iconSize: [14, 14],
      iconAnchor: [7 - dx, 7 - dy], tooltipAnchor: [dx, dy - 6], popupAnchor: [dx, dy - 6],
    });
  }

  function drawUnits() {
    var groups = {};
    state.units.forEach(function (u) {
      if (u.lon === null || u.lat === null || u.lon === undefined) return;
      var key = Number(u.lon).toFixed(5) + "," + Number(u.lat).toFixed(5);
      (groups[key] = groups[key] || []).push(u);
    });
    var alive = {};
    Object.keys(groups).forEach(function (key) {
      var list = groups[key];
      var n = list.length;
      var radius = 17 + Math.max(0, n - 6) * 2.5;
      list.forEach(function (u, i) {
        var angle = -Math.PI / 2 + (2 * Math.PI * i) / n;
        var dx = Math.round(radius * Math.cos(angle));
        var dy = Math.round(radius * Math.sin(angle));
        var sig = [u.status, u.lon, u.lat, dx, dy].join("|");
        var tip = u.call_sign + " · " + u.status_label + (u.station ? " · " + u.station : "");
        var entry = unitMarkers[u.id];
        if (!entry) {
          var marker = L.marker([u.lat, u.lon], {
            icon: unitIcon(u, dx, dy), pane: "fg-cmd-live", title: u.call_sign,
            alt: u.call_sign, riseOnHover: true, keyboard: true,
          }).bindTooltip(tip, { direction: "top" })
            .bindPopup(function () { return unitPopup(u.id); }, { maxWidth: 300 });
          layers.units.addLayer(marker);
          entry = unitMarkers[u.id] = { marker: marker, sig: sig };
        } else if (entry.sig !== sig) {
          entry.marker.setLatLng([u.lat, u.lon]);
          entry.marker.setIcon(unitIcon(u, dx, dy));
          entry.marker.setTooltipContent(tip);
          entry.sig = sig;
        }
        alive[u.id] = true;
      });
    });
    Object.keys(unitMarkers).forEach(function (id) {
      if (!alive[id]) {
        layers.units.removeLayer(unitMarkers[id].marker);
        delete unitMarkers[id];
      }
    });
    return Object.keys(alive).length;
  }

  function incidentIcon(inc) {
    var node = el("span", {
      class: "fg-open-incident", "data-incident-id": inc.id, "data-status": inc.status,
      "data-level": inc.level,
    }, [el("span", { class: "fg-open-incident-mark" })]);
    node.firstChild.style.background = inc.level_colour || colourOf("incident_category", inc.category);
    return L.divIcon({
      html: node, className: "fg-open-incident-icon", iconSize: [22, 22], iconAnchor: [11, 11],
      tooltipAnchor: [0, -12],
    });
  }

  function incidentTip(inc) {
    return [inc.external_id, inc.category_label, inc.level_label, inc.status_label]
      .filter(Boolean).join(" · ") + (inc.synthetic ? " · " + S.synthetic_badge : "");
  }

  function drawIncidents() {
    var alive = {};
    state.incidents.forEach(function (inc) {
      if (inc.lon === null || inc.lat === null) return;
      var sig = [inc.status, inc.level, inc.lon, inc.lat].join("|");
      var entry = incidentMarkers[inc.id];
      if (!entry) {
        var marker = L.marker([inc.lat, inc.lon], {
          icon: incidentIcon(inc), pane: "fg-cmd-live", title: inc.external_id,
          alt: inc.external_id, zIndexOffset: 500,
        }).bindTooltip(incidentTip(inc), { direction: "top" });
        marker.on("click", function () { selectIncident(inc.id); });
        layers.incidents.addLayer(marker);
        entry = incidentMarkers[inc.id] = { marker: marker, sig: sig };
      } else if (entry.sig !== sig) {
        entry.marker.setLatLng([inc.lat, inc.lon]);
        entry.marker.setIcon(incidentIcon(inc));
        entry.marker.setTooltipContent(incidentTip(inc));
        entry.sig = sig;
      }
      alive[inc.id] = true;
    });
    Object.keys(incidentMarkers).forEach(function (id) {
      if (!alive[id]) {
        layers.incidents.removeLayer(incidentMarkers[id].marker);
        delete incidentMarkers[id];
      }
    });
  }

  function drawLiveLayers() {
    if (!map || !layers.units) return;
    var located = drawUnits();
    drawIncidents();
    // A district without a located fleet gets no switch that shows nothing.
    if (!liveInControl && (located || state.incidents.length)) {
      liveInControl = true;
      addOverlay(layers.units, S.layer_units);
      addOverlay(layers.incidents, S.layer_open_incidents);
      drawCommandLegend();
    }
  }

  // Water sources: one canvas in their own pane (hundreds of points), colour by status.
  function loadWater() {
    K.getJSON(cfg.api.water).then(function (data) {
      if (!data.features.length) return;
      var renderer = L.canvas({ pane: "fg-cmd-water", padding: 0.3 });
      layers.water = L.geoJSON(data, {
        pane: "fg-cmd-water",
        pointToLayer: function (f, latlng) {
          var p = f.properties;
          return L.circleMarker(latlng, {
            renderer: renderer, pane: "fg-cmd-water", radius: 4, weight: 1.2, color: "#ffffff",
            fillColor: colourOf("water_status", p.status, "#1565c0"), fillOpacity: 0.95,
          });
        },
        onEachFeature: function (f, layer) {
          var p = f.properties;
          layer.bindTooltip(labelOf("water_kind", p.kind) + " " + p.code + " · " +
            labelOf("water_status", p.status));
          layer.bindPopup(function () {
            var children = [
              el("h3", {}, [labelOf("water_kind", p.kind)]),
              el("dl", {}, [
                el("dt", {}, [S.water_code]), el("dd", {}, [String(p.code)]),
                el("dt", {}, [S.col_unit_status]), el("dd", {}, [labelOf("water_status", p.status)]),
              ]),
            ];
            if (p.synthetic) children.push(syntheticBadge());
            return el("div", { class: "popup" }, children);
          });
        },
      });
      addOverlay(layers.water, S.layer_water);
      noteSynthetic(data.features.some(function (f) { return f.properties.synthetic; }));
      drawCommandLegend();
    }).catch(function () { /* no water register: the layer is simply absent */ });
  }

  function loadKeyUnits() {
    K.getJSON(cfg.api.key_units).then(function (data) {
      if (!data.features.length) return;
      var renderer = L.canvas({ pane: "fg-cmd-key", padding: 0.3 });
      layers.keyUnits = L.geoJSON(data, {
        pane: "fg-cmd-key",
        pointToLayer: function (f, latlng) {
          return L.circleMarker(latlng, {
            renderer: renderer, pane: "fg-cmd-key", radius: 6, weight: 2,
            color: f.properties.has_pre_plan ? "#ffffff" : STYLES.key_unit.colour,
            fillColor: STYLES.key_unit.colour, fillOpacity: f.properties.has_pre_plan ? 0.95 : 0.35,
          });
        },
        onEachFeature: function (f, layer) {
          var p = f.properties;
          layer.bindTooltip(p.name);
          layer.bindPopup(function () { return keyUnitPopup(f); }, { maxWidth: 300 });
        },
      });
      addOverlay(layers.keyUnits, S.layer_key_units);
      noteSynthetic(data.features.some(function (f) { return f.properties.synthetic; }));
      drawCommandLegend();
    }).catch(function () { /* no key units: the layer is simply absent */ });
  }

  function keyUnitPopup(f) {
    var p = f.properties;
    var c = f.geometry.coordinates;
    var rows = [[S.key_unit_occupancy, p.occupancy], [S.water_code, p.code]]
      .filter(function (r) { return r[1]; });
    var children = [
      el("h3", {}, [p.name]),
      el("dl", {}, rows.reduce(function (acc, r) {
        acc.push(el("dt", {}, [r[0]]), el("dd", {}, [String(r[1])]));
        return acc;
      }, [])),
      el("p", { class: "small" }, [p.has_pre_plan ? S.key_unit_pre_plan : S.key_unit_no_pre_plan]),
    ];
    if (p.synthetic) children.push(syntheticBadge());
    if (D.write) {
      var use = el("button", { type: "button", class: "btn btn-small" }, [S.use_as_location]);
      use.addEventListener("click", function () {
        setIntakeLocation(c[0], c[1], p.name, p.id);
        map.closePopup();
      });
      children.push(el("p", {}, [use]));
    }
    return el("div", { class: "popup" }, children);
  }

  // Heat of historical incidents: a 1 km grid of rectangles, opacity by count (no plugin).
  // Loaded the first time the layer is switched on.
  function initHeat() {
    var years = cfg.record_years;
    if (!years || !cfg.district.bbox) return;
    var renderer = L.svg({ pane: "fg-cmd-heat", padding: 0.3 });
    layers.heat = L.layerGroup();
    var loaded = false;
    layers.heat.on("add", function () {
      if (loaded) return;
      loaded = true;
      var wanted = [];
      for (var y = years[0]; y <= years[1]; y++) {
        wanted.push(K.getJSON(cfg.api.incidents + "?year=" + y));
      }
      Promise.all(wanted).then(function (all) {
        var points = [];
        all.forEach(function (fc) {
          fc.features.forEach(function (f) { points.push(f.geometry.coordinates); });
        });
        drawHeat(points, renderer);
      }).catch(function () { loaded = false; });
    });
    addOverlay(layers.heat, fill(S.layer_heat, { first: years[0], last: years[1] }));
  }

  function drawHeat(points, renderer) {
    var b = cfg.district.bbox;
    var lat0 = (b[1] + b[3]) / 2;
    var dLat = 1 / 111.32;
    var dLon = 1 / (111.32 * Math.cos((lat0 * Math.PI) / 180));
    var counts = {};
    var max = 0;
    points.forEach(function (c) {
      var key = Math.floor((c[0] - b[0]) / dLon) + "," + Math.floor((c[1] - b[1]) / dLat);
      counts[key] = (counts[key] || 0) + 1;
      if (counts[key] > max) max = counts[key];
    });
    Object.keys(counts).forEach(function (key) {
      var ij = key.split(",").map(Number);
      var west = b[0] + ij[0] * dLon;
      var south = b[1] + ij[1] * dLat;
      var n = counts[key];
      L.rectangle([[south, west], [south + dLat, west + dLon]], {
        renderer: renderer, pane: "fg-cmd-heat", stroke: false, className: "fg-heat-cell",
        fillColor: STYLES.heat.colour, fillOpacity: 0.15 + 0.7 * Math.sqrt(n / max),
      }).bindTooltip(fill(S.heat_cell, { n: n }), { sticky: true }).addTo(layers.heat);
    });
  }

  // The call location (draft or stored) and the recommended water sources.
  function drawScene(lon, lat, draft) {
    if (!layers.scene) return;
    layers.scene.clearLayers();
    if (lon === null || lon === undefined) return;
    var icon = L.divIcon({
      html: el("span", { class: "fg-scene" + (draft ? " fg-scene-draft" : "") }),
      className: "fg-scene-icon", iconSize: [30, 30], iconAnchor: [15, 15],
    });
    L.marker([lat, lon], { icon: icon, pane: "fg-cmd-scene", interactive: false })
      .addTo(layers.scene);
    var rec = current && current.rec;
    if (!draft && rec) {
      rec.water_sources.forEach(function (w) {
        L.polyline([[lat, lon], [w.lat, w.lon]], {
          pane: "fg-cmd-scene", color: "#1565c0", weight: 1.2, dashArray: "3 3", interactive: false,
        }).addTo(layers.scene);
        L.circleMarker([w.lat, w.lon], {
          pane: "fg-cmd-scene", radius: 6, weight: 2, color: "#ffffff",
          fillColor: colourOf("water_status", w.status), fillOpacity: 1,
        }).bindTooltip(w.type_label + " " + w.code + " · " + num(w.distance_m, 0) + " m")
          .addTo(layers.scene);
      });
    }
  }

  // --- legend -------------------------------------------------------------------------------

  function drawCommandLegend() {
    var box = $("command-legend");
    if (!box || !D.read) return;
    box.textContent = "";
    if (liveInControl) {
      box.appendChild(legendGroup(S.legend_unit_status, Object.keys(STYLES.unit_status).map(function (s) {
        return [dot(STYLES.unit_status[s].colour, "legend-dot"), STYLES.unit_status[s].label];
      })));
      var mark = el("span", { class: "legend-incident" });
      mark.style.background = "#ef6c00";
      box.appendChild(legendGroup(S.layer_open_incidents, [[mark, S.legend_open_incident]]));
    }
    if (layers.water) {
      box.appendChild(legendGroup(S.legend_water_status, Object.keys(STYLES.water_status).map(function (s) {
        return [swatch(STYLES.water_status[s].colour, "swatch-dot"), STYLES.water_status[s].label];
      })));
    }
    if (layers.keyUnits) {
      box.appendChild(legendGroup(S.layer_key_units, [
        [swatch(STYLES.key_unit.colour, "swatch-dot"), S.key_unit_pre_plan],
        [swatch(STYLES.key_unit.colour, "swatch-dot swatch-faint"), S.key_unit_no_pre_plan],
      ]));
    }
    if (layers.heat) {
      var ramp = el("span", { class: "heat-ramp" }, [0.2, 0.45, 0.7, 0.85].map(function (o) {
        var cell = el("span", {});
        cell.style.background = STYLES.heat.colour;
        cell.style.opacity = String(o);
        return cell;
      }));
      box.appendChild(legendGroup(S.legend_heat, [
        [ramp, S.legend_heat_few + " → " + S.legend_heat_many],
      ]));
    }
  }

  var syntheticShown = false;
  function noteSynthetic(any) {
    if (!any || syntheticShown) return;
    var box = $("dispatch-synthetic");
    if (box) box.hidden = false;
    syntheticShown = true;
  }

  // --- panel: counts, open incidents, unit board ----------------------------------------------

  function drawCounts() {
    var box = $("unit-counts");
    if (!box) return;
    box.textContent = "";
    Object.keys(STYLES.unit_status).forEach(function (s) {
      var n = state.unit_counts[s] || 0;
      box.appendChild(el("li", { "data-status": s, class: n ? null : "zero" }, [
        dot(STYLES.unit_status[s].colour), el("span", {}, [STYLES.unit_status[s].label]),
        el("strong", {}, [String(n)]),
      ]));
    });
    noteSynthetic(state.units.some(function (u) { return u.synthetic; }) ||
      state.incidents.some(function (i) { return i.synthetic; }));
  }

  function drawOpenIncidents() {
    var list = $("open-incidents");
    if (!list) return;
    list.textContent = "";
    var count = $("open-incidents-count");
    if (count) count.textContent = "(" + state.incidents.length + ")";
    if (!state.incidents.length) {
      list.appendChild(el("li", { class: "muted small" }, [S.open_incidents_none]));
      return;
    }
    state.incidents.forEach(function (inc) {
      var button = el("button", {
        type: "button", class: "open-incident" + (current && current.id === inc.id ? " selected" : ""),
        "data-incident-id": inc.id,
      }, [
        pill(inc.level_label || S.none, inc.level_colour || "#757575", "level-pill"),
        el("span", { class: "open-incident-text" }, [
          el("strong", {}, [inc.category_label + (inc.subtype ? " · " + subtypeLabel(inc.subtype) : "")]),
          el("small", {}, [[inc.external_id, inc.status_label, inc.address].filter(Boolean).join(" · ")]),
        ]),
        inc.synthetic ? syntheticBadge() : null,
      ]);
      button.addEventListener("click", function () { selectIncident(inc.id); });
      list.appendChild(el("li", {}, [button]));
    });
  }

  function subtypeLabel(subtype) {
    return S["subtype_" + subtype] || subtype;
  }

  function statusButtons(u) {
    if (!D.write) return null;
    var next = (D.unit_next && D.unit_next[u.status]) || [];
    return el("span", { class: "unit-actions" }, next.map(function (s) {
      var button = el("button", {
        type: "button", class: "btn btn-tiny unit-status-button", "data-unit-id": u.id,
        "data-to": s,
        title: fill(S.unit_set_status, { unit: u.call_sign, status: labelOf("unit_status", s) }),
      }, [labelOf("unit_status", s)]);
      button.addEventListener("click", function () { setUnitStatus(u.id, s, button); });
      return button;
    }));
  }

  // The call sign names the station already ("三家店-水罐1"); the full name is its tooltip.
  function unitRow(u) {
    return el("tr", { "data-unit-id": u.id, "data-status": u.status }, [
      el("th", { scope: "row", title: [u.station, u.type_label].filter(Boolean).join(" · ") }, [
        u.call_sign,
      ]),
      el("td", {}, [pill(u.status_label, colourOf("unit_status", u.status), "unit-status")]),
      D.write ? el("td", {}, [statusButtons(u)]) : null,
    ]);
  }

  function drawUnitBoard() {
    var table = $("unit-board");
    if (!table) return;
    var body = table.querySelector("tbody");
    body.textContent = "";
    state.units.forEach(function (u) { body.appendChild(unitRow(u)); });
    var count = $("unit-board-count");
    if (count) count.textContent = "(" + state.units.length + ")";
  }

  function setUnitStatus(id, status, button) {
    var u = unitsById[id];
    if (button) button.disabled = true;
    hideAlert();
    request("POST", cfg.api.units_base + "/" + id + "/status", {
      status: status, version: u ? u.version : undefined,
    }).then(function (out) {
      // The stream follows within a fraction of a second; show the change at once meanwhile.
      if (state && unitsById[out.id]) {
        state.units = state.units.map(function (x) {
          return x.id === out.id ? Object.assign({}, x, out, {
            status_label: labelOf("unit_status", out.status),
          }) : x;
        });
        applyState(state);
      }
    }).catch(function (err) {
      if (button) button.disabled = false;
      failure(err);
      refreshState();
    });
  }

  // --- panel: intake ----------------------------------------------------------------------------

  var intake = null;

  function setIntakeLocation(lon, lat, name, buildingId) {
    if (!intake) return;
    var details = $("intake");
    if (details) details.open = true;
    intake.lon.value = Number(lon).toFixed(6);
    intake.lat.value = Number(lat).toFixed(6);
    intake.crs.value = "wgs84";
    intake.buildingId.value = buildingId ? String(buildingId) : "";
    if (name) intake.address.value = name;
    intake.error.hidden = true;
    drawScene(Number(lon), Number(lat), true);
  }

  function initIntake() {
    var form = $("intake-form");
    if (!form) return;
    intake = {
      form: form, lon: $("intake-lon"), lat: $("intake-lat"), crs: $("intake-crs"),
      category: $("intake-category"), subtype: $("intake-subtype"),
      subtypeLabel: $("intake-subtype-label"), buildingClass: $("intake-building-class"),
      trapped: $("intake-trapped"), casualties: $("intake-casualties"),
      largeArea: $("intake-large-area"), address: $("intake-address"), phone: $("intake-phone"),
      buildingId: $("intake-building-id"), error: $("intake-error"), submit: $("intake-submit"),
    };
    function syncSubtype() {
      var rescue = intake.category.value === "rescue";
      intake.subtypeLabel.hidden = !rescue;
      if (!rescue) intake.subtype.value = "";
    }
    intake.category.addEventListener("change", syncSubtype);
    syncSubtype();
    function typed() {
      var lon = parseFloat(intake.lon.value);
      var lat = parseFloat(intake.lat.value);
      intake.buildingId.value = "";
      // GCJ-02 is converted by the server; only WGS84 can be drawn where it is at once.
      if (isFinite(lon) && isFinite(lat) && intake.crs.value === "wgs84") drawScene(lon, lat, true);
      else if (!current) drawScene(null);
    }
    intake.lon.addEventListener("change", typed);
    intake.lat.addEventListener("change", typed);
    intake.crs.addEventListener("change", typed);

    var search = $("intake-search");
    var results = $("intake-search-results");
    function runSearch() {
      var q = search.value.trim();
      if (!q) return;
      results.hidden = false;
      results.textContent = "";
      results.appendChild(el("li", { class: "muted small" }, [S.loading]));
      request("GET", cfg.api.dispatch_search + "?q=" + encodeURIComponent(q)).then(function (found) {
        results.textContent = "";
        if (!found.length) {
          results.appendChild(el("li", { class: "muted small" }, [S.search_none]));
          return;
        }
        found.forEach(function (r) {
          var kind = S["search_kind_" + r.kind] || S.search_kind_place;
          var button = el("button", { type: "button", class: "search-result" }, [
            el("strong", {}, [r.name]), el("small", {}, [kind]),
            r.synthetic ? syntheticBadge() : null,
          ]);
          button.addEventListener("click", function () {
            setIntakeLocation(r.lon, r.lat, r.name, r.building_id || null);
            results.hidden = true;
            if (map) map.setView([r.lat, r.lon], Math.max(map.getZoom(), 14));
          });
          results.appendChild(el("li", {}, [button]));
        });
      }).catch(function (err) {
        results.textContent = "";
        results.appendChild(el("li", { class: "form-error small" }, [
          fill(S.search_failed, { detail: err.message }),
        ]));
      });
    }
    $("intake-search-button").addEventListener("click", runSearch);
    search.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
        runSearch();
      }
    });

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var lon = parseFloat(intake.lon.value);
      var lat = parseFloat(intake.lat.value);
      if (!isFinite(lon) || !isFinite(lat)) {
        intake.error.textContent = S.intake_no_location;
        intake.error.hidden = false;
        return;
      }
      var body = {
        lon: lon, lat: lat, crs: intake.crs.value, category: intake.category.value,
        reported_trapped: parseInt(intake.trapped.value, 10) || 0,
        reported_casualties: parseInt(intake.casualties.value, 10) || 0,
        large_area: intake.largeArea.checked,
      };
      if (intake.subtype.value) body.subtype = intake.subtype.value;
      if (intake.buildingClass.value) body.building_class = intake.buildingClass.value;
      if (intake.buildingId.value) body.building_id = parseInt(intake.buildingId.value, 10);
      if (intake.address.value.trim()) body.address = intake.address.value.trim();
      if (intake.phone.value.trim()) body.caller_phone = intake.phone.value.trim();
      intake.submit.disabled = true;
      intake.error.hidden = true;
      hideAlert();
      request("POST", cfg.api.incidents_base, body).then(function (inc) {
        intake.trapped.value = "0";
        intake.casualties.value = "0";
        intake.largeArea.checked = false;
        intake.address.value = "";
        intake.phone.value = "";
        intake.buildingId.value = "";
        selectIncident(inc.id, inc);
        showOk(fill(S.intake_created, { id: inc.external_id }));
      }).catch(function (err) {
        intake.error.textContent = fill(S.intake_failed, { detail: err.message });
        intake.error.hidden = false;
      }).finally(function () { intake.submit.disabled = false; });
    });
  }

  // --- panel: the incident, its recommendation and its units ----------------------------------

  function selectIncident(id, incident) {
    var view = $("incident-view");
    if (!view) return;
    var known = incident || (state && state.incidents.filter(function (i) { return i.id === id; })[0]);
    current = { id: id, incident: known || null, rec: null, accepted: false };
    view.hidden = false;
    var details = $("intake");
    if (details) details.open = false;
    hideAlert();
    showOk("");
    drawIncidentSummary();
    drawIncidentUnits();
    if (state) drawOpenIncidents();
    if (known && known.lon !== null) drawScene(known.lon, known.lat, false);
    loadRecommendation();
    if (view.scrollIntoView) view.scrollIntoView({ block: "nearest" });
  }

  function closeIncident() {
    current = null;
    $("incident-view").hidden = true;
    var details = $("intake");
    if (details) details.open = true;
    drawScene(null);
    if (state) drawOpenIncidents();
  }

  function drawIncidentSummary() {
    var box = $("incident-summary");
    if (!box || !current) return;
    box.textContent = "";
    var inc = current.incident;
    if (!inc) return;
    var level = pill(inc.level_label || S.none, inc.level_colour || "#757575", "level-pill");
    level.id = "incident-level";
    level.dataset.level = inc.level;
    var head = el("p", { class: "incident-line" }, [
      level,
      el("strong", { id: "incident-category" }, [
        inc.category_label + (inc.subtype ? " · " + subtypeLabel(inc.subtype) : ""),
      ]),
      el("span", { class: "incident-status", id: "incident-status", "data-status": inc.status }, [
        inc.status_label,
      ]),
      inc.synthetic ? syntheticBadge() : null,
    ]);
    var when = new Date(inc.received_at).toLocaleString(K.locale, { timeZone: cfg.district.timezone });
    var facts = [
      inc.external_id, when, inc.address,
      inc.building_class ? labelOf("building_class", inc.building_class) : null,
      fill(S.incident_trapped, { trapped: inc.reported_trapped, casualties: inc.reported_casualties }),
    ].filter(Boolean);
    box.appendChild(head);
    box.appendChild(el("p", { class: "muted small" }, [facts.join(" · ")]));
    if (inc.level_auto && inc.level !== inc.level_auto && current.rec) {
      box.appendChild(el("p", { class: "muted small" }, [
        fill(S.incident_level_auto, { label: String(inc.level_auto) }),
      ]));
    }
    drawIncidentButtons();
  }

  function drawIncidentButtons() {
    var box = $("incident-status-buttons");
    if (!box || !current || !current.incident) return;
    box.textContent = "";
    var next = (D.incident_next && D.incident_next[current.incident.status]) || [];
    next.forEach(function (s) {
      var button = el("button", { type: "button", class: "btn btn-small", "data-to": s }, [
        labelOf("incident_status", s),
      ]);
      button.addEventListener("click", function () {
        button.disabled = true;
        hideAlert();
        request("POST", cfg.api.incidents_base + "/" + current.id + "/status", { status: s })
          .then(function (inc) {
            current.incident = inc;
            drawIncidentSummary();
            refreshState();
          })
          .catch(function (err) { button.disabled = false; failure(err); refreshState(); });
      });
      box.appendChild(button);
    });
    updateActionButtons();
  }

  function updateActionButtons() {
    var accept = $("accept-button");
    var escalate = $("escalate-button");
    var rec = current && current.rec;
    var closed = current && current.incident && current.incident.status === "closed";
    if (accept) accept.disabled = !rec || !rec.units.length || current.accepted || closed;
    if (escalate) {
      var atMax = rec && rec.level >= rec.max_level;
      escalate.disabled = !rec || atMax || closed;
      escalate.title = atMax ? S.escalate_max : "";
    }
  }

  function drawIncidentUnits() {
    var box = $("incident-units");
    if (!box || !current) return;
    box.textContent = "";
    var mine = state ? state.units.filter(function (u) { return u.incident_id === current.id; }) : [];
    if (!mine.length) {
      box.appendChild(el("p", { class: "muted small" }, [S.incident_units_none]));
      return;
    }
    box.appendChild(el("div", { class: "table-wrap" }, [
      el("table", { class: "data-table unit-table", id: "incident-unit-table" }, [
        el("thead", {}, [el("tr", {}, [
          el("th", { scope: "col" }, [S.col_call_sign]),
          el("th", { scope: "col" }, [S.col_unit_status]),
          D.write ? el("th", { scope: "col" }, [S.col_actions]) : null,
        ])]),
        el("tbody", {}, mine.map(function (u) { return unitRow(u); })),
      ]),
    ]));
  }

  function loadRecommendation() {
    var box = $("recommendation");
    if (!current || !box) return Promise.resolve();
    var id = current.id;
    box.setAttribute("aria-busy", "true");
    box.textContent = "";
    box.appendChild(el("p", { class: "muted small" }, [S.rec_loading]));
    current.rec = null;
    updateActionButtons();
    return request("GET", cfg.api.incidents_base + "/" + id + "/recommendation?" + langQuery)
      .then(function (rec) {
        if (!current || current.id !== id) return;
        current.rec = rec;
        current.accepted = false;
        if (rec.incident) {
          var fresh = state && state.incidents.filter(function (i) { return i.id === id; })[0];
          current.incident = fresh || rec.incident;
        }
        drawIncidentSummary();
        drawRecommendation(rec);
        drawScene(rec.lon, rec.lat, false);
        noteSynthetic(rec.units.some(function (u) { return u.synthetic; }) ||
          Boolean(rec.pre_plan && rec.pre_plan.synthetic));
      })
      .catch(function (err) {
        box.textContent = "";
        box.appendChild(el("p", { class: "form-error small" }, [
          fill(S.rec_failed, { detail: err.message }),
        ]));
      })
      .finally(function () { box.removeAttribute("aria-busy"); updateActionButtons(); });
  }

  function unitSummary(u) {
    return u.call_sign + "（" + [u.status_label, u.type_label, mmss(u.eta_s)].join(" · ") + "）";
  }

  function drawRecommendation(rec) {
    var box = $("recommendation");
    box.textContent = "";
    var level = pill(rec.level_label, rec.level_colour, "level-pill");
    level.id = "rec-level";
    box.appendChild(el("p", { class: "rec-head" }, [
      level,
      el("span", { class: rec.complete ? "rec-complete" : "rec-incomplete", id: "rec-complete" }, [
        rec.complete ? fill(S.rec_complete, { cards: rec.run_cards }) : S.rec_incomplete,
      ]),
    ]));

    if (!rec.units.length) {
      box.appendChild(el("p", { class: "muted small" }, [S.rec_none]));
    } else {
      var synthetic = rec.units.some(function (u) { return u.synthetic; });
      box.appendChild(el("div", { class: "table-wrap" }, [
        el("table", { class: "data-table rec-table", id: "rec-units" }, [
          synthetic ? el("caption", {}, [syntheticBadge()]) : null,
          el("thead", {}, [el("tr", {}, [
            S.col_call_sign, S.col_unit_station, S.col_unit_type, S.col_eta, S.col_for,
          ].map(function (h) { return el("th", { scope: "col" }, [h]); }))]),
          el("tbody", {}, rec.units.map(function (u) {
            return el("tr", { "data-unit-id": u.id, "data-version": u.version }, [
              el("th", { scope: "row" }, [u.call_sign, el("span", { class: "stale-tag" })]),
              el("td", { class: "small" }, [u.station ? shortName(u.station) : S.none]),
              el("td", { class: "small" }, [u.type_label]),
              el("td", { class: "num eta" }, [mmss(u.eta_s)]),
              el("td", { class: "small" }, [u["for"] || ""]),
            ]);
          })),
        ]),
      ]));
    }

    if (rec.already_assigned && rec.already_assigned.length) {
      box.appendChild(el("p", { class: "small", id: "rec-already" }, [
        S.rec_already + " " + rec.already_assigned.map(function (u) {
          return u.call_sign + " (" + u.status_label + ")";
        }).join(", "),
      ]));
    }

    if (rec.shortfall.length) {
      box.appendChild(el("h5", {}, [S.shortfall_title]));
      box.appendChild(el("ul", { class: "shortfall", id: "rec-shortfall" }, rec.shortfall.map(function (s) {
        var alts = s.alternatives.length
          ? el("div", { class: "small" }, [S.shortfall_alternatives + " " +
            s.alternatives.map(unitSummary).join("；")])
          : el("div", { class: "small muted" }, [S.shortfall_no_alternatives]);
        return el("li", {}, [
          el("strong", {}, [s.need]), " ",
          el("span", { class: "missing" }, [fill(S.shortfall_missing, { n: s.missing })]),
          s.reason ? el("div", { class: "small" }, [s.reason]) : null,
          alts,
        ]);
      })));
    }

    box.appendChild(el("h5", {}, [S.water_title]));
    if (!rec.water_sources.length) {
      box.appendChild(el("p", { class: "muted small", id: "rec-water-none" }, [S.water_none]));
    } else {
      box.appendChild(el("div", { class: "table-wrap" }, [
        el("table", { class: "data-table rec-table", id: "rec-water" }, [
          el("thead", {}, [el("tr", {}, [
            S.col_water_type, S.col_water_code, S.col_unit_status, S.col_distance,
          ].map(function (h) { return el("th", { scope: "col" }, [h]); }))]),
          el("tbody", {}, rec.water_sources.map(function (w) {
            return el("tr", { "data-water-id": w.id, "data-status": w.status }, [
              el("td", {}, [w.type_label]),
              el("td", { class: "small" }, [w.code]),
              el("td", {}, [pill(w.status_label, colourOf("water_status", w.status), "water-status")]),
              el("td", { class: "num" }, [num(w.distance_m, 0)]),
            ]);
          })),
        ]),
      ]));
    }

    box.appendChild(el("h5", {}, [S.preplan_title]));
    if (rec.pre_plan) {
      box.appendChild(el("div", { class: "preplan", id: "rec-preplan" }, [
        el("p", {}, [
          el("strong", {}, [rec.pre_plan.title]),
          rec.pre_plan.building ? " · " + rec.pre_plan.building : null,
          rec.pre_plan.synthetic ? syntheticBadge() : null,
        ]),
        el("pre", { class: "preplan-content" }, [rec.pre_plan.content || ""]),
      ]));
    } else {
      box.appendChild(el("p", { class: "muted small", id: "rec-preplan-none" }, [S.preplan_none]));
    }

    var notes = (rec.approximate ? [S.rec_approximate] : []).concat(rec.notes || []);
    if (notes.length) {
      box.appendChild(el("h5", {}, [S.rec_notes]));
      box.appendChild(el("ul", { class: "rec-notes", id: "rec-notes" }, notes.map(function (n) {
        return el("li", {}, [n]);
      })));
    }
    markStaleRecommendation();
  }

  // A recommended unit changed since the recommendation (another dispatcher, the field): say
  // so on its row. Accepting still sends the versions seen, and the server refuses with 409.
  function markStaleRecommendation() {
    if (!current || !current.rec || current.accepted) return;
    document.querySelectorAll("#rec-units tbody tr").forEach(function (tr) {
      var u = unitsById[tr.dataset.unitId];
      var stale = u && String(u.version) !== tr.dataset.version;
      tr.classList.toggle("stale", Boolean(stale));
      var tag = tr.querySelector(".stale-tag");
      if (tag) tag.textContent = stale ? " " + S.rec_stale + "：" + u.status_label : "";
    });
  }

  function accept() {
    var rec = current && current.rec;
    if (!rec || !rec.units.length) return;
    var button = $("accept-button");
    button.disabled = true;
    hideAlert();
    showOk("");
    var versions = {};
    var etas = {};
    rec.units.forEach(function (u) {
      versions[u.id] = u.version;
      if (u.eta_s !== null && u.eta_s !== undefined) etas[u.id] = u.eta_s;
    });
    var id = current.id;
    request("POST", cfg.api.incidents_base + "/" + id + "/assign", {
      unit_ids: rec.units.map(function (u) { return u.id; }), versions: versions, etas: etas,
    }).then(function (out) {
      if (!current || current.id !== id) return;
      current.accepted = true;
      current.incident = Object.assign({}, current.incident, out.incident);
      showOk(fill(S.assigned_ok, { units: out.assigned.join("、") }));
      drawIncidentSummary();
      refreshState();
    }).catch(function (err) {
      failure(err);
      refreshState();
      if (err.status === 409) loadRecommendation();
      else updateActionButtons();
    });
  }

  function escalate() {
    var rec = current && current.rec;
    if (!rec || rec.level >= rec.max_level) return;
    var button = $("escalate-button");
    button.disabled = true;
    hideAlert();
    request("POST", cfg.api.incidents_base + "/" + current.id + "/level", { level: rec.level + 1 })
      .then(function (inc) {
        current.incident = inc;
        drawIncidentSummary();
        return loadRecommendation();
      })
      .catch(function (err) { failure(err); updateActionButtons(); });
  }

  // --- wiring -------------------------------------------------------------------------------------

  function initLoginLink() {
    var link = $("dispatch-login-link");
    if (!link) return;
    link.addEventListener("click", function (event) {
      var details = document.querySelector("#account details.login");
      if (!details) return;
      event.preventDefault();
      details.open = true;
      var input = details.querySelector("input[name=username]");
      if (input) input.focus();
    });
  }

  function start() {
    initLoginLink();
    if (!D.read) return;
    alertBox = $("dispatch-alert");
    if (map) initLayers();
    initIntake();
    var accept_ = $("accept-button");
    if (accept_) accept_.addEventListener("click", accept);
    var escalate_ = $("escalate-button");
    if (escalate_) escalate_.addEventListener("click", escalate);
    var close = $("incident-close-view");
    if (close) close.addEventListener("click", closeIncident);
    drawCommandLegend();
    openStream();
  }

  // What other panels may ask of the command centre (the IoT alarms open an incident).
  window.firegridCommand = {
    selectIncident: function (id, incident) { selectIncident(id, incident); },
    refreshState: function () { return refreshState(); },
  };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
