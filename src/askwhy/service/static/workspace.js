// The live overview: every few seconds ask the live route for a fingerprint of the figures; when it
// differs from the one the page was drawn with, fetch the page again and swap its figures in.
// Without JavaScript the page is complete; it only does not update itself.
(function () {
  "use strict";
  var figures = document.querySelector("[data-live]");
  if (!figures || !window.fetch || !window.DOMParser) return;
  var liveUrl = figures.getAttribute("data-live");
  var seconds = Number(figures.getAttribute("data-poll-seconds")) || 5;
  var status = document.getElementById("live-status");
  var busy = false;

  function say(text) {
    if (status) status.textContent = text;
  }

  function fetched(url, accept) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: accept } }).then(function (r) {
      if (!r.ok || r.redirected) throw new Error("status " + r.status);
      return accept === "application/json" ? r.json() : r.text();
    });
  }

  function swap() {
    return fetched(window.location.href, "text/html").then(function (html) {
      var fresh = new DOMParser().parseFromString(html, "text/html").getElementById(figures.id);
      if (!fresh) return;
      figures.innerHTML = fresh.innerHTML;
      figures.setAttribute("data-fingerprint", fresh.getAttribute("data-fingerprint"));
      say("Updated at " + new Date().toLocaleTimeString() + ".");
    });
  }

  function poll() {
    if (busy || document.hidden) return;
    busy = true;
    fetched(liveUrl, "application/json")
      .then(function (body) {
        if (body.fingerprint !== figures.getAttribute("data-fingerprint")) return swap();
      })
      .catch(function () {
        say("Live updates paused (signed out or offline); reload the page to resume.");
      })
      .then(function () {
        busy = false;
      });
  }

  say("Live: checking for new responses every " + seconds + " s.");
  window.setInterval(poll, seconds * 1000);
  document.addEventListener("visibilitychange", poll);
})();
