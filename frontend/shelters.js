// Drawing an evacuation route on a map (the route form): the cell's boundary and the shelters
// it may lead to are drawn from data-geojson; each click adds a point to the line, written
// into the form's GeoJSON field as a LineString (the server checks it: inside China, not
// crossing itself). 撤销 takes the last point back, 清除 starts again. Without script the
// field is typed in or a .geojson file uploaded, as before.
import { drawMap, L, textTip } from "./basemap.js";

function readLine(field) {
  try {
    const value = JSON.parse(field.value || "null");
    const geometry = value && value.type === "Feature" ? value.geometry : value;
    if (geometry && geometry.type === "LineString") {
      return geometry.coordinates.map(([lon, lat]) => [lat, lon]);
    }
  } catch (error) {
    // not JSON yet: the server names the field's problem
  }
  return [];
}

function writeLine(field, points) {
  field.value = points.length
    ? JSON.stringify({
        type: "LineString",
        coordinates: points.map(([lat, lng]) => [Number(lng.toFixed(6)), Number(lat.toFixed(6))]),
      })
    : "";
}

function setUp(element) {
  if (element.dataset.ready) return;
  const field = document.getElementById(element.dataset.target);
  if (!field) return;
  const map = drawMap(element, {
    style: () => ({ color: "#57606a", weight: 1.5, fillOpacity: 0.05 }),
    pointToLayer: (feature, at) => L.circleMarker(at, { radius: 7, color: "#2e7d32", fillOpacity: 0.9 }),
    onEachFeature: (feature, shape) => {
      if (feature.properties && feature.properties.name) shape.bindTooltip(textTip(feature.properties.name));
    },
  });
  if (!map) return;
  let points = readLine(field);
  const line = L.polyline(points, { color: "#c62828", weight: 4, dashArray: "8 4" }).addTo(map);
  const redraw = () => {
    line.setLatLngs(points);
    writeLine(field, points);
  };
  map.on("click", (event) => {
    points = [...points, [event.latlng.lat, event.latlng.lng]];
    redraw();
  });
  const undo = element.parentElement.querySelector("[data-route-undo]");
  const clear = element.parentElement.querySelector("[data-route-clear]");
  if (undo) undo.addEventListener("click", () => { points = points.slice(0, -1); redraw(); });
  if (clear) clear.addEventListener("click", () => { points = []; redraw(); });
  field.addEventListener("change", () => { points = readLine(field); line.setLatLngs(points); });
}

document.querySelectorAll("[data-route-draw]").forEach(setUp);
