import type { VNode } from "preact";
import { renderToString } from "preact-render-to-string";

/** Renders a page to a complete HTML document. */
export function renderDocument(page: VNode): string {
  return `<!DOCTYPE html>${renderToString(page)}`;
}
