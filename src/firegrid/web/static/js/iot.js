// firegrid command centre: fire alarms from the IoT gateway (消防物联网火警) offered as incident
// proposals in the dispatch panel. "Accept" creates the incident (the API does) and opens the
// usual recommendation flow on it (static/js/command.js); "False alarm" dismisses the proposal,
// which counts towards the unit's false-alarm rate.
//
// Refresh: a new proposal changes no unit or incident, so the dispatch stream does not announce
// it. The list is polled every cfg.iot.poll_s seconds (one small indexed query; paused while the
// tab is hidden) and refreshed at once on every dispatch "state" event that command.js relays.
// Plain browser JavaScript, no external requests.
"use strict";

(function () {
  var configNode = document.getElementById("fg-config");
  if (!configNode) return;
  var cfg = JSON.parse(configNode.textContent);
  var D = cfg.dispatch || { read: false, write: false };
  var S = cfg.strings;
  var K = window.firegridKit(cfg);
  var el = K.el, fill = K.fill;

  function $(id) { return document.getElementById(id); }

  var request = K.request;

  var list = null;
  var count = null;
  var message = null;
  var busy = {};
  var inFlight = false;
  var again = false;
  var lastSig = null;

  function say(text, isError) {
    if (!message) return;
    message.textContent = text || "";
    message.hidden = !text;
    message.classList.toggle("form-error", Boolean(isError));
    message.classList.toggle("ok-message", !isError);
  }

  function when(iso) {
    if (!iso) return S.none;
    return new Date(iso).toLocaleString(K.locale, { timeZone: cfg.district.timezone });
  }

  function item(p) {
    var dev = p.device || {};
    var building = dev.building_name || S.iot_building_unknown;
    var component = p.description || fill(S.iot_component_value, {
      st: p.system_type, sa: p.system_address, ct: p.component_type, ca: p.component_address,
    });
    var children = [
      el("div", { class: "iot-head" }, [
        el("span", { class: "iot-fire-mark", "aria-hidden": "true" }),
        el("strong", { class: "iot-building" }, [building]),
        el("span", { class: "muted small iot-time" }, [when(p.created_at)]),
      ]),
      el("dl", { class: "iot-facts small" }, [
        el("dt", {}, [S.iot_component]), el("dd", { class: "iot-component" }, [component]),
        el("dt", {}, [S.iot_device]), el("dd", {}, [
          [dev.name, dev.code].filter(Boolean).join(" · ") || S.none,
        ]),
      ]),
    ];
    if (D.write) {
      var accept = el("button", { type: "button", class: "btn btn-small btn-primary iot-accept" }, [
        S.iot_accept,
      ]);
      var dismiss = el("button", { type: "button", class: "btn btn-small iot-dismiss" }, [
        S.iot_dismiss,
      ]);
      accept.disabled = dismiss.disabled = Boolean(busy[p.id]);
      accept.addEventListener("click", function () { decide(p, "accept", [accept, dismiss]); });
      dismiss.addEventListener("click", function () { decide(p, "dismiss", [accept, dismiss]); });
      children.push(el("div", { class: "iot-actions" }, [accept, " ", dismiss]));
    }
    return el("li", { class: "iot-proposal", "data-proposal-id": p.id }, children);
  }

  function draw(proposals) {
    var sig = JSON.stringify(proposals.map(function (p) { return [p.id, p.status]; }));
    if (sig === lastSig) return;  // unchanged: keep the buttons a dispatcher may be aiming at
    lastSig = sig;
    list.textContent = "";
    count.textContent = proposals.length ? "(" + proposals.length + ")" : "";
    var box = $("iot-box");
    if (box) box.classList.toggle("iot-alarm", proposals.length > 0);
    if (!proposals.length) {
      list.appendChild(el("li", { class: "muted small", id: "iot-none" }, [S.iot_none]));
      return;
    }
    proposals.forEach(function (p) { list.appendChild(item(p)); });
  }

  function refresh() {
    if (inFlight) { again = true; return; }
    inFlight = true;
    request("GET", cfg.api.iot_proposals + "?status=proposed").then(draw).catch(function () {
      /* IoT not available for this district: keep the last list; the next poll retries */
    }).finally(function () {
      inFlight = false;
      if (again) { again = false; refresh(); }
    });
  }

  function decide(p, action, buttons) {
    busy[p.id] = true;
    buttons.forEach(function (b) { b.disabled = true; });
    say("");
    var url = cfg.api.iot_proposals + "/" + encodeURIComponent(p.id) + "/" + action;
    request("POST", url, {}).then(function (out) {
      if (action === "accept" && out.incident) {
        say(fill(S.iot_accepted, { id: out.incident.external_id }));
        if (window.firegridCommand) {
          window.firegridCommand.refreshState();
          window.firegridCommand.selectIncident(out.incident.id);
        }
      } else {
        say(S.iot_dismissed);
      }
    }).catch(function (err) {
      say(fill(S.iot_failed, { detail: err.message }), true);
    }).finally(function () {
      delete busy[p.id];
      lastSig = null;
      refresh();
    });
  }

  function start() {
    list = $("iot-proposals");
    count = $("iot-count");
    message = $("iot-message");
    if (!list || !D.read || !cfg.api.iot_proposals) return;
    refresh();
    var period = Math.max(2, Number((cfg.iot && cfg.iot.poll_s) || 5)) * 1000;
    window.setInterval(function () {
      if (document.visibilityState !== "hidden") refresh();
    }, period);
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") refresh();
    });
    document.addEventListener("fg:dispatch-state", refresh);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
