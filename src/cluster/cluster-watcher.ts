import { CoreV1Api, CustomObjectsApi, type KubeConfig } from "@kubernetes/client-node";
import type { ServiceSpec } from "../domain/service-spec.js";
import type { Logger } from "../log/logger.js";
import type { BackoffOptions } from "./backoff.js";
import type { ClusterView } from "./cluster-view.js";
import { fluxOwnersOf } from "./flux-owners.js";
import {
  parseGitRepository,
  parseKustomization,
  type GitRepositoryRecord,
  type KustomizationRecord,
  type ObjectRef,
} from "./flux-records.js";
import { parseNode, type NodeRecord } from "./node-record.js";
import { podBelongsTo } from "./pod-matching.js";
import { parsePod, type PodRecord } from "./pod-record.js";
import { parseReplication, type ReplicationRecord } from "./replication-record.js";
import { ResourceInformer, type ListResult } from "./resource-informer.js";
import { apis } from "./watched-apis.js";

export interface ClusterWatcherOptions {
  kubeConfig: KubeConfig;
  /** The Flux GitRepository of the manifests repository (cluster.flux.gitRepository). */
  gitRepository: ObjectRef;
  services: readonly ServiceSpec[];
  logger: Logger;
  backoff?: BackoffOptions;
}

export interface WatcherConfiguration {
  services: readonly ServiceSpec[];
  gitRepository?: ObjectRef;
}

/**
 * Live state from list+watch, kept in memory: nodes, the services' pods (one watch per
 * namespace), VolSync ReplicationSources/Destinations and Flux Kustomizations (cluster-wide),
 * and the configured GitRepository. Reads never wait on the API server; `connected` says
 * whether every watch is currently up.
 */
export class ClusterWatcher implements ClusterView {
  readonly #options: ClusterWatcherOptions;
  readonly #core: CoreV1Api;
  readonly #custom: CustomObjectsApi;
  readonly #listeners = new Set<() => void>();
  readonly #nodes: ResourceInformer<NodeRecord>;
  readonly #sources: ResourceInformer<ReplicationRecord>;
  readonly #destinations: ResourceInformer<ReplicationRecord>;
  readonly #kustomizations: ResourceInformer<KustomizationRecord>;
  #gitRepositories: ResourceInformer<GitRepositoryRecord>;
  readonly #pods = new Map<string, ResourceInformer<PodRecord>>();
  #services: readonly ServiceSpec[];
  #gitRepository: ObjectRef;
  #started = false;

