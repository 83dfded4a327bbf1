/**
 * The Settings section of /admin: the site's name, who may create an account, whether
 * members may invite. One plain form to POST /api/admin/settings (works without JavaScript).
 */
import type { ComponentChildren } from "preact";
import type { Registration, SiteSettings } from "../lib/accounts/mod.ts";
import { card, input, muted, primary } from "./AdminStyles.ts";

const MODES: { value: Registration; label: string; help: string }[] = [
  {
    value: "invite",
    label: "By invitation",
    help: "People need an invite link from an admin (or a member, when allowed below).",
  },
  { value: "open", label: "Open", help: "Anyone who can reach this site may create an account." },
  { value: "closed", label: "Closed", help: "Only admins create accounts (under People)." },
];

export function AdminSettings(props: { settings: SiteSettings; notice?: ComponentChildren }) {
  const { settings } = props;
  return (
    <section id="settings" class={`mt-6 ${card}`} aria-labelledby="settings-title">
      <h2 id="settings-title" class="text-lg font-semibold">Settings</h2>
      {props.notice}
      <form method="post" action="/api/admin/settings" class="mt-4 space-y-5">
        <label class="block text-sm font-medium">
          Site name
          <input
            class={`${input} mt-1 max-w-sm`}
            name="name"
            value={settings.name}
            required
            maxLength={60}
          />
          <span class={`mt-1 block text-xs font-normal ${muted}`}>
            Shown in the sidebar and in every page's title.
          </span>
        </label>
        <fieldset>
          <legend class="text-sm font-medium">Who may create an account</legend>
          <div class="mt-2 space-y-2">
            {MODES.map((m) => (
              <label key={m.value} class="flex items-start gap-2 text-sm">
                <input
                  type="radio"
                  name="registration"
                  value={m.value}
                  checked={settings.registration === m.value}
                  class="mt-1"
                />
                <span>
                  <span class="font-medium">{m.label}</span>
                  <span class={`block text-xs ${muted}`}>{m.help}</span>
                </span>
              </label>
            ))}
          </div>
        </fieldset>
        <div>
          {/* Unticked, a checkbox sends nothing: this hidden "false" comes first, a tick after it. */}
          <input type="hidden" name="membersMayInvite" value="false" />
          <label class="flex items-start gap-2 text-sm">
            <input
              type="checkbox"
              name="membersMayInvite"
              value="true"
              checked={settings.membersMayInvite}
              class="mt-1"
            />
            <span>
              <span class="font-medium">Members may invite people</span>
              <span class={`block text-xs ${muted}`}>
                Otherwise only admins create invite links.
              </span>
            </span>
          </label>
        </div>
        <p class={`text-xs ${muted}`}>
          What you save here wins over the server's SITE_NAME and REGISTRATION settings.
        </p>
        <button type="submit" class={primary}>Save settings</button>
      </form>
    </section>
  );
}
