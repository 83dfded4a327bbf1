/**
 * What a message row may ask of the room it is in (edit, delete, react, by seq), and the
 * quick reactions its palette offers. Here, beside the rows, so that components never import
 * islands: the chat room island implements MessageActions (islands/chat/message_actions.ts).
 */

/** The quick reactions offered by a message's "React" palette. */
export const QUICK_EMOJI = ["👍", "❤️", "😂", "🎉", "😮", "🙏", "👀", "✅"];

export type MessageActions = {
  startEdit: (seq: number) => void;
  cancelEdit: () => void;
  /** Answers why the content cannot be saved (as sending would), or null once it went. */
  saveEdit: (seq: number, content: string) => string | null;
  remove: (seq: number) => void;
  react: (seq: number, emoji: string, on: boolean) => void;
};
