// The zero report board: child cells coloured by reported, late, missing or pending (a reporting
// cell) or by the share reported (a larger one), redrawn as htmx brings the fresh board.
import { drawMap, textTip } from "./basemap.js";

const STATUS = { on_time: "#1a7f37", late: "#d29922", missing: "#b3261e", pending: "#8b949e" };

function colour(p) {
  if (p.status) return STATUS[p.status];
  if (p.rate === null || p.rate === undefined) return "#8b949e";
  if (p.rate >= 90) return STATUS.on_time;
  if (p.pending) return STATUS.pending; // the deadline has not passed: not late yet
  if (p.rate >= 60) return STATUS.late;
  return STATUS.missing;
}

function draw(element) {
  if (element.dataset.ready) return;
  drawMap(element, {
    style: (feature) => ({ color: "#fff", weight: 1.5, fillColor: colour(feature.properties), fillOpacity: 0.75 }),
    onEachFeature: (feature, shape) => {
      const p = feature.properties;
      shape.bindTooltip(textTip(`${p.name}：未报 ${p.missing}`), { sticky: true });
    },
  });
}

function drawAll() {
  document.querySelectorAll("[data-zero-map]").forEach(draw);
}

drawAll();
document.addEventListener("htmx:afterSwap", drawAll);
