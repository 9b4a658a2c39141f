/** Hidden inputs carrying Kitsu's form fields, as its custom-action panel renders them. */
export function hiddenInputs(fields: Record<string, string>): string {
  return Object.entries(fields)
    .map(([name, value]) => `<input type="hidden" name="${name}" value="${value}">`)
    .join('');
}

/** A page shaped like Kitsu's hidden custom-action form: a form POST into a new tab. */
export function kitsuFormPage(actionUrl: string, fields: Record<string, string>): string {
  return `<!doctype html><html><body><form id="action" method="POST" target="_blank" action="${actionUrl}">${hiddenInputs(fields)}<button type="submit">Run</button></form></body></html>`;
}
