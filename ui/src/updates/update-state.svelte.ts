// The app's update state: the quiet check at start (when the artist has not turned it off),
// a manual "Check for updates", the download (the shell verifies the signature) and the
// install. Shared by the diagnostics panel and the status bar's notice.
import type { AppError } from "../bindings/AppError";
import type { UpdateCheck } from "../bindings/UpdateCheck";
import type { UpdateOffer } from "../bindings/UpdateOffer";
import type { Backend } from "../backend/backend";
import { toAppError } from "../backend/app-error";

export type CheckStatus =
  | { state: "idle" }
  | { state: "checking" }
  | { state: "checked"; result: UpdateCheck }
  | { state: "failed"; error: AppError };

export type DownloadStatus =
  | { state: "idle" }
  | { state: "downloading"; downloaded: number; total: number | null }
  | { state: "verified"; version: string; bytes: number }
  | { state: "installing" }
  | { state: "failed"; error: AppError };

export class UpdateState {
  check = $state<CheckStatus>({ state: "idle" });
  download = $state<DownloadStatus>({ state: "idle" });
  /** The artist's "check at start" choice; null until read (or in a browser). */
  checkAtStart = $state<boolean | null>(null);
  /** Set when saving the choice failed. */
  settingsError = $state<AppError | null>(null);
  /** The check at start found this update: the status bar shows it (never a modal). */
  notice = $state<UpdateOffer | null>(null);
  #request = 0;

  /** The offer of the last check, if any. */
  get offer(): UpdateOffer | null {
    return this.check.state === "checked" ? this.check.result.offer : null;
  }

  /** At start: reads the choice and, when on, checks quietly (a failure shows nowhere but the panel). */
  async startup(backend: Backend): Promise<void> {
    if (!backend.updates) return;
    try {
      this.checkAtStart = (await backend.updates.settings()).checkAtStart;
    } catch {
      this.checkAtStart = true;
    }
    if (!this.checkAtStart) return;
    await this.runCheck(backend);
    this.notice = this.offer;
  }

  /** "Check for updates". */
  async runCheck(backend: Backend): Promise<void> {
    if (!backend.updates) return;
    const request = ++this.#request;
    this.check = { state: "checking" };
    this.download = { state: "idle" };
    try {
      const result = await backend.updates.check();
      if (request !== this.#request) return;
      this.check = { state: "checked", result };
      if (!result.offer) this.notice = null;
    } catch (error) {
      if (request === this.#request) this.check = { state: "failed", error: toAppError(error) };
    }
  }

  /** Downloads (and verifies) the offered package; installs it when this copy can. */
  async downloadAndInstall(backend: Backend): Promise<void> {
    const offer = this.offer;
    if (!backend.updates || !offer) return;
    this.download = { state: "downloading", downloaded: 0, total: null };
    try {
      const done = await backend.updates.download(({ downloaded, total }) => {
        if (this.download.state === "downloading") this.download = { state: "downloading", downloaded, total };
      });
      this.download = { state: "verified", version: done.version, bytes: done.bytes };
    } catch (error) {
      this.download = { state: "failed", error: toAppError(error) };
      return;
    }
    if (offer.install.kind !== "in_app") return;
    this.download = { state: "installing" };
    try {
      // On success the app restarts into the new version; this promise may never settle.
      await backend.updates.install();
    } catch (error) {
      this.download = { state: "failed", error: toAppError(error) };
    }
  }

  async setCheckAtStart(backend: Backend, on: boolean): Promise<void> {
    if (!backend.updates) return;
    const before = this.checkAtStart;
    this.checkAtStart = on;
    this.settingsError = null;
    try {
      await backend.updates.setSettings({ checkAtStart: on });
    } catch (error) {
      this.checkAtStart = before;
      this.settingsError = toAppError(error);
    }
  }
}
