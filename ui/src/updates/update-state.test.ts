// The update panel's states over a Backend whose `updates` channel each test scripts: the
// quiet check at start (on, off, nothing found, a failure kept out of sight), a manual check,
// download and verify, install where the app can, and the saved "check at start" choice.
// The shell's real updater (signatures, the HTTP server) is the e2e tier's business
// (tests/e2e/updater.test.mjs).
import { describe, expect, it } from "vitest";
import type { Backend, UpdateChannel } from "../backend/backend";
import type { UpdateCheck } from "../bindings/UpdateCheck";
import type { UpdateOffer } from "../bindings/UpdateOffer";
import { stubBackend } from "../test-support/stub-backend";
import { UpdateState } from "./update-state.svelte";
import { downloadLine, installNote, offerAction, offerHeadline, releaseDate } from "./update-view";

const OFFER: UpdateOffer = {
  version: "0.9.0",
  date: "2026-12-01T10:00:00Z",
  notes: "Faster console.\nA new preview.",
  install: { kind: "in_app" },
};
const DEV_BUILD: UpdateOffer["install"] = { kind: "unavailable", reason: "This is a development build." };
const BAD_SIGNATURE = { code: "protocol", message: "The update's signature does not match Mayalink's key; it was not installed." } as const;

/** An update channel whose every call is recorded by name; `overrides` replace the defaults' answers. */
function channel(overrides: Partial<UpdateChannel> = {}): UpdateChannel & { calls: string[]; saved: unknown[] } {
  const calls: string[] = [];
  const saved: unknown[] = [];
  const answers: UpdateChannel = {
    check: async (): Promise<UpdateCheck> => ({ currentVersion: "0.1.0", offer: OFFER }),
    download: async (onProgress) => {
      onProgress({ downloaded: 512, total: 1024 });
      return { version: "0.9.0", bytes: 1024 };
    },
    install: async () => {},
    settings: async () => ({ checkAtStart: true }),
    setSettings: async (settings) => {
      saved.push(settings);
    },
    ...overrides,
  };
  const recorded = Object.fromEntries(
    Object.entries(answers).map(([name, answer]) => [
      name,
      (...args: unknown[]) => {
        calls.push(name);
        return (answer as (...a: unknown[]) => Promise<unknown>)(...args);
      },
    ]),
  ) as unknown as UpdateChannel;
  return { ...recorded, calls, saved };
}

const backendWith = (updates: UpdateChannel | null): Backend => stubBackend({ kind: "tauri", updates });

describe("the check at start", () => {
  it("checks when the artist left it on, and an offer becomes the status bar's notice", async () => {
    const updates = channel();
    const state = new UpdateState();
    await state.startup(backendWith(updates));
    expect(updates.calls).toEqual(["settings", "check"]);
    expect(state.checkAtStart).toBe(true);
    expect(state.notice?.version).toBe("0.9.0");
  });

  it("sends no check when the artist turned it off", async () => {
    const updates = channel({ settings: async () => ({ checkAtStart: false }) });
    const state = new UpdateState();
    await state.startup(backendWith(updates));
    expect(updates.calls).toEqual(["settings"]);
    expect(state.checkAtStart).toBe(false);
    expect(state.check.state).toBe("idle");
    expect(state.notice).toBeNull();
  });

  it("shows no notice when up to date, and keeps a failure for the panel only", async () => {
    const upToDate = new UpdateState();
    await upToDate.startup(backendWith(channel({ check: async () => ({ currentVersion: "0.1.0", offer: null }) })));
    expect(upToDate.notice).toBeNull();

    const offline = new UpdateState();
    await offline.startup(
      backendWith(channel({ check: async () => Promise.reject({ code: "unreachable", message: "Could not reach the update server — are you offline?" }) })),
    );
    expect(offline.notice).toBeNull();
    expect(offline.check).toEqual({ state: "failed", error: { code: "unreachable", message: "Could not reach the update server — are you offline?" } });
  });

  it("does nothing in a browser (updates come with the app there)", async () => {
    const state = new UpdateState();
    await state.startup(backendWith(null));
    expect(state.checkAtStart).toBeNull();
    expect(state.check.state).toBe("idle");
  });
});

