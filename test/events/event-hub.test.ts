import { describe, expect, it } from "vitest";
import { EventHub } from "../../src/events/event-hub.js";
import type { EventSubscription, QueueItem } from "../../src/events/event-subscription.js";
import { LiveEvents } from "../../src/events/live-events.js";
import type { RepoSnapshot, ServiceState } from "../../src/operations/repo-snapshot.js";
import type { ServiceStatus } from "../../src/operations/service-status.js";

async function drain(subscription: EventSubscription): Promise<QueueItem[]> {
  const items: QueueItem[] = [];
  while (subscription.queued > 0) {
    const item = await subscription.next();
    if (item !== null) items.push(item);
  }
  return items;
}

const ids = (items: QueueItem[]) => items.map((i) => (i === "heartbeat" ? i : `${i.type}:${i.id}`));

describe("EventHub", () => {
  it("gives a new client the state: snapshot first, then services, then operations oldest first, all with the latest id", async () => {
    const hub = new EventHub({ bootId: "b00t" });
    hub.publish("operation", "operation:a", { id: "a" });
    hub.publish("service", "service:x", { name: "x" });
    hub.publish("snapshot", "snapshot", { n: 1 });
    hub.publish("operation", "operation:b", { id: "b" });
    hub.publish("snapshot", "snapshot", { n: 2 });
    hub.publish("operation", "operation:a", { id: "a", again: true });
    const { subscription, resumed } = hub.subscribe();
    expect(resumed).toBe(false);
    const items = await drain(subscription);
    expect(ids(items)).toEqual(["snapshot:b00t-6", "service:b00t-6", "operation:b00t-6", "operation:b00t-6"]);
    expect(items.map((i) => (i === "heartbeat" ? "" : i.data))).toEqual([
      '{"n":2}',
      '{"name":"x"}',
      '{"id":"a","again":true}',
      '{"id":"b"}',
    ]);
    hub.close();
  });

  it("replays what the ring still holds after a Last-Event-ID, and falls back to the state otherwise", async () => {
    const hub = new EventHub({ bootId: "b00t", ringSize: 3 });
    for (let i = 1; i <= 5; i++) hub.publish("service", `service:s${i}`, { i });
    // The ring holds 3, 4, 5: after 2 is resumable, after 1 is not (3's predecessor is gone).
    expect(ids(await drain(hub.subscribe("b00t-2").subscription))).toEqual([
      "service:b00t-3",
      "service:b00t-4",
      "service:b00t-5",
    ]);
    expect(hub.subscribe("b00t-5").resumed).toBe(true);
    expect(hub.subscribe("b00t-5").subscription.queued).toBe(0);
    for (const id of ["b00t-1", "b00t-6", "other-3", "b00t", "", "b00t-99999999999999999999"]) {
      const { subscription, resumed } = hub.subscribe(id);
      expect(resumed, id).toBe(false);
      expect(subscription.queued, id).toBe(5);
    }
    hub.close();
  });

  it("bounds the ring by size too: large snapshots push old events out, resumes past them get the state", async () => {
    const hub = new EventHub({ bootId: "b00t", ringBytes: 1000 });
    hub.publish("service", "service:s", { i: 1 });
    for (let i = 2; i <= 4; i++) hub.publish("snapshot", "snapshot", { i, pad: "x".repeat(400) });
    // Events 3 and 4 (about 420 bytes each) fit in 1,000 bytes; 1 and 2 are gone.
    expect(ids(await drain(hub.subscribe("b00t-2").subscription))).toEqual([
      "snapshot:b00t-3",
      "snapshot:b00t-4",
    ]);
    expect(hub.subscribe("b00t-1").resumed).toBe(false);
    // One event larger than the budget is still kept, so the newest is always resumable.
    hub.publish("snapshot", "snapshot", { pad: "y".repeat(2000) });
    expect(ids(await drain(hub.subscribe("b00t-4").subscription))).toEqual(["snapshot:b00t-5"]);
    hub.close();
  });

  it("encodes each event's frame once: event, data and the id field's name, as UTF-8", async () => {
    const hub = new EventHub({ bootId: "b00t" });
    hub.publish("service", "service:é", { name: "é\nx" });
    const [item] = await drain(hub.subscribe().subscription);
    if (item === undefined || item === "heartbeat") throw new Error(`expected an event, got ${String(item)}`);
    // The line break inside the value stays escaped: the data is one SSE line.
    expect(new TextDecoder().decode(item.frame)).toBe('event: service\ndata: {"name":"é\\nx"}\nid: ');
    hub.close();
  });

  it("keeps the last maxOperations operations and forgets removed services", () => {
    const hub = new EventHub({ maxOperations: 2 });
    for (const id of ["a", "b", "c"]) hub.publish("operation", `operation:${id}`, { id });
    hub.publish("service", "service:x", {});
    hub.forget("service:x");
    expect([...hub.keys()].sort()).toEqual(["operation:b", "operation:c"]);
    hub.close();
  });

  it("drops a subscriber over its queue limit (the initial burst does not count) and counts clients", async () => {
    const counts: number[] = [];
    const dropped: string[] = [];
    const hub = new EventHub({
      maxQueuedEvents: 2,
      onClients: (n) => counts.push(n),
      onDropped: (r) => dropped.push(r),
    });
    for (let i = 0; i < 5; i++) hub.publish("service", `service:${i}`, {});
    const { subscription } = hub.subscribe();
    expect(subscription.queued).toBe(5);
    hub.publish("snapshot", "snapshot", {});
    hub.publish("snapshot", "snapshot", {});
    expect(subscription.ended).toBeUndefined();
    hub.publish("snapshot", "snapshot", {});
    expect(subscription.ended).toBe("slow");
    expect(await subscription.next()).toBeNull();
    expect(counts).toEqual([1, 0]);
    expect(dropped).toEqual(["slow"]);
    hub.close();
  });

  it("hands an event straight to a waiting writer, and ends every stream on close", async () => {
    const hub = new EventHub({ bootId: "b00t" });
    const { subscription } = hub.subscribe();
    const next = subscription.next();
    hub.publish("snapshot", "snapshot", { n: 1 });
    expect(ids([(await next)!])).toEqual(["snapshot:b00t-1"]);
    const ended: string[] = [];
    subscription.onEnd((r) => ended.push(r));
    const pending = subscription.next();
    hub.close();
    expect(await pending).toBeNull();
    expect(ended).toEqual(["shutdown"]);
    expect(hub.subscribe().subscription.ended).toBe("shutdown");
    expect(hub.clients).toBe(0);
  });
});

describe("LiveEvents", () => {
  it("keeps going when one service's status cannot be computed", () => {
    const hub = new EventHub({ bootId: "b00t" });
    const failed: string[] = [];
    const summary = (name: string) => ({ summary: { name } }) as unknown as ServiceState;
    const snapshot = {
      revision: "r1",
      services: new Map([
        ["good", summary("good")],
        ["bad", summary("bad")],
      ]),
      history: [],
    } as unknown as RepoSnapshot;
    const live = new LiveEvents({
      hub,
      snapshot: () => snapshot,
      status: (_s, name) => {
        if (name === "bad") throw new Error("cluster object malformed");
        return { name, revision: "r1" } as unknown as ServiceStatus;
      },
      onError: (service) => failed.push(service),
    });
    live.flush();
    expect(failed).toEqual(["bad"]);
    expect([...hub.keys()].sort()).toEqual(["service:good", "snapshot"]);
    live.close();
    hub.close();
  });
});
