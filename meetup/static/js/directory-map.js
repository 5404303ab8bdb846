// The directory's map: markers from the page's JSON (rounded places unless the person chose
// to show where exactly), tiles from the configured server, if any. No inline script (CSP).
// People shown at the same place (a rounded cell holds many) share one pin that says how
// many they are; its popup lists them all, each with a link to their card and, when they
// accept it, "Introduce us". Pins are real markers: Tab reaches them, Enter opens the list.
// Pins are at least 24 px wide, and places whose pins would overlap at the map's zoom share
// one (drawn again on each zoom): a finger can tap each one (WCAG 2.5.8, axe's target-size).
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

  function countText(n) {
    return box.dataset.labelMany.replace("{n}", String(n));
  }

  function link(href, text, className) {
    var a = document.createElement("a");
    a.href = href;
    a.textContent = text;
    if (className) a.className = className;
    return a;
  }

  function entry(m) {
    var item = document.createElement("li");
    var name = document.createElement("strong");
    if (m.me) {
      name.textContent = box.dataset.labelMe;
      item.appendChild(name);
    } else {
      item.appendChild(link(m.card, m.name, "marker-card"));
    }
    if (m.company) {
      item.appendChild(document.createElement("br"));
      item.appendChild(document.createTextNode(m.company));
    }
    if (m.introduce) {
      item.appendChild(document.createElement("br"));
      item.appendChild(link(m.introduce, box.dataset.labelIntroduce, "marker-introduce"));
    }
    return item;
  }

  function popup(people) {
    var text = document.createElement("div");
    text.className = "marker-popup";
    if (people.length > 1) {
      var heading = document.createElement("p");
      heading.textContent = countText(people.length);
      text.appendChild(heading);
    }
    var list = document.createElement("ul");
    people.forEach(function (m) { list.appendChild(entry(m)); });
    text.appendChild(list);
    if (!people.every(function (m) { return m.exact; })) {
      var small = document.createElement("small");
      small.textContent = box.dataset.labelRounded;
      text.appendChild(small);
    }
    return text;
  }

  fetch(box.dataset.markers, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (response) { return response.ok ? response.json() : { markers: [] }; })
    .then(function (data) {
      var places = {};
      var order = [];
      data.markers.forEach(function (m) {
        var key = m.lat + "," + m.lon;
        if (!places[key]) { places[key] = []; order.push(key); }
        places[key].push(m);
      });
      var layer = L.featureGroup().addTo(map);
      // Two pins closer than this (centre to centre, in pixels) would overlap: one pin.
      var SPACING = 32;
      function draw() {
        layer.clearLayers();
        var groups = [];
        order.forEach(function (key) {
          var people = places[key];
          var point = map.latLngToLayerPoint([people[0].lat, people[0].lon]);
          var near = groups.filter(function (g) { return g.point.distanceTo(point) < SPACING; })[0];
          if (near) {
            near.people = near.people.concat(people);
          } else {
            groups.push({ point: point, people: people.slice() });
          }
        });
        groups.forEach(function (group) {
          var people = group.people;
          var me = people.some(function (m) { return m.me; });
          var exact = people.every(function (m) { return m.exact; });
          var label = people.length > 1 ? countText(people.length)
            : (me ? box.dataset.labelMe : people[0].name);
          var icon = L.divIcon({
            className: "directory-pin" + (me ? " is-me" : "") + (exact ? " is-exact" : "")
              + (people.length > 1 ? " is-many" : ""),
            html: people.length > 1 ? "<span>" + people.length + "</span>" : "",
            iconSize: people.length > 1 ? [30, 30] : [24, 24],
          });
          var marker = L.marker([people[0].lat, people[0].lon], {
            icon: icon, keyboard: true, title: label, alt: label, riseOnHover: true,
          });
          marker.bindPopup(popup(people), { maxHeight: 260 });
          layer.addLayer(marker);
        });
      }
      if (order.length) {
        var bounds = L.latLngBounds(order.map(function (key) {
          return [places[key][0].lat, places[key][0].lon];
        }));
        map.fitBounds(bounds, { padding: [24, 24], maxZoom: 16 });
      } else {
        map.setView([46.6, 2.5], 5);
      }
      draw();
      map.on("zoomend", draw);
      box.dataset.ready = String(data.markers.length);
      box.dataset.places = String(order.length);
    });
})();
