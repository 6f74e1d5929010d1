// The incident board (指挥一张图): the incident, the teams ordered (in their status's
// colour), storage points, shelters, risk points and routes on one map, drawn once; when
// htmx brings the board's fresh partial, only the teams' layer is redrawn from it, so the
// map keeps the user's zoom and place.
import { drawMap, L, textTip } from "./basemap.js";

const SHAPES = { store: "■", shelter: "▲", risk: "◆", incident: "★" };
let map = null;
let teams = null;

function marker(feature, at) {
  const p = feature.properties;
  if (p.layer === "team") {
    return L.circleMarker(at, { radius: 8, color: "#fff", weight: 2, fillColor: p.colour, fillOpacity: 0.95 });
  }
  if (p.layer === "risk") {
    return L.circleMarker(at, { radius: 5, color: p.colour, weight: 2, fillColor: p.colour, fillOpacity: 0.6 });
  }
  const icon = L.divIcon({ className: `board-icon board-${p.layer}`, html: SHAPES[p.layer] || "●", iconSize: [18, 18] });
  return L.marker(at, { icon, keyboard: false });
}

function tip(p) {
  if (p.layer === "team") return `${p.name}（${p.size}人）：${p.status_label}`;
  if (p.layer === "store") return `${p.name}${p.stock ? "：" + p.stock : ""}`;
  if (p.layer === "shelter") return `${p.name}：${p.occupancy}/${p.capacity} 人，${p.status_label}`;
  if (p.layer === "risk") return `${p.name}（${p.kind_name}，${p.grade_label}）`;
  return p.name || "";
}

const options = {
  style: (feature) => ({ color: feature.properties.layer === "route" ? "#1a7f37" : "#1f6feb", weight: 3, dashArray: "6 4" }),
  pointToLayer: marker,
  onEachFeature: (feature, shape) => {
    const text = tip(feature.properties);
    if (text) shape.bindTooltip(textTip(text));
  },
};

function drawTeams() {
  const holder = document.querySelector("[data-board-teams]");
  if (!map || !holder) return;
  const first = teams === null;
  if (teams) teams.remove();
  teams = L.geoJSON(JSON.parse(holder.dataset.boardTeams), options).addTo(map);
  // the first time, the view takes in the teams on their way too
  const bounds = teams.getBounds();
  if (first && bounds.isValid()) map.fitBounds(bounds.extend(map.getBounds()), { padding: [24, 24], maxZoom: 14 });
  const element = document.getElementById("incident-map");
  element.dataset.teams = String(teams.getLayers().length);
}

const element = document.querySelector("[data-incident-map]");
if (element) {
  map = drawMap(element, options, { padding: [24, 24], maxZoom: 14 });
  drawTeams();
}
document.addEventListener("htmx:afterSwap", drawTeams);
