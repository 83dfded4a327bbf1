/**
 * Notification settings (issue 18): per conversation `GET`/`PUT /api/conversations/:id/notifications`
 * (mounted at /api/conversations) and do-not-disturb `GET`/`PUT /api/me/dnd`
 * (`meNotificationRoutes`, mounted at /api/me). Each has a form twin (`POST`) for pages
 * without JavaScript, answered with a 303 back. Only a participant reads or sets a
 * conversation's setting: anyone else gets the 404 of a missing conversation.
 */
import { Hono } from "hono";
import { z } from "zod";
import { getConversationRecordForUser } from "../../lib/conversations/mod.ts";
import { ValidationError } from "../../lib/errors.ts";
import {
  DND_PRESETS,
  dndPresetEnd,
  getDndUntil,
  getNotifyPrefs,
  MAX_DND_MS,
  notifyLevelSchema,
  notifyPrefSchema,
  setDnd,
  setNotifyPref,
} from "../../lib/notify/mod.ts";
import { type AppCtx, type Env, readBody, requireUser } from "../_http.ts";
import { doc } from "../_openapi.ts";

/** The form: either field alone changes it (a mute button, a level's radio). */
const prefFormSchema = z.object({
  level: notifyLevelSchema.optional(),
  muted: z.enum(["0", "1"]).optional().meta({ description: '"1" mutes, "0" unmutes.' }),
});

const dndSchema = z.object({
  until: z.string().datetime({ offset: true }).nullable().meta({
    description:
      "When it ends (an ISO time with an offset, at most a week ahead); null turns it off.",
  }),
}).strict();

const dndFormSchema = z.object({
  for: z.enum(DND_PRESETS).meta({ description: "One of the account menu's choices." }),
  /** The browser's `getTimezoneOffset()` (minutes), for "tomorrow 9:00" in the reader's time. */
  tzOffset: z.coerce.number().int().min(-900).max(900).optional(),
});

/** Where a form goes back to: the page it was sent from (same site only), else `fallback`. */
function back(c: AppCtx, fallback: string): string {
  try {
    const url = new URL(c.req.header("referer") ?? "");
    if (url.host === new URL(c.req.url).host) return url.pathname + url.search;
  } catch { /* no usable Referer */ }
  return fallback;
}

/** The conversation's record, for a participant (NotFoundError for anyone else). */
async function participantRecord(c: AppCtx) {
  const user = requireUser(c);
  const record = await getConversationRecordForUser(c.get("ctx").kv, c.req.param("id")!, user.id);
  return { user, record };
}

async function currentPref(c: AppCtx) {
  const { user, record } = await participantRecord(c);
  const [pref] = await getNotifyPrefs(c.get("ctx").kv, [user.id], record);
  return { user, record, pref };
}

const iso = (until: number | null) => (until === null ? null : new Date(until).toISOString());

/** 400 unless `until` is later than now and at most MAX_DND_MS ahead. */
function checkUntil(until: number, now: number): void {
  if (until <= now) {
    throw new ValidationError("Some fields need attention.", {
      until: "Choose a time in the future.",
    });
  }
  if (until > now + MAX_DND_MS) {
    throw new ValidationError("Some fields need attention.", {
      until: "Do not disturb lasts a week at most.",
    });
  }
}

const prefAnswer = { description: "Your setting here.", schema: notifyPrefSchema };

export const notificationRoutes = new Hono<Env>()
  .get(
    "/:id/notifications",
    doc({
      tag: "Notifications",
      summary: "Your notification setting for a conversation.",
      responses: { 200: prefAnswer, 404: "No such conversation for you." },
    }),
    async (c) => {
      const { pref } = await currentPref(c);
      return c.json(pref);
    },
  )
  .put(
    "/:id/notifications",
    doc({
      tag: "Notifications",
      summary: "Sets your notification level and mute for a conversation.",
      body: notifyPrefSchema,
      responses: {
        200: prefAnswer,
        400: "An invalid `level` or `muted`.",
        404: "No such conversation for you.",
      },
    }),
    async (c) => {
      // The participant check first: an outsider learns nothing from a malformed body.
      const { user, record } = await participantRecord(c);
      const pref = await readBody(c, notifyPrefSchema);
      await setNotifyPref(c.get("ctx").kv, user.id, record.id, pref);
      return c.json(pref);
    },
  )
  // Without JavaScript: `level` and/or `muted` ("0"/"1"); a 303 back to the page.
  .post(
    "/:id/notifications",
    doc({
      tag: "Notifications",
      summary: "Changes the level and/or mute from a form (either field alone).",
      body: prefFormSchema,
      bodyTypes: ["form"],
      responses: {
        303: "Back to the page the form was on.",
        400: "An invalid field.",
        404: "No such conversation for you.",
      },
    }),
    async (c) => {
      const { user, record, pref } = await currentPref(c);
      const form = await readBody(c, prefFormSchema);
      const next = {
        level: form.level ?? pref.level,
        muted: form.muted === undefined ? pref.muted : form.muted === "1",
      };
      await setNotifyPref(c.get("ctx").kv, user.id, record.id, next);
      return c.redirect(back(c, `/conversations/${record.id}`), 303);
    },
  );

export const meNotificationRoutes = new Hono<Env>()
  .get(
    "/dnd",
    doc({
      tag: "Notifications",
      summary: "Until when do-not-disturb holds your notifications.",
      responses: { 200: "`{until: string | null}` (ISO time; null: off)." },
    }),
    async (c) => {
      const user = requireUser(c);
      return c.json({ until: iso(await getDndUntil(c.get("ctx").kv, user.id)) });
    },
  )
  .put(
    "/dnd",
    doc({
      tag: "Notifications",
      summary: "Turns do-not-disturb on until a time (at most a week ahead), or off (null).",
      body: dndSchema,
      responses: {
        200: "`{until: string | null}`.",
        400: "`until` is not a time with an offset, in the past, or more than a week ahead.",
      },
    }),
    async (c) => {
      const user = requireUser(c);
      const body = await readBody(c, dndSchema);
      const now = Date.now();
      const until = body.until === null ? null : Date.parse(body.until);
      if (until !== null) checkUntil(until, now);
      await setDnd(c.get("ctx").kv, user.id, until);
      return c.json({ until: iso(until) });
    },
  )
  // Without JavaScript: `for` one of the account menu's presets; a 303 back to the page.
  .post(
    "/dnd",
    doc({
      tag: "Notifications",
      summary: "Sets do-not-disturb from a form, by one of the account menu's presets.",
      body: dndFormSchema,
      bodyTypes: ["form"],
      responses: { 303: "Back to the page the form was on.", 400: "An unknown preset." },
    }),
    async (c) => {
      const user = requireUser(c);
      const form = await readBody(c, dndFormSchema);
      const until = dndPresetEnd(form.for, Date.now(), form.tzOffset ?? 0);
      await setDnd(c.get("ctx").kv, user.id, until);
      return c.redirect(back(c, "/"), 303);
    },
  );
