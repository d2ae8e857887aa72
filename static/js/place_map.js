/* The status page's small map: where the report is, for recognising it, not for moving it.
 * Without tiles it still shows the pin on grey; without script the place's name says it. */
(function () {
  "use strict";
  var el = document.getElementById("place-map");
  if (!el || typeof L === "undefined") { return; }
  var data = el.dataset;
  var point = L.latLng(+data.lat, +data.lon);
  var map = L.map(el, {
    zoomControl: false, dragging: false, scrollWheelZoom: false, doubleClickZoom: false,
    boxZoom: false, keyboard: false, touchZoom: false, attributionControl: true
  }).setView(point, 16);
  L.tileLayer(data.tileUrl, { attribution: data.tileAttribution, maxZoom: 19 }).addTo(map);
  L.circleMarker(point, { radius: 9, color: "#1d4f91", weight: 3, fillOpacity: 0.5, interactive: false })
    .addTo(map);
})();
