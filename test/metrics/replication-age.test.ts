import { describe, expect, it } from "vitest";
import { createMetrics } from "../../src/metrics/failover-metrics.js";

describe("failover_replication_age_seconds", () => {
  it("is read from its source at each scrape, so it grows without cluster events", async () => {
    const metrics = createMetrics();
    let age = 100;
    metrics.setReplicationAges(() => [
      { service: "sonarr", object: "ReplicationDestination/b", ageSeconds: age },
    ]);
    const line = 'failover_replication_age_seconds{service="sonarr",object="ReplicationDestination/b"}';
    expect(await metrics.registry.metrics()).toContain(`${line} 100`);
    age = 160;
    expect(await metrics.registry.metrics()).toContain(`${line} 160`);
    metrics.setReplicationAges(undefined);
    expect(await metrics.registry.metrics()).not.toContain(line);
  });
});
