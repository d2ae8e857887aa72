/* The paper-entry screen: one digit answers a choice and moves on; Enter moves on, and on the
 * last question saves the sheet; Ctrl+Enter saves from anywhere. Without this script the form
 * is an ordinary form: Tab between fields, the button saves. */
(function () {
  "use strict";
  var form = document.getElementById("sheet-form");
  if (!form) { return; }
  var fields = Array.prototype.slice.call(form.querySelectorAll(".sheet-questions input"));
  var save = document.getElementById("save-sheet");
  var number = document.getElementById("sheet_number");

  function next(field) {
    var i = fields.indexOf(field);
    var target = i >= 0 && i + 1 < fields.length ? fields[i + 1] : save;
    target.focus();
    if (target.select) { target.select(); }
  }

  fields.forEach(function (field) {
    var options = parseInt(field.getAttribute("data-one-key") || "0", 10);
    if (options) {
      field.addEventListener("input", function () {
        var value = field.value;
        if (/^[0-9]$/.test(value) && parseInt(value, 10) <= options) { next(field); }
      });
    }
  });

  form.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" || event.target.tagName !== "INPUT") { return; }
    event.preventDefault();
    if (event.ctrlKey || event.metaKey || event.target === fields[fields.length - 1]) {
      form.requestSubmit ? form.requestSubmit() : form.submit();
    } else if (event.target === number) {
      fields[0].focus();
    } else {
      next(event.target);
    }
  });

  // A place by a click on the map: the field gets "lat, lon"; the server checks the kommun.
  if (typeof L !== "undefined") {
    Array.prototype.forEach.call(form.querySelectorAll(".sheet-map"), function (el) {
      var input = document.getElementById(el.getAttribute("data-for"));
      el.hidden = false;
      var map = L.map(el, { keyboard: false });
      map.fitBounds(L.latLngBounds(JSON.parse(el.getAttribute("data-bounds"))));
      L.tileLayer(el.getAttribute("data-tile-url"), {
        attribution: el.getAttribute("data-tile-attribution"), maxZoom: 19
      }).addTo(map);
      var marker = null;
      map.on("click", function (event) {
        var lat = event.latlng.lat.toFixed(5), lon = event.latlng.lng.toFixed(5);
        input.value = lat + ", " + lon;
        if (marker) { marker.setLatLng(event.latlng); } else { marker = L.marker(event.latlng).addTo(map); }
        next(input);
      });
    });
  }

  var invalid = form.querySelector("[aria-invalid=true]");
  if (invalid) { invalid.focus(); }
})();
