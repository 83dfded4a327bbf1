import assert from "node:assert/strict";
import { fullTime, shortTime } from "./people.tsx";

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
