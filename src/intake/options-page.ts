import type { OptionValue } from '../actions/action.types';
import {
  formText,
  type LiveChoiceLists,
  type OptionField,
  type OptionProblem,
} from '../actions/option-fields';
import type { SelectionItem } from '../actions/selection-summary';
import { escapeHtml, page } from '../http/html';

export interface OptionsPageInput {
  pendingId: string;
  /** The action's label and, for a sub-action, its variant. */
  title: string;
  fields: OptionField[];
  /** What each field shows: the defaults, or what was entered when it came back with errors. */
  values: Record<string, OptionValue | string | undefined>;
  problems: OptionProblem[];
  selection: SelectionItem[];
  taskCount: number;
  expiresAt: string;
  /** In a form of several steps: the step shown (its fields are `fields`) and the last one. */
  step?: { current: number; last: number };
  /** The values of the steps already passed, shown, not editable (they are kept server-side). */
  kept?: Array<{ name: string; label: string; value: string }>;
  /** The live selects' choices, or why there are none now. */
  live?: LiveChoiceLists;
}

/**
 * The page a form-mode click on an action with options lands on: what was selected, by name; each
 * option with its default (or what was entered, with the reason next to a refused one); Run and
 * Cancel. The form carries nothing but the pending id in its URL: who acts on what stays server-side.
 */
export function renderOptionsPage(input: OptionsPageInput): string {
  const base = `/options/${encodeURIComponent(input.pendingId)}`;
  const problems = new Map(input.problems.map((p) => [p.field, p.reason]));
  const summary = input.problems.length
    ? `<div class="panel failure" role="alert" id="option-errors"><p class="error">Nothing was queued: ${input.problems.length === 1 ? 'one option needs' : `${input.problems.length} options need`} a change.</p></div>`
    : '';
  const fields = input.fields
    .map((field) =>
      fieldHtml(
        withLiveChoices(field, input.live),
        input.values[field.name],
        problems.get(field.name),
        input.live?.[field.name]?.unavailable,
      ),
    )
    .join('');
  const step = input.step && input.step.last > 1 ? input.step : null;
  const more = step !== null && step.current < step.last;
  const kept = (input.kept ?? [])
    .map(
      (entry) =>
        `<div data-kept="${escapeHtml(entry.name)}"><dt>${escapeHtml(entry.label)}</dt><dd>${escapeHtml(entry.value)}</dd></div>`,
    )
    .join('');
  return page(
    `${input.title}: options`,
    `<h1>${escapeHtml(input.title)}</h1>
${summary}
<form method="post" action="${escapeHtml(base)}" class="panel options" id="options-form" novalidate>
<h2>Options${step ? ` <span class="muted" id="option-step">step ${step.current} of ${step.last}</span>` : ''}</h2>
${kept ? `<dl class="kept" id="options-kept">${kept}</dl>` : ''}
${fields}
<div class="actions">${more ? '<button type="submit" class="button" id="next">Next</button>' : '<button type="submit" class="button" id="run">Run</button>'}
<button type="submit" class="button secondary" id="cancel" formaction="${escapeHtml(`${base}/cancel`)}">Cancel</button></div>
<p class="muted">This form is valid until <time datetime="${escapeHtml(input.expiresAt)}">${escapeHtml(input.expiresAt.replace('T', ' ').slice(0, 19))} UTC</time>; after that, run the action again from Kitsu.</p>
</form>
${selectionHtml(input.selection, input.taskCount)}`,
    `<style>${OPTIONS_CSS}</style>`,
  );
}

/** A live select with the choices listed now, after its empty choice when it has one. */
function withLiveChoices(field: OptionField, live: LiveChoiceLists | undefined): OptionField {
  if (!field.live) return field;
  const empty = field.emptyLabel ? [{ value: '', label: field.emptyLabel }] : [];
  return { ...field, choices: [...empty, ...(live?.[field.name]?.choices ?? [])] };
}

