/** Group/version/plural of the custom resources we watch and patch. */
export const apis = {
  replicationSource: { group: "volsync.backube", version: "v1alpha1", plural: "replicationsources" },
  replicationDestination: {
    group: "volsync.backube",
    version: "v1alpha1",
    plural: "replicationdestinations",
  },
  kustomization: { group: "kustomize.toolkit.fluxcd.io", version: "v1", plural: "kustomizations" },
  gitRepository: { group: "source.toolkit.fluxcd.io", version: "v1", plural: "gitrepositories" },
} as const;
