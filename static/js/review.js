/* Small maps on staff pages: show a report's place (and let a coordinator drag it), pick a
 * point for a field report, or draw the queue's area filter with Shift + drag.
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
