// Records what the API server says happened, in the order etcd committed it: every watch event
// carries the object's resourceVersion, and resourceVersions of one etcd are one increasing
// sequence across all resources. Comparing them orders events of different objects (a pod gone,
// a trigger applied) without trusting any clock but the API server's.
import { KubeConfig, Watch } from "@kubernetes/client-node";

export interface RecordedEvent {
  type: string;
  kind: string;
  name: string;
  resourceVersion: number;
  /** Local time the event arrived (for the report only; the order comes from resourceVersion). */
  seenAt: number;
  object: Record<string, unknown>;
}

export interface WatchRecorder {
  events: RecordedEvent[];
  stop(): void;
}

export async function recordWatches(
  kubeconfigPath: string,
  watches: { kind: string; path: string }[],
): Promise<WatchRecorder> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  const watch = new Watch(kc);
  const events: RecordedEvent[] = [];
  const controllers: AbortController[] = [];
  for (const w of watches) {
    const controller = await watch.watch(
      w.path,
      { allowWatchBookmarks: false },
      (type, obj: { metadata?: { name?: string; resourceVersion?: string } }) => {
        events.push({
          type,
          kind: w.kind,
          name: obj.metadata?.name ?? "",
          resourceVersion: Number(obj.metadata?.resourceVersion ?? "0"),
          seenAt: Date.now(),
          object: obj,
        });
      },
      () => undefined,
    );
    controllers.push(controller);
  }
  return {
    events,
    stop: () => {
      for (const c of controllers) c.abort();
    },
  };
}

/** The first recorded event matching `test` (in etcd order), or undefined. */
export function firstEvent(
  events: readonly RecordedEvent[],
  test: (e: RecordedEvent) => boolean,
): RecordedEvent | undefined {
  return [...events].sort((a, b) => a.resourceVersion - b.resourceVersion).find(test);
}

/** The last recorded event matching `test` (in etcd order), or undefined. */
export function lastEvent(
  events: readonly RecordedEvent[],
  test: (e: RecordedEvent) => boolean,
): RecordedEvent | undefined {
  return [...events].sort((a, b) => b.resourceVersion - a.resourceVersion).find(test);
}
