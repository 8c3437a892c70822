// firegrid web kit: the helpers the map pages share (DOM building, number formatting, station
// symbols, legend items, problem+json errors). Plain browser JavaScript, no external requests.
// A page calls firegridKit(cfg) with its configuration (cfg.strings, cfg.styles, cfg.lang).
"use strict";

window.firegridKit = function (cfg) {
  var S = cfg.strings;
  var STYLES = cfg.styles;
  var SVGNS = "http://www.w3.org/2000/svg";
  var locale = cfg.lang === "en" ? "en-GB" : "zh-CN";
  var clipCounter = 0;

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (match, key) {
      return Object.prototype.hasOwnProperty.call(values, key) ? String(values[key]) : match;
    });
  }

  // el("td", {class: "x", title: "y"}, [child, "text", ...]) — text is never parsed as HTML.
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      var value = attrs[key];
      if (value === null || value === undefined || value === false) return;
      node.setAttribute(key, value === true ? "" : String(value));
    });
    (children || []).forEach(function (child) {
      if (child === null || child === undefined) return;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function svg(tag, attrs, children) {
    var node = document.createElementNS(SVGNS, tag);
    Object.keys(attrs || {}).forEach(function (key) {
      node.setAttribute(key, String(attrs[key]));
    });
    (children || []).forEach(function (child) { node.appendChild(child); });
    return node;
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          var error = new Error(url + ": HTTP " + response.status);
          error.status = response.status;
          throw error;
        }
        return response.json();
      });
  }

  // The detail of a problem+json (or FastAPI validation) error response, readable.
  function problemDetail(response) {
    return response.json().then(function (body) {
      var detail = body && body.detail;
      if (Array.isArray(detail)) {
        detail = detail.map(function (d) {
          return (d.loc ? d.loc[d.loc.length - 1] + ": " : "") + d.msg;
        }).join("; ");
      }
      return detail || String(response.status);
    }, function () { return String(response.status); });
  }

  // A JSON request (body, when given, sent as JSON); a non-2xx answer rejects with an Error whose
  // message is the problem+json detail and whose .status is the HTTP status.
  function request(method, url, body) {
    var init = {
      method: method, credentials: "same-origin", headers: { Accept: "application/json" },
    };
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    return fetch(url, init).then(function (response) {
      if (response.ok) return response.json();
      return problemDetail(response).then(function (detail) {
        var error = new Error(detail);
        error.status = response.status;
        throw error;
      });
    });
  }

  function num(value, decimals) {
    if (value === null || value === undefined) return S.none;
    var d = decimals === undefined ? 2 : decimals;
    return Number(value).toLocaleString(locale, { maximumFractionDigits: d });
  }

  // Exactly ``decimals`` digits (figures compared side by side: "12.0%" beside "22.6%").
  function fixed(value, decimals) {
    if (value === null || value === undefined) return S.none;
    return Number(value).toLocaleString(locale, {
      minimumFractionDigits: decimals, maximumFractionDigits: decimals,
    });
  }

  function pct(value) {
    return value === null || value === undefined ? S.none : num(value * 100, 1) + "%";
  }

  function pctFixed(value) {
    return value === null || value === undefined ? S.none : fixed(value * 100, 1) + "%";
  }

  function minutesText(seconds) { return num(seconds / 60, 1); }

  function label(enumName, value) {
    var entry = STYLES[enumName] && STYLES[enumName][value];
    if (!entry) return value;
    return typeof entry === "string" ? entry : entry.label;
  }

  function shortName(name) {
    // "三家店消防救援站" -> "三家店": the map labels stay short; lists show the full name.
    return String(name).replace(/(消防救援站|小型消防站|消防站)$/, "") || name;
  }

  // --- station symbols: colour = class, shape = kind of service, fill = status -------------

  function shapeNode(shape, attrs) {
    var geometry = {
      circle: ["circle", { cx: 12, cy: 12, r: 6.5 }],
      square: ["rect", { x: 6, y: 6, width: 12, height: 12, rx: 1.5 }],
      triangle: ["path", { d: "M12 4.8 L19 17.6 L5 17.6 Z" }],
      diamond: ["path", { d: "M12 4.2 L19.8 12 L12 19.8 L4.2 12 Z" }],
    }[shape] || ["circle", { cx: 12, cy: 12, r: 6.5 }];
    var merged = {};
    Object.keys(geometry[1]).forEach(function (k) { merged[k] = geometry[1][k]; });
    Object.keys(attrs).forEach(function (k) { merged[k] = attrs[k]; });
    return svg(geometry[0], merged);
  }

  function stationSymbol(stationClass, status, approximate, size) {
    var cls = STYLES.station_class[stationClass] || { colour: "#455a64", shape: "circle" };
    var mode = (STYLES.station_status[status] || { fill: "solid" }).fill;
    var px = size || 26;
    var root = svg("svg", {
      xmlns: SVGNS, viewBox: "0 0 24 24", width: px, height: px, "aria-hidden": "true",
      class: "fg-symbol",
    });
    if (approximate) {
      root.appendChild(svg("circle", {
        cx: 12, cy: 12, r: 10.6, fill: "none", stroke: "#263238", "stroke-width": 1.1,
        "stroke-dasharray": "2.4 1.8", class: "fg-approx-ring",
      }));
    }
    if (mode === "solid") {
      root.appendChild(shapeNode(cls.shape, { fill: cls.colour, stroke: "#fff", "stroke-width": 1.4 }));
    } else if (mode === "half") {
      var id = "fg-clip-" + (++clipCounter);
      root.appendChild(svg("defs", {}, [
        svg("clipPath", { id: id }, [svg("rect", { x: 0, y: 12, width: 24, height: 12 })]),
      ]));
      root.appendChild(shapeNode(cls.shape, { fill: "#fff", stroke: cls.colour, "stroke-width": 1.8 }));
      root.appendChild(shapeNode(cls.shape, { fill: cls.colour, "clip-path": "url(#" + id + ")" }));
    } else if (mode === "hollow") {
      root.appendChild(shapeNode(cls.shape, {
        fill: "#fff", stroke: cls.colour, "stroke-width": 2, "stroke-dasharray": "2.6 1.6",
      }));
    } else {
      root.appendChild(shapeNode(cls.shape, { fill: "#bdbdbd", stroke: "#616161", "stroke-width": 1.4 }));
      root.appendChild(svg("path", { d: "M8 8 L16 16 M16 8 L8 16", stroke: "#424242", "stroke-width": 1.6 }));
    }
    return root;
  }

  // --- legend -------------------------------------------------------------------------------

  function legendGroup(title, items) {
    return el("div", { class: "legend-group" }, [
      el("h3", {}, [title]),
      el("ul", {}, items.map(function (item) {
        return el("li", {}, [item[0], el("span", {}, [item[1]])]);
      })),
    ]);
  }

  function swatch(colour, className) {
    var node = el("span", { class: "swatch " + (className || "") });
    node.style.background = colour;  // CSSOM, not a style attribute: allowed by the CSP
    return node;
  }

  // --- map helpers --------------------------------------------------------------------------

  var HATCH_ID = "fg-cov-hatch";

  // The diagonal hatch of districts over their area limit, defined once in a pane's SVG.
  function ensureHatch(pane, colour) {
    var root = pane.querySelector("svg");
    if (!root || root.querySelector("#" + HATCH_ID)) return;
    var pattern = svg("pattern", {
      id: HATCH_ID, width: 8, height: 8, patternUnits: "userSpaceOnUse",
      patternTransform: "rotate(45)",
    }, [svg("rect", { width: 2, height: 8, fill: colour, "fill-opacity": 0.38 })]);
    root.insertBefore(svg("defs", {}, [pattern]), root.firstChild);
  }

  return {
    S: S,
    STYLES: STYLES,
    SVGNS: SVGNS,
    locale: locale,
    HATCH_ID: HATCH_ID,
    fill: fill,
    el: el,
    svg: svg,
    getJSON: getJSON,
    problemDetail: problemDetail,
    request: request,
    num: num,
    fixed: fixed,
    pct: pct,
    pctFixed: pctFixed,
    minutesText: minutesText,
    label: label,
    shortName: shortName,
    stationSymbol: stationSymbol,
    legendGroup: legendGroup,
    swatch: swatch,
    ensureHatch: ensureHatch,
  };
};
