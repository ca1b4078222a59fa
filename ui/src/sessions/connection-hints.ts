// Connection hints shown to artists: the exact Python line to paste into Maya's Script Editor
// to open the commandPort Mayalink connects to, a userSetup.py that opens it at every start,
// and Mosketch's streaming port.
import type { Os } from "../shortcuts/platform-keys";

export const MAYA_DEFAULT_PORT = 7001;

/** `cmds.commandPort(name=":7001", sourceType="python")` for a TCP port or a socket path. */
export function openPortSnippet(port: number | string = MAYA_DEFAULT_PORT): string {
  const name = typeof port === "number" ? `:${port}` : port;
  return `cmds.commandPort(name="${name}", sourceType="python")`;
}

export const MAYA_PORT_SNIPPET = openPortSnippet(MAYA_DEFAULT_PORT);

/** A userSetup.py that opens the port each time Maya starts (safe to run twice). */
export function userSetupSnippet(port: number | string = MAYA_DEFAULT_PORT): string {
  const name = typeof port === "number" ? `:${port}` : port;
  return [
    "# userSetup.py: open Mayalink's port each time Maya starts",
    "import maya.cmds as cmds",
    "import maya.utils",
    "",
    "def _open_mayalink_port():",
    `    if not cmds.commandPort("${name}", query=True):`,
    `        cmds.commandPort(name="${name}", sourceType="python")`,
    "",
    "maya.utils.executeDeferred(_open_mayalink_port)",
  ].join("\n");
}

/** The scripts folder Maya reads userSetup.py from at start, per OS, for one Maya version
 *  (e.g. 2025). */
export function userSetupFolder(os: Os, version = "<version>"): string {
  switch (os) {
    case "windows":
      return `Documents\\maya\\${version}\\scripts`;
    case "macos":
      return `~/Library/Preferences/Autodesk/maya/${version}/scripts`;
    default:
      return `~/maya/${version}/scripts`;
  }
}

export const OS_NAMES: Record<Os, string> = { linux: "Linux", windows: "Windows", macos: "macOS" };

/** Default port of Mosketch's streaming server. */
export const MOSKETCH_DEFAULT_PORT = 16094;
