// Live updates for SSE clients: what changed on any replica (rollouts arrive here through the pub/sub
// the ECDS assignments already listen to), fanned out to the connected streams of this replica.
import { EventEmitter } from 'node:events';

export interface ServerEvent {
  type: 'rollout';
  data: unknown;
}

export class ServerEvents {
  private readonly emitter = new EventEmitter().setMaxListeners(0);

  emit(event: ServerEvent): void {
    this.emitter.emit('event', event);
  }

  subscribe(listener: (event: ServerEvent) => void, onClose?: () => void): () => void {
    this.emitter.on('event', listener);
    if (onClose) this.emitter.on('close', onClose);
    return () => {
      this.emitter.off('event', listener);
      if (onClose) this.emitter.off('close', onClose);
    };
  }

  /** Shutting down: every open stream ends, so the HTTP server can close. */
  close(): void {
    this.emitter.emit('close');
  }
}
