import type { Conversation } from "../../lib/conversations/mod.ts";
import type { Message } from "../../lib/shared/message.ts";
import type { User } from "../../lib/shared/user.ts";

/**
 * ChatRoom's props. Apart from the island so that its packing (islands/parts/chat_props.ts)
 * and the island import this, not each other.
 */
export type ChatRoomProps = {
  me: User;
  conversation: Conversation;
  messages: Message[];
  nextCursor: string | null;
  /** The first seq that was unread when the page was made: a "New messages" line goes there. */
  unreadFrom?: number | null;
  /** The server's upload limit (files over it are refused before they are sent). */
  maxUploadBytes?: number;
  /**
   * What the address opened on one message (`?edit=`, `?react=`, `?delete=`): how the page's
   * message actions work without JavaScript, as forms that come back here.
   */
  opened?: { edit?: number; react?: number; delete?: number };
  /** A message to show and highlight instead of the newest (a search result: `?around=`). */
  focusSeq?: number | null;
};