function fieldHtml(
  field: OptionField,
  value: OptionValue | string | undefined,
  problem: string | undefined,
  unavailable?: string,
): string {
  const id = `option-${field.name}`;
  const described = [
    field.hint ? `${id}-hint` : '',
    problem ? `${id}-error` : '',
    unavailable ? `${id}-unavailable` : '',
  ]
    .filter(Boolean)
    .join(' ');
  const aria = `${described ? ` aria-describedby="${described}"` : ''}${problem ? ' aria-invalid="true"' : ''}`;
  const name = escapeHtml(field.name);
  let control: string;
  switch (field.kind) {
    case 'boolean':
      control = `<input type="checkbox" id="${id}" name="${name}"${value === true || value === 'on' || value === 'true' ? ' checked' : ''}${aria}>`;
      break;
    case 'select':
      control = `<select id="${id}" name="${name}"${aria}>${(field.choices ?? [])
        .map(
          (choice) =>
            `<option value="${escapeHtml(choice.value)}"${formText(value as OptionValue) === choice.value ? ' selected' : ''}>${escapeHtml(choice.label)}</option>`,
        )
        .join('')}</select>`;
      break;
    case 'number':
      control = `<input type="number" id="${id}" name="${name}" value="${escapeHtml(formText(value))}" min="${field.min ?? ''}" max="${field.max ?? ''}" step="${field.integer === false ? 'any' : '1'}" inputmode="numeric"${aria}>`;
      break;
    case 'frame-range':
      control = `<input type="text" id="${id}" name="${name}" value="${escapeHtml(formText(value))}" placeholder="1001-1100" pattern="\\d+\\s*-\\s*\\d+" inputmode="numeric"${aria}>`;
      break;
    default:
      control = `<input type="text" id="${id}" name="${name}" value="${escapeHtml(formText(value))}" maxlength="${field.maxLength ?? ''}"${aria}>`;
  }
  const hint =
    (field.hint ? `<p class="hint muted" id="${id}-hint">${escapeHtml(field.hint)}</p>` : '') +
    (unavailable
      ? `<p class="hint unavailable" id="${id}-unavailable" role="status">Not listed now: ${escapeHtml(unavailable)}</p>`
      : '');
  const error = problem
    ? `<p class="field-error error" id="${id}-error" data-field="${name}">${escapeHtml(field.label)} ${escapeHtml(problem)}</p>`
    : '';
  return `<div class="field${problem ? ' invalid' : ''}" data-field="${name}"><label for="${id}">${escapeHtml(field.label)}</label>${control}${error}${hint}</div>`;
}

function selectionHtml(items: SelectionItem[], count: number): string {
  const rows = items
    .map(
      (item) =>
        `<tr data-selected-task="${escapeHtml(item.taskId)}"><td>${item.sequenceName ? `<span class="muted">${escapeHtml(item.sequenceName)} / </span>` : ''}${escapeHtml(item.entity.name)}</td><td class="muted">${escapeHtml(item.entity.type)}</td><td>${escapeHtml(item.taskType.name)}</td></tr>`,
    )
    .join('');
  const unnamed = count - items.length;
  return `<section class="panel" aria-labelledby="sel-h"><h2 id="sel-h">Selection <span class="muted">${count} task(s)</span></h2>
${unnamed > 0 ? `<p class="muted">${unnamed} task(s) not listed (not found in Kitsu, or beyond those shown).</p>` : ''}
<table class="selection"><thead><tr><th scope="col">Entity</th><th scope="col">Type</th><th scope="col">Task type</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

/** The page after Cancel, or in place of a form that can no longer be used. */
export function renderOptionsEndPage(title: string, message: string): string {
  return page(
    title,
    `<h1>${escapeHtml(title)}</h1><section class="panel"><p id="options-ended">${escapeHtml(message)}</p></section>`,
  );
}

const OPTIONS_CSS = `
.options .field{margin:0 0 1rem}.options label{display:block;font-weight:600;margin-bottom:.25rem}
.options input[type=text],.options input[type=number],.options select{font:inherit;padding:.35rem .5rem;border:1px solid var(--border);border-radius:4px;background:var(--panel);color:var(--text);min-width:14rem}
.options .invalid input,.options .invalid select{border-color:var(--danger)}
.hint{margin:.2rem 0 0;font-size:.9rem}.field-error{margin:.2rem 0 0;font-weight:600}
.kept{margin:0 0 1rem}.kept div{display:flex;gap:.5rem}.kept dt{font-weight:600}.kept dd{margin:0}
.unavailable{margin:.2rem 0 0;color:var(--danger)}
.actions{display:flex;gap:.6rem;margin:1rem 0}
.button{font:inherit;padding:.4rem 1rem;border-radius:4px;border:1px solid #00814a;background:#00814a;color:#fff;cursor:pointer;font-weight:700}
.button.secondary{background:transparent;color:var(--text);border-color:var(--border)}
.failure{border-left:4px solid var(--danger)}
.button:focus-visible,input:focus-visible,select:focus-visible{outline:3px solid var(--link);outline-offset:2px}
`;
