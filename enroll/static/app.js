// Progressive enhancement of the enrolment page: the page works without it.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function busy(form) {
    form.classList.add("busy");
    form.setAttribute("aria-busy", "true");
    var box = form.closest(".actions");
    if (box) box.classList.add("busy");
    form.querySelectorAll("button[data-busy]").forEach(function (b) {
      b.textContent = b.getAttribute("data-busy");
      // Disabled after the submit has started, so the form still sends.
      setTimeout(function () { b.disabled = true; }, 0);
    });
  }

  // Send the picture as soon as it is taken or chosen, and show that it is
  // on its way: reading a large photo takes a moment.
  document.querySelectorAll(".photo-form input[type=file]").forEach(function (input) {
    input.addEventListener("change", function () {
      if (!input.files || !input.files.length) return;
      busy(input.form);
      input.form.submit();
    });
  });
  document.querySelectorAll("form.busy-form, form.photo-form").forEach(function (form) {
    form.addEventListener("submit", function () { busy(form); });
  });
  // Coming back to the page (back button, bfcache) must not leave it busy.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll(".busy").forEach(function (f) {
      f.classList.remove("busy");
      f.removeAttribute("aria-busy");
    });
    document.querySelectorAll("button[data-busy]").forEach(function (b) { b.disabled = false; });
  });

  // Live countdown of the activation code; fetch the next code when it runs out.
  var code = document.getElementById("code");
  var countdown = document.getElementById("countdown");
  // A counter-based code has no countdown: it stays valid until used, and
  // fetching another would advance the counter.
  if (!code || !countdown) return;
  var bar = document.getElementById("bar");
  var forms = JSON.parse(countdown.getAttribute("data-forms"));
  var formsFrom = JSON.parse(countdown.getAttribute("data-forms-from"));
  var rules = window.Intl && Intl.PluralRules ? new Intl.PluralRules(document.documentElement.lang) : null;
  // count writes n in the form of the page's language: "1 second", "2 seconds".
  function count(f, n) {
    var form = rules ? rules.select(n) : (n === 1 ? "one" : "other");
    return (f[form] || f.other).replace("{n}", String(n));
  }
  var label = code.getAttribute("data-label");
  var validUntil = parseInt(code.getAttribute("data-valid-until"), 10) * 1000;
  var validFrom = parseInt(code.getAttribute("data-valid-from"), 10) * 1000 || 0;
  // The window's length, when the page states it; otherwise most keys use
  // 30 seconds.
  var period = parseInt(code.getAttribute("data-period"), 10) || 30;
  var fetching = false;

  function show(value) {
    var half = value.length >= 6 && value.length % 2 === 0 ? value.length / 2 : 0;
    code.querySelector(".digits").textContent = half ? value.slice(0, half) + "\u00a0" + value.slice(half) : value;
    code.querySelector(".spoken").textContent = label.replace("CODE", value.split("").join(" "));
    code.setAttribute("data-code", value);
  }

  function render() {
    var now = Date.now();
    if (validFrom > now) {
      // Issued for the next window: it works once that starts.
      var wait = Math.max(1, Math.ceil((validFrom - now) / 1000));
      code.classList.add("pending");
      countdown.textContent = count(formsFrom, wait);
      bar.style.width = "0%";
      return;
    }
    code.classList.remove("pending");
    var left = Math.max(0, Math.round((validUntil - now) / 1000));
    countdown.textContent = count(forms, left);
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
        show(j.code);
        validUntil = Date.parse(j.valid_until);
        validFrom = j.valid_from ? Date.parse(j.valid_from) : 0;
        if (j.period) period = j.period;
        // Keep the attributes in step with the code, for anything that
        // reads the page (tests, a reload of the screen reader's view).
        code.setAttribute("data-valid-until", String(Math.round(validUntil / 1000)));
        if (validFrom) code.setAttribute("data-valid-from", String(Math.round(validFrom / 1000)));
        else code.removeAttribute("data-valid-from");
        render();
      })
      .catch(function () { /* keep the old code; the page can be reloaded */ })
      .then(function () { setTimeout(function () { fetching = false; }, 2000); });
  }

  render();
  setInterval(render, 1000);
})();
