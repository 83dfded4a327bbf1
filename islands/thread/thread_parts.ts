/**
 * What the thread panel (thread_panel.tsx, a chunk of its own) shares with the chat room,
 * handed to it rather than imported by it (see there). In app.js with the room.
 */
import { MessageList } from "../../components/MessageList.tsx";
import { MessageItem } from "../../components/MessageItem.tsx";
import { instead } from "../../components/instead.ts";
import { SpriteIcon } from "../../components/Icon.tsx";
import { messageActions } from "../chat/message_actions.ts";
import { Composer } from "../chat/Composer.tsx";
import { threadAside } from "./thread_aside.tsx";
import { keepKnownPeople, THREADS_CHANGED, withReply } from "./room_threads.ts";
import type { ThreadParts } from "./thread_panel.tsx";

export const threadParts: ThreadParts = {
  MessageList,
  MessageItem,
  instead,
  SpriteIcon,
  messageActions,
  Composer,
  threadAside,
  room: { withReply, keepKnownPeople, THREADS_CHANGED },
};
