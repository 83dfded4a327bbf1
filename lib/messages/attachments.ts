import { getConversationRecordForUser } from "../conversations/mod.ts";
import { ValidationError } from "../errors.ts";
import { type FileArea, getFileRecords } from "../files/mod.ts";
import type { Attachment } from "../shared/message.ts";
import { MAX_ATTACHMENTS } from "../shared/limits.ts";
import type { MessageChange } from "./changes.ts";
import { fileRefKey, fileRefsPrefix } from "../storage/mod.ts";

/** Where a conversation's attachments live: its project's files, else its own file area. */
export function fileAreaOf(conversation: { id: string; projectId: string | null }): FileArea {
  return conversation.projectId
    ? { kind: "project", id: conversation.projectId }
    : { kind: "conversation", id: conversation.id };
}

/**
 * The attachments for a message: each id must name a file in the conversation's file area
 * that the sender uploaded (no one attaches another person's file, nor one from elsewhere).
 * Repeated ids count once. Throws ValidationError (400, field `attachmentIds`) otherwise.
 */
export async function resolveAttachments(
  kv: Deno.Kv,
  conversation: { id: string; projectId: string | null },
  input: { ids: string[]; senderId: string },
): Promise<Attachment[]> {
  const ids = [...new Set(input.ids)];
  if (ids.length === 0) return [];
  if (ids.length > MAX_ATTACHMENTS) {
    throw attachmentError(`Attach at most ${MAX_ATTACHMENTS} files to one message.`);
  }
  const records = await getFileRecords(kv, fileAreaOf(conversation).id, ids);
  return records.map((record) => {
    if (!record) throw attachmentError("Attach files uploaded to this conversation.");
    if (record.uploadedById !== input.senderId) {
      throw attachmentError("You can only attach files you uploaded.");
    }
    const { id, name, size, contentType } = record;
    return { id, name, size, contentType };
  });
}

function attachmentError(message: string): ValidationError {
  return new ValidationError(message, { attachmentIds: message }, "invalid_attachments");
}

/**
 * A message is some text, some files, or both: never neither. Throws ValidationError with
 * `code` (a socket says `invalid_frame`, as for any other frame its schema refuses).
 */
export function requireContentOrFiles(
  content: string,
  attachments: Attachment[],
  code = "invalid_input",
): void {
  if (content === "" && attachments.length === 0) {
    throw new ValidationError(
      "Write something first.",
      { content: "Write something first." },
      code,
    );
  }
}

/**
 * What a send carries, checked: the files (for a participant of the conversation: a
 * NotFoundError otherwise) and that the message is not empty. Throws as resolveAttachments.
 */
export async function attachmentsForSend(
  kv: Deno.Kv,
  input: {
    conversationId: string;
    senderId: string;
    content: string;
    attachmentIds?: string[];
    /** The error code for a message with neither text nor files. */
    emptyCode?: string;
  },
): Promise<Attachment[]> {
  let attachments: Attachment[] = [];
  if (input.attachmentIds?.length) {
    const conversation = await getConversationRecordForUser(
      kv,
      input.conversationId,
      input.senderId,
    );
    attachments = await resolveAttachments(kv, conversation, {
      ids: input.attachmentIds,
      senderId: input.senderId,
    });
  }
  requireContentOrFiles(input.content, attachments, input.emptyCode);
  return attachments;
}

/**
 * After a file was deleted: every message carrying it shows it as removed, through
 * `change` (the hub's, so everyone in those rooms hears of it). Its references go too.
 * Best effort per message: a message that cannot be changed keeps showing the file (whose
 * download then answers 404).
 */
export async function detachDeletedFile(
  kv: Deno.Kv,
  fileId: string,
  change: (target: { conversationId: string; seq: number }, c: MessageChange) => Promise<unknown>,
): Promise<void> {
  for await (const e of kv.list({ prefix: fileRefsPrefix(fileId) })) {
    const [, , conversationId, seq] = e.key;
    await change(
      { conversationId: String(conversationId), seq: Number(seq) },
      { kind: "detach", fileId },
    ).catch(() => {});
    await kv.delete(fileRefKey(fileId, String(conversationId), Number(seq)));
  }
}
