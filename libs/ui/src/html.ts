/** HTML helpers for the server-rendered pages of `abd ui`: escaping and the page frame. */

const ESC: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for element content and double- or single-quoted attributes. */
export function esc(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ESC[c]);
}

/** A link to a path built from segments, each URL-encoded (ids never become path syntax). */
export function href(...segments: string[]): string {
  return '/' + segments.map(encodeURIComponent).join('/');
}

export function fmtPct(x: number | undefined, digits = 2): string {
  return x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(digits);
}

export function fmtSeconds(s: number | undefined): string {
  if (s === undefined || !Number.isFinite(s)) return '—';
  if (s < 60) return `${s.toFixed(1)} s`;
  if (s < 3600) return `${(s / 60).toFixed(1)} min`;
  return `${(s / 3600).toFixed(2)} h`;
}

/** A table from a header row and body rows of already-escaped HTML cells. */
export function table(head: string[], rows: string[][], cls = ''): string {
  const th = head.map((h) => `<th>${h}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('\n');
  return `<table class="${esc(cls)}"><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

const CSS = `
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{background:#1d2330;color:#fff;padding:10px 24px;display:flex;gap:24px;align-items:baseline}
header a{color:#cfd8ff;text-decoration:none}header b{font-size:16px;color:#fff}
main{padding:16px 24px;max-width:1280px}
h1{font-size:20px;margin:8px 0 12px}h2{font-size:16px;margin:20px 0 8px}
table{border-collapse:collapse;background:#fff;margin:6px 0}
td,th{border:1px solid #d8dce3;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#eef0f4}td.num,th.num{text-align:right}
.status{padding:1px 6px;border-radius:3px;font-size:12px}
.s-done{background:#d8f3dc}.s-running{background:#fff3bf}.s-stopped,.s-cancelled{background:#ffe3e3}
.s-failed{background:#ffc9c9}.s-queued{background:#e7f5ff}
.charts{display:flex;flex-wrap:wrap;gap:12px}.chart{background:#fff;border:1px solid #d8dce3}
.chart .tip{visibility:hidden;pointer-events:none}.chart .point:hover .tip{visibility:visible}
.chart .point:hover .pt{r:5}.caveat{background:#fff3bf;border:1px solid #e6c200;padding:6px 10px}
.muted{color:#667}pre{background:#fff;border:1px solid #d8dce3;padding:8px;overflow:auto}
.grid img{image-rendering:pixelated}.tap{margin-bottom:18px}
form.inline{display:flex;gap:10px;align-items:center;margin:8px 0}
.legend span{display:inline-block;width:12px;height:12px;vertical-align:middle;margin:0 4px 0 10px;border:1px solid #999}
`;

/** The page frame: title, navigation, body. No scripts (the CSP forbids them). */
export function page(title: string, body: string, opts: { refresh?: number } = {}): string {
  const refresh = opts.refresh ? `<meta http-equiv="refresh" content="${opts.refresh}">` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">${refresh}<title>${esc(title)} · abd</title>
<style>${CSS}</style></head>
<body><header><b>abd</b><a href="/">Runs</a><a href="/results">Results</a></header>
<main>
${body}
</main></body></html>
`;
}
