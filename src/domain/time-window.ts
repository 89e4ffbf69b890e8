/** A daily window of wall-clock time, e.g. `02:00-05:00`; it may wrap midnight (`22:00-04:00`). */
export interface TimeWindow {
  /** Minutes after midnight, inclusive. */
  start: number;
  /** Minutes after midnight, exclusive. */
  end: number;
  text: string;
}

const pattern = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]|24):([0-5]\d)$/;

/** Parses `HH:MM-HH:MM` (24-hour clock); returns the reason when it is not one. */
export function parseTimeWindow(text: string): TimeWindow | string {
  const match = pattern.exec(text);
  if (!match) return `must be "HH:MM-HH:MM" on a 24-hour clock, e.g. "02:00-05:00" (got "${text}")`;
  const start = Number(match[1]) * 60 + Number(match[2]);
  const end = Number(match[3]) * 60 + Number(match[4]);
  if (end > 24 * 60) return `the end must be at most 24:00 (got "${text}")`;
  if (start === end % (24 * 60))
    return `start and end are the same time: the window would be empty or the whole day`;
  return { start, end, text };
}

/** Whether `at` (in the server's local time zone) falls inside the window. */
export function inTimeWindow(window: TimeWindow, at: Date): boolean {
  const minute = at.getHours() * 60 + at.getMinutes();
  return window.start < window.end
    ? minute >= window.start && minute < window.end
    : minute >= window.start || minute < window.end;
}

/** The next time the window opens at or after `at` (local time). */
export function nextWindowStart(window: TimeWindow, at: Date): Date {
  const next = new Date(at);
  next.setHours(Math.floor(window.start / 60), window.start % 60, 0, 0);
  if (next.getTime() < at.getTime()) next.setDate(next.getDate() + 1);
  return next;
}
