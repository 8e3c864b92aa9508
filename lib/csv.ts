// CSV as RFC 4180 writes it (comma-separated, CRLF line ends, a field holding a comma, a double
// quote, CR or LF is wrapped in double quotes and its quotes doubled), made safe to open in a
// spreadsheet: a cell that starts with `=`, `+`, `-`, `@`, tab or carriage return would be read as a
// formula (OWASP "CSV injection"), so it gets a leading `'`, which spreadsheets show as text.

const FORMULA_START = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

export type CsvValue = string | number | boolean | null | undefined;

/** One field: null and undefined are empty; text that a spreadsheet would evaluate is neutralized. */
export function csvCell(value: CsvValue): string {
  if (value === null || value === undefined) return "";
  let text = String(value);
  if (FORMULA_START.test(text)) text = `'${text}`;
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One record, CRLF-terminated. */
export function csvRow(values: readonly CsvValue[]): string {
  return `${values.map(csvCell).join(",")}\r\n`;
}
