// firegrid web: behaviour shared by every page — district picker, login and logout.
// Plain browser JavaScript, no build step, no external requests.
"use strict";

(function () {
  document.documentElement.classList.add("js");

  // District picker: switch as soon as a district is chosen.
  var picker = document.getElementById("district-picker");
  if (picker) {
    var select = picker.querySelector("select");
    select.addEventListener("change", function () {
      // The same page of the other district (dashboard or siting: data-suffix).
      window.location.assign("/d/" + encodeURIComponent(select.value) + (picker.dataset.suffix || ""));
    });
  }

  // Login: POST the credentials as JSON; the API sets the HttpOnly cookie, then reload.
  var form = document.getElementById("login-form");
  if (form) {
    var error = document.getElementById("login-error");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      error.hidden = true;
      var button = form.querySelector("button[type=submit]");
      button.disabled = true;
      fetch(form.dataset.api, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        credentials: "same-origin",
        body: JSON.stringify({
          username: form.elements.username.value.trim(),
          password: form.elements.password.value,
        }),
      })
        .then(function (response) {
          if (response.ok) {
            window.location.reload();
            return null;
          }
          return response.json().then(
            function (body) {
              var detail = body && body.detail;
              if (Array.isArray(detail)) {
                detail = detail.map(function (d) { return d.msg; }).join("; ");
              }
              throw new Error(detail || String(response.status));
            },
            function () { throw new Error(String(response.status)); }
          );
        })
        .catch(function (err) {
          error.textContent = form.dataset.error.replace("{detail}", err.message);
          error.hidden = false;
          button.disabled = false;
        });
    });
  }

  var logout = document.getElementById("logout-button");
  if (logout) {
    logout.addEventListener("click", function () {
      logout.disabled = true;
      fetch(logout.dataset.api, { method: "POST", credentials: "same-origin" }).finally(
        function () { window.location.reload(); }
      );
    });
  }
})();
