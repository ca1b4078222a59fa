import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { TABS_BACKUP_KEY } from "./editor-tabs";
import { TabsAutosave, type AutosaveStatus } from "./tabs-autosave";

function memoryStorage(fail = false) {
  const data = new Map<string, string>();
  return {
    data,
    getItem: (k: string) => data.get(k) ?? null,
    setItem: (k: string, v: string) => {
      if (fail) throw new Error("QuotaExceededError");
      data.set(k, v);
    },
  };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe("TabsAutosave", () => {
  it("copies to localStorage at once and saves the latest state once, after the delay", async () => {
    const save = vi.fn(async () => {});
    const storage = memoryStorage();
    const autosave = new TabsAutosave({ save, storage, delayMs: 300 });
    autosave.schedule("s1");
    autosave.schedule("s2");
    expect(storage.data.get(TABS_BACKUP_KEY)).toBe("s2");
    expect(save).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(300);
    expect(save).toHaveBeenCalledTimes(1);
    expect(save).toHaveBeenCalledWith("s2");
    expect(autosave.status.pending).toBe(false);
  });

  it("reports a failed save, keeps the backup, and retries with the next change", async () => {
    const statuses: AutosaveStatus[] = [];
    let fail = true;
    const save = vi.fn(async () => {
      if (fail) throw { code: "io", message: "No space left on device (os error 28)" };
    });
    const storage = memoryStorage();
    const autosave = new TabsAutosave({ save, storage, delayMs: 10, onStatus: (s) => statuses.push(s) });
    autosave.schedule("typed");
    await vi.advanceTimersByTimeAsync(10);
    expect(autosave.status.error?.message).toMatch(/No space/);
    expect(storage.data.get(TABS_BACKUP_KEY)).toBe("typed");
    fail = false;
    await autosave.flush(); // the failed state is retried
    expect(save).toHaveBeenLastCalledWith("typed");
    expect(autosave.status.error).toBeNull();
    expect(statuses.some((s) => s.error !== null)).toBe(true);
  });

  it("says when even the backup copy cannot be written", async () => {
    const autosave = new TabsAutosave({ save: async () => {}, storage: memoryStorage(true), delayMs: 10 });
    autosave.schedule("x");
    expect(autosave.status.backupFailed).toBe(true);
    expect(autosave.readBackup()).toBeNull();
  });
});
