// Patrol pages: today's route (the points in order, joined by a line) and the point on the
// check-in page; the phone's position is put into the check-in form when the page opens
// (and again on 重新定位). A check-in without a position is still sent: the server marks it.
import { drawMap, L, textTip } from "./basemap.js";
import { positionFailed } from "./place.js";

const COLOURS = { red: "#c62828", orange: "#ef6c00", yellow: "#f9a825", blue: "#1565c0" };

function drawRoute(element) {
  drawMap(
    element,
    {
      style: (feature) =>
        feature.properties && feature.properties.route
          ? { color: "#57606a", weight: 3, dashArray: "6 4" }
          : { color: "#b3261e", weight: 2, fillOpacity: 0.1 },
      pointToLayer: (feature, at) =>
        L.circleMarker(at, {
          radius: 9,
          color: "#fff",
          weight: 2,
          fillColor: COLOURS[feature.properties.grade] || "#b3261e",
          fillOpacity: 1,
        }),
      onEachFeature: (feature, shape) => {
        if (feature.properties && feature.properties.name) shape.bindTooltip(textTip(feature.properties.name));
      },
    },
    { padding: [16, 16], maxZoom: 16 },
  );
}

function locate(form) {
  const status = form.querySelector("[data-locate-status]");
  if (!navigator.geolocation) {
    status.textContent = "此设备不支持定位，仍可打卡";
    return;
  }
  status.textContent = "正在定位…";
  navigator.geolocation.getCurrentPosition(
    (position) => {
      const lon = position.coords.longitude.toFixed(6);
      const lat = position.coords.latitude.toFixed(6);
      form.querySelector("input[name=lon]").value = lon;
      form.querySelector("input[name=lat]").value = lat;
      status.textContent = `${lon}, ${lat}`;
      status.dataset.located = "1";
    },
    (error) => {
      status.textContent = `定位失败（${positionFailed(error)}），仍可打卡`;
    },
    { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
  );
}

document.querySelectorAll("[data-patrol-map]").forEach(drawRoute);
document.querySelectorAll("form.patrol-checkin").forEach((form) => {
  if (!form.querySelector("input[name=lon]").value) locate(form);
});
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-patrol-locate]");
  if (button) locate(button.closest("form"));
});
// A second tap while the first is on its way would only meet the same client UUID.
document.addEventListener("submit", (event) => {
  const form = event.target;
  if (!form.matches(".patrol-checkin")) return;
  if (form.dataset.sending) event.preventDefault();
  form.dataset.sending = "1";
});
