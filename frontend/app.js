// htmx for server-rendered partials, plus the few behaviours every page shares.
import htmx from "htmx.org";

window.htmx = htmx;
// The Content-Security-Policy allows no inline script or style (docs/adr/0016): htmx must not
// evaluate attributes (hx-on, js: values, trigger filters), run scripts that a response
// brings, or insert its indicator <style> (the indicator rules are in app.css).
htmx.config.allowEval = false;
htmx.config.allowScriptTags = false;
htmx.config.includeIndicatorStyles = false;

// Django's CSRF token travels with every htmx request.
document.addEventListener("htmx:configRequest", (event) => {
  const token = document.querySelector("meta[name=csrf-token]");
  if (token) event.detail.headers["X-CSRFToken"] = token.content;
});

// Grid tree: a node's children load once, then the button toggles them.
document.addEventListener("click", (event) => {
  const toggle = event.target.closest("[data-tree-toggle]");
  if (!toggle) return;
  const node = toggle.closest("li");
  const box = node.querySelector(":scope > .tree-children");
  if (!box) return;
  if (box.dataset.loaded) {
    box.hidden = !box.hidden;
  } else {
    box.dataset.loaded = "1"; // htmx fetches the children on this first click
  }
  toggle.setAttribute("aria-expanded", String(!box.hidden));
  toggle.textContent = box.hidden ? "＋" : "－";
});

// Links that go back a page (error pages) when there is one to go back to.
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-back]") && window.history.length > 1) {
    event.preventDefault();
    window.history.back();
  }
});

// Buttons that print the page (grid card).
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) window.print();
});
