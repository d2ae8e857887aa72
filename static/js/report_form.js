/* The report form's map: a pin picker that works by mouse, touch and keyboard, and
 * without tiles (grey background) or without the map at all (the landmark list). */
(function () {
  "use strict";

  var form = document.getElementById("report-form");
  var mapEl = document.getElementById("map");
  if (!form || !mapEl || typeof L === "undefined") { return; }

  var latInput = document.getElementById("lat");
  var lonInput = document.getElementById("lon");
  var methodInput = document.getElementById("location_method");
  var statusEl = document.getElementById("pin-status");
  var landmarkSelect = document.getElementById("landmark");
  var nearbyBox = document.getElementById("nearby");
  var nearbyMessage = document.getElementById("nearby-message");
  var text = mapEl.dataset;

  var boundary = JSON.parse(document.getElementById("kommun-boundary").textContent);
  var landmarks = Array.prototype.map.call(
    document.querySelectorAll("#landmark-coords li"),
    function (li) {
      return { id: li.dataset.id, name: li.textContent, lat: +li.dataset.lat, lon: +li.dataset.lon };
    }
  );

  var map = L.map(mapEl, { keyboard: true, zoomSnap: 0.5, zoomControl: false });
  L.control.zoom({ zoomInTitle: text.zoomIn, zoomOutTitle: text.zoomOut }).addTo(map);
  // Start on the town where the named places are; the whole kommun is a zoom away.
  var start = landmarks.length > 1
    ? L.latLngBounds(landmarks.map(function (lm) { return [lm.lat, lm.lon]; })).pad(0.3)
    : L.latLngBounds(JSON.parse(text.bounds));
  map.fitBounds(start);
  var tiles = L.tileLayer(text.tileUrl, { attribution: text.tileAttribution, maxZoom: 19 });
  var tileFailures = 0;
  tiles.on("tileerror", function () {
    tileFailures += 1;
    if (tileFailures === 1) { document.getElementById("tiles-failed").hidden = false; }
  });
  tiles.addTo(map);
  L.geoJSON(boundary, {
    style: { color: "#1d4f91", weight: 2, fillOpacity: 0.04 },
    interactive: false
  }).addTo(map);
  // The dots are named but kept out of the tab order: the list below the map holds the same
  // places, one Tab away through "Hoppa över kartan".
  landmarks.forEach(function (lm) {
    var dot = L.circleMarker([lm.lat, lm.lon], {
      radius: 6, color: "#444", weight: 1, fillOpacity: 0.6
    }).bindTooltip(lm.name).addTo(map);
    var el = dot.getElement();
    el.setAttribute("tabindex", "-1");
    el.setAttribute("aria-label", lm.name);
    el.setAttribute("role", "img");
    el.dataset.landmark = lm.id;
  });

  // A tap this close to a landmark's dot (in screen pixels) means the landmark.
  var LANDMARK_TAP_PX = 16;
  function tappedLandmark(latlng) {
    var tap = map.latLngToContainerPoint(latlng);
    var best = null, bestPx = Infinity;
    landmarks.forEach(function (lm) {
      var px = tap.distanceTo(map.latLngToContainerPoint([lm.lat, lm.lon]));
      if (px < bestPx) { bestPx = px; best = lm; }
    });
    return bestPx <= LANDMARK_TAP_PX ? best : null;
  }

  var marker = null;
  var pinnedLandmark = null;

  function say(message) { statusEl.textContent = message; }

  // Ray casting on the GeoJSON rings; the server checks again with shapely.
  function inRing(lat, lon, ring) {
    var inside = false;
    for (var i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      var xi = ring[i][0], yi = ring[i][1], xj = ring[j][0], yj = ring[j][1];
      if ((yi > lat) !== (yj > lat) && lon < (xj - xi) * (lat - yi) / (yj - yi) + xi) {
        inside = !inside;
      }
    }
    return inside;
  }
  function inPolygon(lat, lon, rings) {
    if (!inRing(lat, lon, rings[0])) { return false; }
    for (var k = 1; k < rings.length; k++) { if (inRing(lat, lon, rings[k])) { return false; } }
    return true;
  }
  function insideKommun(lat, lon) {
    var polys = boundary.type === "Polygon" ? [boundary.coordinates] : boundary.coordinates;
    return polys.some(function (rings) { return inPolygon(lat, lon, rings); });
  }

  function nearestLandmark(lat, lon) {
    var best = null, bestD = Infinity;
    landmarks.forEach(function (lm) {
      var dy = (lm.lat - lat) * 111000;
      var dx = (lm.lon - lon) * 111000 * Math.cos(lat * Math.PI / 180);
      var d = Math.sqrt(dx * dx + dy * dy);
      if (d < bestD) { bestD = d; best = lm; }
    });
    return best && bestD < 1500 ? best : null;
  }

  function describe(lat, lon, method) {
    if (method === "landmark" && pinnedLandmark) {
      return text.atLandmark.replace("{place}", pinnedLandmark.name);
    }
    var near = nearestLandmark(lat, lon);
    var where = lat.toFixed(5) + ", " + lon.toFixed(5);
    return text.placed + (near ? " " + text.near + " " + near.name : "") + " (" + where + ").";
  }

  function setPin(latlng, method) {
    if (!insideKommun(latlng.lat, latlng.lng)) {
      say(text.outside);
      return;
    }
    if (!marker) {
      marker = L.marker(latlng, {
        draggable: true, keyboard: true, title: text.pinTitle, alt: text.pinTitle
      });
      marker.on("dragend", function () { setPin(marker.getLatLng(), "map"); });
      marker.addTo(map);
      marker.getElement().addEventListener("keydown", nudgePin);
    } else {
      marker.setLatLng(latlng);
    }
    if (method !== "landmark" && pinnedLandmark) {
      // The pin left the landmark it was tapped on: the place is now the pin's.
      if (landmarkSelect && landmarkSelect.value === pinnedLandmark.id) { landmarkSelect.value = ""; }
      pinnedLandmark = null;
    }
    latInput.value = latlng.lat.toFixed(6);
    lonInput.value = latlng.lng.toFixed(6);
    methodInput.value = method;
    document.getElementById("pin-clear").hidden = false;
    say(describe(latlng.lat, latlng.lng, method));
    showNearby(latlng.lat, latlng.lng);
  }

  // With the pin focused, arrow keys move it (Shift for bigger steps) and say where it is.
  var STEPS = { ArrowUp: [0, -1], ArrowDown: [0, 1], ArrowLeft: [-1, 0], ArrowRight: [1, 0] };
  function nudgePin(event) {
    var step = STEPS[event.key];
    if (!step || !marker) { return; }
    event.preventDefault();
    event.stopPropagation();
    var px = event.shiftKey ? 50 : 10;
    var point = map.latLngToContainerPoint(marker.getLatLng()).add([step[0] * px, step[1] * px]);
    setPin(map.containerPointToLatLng(point), "map");
    map.panInside(marker.getLatLng(), { padding: [40, 40] });
  }

  function clearPin() {
    if (marker) { map.removeLayer(marker); marker = null; }
    if (pinnedLandmark && landmarkSelect && landmarkSelect.value === pinnedLandmark.id) {
      landmarkSelect.value = "";
    }
    pinnedLandmark = null;
    latInput.value = "";
    lonInput.value = "";
    document.getElementById("pin-clear").hidden = true;
    window.clearTimeout(nearbyTimer);
    nearbyBox.hidden = true;
    suggestNear([]);
    say(text.removed);
  }

  // Ask once the pin rests: nudging it with the arrow keys should not send a request per step.
  var nearbyTimer = null;
  function showNearby(lat, lon) {
    window.clearTimeout(nearbyTimer);
    nearbyTimer = window.setTimeout(function () { fetchNearby(lat, lon); }, 300);
  }

  function fetchNearby(lat, lon) {
    var url = text.nearbyUrl + "?lat=" + encodeURIComponent(lat) + "&lon=" + encodeURIComponent(lon);
    fetch(url, { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : { count: 0 }; })
      .then(function (data) {
        nearbyBox.hidden = !(data.count > 0);
        nearbyMessage.textContent = data.count > 0 ? data.message : "";
        suggestNear(data.count > 0 && data.reasons ? data.reasons.map(function (r) { return r.code; }) : []);
      })
      .catch(function () { nearbyBox.hidden = true; });
  }

  // The reasons others chose in the pin's cell (k-rule aggregates from the nearby answer)
  // move up among the suggested ones; a new place puts the last place's back in their group.
  var suggestedBox = document.getElementById("suggested-reasons");
  var suggestedHint = document.getElementById("suggested-hint");
  var borrowed = [];
  var kommunHint = suggestedHint ? suggestedHint.textContent : "";
  function suggestNear(codes) {
    if (!suggestedBox) { return; }
    borrowed.forEach(function (choice) {
      var home = document.getElementById(choice.dataset.group);
      if (home) { home.appendChild(choice); }
    });
    borrowed = [];
    var first = suggestedHint.nextElementSibling;
    codes.forEach(function (code) {
      var input = document.getElementById("reason-" + code.replace(/\./g, "-"));
      var choice = input && input.closest(".choice");
      if (!choice || !choice.dataset.group) { return; }  // already suggested for the kommun
      suggestedBox.insertBefore(choice, first);
      borrowed.push(choice);
    });
    suggestedHint.textContent = borrowed.length ? suggestedHint.dataset.near : kommunHint;
    showReasonsForKind();
  }

  function pinAtLandmark(lm) {
    pinnedLandmark = lm;
    if (landmarkSelect) { landmarkSelect.value = lm.id; }
    setPin(L.latLng(lm.lat, lm.lon), "landmark");
  }

  map.on("click", function (e) {
    var lm = tappedLandmark(e.latlng);
    if (lm) { pinAtLandmark(lm); } else { setPin(e.latlng, "map"); }
  });

  var centreButton = document.getElementById("pin-centre");
  centreButton.hidden = false;
  centreButton.addEventListener("click", function () { setPin(map.getCenter(), "map"); });
  document.getElementById("pin-clear").addEventListener("click", clearPin);

  var locate = document.getElementById("locate");
  if ("geolocation" in navigator) {
    locate.hidden = false;
    locate.addEventListener("click", function () {
      say(text.locating);
      navigator.geolocation.getCurrentPosition(
        function (pos) {
          var here = L.latLng(pos.coords.latitude, pos.coords.longitude);
          map.setView(here, 17);
          setPin(here, "gps");
        },
        function () { say(text.locateFailed); },
        { enableHighAccuracy: true, timeout: 10000 }
      );
    });
  }

  if (landmarkSelect) {
    landmarkSelect.addEventListener("change", function () {
      var lm = landmarks.filter(function (l) { return l.id === landmarkSelect.value; })[0];
      if (!lm) { return; }
      map.setView([lm.lat, lm.lon], 16);
      if (!marker) { showNearby(lm.lat, lm.lon); }
    });
  }

  // Keep the kind's questions in view: only the reason groups that fit "otrygg" or "trygg",
  // and "Hur otrygg?" and "Jag känner likadant" only about an unsafe place.
  var kindInputs = form.querySelectorAll("input[name=kind]");
  function showReasonsForKind() {
    var checked = form.querySelector("input[name=kind]:checked");
    var kind = checked ? checked.value : "otrygg";
    form.querySelectorAll("[data-kind]").forEach(function (part) {
      part.hidden = part.dataset.kind !== kind ||
        (part.id === "suggested-reasons" && !part.querySelector(".choice"));
    });
    if (kind === "trygg") {
      form.querySelectorAll("input[name=unsafe_level]").forEach(function (input) {
        input.checked = false;
      });
    }
  }
  Array.prototype.forEach.call(kindInputs, function (input) {
    input.addEventListener("change", showReasonsForKind);
  });
  showReasonsForKind();

  // A pin kept from a failed submit is shown again.
  if (latInput.value && lonInput.value) {
    var kept = L.latLng(+latInput.value, +lonInput.value);
    if (isFinite(kept.lat) && isFinite(kept.lng)) {
      map.setView(kept, 16);
      var keptLandmark = /^(landmark|address)$/.test(methodInput.value) && landmarkSelect
        ? landmarks.filter(function (l) { return l.id === landmarkSelect.value; })[0]
        : null;
      if (keptLandmark) { pinAtLandmark(keptLandmark); }
      else { setPin(kept, methodInput.value === "gps" ? "gps" : "map"); }
    }
  }
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
})();
