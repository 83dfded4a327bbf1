// Keeps the colour theme's class on the root in step. The page arrives with the theme chosen
// on this device on its root (`light` or `dark`, from the `theme` cookie that
// islands/ThemeToggle.tsx writes: routes/_page.tsx), or with neither, when the system's
// preference applies: the stylesheet's media-query copies of the dark rules follow it by
// themselves (lib/web/styles.ts), with or without JavaScript. So nothing here must run before
// the first paint. This script then sets one of the two classes for the system's choice too
// (and follows it live), re-applies a choice made in another tab (the `storage` event of its
// mirror in localStorage), and moves a choice kept only in localStorage (older versions) to
// the cookie.
(() => {
  const root = document.documentElement;
  const query = globalThis.matchMedia("(prefers-color-scheme: dark)");
  const cookie = () => /(?:^|;\s*)theme=(light|dark)(?:;|$)/.exec(document.cookie)?.[1] ?? null;
  try {
    const kept = localStorage.getItem("theme");
    if ((kept === "light" || kept === "dark") && cookie() === null) {
      const secure = location.protocol === "https:" ? "; Secure" : "";
      document.cookie = `theme=${kept}; Path=/; Max-Age=31536000; SameSite=Lax${secure}`;
    }
  } catch (_) { /* storage off */ }
  const apply = () => {
    const chosen = cookie();
    const dark = chosen === "dark" || (chosen !== "light" && query.matches);
    // Always one of the two once this runs: an explicit "light" must beat a dark system.
    root.classList.toggle("dark", dark);
    root.classList.toggle("light", !dark);
  };
  apply();
  query.addEventListener("change", apply);
  globalThis.addEventListener("storage", apply);
  globalThis.__applyTheme = apply;
})();
