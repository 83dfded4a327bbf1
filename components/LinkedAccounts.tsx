import type { LinkedIdentity, ProviderInfo } from "../lib/accounts/mod.ts";

/**
 * The sign-in providers of an account page: for each configured provider, the linked account
 * (its username or email there) or a "Link <provider>" link that starts the OAuth flow (a
 * plain link: no JavaScript needed). Server-rendered; renders nothing without providers.
 */
export function LinkedAccounts(
  props: { providers: ProviderInfo[]; identities: LinkedIdentity[] },
) {
  if (props.providers.length === 0) return null;
  return (
    <section aria-labelledby="linked-accounts" class="space-y-3">
      <h2 id="linked-accounts" class="text-lg font-semibold">Linked accounts</h2>
      <ul class="divide-y divide-slate-200 rounded-lg ring-1 ring-slate-200 dark:ring-slate-700">
        {props.providers.map((p) => {
          const linked = props.identities.find((i) => i.provider === p.id);
          return (
            <li key={p.id} class="flex items-center justify-between gap-3 px-4 py-3">
              <span class="font-medium">{p.name}</span>
              {linked
                ? (
                  <span class="text-sm text-slate-600 dark:text-slate-400">
                    Linked{linked.username || linked.email
                      ? ` as ${linked.username ?? linked.email}`
                      : ""}
                  </span>
                )
                : (
                  <a
                    href={`/auth/oauth/${p.id}/signin?link=1`}
                    class="rounded-lg border border-slate-300 dark:border-slate-600 px-3 py-1 text-sm font-semibold text-indigo-600 dark:text-indigo-400 hover:bg-slate-50 dark:hover:bg-slate-800"
                  >
                    Link {p.name}
                  </a>
                )}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
