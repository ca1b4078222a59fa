import { describe, expect, it } from "vitest";
import {
  TABS_FORMAT,
  isDirty,
  languageOfPath,
  newerSnapshot,
  parseTabs,
  runFileName,
  selectionOrLine,
  serializeTabs,
  type TabsSnapshot,
} from "./editor-tabs";

const snapshot: TabsSnapshot = {
  tabs: [
    { id: "a", title: "Script 1", path: null, lang: "python", text: "print('héllo')\n", savedText: null, cursor: 3 },
    { id: "b", title: "rig.mel", path: "/s/rig.mel", lang: "mel", text: "select -r Hips;", savedText: "select -r Hips;", cursor: 0 },
  ],
  activeId: "b",
  nextNumber: 2,
  savedAt: 1000,
};

describe("editor tabs autosave format", () => {
  it("round-trips every tab: text, file, language, saved state and cursor", () => {
    const json = serializeTabs(snapshot);
    expect(JSON.parse(json).format).toBe(TABS_FORMAT);
    expect(parseTabs(json)).toEqual(snapshot);
  });

  it("never throws on what it cannot read, and repairs what it can", () => {
    expect(parseTabs(null)).toBeNull();
    expect(parseTabs("")).toBeNull();
    expect(parseTabs("{not json")).toBeNull();
    expect(parseTabs('{"format":"something-else","tabs":[]}')).toBeNull();
    const repaired = parseTabs(
      JSON.stringify({ format: TABS_FORMAT, tabs: [{ id: "x", text: "a", cursor: 99, lang: "cobol" }, { id: "x", text: "dup" }, { text: "no id" }], activeId: "gone" }),
    );
    expect(repaired?.tabs).toEqual([{ id: "x", title: "Script", path: null, lang: "python", text: "a", savedText: null, cursor: 1 }]);
    expect(repaired?.activeId).toBe("x");
    expect(repaired?.nextNumber).toBe(2);
  });

  it("restores the newer of the backend's copy and the localStorage copy", () => {
    const older = { ...snapshot, savedAt: 1 };
    expect(newerSnapshot(older, snapshot)).toBe(snapshot);
    expect(newerSnapshot(snapshot, older)).toBe(snapshot);
    expect(newerSnapshot(null, older)).toBe(older);
    expect(newerSnapshot(null, null)).toBeNull();
  });

  it("dirty markers: unsaved non-empty text, or text that differs from the file", () => {
    expect(isDirty({ text: "", savedText: null })).toBe(false);
    expect(isDirty({ text: "x", savedText: null })).toBe(true);
    expect(isDirty({ text: "x", savedText: "x" })).toBe(false);
    expect(isDirty({ text: "x2", savedText: "x" })).toBe(true);
  });

  it("languages from extensions", () => {
    expect(languageOfPath("/a/b.MEL")).toBe("mel");
    expect(languageOfPath("/a/b.py")).toBe("python");
  });
});

describe("what runs", () => {
  it("names the file so tracebacks link back", () => {
    expect(runFileName({ title: "Script 2", path: null }, null)).toBe("<Script 2>");
    expect(runFileName({ title: "rig.py", path: "/s/rig.py" }, null)).toBe("/s/rig.py");
    expect(runFileName({ title: "rig.py", path: "/s/rig.py" }, 7)).toBe("</s/rig.py, from line 7>");
  });

  it("runs the selection, or the cursor's line and says where the next line starts", () => {
    const doc = "a = 1\nprint(a)\nb = 2";
    expect(selectionOrLine(doc, 8, 8)).toEqual({ code: "print(a)", fromLine: 2, nextLineStart: 15 });
    expect(selectionOrLine(doc, 16, 16)).toEqual({ code: "b = 2", fromLine: 3, nextLineStart: null });
    expect(selectionOrLine(doc, 10, 2)).toEqual({ code: "= 1\nprin", fromLine: 1, nextLineStart: null });
  });
});
