// firegrid siting page: choose a model (best new sites, the plan against the optimum, what-if)
// and its settings, run it through the API, draw the sites and the districts after on the map
// (Leaflet, vendored) and the figures beside it. Read-only: every request computes, none
// stores. Strings come from cfg.strings, colours and symbols from cfg.styles.siting_layer.
"use strict";

(function () {
  var cfg = JSON.parse(document.getElementById("fg-config").textContent);
  var K = window.firegridKit(cfg);
  var S = K.S, STYLES = K.STYLES;
  var el = K.el, svg = K.svg, fill = K.fill, num = K.num, fixed = K.fixed;
  var pct = K.pct, pctFixed = K.pctFixed, label = K.label, shortName = K.shortName;
  var SITE = STYLES.siting_layer;
  var OVER = STYLES.coverage_over_limit;
  var COVERAGE_CLASSES = cfg.coverage_classes;

  var form = document.getElementById("siting-form");
  var container = document.getElementById("map");
  if (!form || !container || typeof L === "undefined") return;

  // --- symbols --------------------------------------------------------------------------------

  function circled(n) {
    // ① … ⑳, then (21): ranks stay one glyph wide where they can.
    return n >= 1 && n <= 20 ? String.fromCharCode(0x245f + n) : "(" + n + ")";
  }

  function starPath(cx, cy, outer, inner) {
    var d = "";
    for (var i = 0; i < 10; i++) {
      var r = i % 2 ? inner : outer;
      var a = Math.PI / 5 * i - Math.PI / 2;
      d += (i ? " L" : "M") + (cx + r * Math.cos(a)).toFixed(2) + " " + (cy + r * Math.sin(a)).toFixed(2);
    }
    return d + " Z";
  }

  // The symbol of a siting layer (legend and markers); ``text`` is written inside stars.
  function siteSymbol(layer, size, text) {
    var style = SITE[layer];
    var colour = style.colour;
    var root = svg("svg", {
      xmlns: K.SVGNS, viewBox: "0 0 24 24", width: size, height: size, "aria-hidden": "true",
      class: "fg-symbol",
    });
    var kind = style.symbol;
    if (kind === "star") {
      root.appendChild(svg("path", {
        d: starPath(12, 12.6, 11.6, 5.6), fill: colour, stroke: "#fff", "stroke-width": 1.2,
        "stroke-linejoin": "round",
      }));
      if (text) {
        var t = svg("text", {
          x: 12, y: 15.6, "text-anchor": "middle", class: "fg-site-number", fill: "#fff",
        });
        t.textContent = text;
        root.appendChild(t);
      }
    } else if (kind === "square") {
      root.appendChild(svg("rect", {
        x: 4, y: 4, width: 16, height: 16, rx: 2, fill: "#fff", stroke: colour, "stroke-width": 3,
      }));
      root.appendChild(svg("rect", { x: 9, y: 9, width: 6, height: 6, fill: colour }));
    } else if (kind === "plus") {
      root.appendChild(svg("circle", { cx: 12, cy: 12, r: 9.5, fill: colour, stroke: "#fff", "stroke-width": 1.4 }));
      root.appendChild(svg("path", { d: "M12 7 V17 M7 12 H17", stroke: "#fff", "stroke-width": 2.6 }));
    } else if (kind === "cross") {
      root.appendChild(svg("circle", { cx: 12, cy: 12, r: 9.5, fill: "#fff", stroke: colour, "stroke-width": 1.6, "fill-opacity": 0.7 }));
      root.appendChild(svg("path", { d: "M7.5 7.5 L16.5 16.5 M16.5 7.5 L7.5 16.5", stroke: colour, "stroke-width": 2.6 }));
    } else if (kind === "arrow") {
      root.appendChild(svg("path", {
        d: "M3 17 L17 7", stroke: colour, "stroke-width": 2, "stroke-dasharray": "3 2", fill: "none",
      }));
      root.appendChild(svg("circle", { cx: 17, cy: 7, r: 4.5, fill: colour, stroke: "#fff", "stroke-width": 1.2 }));
    } else if (kind === "dot") {
      root.appendChild(svg("circle", { cx: 12, cy: 12, r: 4, fill: colour, stroke: "#fff", "stroke-width": 1 }));
    } else if (kind === "outline") {
      root.appendChild(svg("rect", {
        x: 3, y: 5, width: 18, height: 14, fill: "none", stroke: colour, "stroke-width": 1.8,
        "stroke-dasharray": "4 3",
      }));
    } else {
      return K.stationSymbol("level1", "existing", false, size);
    }
    return root;
  }

  function siteIcon(layer, size, text, className, shiftX) {
    var shift = shiftX || 0;
    return L.divIcon({
      html: siteSymbol(layer, size, text),
      className: "fg-site fg-site-" + layer + (className ? " " + className : ""),
      iconSize: [size, size],
      iconAnchor: [size / 2 - shift, size / 2],
      tooltipAnchor: [shift, -size / 2],
      popupAnchor: [shift, -size / 2],
    });
  }

  function coord(value) { return Number(value).toFixed(5); }

  // --- the base map: boundary, townships, existing stations -------------------------------------

  var map = L.map(container, { zoomSnap: 0.25, zoomDelta: 0.5, minZoom: 3, maxZoom: 18 });
  map.attributionControl.setPrefix(false);
  var b = cfg.district.bbox;
  if (b) map.fitBounds([[b[1], b[0]], [b[3], b[2]]], { padding: [12, 12] });
  else map.setView([35, 105], 4);
  if (typeof ResizeObserver !== "undefined") {
    new ResizeObserver(function () { map.invalidateSize(); }).observe(container);
  }
  var baseLayers = {};
  if (cfg.tiles.url) {
    baseLayers[S.layer_basemap] = L.tileLayer(cfg.tiles.url, {
      attribution: cfg.tiles.attribution, maxZoom: 18,
    }).addTo(map);
  } else {
    container.classList.add("map-offline");
  }
  if (cfg.district.source) map.attributionControl.addAttribution(cfg.district.source);
  var control = L.control.layers(baseLayers, {}, { collapsed: window.innerWidth < 700 }).addTo(map);
  var pane = map.createPane("fg-siting");
  pane.style.zIndex = 420;
  var renderer = L.svg({ pane: "fg-siting", padding: 0.5 });
  // District labels above the districts but below every marker (sites stay visible).
  map.createPane("fg-siting-labels").style.zIndex = 450;

  var existing = [];        // station features of the register: existing, guarding a district
  var stationMarkers = {};  // name -> Leaflet marker of an existing station
  var classesShown = {};

  Promise.all([
    K.getJSON(cfg.api.boundary),
    K.getJSON(cfg.api.townships),
    K.getJSON(cfg.api.stations),
  ]).then(function (layers) {
    var boundary = L.geoJSON(layers[0], {
      interactive: false,
      style: { color: "#b71c1c", weight: 2.6, fill: false, className: "fg-boundary" },
    });
    var townships = L.geoJSON(layers[1], {
      interactive: false,
      style: function (f) {
        var kind = STYLES.township_kind[f.properties.kind];
        return {
          color: "#90a4ae", weight: 0.8, fillColor: kind ? kind.colour : "#e0e0e0",
          fillOpacity: 0.18, className: "fg-township",
        };
      },
    });
    var seen = {};
    var markers = [];
    layers[2].features.forEach(function (f) {
      var p = f.properties;
      if (p.status !== "existing") return;
      var c = f.geometry.coordinates;
      // Several stations at one point (a township seat) fan out sideways.
      var key = c[0].toFixed(5) + "," + c[1].toFixed(5);
      var slot = seen[key] = (seen[key] === undefined ? 0 : seen[key] + 1);
      var shift = slot === 0 ? 0 : (slot % 2 ? 1 : -1) * Math.ceil(slot / 2) * 24;
      var approximate = p.location_precision === "approximate";
      var marker = L.marker([c[1], c[0]], {
        icon: L.divIcon({
          html: K.stationSymbol(p.station_class, p.status, approximate, 26),
          className: "fg-station fg-class-" + p.station_class,
          iconSize: [26, 26], iconAnchor: [13 - shift, 13], tooltipAnchor: [shift, -12],
        }),
        title: p.name, alt: p.name, keyboard: false,
      }).bindTooltip(p.name + " · " + label("station_class", p.station_class) +
        (approximate ? " · " + S.approximate_tooltip : ""), { direction: "top" });
      markers.push(marker);
      stationMarkers[p.name] = marker;
      classesShown[p.station_class] = true;
      if (COVERAGE_CLASSES.indexOf(p.station_class) >= 0) existing.push(f);
    });
    existing.sort(function (x, y) { return x.properties.name < y.properties.name ? -1 : 1; });
    townships.addTo(map);
    boundary.addTo(map);
    var stations = L.layerGroup(markers).addTo(map);
    control.addOverlay(boundary, S.layer_boundary);
    if (layers[1].features.length) control.addOverlay(townships, S.layer_townships);
    control.addOverlay(stations, S.layer_stations);
    if (layers[0].features.length) map.fitBounds(boundary.getBounds(), { padding: [12, 12] });
    drawLegend(null);
    renderStationList();
  }).catch(function (err) {
    container.appendChild(el("p", { class: "map-error" }, [String(err.message)]));
  });

  // While an approximate result is on the map, the map itself says so.
  var mapBadge = L.control({ position: "bottomleft" });
  mapBadge.onAdd = function () {
    return el("div", { class: "fg-map-badge", id: "siting-map-badge" }, [S.coverage_approximate_badge]);
  };
  mapBadge.addTo(map);
  mapBadge.getContainer().hidden = true;

  K.getJSON(cfg.api.networks).then(function (networks) {
    var latest = {};
    networks.forEach(function (n) {
      if (!latest[n.name] || latest[n.name].version < n.version) latest[n.name] = n;
    });
    var select = document.getElementById("siting-network");
    Object.keys(latest).sort().forEach(function (name) {
      var n = latest[name];
      select.appendChild(el("option", { value: name }, [
        fill(S.coverage_network_option, { name: name, version: n.version, km: num(n.km, 0) }),
      ]));
    });
  }).catch(function () { /* no network list: the approximation stays available */ });

  // --- legend ---------------------------------------------------------------------------------

  var LEGEND_LAYERS = {
    best: ["new_site", "district", "over_limit", "uncovered_place"],
    compare: ["plan", "optimum"],
    whatif: ["station", "closed", "moved_from", "district", "over_limit", "uncovered_place"],
  };

  function drawLegend(model) {
    var box = document.getElementById("legend");
    box.textContent = "";
    var classItems = Object.keys(STYLES.station_class).filter(function (c) { return classesShown[c]; })
      .map(function (c) { return [K.stationSymbol(c, "existing", false, 20), label("station_class", c)]; });
    if (classItems.length) box.appendChild(K.legendGroup(S.legend_class, classItems));
    if (!model) return;
    var items = LEGEND_LAYERS[model].map(function (key) {
      if (key === "over_limit") {
        var hatch = K.swatch("transparent", "swatch-hatch");
        hatch.style.borderColor = OVER.colour;
        return [hatch, OVER.label];
      }
      return [siteSymbol(key, 20, key === "new_site" || key === "optimum" ? "1" : null), SITE[key].label];
    });
    var group = K.legendGroup(S.siting_legend, items);
    group.id = "siting-legend";
    box.insertBefore(group, box.firstChild);
  }

  // --- the form -------------------------------------------------------------------------------

  var runButton = document.getElementById("siting-run");
  var progress = document.getElementById("siting-progress");
  var progressText = document.getElementById("siting-progress-text");
  var statusBox = document.getElementById("siting-status");
  var resultBox = document.getElementById("siting-result");
  var districtsCard = document.getElementById("siting-districts-card");
  var editor = document.getElementById("whatif-editor");

  function model() { return form.elements.model.value; }

  function showModel() {
    var m = model();
    form.querySelectorAll("[data-model]").forEach(function (node) {
      node.hidden = node.dataset.model !== m;
    });
    editLayer[m === "whatif" ? "addTo" : "remove"](map);
    if (m !== "whatif") setMode(null);
    clearResult();
  }

  // --- what-if: stations to add (clicked on the map), to close or move (from the list) ----------

  var editLayer = L.layerGroup();
  var added = [];      // {name, cls, lon, lat, marker}
  var closed = {};     // name -> true
  var moved = {};      // name -> {lon, lat, marker, line}
  var addCounter = 0;
  var mode = null;     // null | {add: true} | {move: name}
  var addButton = document.getElementById("whatif-add");

  function setMode(next) {
    mode = next;
    container.classList.toggle("map-picking", Boolean(mode));
    addButton.setAttribute("aria-pressed", mode && mode.add ? "true" : "false");
    addButton.textContent = mode && mode.add ? S.whatif_add_active : S.whatif_add;
    renderStationList();
  }

  addButton.addEventListener("click", function () {
    setMode(mode && mode.add ? null : { add: true });
  });

  function roundCoord(v) { return Math.round(v * 1e6) / 1e6; }

  function addStation(latlng) {
    addCounter += 1;
    var cls = document.getElementById("whatif-class").value;
    var item = {
      name: fill(S.whatif_new_name, { n: addCounter }), cls: cls,
      lon: roundCoord(latlng.lng), lat: roundCoord(latlng.lat),
    };
    item.marker = L.marker(latlng, {
      icon: siteIcon("station", 28, null, "fg-whatif-added"), draggable: true, title: item.name,
    }).bindTooltip(item.name, { direction: "top" }).addTo(editLayer);
    item.marker.on("dragend", function () {
      var p = item.marker.getLatLng();
      item.lon = roundCoord(p.lng);
      item.lat = roundCoord(p.lat);
      renderAddedList();
    });
    added.push(item);
    renderAddedList();
  }

  function removeAdded(item) {
    editLayer.removeLayer(item.marker);
    added = added.filter(function (a) { return a !== item; });
    renderAddedList();
  }

  function setMove(name, latlng) {
    var from = stationMarkers[name].getLatLng();
    resetMove(name);
    var entry = { lon: roundCoord(latlng.lng), lat: roundCoord(latlng.lat) };
    entry.line = L.polyline([from, latlng], {
      color: SITE.moved_from.colour, weight: 2, dashArray: "5 4", interactive: false,
      className: "fg-whatif-move-line",
    }).addTo(editLayer);
    entry.marker = L.marker(latlng, {
      icon: siteIcon("moved_from", 26, null, "fg-whatif-moved"), draggable: true, title: name,
    }).bindTooltip(name, { direction: "top" }).addTo(editLayer);
    entry.marker.on("dragend", function () {
      var p = entry.marker.getLatLng();
      entry.lon = roundCoord(p.lng);
      entry.lat = roundCoord(p.lat);
      entry.line.setLatLngs([from, p]);
      renderStationList();
    });
    moved[name] = entry;
    var node = stationMarkers[name].getElement();
    if (node) node.classList.add("fg-station-changed");
  }

  function resetMove(name) {
    var entry = moved[name];
    if (!entry) return;
    editLayer.removeLayer(entry.marker);
    editLayer.removeLayer(entry.line);
    delete moved[name];
    var marker = stationMarkers[name];
    if (marker.getElement() && !closed[name]) marker.getElement().classList.remove("fg-station-changed");
  }

  map.on("click", function (event) {
    if (!mode || model() !== "whatif") return;
    if (mode.move) {
      setMove(mode.move, event.latlng);
      setMode(null);
    } else if (mode.add) {
      addStation(event.latlng);
      setMode(null);
    }
  });

  function renderAddedList() {
    var list = document.getElementById("whatif-added");
    list.textContent = "";
    if (!added.length) {
      list.appendChild(el("li", { class: "muted small" }, [S.whatif_added_none]));
      return;
    }
    added.forEach(function (item) {
      var remove = el("button", { type: "button", class: "btn btn-small" }, [S.whatif_remove]);
      remove.addEventListener("click", function () { removeAdded(item); });
      list.appendChild(el("li", { "data-name": item.name }, [
        siteSymbol("station", 18, null),
        el("span", { class: "whatif-name" }, [
          el("strong", {}, [item.name]),
          el("small", {}, [label("station_class", item.cls) + " · " + coord(item.lon) + ", " + coord(item.lat)]),
        ]),
        remove,
      ]));
    });
  }

  function renderStationList() {
    var list = document.getElementById("whatif-stations");
    if (!list) return;
    list.textContent = "";
    existing.forEach(function (f) {
      var name = f.properties.name;
      var box = el("input", { type: "checkbox", name: "close", value: name, checked: Boolean(closed[name]) });
      box.addEventListener("change", function () {
        if (box.checked) {
          closed[name] = true;
          resetMove(name);
        } else {
          delete closed[name];
        }
        var node = stationMarkers[name].getElement();
        if (node) node.classList.toggle("fg-station-changed", Boolean(closed[name] || moved[name]));
        renderStationList();
      });
      var moving = mode && mode.move === name;
      var move = el("button", {
        type: "button", class: "btn btn-small", "aria-pressed": moving ? "true" : "false",
        disabled: Boolean(closed[name]),
      }, [moving ? S.whatif_move_active : S.whatif_move]);
      move.addEventListener("click", function () { setMode(moving ? null : { move: name }); });
      var children = [
        el("label", { class: "check" }, [box, " " + S.whatif_close]),
        el("span", { class: "whatif-name" }, [
          el("strong", {}, [name]),
          moved[name] ? el("small", {}, [fill(S.whatif_moved_to, {
            lon: coord(moved[name].lon), lat: coord(moved[name].lat),
          })]) : null,
        ]),
        move,
      ];
      if (moved[name]) {
        var reset = el("button", { type: "button", class: "btn btn-small" }, [S.whatif_reset]);
        reset.addEventListener("click", function () { resetMove(name); renderStationList(); });
        children.push(reset);
      }
      list.appendChild(el("li", {
        "data-name": name, class: closed[name] ? "closing" : moved[name] ? "moving" : null,
      }, children));
    });
  }

  function whatIfBody() {
    var body = {
      add: added.map(function (a) { return { name: a.name, lon: a.lon, lat: a.lat, class: a.cls }; }),
      close: Object.keys(closed).sort(),
      move: Object.keys(moved).sort().map(function (name) {
        return { name: name, lon: moved[name].lon, lat: moved[name].lat };
      }),
      vehicle: form.elements.vehicle.value,
    };
    if (form.elements.minutes.value !== "") body.minutes = form.elements.minutes.value;
    if (form.elements.network.value) body.network = form.elements.network.value;
    return body;
  }

  // --- results on the map ---------------------------------------------------------------------

  var resultGroup = null;

  function clearResult() {
    if (resultGroup) {
      control.removeLayer(resultGroup);
      map.removeLayer(resultGroup);
      resultGroup = null;
    }
    mapBadge.getContainer().hidden = true;
    resultBox.hidden = true;
    districtsCard.hidden = true;
    statusBox.hidden = false;
    statusBox.classList.remove("form-error");
    statusBox.textContent = S.siting_hint;
    drawLegend(null);
  }

  function districtLabel(p) {
    var name = p.new_site_rank ? circled(p.new_site_rank) + " " + shortName(p.station) : shortName(p.station);
    var limit = p.limit_km2 === null ? S.coverage_no_limit : num(p.limit_km2, 1);
    return el("span", {}, [
      el("strong", {}, [name]), el("br", {}, []),
      fill(S.coverage_area_vs_limit, { area: num(p.area_km2, 1), limit: limit }),
    ]);
  }

  function districtLayers(layers, parts) {
    var labels = [];
    parts.push(L.geoJSON(layers.district, {
      renderer: renderer,
      style: function (f) {
        var p = f.properties;
        var over = p.over_limit;
        var colour = over ? OVER.colour : p.new_site_rank ? SITE.new_site.colour : SITE.district.colour;
        return {
          color: colour, weight: over ? 3 : 1.8, opacity: 0.95, dashArray: over ? null : "5 4",
          fill: true, fillColor: over ? "url(#" + K.HATCH_ID + ")" : colour,
          fillOpacity: over ? 1 : 0.04,
          className: "fg-siting-district" + (over ? " fg-siting-over-limit" : "") +
            (p.new_site_rank ? " fg-siting-new-district" : ""),
        };
      },
      onEachFeature: function (f, layer) {
        var p = f.properties;
        layer.bindTooltip(fill(S.district_tip, {
          station: p.station, area: num(p.area_km2, 1),
          limit: p.limit_km2 === null ? S.coverage_no_limit : num(p.limit_km2, 1) + " km²",
          covered: num(p.covered_km2, 1),
        }), { sticky: true });
        if (p.label_point) {
          labels.push(L.tooltip({
            permanent: true, direction: "center", interactive: false, pane: "fg-siting-labels",
            className: "fg-cov-label" + (p.over_limit ? " fg-cov-label-over" : ""),
          }).setLatLng([p.label_point[1], p.label_point[0]]).setContent(districtLabel(p)));
        }
      },
    }));
    parts.push(L.geoJSON(layers.uncovered_place, {
      pointToLayer: function (f, latlng) {
        return L.circleMarker(latlng, {
          renderer: renderer, radius: 3.2, weight: 1, color: "#ffffff",
          fillColor: SITE.uncovered_place.colour, fillOpacity: 0.9, className: "fg-siting-place",
        });
      },
      onEachFeature: function (f, marker) {
        var p = f.properties;
        var time = p.time_s === null ? S.place_unreached : fill(S.place_time, { v: num(p.time_s / 60, 1) });
        marker.bindTooltip(p.name + " · " + time, { direction: "top" });
      },
    }));
    parts.push(L.layerGroup(labels));
  }

  function pointLayer(fc, make) {
    return L.layerGroup(fc.features.map(function (f) {
      var c = f.geometry.coordinates;
      return make(f.properties, L.latLng(c[1], c[0]));
    }));
  }

  function drawBest(data) {
    var parts = [];
    districtLayers(data.layers, parts);
    parts.push(pointLayer(data.layers.new_site, function (p, at) {
      return L.marker(at, {
        icon: siteIcon("new_site", 34, String(p.rank)), title: p.name, zIndexOffset: 1000,
      }).bindTooltip(circled(p.rank) + " " + p.name + " · " +
        fill(S.siting_site_gain, { v: pctFixed(p.gain_share) }), { direction: "top" });
    }));
    return parts;
  }

  function drawCompare(data) {
    var parts = [];
    parts.push(pointLayer(data.layers.plan, function (p, at) {
      return L.marker(at, { icon: siteIcon("plan", 28), title: p.name, zIndexOffset: 900 })
        .bindTooltip(SITE.plan.label + " · " + p.name, { direction: "top" });
    }));
    parts.push(pointLayer(data.layers.optimum, function (p, at) {
      // A site the optimum shares with the plan sits beside the plan's square, not on it.
      return L.marker(at, {
        icon: siteIcon("optimum", 32, String(p.index), null, p.in_plan ? 24 : 0),
        title: p.name, zIndexOffset: 1000,
      }).bindTooltip(SITE.optimum.label + " " + p.index + " · " + p.name +
        (p.in_plan ? " · " + S.siting_in_plan : ""), { direction: "top" });
    }));
    return parts;
  }

  function drawWhatIf(data) {
    var parts = [];
    districtLayers(data.layers, parts);
    parts.push(pointLayer(data.layers.closed, function (p, at) {
      return L.marker(at, { icon: siteIcon("closed", 30), title: p.name, zIndexOffset: 1000 })
        .bindTooltip(SITE.closed.label + " · " + p.name, { direction: "top" });
    }));
    return parts;
  }

  // --- results beside the map -----------------------------------------------------------------

  function kpi(key, title, value, extraClass) {
    return el("div", { "data-kpi": key, class: extraClass || null }, [
      el("dt", {}, [title]), el("dd", {}, [value]),
    ]);
  }

  // A difference of shares in percentage points, with its sign (none when it rounds to 0).
  function points(delta) {
    if (delta === null || delta === undefined) return S.none;
    if (Math.abs(delta) < 0.0005) return fill(S.siting_points_signed, { v: fixed(0, 1) });
    var v = fixed(delta * 100, 1);
    return delta > 0 ? fill(S.siting_points, { v: v }) : fill(S.siting_points_signed, { v: v });
  }

  function signClass(delta) {
    if (delta === null || delta === undefined || Math.abs(delta) < 0.0005) return "kpi-delta";
    return delta > 0 ? "kpi-delta kpi-up" : "kpi-delta kpi-down";
  }

  function badges(data, status, gap) {
    var box = document.getElementById("siting-badges");
    box.textContent = "";
    if (data.approximate) {
      box.appendChild(el("span", { class: "badge badge-approximate", id: "siting-approximate" }, [
        S.coverage_approximate_badge,
      ]));
    } else if (data.network) {
      box.appendChild(el("span", { class: "badge badge-network" }, [fill(S.coverage_network_badge, data.network)]));
    }
    if (status) {
      var text = S["siting_status_" + status] || status;
      box.appendChild(el("span", {
        class: "badge badge-solver badge-solver-" + status, id: "siting-solver",
      }, [fill(text, { gap: gap === null || gap === undefined ? S.none : pct(gap) })]));
    }
    mapBadge.getContainer().hidden = !data.approximate;
  }

  function demandNote(data) {
    var key = data.demand_weighting === "population" ? S.siting_demand_population : S.siting_demand_equal;
    return fill(key, { n: num(data.demand_points, 0) });
  }

  function solverLine(status, gap, seconds) {
    var text = fill(S["siting_status_" + status] || status, {
      gap: gap === null || gap === undefined ? S.none : pct(gap),
    });
    return fill(S.siting_solver_line, { status: text }) + (seconds === undefined ? "" : " · " +
      fill(S.siting_solver_time, { s: num(seconds, 2) }));
  }

  function siteList(title, id, items) {
    return el("div", { class: "siting-list" }, [
      el("h3", {}, [title]),
      el("ol", { id: id }, items),
    ]);
  }

  function showBest(data) {
    badges(data, data.status, data.gap);
    document.getElementById("siting-headline").textContent = fill(S.siting_best_headline, {
      p: data.p, before: pctFixed(data.share_before), after: pctFixed(data.share_after),
    });
    var kpis = document.getElementById("siting-kpis");
    kpis.appendChild(kpi("before", S.siting_kpi_before, pctFixed(data.share_before)));
    kpis.appendChild(kpi("after", S.siting_kpi_after, pctFixed(data.share_after)));
    kpis.appendChild(kpi("gain", S.siting_kpi_gain, points(data.gain), signClass(data.gain)));
    var detail = document.getElementById("siting-detail");
    detail.appendChild(siteList(S.siting_new_sites, "siting-new-sites", data.new_sites.map(function (s) {
      return el("li", { "data-rank": s.rank }, [
        siteSymbol("new_site", 20, String(s.rank)),
        el("span", { class: "site-name" }, [
          el("strong", {}, [s.name]), el("small", {}, [coord(s.lon) + ", " + coord(s.lat)]),
        ]),
        el("span", { class: "site-gain" }, [fill(S.siting_site_gain, { v: pctFixed(s.gain_share) })]),
      ]);
    })));
    detail.appendChild(el("p", { class: "small", id: "siting-solver-line" }, [
      solverLine(data.status, data.gap, data.seconds),
    ]));
    if (data.reason) detail.appendChild(el("p", { class: "small form-error" }, [data.reason]));
    detail.appendChild(el("p", { class: "muted small" }, [
      fill(data.approximate ? S.siting_candidates_places : S.siting_candidates_nodes, {
        n: num(data.candidates, 0), m: num(Number(form.elements.candidate_spacing_m.value), 0),
      }),
      " ",
      fill(S.siting_uncovered, { n: num(data.uncovered_places, 0) }),
    ]));
  }

  function bars(rows) {
    var max = Math.max.apply(null, rows.map(function (r) { return r[2] || 0; }).concat([1e-9]));
    return el("div", { class: "siting-bars", id: "siting-bars" }, rows.map(function (r) {
      var bar = el("span", { class: "siting-bar siting-bar-" + r[0] });
      bar.style.width = (100 * (r[2] || 0) / max).toFixed(1) + "%";  // CSSOM: allowed by the CSP
      return el("div", { class: "siting-bar-row" }, [
        el("span", { class: "siting-bar-label" }, [r[1]]),
        el("span", { class: "siting-bar-track" }, [bar]),
        el("span", { class: "siting-bar-value" }, [pctFixed(r[2])]),
      ]);
    }));
  }

  function showCompare(data) {
    badges(data, data.optimum.status, data.optimum.gap);
    var nPlan = data.plan.stations.length, nOpt = data.optimum.stations.length;
    document.getElementById("siting-headline").textContent = fill(S.siting_compare_headline, {
      plan: pctFixed(data.plan.share), optimum: pctFixed(data.optimum.share),
    });
    var kpis = document.getElementById("siting-kpis");
    kpis.appendChild(kpi("existing", S.siting_kpi_existing, pctFixed(data.existing_only.share)));
    kpis.appendChild(kpi("plan", fill(S.siting_kpi_plan, { n: nPlan }), pctFixed(data.plan.share)));
    kpis.appendChild(kpi("optimum", fill(S.siting_kpi_optimum, { n: nOpt }), pctFixed(data.optimum.share)));
    var detail = document.getElementById("siting-detail");
    detail.appendChild(bars([
      ["existing", S.siting_kpi_existing, data.existing_only.share],
      ["plan", fill(S.siting_kpi_plan, { n: nPlan }), data.plan.share],
      ["optimum", fill(S.siting_kpi_optimum, { n: nOpt }), data.optimum.share],
    ]));
    if (data.plan_vs_optimum !== null) {
      detail.appendChild(el("p", { class: "small", id: "siting-ratio" }, [
        fill(S.siting_plan_ratio, { v: pct(data.plan_vs_optimum) }),
      ]));
    }
    detail.appendChild(siteList(S.siting_plan_stations, "siting-plan-stations",
      data.plan.stations.map(function (s) {
        return el("li", {}, [siteSymbol("plan", 18), el("span", { class: "site-name" }, [el("strong", {}, [s.name])])]);
      })));
    var inPlan = {};
    data.layers.optimum.features.forEach(function (f) { inPlan[f.properties.index] = f.properties.in_plan; });
    detail.appendChild(siteList(S.siting_optimum_stations, "siting-optimum-stations",
      data.optimum.stations.map(function (s, i) {
        return el("li", {}, [
          siteSymbol("optimum", 20, String(i + 1)),
          el("span", { class: "site-name" }, [
            el("strong", {}, [s.name]), el("small", {}, [coord(s.lon) + ", " + coord(s.lat)]),
          ]),
          inPlan[i + 1] ? el("span", { class: "tag-planned" }, [S.siting_in_plan]) : null,
        ]);
      })));
    detail.appendChild(el("p", { class: "small", id: "siting-solver-line" }, [
      solverLine(data.optimum.status, data.optimum.gap),
    ]));
    detail.appendChild(el("p", { class: "muted small" }, [
      fill(S.siting_candidates_compare, { n: num(data.candidates, 0) }),
    ]));
  }

  function showWhatIf(data) {
    badges(data, null, null);
    document.getElementById("siting-headline").textContent = fill(S.siting_whatif_headline, {
      add: data.changes.add.length, close: data.changes.close.length, move: data.changes.move.length,
    });
    var kpis = document.getElementById("siting-kpis");
    kpis.appendChild(kpi("before", S.siting_col_before, pctFixed(data.before.share_demand)));
    kpis.appendChild(kpi("after", S.siting_col_after, pctFixed(data.after.share_demand)));
    kpis.appendChild(kpi("gain", S.siting_col_delta, points(data.delta.share_demand),
      signClass(data.delta.share_demand)));
    var rows = [
      ["share_road_km", S.share_road], ["share_demand", S.share_places], ["share_area", S.share_area],
    ].map(function (r) {
      return el("tr", { "data-measure": r[0] }, [
        el("th", { scope: "row" }, [r[1]]),
        el("td", {}, [pctFixed(data.before[r[0]])]),
        el("td", {}, [pctFixed(data.after[r[0]])]),
        el("td", { class: signClass(data.delta[r[0]]) }, [
          points(data.delta[r[0]]),
        ]),
      ]);
    });
    document.getElementById("siting-detail").appendChild(el("div", { class: "table-wrap" }, [
      el("table", { class: "data-table siting-whatif-table", id: "siting-whatif-table" }, [
        el("thead", {}, [el("tr", {}, [
          S.siting_col_measure, S.siting_col_before, S.siting_col_after, S.siting_col_delta,
        ].map(function (h) { return el("th", { scope: "col" }, [h]); }))]),
        el("tbody", {}, rows),
      ]),
      el("p", { class: "muted small" }, [fill(S.siting_uncovered, { n: num(data.uncovered_places, 0) })]),
    ]));
  }

  function showDistricts(districts, overLimit, newNames) {
    var overList = document.getElementById("siting-over-limit");
    overList.textContent = "";
    var over = districts.filter(function (d) { return d.over_limit; })
      .sort(function (a, b) { return b.area_km2 / b.limit_km2 - a.area_km2 / a.limit_km2; });
    if (!over.length) overList.appendChild(el("li", { class: "muted" }, [S.coverage_over_limit_none]));
    over.forEach(function (d) {
      var ratio = d.area_km2 / d.limit_km2;
      overList.appendChild(el("li", { "data-station": d.station }, [
        el("strong", {}, [d.station]),
        el("span", {}, [fill(S.coverage_area_vs_limit, {
          area: num(d.area_km2, d.area_km2 < 10 ? 2 : 1), limit: num(d.limit_km2, 1),
        })]),
        el("small", {}, [fill(S.coverage_times_limit, { x: num(ratio, ratio < 2 ? 2 : 1) })]),
      ]));
    });
    var body = document.querySelector("#siting-districts tbody");
    body.textContent = "";
    districts.forEach(function (d) {
      var isNew = newNames[d.station];
      body.appendChild(el("tr", {
        class: d.over_limit ? "over-limit" : null, "data-station": d.station, "data-new": isNew ? "true" : null,
      }, [
        el("th", { scope: "row" }, [d.station, isNew ? el("span", { class: "tag-planned" }, [S.siting_new_tag]) : null]),
        el("td", {}, [num(d.area_km2, d.area_km2 < 10 ? 2 : 1)]),
        el("td", {}, [d.limit_km2 === null ? S.coverage_no_limit : num(d.limit_km2, 1)]),
        el("td", {}, [num(d.covered_km2, 1)]),
      ]));
    });
    districtsCard.hidden = false;
  }

  function show(m, data) {
    ["siting-kpis", "siting-detail"].forEach(function (id) { document.getElementById(id).textContent = ""; });
    var parts;
    var newNames = {};
    if (m === "best") {
      showBest(data);
      parts = drawBest(data);
      data.layers.new_site.features.forEach(function (f) { newNames[f.properties.station] = true; });
      showDistricts(data.districts, data.over_limit, newNames);
    } else if (m === "compare") {
      showCompare(data);
      parts = drawCompare(data);
      districtsCard.hidden = true;
    } else {
      showWhatIf(data);
      parts = drawWhatIf(data);
      data.changes.add.forEach(function (name) { newNames[name] = true; });
      showDistricts(data.after.districts, data.over_limit, newNames);
    }
    document.getElementById("siting-demand").textContent = data.demand ? demandNote(data) : "";
    document.getElementById("siting-elapsed").textContent =
      fill(data.cached ? S.siting_cached : S.siting_elapsed, { s: num(data.elapsed_s, 2) });
    resultGroup = L.layerGroup(parts).addTo(map);
    K.ensureHatch(pane, OVER.colour);
    control.addOverlay(resultGroup, S.siting_layer_result);
    drawLegend(m);
    resultBox.hidden = false;
    statusBox.hidden = true;
  }

  // --- running --------------------------------------------------------------------------------

  function request(m) {
    var q = new URLSearchParams();
    var network = form.elements.network.value;
    if (network) q.set("network", network);
    q.set("minutes", form.elements.minutes.value);
    q.set("vehicle", form.elements.vehicle.value);
    var init = { credentials: "same-origin", headers: { Accept: "application/json" } };
    if (m === "best") {
      q.set("p", form.elements.p.value);
      q.set("candidate_spacing_m", form.elements.candidate_spacing_m.value);
      return fetch(cfg.api.best + "?" + q.toString(), init);
    }
    if (m === "compare") return fetch(cfg.api.compare + "?" + q.toString(), init);
    init.method = "POST";
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(whatIfBody());
    return fetch(cfg.api.whatif, init);
  }

  function fail(message) {
    statusBox.hidden = false;
    statusBox.textContent = message;
    statusBox.classList.add("form-error");
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var m = model();
    if (m === "whatif" && !added.length && !Object.keys(closed).length && !Object.keys(moved).length) {
      clearResult();
      fail(S.whatif_nothing);
      return;
    }
    clearResult();
    runButton.disabled = true;
    document.getElementById("siting-panel").setAttribute("aria-busy", "true");
    statusBox.textContent = "";
    statusBox.hidden = true;
    var started = Date.now();
    function tick() {
      progressText.textContent = fill(S.siting_running, { s: fixed((Date.now() - started) / 1000, 1) });
    }
    tick();
    progress.hidden = false;
    var timer = window.setInterval(tick, 100);
    request(m).then(function (response) {
      if (!response.ok) {
        return K.problemDetail(response).then(function (detail) { throw new Error(detail); });
      }
      return response.json();
    }).then(function (data) {
      if (model() === m) show(m, data);
    }).catch(function (err) {
      fail(fill(S.siting_failed, { detail: err.message }));
    }).finally(function () {
      window.clearInterval(timer);
      progress.hidden = true;
      runButton.disabled = false;
      document.getElementById("siting-panel").removeAttribute("aria-busy");
    });
  });

  form.querySelectorAll("input[name=model]").forEach(function (radio) {
    radio.addEventListener("change", showModel);
  });
  showModel();
  renderAddedList();
})();
