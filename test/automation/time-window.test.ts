import { describe, expect, it } from "vitest";
import {
  inTimeWindow,
  nextWindowStart,
  parseTimeWindow,
  type TimeWindow,
} from "../../src/domain/time-window.js";

const local = (h: number, m = 0) => new Date(2026, 2, 1, h, m);
const w = (text: string) => parseTimeWindow(text) as TimeWindow;

describe("time windows (failback `window`, server local time)", () => {
  it("parses HH:MM-HH:MM and rejects the rest with the reason", () => {
    expect(parseTimeWindow("02:00-05:00")).toEqual({ start: 120, end: 300, text: "02:00-05:00" });
    expect(parseTimeWindow("22:30-24:00")).toMatchObject({ start: 1350, end: 1440 });
    for (const bad of [
      "2:00-5:00",
      "02:00",
      "25:00-03:00",
      "02:60-03:00",
      "02:00-02:00",
      "00:00-24:00",
      "24:30-01:00",
    ]) {
      expect(typeof parseTimeWindow(bad), bad).toBe("string");
    }
  });

  it("contains its start, not its end; wraps midnight", () => {
    expect(inTimeWindow(w("02:00-05:00"), local(2))).toBe(true);
    expect(inTimeWindow(w("02:00-05:00"), local(4, 59))).toBe(true);
    expect(inTimeWindow(w("02:00-05:00"), local(5))).toBe(false);
    expect(inTimeWindow(w("02:00-05:00"), local(1, 59))).toBe(false);
    expect(inTimeWindow(w("22:00-04:00"), local(23))).toBe(true);
    expect(inTimeWindow(w("22:00-04:00"), local(3))).toBe(true);
    expect(inTimeWindow(w("22:00-04:00"), local(12))).toBe(false);
  });

  it("says when the window opens next", () => {
    expect(nextWindowStart(w("02:00-05:00"), local(1))).toEqual(local(2));
    expect(nextWindowStart(w("02:00-05:00"), local(6))).toEqual(new Date(2026, 2, 2, 2, 0));
  });
});
