/**
 * ISO-8601 parsing as Glance's list filters do it (oslo `parse_isotime`, i.e. the `iso8601`
 * package): `YYYY`, `YYYY-MM`, `YYYY-MM-DD`, optionally followed by `T` or a space, `hh`,
 * `[:]mm`, `[:]ss[.fff]` and `Z` or `±hh[:][mm]`; basic forms without dashes are accepted
 * too. A value without zone is UTC.
 */

const ISO8601 = new RegExp(
  '^(?<year>[0-9]{4})'
  + '(?:(?:-(?<monthdash>[0-9]{1,2})|(?<month>[0-9]{2})(?!$))'
  + '(?:(?:-(?<daydash>[0-9]{1,2})|(?<day>[0-9]{2}))'
  + '(?:[ T](?<hour>[0-9]{2})(?::?(?<minute>[0-9]{2}))?(?::?(?<second>[0-9]{1,2})(?:[.,](?<fraction>[0-9]+))?)?'
  + '(?<tz>Z|(?<sign>[-+])(?<tzh>[0-9]{2}):?(?<tzm>[0-9]{2})?)?)?'
  + ')?)?$',
);

/** Parses `text`; returns null when it is not an ISO-8601 date-time Glance would accept. */
export function parseIsoTime(text: string): Date | null {
  const m = ISO8601.exec(text);
  if (m === null || m.groups === undefined) return null;
  const g = m.groups;
  const num = (v: string | undefined, d: number): number => (v === undefined ? d : Number(v));
  const year = num(g.year, 1);
  const month = num(g.monthdash ?? g.month, 1);
  const day = num(g.daydash ?? g.day, 1);
  const hour = num(g.hour, 0);
  const minute = num(g.minute, 0);
  const second = num(g.second, 0);
  const ms = g.fraction === undefined ? 0 : Math.floor(Number(`0.${g.fraction}`) * 1000);
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) return null;
  let offset = 0;
  if (g.sign !== undefined) {
    const tzh = num(g.tzh, 0);
    const tzm = num(g.tzm, 0);
    if (tzh > 23 || tzm > 59) return null;
    offset = (g.sign === '-' ? -1 : 1) * (tzh * 60 + tzm);
  }
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, ms) - offset * 60_000;
  const date = new Date(utc);
  // Date.UTC maps years 0–99 onto 1900–1999; put them back.
  if (year < 100) date.setUTCFullYear(date.getUTCFullYear() - 1900);
  return date;
}
