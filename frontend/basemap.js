// The one way a page gets a Leaflet map: GeoJSON from the element's data-geojson attribute
// (not a script tag: htmx, allowed no scripts, drops those from what a board's refresh
// swaps in), drawn on a plain background unless a tile layer is configured (servers may be
// offline), fitted to what it shows, and marked ready for the browser tests.
import L from "leaflet";
import "leaflet/dist/leaflet.css";

export function drawMap(element, geojsonOptions, fit = { padding: [8, 8] }) {
  if (!element.dataset.geojson) return null;
  const data = JSON.parse(element.dataset.geojson);
  const map = L.map(element, { attributionControl: Boolean(element.dataset.tiles) });
  if (element.dataset.tiles) {
    L.tileLayer(element.dataset.tiles, { attribution: element.dataset.attribution || "" }).addTo(map);
  }
  const layer = L.geoJSON(data, geojsonOptions).addTo(map);
  const bounds = layer.getBounds();
  if (bounds.isValid()) map.fitBounds(bounds, fit);
  else map.setView([24.35, 106.56], 9);
  element.dataset.ready = "1";
  return map;
}

// A tooltip's content as text: Leaflet treats a string as HTML, and names come from users
// and imported files.
export function textTip(text) {
  const span = document.createElement("span");
  span.textContent = text;
  return span;
}

export { L };
