// What the engine saw of the nodes: first sight in each state, and a node seen to turn Ready
// again (failback's healthyFor counts from it when the Ready condition's time is older).
import { describe, expect, it } from "vitest";
import { NodeSightings } from "../../src/automation/node-sightings.js";
import type { NodeRecord } from "../../src/cluster/node-record.js";

const node = (name: string, ready: boolean): NodeRecord => ({ name, ready, since: null, taints: [] });
const at = (s: number) => new Date(Date.UTC(2026, 2, 1, 3, 0, s));

describe("NodeSightings", () => {
  it("keeps the first sight in each state; a node seen Ready from the start was never seen to return", () => {
    const seen = new NodeSightings();
    seen.look([node("w1", true), node("w2", false)], at(0));
    seen.look([node("w1", true), node("w2", false)], at(5));
    expect(seen.firstSeenReady("w1")).toEqual(at(0));
    expect(seen.firstSeenNotReady("w2")).toEqual(at(0));
    expect(seen.readyAgainAt("w1")).toBeNull();
  });

  it("a node seen NotReady and then Ready has returned at that look; NotReady again forgets it", () => {
    const seen = new NodeSightings();
    seen.look([node("w1", false)], at(0));
    seen.look([node("w1", true)], at(7));
    seen.look([node("w1", true)], at(8));
    expect(seen.readyAgainAt("w1")).toEqual(at(7));
    expect(seen.firstSeenReady("w1")).toEqual(at(7));
    seen.look([node("w1", false)], at(9));
    expect(seen.readyAgainAt("w1")).toBeNull();
    expect(seen.firstSeenNotReady("w1")).toEqual(at(9));
    seen.look([node("w1", true)], at(12));
    expect(seen.readyAgainAt("w1")).toEqual(at(12));
  });
});
