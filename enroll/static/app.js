// Progressive enhancement of the enrolment page: the page works without it.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // Send the photo as soon as it is taken.
  document.querySelectorAll(".photo-form input[type=file]").forEach(function (input) {
    input.addEventListener("change", function () {
      if (!input.files || !input.files.length) return;
      var form = input.form;
      form.classList.add("busy");
      form.submit();
    });
  });

  // Live countdown of the activation code; fetch the next code when it runs out.
  var code = document.getElementById("code");
  if (!code) return;
  var countdown = document.getElementById("countdown");
  var bar = document.getElementById("bar");
  var template = countdown.getAttribute("data-template");
  var validUntil = parseInt(code.getAttribute("data-valid-until"), 10) * 1000;
  var period = 30;
  var fetching = false;

  function render() {
    var left = Math.max(0, Math.round((validUntil - Date.now()) / 1000));
    countdown.textContent = template.replace("0", String(left));
    bar.style.width = Math.min(100, (left / period) * 100) + "%";
    if (left <= 1 && !fetching) refresh();
  }

  function refresh() {
    fetching = true;
    fetch(code.getAttribute("data-code-url"), { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (j) {
        code.textContent = j.code;
        validUntil = Date.parse(j.valid_until);
        period = Math.max(period, j.seconds_left);
      })
      .catch(function () { /* keep the old code; the page can be reloaded */ })
      .then(function () { setTimeout(function () { fetching = false; }, 2000); });
  }

  render();
  setInterval(render, 1000);
})();
