import { Controller, Get, Header, Inject, ServiceUnavailableException } from '@nestjs/common';
import { HEALTH, METRICS } from '../app/tokens.js';
import type { ServerMetrics } from '../metrics/server-metrics.js';
import { Public } from './public.decorator.js';
import { Permission } from './roles.decorator.js';

export interface HealthProbe {
  /** Throws when a dependency (Redis) does not answer. */
  check(): Promise<void>;
}

@Controller()
export class HealthController {
  constructor(
    @Inject(HEALTH) private readonly probe: HealthProbe,
    @Inject(METRICS) private readonly metrics: ServerMetrics,
  ) {}

  @Public()
  @Get('healthz')
  async healthz(): Promise<{ status: 'ok' }> {
    try {
      await this.probe.check();
    } catch (err) {
      throw new ServiceUnavailableException(`redis: ${(err as Error).message}`);
    }
    return { status: 'ok' };
  }

  /** Admin only: give Prometheus an admin token (scrape_config `authorization`). */
  @Get('metrics')
  @Permission('metrics:read')
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  metricsText(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
