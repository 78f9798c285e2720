import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'wasmfleet:public';
/** Marks a route that needs no bearer token (liveness probes only): no principal, no role check. */
export const Public = () => SetMetadata(IS_PUBLIC, true);
