// The warning form (new, edit, revise): the targets as a tree — a cell's box ticks and
// unticks its whole subtree, a partly ticked cell shows indeterminate, levels below the
// first collapsed, a filter box — and on a map, where clicking a cell toggles its box; the
// headline, text and instruction filled from the type and level's template. The boxes are
// the form's own (name "targets"), so the server sees the same values with or without this.
import { drawMap, textTip } from "./basemap.js";
import "./drafting.css";

const TICKED = { color: "#fff", weight: 1.5, fillColor: "#b3261e", fillOpacity: 0.7 };
const UNTICKED = { color: "#fff", weight: 1.5, fillColor: "#8b949e", fillOpacity: 0.35 };

function ownBox(node) {
  return node.querySelector(":scope > label > input[type=checkbox]");
}

function childNodes(node) {
  const list = node.querySelector(":scope > ul");
  return list ? Array.from(list.children) : [];
}

function parentNode(node) {
  const up = node.parentElement && node.parentElement.closest("li.wn-node");
  return up || null;
}

function setExpanded(node, open) {
  const toggle = node.querySelector(":scope > [data-toggle]");
  const list = node.querySelector(":scope > ul");
  if (!toggle || !list) return;
  toggle.setAttribute("aria-expanded", open ? "true" : "false");
  toggle.textContent = open ? "▾" : "▸";
  list.hidden = !open;
}

// Is any box below ``node`` ticked?
function anyBelow(node) {
  return Array.from(node.querySelectorAll(":scope > ul input[type=checkbox]")).some((b) => b.checked);
}

// A cell's state from its children: indeterminate when some of its subtree is ticked and
// it is not (ticking every village is not ticking the township: its own people differ).
function refresh(node) {
  const box = ownBox(node);
  box.indeterminate = !box.checked && anyBelow(node);
}

function refreshUp(node) {
  for (let n = node; n; n = parentNode(n)) refresh(n);
}

function tick(node, checked) {
  ownBox(node).checked = checked;
  node.querySelectorAll(":scope > ul input[type=checkbox]").forEach((b) => {
    b.checked = checked;
    b.indeterminate = false;
  });
  // a cell ticked covers its subtree: unticking a part of it unticks the cells above
  if (!checked) {
    for (let up = parentNode(node); up; up = parentNode(up)) ownBox(up).checked = false;
  }
  refreshUp(node);
}

function filter(root, text) {
  const wanted = text.trim().toLowerCase();
  const nodes = Array.from(root.querySelectorAll("li.wn-node"));
  if (!wanted) {
    nodes.forEach((n) => {
      n.hidden = false;
    });
    collapse(root);
    return;
  }
  nodes.forEach((n) => {
    n.hidden = true;
  });
  nodes.forEach((n) => {
    const name = (n.dataset.name || "").toLowerCase();
    const code = (n.dataset.cell || "").toLowerCase();
    if (name.includes(wanted) || code.includes(wanted)) {
      n.hidden = false;
      n.querySelectorAll("li.wn-node").forEach((d) => {
        d.hidden = false;
      });
      for (let up = parentNode(n); up; up = parentNode(up)) {
        up.hidden = false;
        setExpanded(up, true);
      }
    }
  });
}

// Levels below the first collapsed, but for the cells partly ticked (shown opened).
function collapse(root) {
  root.querySelectorAll("li.wn-node").forEach((n) => {
    const top = !parentNode(n);
    setExpanded(n, top || ownBox(n).indeterminate);
  });
}

