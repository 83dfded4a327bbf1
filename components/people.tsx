import type { User } from "../lib/shared/user.ts";

/** White initials stay readable (WCAG AA, 4.5:1) on each of these. */
const COLORS = [
  "bg-rose-700",
  "bg-orange-700",
  "bg-amber-700",
  "bg-lime-700",
  "bg-emerald-700",
  "bg-teal-700",
  "bg-sky-700",
  "bg-indigo-600",
  "bg-violet-600",
  "bg-fuchsia-700",
];

function colorFor(id: string): string {
  let h = 0;
  for (const ch of id) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return COLORS[h % COLORS.length];
}

function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  const letters = parts.length > 1 ? parts[0][0] + parts[parts.length - 1][0] : name.slice(0, 2);
  return letters.toUpperCase();
}

/** A coloured circle with the person's initials (colour stable per user). */
export function Avatar(props: { user: User; size?: "sm" | "md" }) {
  const size = props.size === "sm" ? "h-6 w-6 text-[10px]" : "h-9 w-9 text-sm";
  return (
    <span
      aria-hidden="true"
      class={`avatar ${size} ${colorFor(props.user.id)}`}
    >
      {initials(props.user.displayName || props.user.username)}
    </span>
  );
}

/**
 * "Bot" beside an integration's name (a bot account, a webhook): in message rows, the thread
 * panel and member lists, so nobody takes a program's words for a person's.
 */
export function BotBadge() {
  return (
    <span
      class="inline-block rounded bg-slate-200 dark:bg-slate-700 px-1 py-px align-middle text-[10px] font-semibold uppercase leading-none tracking-wide text-slate-700 dark:text-slate-200"
      title="An integration's account, not a person"
      data-bot-badge
    >
      Bot
    </span>
  );
}

/**
 * The name a message shows for its author: the name an integration posted under
 * (`senderName`, an incoming webhook's `username`) or the author's display name.
 */
export function senderNameOf(m: { author: User; senderName?: string | null }): string {
  return m.senderName || m.author.displayName;
}

/** How a conversation is named: its title, or the other people in it. */
export function conversationName(
  conv: { title: string | null; participants: User[]; kind: string },
  meId: string,
): string {
  if (conv.title) return conv.title;
  const others = conv.participants.filter((p) => p.id !== meId).map((p) => p.displayName);
  return others.length ? others.join(", ") : "Just you";
}

// en-GB's short names, as Intl.DateTimeFormat("en-GB") writes them (September is "Sept").
// Written out instead of asked of Intl: a browser tab's first DateTimeFormat loads ICU's
// locale data, 50–300 ms on the chat page's main thread before the chat room could hydrate
// (measured in Chromium); on the server it was ~0.2 ms a call (a formatter built per call).
const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = [
  "Jan",
  "Feb",
  "Mar",
  "Apr",
  "May",
  "Jun",
  "Jul",
  "Aug",
  "Sept",
  "Oct",
  "Nov",
  "Dec",
];
const twoDigits = (n: number) => String(n).padStart(2, "0");
/** "09:05": 24-hour, two digits each. */
const clock = (d: Date) => `${twoDigits(d.getHours())}:${twoDigits(d.getMinutes())}`;

/** "14:05" today, "Mon 14:05" this week, else "12 Mar"; the same on server and browser (UTC on the server). */
export function shortTime(iso: string, now = new Date()): string {
  const d = new Date(iso);
  const sameDay = d.toDateString() === now.toDateString();
  const time = clock(d);
  if (sameDay) return time;
  if (now.getTime() - d.getTime() < 6 * 86_400_000) return `${WEEKDAYS[d.getDay()]} ${time}`;
  return `${d.getDate()} ${MONTHS[d.getMonth()]}`;
}

/** "14:05": the time of day alone (a grouped message's, shown on hover). */
export function timeOfDay(iso: string): string {
  return clock(new Date(iso));
}

/** "12 Mar 2025, 14:05" (en-GB's medium date, short time): for titles, like shortTime. */
export function fullTime(iso: string): string {
  const d = new Date(iso);
  return `${d.getDate()} ${MONTHS[d.getMonth()]} ${d.getFullYear()}, ${clock(d)}`;
}

const LONG_WEEKDAYS = [
  "Sunday",
  "Monday",
  "Tuesday",
  "Wednesday",
  "Thursday",
  "Friday",
  "Saturday",
];
const LONG_MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

/** Which clock a day is counted in: this machine's time zone, or UTC. */
export type Zone = "local" | "utc";

/** A date's year, month (0–11), day of the month and weekday (0: Sunday) in `zone`. */
function partsOf(d: Date, zone: Zone): [number, number, number, number] {
  return zone === "utc"
    ? [d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCDay()]
    : [d.getFullYear(), d.getMonth(), d.getDate(), d.getDay()];
}

/** The calendar day of `iso` ("2026-12-04") in `zone` (local: UTC on the server). */
export function dayOf(iso: string, zone: Zone = "local"): string {
  const [year, month, date] = partsOf(new Date(iso), zone);
  return `${year}-${twoDigits(month + 1)}-${twoDigits(date)}`;
}

/**
 * The day of `iso` as a history's divider names it: "Today", "Yesterday", "Monday 1
 * December" this year, "Monday 1 December 2025" before it (days counted in `zone`).
 */
export function dayLabel(iso: string, now = new Date(), zone: Zone = "local"): string {
  const day = dayOf(iso, zone);
  if (day === dayOf(now.toISOString(), zone)) return "Today";
  // Noon of the day before: a day before whatever the clock changes do.
  const [y, m, d] = day.split("-").map(Number);
  const next = new Date(Date.UTC(y, m - 1, d + 1, 12)).toISOString();
  if (dayOf(now.toISOString(), zone) === next.slice(0, 10)) return "Yesterday";
  const [year, month, date, weekday] = partsOf(new Date(iso), zone);
  const label = `${LONG_WEEKDAYS[weekday]} ${date} ${LONG_MONTHS[month]}`;
  return year === partsOf(now, zone)[0] ? label : `${label} ${year}`;
}

/**
 * Until when (epoch ms) shortTime(iso, now) keeps giving the same text: the server's cache
 * of rendered messages (lib/fragment_cache.tsx) renders a header again after it.
 * Same day: until midnight; within six days: until then; older: for good.
 */
export function shortTimeStableUntil(iso: string, now = new Date()): number {
  const sixDaysOn = new Date(iso).getTime() + 6 * 86_400_000;
  if (now.getTime() >= sixDaysOn) return Infinity;
  const midnight = new Date(now);
  midnight.setHours(24, 0, 0, 0);
  return Math.min(midnight.getTime(), sixDaysOn);
}
