// The public report pages: their stylesheet, and on the report form the identity fields shown
// only for a report by name and the phone's location as an alternative to choosing a township.
import "./public.css";
import { placeName, showPlace } from "./place.js";

function reportForm(form) {
  const identity = form.querySelector("[data-identity]");
  const showIdentity = () => {
    const chosen = form.querySelector("input[name=anonymous]:checked");
    identity.hidden = !chosen || chosen.value !== "0";
  };
  form.addEventListener("change", (event) => {
    if (event.target.name === "anonymous") showIdentity();
  });
  showIdentity();

  const locate = form.querySelector("[data-locate]");
  const unlocate = form.querySelector("[data-unlocate]");
  const shown = form.querySelector("[data-located]");
  const set = (lon, lat, text) => {
    form.elements.lon.value = lon;
    form.elements.lat.value = lat;
    shown.textContent = text;
    unlocate.hidden = lon === "";
  };
  if (!("geolocation" in navigator)) {
    locate.hidden = true;
    return;
  }
  const name = async (lon, lat) => {
    try {
      const found = await placeName(locate.dataset.url, lon, lat);
      const still = form.elements.lon.value === lon && form.elements.lat.value === lat;
      if (found.label && still) showPlace(shown, `${locate.dataset.done}：${found.label}`, lon, lat);
    } catch {
      // offline: the coordinates alone
    }
  };
  // shown again after an error with its point: name its place again
  if (form.elements.lon.value && form.elements.lat.value) {
    name(form.elements.lon.value, form.elements.lat.value);
  }
  locate.addEventListener("click", () => {
    shown.textContent = locate.dataset.busy;
    navigator.geolocation.getCurrentPosition(
      async (position) => {
        const lon = position.coords.longitude.toFixed(6);
        const lat = position.coords.latitude.toFixed(6);
        set(lon, lat, `${locate.dataset.done}：${lon}, ${lat}`);
        await name(lon, lat);
      },
      () => set("", "", locate.dataset.failed),
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
    );
  });
  unlocate.addEventListener("click", () => set("", "", ""));
}

document.querySelectorAll("[data-testid=report-form]").forEach(reportForm);
