/* Small maps on staff pages: show a report's place (and let a coordinator drag it), pick a
 * point for a field report, draw the queue's area filter with Shift + drag, or draw a focus
 * area's polygon by clicking its corners.
 * Every map is optional: the inputs beside it work without it. */
(function () {
  "use strict";
  if (typeof L === "undefined") { return; }

  function input(id) { return id ? document.getElementById(id) : null; }

  function setup(el) {
    var data = el.dataset;
    var map = L.map(el, { keyboard: true, boxZoom: !data.bboxInput });
    map.fitBounds(L.latLngBounds(JSON.parse(data.bounds)));
    L.tileLayer(data.tileUrl, { attribution: data.tileAttribution, maxZoom: 19 }).addTo(map);

    var latInput = input(data.latInput);
    var lonInput = input(data.lonInput);
    var marker = null;

    function place(latlng) {
      if (!marker) {
        marker = L.marker(latlng, { draggable: !!latInput, keyboard: true }).addTo(map);
        marker.on("dragend", function () { write(marker.getLatLng()); });
      } else {
        marker.setLatLng(latlng);
      }
    }
    function write(latlng) {
      if (!latInput || !lonInput) { return; }
      latInput.value = latlng.lat.toFixed(6);
      lonInput.value = latlng.lng.toFixed(6);
    }
    function readInputs() {
      var lat = parseFloat(latInput && latInput.value);
      var lon = parseFloat(lonInput && lonInput.value);
      return isFinite(lat) && isFinite(lon) ? L.latLng(lat, lon) : null;
    }

    if (data.lat && data.lon) {
      var point = L.latLng(+data.lat, +data.lon);
      place(point);
      map.setView(point, 16);
    }
    if (latInput && lonInput) {
      map.on("click", function (e) { place(e.latlng); write(e.latlng); });
      [latInput, lonInput].forEach(function (field) {
        field.addEventListener("change", function () {
          var typed = readInputs();
          if (typed) { place(typed); map.panTo(typed); }
        });
      });
      var start = readInputs();
      if (start && !data.lat) { place(start); map.setView(start, 16); }
    }

    var bboxInput = input(data.bboxInput);
    if (bboxInput) { areaFilter(map, el, bboxInput); }
    var polygonInput = input(data.polygonInput);
    if (polygonInput) { polygonEditor(map, el, polygonInput); }
  }

  // Click to add a corner; the hidden input holds the GeoJSON (lon, lat order).
  // "Undo" takes the last corner back, "Clear" starts again. Uploading a file is the keyboard
  // alternative, so the map stays optional.
  function polygonEditor(map, el, polygonInput) {
    var undo = document.getElementById(el.id + "-undo");
    var clear = document.getElementById(el.id + "-clear");
    var status = document.getElementById(el.id + "-status");
    var corners = [];
    var kept = null;
    var shape = L.polygon([], { color: "#1d4f91", weight: 2, fillOpacity: 0.15 }).addTo(map);

    function write() {
      var points = corners.map(function (m) { return m.getLatLng(); });
      shape.setLatLngs(points);
      if (points.length >= 3) {
        var ring = points.map(function (p) { return [+p.lng.toFixed(6), +p.lat.toFixed(6)]; });
        ring.push(ring[0]);
        polygonInput.value = JSON.stringify({ type: "Polygon", coordinates: [ring] });
      } else {
        polygonInput.value = "";
      }
      if (undo) { undo.disabled = corners.length === 0; }
      if (clear) { clear.disabled = corners.length === 0; }
      if (status) { status.textContent = status.dataset.template.replace("%n", corners.length); }
      el.dataset.corners = corners.length;
    }
    function add(latlng) {
      if (kept) { map.removeLayer(kept); kept = null; }
      var corner = L.circleMarker(latlng, { radius: 6, color: "#1d4f91", fillOpacity: 1 });
      corner.addTo(map);
      corners.push(corner);
      write();
    }
    function removeAll() {
      if (kept) { map.removeLayer(kept); kept = null; }
      corners.forEach(function (m) { map.removeLayer(m); });
      corners = [];
      write();
    }
    function read() {
      try {
        var geometry = JSON.parse(polygonInput.value || "null");
      } catch (e) { return; }
      if (geometry && geometry.type === "MultiPolygon") {
        // An uploaded area of several parts is shown as it is; clicking starts a new one.
        kept = L.geoJSON(geometry, { style: { color: "#1d4f91", weight: 2 } }).addTo(map);
        map.fitBounds(kept.getBounds().pad(0.3));
        return;
      }
      if (!geometry || geometry.type !== "Polygon") { return; }
      var ring = geometry.coordinates[0].slice(0, -1);
      ring.forEach(function (c) { add(L.latLng(c[1], c[0])); });
      if (ring.length) { map.fitBounds(shape.getBounds().pad(0.3)); }
    }

    // A map first laid out inside a closed <details> has no size until it opens.
    var details = el.closest("details");
    if (details) {
      details.addEventListener("toggle", function () {
        if (!details.open) { return; }
        map.invalidateSize();
        if (corners.length) { map.fitBounds(shape.getBounds().pad(0.3)); } else if (!kept) {
          map.fitBounds(L.latLngBounds(JSON.parse(el.dataset.bounds)));
        }
      });
    }
    map.doubleClickZoom.disable();
    map.on("click", function (e) { add(e.latlng); });
    if (undo) {
      undo.addEventListener("click", function () {
        var last = corners.pop();
        if (!last) { return; }
        map.removeLayer(last);
        write();
      });
    }
    if (clear) { clear.addEventListener("click", removeAll); }
    read();
    if (kept) {
      if (undo) { undo.disabled = true; }
    } else {
      write();
    }
    el.classList.add("polygon-ready");
  }

  // Shift + drag draws a rectangle (the browser's usual box-zoom gesture, repurposed).
  function areaFilter(map, el, bboxInput) {
    var clear = document.getElementById("area-clear");
    var rect = null;
    var start = null;

    function show(bounds) {
      if (rect) { rect.setBounds(bounds); } else {
        rect = L.rectangle(bounds, { color: "#1d4f91", weight: 2, fillOpacity: 0.1 }).addTo(map);
      }
      if (clear) { clear.hidden = false; }
    }
    function fromInput() {
      var parts = bboxInput.value.split(",").map(parseFloat);
      if (parts.length === 4 && parts.every(isFinite)) {
        var bounds = L.latLngBounds([parts[0], parts[1]], [parts[2], parts[3]]);
        show(bounds);
        map.fitBounds(bounds.pad(0.2));
      }
    }
    map.on("mousedown", function (e) {
      if (!e.originalEvent.shiftKey) { return; }
      start = e.latlng;
      map.dragging.disable();
    });
    map.on("mousemove", function (e) {
      if (start) { show(L.latLngBounds(start, e.latlng)); }
    });
    map.on("mouseup", function (e) {
      if (!start) { return; }
      var bounds = L.latLngBounds(start, e.latlng);
      start = null;
      map.dragging.enable();
      show(bounds);
      bboxInput.value = [bounds.getSouth(), bounds.getWest(), bounds.getNorth(), bounds.getEast()]
        .map(function (v) { return v.toFixed(5); }).join(",");
    });
    if (clear) {
      clear.addEventListener("click", function () {
        bboxInput.value = "";
        if (rect) { map.removeLayer(rect); rect = null; }
        clear.hidden = true;
        bboxInput.focus();
      });
    }
    bboxInput.addEventListener("change", fromInput);
    fromInput();
    el.classList.add("area-ready");
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-review-map]"), setup);
})();
