// Hazard pages: the hazard's point on its cell's boundary, the phone's location on the
// report form, and forms that cannot be sent twice by a double tap.
import { drawMap, L, textTip } from "./basemap.js";
import { placeName, positionFailed, showPlace } from "./place.js";

function drawHazard(element) {
  drawMap(
    element,
    {
      style: () => ({ color: "#b3261e", weight: 2, fillOpacity: 0.05 }),
      // A drawn circle, not an image marker: no icon files to serve.
      pointToLayer: (feature, latlng) =>
        L.circleMarker(latlng, { radius: 8, color: "#fff", weight: 2, fillColor: "#b3261e", fillOpacity: 1 }),
      onEachFeature: (feature, shape) => shape.bindTooltip(textTip(feature.properties.name)),
    },
    { padding: [12, 12], maxZoom: 15 },
  );
}

// Name the place of the point in ``button``'s form (its coordinates alone when offline).
async function name(button, status, lon, lat) {
  try {
    const found = await placeName(button.dataset.locateUrl, lon, lat);
    showPlace(status, found.label || found.error, lon, lat);
  } catch {
    status.textContent = `${lon}, ${lat}`;
  }
}

function locate(button) {
  const form = button.closest("form");
  const status = form.querySelector("[data-locate-status]");
  if (!navigator.geolocation) {
    status.textContent = "此设备不支持定位，请选择所在网格";
    return;
  }
  status.textContent = "正在定位…";
  navigator.geolocation.getCurrentPosition(
    async (position) => {
      const lon = position.coords.longitude.toFixed(6);
      const lat = position.coords.latitude.toFixed(6);
      form.querySelector("input[name=lon]").value = lon;
      form.querySelector("input[name=lat]").value = lat;
      status.textContent = `${lon}, ${lat}`;
      await name(button, status, lon, lat);
      status.dataset.located = "1";
    },
    (error) => {
      status.textContent = `定位失败（${positionFailed(error)}），请选择所在网格`;
    },
    { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
  );
}

document.querySelectorAll("[data-hazard-map]").forEach(drawHazard);
// A form shown again (after an error) keeps its point: name its place again.
document.querySelectorAll("[data-locate]").forEach((button) => {
  const form = button.closest("form");
  const lon = form.querySelector("input[name=lon]")?.value;
  const lat = form.querySelector("input[name=lat]")?.value;
  if (lon && lat) name(button, form.querySelector("[data-locate-status]"), lon, lat);
});
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-locate]");
  if (button) locate(button);
});
// A second tap while the first is on its way would only meet the same client UUID.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!form.matches(".hz-step, .hz-report")) return;
  if (form.dataset.sending) event.preventDefault();
  form.dataset.sending = "1";
});
