/**
 * The site's settings: its name, who may register, whether members may invite. The
 * environment (REGISTRATION, SITE_NAME) gives the defaults; what an admin sets at run time
 * (/admin, PATCH /api/admin/settings) is stored and wins.
 */
import { z } from "zod";
import { siteSettingsKey } from "../storage/mod.ts";
import { cleanName } from "../shared/names.ts";

export const registrationSchema = z.enum(["open", "invite", "closed"]);
export type Registration = z.infer<typeof registrationSchema>;

export type SiteSettings = {
  /** Shown in the header and the page title. */
  name: string;
  /** invite: a valid invite code is needed; open: anyone; closed: only admins add people. */
  registration: Registration;
  /** Members (not only admins) may create invites. */
  membersMayInvite: boolean;
};

/** What an admin may change (every field optional). */
export const siteSettingsPatchSchema = z.object({
  name: z.string().transform(cleanName).pipe(
    z.string().min(1, "Enter a name.").max(60, "Use at most 60 characters."),
  ).optional(),
  registration: registrationSchema.optional(),
  membersMayInvite: z.boolean().optional(),
}).strict();
export type SiteSettingsPatch = z.infer<typeof siteSettingsPatchSchema>;

type Defaults = { siteName: string; registration: Registration };

/** The settings in force: what an admin stored, over the environment's defaults. */
export async function getSiteSettings(kv: Deno.Kv, defaults: Defaults): Promise<SiteSettings> {
  const stored = (await kv.get<Partial<SiteSettings>>(siteSettingsKey())).value ?? {};
  return {
    name: stored.name ?? defaults.siteName,
    registration: stored.registration ?? defaults.registration,
    membersMayInvite: stored.membersMayInvite ?? false,
  };
}

/** Stores an admin's change (only the fields given) and returns the settings in force. */
export async function updateSiteSettings(
  kv: Deno.Kv,
  defaults: Defaults,
  patch: SiteSettingsPatch,
): Promise<SiteSettings> {
  for (;;) {
    const entry = await kv.get<Partial<SiteSettings>>(siteSettingsKey());
    const next = { ...(entry.value ?? {}) };
    for (const [k, v] of Object.entries(patch)) {
      if (v !== undefined) (next as Record<string, unknown>)[k] = v;
    }
    if ((await kv.atomic().check(entry).set(siteSettingsKey(), next).commit()).ok) break;
  }
  cached.delete(kv);
  return await getSiteSettings(kv, defaults);
}

/** How long a process keeps the settings it read (another process's change shows after it). */
export const SITE_SETTINGS_TTL_MS = 5_000;

const cached = new WeakMap<Deno.Kv, { until: number; settings: Promise<SiteSettings> }>();

/**
 * The settings in force, read at most every SITE_SETTINGS_TTL_MS per store (every page shows
 * the site's name: one KV read per page would be waste). A change made in this process
 * (updateSiteSettings) shows at once; one made in another within the TTL.
 */
export function cachedSiteSettings(
  kv: Deno.Kv,
  defaults: Defaults,
  now = Date.now(),
): Promise<SiteSettings> {
  const hit = cached.get(kv);
  if (hit && hit.until > now) return hit.settings;
  const settings = getSiteSettings(kv, defaults);
  const entry = { until: now + SITE_SETTINGS_TTL_MS, settings };
  cached.set(kv, entry);
  // A failed read is not kept: the next request tries again.
  settings.catch(() => cached.get(kv) === entry && cached.delete(kv));
  return settings;
}