describe("download and install", () => {
  it("installs after a verified download when the app can replace itself", async () => {
    const updates = channel();
    const state = new UpdateState();
    const backend = backendWith(updates);
    await state.runCheck(backend);
    await state.downloadAndInstall(backend);
    expect(updates.calls).toEqual(["check", "download", "install"]);
    expect(state.download.state).toBe("installing");
  });

  it("only verifies on a build that cannot install, and says so", async () => {
    const updates = channel({ check: async () => ({ currentVersion: "0.1.0", offer: { ...OFFER, install: DEV_BUILD } }) });
    const state = new UpdateState();
    const backend = backendWith(updates);
    await state.runCheck(backend);
    await state.downloadAndInstall(backend);
    expect(updates.calls).toEqual(["check", "download"]);
    expect(state.download).toEqual({ state: "verified", version: "0.9.0", bytes: 1024 });
    expect(downloadLine(state.download)).toBe("Downloaded Mayalink 0.9.0 (0.0 MB); its signature matches Mayalink's key.");
  });

  it("refuses a bad signature with the shell's message and installs nothing", async () => {
    const updates = channel({ download: async () => Promise.reject(BAD_SIGNATURE) });
    const state = new UpdateState();
    const backend = backendWith(updates);
    await state.runCheck(backend);
    await state.downloadAndInstall(backend);
    expect(updates.calls).toEqual(["check", "download"]);
    expect(state.download).toEqual({ state: "failed", error: BAD_SIGNATURE });
    expect(downloadLine(state.download)).toBe(BAD_SIGNATURE.message);
  });

  it("a new check forgets the previous download", async () => {
    const state = new UpdateState();
    const backend = backendWith(channel({ check: async () => ({ currentVersion: "0.1.0", offer: { ...OFFER, install: DEV_BUILD } }) }));
    await state.runCheck(backend);
    await state.downloadAndInstall(backend);
    await state.runCheck(backend);
    expect(state.download.state).toBe("idle");
  });
});

describe("the saved choice", () => {
  it("is sent to the shell, and put back when saving fails", async () => {
    const updates = channel();
    const state = new UpdateState();
    const backend = backendWith(updates);
    await state.startup(backend);
    await state.setCheckAtStart(backend, false);
    expect(updates.saved).toEqual([{ checkAtStart: false }]);
    expect(state.checkAtStart).toBe(false);

    const failing = backendWith(channel({ setSettings: async () => Promise.reject({ code: "io", message: "read-only folder" }) }));
    await state.setCheckAtStart(failing, true);
    expect(state.checkAtStart).toBe(false);
    expect(state.settingsError?.message).toBe("read-only folder");
  });
});

describe("the panel's wording", () => {
  it("names the version and its date, and the action each install method allows", () => {
    expect(releaseDate("2026-12-01T10:00:00Z")).toBe("1 December 2026");
    expect(releaseDate("not a date")).toBeNull();
    expect(offerHeadline(OFFER)).toBe("Mayalink 0.9.0 is available (released 1 December 2026)");
    expect(offerHeadline({ ...OFFER, date: null })).toBe("Mayalink 0.9.0 is available");
    expect(offerAction(OFFER)).toBe("Download & install");
    expect(offerAction({ ...OFFER, install: DEV_BUILD })).toBe("Download & verify");
    const deb: UpdateOffer["install"] = { kind: "package_manager", package: "deb", how: "sudo apt install ./Mayalink.deb" };
    expect(offerAction({ ...OFFER, install: deb })).toBeNull();
    expect(installNote({ ...OFFER, install: deb })).toBe("sudo apt install ./Mayalink.deb");
    expect(installNote(OFFER)).toBeNull();
    expect(downloadLine({ state: "downloading", downloaded: 1_048_576, total: 10_485_760 })).toBe("Downloading… 1.0 MB of 10.0 MB");
    expect(downloadLine({ state: "downloading", downloaded: 1_048_576, total: null })).toBe("Downloading… 1.0 MB");
  });
});
