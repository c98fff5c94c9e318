// The parking pages' map: draws the destination and the results from the
// page's own data block (no request leaves the server's origin unless an
// operator configured map tiles). The list and forms work without it.
(function () {
  "use strict";
  var el = document.getElementById("map");
  var dataEl = document.getElementById("map-data");
  if (!el || !dataEl || !window.L) { return; }
  var data = JSON.parse(dataEl.textContent || "{}");
  var map = L.map(el, { zoomControl: true, attributionControl: !!data.tiles });
  if (data.tiles) {
    L.tileLayer(data.tiles, { maxZoom: 19 }).addTo(map);
  } else {
    el.classList.add("no-tiles");
  }
  L.control.scale({ imperial: false }).addTo(map);
  // Give the map its view first: Leaflet draws layers only once it has one.
  var bounds = [];
  if (data.dest) { bounds.push([data.dest.lat, data.dest.lng]); }
  (data.points || []).forEach(function (p) { bounds.push([p.lat, p.lng]); });
  if (bounds.length > 1) {
    map.fitBounds(bounds, { padding: [24, 24], maxZoom: 17 });
  } else if (bounds.length === 1) {
    map.setView(bounds[0], 16);
  } else {
    map.setView([30.25, 120.17], 12);
  }
  if (data.dest) {
    L.circleMarker([data.dest.lat, data.dest.lng], { radius: 9, color: "#c0392b", weight: 3, fillOpacity: 0.2 })
      .addTo(map).bindTooltip(data.dest.name, { permanent: true, direction: "top" });
  }
  (data.points || []).forEach(function (p) {
    var color = p.free === null ? "#8a96a3" : (p.free > 0 ? "#1e7e34" : "#c0392b");
    var m = L.circleMarker([p.lat, p.lng], { radius: 8, color: color, weight: 2, fillColor: color, fillOpacity: 0.7 })
      .addTo(map).bindPopup("<strong></strong><br><span></span>");
    m.on("popupopen", function (e) {
      var node = e.popup.getElement();
      node.querySelector("strong").textContent = p.name;
      node.querySelector("span").textContent = p.label;
      var li = document.querySelector('[data-testid=result][data-id="' + p.id + '"]');
      if (li) { li.classList.add("focus"); li.scrollIntoView({ block: "nearest" }); }
    });
    var path = m.getElement();
    if (path) { path.setAttribute("data-testid", "map-point"); path.setAttribute("data-id", String(p.id)); }
  });
  // Tap the map to pick a destination.
  var lat = document.getElementById("lat"), lng = document.getElementById("lng"), coord = document.getElementById("coord");
  map.on("click", function (e) {
    if (!lat || !lng) { return; }
    lat.value = e.latlng.lat.toFixed(6);
    lng.value = e.latlng.lng.toFixed(6);
    if (coord) { coord.value = data.crs || "wgs84"; }
    var place = document.getElementById("place");
    if (place) { place.value = ""; }
  });
  // Use the phone's position (WGS-84 from GPS).
  var locate = document.getElementById("locate");
  if (locate && navigator.geolocation) {
    locate.hidden = false;
    locate.addEventListener("click", function () {
      navigator.geolocation.getCurrentPosition(function (pos) {
        lat.value = pos.coords.latitude.toFixed(6);
        lng.value = pos.coords.longitude.toFixed(6);
        if (coord) { coord.value = "wgs84"; }
        locate.form.submit();
      });
    });
  }
})();
