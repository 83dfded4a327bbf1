/**
 * The FileManager island (a project's files): files/file_manager.tsx made with app.js's
 * parts. The server renders it from here; the browser loads it as a chunk of its own when a
 * page has it (islands/app.ts, files/file_parts.ts).
 */
import { makeFileManager } from "./files/file_manager.tsx";
import { fileParts } from "./files/file_parts.ts";

export type { FileManagerProps } from "./files/file_manager.tsx";

const FileManager = makeFileManager(fileParts);
export default FileManager;
