import type { ProviderInfo } from "../lib/accounts/mod.ts";

/**
 * "Continue with …" for each configured provider: plain links, so they work before (and
 * without) any JavaScript. Nothing is rendered when no provider is configured.
 */
export function OAuthButtons(props: { providers: ProviderInfo[]; next: string }) {
  if (props.providers.length === 0) return null;
  const query = props.next && props.next !== "/" ? `?next=${encodeURIComponent(props.next)}` : "";
  return (
    <div class="mt-6 space-y-3" data-testid="oauth-buttons">
      <div class="flex items-center gap-3 text-xs uppercase tracking-wide text-slate-500 dark:text-slate-400">
        <span class="h-px flex-1 bg-slate-200"></span>or<span class="h-px flex-1 bg-slate-200">
        </span>
      </div>
      {props.providers.map((p) => (
        <a
          key={p.id}
          href={`/auth/oauth/${p.id}/signin${query}`}
          class="block w-full rounded-lg border border-slate-300 dark:border-slate-600 bg-white dark:bg-slate-900 px-4 py-2 text-center font-semibold text-slate-700 dark:text-slate-300 shadow-sm hover:bg-slate-50 dark:hover:bg-slate-800"
        >
          Continue with {p.name}
        </a>
      ))}
    </div>
  );
}