function setUpTree(fieldset) {
  const root = fieldset.querySelector(".wn-tree");
  if (!root || fieldset.dataset.ready) return;
  const nodes = Array.from(root.querySelectorAll("li.wn-node"));
  // a ticked cell covers its subtree: show its boxes ticked
  nodes.forEach((n) => {
    if (ownBox(n).checked) {
      n.querySelectorAll(":scope > ul input[type=checkbox]").forEach((b) => {
        b.checked = true;
      });
    }
  });
  nodes.reverse().forEach(refresh);
  root.querySelectorAll("[data-toggle]").forEach((toggle) => {
    toggle.hidden = false;
    toggle.addEventListener("click", () => {
      const node = toggle.closest("li.wn-node");
      setExpanded(node, toggle.getAttribute("aria-expanded") !== "true");
    });
  });
  collapse(root);
  root.addEventListener("change", (event) => {
    const box = event.target;
    if (!(box instanceof HTMLInputElement) || box.name !== "targets") return;
    tick(box.closest("li.wn-node"), box.checked);
    fieldset.dispatchEvent(new CustomEvent("targets:changed", { bubbles: true }));
  });
  const search = fieldset.querySelector("[data-tree-filter]");
  if (search) {
    search.hidden = false;
    search.addEventListener("input", () => filter(root, search.value));
    search.addEventListener("keydown", (event) => {
      if (event.key === "Enter") event.preventDefault(); // not a submit of the form
    });
  }
  fieldset.dataset.ready = "1";
}

function boxOf(form, id) {
  return form.querySelector(`input[name="targets"][value="${Number(id)}"]`);
}

function setUpMap(form) {
  const element = form.querySelector("[data-target-map]");
  if (!element || element.dataset.ready) return;
  const shapes = [];
  const paint = () => {
    shapes.forEach(({ id, shape }) => {
      const box = boxOf(form, id);
      shape.setStyle(box && box.checked ? TICKED : UNTICKED);
    });
  };
  drawMap(element, {
    // each cell's shape named by its code, for the browser tests to find
    style: (feature) => ({ ...UNTICKED, className: `wn-cell-${feature.properties.code}` }),
    onEachFeature: (feature, shape) => {
      const p = feature.properties;
      shapes.push({ id: p.id, shape });
      shape.bindTooltip(textTip(`${p.name}（${p.code}）`), { sticky: true });
      shape.on("click", () => {
        const box = boxOf(form, p.id);
        if (!box) return;
        box.checked = !box.checked;
        box.dispatchEvent(new Event("change", { bubbles: true }));
      });
    },
  });
  paint();
  form.addEventListener("targets:changed", paint);
}

function setUpTemplates(form) {
  let kept = [];
  try {
    kept = JSON.parse(form.dataset.templates || "[]");
  } catch (error) {
    kept = [];
  }
  const type = form.querySelector("[name=type]");
  const level = form.querySelector("[name=level]");
  const button = form.querySelector("[data-apply-template]");
  if (!kept.length || !type || !level || !button) return;
  const fields = ["headline", "text", "instruction"].map((name) => form.querySelector(`[name=${name}]`));
  let filled = null; // the template last filled in, while nobody has changed its words
  const match = () =>
    kept.find((t) => String(t.type) === type.value && t.level === level.value) || null;
  const untouched = () =>
    fields.every((f, i) => {
      const value = f ? f.value.trim() : "";
      const was = filled ? [filled.headline, filled.text, filled.instruction][i] : "";
      return value === "" || value === (was || "").trim();
    });
  const apply = (found) => {
    [found.headline, found.text, found.instruction].forEach((value, i) => {
      if (fields[i]) fields[i].value = value || "";
    });
    filled = found;
  };
  const choose = () => {
    const found = match();
    button.hidden = !found;
    if (found && untouched()) apply(found);
  };
  button.addEventListener("click", () => {
    const found = match();
    if (found) apply(found);
  });
  type.addEventListener("change", choose);
  level.addEventListener("change", choose);
  const found = match();
  button.hidden = !found;
  if (found && fields.every((f) => !f || f.value.trim() === "")) apply(found);
}

document.querySelectorAll("form.wn-form").forEach((form) => {
  const fieldset = form.querySelector("[data-target-tree]");
  if (fieldset) setUpTree(fieldset);
  setUpMap(form);
  setUpTemplates(form);
});
