// The 四色图: child cells filled in the colour of the highest grade they hold, risk points in
// their grade's colour (a polygon point as an area), the open hazards found at them as dark
// rings; each cell drills down, each point's popup links to its page.
import { drawMap, L, textTip } from "./basemap.js";

// A point's popup: its name as a link to its page, its kind and grade (as text, not HTML).
function popup(name, about, url) {
  const box = document.createElement("div");
  const link = document.createElement("a");
  link.href = url;
  link.textContent = name;
  const line = document.createElement("div");
  line.textContent = about;
  box.append(link, line);
  return box;
}

function draw(element) {
  if (element.dataset.ready) return;
  drawMap(element, {
    style: (feature) => {
      const p = feature.properties;
      if (p.layer === "cell") return { color: "#fff", weight: 1.5, fillColor: p.colour, fillOpacity: 0.55 };
      return { color: p.colour, weight: 2, fillColor: p.colour, fillOpacity: 0.35 };
    },
    pointToLayer: (feature, at) => {
      const p = feature.properties;
      if (p.layer === "hazard") return L.circleMarker(at, { radius: 9, color: "#24292f", weight: 3, fill: false });
      return L.circleMarker(at, { radius: 6, color: "#fff", weight: 1, fillColor: p.colour, fillOpacity: 0.95 });
    },
    onEachFeature: (feature, shape) => {
      const p = feature.properties;
      if (p.layer === "cell") {
        const index = p.index === null ? "—" : p.index;
        shape.bindTooltip(textTip(`${p.name}：${p.points} 个风险点，指数 ${index}`), { sticky: true });
        shape.on("click", () => { window.location.href = p.url; });
      } else if (p.layer === "point") {
        shape.bindTooltip(textTip(`${p.name}（${p.kind_name}，${p.grade_label}）`));
        shape.bindPopup(() => popup(p.name, `${p.kind_name} · ${p.grade_label}`, p.url));
      } else if (p.layer === "hazard") {
        shape.bindTooltip(textTip(`隐患：${p.title}`));
        shape.on("click", () => { window.location.href = p.url; });
      }
    },
  });
}

document.querySelectorAll("[data-risk-map]").forEach(draw);
