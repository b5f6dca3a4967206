// The enterprise form's map: click to set the location, or draw a parcel (click its corners,
// then 完成) to set the location and the land area in 亩. The district and park fill in from
// the server's spatial join. Leaflet is the app's own copy; tiles only when configured.
(function () {
  "use strict";
  const box = document.getElementById("place-picker");
  if (!box || !window.L) return;
  const form = box.closest("form");
  const input = (name) => form.querySelector(`[name="${name}"]`);
  const status = document.querySelector("[data-picker-status]");
  const drawButton = document.querySelector("[data-picker-draw]");
  const finishButton = document.querySelector("[data-picker-finish]");
  const words = JSON.parse(box.dataset.words);

  const map = L.map(box, { zoomControl: true, attributionControl: false });
  // The map is drawn in the tiles' system (GCJ-02 for 高德): clicks are sent with it, and the
  // server answers in WGS-84, which is what the form stores.
  const system = box.dataset.tileSystem || "wgs84";
  if (box.dataset.tileUrl) L.tileLayer(box.dataset.tileUrl, { maxZoom: 18 }).addTo(map);
  map.setView([32.6, 110.8], 9);
  fetch(box.dataset.districtsUrl, { credentials: "same-origin" })
    .then((answer) => answer.json())
    .then((outlines) => {
      const layer = L.geoJSON(outlines, { style: { color: "#1e40af", weight: 1, fillOpacity: 0.04 }, interactive: false }).addTo(map);
      map.fitBounds(layer.getBounds());
    })
    .catch(() => say(words.failed));

  let marker = null, drawing = null, vertices = [];
  function say(text) { status.textContent = text; }
  function setMarker(lat, lon) {
    if (marker) marker.setLatLng([lat, lon]); else marker = L.circleMarker([lat, lon], { radius: 7, color: "#b91c1c", interactive: false }).addTo(map);
  }
  function choose(select, value) {
    if (!select || !value) return;
    if ([...select.options].some((option) => option.value === value)) select.value = value;
  }
  function fill(place, where) {
    input("lon").value = place.location.lon.toFixed(6);
    input("lat").value = place.location.lat.toFixed(6);
    const stored = input("coordinate_system");
    if (stored) stored.value = "wgs84";  // the answer is WGS-84, whatever the tiles
    choose(input("district"), place.district);
    choose(input("park"), place.park);
    setMarker(where.lat, where.lng);
    const named = [place.district_name, place.park].filter(Boolean).join(" · ") || words.outside;
    say(place.area_mu ? words.parcel.replace("{mu}", place.area_mu).replace("{where}", named) : words.point.replace("{where}", named));
  }
  async function ask(url, options) {
    const answer = await fetch(url, { credentials: "same-origin", headers: { Accept: "application/json", "Accept-Language": document.documentElement.lang, ...(options && options.headers) }, ...options });
    const body = await answer.json();
    if (!answer.ok) throw new Error((body.error && body.error.message) || answer.status);
    return body;
  }

  map.on("click", async (event) => {
    const { lat, lng } = event.latlng;
    if (drawing) {
      vertices.push([lat, lng]);
      drawing.setLatLngs(vertices);
      finishButton.disabled = vertices.length < 3;
      return;
    }
    try {
      fill(await ask(`${box.dataset.placeUrl}?lon=${lng.toFixed(7)}&lat=${lat.toFixed(7)}&system=${system}`), event.latlng);
    } catch (error) { say(words.failed + " " + error.message); }
  });

  drawButton.addEventListener("click", () => {
    if (drawing) drawing.remove();
    vertices = [];
    drawing = L.polygon([], { color: "#b91c1c", weight: 2, interactive: false }).addTo(map);
    finishButton.hidden = false;
    finishButton.disabled = true;
    say(words.drawing);
  });
  finishButton.addEventListener("click", async () => {
    const ring = vertices.map(([lat, lon]) => [lon, lat]);
    ring.push(ring[0]);
    finishButton.hidden = true;
    const shape = drawing;
    drawing = null;
    try {
      const place = await ask(box.dataset.parcelUrl, {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRFToken": box.dataset.csrf },
        body: JSON.stringify({ type: "Polygon", coordinates: [ring], system: system }),
      });
      input("land_mu").value = place.area_mu;
      fill(place, shape.getBounds().getCenter());
    } catch (error) {
      shape.remove();
      say(words.failed + " " + error.message);
    }
  });
})();
