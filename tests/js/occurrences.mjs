// Every occurrence of every event of an .ics file as Mozilla's ical.js resolves it, in UTC.
// Usage: node occurrences.mjs FILE.ics UNTIL_YEAR  → JSON {uid: ["2026-11-01T02:00:00Z", ...]}
// The file's own VTIMEZONE is the only time zone ical.js knows: nothing is taken from the system.
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

const [file, untilYear] = process.argv.slice(2);
const root = new ICAL.Component(ICAL.parse(readFileSync(file, "utf8")));
for (const zone of root.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(new ICAL.Timezone(zone));
}
const until = Number(untilYear);
const found = {};
for (const vevent of root.getAllSubcomponents("vevent")) {
  const event = new ICAL.Event(vevent);
  const times = [];
  const iterator = event.iterator();
  for (let next = iterator.next(); next && next.year < until; next = iterator.next()) {
    times.push(next.toJSDate().toISOString().replace(".000Z", "Z"));
  }
  found[event.uid] = times;
}
process.stdout.write(JSON.stringify(found));
