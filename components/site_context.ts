/**
 * What every page knows of the site: its name (SITE_NAME, or what an admin set on /admin).
 * `page()` (routes/_page.tsx) provides it around each page's body; components read it with
 * `useContext(SiteContext)` (the sidebar's brand, the sign-in page's heading).
 */
import { createContext } from "preact";

export type SiteInfo = { name: string };

export const SiteContext = createContext<SiteInfo>({ name: "Hearth" });
