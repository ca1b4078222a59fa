// Errors crossing the IPC boundary: the `AppError` shape ({ code, message }) that every
// Backend method rejects with, normalisation of anything else into it, and the short
// human label of each code shown in the UI.
import type { AppError } from "../bindings/AppError";
import type { ErrorCode } from "../bindings/ErrorCode";

/** Short labels per code. A Record, so a new code in the bindings fails type-checking here. */
export const ERROR_CODE_LABELS: Record<ErrorCode, string> = {
  unreachable: "Not reachable",
  timeout: "Timed out",
  protocol: "Protocol error",
  script_error: "Script error",
  invalid_input: "Invalid input",
  cancelled: "Cancelled",
  io: "I/O error",
  internal: "Internal error",
};

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && Object.hasOwn(ERROR_CODE_LABELS, value);
}

export function isAppError(value: unknown): value is AppError {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return isErrorCode(v.code) && typeof v.message === "string";
}

/** Turns any rejection (AppError, Error, string, anything) into an AppError. */
export function toAppError(value: unknown): AppError {
  if (isAppError(value)) return { code: value.code, message: value.message };
  if (value instanceof Error) return { code: "internal", message: value.message || value.name };
  if (typeof value === "string") return { code: "internal", message: value };
  if (value === undefined || value === null) return { code: "internal", message: "Unknown error" };
  try {
    return { code: "internal", message: JSON.stringify(value) };
  } catch {
    return { code: "internal", message: String(value) };
  }
}

/** "Timed out: no reply from Maya in 10 s" */
export function describeAppError(error: AppError): string {
  return `${ERROR_CODE_LABELS[error.code]}: ${error.message}`;
}
