import { useSignal } from "@preact/signals";
import type { JSX } from "preact";

export type AuthFormProps = {
  mode: "login" | "register";
  next: string;
  values: { username: string; displayName: string };
  message: string | null;
  fields: Record<string, string>;
  /**
   * Registering with an invite: its code, in a field the person sees (REGISTRATION=invite:
   * they may paste one) or hidden (it came from a /join link). Null: no invite field.
   */
  invite?: { code: string; visible: boolean } | null;
};

const LABELS = {
  username: "Username",
  password: "Password",
  displayName: "Display name",
  inviteCode: "Invite code",
} as const;

/**
 * Sign-in and registration form. Without JavaScript it posts the form and the server answers
 * with a redirect or the page with errors; with it, it posts JSON and shows errors in place.
 */
export default function AuthForm(props: AuthFormProps) {
  const fields = useSignal<Record<string, string>>(props.fields);
  const message = useSignal<string | null>(props.message);
  const busy = useSignal(false);
  // Controlled, so a re-render (busy, an error) never wipes what the person typed.
  const values = useSignal(props.values);
  const inviteCode = useSignal(props.invite?.code ?? "");
  const register = props.mode === "register";

  async function onSubmit(event: JSX.TargetedSubmitEvent<HTMLFormElement>) {
    event.preventDefault();
    const data = Object.fromEntries(new FormData(event.currentTarget));
    // What was typed before hydration never reached the signal: take it from the form, or
    // the re-render below would put the old (empty) value back.
    values.value = {
      username: String(data.username ?? ""),
      displayName: String(data.displayName ?? ""),
    };
    if (typeof data.inviteCode === "string") inviteCode.value = data.inviteCode;
    busy.value = true;
    if (register && data.displayName === "") delete data.displayName;
    if (data.inviteCode === "") delete data.inviteCode;
    try {
      const res = await fetch(`/api/auth/${props.mode}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(data),
      });
      if (res.ok) {
        location.assign(props.next || "/");
        return;
      }
      const body = await res.json().catch(() => null);
      fields.value = body?.error?.fields ?? {};
      message.value = body?.error?.message ?? "Something went wrong. Please try again.";
    } catch {
      message.value = "Cannot reach the server. Check your connection and try again.";
    }
    busy.value = false;
  }

  function field(name: keyof typeof LABELS, type: string, extra: Record<string, unknown> = {}) {
    const error = fields.value[name];
    const id = `field-${name}`;
    return (
      <div class="space-y-1">
        <label for={id} class="block text-sm font-medium text-slate-700 dark:text-slate-300">
          {LABELS[name]}
        </label>
        <input
          id={id}
          name={name}
          type={type}
          aria-invalid={error ? "true" : undefined}
          aria-describedby={error ? `${id}-error` : undefined}
          class={`block w-full rounded-lg border px-3 py-2 text-slate-900 dark:text-slate-100 shadow-sm outline-none focus:ring-2 focus:ring-indigo-500 ${
            error ? "border-red-400" : "border-slate-300 dark:border-slate-600"
          }`}
          {...extra}
        />
        {error && <p id={`${id}-error`} class="text-sm text-red-600 dark:text-red-400">{error}</p>}
      </div>
    );
  }

  return (
    <form
      method="post"
      action={`/api/auth/${props.mode}`}
      onSubmit={onSubmit}
      class="space-y-4"
      noValidate
    >
      <input type="hidden" name="next" value={props.next} />
      {message.value && (
        <div
          role="alert"
          class="rounded-lg border border-red-200 bg-red-50 dark:bg-red-950 px-3 py-2 text-sm text-red-700 dark:text-red-300"
        >
          {message.value}
        </div>
      )}
      {field("username", "text", {
        autocomplete: "username",
        required: true,
        value: values.value.username,
        onInput: (
          e: JSX.TargetedEvent<HTMLInputElement>,
        ) => (values.value = { ...values.value, username: e.currentTarget.value }),
        autofocus: true,
      })}
      {register &&
        field("displayName", "text", {
          autocomplete: "name",
          value: values.value.displayName,
          onInput: (
            e: JSX.TargetedEvent<HTMLInputElement>,
          ) => (values.value = { ...values.value, displayName: e.currentTarget.value }),
        })}
      {field("password", "password", {
        autocomplete: register ? "new-password" : "current-password",
        required: true,
      })}
      {register && props.invite && !props.invite.visible && (
        <input type="hidden" name="inviteCode" value={props.invite.code} />
      )}
      {register && props.invite?.visible &&
        field("inviteCode", "text", {
          autocomplete: "off",
          spellcheck: false,
          required: true,
          value: inviteCode.value,
          onInput: (
            e: JSX.TargetedEvent<HTMLInputElement>,
          ) => (inviteCode.value = e.currentTarget.value),
        })}
      <button
        type="submit"
        disabled={busy.value}
        class="w-full rounded-lg bg-indigo-600 px-4 py-2 font-semibold text-white shadow-sm hover:bg-indigo-500 disabled:opacity-60"
      >
        {register ? "Create account" : "Sign in"}
      </button>
    </form>
  );
}
