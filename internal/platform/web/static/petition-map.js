// The petition forms' map pick (petition/templates new.html and entry.html):
// tap the map or drag the marker to fill the form's lat/lng inputs, or use
// the device's position. The inputs stay in the form and work without this
// script; the page passes its settings and messages in data- attributes of
// [data-map-pick] (the content security policy runs no inline script).
//
// The map and the inputs are WGS-84 — what GPS gives and what petitions are
// stored in — as on the parking pages' map. Tiles come only from the
// operator's template (data-tiles); without one the map is a plain grid and
// the pick still works.
(function () {
  "use strict";
  if (!window.L) { return; }
  // No unit with coordinates: start on the whole country.
  var COUNTRY = [35, 105], COUNTRY_ZOOM = 4, POINT_ZOOM = 16;

  // value reads a coordinate input as the server does (a plain number).
  function value(input) {
    var s = input.value.trim();
    if (s === "") { return null; }
    var v = Number(s);
    return isFinite(v) ? v : NaN;
  }

  function valid(lat, lng) {
    return typeof lat === "number" && typeof lng === "number" && !isNaN(lat) && !isNaN(lng) &&
      lat >= -90 && lat <= 90 && lng >= -180 && lng <= 180;
  }

  function setup(box) {
    var form = box.closest("form");
    var lat = form && form.querySelector("input[name=lat]");
    var lng = form && form.querySelector("input[name=lng]");
    var el = box.querySelector(".map-pick-map");
    if (!lat || !lng || !el) { return; }
    var d = box.dataset;
    var status = box.querySelector(".map-pick-status");
    box.hidden = false; // shown before the map is made, so Leaflet sees its size
    var field = box.closest(".field");
    if (field) { field.classList.add("map-on"); }

    var map = L.map(el, { attributionControl: !!d.tiles });
    if (d.tiles) {
      L.tileLayer(d.tiles, { maxZoom: 19 }).addTo(map);
    } else {
      el.classList.add("no-tiles");
    }
    L.control.scale({ imperial: false }).addTo(map);
    el.anjuMap = map; // for the page's tests and other scripts

    var marker = null;
    function say(text, isError) {
      if (!status) { return; }
      status.textContent = text || "";
      status.classList.toggle("error", !!isError);
    }
    function fill(ll) {
      lat.value = ll.lat.toFixed(6);
      lng.value = ll.lng.toFixed(6);
    }
    function place(ll) {
      if (marker) {
        marker.setLatLng(ll);
        return;
      }
      marker = L.marker(ll, { draggable: true, autoPan: true, title: d.msgMarker || "", alt: d.msgMarker || "" }).addTo(map);
      var icon = marker.getElement();
      if (icon) { icon.setAttribute("data-testid", "map-marker"); }
      marker.on("dragend", function () {
        var p = marker.getLatLng().wrap();
        marker.setLatLng(p);
        fill(p);
        say("");
      });
    }
    function unplace() {
      if (marker) {
        map.removeLayer(marker);
        marker = null;
      }
    }

    // Start on the point the form already holds (a form shown again with
    // its errors, or filled in before), else on the unit's centre.
    var y = value(lat), x = value(lng);
    if (valid(y, x)) {
      map.setView([y, x], POINT_ZOOM);
      place(L.latLng(y, x));
    } else {
      var c = (d.center || "").split(",").map(Number);
      if (c.length === 2 && valid(c[0], c[1])) {
        map.setView(c, Number(d.zoom) || 12);
      } else {
        map.setView(COUNTRY, COUNTRY_ZOOM);
      }
    }

    // Tap or click: the point.
    map.on("click", function (e) {
      var p = e.latlng.wrap();
      place(p);
      fill(p);
      say("");
    });

    // Typing still works; the marker follows a complete, valid pair.
    function typed() {
      var y = value(lat), x = value(lng);
      if (y === null && x === null) {
        unplace();
      } else if (valid(y, x)) {
        place(L.latLng(y, x));
        map.panTo([y, x]);
      }
    }
    lat.addEventListener("change", typed);
    lng.addEventListener("change", typed);

    var clear = box.querySelector("[data-map-clear]");
    if (clear) {
      clear.addEventListener("click", function (e) {
        e.preventDefault();
        lat.value = "";
        lng.value = "";
        unplace();
        say("");
      });
    }

    var locate = box.querySelector("[data-map-locate]");
    if (locate) {
      locate.addEventListener("click", function () {
        // Browsers give no position to pages served over plain HTTP.
        if (!navigator.geolocation || window.isSecureContext === false) {
          say(d.msgUnavailable, true);
          return;
        }
        locate.disabled = true;
        say(d.msgLocating);
        navigator.geolocation.getCurrentPosition(function (pos) {
          locate.disabled = false;
          var p = L.latLng(pos.coords.latitude, pos.coords.longitude);
          place(p);
          fill(p);
          map.setView(p, Math.max(map.getZoom(), POINT_ZOOM));
          say((d.msgLocated || "").replace("{m}", String(Math.round(pos.coords.accuracy || 0))));
        }, function (err) {
          locate.disabled = false;
          say(err && err.code === 1 ? d.msgDenied : d.msgUnavailable, true);
        }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
      });
    }
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-map-pick]"), setup);
})();
