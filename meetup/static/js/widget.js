// The club's page holds one tag, and nothing inline:
//   <script src="https://meetup.example.org/static/js/widget.js" data-series="SLUG" async></script>
// (or data-event="EVENING-SLUG"; data-lang="fr" or "en", else the page's <html lang>).
// It puts our signup form in an <iframe> right after itself and keeps the frame as tall as
// its content. The series must list the page's origin ("Website and tools").
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.src) return;
  var origin = new URL(script.src).origin;
  var data = script.dataset;
  var lang = (data.lang || document.documentElement.lang || "").slice(0, 2).toLowerCase();
  if (lang !== "fr" && lang !== "en") lang = "";
  var path = data.event
    ? "/embed/events/" + encodeURIComponent(data.event)
    : "/embed/series/" + encodeURIComponent(data.series || "");
  var frame = document.createElement("iframe");
  frame.src = origin + path + (lang ? "?lang=" + lang : "");
  frame.title = data.title || (lang === "en" ? "Sign up for the next evening" : "Inscription à la prochaine soirée");
  frame.className = "meetup-signup";
  frame.style.width = "100%";
  frame.style.border = "0";
  frame.style.height = "480px";
  script.parentNode.insertBefore(frame, script.nextSibling);
  window.addEventListener("message", function (event) {
    if (event.origin !== origin || event.source !== frame.contentWindow) return;
    var message = event.data;
    if (message && message.type === "meetup-embed:height" && typeof message.height === "number") {
      frame.style.height = Math.max(120, Math.min(message.height, 20000)) + "px";
    }
  });
})();
