import { useEffect } from "preact/hooks";
import { chatSocket } from "./parts/chat_socket.ts";
import { DOT_CLASS, DOT_TEXT } from "./list/marks.tsx";

/**
 * Keeps a member list's dots live (issue 15, 9): asks the page's socket about the members
 * (its own `watch_people` scope, again after every reconnect) and shows each member's dot
 * (`data-presence-of`, drawn hidden by components/MemberList.tsx) as online, away or none.
 * It draws nothing itself.
 */
export default function MemberPresence(props: { userIds: string[] }) {
  useEffect(() => {
    const socket = chatSocket();
    const off = socket.on((frame) => {
      if (frame.type !== "people") return;
      for (const p of frame.people) {
        const dots = document.querySelectorAll<HTMLElement>(
          `[data-presence-of="${CSS.escape(p.id)}"]`,
        );
        for (const dot of dots) {
          for (const c of Object.values(DOT_CLASS)) if (c) dot.classList.remove(c);
          if (DOT_CLASS[p.state]) dot.classList.add(DOT_CLASS[p.state]);
          dot.dataset.presence = p.state;
          dot.hidden = p.state === "offline";
          dot.title = DOT_TEXT[p.state];
          const text = dot.querySelector(".sr-only");
          if (text) text.textContent = DOT_TEXT[p.state].toLowerCase();
        }
      }
    });
    const offState = socket.onState((s) => {
      if (s === "open") {
        socket.send({
          type: "watch_people",
          userIds: props.userIds.slice(0, 200),
          scope: "members",
        });
      }
    });
    return () => {
      off();
      offState();
    };
  }, []);
  return null;
}
