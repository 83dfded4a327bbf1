/**
 * The page's one inline script, the same on every page (no user data: what it joins is in the
 * `hearth-socket` meta before it, lib/web/ssr.tsx): on a live page it opens the socket while
 * the head is parsed, its upgrade joining the page's conversation (`/api/ws?join=…`), and keeps
 * its frames until islands/parts/chat_socket.ts adopts it. A tab opened hidden says so on the
 * upgrade too (`away=1`), so the room never sees it active. Allowed by its hash (the CSP,
 * routes/_middleware.ts): a changed script is a changed hash, computed here.
 */
export const EARLY_SOCKET_SCRIPT =
  `(()=>{const m=document.querySelector('meta[name="hearth-socket"]');if(!m)return;` +
  `const h=document.visibilityState==="hidden"?(m.content?"&":"?")+"away=1":"";` +
  `const u=new URL("/api/ws"+m.content+h,location.href);` +
  `u.protocol=u.protocol==="https:"?"wss:":"ws:";` +
  `const s=new WebSocket(u),f=[];s.onmessage=(e)=>f.push(e);` +
  `globalThis.__hearthSocket={socket:s,frames:f};})()`;

/** `'sha256-…'` of EARLY_SOCKET_SCRIPT, for the CSP's script-src. */
export const EARLY_SOCKET_CSP = `'sha256-${
  btoa(String.fromCharCode(
    ...new Uint8Array(
      await crypto.subtle.digest("SHA-256", new TextEncoder().encode(EARLY_SOCKET_SCRIPT)),
    ),
  ))
}'`;
