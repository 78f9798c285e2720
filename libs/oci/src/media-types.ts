// Media types of the OCI image spec, Docker's v2 schema and the three Wasm image formats we read and write.

export const MediaTypes = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',

  ociImageConfig: 'application/vnd.oci.image.config.v1+json',
  dockerImageConfig: 'application/vnd.docker.container.image.v1+json',
  ociLayerTar: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerTarGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  dockerLayerTarGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',

  /** solo-io/wasm image spec ("oci" variant) */
  soloConfig: 'application/vnd.module.wasm.config.v1+json',
  soloContentLayer: 'application/vnd.module.wasm.content.layer.v1+wasm',

  /** CNCF TAG Runtime Wasm OCI artifact */
  cncfConfig: 'application/vnd.wasm.config.v0+json',
  cncfLayer: 'application/wasm',
} as const;

/** What a pull asks for: single manifests and indexes, OCI and Docker. */
export const MANIFEST_ACCEPT = [MediaTypes.ociManifest, MediaTypes.ociIndex, MediaTypes.dockerManifest, MediaTypes.dockerManifestList];

export const isIndexType = (t: string) => t === MediaTypes.ociIndex || t === MediaTypes.dockerManifestList;
export const isManifestType = (t: string) => t === MediaTypes.ociManifest || t === MediaTypes.dockerManifest;

/** Layers that are tar archives (gzip or not): the compat format's carriers of `plugin.wasm`. */
export const TAR_LAYER_TYPES: ReadonlySet<string> = new Set([MediaTypes.ociLayerTar, MediaTypes.ociLayerTarGzip, MediaTypes.dockerLayerTarGzip]);

/** Annotation the compat spec allows on the manifest. */
export const COMPAT_VARIANT_ANNOTATION = 'module.wasm.image/variant';
