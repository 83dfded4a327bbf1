/**
 * A system message as words: "Ann added Ben and Carl". The server stores the sentence as the
 * message's `content` (what previews show); the page and the island build the same sentence
 * from `Message.system`, with the people's names as they are now. Browser-safe.
 */
import type { SystemInfo } from "./message.ts";
import type { User } from "./user.ts";

/** One part of a sentence: plain text, or a person's name (shown stronger). */
export type SystemPart = string | { user: User };

/** The most names a sentence lists before "and N others". */
const MAX_NAMES = 3;

/** The sentence's parts, in order (see systemSentence for the text). */
export function systemParts(info: SystemInfo): SystemPart[] {
  const actor: SystemPart = { user: info.actor };
  const users = info.users ?? [];
  switch (info.event) {
    case "created":
      return info.title
        ? [actor, ` created ${QUOTE}${info.title}${UNQUOTE}`]
        : [actor, " created this conversation"];
    case "joined":
      return [actor, " joined"];
    case "left":
      return [actor, " left"];
    case "added":
      return [actor, " added ", ...names(users)];
    case "removed":
      return [actor, " removed ", ...names(users)];
    case "renamed":
      return [actor, ` renamed this to ${QUOTE}${info.title ?? ""}${UNQUOTE}`];
    case "topic":
      return info.topic
        ? [actor, ` set the topic: ${QUOTE}${info.topic}${UNQUOTE}`]
        : [actor, " cleared the topic"];
    case "archived":
      return [actor, " archived this channel"];
    case "unarchived":
      return [actor, " unarchived this channel"];
    case "pinned":
      return [actor, " pinned a message"];
    case "unpinned":
      return [actor, " unpinned a message"];
    default:
      return [actor, " changed this conversation"];
  }
}

const QUOTE = "\u201c";
const UNQUOTE = "\u201d";

/** "Ben", "Ben and Carl", "Ben, Carl and Dan", "Ben, Carl, Dan and 2 others". */
function names(users: User[]): SystemPart[] {
  if (users.length === 0) return ["nobody"];
  const shown = users.length > MAX_NAMES + 1 ? users.slice(0, MAX_NAMES) : users;
  const rest = users.length - shown.length;
  const parts: SystemPart[] = [];
  shown.forEach((user, i) => {
    if (i > 0) parts.push(i === shown.length - 1 && rest === 0 ? " and " : ", ");
    parts.push({ user });
  });
  if (rest > 0) parts.push(` and ${rest} others`);
  return parts;
}

/** What a person is called in a sentence. */
export function systemName(user: User): string {
  return user.displayName || user.username;
}

/**
 * The sentence as plain text. An "@" in it (a name or a topic that holds one) is written as
 * "＠" (U+FF20): a system message mentions nobody, wherever its text is read for mentions.
 */
export function systemSentence(info: SystemInfo): string {
  const text = systemParts(info).map((p) => typeof p === "string" ? p : systemName(p.user))
    .join("");
  return text.replaceAll("@", "\uFF20");
}
