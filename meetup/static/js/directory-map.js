// The directory's map: markers from the page's JSON (rounded places unless the person chose
// to show where exactly), tiles from the configured server, if any. No inline script (CSP).
(function () {
  "use strict";
  var box = document.getElementById("directory-map");
  if (!box || !window.L) return;

  var map = L.map(box, { scrollWheelZoom: false, zoomControl: false });
  L.control.zoom({ zoomInTitle: box.dataset.zoomIn, zoomOutTitle: box.dataset.zoomOut }).addTo(map);
  var tiles = box.dataset.tiles;
  if (tiles) {
    L.tileLayer(tiles, { maxZoom: 19, attribution: box.dataset.attribution || "" }).addTo(map);
  } else {
    box.classList.add("no-tiles");
  }

  fetch(box.dataset.markers, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) { return response.ok ? response.json() : { markers: [] }; })
    .then(function (data) {
      var layer = L.featureGroup();
      data.markers.forEach(function (m) {
        var marker = L.circleMarker([m.lat, m.lon], {
          radius: m.me ? 10 : 8,
          weight: 2,
          color: m.me ? "#7a4a1e" : "#2a6f97",
          fillOpacity: m.exact ? 0.8 : 0.35,
          className: "directory-marker" + (m.me ? " is-me" : ""),
        });
        var text = document.createElement("div");
        var name = document.createElement("strong");
        name.textContent = m.me ? box.dataset.labelMe : m.name;
        text.appendChild(name);
        if (m.company) {
          text.appendChild(document.createElement("br"));
          text.appendChild(document.createTextNode(m.company));
        }
        if (!m.exact) {
          var small = document.createElement("small");
          small.textContent = box.dataset.labelRounded;
          text.appendChild(document.createElement("br"));
          text.appendChild(small);
        }
        marker.bindPopup(text);
        layer.addLayer(marker);
      });
      layer.addTo(map);
      if (data.markers.length) {
        map.fitBounds(layer.getBounds(), { padding: [24, 24], maxZoom: 16 });
      } else {
        map.setView([46.6, 2.5], 5);
      }
      box.dataset.ready = String(data.markers.length);
    });
})();
