// The embedded signup tells the page that holds it how tall it is (widget.js resizes the
// frame): only a height crosses, to whichever page frames us (CSP frame-ancestors says which
// may).
(function () {
  "use strict";
  if (window.parent === window) return;
  var last = 0;
  function tell() {
    var height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height !== last) {
      last = height;
      window.parent.postMessage({ type: "meetup-embed:height", height: height }, "*");
    }
  }
  if ("ResizeObserver" in window) {
    new ResizeObserver(tell).observe(document.documentElement);
  }
  window.addEventListener("load", tell);
  document.addEventListener("toggle", tell, true); // <details> opened or closed
  tell();
})();
