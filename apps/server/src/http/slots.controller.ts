import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Put, Query } from '@nestjs/common';
import type { Slot } from '@wasmfleet/api';
import { SLOT_SERVICE } from '../app/tokens.js';
import type { SlotService } from '../slots/slot-service.js';
import { Permission } from './roles.decorator.js';

@Controller('api/v1/slots')
export class SlotsController {
  constructor(@Inject(SLOT_SERVICE) private readonly slots: SlotService) {}

  @Post()
  @Permission('slots:write')
  create(@Body() body: unknown): Promise<Slot> {
    return this.slots.create(body);
  }

  @Get()
  @Permission('slots:read')
  async list(): Promise<{ items: Slot[] }> {
    return { items: await this.slots.list() };
  }

  @Get(':name')
  @Permission('slots:read')
  get(@Param('name') name: string): Promise<Slot> {
    return this.slots.get(name);
  }

  @Put(':name')
  @Permission('slots:write')
  update(@Param('name') name: string, @Body() body: unknown): Promise<Slot> {
    return this.slots.update(name, body);
  }

  @Delete(':name')
  @Permission('slots:write')
  @HttpCode(204)
  async delete(@Param('name') name: string, @Query('expectedVersion') expectedVersion?: string): Promise<void> {
    await this.slots.delete(name, expectedVersion);
  }
}
