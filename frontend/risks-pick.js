// Placing a risk point on a map (the risk point's form): the cell's boundary is drawn from
// data-geojson. In 选点 mode a click puts the point there, written into the form's 经度 and
// 纬度; in 画区域 mode each click adds a corner of the area, written into the GeoJSON field
// as a Polygon (the server checks it: inside the county, not crossing itself). 撤销 takes
// the last corner back, 清除 starts again. Without script the fields are typed in, a
// GeoJSON pasted or a .geojson file uploaded, as before.
import { drawMap, L, textTip } from "./basemap.js";

function readArea(field) {
  try {
    const value = JSON.parse(field.value || "null");
    const geometry = value && value.type === "Feature" ? value.geometry : value;
    if (geometry && geometry.type === "Polygon") {
      return geometry.coordinates[0].slice(0, -1).map(([lon, lat]) => [lat, lon]);
    }
  } catch (error) {
    // not JSON yet: the server names the field's problem
  }
  return [];
}

const round = (n) => Number(n.toFixed(6));

function writeArea(field, corners) {
  if (corners.length < 3) {
    field.value = "";
    return;
  }
  const ring = [...corners, corners[0]].map(([lat, lng]) => [round(lng), round(lat)]);
  field.value = JSON.stringify({ type: "Polygon", coordinates: [ring] });
}

function setUp(element) {
  if (element.dataset.ready) return;
  const form = element.closest("form");
  const field = form.querySelector("textarea[name=geometry]");
  const lon = form.querySelector("input[name=lon]");
  const lat = form.querySelector("input[name=lat]");
  if (!field || !lon || !lat) return;
  const map = drawMap(element, {
    style: () => ({ color: "#57606a", weight: 1.5, fillOpacity: 0.05 }),
    onEachFeature: (feature, shape) => {
      if (feature.properties && feature.properties.name) shape.bindTooltip(textTip(feature.properties.name));
    },
  });
  if (!map) return;
  const status = element.parentElement.querySelector("[data-pick-status]");
  let mode = "point";
  let corners = readArea(field);
  const area = L.polygon(corners, { color: "#c62828", weight: 3, dashArray: "6 4" }).addTo(map);
  const marker = L.circleMarker([0, 0], { radius: 8, color: "#fff", weight: 2, fillColor: "#c62828", fillOpacity: 1 });
  const showPoint = () => {
    if (lon.value && lat.value) marker.setLatLng([Number(lat.value), Number(lon.value)]).addTo(map);
    else marker.remove();
  };
  showPoint();
  const redraw = () => {
    area.setLatLngs(corners);
    writeArea(field, corners);
    if (status) status.textContent = corners.length ? `已画 ${corners.length} 个角点` : "";
  };
  map.on("click", (event) => {
    if (mode === "point") {
      lon.value = round(event.latlng.lng);
      lat.value = round(event.latlng.lat);
      corners = [];
      redraw();
      showPoint();
      if (status) status.textContent = `${lon.value}, ${lat.value}`;
    } else {
      corners = [...corners, [event.latlng.lat, event.latlng.lng]];
      lon.value = "";
      lat.value = "";
      showPoint();
      redraw();
    }
  });
  element.parentElement.querySelectorAll("[data-pick-mode]").forEach((button) => {
    button.addEventListener("click", () => {
      mode = button.dataset.pickMode;
      element.parentElement.querySelectorAll("[data-pick-mode]").forEach((b) => {
        b.setAttribute("aria-pressed", String(b === button));
      });
    });
  });
  const undo = element.parentElement.querySelector("[data-pick-undo]");
  const clear = element.parentElement.querySelector("[data-pick-clear]");
  if (undo) undo.addEventListener("click", () => { corners = corners.slice(0, -1); redraw(); });
  if (clear) {
    clear.addEventListener("click", () => {
      corners = [];
      lon.value = "";
      lat.value = "";
      showPoint();
      redraw();
    });
  }
  field.addEventListener("change", () => { corners = readArea(field); area.setLatLngs(corners); });
}

document.querySelectorAll("[data-point-pick]").forEach(setUp);

// A new point's grading inputs: those of its kind's method shown, the other method's hidden
// (the server reads only the kind's; all are shown without script).
const LEC = ["inputs.L", "inputs.E", "inputs.C"];

function gradingFields(form) {
  const methods = JSON.parse(form.dataset.kindMethods || "{}");
  const kind = form.querySelector("select[name=kind]");
  if (!kind) return;
  const show = () => {
    const method = methods[kind.value];
    form.querySelectorAll("select[name^='inputs.']").forEach((input) => {
      const wanted = !method || (method === "lec") === LEC.includes(input.name);
      input.closest(".field").style.display = wanted ? "" : "none";
    });
  };
  kind.addEventListener("change", show);
  show();
}

document.querySelectorAll("form[data-kind-methods]").forEach(gradingFields);
