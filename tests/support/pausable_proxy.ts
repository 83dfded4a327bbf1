/**
 * A TCP proxy on 127.0.0.1 in front of a test server that can go silent: `pause()` stops
 * forwarding both ways while keeping every connection open (a network that drops packets,
 * not one that refuses), and `resume()` lets what was held through. A WebSocket through it
 * stays OPEN while nothing passes, as it does on a dead Wi-Fi.
 */
export function pausableProxy(targetPort: number) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns = new Set<Deno.Conn>();
  let gate: Promise<void> | null = null;
  let open = () => {};

  async function pipe(from: Deno.Conn, to: Deno.Conn) {
    const buf = new Uint8Array(64 * 1024);
    try {
      while (true) {
        const n = await from.read(buf);
        if (n === null) break;
        while (gate) await gate;
        let written = 0;
        while (written < n) written += await to.write(buf.subarray(written, n));
      }
    } catch {
      // Either side went away.
    } finally {
      for (const c of [from, to]) {
        if (!conns.delete(c)) continue;
        try {
          c.close();
        } catch { /* closed already */ }
      }
    }
  }

  const accepting = (async () => {
    try {
      for await (const client of listener) {
        const upstream = await Deno.connect({ hostname: "127.0.0.1", port: targetPort });
        conns.add(client);
        conns.add(upstream);
        void pipe(client, upstream);
        void pipe(upstream, client);
      }
    } catch {
      // The listener closed.
    }
  })();

  const { port } = listener.addr as Deno.NetAddr;
  return {
    base: `http://127.0.0.1:${port}`,
    pause() {
      gate ??= new Promise((resolve) => (open = resolve));
    },
    resume() {
      gate = null;
      open();
    },
    async close() {
      this.resume();
      listener.close();
      for (const c of conns) {
        try {
          c.close();
        } catch { /* closed already */ }
      }
      conns.clear();
      await accepting;
    },
  };
}
