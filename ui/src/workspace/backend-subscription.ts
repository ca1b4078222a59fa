// The backend a piece of UI state is attached to, and the one stream subscription it
// holds there: subscribing again ends the previous subscription first.
import type { Backend, Unsubscribe } from "../backend/backend";

export class BackendSubscription {
  #backend: Backend | null = null;
  #unsubscribe: Unsubscribe | null = null;

  get backend(): Backend | null {
    return this.#backend;
  }

  /** Attaches to `backend` and subscribes with `subscribe`; its error is the caller's
   * (the backend stays attached for actions). */
  async subscribe(backend: Backend, subscribe: (backend: Backend) => Promise<Unsubscribe>): Promise<void> {
    this.end();
    this.#backend = backend;
    this.#unsubscribe = await subscribe(backend);
  }

  /** Ends the subscription (the backend stays known). */
  end(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
  }
}
