/** A file's kind in a word ("Image", "PDF", "Archive"…), from its content type. */
export function kindOf(type: string): string {
  if (type.startsWith("image/")) return "Image";
  if (type.startsWith("text/")) return "Text";
  if (type === "application/pdf") return "PDF";
  if (type.includes("zip") || type.includes("compressed")) return "Archive";
  return type === "application/octet-stream" ? "File" : type.split("/")[1]?.toUpperCase() ?? "File";
}
