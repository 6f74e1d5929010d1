// Cell pages: the cell's boundary and its children's, each child a link.
import { drawMap, textTip } from "./basemap.js";

function draw(element) {
  drawMap(element, {
    style: (feature) =>
      feature.properties.self
        ? { color: "#b3261e", weight: 3, fillOpacity: 0.04 }
        : { color: "#1d5fa8", weight: 1.5, fillOpacity: 0.12 },
    onEachFeature: (feature, shape) => {
      const p = feature.properties;
      if (p.self) return;
      shape.bindTooltip(textTip(p.name), { sticky: true });
      shape.on("click", () => { window.location.href = p.url; });
    },
  });
}

document.querySelectorAll("[data-map]").forEach(draw);
