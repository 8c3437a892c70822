// firegrid supervision & records page: double-random draws (draw, replay, export), hazard
// rectification (overdue list, table with the allowed next moves), credit grades, the non-site
// inspection share and the 四率, water-source intact rate (inline SVG chart), equipment and
// training. Every section fetches its own API and fails on its own. Every string comes from the
// server's i18n table (cfg.strings). Plain browser JavaScript, no external requests.
"use strict";

(function () {
  var cfg = JSON.parse(document.getElementById("fg-config").textContent);
  if (!cfg.read) return;
  var S = cfg.strings;
  var K = window.firegridKit(cfg);
  var el = K.el, fill = K.fill, num = K.num, svg = K.svg;
  var LEVELS = (cfg.styles && cfg.styles.risk_level) || {};
  var targets = cfg.targets || {};
  var lang = cfg.lang === "en" ? "en" : "zh";

  function $(id) { return document.getElementById(id); }

  var request = K.request;

  function query(params) {
    return Object.keys(params).map(function (k) {
      return encodeURIComponent(k) + "=" + encodeURIComponent(params[k]);
    }).join("&");
  }

  function say(id, text, isError) {
    var box = $(id);
    if (!box) return;
    box.textContent = text || "";
    box.hidden = !text;
    box.classList.toggle("form-error", Boolean(isError));
  }

  function unavailable(box, err) {
    box.textContent = "";
    box.appendChild(el("p", { class: "unavailable small" }, [
      fill(S.sup_unavailable, { detail: err.message }),
    ]));
  }

  var anySynthetic = false;
  function noteSynthetic(flag) {
    if (!flag || anySynthetic) return;
    anySynthetic = true;
    var notice = $("sup-synthetic-notice");
    if (notice) notice.hidden = false;
  }

  function syntheticBadge() {
    return el("span", { class: "badge badge-synthetic" }, [S.synthetic_badge]);
  }

  function pctText(value) {  // value in percent
    return value === null || value === undefined ? S.none : K.fixed(value, 1) + "%";
  }

  function levelPill(level) {
    var info = LEVELS[String(level)];
    var node = el("span", { class: "pill risk-pill", "data-level": level }, [
      info ? info.label : String(level),
    ]);
    if (info) node.style.background = info.colour;
    return node;
  }

  function targetLine(key, value, fallback) {
    // "target 96% · meets the target" (or "no target in the plan").
    var target = targets[key] !== undefined ? targets[key] : fallback;
    if (target === undefined || target === null) {
      return el("span", { class: "muted small" }, [S.sup_no_target]);
    }
    var parts = [fill(S.sup_target, { v: num(target, 1) + "%" })];
    var node = el("span", { class: "small target-line" }, []);
    if (value !== null && value !== undefined) {
      var ok = value >= target;
      node.dataset.meets = ok ? "true" : "false";
      node.classList.add(ok ? "meets" : "misses");
      parts.push(ok ? S.sup_meets : S.sup_misses);
    }
    node.textContent = parts.join(" · ");
    return node;
  }

  function meter(value, target) {  // both in percent
    var bar = el("span", { class: "meter" }, [el("span", { class: "meter-fill" })]);
    bar.firstChild.style.width = Math.max(0, Math.min(100, value || 0)) + "%";
    if (target !== undefined && target !== null) {
      var mark = el("span", { class: "meter-target" });
      mark.style.left = target + "%";
      bar.appendChild(mark);
    }
    return bar;
  }

  function table(id, headers, rows) {
    return el("div", { class: "table-wrap" }, [
      el("table", { class: "data-table", id: id }, [
        el("thead", {}, [el("tr", {}, headers.map(function (h) {
          return el("th", { scope: "col" }, [h]);
        }))]),
        el("tbody", {}, rows),
      ]),
    ]);
  }

  // --- (a) double-random draw ------------------------------------------------------------

  var lastDraw = null;

  function drawSignature(d) {
    return JSON.stringify([d.draw_id, d.seed, d.period, d.units, d.inspectors]);
  }

  function showDraw(d) {
    lastDraw = d;
    $("draw-summary").textContent = fill(S.draw_summary, {
      id: d.draw_id, period: d.period, seed: d.seed, candidates: d.candidates,
      excluded: d.excluded,
    });
    var body = document.querySelector("#draw-table tbody");
    body.textContent = "";
    d.units.forEach(function (u, i) {
      var names = (d.inspector_names && d.inspector_names[i]) || [];
      body.appendChild(el("tr", { "data-unit-id": u.id }, [
        el("td", { class: "num" }, [String(i + 1)]),
        el("th", { scope: "row" }, [u.name]),
        el("td", {}, [levelPill(u.risk_level)]),
        el("td", { title: (cfg.credit_grade || {})[u.credit_grade] || null }, [u.credit_grade || S.none]),
        el("td", { class: "small" }, [names.join("、") || S.none]),
      ]));
    });
    var base = cfg.api.draw_base + "/" + encodeURIComponent(d.draw_id) + "/export";
    var csv = $("draw-export");
    csv.href = base + "?format=csv";
    csv.setAttribute("download", "draw-" + d.draw_id + ".csv");
    var json = $("draw-export-json");
    json.href = base + "?format=json";
    json.setAttribute("download", "draw-" + d.draw_id + ".json");
    say("draw-replay-result", "");
    $("draw-result").hidden = false;
    noteSynthetic(d.inspector_names && JSON.stringify(d.inspector_names).indexOf("示例") >= 0);
  }

  function initDraw() {
    var form = $("draw-form");
    if (form) {
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var button = $("draw-submit");
        var body = {
          period: form.elements.period.value,
          count: Number(form.elements.count.value),
        };
        if (form.elements.seed.value !== "") body.seed = Number(form.elements.seed.value);
        button.disabled = true;
        say("draw-status", S.draw_running);
        request("POST", cfg.api.draws, body).then(function (d) {
          say("draw-status", "");
          showDraw(d);
        }).catch(function (err) {
          say("draw-status", fill(S.draw_failed, { detail: err.message }), true);
        }).finally(function () { button.disabled = false; });
      });
    }
    var replay = $("draw-replay");
    replay.addEventListener("click", function () {
      if (!lastDraw) return;
      var stored = lastDraw;
      replay.disabled = true;
      say("draw-replay-result", S.draw_replaying);
      request("GET", cfg.api.draw_base + "/" + encodeURIComponent(stored.draw_id) + "/replay")
        .then(function (again) {
          var same = drawSignature(again) === drawSignature(stored);
          var box = $("draw-replay-result");
          say("draw-replay-result", same ? S.draw_identical : S.draw_different, !same);
          box.dataset.identical = same ? "true" : "false";
        }).catch(function (err) {
          // The server refuses (409) a replay that differs from the stored result.
          say("draw-replay-result", S.draw_different + " " + err.message, true);
          $("draw-replay-result").dataset.identical = "false";
        }).finally(function () { replay.disabled = false; });
    });
  }

  // --- (b) hazards ---------------------------------------------------------------------------

  var unitNames = {};

  function keyUnitNames() {
    return request("GET", cfg.api.key_units).then(function (reg) {
      (reg.units || []).forEach(function (u) { unitNames[u.id] = u.name; });
    }).catch(function () { /* hazards then show unit ids */ });
  }

  // The hazards API labels in Chinese only: the page labels from the enums, in its language.
  function statusLabel(h) { return (cfg.hazard_status || {})[h.status] || h.status_label; }
  function severityLabel(h) { return (cfg.hazard_severity || {})[h.severity] || h.severity_label; }

  function unitName(h) {
    return h.building_name || unitNames[h.building_id] || "#" + h.building_id;
  }

  function moveBody(h, to) {
    var body = { to: to, version: h.version };
    if (to === "ordered") {
      var due = new Date(cfg.today + "T00:00:00Z");
      due.setUTCDate(due.getUTCDate() + 30);
      body.deadline = due.toISOString().slice(0, 10);
    }
    if (to === "escalated") body.escalation = h.severity === "major" ? "supervised_listing" : "penalty";
    return body;
  }

  function nextMoves(h) {
    var moves = (cfg.hazard_next || {})[h.status] || [];
    if (!moves.length) return [el("span", { class: "muted small" }, [S.hazard_next_none])];
    return moves.map(function (to) {
      var text = (cfg.hazard_status || {})[to] || to;
      if (!cfg.inspect) return el("span", { class: "tag hazard-move", "data-to": to }, [text]);
      var button = el("button", { type: "button", class: "btn btn-small hazard-move", "data-to": to }, [text]);
      button.addEventListener("click", function () {
        button.disabled = true;
        say("hazard-status", "");
        request("POST", cfg.api.hazard_base + "/" + encodeURIComponent(h.id) + "/status", moveBody(h, to))
          .then(function (out) {
            say("hazard-status", fill(S.hazard_moved, { id: h.id, status: statusLabel(out) || text }));
            loadHazards();
          }).catch(function (err) {
            button.disabled = false;
            say("hazard-status", fill(S.hazard_move_failed, { detail: err.message }), true);
          });
      });
      return button;
    }).reduce(function (acc, node) {
      if (acc.length) acc.push(" ");
      acc.push(node);
      return acc;
    }, []);
  }

  function loadHazards() {
    var overdueBox = $("hazards-overdue");
    var body = document.querySelector("#hazard-table tbody");
    var params = "?" + query({ on: cfg.today });
    return Promise.all([
      request("GET", cfg.api.hazards_overdue + params),
      request("GET", cfg.api.hazards),
    ]).then(function (out) {
      var overdue = out[0].hazards || [];
      var all = out[1] || [];
      $("overdue-count").textContent = "(" + overdue.length + ")";
      $("hazards-count").textContent = "(" + all.length + ")";
      overdueBox.textContent = "";
      if (!overdue.length) {
        overdueBox.appendChild(el("li", { class: "muted small" }, [S.hazards_overdue_none]));
      }
      overdue.forEach(function (h) {
        noteSynthetic(h.synthetic);
        overdueBox.appendChild(el("li", { class: "overdue", "data-hazard-id": h.id }, [
          el("strong", {}, [unitName(h)]), " ",
          el("span", {}, [h.description]), " ",
          el("span", { class: "tag tag-overdue" }, [fill(S.hazards_overdue_days, { n: h.days_overdue })]),
          " ",
          el("span", { class: "muted small" }, [statusLabel(h) + " · " + severityLabel(h)]),
          h.synthetic ? " " : null, h.synthetic ? syntheticBadge() : null,
        ]));
      });
      body.textContent = "";
      if (!all.length) {
        body.appendChild(el("tr", {}, [el("td", { colspan: 6, class: "muted small" }, [S.hazards_none])]));
      }
      all.forEach(function (h) {
        noteSynthetic(h.synthetic);
        body.appendChild(el("tr", {
          "data-hazard-id": h.id, "data-status": h.status, class: h.overdue ? "overdue" : null,
        }, [
          el("th", { scope: "row" }, [unitName(h)]),
          el("td", {}, [h.description, h.synthetic ? " " : null, h.synthetic ? syntheticBadge() : null]),
          el("td", { class: "severity-" + h.severity }, [severityLabel(h)]),
          el("td", { class: "hazard-status" }, [statusLabel(h)]),
          el("td", { class: "num" }, [
            h.deadline || S.none,
            h.overdue ? el("span", { class: "tag tag-overdue" }, [fill(S.hazards_overdue_days, { n: h.days_overdue })]) : null,
          ]),
          el("td", { class: "hazard-next" }, nextMoves(h)),
        ]));
      });
    }).catch(function (err) {
      unavailable(overdueBox.parentNode.querySelector("#hazards-overdue"), err);
    });
  }

  // --- (c) credit ----------------------------------------------------------------------------

  function loadSevere() {
    var box = $("credit-severe");
    return request("GET", cfg.api.credit_severe + "?" + query({ on: cfg.today })).then(function (out) {
      box.textContent = "";
      if (!out.units.length) {
        box.appendChild(el("li", { class: "muted small" }, [S.credit_severe_none]));
      }
      out.units.forEach(function (u) {
        box.appendChild(el("li", { "data-unit-id": u.id }, [
          el("strong", {}, [u.name]), " ",
          el("span", { class: "muted small" }, [u.grade + " · " + num(u.score, 1) + " · " + u.as_of]),
        ]));
      });
    }).catch(function (err) { unavailable(box, err); });
  }

  function initCredit() {
    loadSevere();
    var button = $("credit-compute");
    if (!button) return;
    button.addEventListener("click", function () {
      button.disabled = true;
      button.textContent = S.credit_computing;
      request("POST", cfg.api.credit + "?" + query({ on: cfg.today })).then(function (out) {
        Object.keys(out.grades).forEach(function (g) {
          var li = document.querySelector('#credit-grades [data-grade="' + g + '"] .credit-count');
          if (li) li.textContent = fill(S.credit_units, { n: out.grades[g] });
        });
        $("credit-as-of").textContent = fill(S.credit_as_of, { v: out.as_of });
        return loadSevere();
      }).catch(function (err) {
        $("credit-as-of").textContent = fill(S.sup_unavailable, { detail: err.message });
      }).finally(function () {
        button.disabled = false;
        button.textContent = S.credit_compute;
      });
    });
  }

  // --- (d) non-site share and 四率 ---------------------------------------------------------------

  function loadRates() {
    var box = $("nonsite");
    request("GET", cfg.api.non_site_share + "?" + query({ year: cfg.year })).then(function (out) {
      box.textContent = "";
      var share = out.share === null || out.share === undefined ? null : out.share * 100;
      // The plan's target, else the one the API applies (80 %).
      var apiTarget = out.target === undefined || out.target === null ? undefined : out.target * 100;
      var target = targets.non_site_inspection_share !== undefined
        ? targets.non_site_inspection_share : apiTarget;
      box.appendChild(el("div", { class: "kpi-row", id: "nonsite-share", "data-share": out.share }, [
        el("span", { class: "kpi-label" }, [fill(S.nonsite_share, { year: cfg.year })]),
        el("strong", { class: "kpi-value" }, [pctText(share)]),
        meter(share, target),
        targetLine("non_site_inspection_share", share, apiTarget),
      ]));
      box.appendChild(el("p", { class: "muted small" }, [fill(S.nonsite_counts, {
        n: out.inspections, non_site: out.non_site, on_site: out.on_site,
      })]));
    }).catch(function (err) { unavailable(box, err); });

    var rates = $("four-rates");
    request("GET", cfg.api.four_rates + "?" + query({ period: cfg.this_month })).then(function (out) {
      rates.textContent = "";
      rates.appendChild(el("p", { class: "muted small" }, [
        fill(S.four_rates_units, { n: out.units_with_control_room }),
      ]));
      var target = targets.building_facility_four_rates;
      var rows = Object.keys(out.rates).map(function (key) {
        var r = out.rates[key];
        var value = r.value === null || r.value === undefined ? null : r.value * 100;  // a share
        var label = S["rate_" + key] || r.label;
        return el("tr", { "data-rate": key, "data-status": r.status }, [
          el("th", { scope: "row" }, [label]),
          el("td", { class: "num" }, [value === null
            ? el("span", { class: "status-pill status-no_data", title: r.missing || null }, [S.rate_no_data])
            : pctText(value)]),
          // The API says what is missing in English only: the Chinese page keeps it as a tooltip.
          el("td", { class: "small" }, [value === null
            ? el("span", { class: "muted" }, [lang === "en" ? r.missing || "" : ""])
            : meter(value, target)]),
        ]);
      });
      rates.appendChild(table("four-rates-table", [
        S.col_indicator, S.col_value.replace("{year}", cfg.this_month), "",
      ], rows));
      rates.appendChild(el("p", {}, [targetLine("building_facility_four_rates", null)]));
    }).catch(function (err) { unavailable(rates, err); });
  }

  // --- (e) water -------------------------------------------------------------------------------

  function lineChart(months, target) {
    var W = 560, H = 170, left = 40, right = 24, top = 14, bottom = 26;
    var values = months.map(function (m) { return m.rate_percent; });
    var known = values.filter(function (v) { return v !== null && v !== undefined; });
    var low = Math.min.apply(null, known.concat(target ? [target] : []).concat([100]));
    var min = Math.max(0, Math.floor(low - 2));
    var max = 100;
    var plotW = W - left - right, plotH = H - top - bottom;
    function x(i) { return left + (months.length > 1 ? (plotW * i) / (months.length - 1) : plotW / 2); }
    function y(v) { return top + plotH - ((v - min) / (max - min || 1)) * plotH; }
    var chart = svg("svg", {
      viewBox: "0 0 " + W + " " + H, class: "line-chart", role: "img", id: "water-svg",
      "aria-label": fill(S.water_intact_aria, { first: months[0].month, last: months[months.length - 1].month }),
    });
    [min, max].forEach(function (v) {
      chart.appendChild(svg("line", { x1: left, x2: W - right, y1: y(v), y2: y(v), class: "axis" }));
      var t = svg("text", { x: left - 4, y: y(v) + 4, "text-anchor": "end", class: "bar-year" });
      t.textContent = v + "%";
      chart.appendChild(t);
    });
    if (target) {
      chart.appendChild(svg("line", {
        x1: left, x2: W - right, y1: y(target), y2: y(target), class: "target-line-svg",
      }));
      var tt = svg("text", { x: W - right, y: y(target) - 4, "text-anchor": "end", class: "target-label" });
      tt.textContent = fill(S.sup_target, { v: num(target, 1) + "%" });
      chart.appendChild(tt);
    }
    var points = [];
    months.forEach(function (m, i) {
      if (m.rate_percent === null || m.rate_percent === undefined) return;
      points.push(x(i) + "," + y(m.rate_percent));
    });
    chart.appendChild(svg("polyline", { points: points.join(" "), class: "line" }));
    months.forEach(function (m, i) {
      var v = m.rate_percent;
      if (v === null || v === undefined) return;
      var below = target && v < target;
      var dot = svg("circle", {
        cx: x(i), cy: y(v), r: 3.5, class: "point" + (below ? " below" : ""), "data-month": m.month,
      });
      dot.appendChild(svg("title", {}, []));
      dot.firstChild.textContent = m.month + " · " + pctText(v) + " (" + m.intact + " / " + m.registered + ")";
      chart.appendChild(dot);
      if (i % 2 === (months.length - 1) % 2) {
        var label = svg("text", { x: x(i), y: H - 8, "text-anchor": "middle", class: "bar-year" });
        label.textContent = m.month.slice(2);
        chart.appendChild(label);
      }
    });
    return chart;
  }

  function loadWater() {
    var box = $("water-chart");
    request("GET", cfg.api.water_series + "?" + query({
      start: cfg.series.start, end: cfg.series.end, lang: lang,
    })).then(function (out) {
      box.textContent = "";
      noteSynthetic(out.synthetic);
      var months = out.months || [];
      if (!months.length) { box.appendChild(el("p", { class: "muted" }, [S.none])); return; }
      var last = months[months.length - 1];
      var target = targets.water_source_intact_rate;
      box.appendChild(el("figure", { class: "chart" }, [
        el("figcaption", {}, [
          fill(S.water_intact_chart, { first: months[0].month, last: last.month }),
          out.synthetic ? " " : null, out.synthetic ? syntheticBadge() : null,
        ]),
        lineChart(months, target),
      ]));
      box.appendChild(el("p", { class: "small", id: "water-latest" }, [
        fill(S.water_intact_latest, {
          month: last.month, rate: pctText(last.rate_percent), intact: last.intact,
          registered: last.registered,
        }), " ", targetLine("water_source_intact_rate", last.rate_percent),
      ]));
      if (out.definition && lang === "zh") {
        box.appendChild(el("p", { class: "muted small" }, [out.definition]));
      }
    }).catch(function (err) { unavailable(box, err); });

    var tickets = $("water-tickets");
    request("GET", cfg.api.water_tickets + "?" + query({ lang: lang })).then(function (list) {
      tickets.textContent = "";
      $("tickets-count").textContent = "(" + list.length + ")";
      if (!list.length) {
        tickets.appendChild(el("p", { class: "muted small" }, [S.water_tickets_none]));
        return;
      }
      tickets.appendChild(table("tickets-table", [
        S.ticket_col_source, S.ticket_col_defect, S.ticket_col_status, S.ticket_col_opened,
      ], list.map(function (tk) {
        noteSynthetic(tk.synthetic);
        return el("tr", { "data-ticket-id": tk.id }, [
          el("th", { scope: "row" }, [tk.water_source_code || "#" + tk.water_source_id]),
          el("td", {}, [tk.defect, tk.synthetic ? " " : null, tk.synthetic ? syntheticBadge() : null]),
          el("td", {}, [tk.status_label]),
          el("td", { class: "small" }, [tk.discovered_at.slice(0, 10)]),
        ]);
      })));
    }).catch(function (err) { unavailable(tickets, err); });
  }

  // --- (f) equipment ---------------------------------------------------------------------------

  function loadEquipment() {
    var box = $("replacement");
    request("GET", cfg.api.replacement + "?" + query({ lang: lang })).then(function (out) {
      box.textContent = "";
      noteSynthetic(out.synthetic);
      box.appendChild(el("h3", {}, [fill(S.replacement_title, { n: out.service_life_years }),
        out.synthetic ? " " : null, out.synthetic ? syntheticBadge() : null]));
      if (!out.years.length) {
        box.appendChild(el("p", { class: "muted small", id: "replacement-none" }, [S.replacement_none]));
      } else {
        box.appendChild(el("p", { class: "small" }, [fill(S.replacement_due_now, { n: out.due_now })]));
        box.appendChild(table("replacement-table", [S.replacement_col_year, S.replacement_col_vehicles],
          out.years.map(function (y) {
            return el("tr", { "data-year": y.year, class: y.year <= out.as_of_year ? "due" : null }, [
              el("th", { scope: "row" }, [String(y.year) + " (" + y.count + ")"]),
              el("td", { class: "small" }, [y.vehicles.map(function (v) {
                return [v.code, v.vehicle_type_label, v.station].filter(Boolean).join(" · ");
              }).join("；")]),
            ]);
          })));
      }
      if (out.unknown_commission_year && out.unknown_commission_year.length) {
        box.appendChild(el("p", { class: "muted small" }, [
          fill(S.replacement_unknown, { n: out.unknown_commission_year.length }),
        ]));
      }
    }).catch(function (err) { unavailable(box, err); });

    var comp = $("compliance");
    request("GET", cfg.api.compliance + "?" + query({ year: cfg.year, lang: lang })).then(function (out) {
      comp.textContent = "";
      noteSynthetic(out.synthetic_items > 0);
      if (!out.stations || !out.stations.length) {
        comp.appendChild(el("p", { class: "muted small" }, [S.compliance_none]));
        return;
      }
      comp.appendChild(el("p", { class: "small" }, [
        fill(S.compliance_district, { v: pctText(out.district_rate_percent) }),
        out.synthetic_items > 0 ? " " : null, out.synthetic_items > 0 ? syntheticBadge() : null,
      ]));
      comp.appendChild(table("compliance-table", [
        S.compliance_col_station, S.compliance_col_group, S.compliance_col_rate, S.compliance_col_target,
      ], out.stations.map(function (st) {
        var group = (out.groups || {})[st.group] || {};
        return el("tr", { "data-station-id": st.station_id, class: st.compliant ? null : "misses" }, [
          el("th", { scope: "row" }, [st.station]),
          el("td", { class: "small" }, [S["compliance_group_" + st.group] || st.station_class_label || S.none]),
          el("td", { class: "num" }, [pctText(st.rate_percent), " ", meter(st.rate_percent, group.target_percent)]),
          el("td", { class: "num" }, [pctText(group.target_percent)]),
        ]);
      })));
      if (out.standard_placeholder) {
        comp.appendChild(el("p", { class: "muted small" }, [
          fill(S.compliance_placeholder, { source: out.standard_source }),
        ]));
      }
    }).catch(function (err) { unavailable(comp, err); });
  }

  // --- (g) training ----------------------------------------------------------------------------

  function loadTraining() {
    var box = $("training");
    request("GET", cfg.api.training + "?" + query({ year: cfg.year })).then(function (out) {
      box.textContent = "";
      noteSynthetic(out.synthetic);
      if (!out.records) {
        box.appendChild(el("p", { class: "muted small" }, [S.training_none]));
      }
      var people = targets.public_skills_training_per_year;
      var peopleShare = people ? (out.people_trained / people) * 100 : null;
      box.appendChild(el("dl", { class: "kpis training-kpis" }, [
        el("div", { id: "training-people" }, [
          el("dt", {}, [S.training_people]),
          el("dd", {}, [fill(S.training_people_value, { n: num(out.people_trained, 0) })]),
          el("dd", {}, [people ? meter(Math.min(100, peopleShare), 100) : null]),
          el("dd", {}, [people
            ? el("span", { class: "small target-line " + (out.people_trained >= people ? "meets" : "misses") }, [
              fill(S.sup_target, { v: num(people, 0) }) + " · " +
              (out.people_trained >= people ? S.sup_meets : S.sup_misses),
            ])
            : el("span", { class: "muted small" }, [S.sup_no_target])]),
        ]),
        el("div", { id: "training-pass" }, [
          el("dt", {}, [S.training_pass_rate]),
          el("dd", {}, [out.pass_rate_percent === null ? S.none : fill(S.training_pass_value, {
            rate: pctText(out.pass_rate_percent), passed: out.passed, assessed: out.assessed,
          })]),
          el("dd", {}, [targetLine("training_pass_rate", out.pass_rate_percent)]),
        ]),
        el("div", {}, [
          el("dt", {}, [S.training_sessions]),
          el("dd", {}, [num(out.public_sessions, 0)]),
        ]),
      ]));
      if (out.synthetic) box.appendChild(el("p", {}, [syntheticBadge()]));
    }).catch(function (err) { unavailable(box, err); });
  }

  // --- wiring ----------------------------------------------------------------------------------

  initDraw();
  keyUnitNames().then(loadHazards);
  initCredit();
  loadRates();
  loadWater();
  loadEquipment();
  loadTraining();
})();
