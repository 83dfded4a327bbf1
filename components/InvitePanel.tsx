import CopyLink from "../islands/CopyLink.tsx";
import { type Invite, INVITE_DEFAULTS, inviteUsable } from "../lib/accounts/mod.ts";
import { island } from "../lib/web/mod.ts";

const CopyLinkIsland = island("CopyLink", CopyLink);

export type InvitePanelProps = {
  invites: Invite[];
  /** Whether the viewer may create invites (admins; members when the admin allows it). */
  canCreate: boolean;
  /** Unused: each invite carries its full url. Kept for callers that pass it. */
  origin?: string;
  /** Where the forms come back to (a same-site path): "/invites" unless given. */
  next?: string;
  /** Show who made each invite (the admin's view of everyone's). */
  showCreator?: boolean;
  /** The section's heading ("Invites" unless given). */
  heading?: string;
};

const button =
  "rounded-lg px-3 py-1.5 text-sm font-semibold focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500";
const field =
  "mt-1 block w-24 rounded-lg border border-slate-300 dark:border-slate-600 bg-white dark:bg-slate-900 px-2 py-1.5 text-sm focus:border-indigo-500 focus:outline-none focus:ring-1 focus:ring-indigo-500";

function day(iso: string): string {
  return new Date(iso).toISOString().replace("T", " ").slice(0, 16) + " UTC";
}

/** "3 of 5 left", "Used up", "Expired". */
function status(invite: Invite): { text: string; usable: boolean } {
  if (Date.parse(invite.expiresAt) <= Date.now()) return { text: "Expired", usable: false };
  if (invite.uses >= invite.maxUses) return { text: "Used up", usable: false };
  const left = invite.maxUses - invite.uses;
  return {
    text: invite.maxUses === 1 ? "Not used yet" : `${left} of ${invite.maxUses} uses left`,
    usable: inviteUsable(invite),
  };
}

function InviteRow(props: { invite: Invite; next: string; showCreator: boolean }) {
  const { invite } = props;
  const state = status(invite);
  return (
    <li class="py-3" data-invite-id={invite.id}>
      <div class="flex flex-wrap items-center gap-2">
        <div class="min-w-0 flex-1 basis-64">
          <CopyLinkIsland url={invite.url} label="Invite link" />
        </div>
        <form method="post" action={`/api/invites/${encodeURIComponent(invite.id)}/revoke`}>
          <input type="hidden" name="next" value={props.next} />
          <button
            type="submit"
            aria-label={`Revoke the invite made ${day(invite.createdAt)}`}
            class={`${button} text-red-700 dark:text-red-300 ring-1 ring-red-300 dark:ring-red-800 hover:bg-red-50 dark:hover:bg-red-950`}
          >
            Revoke
          </button>
        </form>
      </div>
      <p class="mt-1 text-xs text-slate-600 dark:text-slate-400">
        <span
          class={state.usable
            ? "font-medium text-emerald-700 dark:text-emerald-400"
            : "font-medium text-slate-700 dark:text-slate-300"}
        >
          {state.text}
        </span>
        {" · "}
        {Date.parse(invite.expiresAt) > Date.now() ? "expires" : "expired"} {day(invite.expiresAt)}
        {props.showCreator && <>{" · by "}{invite.createdBy.displayName}</>}
      </p>
    </li>
  );
}

/**
 * Invites: each link with a Copy button, its uses left and expiry, and Revoke; a form to
 * make a new one. Plain forms to the API (they come back to `next`), so it works without
 * JavaScript. Used by /invites and the admin page.
 */
export function InvitePanel(props: InvitePanelProps) {
  const next = props.next ?? "/invites";
  return (
    <section
      class="rounded-2xl bg-white dark:bg-slate-900 p-6 shadow-sm ring-1 ring-slate-200 dark:ring-slate-700"
      aria-labelledby="invites-heading"
      data-testid="invite-panel"
    >
      <h2 id="invites-heading" class="text-lg font-semibold">{props.heading ?? "Invites"}</h2>
      <p class="mt-1 text-sm text-slate-600 dark:text-slate-400">
        Anyone with an invite link can create an account here, until it is used up or expires.
      </p>
      {props.canCreate && (
        <form method="post" action="/api/invites" class="mt-4 flex flex-wrap items-end gap-3">
          <input type="hidden" name="next" value={next} />
          <label class="block text-sm font-medium">
            People
            <input
              class={field}
              type="number"
              name="maxUses"
              min={1}
              max={1000}
              value={INVITE_DEFAULTS.maxUses}
              required
            />
          </label>
          <label class="block text-sm font-medium">
            Days valid
            <input
              class={field}
              type="number"
              name="expiresInDays"
              min={1}
              max={90}
              value={INVITE_DEFAULTS.expiresInDays}
              required
            />
          </label>
          <button type="submit" class={`${button} bg-indigo-600 text-white hover:bg-indigo-500`}>
            Create invite link
          </button>
        </form>
      )}
      {props.invites.length === 0
        ? <p class="mt-4 text-sm text-slate-600 dark:text-slate-400">No invites yet.</p>
        : (
          <ul
            class="mt-4 divide-y divide-slate-100 dark:divide-slate-800"
            aria-label="Invite links"
          >
            {props.invites.map((invite) => (
              <InviteRow
                key={invite.id}
                invite={invite}
                next={next}
                showCreator={props.showCreator ?? false}
              />
            ))}
          </ul>
        )}
    </section>
  );
}
