// Applies the colour theme before the first paint (a blocking script from our own origin:
// the CSP allows no inline script). "light" or "dark" as chosen on this device, else the
// system's preference, followed live.
(() => {
  const root = document.documentElement;
  const query = globalThis.matchMedia("(prefers-color-scheme: dark)");
  const apply = () => {
    let chosen = null;
    try {
      chosen = localStorage.getItem("theme");
    } catch (_) { /* storage off */ }
    const dark = chosen === "dark" || (chosen !== "light" && query.matches);
    root.classList.toggle("dark", dark);
  };
  apply();
  query.addEventListener("change", apply);
  globalThis.addEventListener("storage", apply);
  globalThis.__applyTheme = apply;
})();
