/**
 * GFM tables to a readable monospace block, for platforms that have no tables (Slack, Discord): a fenced code
 * block with aligned columns. Everything else, including tables inside code fences, is left as it is.
 */
import { FenceTracker } from "./fences.js";

type Align = "left" | "right" | "center";

const DELIMITER_CELL = /^:?-+:?$/;

export function tablesToText(markdown: string): string {
  const lines = markdown.split("\n");
  const out: string[] = [];
  const fences = new FenceTracker();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const { before, isFenceLine } = fences.next(line);
    if (before || isFenceLine) {
      out.push(line);
      continue;
    }
    const table = readTable(lines, i);
    if (!table) {
      out.push(line);
      continue;
    }
    out.push(...formatTable(table));
    i = table.end - 1;
  }
  return out.join("\n");
}

interface Table {
  header: string[];
  aligns: Align[];
  rows: string[][];
  /** Index of the first line after the table. */
  end: number;
}

function readTable(lines: string[], start: number): Table | undefined {
  const headerLine = lines[start]!;
  const delimiterLine = lines[start + 1];
  if (delimiterLine === undefined || !looksLikeRow(headerLine)) return undefined;
  const header = splitRow(headerLine);
  const delimiter = splitRow(delimiterLine);
  if (delimiter.length !== header.length || !delimiter.every((c) => DELIMITER_CELL.test(c))) return undefined;
  const aligns = delimiter.map((c): Align => {
    const left = c.startsWith(":");
    const right = c.endsWith(":");
    return left && right ? "center" : right ? "right" : "left";
  });
  const rows: string[][] = [];
  let end = start + 2;
  while (end < lines.length && looksLikeRow(lines[end]!) && lines[end]!.trim() !== "") {
    const cells = splitRow(lines[end]!);
    rows.push(header.map((_, c) => cells[c] ?? ""));
    end++;
  }
  return { header, aligns, rows, end };
}

function looksLikeRow(line: string): boolean {
  return line.includes("|") && !/^ {4,}/.test(line) && !/^\s*>/.test(line);
}

/** Cells of a row: split on pipes that are neither escaped nor inside inline code. */
function splitRow(line: string): string[] {
  let text = line.trim();
  if (text.startsWith("|")) text = text.slice(1);
  if (text.endsWith("|") && !text.endsWith("\\|")) text = text.slice(0, -1);
  const cells: string[] = [];
  let cell = "";
  let inCode = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === "\\" && text[i + 1] === "|") {
      cell += "|";
      i++;
    } else if (ch === "`") {
      inCode = !inCode;
      cell += ch;
    } else if (ch === "|" && !inCode) {
      cells.push(cell);
      cell = "";
    } else {
      cell += ch;
    }
  }
  cells.push(cell);
  return cells.map((c) => plainCell(c.trim()));
}

/** Inline Markdown means nothing inside a code block: keep the words, drop the markers. */
function plainCell(cell: string): string {
  return cell
    .replace(/!?\[([^\]]*)\]\(([^)\s]*)[^)]*\)/g, (_, text: string, url: string) => (text ? `${text} (${url})` : url))
    .replace(/(\*\*|__)(.+?)\1/g, "$2")
    .replace(/(^|[^\w*])([*_])(?!\s)(.+?)(?<!\s)\2(?![\w*])/g, "$1$3")
    .replace(/~~(.+?)~~/g, "$1")
    .replace(/`([^`]*)`/g, "$1")
    .replace(/<br\s*\/?>/gi, " ");
}

function formatTable(table: Table): string[] {
  const all = [table.header, ...table.rows];
  const widths = table.header.map((_, c) => Math.max(1, ...all.map((row) => [...row[c]!].length)));
  const format = (row: string[]) =>
    row
      .map((cell, c) => pad(cell, widths[c]!, table.aligns[c]!))
      .join(" | ")
      .trimEnd();
  const rule = widths.map((w) => "-".repeat(w)).join("-+-");
  const body = [format(table.header), rule, ...table.rows.map(format)];
  // A fence longer than any backtick run inside, so a cell cannot close it.
  const longestRun = Math.max(0, ...body.map((l) => Math.max(0, ...(l.match(/`+/g) ?? []).map((r) => r.length))));
  const fence = "`".repeat(Math.max(3, longestRun + 1));
  return [fence, ...body, fence];
}

function pad(cell: string, width: number, align: Align): string {
  const gap = width - [...cell].length;
  if (align === "right") return " ".repeat(gap) + cell;
  if (align === "center") return " ".repeat(Math.floor(gap / 2)) + cell + " ".repeat(Math.ceil(gap / 2));
  return cell + " ".repeat(gap);
}
