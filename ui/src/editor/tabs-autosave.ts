// Autosave of the editor's tabs: every change is saved (debounced) through the backend
// (`editor_tabs_save` → <config>/mayalink/tabs.json) and copied to localStorage at once, so
// a failed disk write (disk full…) or a crash loses nothing. Failures are reported, and
// the next change retries.
import { toAppError } from "../backend/app-error";
import type { AppError } from "../bindings/AppError";
import { TABS_BACKUP_KEY } from "./editor-tabs";

export interface AutosaveStatus {
  /** The last save through the backend failed with this (null: fine). */
  error: AppError | null;
  /** The localStorage copy could not be written either. */
  backupFailed: boolean;
  pending: boolean;
}

export type KeyValueStorage = Pick<Storage, "getItem" | "setItem">;

export class TabsAutosave {
  #save: (state: string) => Promise<void>;
  #storage: KeyValueStorage | null;
  #delayMs: number;
  #onStatus: (status: AutosaveStatus) => void;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #latest: string | null = null;
  #inFlight: Promise<void> | null = null;
  #status: AutosaveStatus = { error: null, backupFailed: false, pending: false };

  constructor(options: {
    save: (state: string) => Promise<void>;
    storage?: KeyValueStorage | null;
    delayMs?: number;
    onStatus?: (status: AutosaveStatus) => void;
  }) {
    this.#save = options.save;
    this.#storage = options.storage ?? null;
    this.#delayMs = options.delayMs ?? 500;
    this.#onStatus = options.onStatus ?? (() => {});
  }

  get status(): AutosaveStatus {
    return this.#status;
  }

  #set(patch: Partial<AutosaveStatus>): void {
    this.#status = { ...this.#status, ...patch };
    this.#onStatus(this.#status);
  }

  /** A new state to save: copied to localStorage now, to the backend after the delay. */
  schedule(state: string): void {
    this.#latest = state;
    this.#backup(state);
    if (!this.#status.pending) this.#set({ pending: true });
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = null;
      void this.flush();
    }, this.#delayMs);
  }

  #backup(state: string): void {
    if (!this.#storage) return;
    try {
      this.#storage.setItem(TABS_BACKUP_KEY, state);
      if (this.#status.backupFailed) this.#set({ backupFailed: false });
    } catch {
      if (!this.#status.backupFailed) this.#set({ backupFailed: true });
    }
  }

  /** Saves the latest state now (waits for a save in flight first). */
  async flush(): Promise<void> {
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    while (this.#inFlight) await this.#inFlight;
    const state = this.#latest;
    if (state === null) return;
    this.#latest = null;
    this.#inFlight = this.#save(state).then(
      () => this.#set({ error: null, pending: this.#latest !== null }),
      (e: unknown) => {
        // Keep it for the next try (unless something newer came meanwhile).
        if (this.#latest === null) this.#latest = state;
        this.#set({ error: toAppError(e), pending: true });
      },
    );
    try {
      await this.#inFlight;
    } finally {
      this.#inFlight = null;
    }
  }

  /** The localStorage copy, if any. */
  readBackup(): string | null {
    try {
      return this.#storage?.getItem(TABS_BACKUP_KEY) ?? null;
    } catch {
      return null;
    }
  }

  dispose(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
