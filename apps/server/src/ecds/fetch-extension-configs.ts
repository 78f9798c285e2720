// FetchExtensionConfigs (unary SotW): the node's current view of the names it asks for (all when none).
import { XdsProtocolError, type ResourceCache, type SotwRequest, type SotwResponse, type VersionedResource } from '@wasmfleet/xds';
import { createHash } from 'node:crypto';

let fetchCounter = 0;

export function fetchExtensionConfigs(cache: ResourceCache, req: SotwRequest, typeUrl: string): SotwResponse {
  if (!req.node?.id) throw new XdsProtocolError('missing-node', 'request must carry node.id');
  if (req.typeUrl !== typeUrl) {
    throw new XdsProtocolError('type-url-mismatch', `type_url must be ${typeUrl}, got ${req.typeUrl || '(empty)'}`);
  }
  const names = req.resourceNames.length > 0 ? [...new Set(req.resourceNames)] : cache.names();
  const found = names
    .map((name) => cache.resolve(req.node!, name))
    .filter((r): r is VersionedResource => r !== undefined)
    .sort((a, b) => a.name.localeCompare(b.name));
  const versionInfo = createHash('sha256')
    .update(found.map((r) => `${r.name}@${r.version}`).join('\n'))
    .digest('hex')
    .slice(0, 16);
  return { versionInfo, resources: found.map((r) => r.resource), typeUrl, nonce: `fetch-${++fetchCounter}` };
}
