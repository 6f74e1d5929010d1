// What the server says of a located point: the cell it falls in, named ("泗城镇 镇洪村"),
// or why none is found; the coordinates stay beside it, small.
export async function placeName(url, lon, lat) {
  const query = new URLSearchParams({ lon, lat });
  const response = await fetch(`${url}?${query}`, { headers: { Accept: "application/json" } });
  const body = await response.json();
  return response.ok ? { label: body.label } : { error: body.detail };
}

export function showPlace(element, text, lon, lat) {
  const name = document.createElement("strong");
  name.textContent = text;
  const point = document.createElement("small");
  point.className = "muted";
  point.textContent = ` ${lon}, ${lat}`;
  element.replaceChildren(name, point);
}

// Why the browser gave no position, in the page's language (the browser's own message is
// in its language, often English).
export function positionFailed(error) {
  const reasons = { 1: "未允许本页定位", 2: "暂时无法确定位置", 3: "定位超时" };
  return reasons[error && error.code] || "定位出错";
}
