// An ELEGY diagnostic, and how diagnostics are ordered and printed: as `file(line,col): error
// ELEGY1001: message` (elegy-ts build), or as a TypeScript diagnostic for tsc/tspc to print.
import ts from "typescript";
import { displayPath } from "../src/display-path";
import type { Location } from "./analyse/context";
import { ElegyCode, TS_CODE_OFFSET, codeName } from "./codes";

export interface ElegyDiagnostic {
  code: ElegyCode;
  message: string;
  location: Location;
}

export function sortDiagnostics(diagnostics: ElegyDiagnostic[]): ElegyDiagnostic[] {
  return diagnostics.sort(
    (a, b) =>
      compareStrings(a.location.file.fileName, b.location.file.fileName) ||
      a.location.start - b.location.start ||
      a.code - b.code,
  );
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** As a TypeScript diagnostic, for tsc/tspc to print: `error TS991001: ELEGY1001: …`. */
export function toTsDiagnostic(d: ElegyDiagnostic): ts.Diagnostic {
  return {
    category: ts.DiagnosticCategory.Error,
    code: TS_CODE_OFFSET + d.code,
    file: d.location.file,
    start: d.location.start,
    length: d.location.length,
    messageText: `${codeName(d.code)}: ${d.message}`,
    source: "elegy-ts",
  };
}

/** `file(line,col)` (1-based, as tsc prints it). */
export function position(file: ts.SourceFile, start: number, cwd: string): string {
  const { line, character } = file.getLineAndCharacterOfPosition(start);
  return `${displayPath(file.fileName, cwd)}(${line + 1},${character + 1})`;
}

/** `file(line,col): error ELEGY1001: message`. */
export function formatElegyDiagnostic(d: ElegyDiagnostic, cwd: string): string {
  return `${position(d.location.file, d.location.start, cwd)}: error ${codeName(d.code)}: ${d.message}`;
}

/** `file(line,col): error TS2322: message`, or `error TS6053: message` when it has no file. */
export function formatTsDiagnostic(d: ts.Diagnostic, cwd: string): string {
  const text = ts.flattenDiagnosticMessageText(d.messageText, "\n");
  const category = ts.DiagnosticCategory[d.category].toLowerCase();
  const where = d.file && d.start !== undefined ? `${position(d.file, d.start, cwd)}: ` : "";
  return `${where}${category} TS${d.code}: ${text}`;
}
