// The personal page's "Here tonight": asks the server who is in the room every few seconds
// (data-interval) and updates the list in place. The count is a status region (read out
// when it changes); buttons are left alone unless the state changes (left, back, over).
// Stops once the evening is over; waits while the page is hidden.
(function () {
  "use strict";
  var section = document.getElementById("tonight");
  if (!section) return;
  var body = section.querySelector(".tonight-body");
  var every = Math.max(2, parseInt(section.dataset.interval || "20", 10)) * 1000;
  var timer = null;

  function state(root) {
    var found = root.querySelector(".tonight-state");
    return found ? found.dataset.state : "off";
  }

  function update(html) {
    var next = document.createElement("div");
    next.innerHTML = html;
    if (state(next) !== state(body)) {
      body.innerHTML = next.innerHTML;
    } else {
      ["tonight-count", "tonight-people"].forEach(function (name) {
        var now = body.querySelector("." + name), then = next.querySelector("." + name);
        if (now && then && now.innerHTML !== then.innerHTML) now.innerHTML = then.innerHTML;
      });
    }
    section.dataset.polled = String(parseInt(section.dataset.polled || "0", 10) + 1);
    return state(body) !== "off";
  }

  function poll() {
    timer = null;
    if (document.hidden) return;
    fetch(section.dataset.poll, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html === null || update(html)) schedule();
      })
      .catch(schedule);  // the café's Wi-Fi dropped: try again later
  }

  function schedule() {
    if (!timer) timer = window.setTimeout(poll, every);
  }

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) { window.clearTimeout(timer); timer = null; poll(); }
  });
  if (state(body) !== "off") schedule();
})();
