const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

const NUMBER_FORMAT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
/** from here up, fractions are noise in a table (ops/s, µs, page counts) */
const WHOLE_NUMBER_FROM = 100;
const WHOLE_NUMBER_FORMAT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** Cell text for any results value: numbers grouped, objects as JSON, absent as a dash. */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return '–';
  if (typeof value === 'number') {
    return (Math.abs(value) >= WHOLE_NUMBER_FROM ? WHOLE_NUMBER_FORMAT : NUMBER_FORMAT).format(value);
  }
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return JSON.stringify(value);
}

export function htmlTable(headers: string[], rows: unknown[][], className = 'summary'): string {
  const head = headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  // numbers align right so digits line up; text aligns left
  const cell = (v: unknown): string =>
    `<td class="${typeof v === 'number' ? 'num' : 'text'}">${escapeHtml(cellText(v))}</td>`;
  const body = rows.map((row) => `<tr>${row.map(cell).join('')}</tr>`).join('\n');
  return `<table class="${className}"><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/** A piece of the page, in page order: a chart, or trusted HTML built by this module's helpers. */
export type PageBlock = { kind: 'chart'; id: string; title: string; svg: string } | { kind: 'html'; html: string };

export interface PageParts {
  title: string;
  subtitle: string;
  blocks: PageBlock[];
}

/** A collapsed section: the page leads with the answer, the detail is one click away. */
export function detailsHtml(summary: string, inner: string): string {
  return `<details><summary>${escapeHtml(summary)}</summary>\n${inner}\n</details>`;
}

/**
 * The CSP forbids every fetch: the page must show everything from its own bytes, and a
 * browser test would see any attempt as a console error.
 */
const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

const STYLE = `
body { font-family: system-ui, sans-serif; margin: 24px auto; max-width: 980px; color: #222; }
header h1 { margin-bottom: 4px; }
header p { margin-top: 0; color: #555; }
h2 { font-size: 17px; margin: 20px 0 6px; }
table.summary { border-collapse: collapse; margin: 8px 0 20px; font-size: 13px; }
table.summary th, table.summary td { border: 1px solid #ccc; padding: 3px 8px; text-align: left; }
table.summary th { background: #f3f3f3; }
table.summary td.num { text-align: right; font-variant-numeric: tabular-nums; }
details { margin: 8px 0; }
details summary { cursor: pointer; font-weight: 600; padding: 4px 0; }
details table.summary { display: block; overflow-x: auto; max-width: 100%; }
figure.chart { margin: 16px 0 28px; }
figure.chart svg { max-width: 100%; height: auto; }
`;

function blockHtml(b: PageBlock): string {
  if (b.kind === 'html') return b.html;
  return (
    `<figure class="chart" id="chart-${escapeHtml(b.id)}" data-chart="${escapeHtml(b.id)}" ` +
    `aria-label="${escapeHtml(b.title)}">\n${b.svg}\n</figure>`
  );
}

export function renderPage(parts: PageParts): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<title>${escapeHtml(parts.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>${escapeHtml(parts.title)}</h1>
<p>${escapeHtml(parts.subtitle)}</p>
</header>
<main>
${parts.blocks.map(blockHtml).join('\n')}
</main>
</body>
</html>
`;
}
