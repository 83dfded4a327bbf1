/**
 * `deno task admin COMMAND …`: account administration on the store the configuration names
 * (KV_PATH or DENO_KV_URL), while the server runs or not. Exit codes: 0 done, 1 refused or
 * failed (the message says why), 2 wrong usage. Passwords are read from the first line of
 * standard input with --password-stdin; without it, a random one is made and printed once.
 */
import { loadConfig } from "./config.ts";
import {
  createAccount,
  deleteAccount,
  disableAccount,
  enableAccount,
  requireAccount,
  resetPassword,
  setSiteAdmin,
} from "./lib/admin/mod.ts";
import { AppError } from "./lib/errors.ts";
import { openKv } from "./lib/storage/mod.ts";
import { type Account, listAccounts, passwordSchema, usernameSchema } from "./lib/accounts/mod.ts";

const USAGE = `Usage: deno task admin COMMAND [ARGS]

  list                                       every account, with its role and state
  create-user USERNAME [--display-name NAME] [--site-admin] [--password-stdin]
  reset-password USERNAME [--password-stdin] signs the account out everywhere
  grant-admin USERNAME                       gives the site-admin role
  revoke-admin USERNAME                      takes it away
  disable USERNAME                           no sign-in; sessions and sockets end at once
  enable USERNAME
  delete USERNAME [--transfer-to USERNAME] [--yes]
      removes the account's personal data; its messages and files stay as "Deleted user".
      Projects it owns alone are deleted; those with other members go to --transfer-to.

The store is the one KV_PATH (default ./data/chat.kv) or DENO_KV_URL names, the server running
or not; on a server, run it as the service's user. Without --password-stdin a random password
is made and printed once. Exit codes: 0 done, 1 refused or failed, 2 wrong usage.`;

class UsageError extends Error {}

type Args = { positional: string[]; flags: Map<string, string | true> };

const VALUE_FLAGS = new Set(["--display-name", "--transfer-to"]);

function parseArgs(args: string[], allowed: string[]): Args {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith("--")) {
      positional.push(a);
      continue;
    }
    if (!allowed.includes(a)) throw new UsageError(`Unknown option ${a}.`);
    if (VALUE_FLAGS.has(a)) {
      const value = args[++i];
      if (value === undefined) throw new UsageError(`${a} needs a value.`);
      flags.set(a, value);
    } else flags.set(a, true);
  }
  return { positional, flags };
}

function oneUsername(args: Args): string {
  if (args.positional.length !== 1) throw new UsageError("Name one account.");
  return args.positional[0];
}

/** The new password: stdin's first line, or a random one (printed by the caller). */
async function newPassword(args: Args): Promise<{ password: string; generated: boolean }> {
  if (!args.flags.has("--password-stdin")) {
    const bytes = crypto.getRandomValues(new Uint8Array(18));
    return { password: btoa(String.fromCharCode(...bytes)), generated: true };
  }
  let text = "";
  for await (const chunk of Deno.stdin.readable.pipeThrough(new TextDecoderStream())) {
    text += chunk;
    if (text.includes("\n")) break;
  }
  const parsed = passwordSchema.safeParse(text.split(/\r?\n/)[0]);
  if (!parsed.success) throw new AppError(400, "invalid_input", parsed.error.issues[0].message);
  return { password: parsed.data, generated: false };
}

function describe(a: Account): string {
  const flags = [a.siteAdmin ? "site admin" : "", a.disabledAt ? `disabled ${a.disabledAt}` : ""]
    .filter(Boolean).join(", ");
  return `${a.username} (${a.displayName}) id ${a.id}${flags ? ` [${flags}]` : ""}`;
}

async function run(kv: Deno.Kv, command: string, rest: string[]): Promise<void> {
  switch (command) {
    case "list": {
      parseArgs(rest, []);
      for (const a of await listAccounts(kv)) console.log(describe(a));
      return;
    }
    case "create-user": {
      const args = parseArgs(rest, ["--display-name", "--site-admin", "--password-stdin"]);
      const username = usernameSchema.safeParse(oneUsername(args));
      if (!username.success) {
        throw new AppError(400, "invalid_input", username.error.issues[0].message);
      }
      const { password, generated } = await newPassword(args);
      const displayName = args.flags.get("--display-name");
      const account = await createAccount(kv, {
        username: username.data,
        password,
        displayName: typeof displayName === "string" ? displayName : undefined,
        siteAdmin: args.flags.has("--site-admin"),
      });
      console.log(`Created ${describe(account)}.`);
      if (generated) console.log(`Password: ${password}`);
      return;
    }
    case "reset-password": {
      const args = parseArgs(rest, ["--password-stdin"]);
      const account = await requireAccount(kv, oneUsername(args));
      const { password, generated } = await newPassword(args);
      await resetPassword(kv, account.id, password);
      console.log(`New password set for ${account.username}; every session ended.`);
      if (generated) console.log(`Password: ${password}`);
      return;
    }
    case "grant-admin":
    case "revoke-admin": {
      const account = await requireAccount(kv, oneUsername(parseArgs(rest, [])));
      console.log(`${describe(await setSiteAdmin(kv, account.id, command === "grant-admin"))}.`);
      return;
    }
    case "disable": {
      const account = await requireAccount(kv, oneUsername(parseArgs(rest, [])));
      console.log(`Disabled ${describe(await disableAccount(kv, account.id))}.`);
      return;
    }
    case "enable": {
      const account = await requireAccount(kv, oneUsername(parseArgs(rest, [])));
      console.log(`Enabled ${describe(await enableAccount(kv, account.id))}.`);
      return;
    }
    case "delete": {
      const args = parseArgs(rest, ["--transfer-to", "--yes"]);
      const account = await requireAccount(kv, oneUsername(args));
      const to = args.flags.get("--transfer-to");
      const transferTo = typeof to === "string" ? await requireAccount(kv, to) : undefined;
      if (!args.flags.has("--yes") && !confirm(`Delete ${describe(account)} for good?`)) {
        throw new AppError(400, "cancelled", "Nothing was deleted.");
      }
      const report = await deleteAccount(kv, account.id, { transferTo });
      console.log(
        `Deleted ${account.username}: left ${report.conversationsLeft} conversations and ` +
          `${report.projectsLeft} projects (${report.projectsTransferred} handed over), ` +
          `deleted ${report.projectsDeleted} projects it owned alone.`,
      );
      return;
    }
  }
  throw new UsageError(`Unknown command "${command}".`);
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === "help" || command === "--help") {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  const kv = await openKv(loadConfig());
  try {
    await run(kv, command, rest);
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`${err.message}\n\n${USAGE}`);
      return 2;
    }
    if (err instanceof AppError) {
      console.error(`${command}: ${err.message}`);
      return 1;
    }
    throw err;
  } finally {
    kv.close();
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
