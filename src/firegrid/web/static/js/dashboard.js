// firegrid dashboard: map (Leaflet, vendored), trend chart (inline SVG), indicator and
// data-quality panels fetched from the API. Every string comes from the server's i18n table
// (cfg.strings) and every colour from the enum styles (cfg.styles). No external requests.
"use strict";

(function () {
  var cfg = JSON.parse(document.getElementById("fg-config").textContent);
  var S = cfg.strings;
  var STYLES = cfg.styles;
  var year = cfg.year;

  // --- helpers (static/js/kit.js) ----------------------------------------------------------

  var K = window.firegridKit(cfg);
  var fill = K.fill, el = K.el, svg = K.svg, getJSON = K.getJSON, num = K.num, label = K.label;
  var stationSymbol = K.stationSymbol, legendGroup = K.legendGroup, swatch = K.swatch;
  var problemDetail = K.problemDetail, pct = K.pct, minutesText = K.minutesText;
  var shortName = K.shortName, ensureHatch = K.ensureHatch, HATCH_ID = K.HATCH_ID;
  var locale = K.locale;

  // --- legend -------------------------------------------------------------------------------

  function drawLegend(stationFeatures, townshipFeatures, withIncidents) {
    var box = document.getElementById("legend");
    if (!box) return;
    box.textContent = "";
    var classes = {};
    stationFeatures.forEach(function (f) { classes[f.properties.station_class] = true; });
    document.querySelectorAll("#unlocated [data-station-class]").forEach(function (li) {
      classes[li.dataset.stationClass] = true;
    });
    var classItems = Object.keys(STYLES.station_class).filter(function (c) { return classes[c]; })
      .map(function (c) { return [stationSymbol(c, "existing", false, 20), label("station_class", c)]; });
    if (classItems.length) box.appendChild(legendGroup(S.legend_class, classItems));
    var statusItems = Object.keys(STYLES.station_status).map(function (s) {
      return [stationSymbol("__neutral__", s, false, 20), label("station_status", s)];
    });
    box.appendChild(legendGroup(S.legend_status, statusItems));
    var approximate = stationFeatures.some(function (f) {
      return f.properties.location_precision === "approximate";
    });
    if (approximate) {
      box.appendChild(legendGroup(S.legend_precision, [
        [stationSymbol("__neutral__", "existing", true, 20), label("location_precision", "approximate")],
      ]));
    }
    var kinds = {};
    townshipFeatures.forEach(function (f) { kinds[f.properties.kind] = true; });
    var kindItems = Object.keys(STYLES.township_kind).filter(function (k) { return kinds[k]; })
      .map(function (k) { return [swatch(STYLES.township_kind[k].colour, "swatch-area"), label("township_kind", k)]; });
    if (kindItems.length) box.appendChild(legendGroup(S.legend_townships, kindItems));
    if (withIncidents) {
      box.appendChild(legendGroup(S.legend_incidents, Object.keys(STYLES.incident_category).map(function (c) {
        return [swatch(STYLES.incident_category[c].colour, "swatch-dot"), label("incident_category", c)];
      })));
    }
  }

  function drawUnlocatedSwatches() {
    document.querySelectorAll("#unlocated .station-swatch").forEach(function (span) {
      span.appendChild(stationSymbol(span.dataset.class, span.dataset.status, false, 20));
    });
  }

  // --- map ----------------------------------------------------------------------------------

  function stationPopup(p) {
    var rows = [
      [S.station_class, label("station_class", p.station_class)],
      [S.station_status, label("station_status", p.status)],
      [S.staffing, cfg.lang === "en" ? p.staffing_en : p.staffing_zh],
      [S.planned_year, p.planned_year],
      [S.township, p.township],
      [S.legend_precision, label("location_precision", p.location_precision)],
      [S.source, p.source],
      [S.note, p.note],
    ].filter(function (r) { return r[1] !== null && r[1] !== undefined && r[1] !== ""; });
    return el("div", { class: "popup" }, [
      el("h3", {}, [p.name]),
      el("dl", {}, rows.reduce(function (acc, r) {
        acc.push(el("dt", {}, [r[0]]), el("dd", {}, [String(r[1])]));
        return acc;
      }, [])),
    ]);
  }

  function incidentPopup(p) {
    var when = new Date(p.received_at).toLocaleString(locale, { timeZone: cfg.district.timezone });
    var children = [
      el("h3", {}, [label("incident_category", p.category)]),
      el("dl", {}, [
        el("dt", {}, [S.received_at]), el("dd", {}, [when]),
        el("dt", {}, [S.deaths]), el("dd", {}, [String(p.deaths)]),
        el("dt", {}, [S.injuries]), el("dd", {}, [String(p.injuries)]),
        el("dt", {}, [S.loss_yuan]), el("dd", {}, [num(p.loss_yuan)]),
      ]),
    ];
    if (p.synthetic) children.push(el("span", { class: "badge badge-synthetic" }, [S.synthetic_badge]));
    return el("div", { class: "popup" }, children);
  }

  function townshipName(p) {
    return cfg.lang === "en" && p.name_en ? p.name_en : p.name_zh;
  }

  function initMap() {
    var container = document.getElementById("map");
    if (!container || typeof L === "undefined") return;
    var map = L.map(container, { zoomSnap: 0.25, zoomDelta: 0.5, minZoom: 3, maxZoom: 18 });
    map.attributionControl.setPrefix(false);
    // Township names above the polygons but below the station markers.
    map.createPane("fg-labels").style.zIndex = 450;
    var b = cfg.district.bbox;
    if (b) {
      map.fitBounds([[b[1], b[0]], [b[3], b[2]]], { padding: [12, 12] });
    } else {
      map.setView([35, 105], 4);
    }
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
    var incidentsLayer = null;
    var incidentsName = null;
    var stationFeatures = [];
    var townshipFeatures = [];

    Promise.all([
      getJSON(cfg.api.boundary),
      getJSON(cfg.api.townships),
      getJSON(cfg.api.stations),
    ]).then(function (layers) {
      var boundary = L.geoJSON(layers[0], {
        interactive: false,
        style: { color: "#b71c1c", weight: 2.6, fill: false, className: "fg-boundary" },
      });

      townshipFeatures = layers[1].features;
      var labels = [];
      var townships = L.geoJSON(layers[1], {
        style: function (f) {
          var kind = STYLES.township_kind[f.properties.kind];
          return {
            color: "#607d8b", weight: 1, fillColor: kind ? kind.colour : "#e0e0e0",
            fillOpacity: 0.35, className: "fg-township",
          };
        },
        onEachFeature: function (f, layer) {
          var p = f.properties;
          var text = townshipName(p) + " · " + label("township_kind", p.kind);
          if (p.area_km2) text += " · " + fill(S.area_value, { v: num(p.area_km2, 1) });
          layer.bindTooltip(text, { sticky: true, className: "fg-township-tip" });
          var at = p.label_point || p.seat;
          if (at) {
            var tip = L.tooltip({
              permanent: true, direction: "center", className: "fg-town-label", interactive: false,
              pane: "fg-labels",
            }).setLatLng([at[1], at[0]]).setContent(townshipName(p));
            labels.push({ tip: tip, layer: layer, text: townshipName(p) });
          }
        },
      });
      var labelGroup = L.layerGroup(labels.map(function (l) { return l.tip; }));
      var townshipGroup = L.layerGroup([townships, labelGroup]);

      // Stations: several at one point (e.g. an existing and a planned station at the same
      // township seat) are fanned out sideways so that each stays visible and clickable.
      stationFeatures = layers[2].features;
      var seen = {};
      var stations = L.layerGroup(stationFeatures.map(function (f) {
        var p = f.properties;
        var c = f.geometry.coordinates;
        var key = c[0].toFixed(5) + "," + c[1].toFixed(5);
        var slot = seen[key] = (seen[key] === undefined ? 0 : seen[key] + 1);
        var shift = slot === 0 ? 0 : (slot % 2 ? 1 : -1) * Math.ceil(slot / 2) * 26;
        var approximate = p.location_precision === "approximate";
        var icon = L.divIcon({
          html: stationSymbol(p.station_class, p.status, approximate, 30),
          className: "fg-station fg-class-" + p.station_class + " fg-status-" + p.status +
            (approximate ? " fg-approximate" : ""),
          iconSize: [30, 30],
          iconAnchor: [15 - shift, 15],
          popupAnchor: [shift, -14],
          tooltipAnchor: [shift, -14],
        });
        var tip = p.name + " · " + label("station_status", p.status);
        if (approximate) tip += " · " + S.approximate_tooltip;
        return L.marker([c[1], c[0]], { icon: icon, title: p.name, alt: p.name, riseOnHover: true })
          .bindTooltip(tip, { direction: "top" })
          .bindPopup(stationPopup(p), { maxWidth: 320 });
      }));

      // Empty layers (a district without township polygons or located stations) stay out
      // of the layer control rather than offering a switch that shows nothing.
      if (townshipFeatures.length) {
        townshipGroup.addTo(map);
      }
      boundary.addTo(map);
      control.addOverlay(boundary, S.layer_boundary);
      if (townshipFeatures.length) control.addOverlay(townshipGroup, S.layer_townships);
      if (stationFeatures.length) {
        stations.addTo(map);
        control.addOverlay(stations, S.layer_stations);
      }
      if (layers[0].features.length) {
        map.fitBounds(boundary.getBounds(), { padding: [12, 12] });
      }

      // Township labels only where the township is wide enough on screen to hold them.
      function placeLabels() {
        labels.forEach(function (l) {
          var bounds = l.layer.getBounds();
          var width = map.latLngToLayerPoint(bounds.getNorthEast()).x -
            map.latLngToLayerPoint(bounds.getSouthWest()).x;
          var node = l.tip.getElement();
          if (node) node.classList.toggle("fg-hidden", width < l.text.length * 13 + 8);
        });
      }
      map.on("zoomend overlayadd", placeLabels);
      placeLabels();
      drawLegend(stationFeatures, townshipFeatures, Boolean(cfg.user));
    }).catch(function (err) {
      container.appendChild(el("p", { class: "map-error" }, [String(err.message)]));
    });

    function loadIncidents() {
      if (!cfg.user) return;
      getJSON(cfg.api.incidents + "?year=" + encodeURIComponent(year)).then(function (data) {
        var renderer = L.canvas({ padding: 0.3 });
        var radius = data.features.length > 1000 ? 2.4 : 3.5;
        var synthetic = data.features.some(function (f) { return f.properties.synthetic; });
        var layer = L.geoJSON(data, {
          pointToLayer: function (f, latlng) {
            var cat = STYLES.incident_category[f.properties.category];
            return L.circleMarker(latlng, {
              renderer: renderer, radius: radius, weight: 0.6, color: "#ffffff",
              fillColor: cat ? cat.colour : "#757575", fillOpacity: 0.85,
            });
          },
          onEachFeature: function (f, marker) { marker.bindPopup(incidentPopup(f.properties)); },
        });
        var wasShown = incidentsLayer === null || map.hasLayer(incidentsLayer);
        if (incidentsLayer) {
          control.removeLayer(incidentsLayer);
          map.removeLayer(incidentsLayer);
        }
        incidentsLayer = layer;
        incidentsName = fill(synthetic ? S.layer_incidents_synthetic : S.layer_incidents, {
          year: year, n: num(data.features.length, 0),
        });
        control.addOverlay(layer, incidentsName);
        if (wasShown) layer.addTo(map);
      }).catch(function () { /* not allowed or not available: the layer is simply absent */ });
    }
    loadIncidents();
    return {
      reloadIncidents: loadIncidents,
      map: map,
      control: control,
      stations: function () { return stationFeatures; },
    };
  }

  // --- coverage analysis ------------------------------------------------------------------
  // The form above the map asks the API for a district's coverage; the layers are drawn in a
  // pane of their own (above the townships, below the station markers) and the figures, the
  // over-limit districts and the download links appear below the map.

  function initCoverage(mapApi) {
    var form = document.getElementById("coverage-form");
    var panel = document.getElementById("coverage-panel");
    if (!form || !panel || !mapApi) return;
    form.hidden = false;
    panel.hidden = false;
    var map = mapApi.map;
    var pane = map.createPane("fg-coverage");
    pane.style.zIndex = 420;
    var renderer = L.svg({ pane: "fg-coverage", padding: 0.5 });
    var LAYER = STYLES.coverage_layer;
    var OVER = STYLES.coverage_over_limit;
    var PALETTE = STYLES.coverage_palette;
    var group = null;
    var legendGroupNode = null;
    var statusBox = document.getElementById("coverage-status");
    var resultBox = document.getElementById("coverage-result");
    var runButton = document.getElementById("coverage-run");
    var networkSelect = document.getElementById("coverage-network");

    // While an approximate result is on the map, the map itself says so.
    var mapBadge = L.control({ position: "bottomleft" });
    mapBadge.onAdd = function () {
      return el("div", { class: "fg-map-badge", id: "coverage-map-badge" }, [
        S.coverage_approximate_badge,
      ]);
    };
    mapBadge.addTo(map);
    var approximateShown = false;
    function updateMapBadge() {
      mapBadge.getContainer().hidden = !(approximateShown && group && map.hasLayer(group));
    }
    mapBadge.setApproximate = function (approximate) {
      approximateShown = approximate;
      updateMapBadge();
    };
    updateMapBadge();
    map.on("overlayadd overlayremove", updateMapBadge);

    getJSON(cfg.api.networks).then(function (networks) {
      var latest = {};
      networks.forEach(function (n) {
        if (!latest[n.name] || latest[n.name].version < n.version) latest[n.name] = n;
      });
      Object.keys(latest).sort().forEach(function (name) {
        var n = latest[name];
        networkSelect.appendChild(el("option", { value: name }, [
          fill(S.coverage_network_option, { name: name, version: n.version, km: num(n.km, 0) }),
        ]));
      });
    }).catch(function () { /* no network list: the approximation stays available */ });

    function stationColour(name, index) {
      // Stable colours: the station's place among the district's located stations.
      var list = mapApi.stations();
      for (var i = 0; i < list.length; i++) {
        if (list[i].properties.name === name) return PALETTE[i % PALETTE.length];
      }
      return PALETTE[index % PALETTE.length];
    }

    function stationStatus(name) {
      var hit = mapApi.stations().filter(function (f) { return f.properties.name === name; })[0];
      return hit ? hit.properties.status : null;
    }

    function params() {
      var q = new URLSearchParams();
      if (networkSelect.value) q.set("network", networkSelect.value);
      q.set("minutes", form.elements.minutes.value);
      q.set("vehicle", form.elements.vehicle.value);
      if (form.elements.include_planned.checked) q.set("include_planned", "true");
      return q.toString();
    }

    function districtLabel(p) {
      var limit = p.limit_km2 === null ? S.coverage_no_limit : num(p.limit_km2, 1);
      return el("span", {}, [
        el("strong", {}, [shortName(p.station)]),
        el("br", {}, []),
        fill(S.coverage_area_vs_limit, { area: num(p.area_km2, 1), limit: limit }),
      ]);
    }

    function drawLayers(data) {
      var layers = data.layers;
      var colours = {};
      data.stations.forEach(function (s, i) { colours[s.name] = stationColour(s.name, i); });
      var parts = [];
      parts.push(L.geoJSON(layers.uncovered_area, {
        renderer: renderer, interactive: false,
        style: {
          stroke: false, fillColor: LAYER.uncovered_area.colour, fillOpacity: 0.28,
          className: "fg-cov-uncovered",
        },
      }));
      var labels = [];
      parts.push(L.geoJSON(layers.district, {
        renderer: renderer,
        style: function (f) {
          var over = f.properties.over_limit;
          return {
            color: over ? OVER.colour : LAYER.district.colour,
            weight: over ? 3.2 : 1.6,
            opacity: 0.95,
            dashArray: over ? null : "5 4",
            fill: true,
            fillColor: over ? "url(#" + HATCH_ID + ")" : LAYER.district.colour,
            fillOpacity: over ? 1 : 0,
            className: "fg-cov-district" + (over ? " fg-cov-over-limit" : ""),
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
              permanent: true, direction: "center", interactive: false,
              className: "fg-cov-label" + (p.over_limit ? " fg-cov-label-over" : ""),
            }).setLatLng([p.label_point[1], p.label_point[0]]).setContent(districtLabel(p)));
          }
        },
      }));
      // Isochrones above the districts' hatch (not interactive: district tooltips still work).
      parts.push(L.geoJSON(layers.isochrone, {
        renderer: renderer, interactive: false,
        style: function (f) {
          var c = colours[f.properties.station] || LAYER.isochrone.colour;
          return {
            color: c, weight: 1, opacity: 0.9, fillColor: c, fillOpacity: 0.35,
            className: "fg-cov-isochrone",
          };
        },
      }));
      parts.push(L.geoJSON(layers.road_gap, {
        renderer: renderer, interactive: false,
        style: { color: LAYER.road_gap.colour, weight: 2.4, opacity: 0.9, className: "fg-cov-gap" },
      }));
      parts.push(L.geoJSON(layers.uncovered_place, {
        pointToLayer: function (f, latlng) {
          return L.circleMarker(latlng, {
            renderer: renderer, radius: 3.2, weight: 1, color: "#ffffff",
            fillColor: LAYER.uncovered_place.colour, fillOpacity: 0.9,
            className: "fg-cov-place",
          });
        },
        onEachFeature: function (f, marker) {
          var p = f.properties;
          var time = p.time_s === null ? S.place_unreached
            : fill(S.place_time, { v: num(p.time_s / 60, 1) });
          marker.bindTooltip(p.name + " · " + time, { direction: "top" });
        },
      }));
      parts.push(L.layerGroup(labels));
      return L.layerGroup(parts);
    }

    function coverageLegend() {
      var box = document.getElementById("legend");
      if (!box) return;
      var items = ["isochrone", "district", "uncovered_area", "uncovered_place", "road_gap"]
        .map(function (k) {
          var sw = k === "district" ? swatch("transparent", "swatch-outline")
            : k === "uncovered_place" ? swatch(LAYER[k].colour, "swatch-dot")
              : k === "road_gap" ? swatch(LAYER[k].colour, "swatch-line")
                : swatch(LAYER[k].colour, "swatch-area");
          if (k === "district") sw.style.borderColor = LAYER[k].colour;
          return [sw, LAYER[k].label];
        });
      var over = swatch("transparent", "swatch-hatch");
      over.style.borderColor = OVER.colour;
      items.splice(2, 0, [over, OVER.label]);
      var node = legendGroup(S.legend_coverage, items);
      node.id = "coverage-legend";
      if (legendGroupNode && legendGroupNode.parentNode) legendGroupNode.parentNode.removeChild(legendGroupNode);
      legendGroupNode = node;
      box.insertBefore(node, box.firstChild);
    }

    function showSummary(data, query) {
      var badges = document.getElementById("coverage-badges");
      badges.textContent = "";
      if (data.approximate) {
        badges.appendChild(el("span", {
          class: "badge badge-approximate", id: "coverage-approximate",
        }, [S.coverage_approximate_badge]));
      } else if (data.network) {
        badges.appendChild(el("span", { class: "badge badge-network" }, [
          fill(S.coverage_network_badge, data.network),
        ]));
      }
      document.getElementById("coverage-heading").textContent = fill(S.coverage_heading, {
        minutes: minutesText(data.limit_s), vehicle: S["vehicle_" + data.vehicle] || data.vehicle,
      });
      var kpis = document.getElementById("coverage-kpis");
      kpis.textContent = "";
      var heavy = data.heavy_share_demand === null || data.heavy_share_demand === undefined
        ? (data.approximate ? S.share_heavy_needs_network : S.none)
        : pct(data.heavy_share_demand) + " / " + pct(data.share_demand);
      [
        ["share-road", S.share_road, pct(data.share_road_km)],
        ["share-places", S.share_places, pct(data.share_demand)],
        ["share-area", S.share_area, pct(data.share_area)],
        ["share-heavy", S.share_heavy_light, heavy],
      ].forEach(function (k) {
        var text = /\d/.test(k[2]) || k[2] === S.none ? null : "kpi-text";
        kpis.appendChild(el("div", { "data-kpi": k[0] }, [
          el("dt", {}, [k[1]]), el("dd", { class: text }, [k[2]]),
        ]));
      });
      document.getElementById("coverage-note").textContent = data.approximate && data.model
        ? fill(S.coverage_approximate_note, {
          circuity: num(data.model.circuity, 2), speed: num(data.model.speed_kmh, 0),
        })
        : "";
      document.getElementById("coverage-places").textContent =
        fill(S.coverage_places_uncovered, { n: num(data.uncovered_places, 0) });
      document.getElementById("coverage-geojson").href = cfg.api.coverage_geojson + "?" + query;
      document.getElementById("coverage-gpkg").href = cfg.api.coverage_gpkg + "?" + query;
      document.getElementById("coverage-elapsed").textContent =
        fill(data.cached ? S.coverage_cached : S.coverage_elapsed, { s: num(data.elapsed_s, 2) });

      var overList = document.getElementById("coverage-over-limit");
      overList.textContent = "";
      var over = data.districts.filter(function (d) { return d.over_limit; })
        .sort(function (a, b) { return b.area_km2 / b.limit_km2 - a.area_km2 / a.limit_km2; });
      if (!over.length) {
        overList.appendChild(el("li", { class: "muted" }, [S.coverage_over_limit_none]));
      }
      over.forEach(function (d) {
        // Two decimals near the limit, so that "4.04 / 4" does not read "4 / 4".
        var ratio = d.area_km2 / d.limit_km2;
        overList.appendChild(el("li", { "data-station": d.station }, [
          el("strong", {}, [d.station]),
          el("span", {}, [fill(S.coverage_area_vs_limit, {
            area: num(d.area_km2, d.area_km2 < 10 ? 2 : 1), limit: num(d.limit_km2, 1),
          })]),
          el("small", {}, [fill(S.coverage_times_limit, { x: num(ratio, ratio < 2 ? 2 : 1) })]),
        ]));
      });
      var body = document.querySelector("#coverage-districts tbody");
      body.textContent = "";
      data.districts.forEach(function (d, i) {
        var sw = swatch(stationColour(d.station, i), "swatch-area");
        var status = stationStatus(d.station);
        var planned = status === "planned" || status === "under_construction";
        body.appendChild(el("tr", {
          class: d.over_limit ? "over-limit" : null, "data-station": d.station,
          "data-status": status,
        }, [
          el("th", { scope: "row" }, [sw, d.station, planned
            ? el("span", { class: "tag-planned" }, [label("station_status", status)]) : null]),
          el("td", {}, [num(d.area_km2, d.area_km2 < 10 ? 2 : 1)]),
          el("td", {}, [d.limit_km2 === null ? S.coverage_no_limit : num(d.limit_km2, 1)]),
          el("td", {}, [num(d.covered_km2, 1)]),
        ]));
      });
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var query = params();
      runButton.disabled = true;
      panel.setAttribute("aria-busy", "true");
      statusBox.hidden = false;
      statusBox.classList.remove("form-error");
      statusBox.textContent = S.coverage_running;
      fetch(cfg.api.coverage + "?" + query, {
        credentials: "same-origin", headers: { Accept: "application/json" },
      }).then(function (response) {
        if (!response.ok) {
          return problemDetail(response).then(function (detail) { throw new Error(detail); });
        }
        return response.json();
      }).then(function (data) {
        if (group) {
          mapApi.control.removeLayer(group);
          map.removeLayer(group);
        }
        group = drawLayers(data);
        group.addTo(map);
        mapBadge.setApproximate(data.approximate);
        ensureHatch(pane, OVER.colour);
        mapApi.control.addOverlay(group, fill(S.layer_coverage, { minutes: minutesText(data.limit_s) }));
        coverageLegend();
        showSummary(data, query);
        resultBox.hidden = false;
        statusBox.hidden = true;
      }).catch(function (err) {
        statusBox.textContent = fill(S.coverage_failed, { detail: err.message });
        statusBox.classList.add("form-error");
      }).finally(function () {
        runButton.disabled = false;
        panel.removeAttribute("aria-busy");
      });
    });
  }

  // --- indicators ---------------------------------------------------------------------------

  var COMPARISON = { le: "≤", ge: "≥", eq: "=", lt: "<", gt: ">" };

  function unitText(unit) {
    var key = "unit_" + unit;
    return Object.prototype.hasOwnProperty.call(S, key) ? S[key] : unit || "";
  }

  function withUnit(value, unit) {
    if (value === null || value === undefined) return S.none;
    var u = unitText(unit);
    if (unit === "percent") return num(value) + "%";
    if (!u) return num(value);
    return num(value) + (u.charAt(0) === "/" ? "" : " ") + u;
  }

  function statusPill(status) {
    return el("span", { class: "status-pill status-" + status }, [label("indicator_status", status)]);
  }

  function indicatorTable(plan) {
    var en = cfg.lang === "en";
    var rows = plan.indicators.slice().sort(function (a, b) {
      return a.number - b.number || String(a.id).localeCompare(String(b.id));
    });
    var body = el("tbody", {}, []);
    rows.forEach(function (ind, i) {
      var category = en ? ind.category_en : ind.category_zh;
      var tr = el("tr", { class: "status-row status-" + ind.status, "data-status": ind.status, "data-id": ind.id }, []);
      tr.appendChild(el("td", { class: "num" }, [String(ind.number)]));
      var previous = i > 0 ? (en ? rows[i - 1].category_en : rows[i - 1].category_zh) : null;
      if (category !== previous) {
        var span = 1;
        while (i + span < rows.length &&
          (en ? rows[i + span].category_en : rows[i + span].category_zh) === category) span++;
        tr.appendChild(el("th", { scope: "rowgroup", rowspan: span, class: "category" }, [category]));
      }
      tr.appendChild(el("td", { class: "indicator-name" }, [en ? ind.name_en : ind.name_zh]));
      var target = ind.target === null || ind.target === undefined ? S.none
        : (COMPARISON[ind.comparison] || "") + withUnit(ind.target, ind.unit);
      tr.appendChild(el("td", { class: "num", title: ind.target_text || null }, [target]));
      tr.appendChild(el("td", { class: "num value" }, [withUnit(ind.value, ind.unit)]));
      var baseline = ind.baseline === null || ind.baseline === undefined ? S.none
        : (ind.baseline_year ? fill(S.baseline_year, { v: withUnit(ind.baseline, ind.unit), year: ind.baseline_year })
          : withUnit(ind.baseline, ind.unit));
      tr.appendChild(el("td", { class: "num" }, [baseline]));
      tr.appendChild(el("td", { class: "binding" }, [
        el("span", {}, [S["binding_" + ind.binding] || ind.binding]),
        el("small", {}, [S["kind_" + ind.kind] || ind.kind]),
      ]));
      tr.appendChild(el("td", { class: "status-cell" }, [statusPill(ind.status)]));
      var explain = [el("span", {}, [S["reason_" + ind.reason] || ind.reason || ""])];
      var missing = (!en && ind.missing_zh) ? ind.missing_zh : ind.missing;
      if (missing && missing.length) {
        explain.push(el("div", { class: "missing" }, [
          fill(S.missing, { items: missing.join(S.list_sep) }),
        ]));
      }
      var note = en ? ind.note_en : ind.note_zh;
      if (note) {
        explain.push(el("details", { class: "note" }, [el("summary", {}, [S.note]), el("p", {}, [note])]));
      }
      tr.appendChild(el("td", { class: "explain" }, explain));
      body.appendChild(tr);
    });
    var head = el("thead", {}, [el("tr", {}, [
      S.col_number, S.col_category, S.col_indicator, S.col_target,
      fill(S.col_value, { year: year }), S.col_baseline, S.col_binding, S.col_status,
      S.col_explanation,
    ].map(function (h) { return el("th", { scope: "col" }, [h]); }))]);
    return el("div", { class: "table-wrap" }, [
      el("table", { class: "data-table indicator-table" }, [head, body]),
    ]);
  }

  function loadIndicators() {
    var box = document.getElementById("indicators");
    if (!box) return;
    box.setAttribute("aria-busy", "true");
    getJSON(cfg.api.indicators + "?year=" + encodeURIComponent(year)).then(function (data) {
      box.textContent = "";
      var plans = (data && data.plans) || [];
      if (!plans.length) {
        box.appendChild(el("p", { class: "muted" }, [S.indicators_none]));
      }
      plans.forEach(function (plan) {
        var counts = {};
        plan.indicators.forEach(function (i) { counts[i.status] = (counts[i.status] || 0) + 1; });
        var summary = el("ul", { class: "status-counts" }, Object.keys(STYLES.indicator_status)
          .filter(function (s) { return counts[s]; })
          .map(function (s) { return el("li", {}, [statusPill(s), " " + counts[s]]); }));
        box.appendChild(el("section", { class: "plan", "data-plan": plan.plan_id }, [
          el("div", { class: "plan-head" }, [
            el("h3", {}, [cfg.lang === "en" ? plan.title_en : plan.title_zh]),
            el("span", { class: "muted" }, [fill(S.plan_period, { start: plan.period_start, end: plan.period_end })]),
            summary,
          ]),
          indicatorTable(plan),
        ]));
      });
    }).catch(function () {
      box.textContent = "";
      box.appendChild(el("p", { class: "unavailable" }, [S.indicators_unavailable]));
    }).finally(function () { box.removeAttribute("aria-busy"); });
  }

  // --- data quality -------------------------------------------------------------------------

  function loadQuality() {
    var box = document.getElementById("quality");
    if (!box) return;
    getJSON(cfg.api.quality).then(function (findings) {
      box.textContent = "";
      if (!findings.length) {
        box.appendChild(el("p", { class: "muted" }, [S.quality_none]));
        return;
      }
      findings.forEach(function (f) {
        var message = cfg.lang === "en" ? f.message_en || f.message : f.message || f.message_en;
        var where = fill(S.quality_where, {
          table: f.table || S.none, column: f.column || S.none,
          rows: (f.rows && f.rows.length) ? f.rows.join(", ") : S.none,
        });
        var children = [
          el("div", { class: "finding-head" }, [
            el("span", { class: "severity severity-" + f.severity }, [S["severity_" + f.severity] || f.severity]),
            el("code", {}, [f.code]),
          ]),
          el("p", { class: "finding-message" }, [message]),
          el("p", { class: "muted small" }, [where]),
        ];
        if (f.evidence && Object.keys(f.evidence).length) {
          children.push(el("details", { class: "evidence" }, [
            el("summary", {}, [S.evidence]),
            el("pre", {}, [JSON.stringify(f.evidence, null, 2)]),
          ]));
        }
        box.appendChild(el("article", { class: "finding finding-" + f.severity }, children));
      });
    }).catch(function () {
      box.textContent = "";
      box.appendChild(el("p", { class: "unavailable" }, [S.quality_unavailable]));
    });
  }

  // --- trend chart (inline SVG small multiples) ---------------------------------------------

  function barChart(title, rows, value, decimals, colour) {
    var W = 560, H = 132, left = 8, right = 8, top = 22, bottom = 22;
    var values = rows.map(value);
    var max = Math.max.apply(null, values.map(function (v) { return v || 0; }).concat([0]));
    var n = rows.length;
    var slot = (W - left - right) / Math.max(n, 1);
    var barW = Math.min(46, slot * 0.62);
    var plotH = H - top - bottom;
    var chart = svg("svg", {
      viewBox: "0 0 " + W + " " + H, class: "bar-chart", role: "img",
      "aria-label": fill(S.chart_aria, { title: title, first: rows[0].year, last: rows[n - 1].year }),
    });
    chart.appendChild(svg("line", {
      x1: left, x2: W - right, y1: top + plotH, y2: top + plotH, class: "axis",
    }));
    rows.forEach(function (row, i) {
      var v = values[i];
      var h = max > 0 && v ? Math.max(1, (v / max) * plotH) : 0;
      var x = left + slot * i + (slot - barW) / 2;
      var y = top + plotH - h;
      var bar = svg("rect", { x: x, y: y, width: barW, height: h, rx: 2, fill: colour, class: "bar" });
      bar.appendChild(svg("title", {}, []));
      bar.firstChild.textContent = row.year + " · " + num(v, decimals);
      chart.appendChild(bar);
      var text = svg("text", { x: x + barW / 2, y: y - 5, "text-anchor": "middle", class: "bar-value" });
      text.textContent = v === null || v === undefined ? S.none : num(v, decimals);
      chart.appendChild(text);
      var yearLabel = svg("text", { x: x + barW / 2, y: H - 6, "text-anchor": "middle", class: "bar-year" });
      yearLabel.textContent = String(row.year);
      chart.appendChild(yearLabel);
    });
    return el("figure", { class: "chart" }, [el("figcaption", {}, [title]), chart]);
  }

  function drawTrend() {
    var box = document.getElementById("trend");
    if (!box || !cfg.annual.length) return;
    var rows = cfg.annual;
    box.appendChild(barChart(S.chart_fires, rows, function (r) { return r.fires; }, 0, "#c62828"));
    box.appendChild(barChart(S.chart_deaths, rows, function (r) { return r.deaths; }, 0, "#4e342e"));
    box.appendChild(barChart(S.chart_loss, rows, function (r) {
      return r.loss_yuan === null ? null : r.loss_yuan / 10000;
    }, 1, "#ef6c00"));
  }

  // --- wiring -------------------------------------------------------------------------------

  drawUnlocatedSwatches();
  drawTrend();
  var mapApi = initMap();
  initCoverage(mapApi);
  loadIndicators();
  loadQuality();

  var yearSelect = document.getElementById("year-select");
  if (yearSelect) {
    yearSelect.addEventListener("change", function () {
      year = Number(yearSelect.value);
      var url = new URL(window.location.href);
      url.searchParams.set("year", String(year));
      window.history.replaceState(null, "", url.toString());
      loadIndicators();
      if (mapApi) mapApi.reloadIncidents();
    });
  }
})();
