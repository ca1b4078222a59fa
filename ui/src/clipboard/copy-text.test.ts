import { describe, expect, it, vi } from "vitest";
import { copyText } from "./copy-text";

/** A stand-in for an <input> showing the text. */
function field() {
  return { focus: vi.fn(), select: vi.fn() } as unknown as HTMLElement & { focus: () => void; select: () => void };
}

describe("copyText", () => {
  it("uses the Clipboard API when it works", async () => {
    const writeText = vi.fn().mockResolvedValue(undefined);
    const f = field();
    await expect(copyText("/logs", f, { clipboard: { writeText } })).resolves.toBe("copied");
    expect(writeText).toHaveBeenCalledWith("/logs");
    expect(f.select).not.toHaveBeenCalled();
  });

  it("selects the field when the Clipboard API refuses", async () => {
    const writeText = vi.fn().mockRejectedValue(new Error("NotAllowedError"));
    const f = field();
    await expect(copyText("/logs", f, { clipboard: { writeText }, execCopy: () => false })).resolves.toBe("selected");
    expect(f.focus).toHaveBeenCalled();
    expect(f.select).toHaveBeenCalled();
  });

  it("reports a copy when execCommand works on the selection", async () => {
    const f = field();
    await expect(copyText("/logs", f, { clipboard: undefined, execCopy: () => true })).resolves.toBe("copied");
    expect(f.select).toHaveBeenCalled();
  });

  it("says 'selected' when nothing can copy and there is no field", async () => {
    await expect(copyText("/logs", null, {})).resolves.toBe("selected");
  });
});
