// Maps to place an office's pin: drag the pin (or tap the map) to where the office is, then
// save. The personal page has one (#office-map, #pin-form); the organisers' address fixer
// has one per address to fix ([data-pin-map], its form named by data-form), made when its
// section opens. Works without a geocoder: the form posts plain latitude and longitude.
(function () {
  "use strict";
  if (!window.L) return;

  function setup(box, form, hint) {
    var lat = form.querySelector("[name$=latitude]");
    var lon = form.querySelector("[name$=longitude]");
    var save = form.querySelector("button[type=submit]");
    var keepSave = box.dataset.keepOpen === "1";  // the fixer's Save also sends an address
    var coordinates = form.querySelector(".pin-coordinates");
    if (coordinates && !form.querySelector("[aria-invalid=true]")) coordinates.open = false;

    var map = L.map(box, { zoomControl: false });
    L.control.zoom({ zoomInTitle: box.dataset.zoomIn, zoomOutTitle: box.dataset.zoomOut }).addTo(map);
    if (box.dataset.tiles) {
      L.tileLayer(box.dataset.tiles, { maxZoom: 19, attribution: box.dataset.attribution || "" }).addTo(map);
    } else {
      box.classList.add("no-tiles");
    }
    var start = lat.value && lon.value ? [parseFloat(lat.value), parseFloat(lon.value)] : null;
    var centre = start || [parseFloat(box.dataset.lat || "46.6"), parseFloat(box.dataset.lon || "2.5")];
    map.setView(centre, start ? 17 : parseInt(box.dataset.zoom || "13", 10));

    var marker = null;
    function put(latlng) {
      if (!marker) {
        marker = L.marker(latlng, {
          draggable: true, autoPan: true, keyboard: true, title: box.dataset.label, alt: box.dataset.label,
        }).addTo(map);
        marker.on("dragend", function () { put(marker.getLatLng()); });
        // Without a mouse or a finger: the arrow keys move the focused pin by about 5 m (the
        // hint shows once there is a pin to move).
        if (hint) hint.hidden = false;
        marker.getElement().addEventListener("keydown", function (event) {
          var step = { ArrowUp: [1, 0], ArrowDown: [-1, 0], ArrowLeft: [0, -1], ArrowRight: [0, 1] }[event.key];
          if (!step) return;
          event.preventDefault();
          var at = marker.getLatLng();
          put(L.latLng(at.lat + step[0] * 0.00005, at.lng + step[1] * 0.00007));
          map.panTo(marker.getLatLng());
        });
      }
      marker.setLatLng(latlng);
      lat.value = latlng.lat.toFixed(6);
      lon.value = latlng.lng.toFixed(6);
      save.disabled = false;
    }
    if (start) put(L.latLng(start[0], start[1]));
    if (!keepSave) save.disabled = !start;
    map.on("click", function (event) { put(event.latlng); });
    // Typed coordinates move the pin too, and may be saved as they are.
    function typed() {
      var a = parseFloat(lat.value.replace(",", ".")), b = parseFloat(lon.value.replace(",", "."));
      if (isFinite(a) && isFinite(b) && Math.abs(a) <= 90 && Math.abs(b) <= 180) {
        var asTyped = [lat.value, lon.value];
        var at = L.latLng(a, b);
        put(at);
        // Left as typed (the cursor stays put; the form reads "45,52" too).
        lat.value = asTyped[0];
        lon.value = asTyped[1];
        map.setView(at, Math.max(map.getZoom(), 15));
      }
    }
    // On each keystroke: on a phone, "change" waits for the keyboard to close, and the first
    // tap on Save only closed it.
    lat.addEventListener("input", typed);
    lon.addEventListener("input", typed);
    box.dataset.ready = "1";
  }

  var own = document.getElementById("office-map");
  if (own) setup(own, document.getElementById("pin-form"), document.getElementById("pin-keys"));

  Array.prototype.forEach.call(document.querySelectorAll("[data-pin-map]"), function (box) {
    var form = document.getElementById(box.dataset.form);
    var section = box.closest("details");
    function open() {
      if (box.dataset.ready) return;
      setup(box, form, null);
    }
    if (!section || section.open) { open(); return; }
    // A map drawn in a closed section has no size: draw it when the section opens.
    section.addEventListener("toggle", function () { if (section.open) open(); });
  });
})();
