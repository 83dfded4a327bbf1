import assert from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import { collectIslands, island } from "./islands.tsx";

function Greeting(props: { name: string; tags: string[] }) {
  return <p class="greeting">Hello, {props.name} ({props.tags.length})</p>;
}

const GreetingIsland = island("Greeting", Greeting);

/** Reads one attribute back the way a browser would: unescapes the HTML character references. */
function attribute(html: string, name: string): string {
  const match = html.match(new RegExp(`\\s${name}="([^"]*)"`));
  assert.ok(match, `the markup has a ${name} attribute`);
  return match[1].replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (entity, ref: string) => {
    if (ref[0] === "#") {
      return String.fromCodePoint(
        ref[1] === "x" || ref[1] === "X" ? parseInt(ref.slice(2), 16) : Number(ref.slice(1)),
      );
    }
    const named: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };
    assert.ok(ref in named, `unexpected entity ${entity}`);
    return named[ref];
  });
}

Deno.test("island() renders a marker naming the island around the component", () => {
  const html = renderToString(<GreetingIsland name="Ann" tags={["a", "b"]} />);
  assert.equal(attribute(html, "data-island"), "Greeting");
  assert.match(html, /<p class="greeting">Hello, Ann \(2\)<\/p>/);
  assert.equal(GreetingIsland.displayName, "Island(Greeting)");
});

Deno.test("island() props round-trip hostile strings through data-props without breaking out", () => {
  const hostile = {
    name: `</script><!--<script>alert("x")</script>-->`,
    tags: [`" onmouseover="alert(1)`, `' &amp; <b>`, "]]> \u2028 \u0000 ✓ 😀", "&lt;already&gt;"],
  };
  const html = renderToString(<GreetingIsland {...hostile} />);
  assert.deepEqual(JSON.parse(attribute(html, "data-props")), hostile);
  assert.ok(!html.includes("</script"), "no closing script tag in the markup");
  assert.ok(!html.includes("<!--"), "no comment opener in the markup");
  assert.ok(!html.includes("<script"), "no script tag in the markup");
  assert.ok(!html.includes(`" onmouseover`), "no attribute break-out");
  assert.match(
    html,
    /^<div data-island="Greeting" data-props="[^"<]*" class="contents"><p class="greeting">/,
    "the marker keeps exactly its three attributes",
  );
});

Deno.test("collectIslands() names the islands a render used, the chat room first", () => {
  const Side = island("Side", () => <nav>side</nav>);
  const Room = island("ChatRoom", () => <main>room</main>);
  const { result, islands } = collectIslands(() =>
    renderToString(
      <div>
        <Side />
        <GreetingIsland name="Ann" tags={[]} />
        <Room />
        <Side />
      </div>,
    )
  );
  assert.match(result, /<nav>side<\/nav>.*<main>room<\/main>/);
  assert.deepEqual(islands, ["ChatRoom", "Side", "Greeting"]);
});
