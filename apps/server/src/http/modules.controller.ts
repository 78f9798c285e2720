// GET /modules/<sha256>.wasm: module bytes for proxies in direct mode (Envoy's remote code fetch cannot
// send a token). Content-addressed and limited to modules this server validated into its cache; proxies
// verify the sha256 of what they get.
import { Controller, Get, Inject, NotFoundException, Param, Res } from '@nestjs/common';
import { readFile } from 'node:fs/promises';
import type { FastifyReply } from 'fastify';
import type { ModuleCache } from '@wasmfleet/oci';
import { MODULE_CACHE } from '../app/tokens.js';
import { Public } from './public.decorator.js';

@Controller('modules')
export class ModulesController {
  constructor(@Inject(MODULE_CACHE) private readonly cache: ModuleCache) {}

  @Public()
  @Get(':file')
  async module(@Param('file') file: string, @Res() reply: FastifyReply): Promise<void> {
    const match = /^([0-9a-f]{64})\.wasm$/.exec(file);
    const found = match ? await this.cache.bySha256(match[1]!) : undefined;
    if (!found) throw new NotFoundException(`no module ${file} in this server's cache`);
    const bytes = await readFile(found.path);
    await reply.header('content-type', 'application/wasm').header('cache-control', 'public, max-age=31536000, immutable').send(bytes);
  }
}
