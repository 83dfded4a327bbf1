/// <reference lib="dom" />
import type { ComponentType } from "preact";
import { useState } from "preact/hooks";
import { Avatar } from "../components/people.tsx";

type Dialog = ComponentType<{ opened: number; Avatar: typeof Avatar }>;

/**
 * "New conversation": a button that opens a dialog to find people and start a conversation
 * (shell/new_conversation_dialog.tsx, a chunk of its own loaded when the button is first
 * pressed: the pages that show the button need not load it). Without JavaScript, or if
 * the dialog's code cannot load, the button is a link to the /new page, which does the same
 * with a form.
 */
export default function NewConversation() {
  const [dialog, setDialog] = useState<Dialog | null>(null);
  const [opened, setOpened] = useState(0);
  const [loading, setLoading] = useState(false);

  async function open(event: Event) {
    event.preventDefault();
    if (loading) return;
    if (!dialog) {
      setLoading(true);
      try {
        const { NewConversationDialog } = await import("./shell/new_conversation_dialog.tsx");
        setDialog(() => NewConversationDialog);
      } catch {
        location.assign("/new");
        return;
      } finally {
        setLoading(false);
      }
    }
    setOpened((n) => n + 1);
  }

  const Dialog = dialog;
  return (
    <>
      <a
        href="/new"
        onClick={open}
        role="button"
        aria-busy={loading || undefined}
        class="flex w-full items-center justify-center gap-2 rounded-lg bg-indigo-600 px-3 py-2 text-sm font-semibold text-white hover:bg-indigo-500"
      >
        New conversation
      </a>
      {Dialog && <Dialog opened={opened} Avatar={Avatar} />}
    </>
  );
}
