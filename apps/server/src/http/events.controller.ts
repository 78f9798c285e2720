// GET /api/v1/events: Server-Sent Events of rollout changes, for the dashboard and `status --watch`.
import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SERVER_EVENTS } from '../app/tokens.js';
import type { ServerEvents } from '../app/server-events.js';
import { Permission } from './roles.decorator.js';

const HEARTBEAT_MS = 15_000;

@Controller('api/v1/events')
export class EventsController {
  constructor(@Inject(SERVER_EVENTS) private readonly events: ServerEvents) {}

  @Get()
  @Permission('events:read')
  stream(@Req() req: FastifyRequest, @Res() reply: FastifyReply): void {
    reply.hijack();
    const out = reply.raw;
    out.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    out.write('retry: 3000\n\n');
    let seq = 0;
    const heartbeat = setInterval(() => out.write(': keep-alive\n\n'), HEARTBEAT_MS);
    const end = () => {
      clearInterval(heartbeat);
      unsubscribe();
      out.end();
    };
    const unsubscribe = this.events.subscribe((e) => out.write(`id: ${++seq}\nevent: ${e.type}\ndata: ${JSON.stringify(e.data)}\n\n`), end);
    req.raw.on('close', end);
  }
}
