// Applies the colour theme before the first paint (a blocking script from our own origin:
// the CSP allows no inline script). "light" or "dark" as chosen on this device, else the
// system's preference, followed live.
(function () {
  var root = document.documentElement;
  var query = window.matchMedia("(prefers-color-scheme: dark)");
  function apply() {
    var chosen = null;
    try {
      chosen = localStorage.getItem("theme");
    } catch (_) { /* storage off */ }
    var dark = chosen === "dark" || (chosen !== "light" && query.matches);
    root.classList.toggle("dark", dark);
    root.style.colorScheme = dark ? "dark" : "light";
  }
  apply();
  query.addEventListener("change", apply);
  window.addEventListener("storage", apply);
  window.__applyTheme = apply;
})();
