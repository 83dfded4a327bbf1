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
  /** Opens the message's thread beside the conversation (absent: the link reloads the page). */
  openThread?: (seq: number) => void;
  /** Pins (`on`) or unpins the message for everyone in the conversation. */
  pin?: (seq: number, on: boolean) => void;
  /** Saves (`on`) or unsaves the message in your own saved messages. */
  save?: (seq: number, on: boolean) => void;
  /** Whether you saved it (read in render: the toolbar follows as it changes). */
  isSaved?: (seq: number) => boolean;
};
