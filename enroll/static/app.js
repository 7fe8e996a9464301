// Progressive enhancement of the enrolment page: the page works without it.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // Send the photo as soon as it is taken, and show that it is on its way.
  document.querySelectorAll(".photo-form input[type=file]").forEach(function (input) {
    input.addEventListener("change", function () {
      if (!input.files || !input.files.length) return;
      var form = input.form;
      form.classList.add("busy");
      form.setAttribute("aria-busy", "true");
      form.submit();
    });
  });
  // Coming back to the page (back button, bfcache) must not leave it busy.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll(".busy").forEach(function (f) {
      f.classList.remove("busy");
      f.removeAttribute("aria-busy");
    });
  });

  // Live countdown of the activation code; fetch the next code when it runs out.
  var code = document.getElementById("code");
  var countdown = document.getElementById("countdown");
  // A counter-based code has no countdown: it stays valid until used, and
  // fetching another would advance the counter.
  if (!code || !countdown) return;
  var bar = document.getElementById("bar");
  var template = countdown.getAttribute("data-template");
  var validUntil = parseInt(code.getAttribute("data-valid-until"), 10) * 1000;
  // The window's length, when the page states it; otherwise most keys use
  // 30 seconds, and a longer first window (the server can hand out the
  // next code early) widens it so the bar never starts beyond full.
  var period = parseInt(code.getAttribute("data-period"), 10) ||
    Math.max(30, Math.round((validUntil - Date.now()) / 1000));
  var fetching = false;

  function render() {
    var left = Math.max(0, Math.round((validUntil - Date.now()) / 1000));
    countdown.textContent = template.replace("0", String(left));
    bar.style.width = Math.min(100, (left / period) * 100) + "%";
    bar.classList.toggle("low", left <= 5);
    if (left <= 1 && !fetching) refresh();
  }

  function refresh() {
    fetching = true;
    fetch(code.getAttribute("data-code-url"), { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) {
        // The link was used or has expired meanwhile: show the page that says so.
        if (r.status === 404 || r.status === 410) { window.location.reload(); return Promise.reject(r.status); }
        return r.ok ? r.json() : Promise.reject(r.status);
      })
      .then(function (j) {
        code.textContent = j.code;
        validUntil = Date.parse(j.valid_until);
        // Keep the attribute in step with the code, for anything that reads
        // the page (screen readers' refresh, tests).
        code.setAttribute("data-valid-until", String(Math.round(validUntil / 1000)));
        render();
      })
      .catch(function () { /* keep the old code; the page can be reloaded */ })
      .then(function () { setTimeout(function () { fetching = false; }, 2000); });
  }

  render();
  setInterval(render, 1000);
})();