  constructor(options: ClusterWatcherOptions) {
    this.#options = options;
    this.#services = options.services;
    this.#gitRepository = options.gitRepository;
    this.#core = options.kubeConfig.makeApiClient(CoreV1Api);
    this.#custom = options.kubeConfig.makeApiClient(CustomObjectsApi);
    this.#nodes = this.#informer(
      "/api/v1/nodes",
      () => this.#core.listNode() as Promise<ListResult>,
      parseNode,
    );
    this.#sources = this.#customInformer(apis.replicationSource, null, (o) =>
      parseReplication("ReplicationSource", o),
    );
    this.#destinations = this.#customInformer(apis.replicationDestination, null, (o) =>
      parseReplication("ReplicationDestination", o),
    );
    this.#kustomizations = this.#customInformer(apis.kustomization, null, parseKustomization);
    this.#gitRepositories = this.#customInformer(
      apis.gitRepository,
      this.#gitRepository.namespace,
      parseGitRepository,
    );
    this.#syncPodInformers();
  }

  /** True when every watch has listed and is watching, with no error since. */
  get connected(): boolean {
    return this.#all().every((i) => i.healthy);
  }

  start(): void {
    this.#started = true;
    for (const informer of this.#all()) informer.start();
  }

  async stop(): Promise<void> {
    this.#started = false;
    await Promise.all(this.#all().map((i) => i.stop()));
  }

  /** Called after any cached object changed; returns the unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** New service list (config reload): pod watches follow the services' namespaces. */
  reconfigure(configuration: WatcherConfiguration): void {
    this.#services = configuration.services;
    const repo = configuration.gitRepository;
    if (
      repo &&
      (repo.namespace !== this.#gitRepository.namespace || repo.name !== this.#gitRepository.name)
    ) {
      const old = this.#gitRepositories;
      if (repo.namespace !== this.#gitRepository.namespace) {
        this.#gitRepositories = this.#customInformer(apis.gitRepository, repo.namespace, parseGitRepository);
        void old.stop();
        if (this.#started) this.#gitRepositories.start();
      }
      this.#gitRepository = repo;
    }
    this.#syncPodInformers();
    this.#notify();
  }

  node(name: string): NodeRecord | undefined {
    return this.#nodes.get(null, name);
  }

  nodes(): NodeRecord[] {
    return this.#nodes.records().sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Pods of a workload (see podBelongsTo); the kind comes from the configured services. */
  pods(namespace: string, workloadName: string): PodRecord[] {
    const configured = this.#services.find(
      (s) => s.namespace === namespace && s.workload.name === workloadName,
    );
    const workload = configured?.workload ?? { kind: "Deployment" as const, name: workloadName };
    const informer = this.#pods.get(namespace);
    if (!informer) return [];
    return informer
      .records()
      .filter((p) => podBelongsTo(workload, p.name))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  replication(namespace: string, kind: string, name: string): ReplicationRecord | undefined {
    if (kind === "ReplicationSource") return this.#sources.get(namespace, name);
    if (kind === "ReplicationDestination") return this.#destinations.get(namespace, name);
    return undefined;
  }

  fluxOwners(files: readonly string[]): KustomizationRecord[] {
    return fluxOwnersOf(this.#kustomizations.records(), this.#gitRepository, files);
  }

  gitRepository(): GitRepositoryRecord | undefined {
    return this.#gitRepositories.get(this.#gitRepository.namespace, this.#gitRepository.name);
  }

  #all(): ResourceInformer<unknown>[] {
    return [
      this.#nodes,
      this.#sources,
      this.#destinations,
      this.#kustomizations,
      this.#gitRepositories,
      ...this.#pods.values(),
    ] as ResourceInformer<unknown>[];
  }

  #syncPodInformers(): void {
    const wanted = new Set(this.#services.map((s) => s.namespace));
    for (const [namespace, informer] of this.#pods) {
      if (!wanted.has(namespace)) {
        this.#pods.delete(namespace);
        void informer.stop();
      }
    }
    for (const namespace of wanted) {
      if (this.#pods.has(namespace)) continue;
      const informer = this.#informer(
        `/api/v1/namespaces/${namespace}/pods`,
        () => this.#core.listNamespacedPod({ namespace }) as Promise<ListResult>,
        parsePod,
      );
      this.#pods.set(namespace, informer);
      if (this.#started) informer.start();
    }
  }

  #customInformer<R>(
    api: { group: string; version: string; plural: string },
    namespace: string | null,
    parse: (obj: unknown) => R | undefined,
  ): ResourceInformer<R> {
    const base = `/apis/${api.group}/${api.version}`;
    if (namespace === null) {
      return this.#informer(
        `${base}/${api.plural}`,
        () => this.#custom.listClusterCustomObject({ ...api }) as Promise<ListResult>,
        parse,
      );
    }
    return this.#informer(
      `${base}/namespaces/${namespace}/${api.plural}`,
      () => this.#custom.listNamespacedCustomObject({ ...api, namespace }) as Promise<ListResult>,
      parse,
    );
  }

  #informer<R>(path: string, list: () => Promise<ListResult>, parse: (obj: unknown) => R | undefined) {
    return new ResourceInformer<R>({
      kubeConfig: this.#options.kubeConfig,
      path,
      list,
      parse,
      logger: this.#options.logger,
      onChange: () => this.#notify(),
      ...(this.#options.backoff ? { backoff: this.#options.backoff } : {}),
    });
  }

  #notify(): void {
    for (const listener of this.#listeners) {
      try {
        listener();
      } catch (error) {
        this.#options.logger.error("Cluster change listener failed", { error: String(error) });
      }
    }
  }
}
