// What the update panel says for each state: pure functions of the bindings' types, so the
// wording of every state is unit-tested without a DOM.
import type { UpdateOffer } from "../bindings/UpdateOffer";
import type { DownloadStatus } from "./update-state.svelte";

/** "7 December 2026" (UTC, so the day does not move with the time zone); null when absent or unreadable. */
export function releaseDate(date: string | null): string | null {
  if (!date) return null;
  const when = new Date(date);
  if (Number.isNaN(when.getTime())) return null;
  return when.toLocaleDateString("en-GB", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });
}

export function offerHeadline(offer: UpdateOffer): string {
  const date = releaseDate(offer.date);
  return `Mayalink ${offer.version} is available${date ? ` (released ${date})` : ""}`;
}

/** The offer's button: install in the app, download and verify only, or none (package manager). */
export function offerAction(offer: UpdateOffer): string | null {
  switch (offer.install.kind) {
    case "in_app":
      return "Download & install";
    case "unavailable":
      return "Download & verify";
    case "package_manager":
      return null;
  }
}

/** Why this copy does not install in the app (null when it does). */
export function installNote(offer: UpdateOffer): string | null {
  switch (offer.install.kind) {
    case "in_app":
      return null;
    case "unavailable":
      return offer.install.reason;
    case "package_manager":
      return offer.install.how;
  }
}

export function megabytes(bytes: number): string {
  return `${(bytes / 1_048_576).toFixed(1)} MB`;
}

/** The download's progress line; null when there is nothing to say. */
export function downloadLine(status: DownloadStatus): string | null {
  switch (status.state) {
    case "idle":
      return null;
    case "downloading":
      return status.total
        ? `Downloading… ${megabytes(status.downloaded)} of ${megabytes(status.total)}`
        : `Downloading… ${megabytes(status.downloaded)}`;
    case "verified":
      return `Downloaded Mayalink ${status.version} (${megabytes(status.bytes)}); its signature matches Mayalink's key.`;
    case "installing":
      return "Signature verified. Installing — Mayalink restarts when it is done…";
    case "failed":
      return status.error.message;
  }
}
