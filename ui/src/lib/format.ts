// Pure presentation helpers: no I/O, no engine rules. Unit-tested in format.test.ts.

/** Keeps digits and one decimal point with at most `minorUnits` digits after it — what a till
 *  keypad allows for the currency (JPY 0, USD 2, BHD 3). A comma counts as the decimal point. */
export function shapeAmount(input: string, minorUnits = 2): string {
  let out = "";
  let seenPoint = false;
  let decimals = 0;
  for (const ch of input.replace(",", ".")) {
    if (ch >= "0" && ch <= "9") {
      if (seenPoint) {
        if (decimals >= minorUnits) continue;
        decimals++;
      } else if (out === "0") {
        out = "";
      }
      if (!seenPoint && out.length >= 12) continue;
      out += ch;
    } else if (ch === "." && !seenPoint && minorUnits > 0) {
      seenPoint = true;
      out += out === "" ? "0." : ".";
    }
  }
  return out;
}

/** Whether the entry is a positive amount worth sending to the engine. */
export function canCharge(amount: string): boolean {
  return /^\d+(\.\d+)?$/.test(amount) && /[1-9]/.test(amount);
}

/** "0", "0.00", "0.000": the placeholder of the amount field. */
export function zeroAmount(minorUnits: number): string {
  return minorUnits > 0 ? `0.${"0".repeat(minorUnits)}` : "0";
}

/** The entry padded to the currency's digits for display ("12.5" → "12.50", "7" → "7.00"). */
export function padAmount(amount: string, minorUnits: number): string {
  if (!canCharge(amount) && amount === "") return zeroAmount(minorUnits);
  const [int, frac = ""] = amount.split(".");
  const i = int === "" ? "0" : int;
  return minorUnits > 0 ? `${i}.${frac.padEnd(minorUnits, "0").slice(0, minorUnits)}` : i;
}

/** Groups the integer part by thousands with thin spaces ("1234567.50" → "1 234 567.50"). */
export function groupDigits(amount: string): string {
  const [int, frac] = amount.split(".");
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, "\u2009");
  return frac === undefined ? grouped : `${grouped}.${frac}`;
}

/** Seconds left until `iso` (never negative). */
export function secondsLeft(iso: string, now: number): number {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return 0;
  return Math.max(0, Math.ceil((t - now) / 1000));
}

/** `mm:ss` for a number of seconds (minutes grow past 99 rather than wrap). */
export function mmss(totalSecs: number): string {
  const s = Math.max(0, Math.floor(totalSecs));
  const m = Math.floor(s / 60);
  return `${String(m).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
}

/** `mm:ss` until `expiresAt`, `00:00` once past. */
export function countdown(expiresAt: string, now: number): string {
  return mmss(secondsLeft(expiresAt, now));
}

/** "0xf39F…2266": enough to recognise an address, not to copy it. */
export function shortAddress(addr: string, head = 6, tail = 4): string {
  return addr.length <= head + tail + 1 ? addr : `${addr.slice(0, head)}…${addr.slice(-tail)}`;
}

/** "xpub6C…Gm3rD": an extended key cut to something that identifies it without revealing it. */
export function shortXpub(xpub: string): string {
  return shortAddress(xpub, 8, 6);
}

/** "2 of 3 confirmations" (never more than required; "1 of 1 confirmation"). */
export function confirmationsText(have: number, required: number): string {
  const n = Math.min(Math.max(0, have), required);
  return `${n} of ${required} confirmation${required === 1 ? "" : "s"}`;
}

/** Local wall-clock time of an ISO instant, "14:05". */
export function clockTime(iso: string, locale?: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  return d.toLocaleTimeString(locale, { hour: "2-digit", minute: "2-digit" });
}

/** "just now", "5 min ago", "2 h ago", or the date for older instants. */
export function ago(iso: string, now: number): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return "";
  const s = Math.max(0, Math.floor((now - t) / 1000));
  if (s < 45) return "just now";
  if (s < 3600) return `${Math.max(1, Math.round(s / 60))} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return new Date(t).toLocaleDateString();
}

/** "≈ 36 s", "≈ 2 min": how long `n` confirmations take at `blockSeconds` per block. */
export function confirmWait(n: number, blockSeconds: number): string {
  const s = Math.max(0, Math.round(n * blockSeconds));
  if (s < 90) return `≈ ${s} s`;
  return `≈ ${Math.round(s / 60)} min`;
}

/** Splits a typed recovery phrase into lower-case words (any whitespace, numbering like "1." dropped). */
export function phraseWords(text: string): string[] {
  return text
    .toLowerCase()
    .split(/\s+/)
    .filter((w) => w !== "" && !/^\d+[.)]?$/.test(w));
}

/** The 1-based word number named by an engine message ("word 5 is not…") or param ("word-5"). */
export function wordNumber(s: string | null | undefined): number | null {
  const m = s ? /word[\s-](\d+)/i.exec(s) : null;
  return m ? Number(m[1]) : null;
}

/** A PIN as the engine accepts it from the wizard: 6 or more digits. */
export function pinProblem(pin: string, repeat: string): string | null {
  if (!/^\d+$/.test(pin)) return "Use digits only.";
  if (pin.length < 6) return "Use at least 6 digits.";
  if (pin !== repeat) return "The two PINs differ.";
  return null;
}

/** Local date and time of an ISO instant, "1 Nov 2026, 14:05". */
export function dateTime(iso: string | null | undefined, locale?: string): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  return d.toLocaleString(locale, { day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit" });
}

/** Local date and time with seconds, for logs. */
export function dateTimeSecs(iso: string | null | undefined, locale?: string): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  return d.toLocaleString(locale, { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", second: "2-digit" });
}

/** Today as the engine's days count them (UTC, `YYYY-MM-DD`). */
export function utcDay(now: number = Date.now()): string {
  return new Date(now).toISOString().slice(0, 10);
}

/** `day` moved by `n` days (`YYYY-MM-DD`, UTC). */
export function addDays(day: string, n: number): string {
  const t = Date.parse(`${day}T00:00:00Z`);
  return Number.isNaN(t) ? day : utcDay(t + n * 86_400_000);
}

/** The first day of `day`'s month. */
export function monthStart(day: string): string {
  return `${day.slice(0, 8)}01`;
}

/** "Sat 1 Nov 2026" for a `YYYY-MM-DD` day (shown as that calendar day, whatever the zone). */
export function dayLabel(day: string, locale?: string): string {
  const t = Date.parse(`${day}T12:00:00Z`);
  if (Number.isNaN(t)) return day;
  return new Date(t).toLocaleDateString(locale, { weekday: "short", day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });
}

/** "0x8f3c2a…4c3d": a transaction hash cut to something recognisable. */
export function shortHash(hash: string): string {
  return shortAddress(hash, 8, 6);
}

/** "1.2 s", "340 ms". */
export function duration(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}

/** A table's time: "14:05" today, "30 Nov 14:05" this year, "30 Nov 2025 14:05" before. */
export function tableTime(iso: string, now: number = Date.now(), locale?: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  const n = new Date(now);
  const time = d.toLocaleTimeString(locale, { hour: "2-digit", minute: "2-digit" });
  if (d.toDateString() === n.toDateString()) return `Today ${time}`;
  const date = d.toLocaleDateString(locale, { day: "numeric", month: "short", ...(d.getFullYear() === n.getFullYear() ? {} : { year: "numeric" }) });
  return `${date} ${time}`;
}

/** "2 Oct 2026". */
export function dateOnly(iso: string | null | undefined, locale?: string): string {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  return d.toLocaleDateString(locale, { day: "numeric", month: "short", year: "numeric" });
}
