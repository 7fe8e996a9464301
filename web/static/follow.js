// Follows a queued or running run to its outcome without reloading: while
// the page's <main> says data-following, fetch the page again every two
// seconds and put the new <main> in place. Without this script the page
// reloads itself (a <noscript> refresh).
(function () {
  "use strict";
  var main = document.querySelector("main[data-following]");
  if (!main) return;
  var busy = false;
  var timer = setInterval(function () {
    if (busy) return;
    busy = true;
    fetch(window.location.href, { credentials: "same-origin", cache: "no-store", headers: { Accept: "text/html" } })
      .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var next = doc.querySelector("main");
        if (!next) return;
        main.innerHTML = next.innerHTML;
        document.title = doc.title;
        if (!next.hasAttribute("data-following")) {
          main.removeAttribute("data-following");
          clearInterval(timer);
        }
      })
      // A failed fetch (a server restart, a lost network) tries again.
      .catch(function () {})
      .then(function () { busy = false; });
  }, 2000);
})();
