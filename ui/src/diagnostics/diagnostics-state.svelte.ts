// The diagnostics dialog's state: one `doctor()` round trip per opening (or refresh), and
// the outcome of the "Copy path" and "Open folder" actions. Stale replies are ignored.
import type { AppError } from "../bindings/AppError";
import type { DoctorReport } from "../bindings/DoctorReport";
import type { Backend } from "../backend/backend";
import { toAppError } from "../backend/app-error";

export type DoctorStatus =
  | { state: "idle" }
  | { state: "loading" }
  | { state: "ready"; report: DoctorReport }
  | { state: "failed"; error: AppError };

export type FolderAction =
  | { state: "idle" }
  | { state: "working" }
  | { state: "done"; message: string }
  | { state: "failed"; error: AppError };

export class DiagnosticsState {
  status = $state<DoctorStatus>({ state: "idle" });
  folder = $state<FolderAction>({ state: "idle" });
  #request = 0;

  async refresh(backend: Backend): Promise<void> {
    const request = ++this.#request;
    this.status = { state: "loading" };
    this.folder = { state: "idle" };
    try {
      const report = await backend.doctor();
      if (request === this.#request) this.status = { state: "ready", report };
    } catch (error) {
      if (request === this.#request) this.status = { state: "failed", error: toAppError(error) };
    }
  }

  async openLogFolder(backend: Backend): Promise<void> {
    this.folder = { state: "working" };
    try {
      await backend.openLogFolder();
      this.folder = { state: "done", message: "Opened in your file manager" };
    } catch (error) {
      this.folder = { state: "failed", error: toAppError(error) };
    }
  }
}
