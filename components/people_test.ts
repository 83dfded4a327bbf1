import assert from "node:assert/strict";
import { dayLabel, dayOf, fullTime, shortTime } from "./people.tsx";

// What shortTime and fullTime wrote when they asked Intl (en-GB), in this process's time zone.
const TIME = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit" });
const WEEKDAY = new Intl.DateTimeFormat("en-GB", { weekday: "short" });
const DAY_MONTH = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short" });

function intlShortTime(d: Date, now: Date): string {
  const time = TIME.format(d);
  if (d.toDateString() === now.toDateString()) return time;
  if (now.getTime() - d.getTime() < 6 * 86_400_000) return `${WEEKDAY.format(d)} ${time}`;
  return DAY_MONTH.format(d);
}

Deno.test("shortTime and fullTime write what Intl's en-GB formatters write, without Intl", () => {
  // Every hour of every day for two years (both sides of each clock change), seen from a
  // "now" a few minutes to ~9 days later: today, this week and older all come up.
  const start = Date.UTC(2024, 0, 1);
  for (let h = 0; h < 2 * 365 * 24; h += 7) {
    const d = new Date(start + h * 3_600_000 + (h % 60) * 60_000);
    const now = new Date(d.getTime() + ((h * 7919) % (9 * 24 * 60)) * 60_000);
    const iso = d.toISOString();
    assert.equal(shortTime(iso, now), intlShortTime(d, now), `${iso} seen at ${now.toISOString()}`);
    assert.equal(
      fullTime(iso),
      d.toLocaleString("en-GB", { dateStyle: "medium", timeStyle: "short" }),
      iso,
    );
  }
});

Deno.test("dayLabel() names a history's days: Today, Yesterday (across months and years), then dates", () => {
  const now = new Date("2026-03-01T10:00:00Z");
  assert.equal(dayLabel("2026-03-01T00:00:00Z", now, "utc"), "Today");
  assert.equal(dayLabel("2026-02-28T23:59:00Z", now, "utc"), "Yesterday");
  assert.equal(dayLabel("2026-02-27T12:00:00Z", now, "utc"), "Friday 27 February");
  assert.equal(dayLabel("2025-12-31T12:00:00Z", now, "utc"), "Wednesday 31 December 2025");
  assert.equal(
    dayLabel("2025-12-31T12:00:00Z", new Date("2026-01-01T08:00:00Z"), "utc"),
    "Yesterday",
  );
  assert.equal(dayOf("2026-02-28T23:59:00Z", "utc"), "2026-02-28");
  // This machine's zone, whatever it is: the same day its own getters give.
  const d = new Date("2026-02-28T23:59:00Z");
  const two = (n: number) => String(n).padStart(2, "0");
  assert.equal(
    dayOf(d.toISOString()),
    `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}`,
  );
});
