// Applies the colour theme before the first paint (a blocking script from our own origin:
// the CSP allows no inline script). "light" or "dark" as chosen on this device, else the
// system's preference, followed live. (Without JavaScript the root has no class and the
// stylesheet's media-query copies of the dark rules follow the system: lib/web/styles.ts.)
(() => {
  const root = document.documentElement;
  const query = globalThis.matchMedia("(prefers-color-scheme: dark)");
  const apply = () => {
    let chosen = null;
    try {
      chosen = localStorage.getItem("theme");
    } catch (_) { /* storage off */ }
    const dark = chosen === "dark" || (chosen !== "light" && query.matches);
    // Always one of the two: the stylesheet follows the system by itself only when neither
    // is set (a page without JavaScript), and an explicit "light" must beat a dark system.
    root.classList.toggle("dark", dark);
    root.classList.toggle("light", !dark);
  };
  apply();
  query.addEventListener("change", apply);
  globalThis.addEventListener("storage", apply);
  globalThis.__applyTheme = apply;
})();
