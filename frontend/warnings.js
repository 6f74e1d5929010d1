// The 叫应 board: target cells coloured by answer rate, redrawn each time htmx brings the
// board's fresh partial (every few seconds while the warning is in force).
import { drawMap, textTip } from "./basemap.js";

function colour(rate) {
  if (rate === null || rate === undefined) return "#8b949e";
  if (rate >= 90) return "#1a7f37";
  if (rate >= 60) return "#d29922";
  return "#b3261e";
}

function draw(element) {
  if (element.dataset.ready) return;
  drawMap(element, {
    style: (feature) => ({
      color: "#fff",
      weight: 1.5,
      fillColor: colour(feature.properties.rate),
      fillOpacity: 0.75,
    }),
    onEachFeature: (feature, shape) => {
      const p = feature.properties;
      const rate = p.rate === null ? "—" : `${p.rate}%`;
      const tip = `${p.name}：叫应率 ${rate}，未叫应 ${p.waiting}，超时 ${p.overdue}`;
      shape.bindTooltip(textTip(tip), { sticky: true });
      shape.on("click", () => {
        const url = new URL(window.location.href);
        url.searchParams.set("cell", p.code);
        window.location.href = url.toString();
      });
    },
  });
}

function drawAll() {
  document.querySelectorAll("[data-board-map]").forEach(draw);
}

drawAll();
document.addEventListener("htmx:afterSwap", drawAll);
