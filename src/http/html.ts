/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/**
 * The frame of every page: Kitsu-like type and spacing, light and dark from the system setting,
 * no external assets so it works on a studio network without internet.
 */
export function page(title: string, body: string, head = ''): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} · Kitsu Actions</title>
<style>${BASE_CSS}</style>
${head}
</head>
<body>
<header class="top"><a href="/jobs" class="brand">Kitsu Actions</a></header>
<main>
${body}
</main>
</body>
</html>`;
}

const BASE_CSS = `
:root{color-scheme:light dark;--bg:#f4f5f9;--panel:#fff;--text:#333;--muted:#666;--border:#e0e0e8;
--accent:#00b242;--link:#3273dc;--danger:#d63031;--warn:#e1a100;font-family:Lato,"Helvetica Neue",Arial,sans-serif;font-size:15px}
@media (prefers-color-scheme:dark){:root{--bg:#36393f;--panel:#2f3136;--text:#eee;--muted:#bbb;--border:#45474d;--link:#8ab4f8}}
*{box-sizing:border-box}body{margin:0;background:var(--bg);color:var(--text);line-height:1.45}
.top{background:var(--panel);border-bottom:1px solid var(--border);padding:.6rem 1.2rem}
.brand{font-weight:700;color:var(--text);text-decoration:none}
main{max-width:1100px;margin:1.2rem auto;padding:0 1rem}
a{color:var(--link)}h1{font-size:1.5rem;margin:.2rem 0 1rem}h2{font-size:1.15rem;margin:1.4rem 0 .6rem}
.panel{background:var(--panel);border:1px solid var(--border);border-radius:6px;padding:1rem 1.2rem;margin-bottom:1rem}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.35rem .6rem;border-bottom:1px solid var(--border);vertical-align:top}
th{font-weight:600;color:var(--muted)}code,pre{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.9em}
pre{overflow:auto;background:var(--bg);padding:.6rem;border-radius:4px}
.error{color:var(--danger)}.muted{color:var(--muted)}
`;
