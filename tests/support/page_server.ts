/**
 * Test sites for link previews: a real HTTP server on 127.0.0.1, port 0, with pages of every
 * kind the unfurler meets (a normal OpenGraph page and its image, redirects, a 50 MB body, a
 * slow answer, a non-HTML answer, hostile markup). It counts the requests per path and the
 * bytes each huge body actually sent, so tests can tell what was fetched and how much read.
 */

/** A 1×1 PNG. */
export const PNG_1X1 = Uint8Array.from(
  atob(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==",
  ),
  (ch) => ch.charCodeAt(0),
);

export type PageServer = {
  /** `http://127.0.0.1:<port>` */
  base: string;
  /** Requests per path ("/page") so far. */
  hits(path: string): number;
  /** Bytes of the huge body written before the reader hung up (or all 50 MB). */
  hugeBytesSent(): number;
  /** Resolves when the huge body's stream was cancelled or finished. */
  hugeDone(): Promise<void>;
  close(): Promise<void>;
};

/** Pages (each path can be given `?v=` anything to make a distinct URL of the same page). */
export function startPageServer(): PageServer {
  const counts = new Map<string, number>();
  let hugeSent = 0;
  let hugeFinished: () => void = () => {};
  const huge = new Promise<void>((resolve) => (hugeFinished = resolve));
  /** The slow answers still waiting: answered at once when the server closes. */
  const waiting = new Set<() => void>();
  let base = "";

  const html = (body: string, headers: Record<string, string> = {}) =>
    new Response(body, { headers: { "content-type": "text/html; charset=utf-8", ...headers } });

  const handler = (req: Request): Response | Promise<Response> => {
    const url = new URL(req.url);
    counts.set(url.pathname, (counts.get(url.pathname) ?? 0) + 1);
    switch (url.pathname) {
      case "/page":
        return html(`<!doctype html><html><head>
<meta charset="utf-8">
<title>Plain title (not used)</title>
<meta property="og:title" content="The Hearth handbook">
<meta property="og:description" content="How the team works: chat, threads &amp; search.">
<meta property="og:site_name" content="Hearth Docs">
<meta property="og:image" content="${base}/image.png">
<meta name="twitter:title" content="Twitter title (not used)">
</head><body><h1>Handbook</h1></body></html>`);
      case "/twitter":
        return html(`<html><head><meta name="twitter:title" content="A card">
<meta name="twitter:description" content="From the Twitter tags"></head></html>`);
      case "/titled":
        return html(`<html><head><title>Only a &lt;title&gt;</title>
<meta name="description" content="And a meta description."></head><body></body></html>`);
      case "/image.png":
        return new Response(PNG_1X1, { headers: { "content-type": "image/png" } });
      case "/fake-image":
        // Says PNG, is HTML: the sniffer must refuse it.
        return new Response("<script>alert(1)</script>", {
          headers: { "content-type": "image/png" },
        });
      case "/fake-image-page":
        return html(`<html><head><title>Fake image</title>
<meta property="og:image" content="${base}/fake-image"></head></html>`);
      case "/redirect":
        // ?to=<address>: a 302 there.
        return new Response(null, {
          status: 302,
          headers: { location: url.searchParams.get("to")! },
        });
      case "/redirect-chain": {
        // ?n=<hops left>: 302s down to /page.
        const n = Number(url.searchParams.get("n") ?? "0");
        const location = n > 0 ? `/redirect-chain?n=${n - 1}` : "/page";
        return new Response(null, { status: 302, headers: { location } });
      }
      case "/huge": {
        // A title first, then 50 MB of padding: a reader that stops at 1 MB hangs up early.
        const total = 50 * 1024 * 1024;
        const head = new TextEncoder().encode(
          "<html><head><title>Huge page</title></head><body>",
        );
        const block = new TextEncoder().encode("x".repeat(64 * 1024));
        let sent = 0;
        const body = new ReadableStream<Uint8Array>({
          pull(controller) {
            if (sent === 0) {
              controller.enqueue(head);
              sent += head.length;
              hugeSent = sent;
              return;
            }
            if (sent >= total) {
              controller.close();
              hugeFinished();
              return;
            }
            controller.enqueue(block);
            sent += block.length;
            hugeSent = sent;
          },
          cancel() {
            hugeFinished();
          },
        });
        return new Response(body, { headers: { "content-type": "text/html" } });
      }
      case "/slow":
        // Answers after 10 s (the unfurler gives up after 3).
        return new Promise((resolve) => {
          const answer = () => {
            clearTimeout(timer);
            waiting.delete(answer);
            resolve(html("<title>Too late</title>"));
          };
          const timer = setTimeout(answer, 10_000);
          waiting.add(answer);
        });
      case "/json":
        return new Response(JSON.stringify({ title: "<title>Not a page</title>" }), {
          headers: { "content-type": "application/json" },
        });
      case "/hostile":
        return html(`<html><head>
<title><script>alert("t")</script><img src=x onerror=alert(1)>\u202eevil\u202c\u0007</title>
<meta property="og:description" content="&lt;b&gt;bold&lt;/b&gt; &#x202E;flip &#0; ${
          "long ".repeat(200)
        }">
<!-- <meta property="og:title" content="From a comment"> -->
<script>document.write('<meta property="og:site_name" content="From a script">')</script>
</head></html>`);
      default:
        return new Response("not found", { status: 404 });
    }
  };

  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, handler);
  base = `http://127.0.0.1:${server.addr.port}`;
  return {
    base,
    hits: (path) => counts.get(path) ?? 0,
    hugeBytesSent: () => hugeSent,
    hugeDone: () => huge,
    close: async () => {
      for (const answer of [...waiting]) answer();
      await server.shutdown();
    },
  };
}
