/**
 * The project's file manager (file_manager.tsx): a chunk of its own, loaded by a page that
 * has one (islands/app.ts's `FileManager`), made with what it shares with app.js, handed to
 * it. Shared by import instead, people.tsx and uploads.tsx were a chunk of their own on every
 * signed-in page (issue 21's JavaScript budget).
 */
import type { ComponentType } from "preact";
import { fullTime, shortTime } from "../../components/people.tsx";
import { sendFile, UploadList } from "../parts/uploads.tsx";
import { kindOf } from "../../components/file_kind.ts";
import { formatSize, PREVIEW_TYPES } from "../../lib/shared/limits.ts";
import type { FileManagerProps, FileParts } from "./file_manager.tsx";

export const fileParts: FileParts = {
  fullTime,
  shortTime,
  sendFile,
  UploadList,
  kindOf,
  formatSize,
  PREVIEW_TYPES,
};

let loading: Promise<ComponentType<FileManagerProps>> | undefined;

/** The file manager, its chunk loaded once (a failed load is tried again next time). */
export function loadFileManager(): Promise<ComponentType<FileManagerProps>> {
  loading ??= import("./file_manager.tsx").then((m) => m.makeFileManager(fileParts), (err) => {
    loading = undefined;
    throw err;
  });
  return loading;
}
