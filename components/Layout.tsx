import type { ComponentChildren } from "preact";
import { IconSprite } from "./Icon.tsx";

/**
 * The document shell: one stylesheet, a content-hashed file (the client entry's script is
 * added by lib/web/ssr.tsx, to a page with islands, with the modules they load). The title
 * reads "<title> · <site name>" (the site's name alone when the page has no title).
 */
export function Layout(
  props: { title: string; siteName?: string; assetsId: string; children: ComponentChildren },
) {
  const site = props.siteName ?? "Hearth";
  const base = `/assets/${props.assetsId}`;
  return (
    <html lang="en" class="h-full">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{props.title ? `${props.title} · ${site}` : site}</title>
        <link rel="icon" href="/static/favicon.svg" type="image/svg+xml" />
        {/* The installable app (routes/app.ts): its manifest, and the worker, registered after load. */}
        <link rel="manifest" href="/manifest.webmanifest" />
        <meta name="theme-color" content="#4f46e5" />
        <link rel="apple-touch-icon" href="/static/icons/apple-touch-icon.png" />
        <script type="module" src="/static/sw_register.js" />
        {/* theme.js only keeps the class in step: the server rendered the chosen one (routes/_page.tsx). */}
        <script type="module" src="/static/theme.js" />
        <link rel="stylesheet" href={`${base}/styles.css`} />
        {/* The client entry and its modules follow, for a page with islands (lib/web/ssr.tsx). */}
      </head>
      <body class="h-full bg-slate-100 text-slate-900 font-sans antialiased dark:bg-slate-950 dark:text-slate-100">
        {props.children}
        {/* The icons each message's toolbar uses by id: once per page, not once per message. */}
        <IconSprite />
      </body>
    </html>
  );
}
