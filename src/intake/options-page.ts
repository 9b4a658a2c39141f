import type { OptionValue } from '../actions/action.types';
import {
  formText,
  type LiveChoiceLists,
  type OptionField,
  type OptionProblem,
} from '../actions/option-fields';
import { selectionProjects, type SelectionItem } from '../actions/selection-summary';
import { escapeHtml, page } from '../http/html';

export interface OptionsPageInput {
  pendingId: string;
  /** The action's label and, for a sub-action, its variant. */
  title: string;
  fields: OptionField[];
  /** What each field shows: the defaults, or what was entered when it came back with errors. */
  values: Record<string, OptionValue | undefined>;
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
 * option with its default (or what was entered, with the reason next to a refused one); Run (Next
 * before the last step, and Back after the first) and Cancel. The form carries nothing but the pending id in its URL: who acts on what stays server-side.
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
${step && step.current > 1 ? `<button type="submit" class="button secondary" id="back" formaction="${escapeHtml(`${base}/back`)}">Back</button>` : ''}
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
  const hint =
    (field.hint ? `<p class="hint muted" id="${id}-hint">${escapeHtml(field.hint)}</p>` : '') +
    (unavailable
      ? `<p class="hint unavailable" id="${id}-unavailable" role="status">Not listed now: ${escapeHtml(unavailable)}</p>`
      : '');
  const error = problem
    ? `<p class="field-error error" id="${id}-error" data-field="${escapeHtml(field.name)}">${escapeHtml(field.label)} ${escapeHtml(problem)}</p>`
    : '';
  const wrapper = `class="field${problem ? ' invalid' : ''}" data-field="${escapeHtml(field.name)}"`;
  if (field.kind === 'multi-select' && checkboxes(field)) {
    // A group of boxes is named by a legend, not one label.
    return `<fieldset ${wrapper} id="${id}"${aria}><legend>${escapeHtml(field.label)}</legend>${checkboxList(field, value, id)}${error}${hint}</fieldset>`;
  }
  const control = controlHtml(field, value, id, aria);
  return `<div ${wrapper}><label for="${id}">${escapeHtml(field.label)}</label>${control}${error}${hint}</div>`;
}

/** The input for one field, showing `value` (a default, or what was typed). */
function controlHtml(
  field: OptionField,
  value: OptionValue | string | undefined,
  id: string,
  aria: string,
): string {
  const name = escapeHtml(field.name);
  const text = escapeHtml(formText(value));
  switch (field.kind) {
    case 'boolean':
      return `<input type="checkbox" id="${id}" name="${name}"${value === true || value === 'on' || value === 'true' ? ' checked' : ''}${aria}>`;
    case 'select':
      return `<select id="${id}" name="${name}"${aria}>${choiceOptions(field, [formText(value)])}</select>`;
    case 'multi-select':
      return `<select multiple id="${id}" name="${name}" size="${Math.min(8, field.choices?.length ?? 1)}"${aria}>${choiceOptions(field, chosenOf(value))}</select>`;
    case 'number':
      return `<input type="number" id="${id}" name="${name}" value="${text}" min="${field.min ?? ''}" max="${field.max ?? ''}" step="${field.integer === false ? 'any' : '1'}" inputmode="${field.integer === false ? 'decimal' : 'numeric'}"${aria}>`;
    case 'frame-range':
      return `<input type="text" id="${id}" name="${name}" value="${text}" placeholder="1001-1100" pattern="\\d+\\s*-\\s*\\d+" inputmode="numeric"${aria}>`;
    case 'textarea':
      // The value is the element's text: escaped, line breaks kept.
      return `<textarea id="${id}" name="${name}" rows="${field.rows ?? 4}" maxlength="${field.maxLength ?? ''}"${aria}>${escapeHtml(typeof value === 'string' ? value : '')}</textarea>`;
    case 'date':
      return `<input type="date" id="${id}" name="${name}" value="${text}"${field.minDate ? ` min="${field.minDate}"` : ''}${field.maxDate ? ` max="${field.maxDate}"` : ''}${field.optional ? '' : ' required'}${aria}>`;
    default:
      return `<input type="text" id="${id}" name="${name}" value="${text}" maxlength="${field.maxLength ?? ''}"${aria}>`;
  }
}

/** Checkboxes unless the field asks for a list, or has too many choices to show as boxes. */
function checkboxes(field: OptionField): boolean {
  return field.display ? field.display === 'checkboxes' : (field.choices?.length ?? 0) <= 8;
}

/** The values a multi-select shows chosen: a stored list, or one value typed back as text. */
function chosenOf(value: OptionValue | string | undefined): string[] {
  if (Array.isArray(value)) return value;
  return typeof value === 'string' && value !== '' ? [value] : [];
}

function choiceOptions(field: OptionField, chosen: string[]): string {
  return (field.choices ?? [])
    .map(
      (choice) =>
        `<option value="${escapeHtml(choice.value)}"${chosen.includes(choice.value) ? ' selected' : ''}>${escapeHtml(choice.label)}</option>`,
    )
    .join('');
}

function checkboxList(
  field: OptionField,
  value: OptionValue | string | undefined,
  id: string,
): string {
  const chosen = chosenOf(value);
  return (field.choices ?? [])
    .map((choice, index) => {
      const boxId = `${id}-${index}`;
      return `<label class="choice" for="${boxId}"><input type="checkbox" id="${boxId}" name="${escapeHtml(field.name)}" value="${escapeHtml(choice.value)}"${chosen.includes(choice.value) ? ' checked' : ''}> ${escapeHtml(choice.label)}</label>`;
    })
    .join('');
}

function selectionHtml(items: SelectionItem[], count: number): string {
  const rows = items
    .map(
      (item) =>
        `<tr data-selected-task="${escapeHtml(item.taskId)}"><td>${item.sequenceName ? `<span class="muted">${escapeHtml(item.sequenceName)} / </span>` : ''}${escapeHtml(item.entity.name)}</td><td class="muted">${escapeHtml(item.entity.type)}</td><td>${escapeHtml(item.taskType.name)}</td></tr>`,
    )
    .join('');
  const unnamed = count - items.length;
  const projects = selectionProjects(items);
  const where = projects ? ` in ${escapeHtml(projects)}` : '';
  return `<section class="panel" aria-labelledby="sel-h"><h2 id="sel-h">Selection <span class="muted" id="selection-count">${count} task(s)${where}</span></h2>
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
.options input[type=text],.options input[type=number],.options input[type=date],.options select,.options textarea{font:inherit;padding:.35rem .5rem;border:1px solid var(--border);border-radius:4px;background:var(--panel);color:var(--text);min-width:14rem}
.options textarea{width:100%;max-width:40rem;box-sizing:border-box}
.options fieldset{border:0;padding:0}.options legend{font-weight:600;margin-bottom:.25rem;padding:0}
.options label.choice{display:block;font-weight:400;margin:.1rem 0}
.options .invalid input,.options .invalid select,.options .invalid textarea{border-color:var(--danger)}
.hint{margin:.2rem 0 0;font-size:.9rem}.field-error{margin:.2rem 0 0;font-weight:600}
.kept{margin:0 0 1rem}.kept div{display:flex;gap:.5rem}.kept dt{font-weight:600}.kept dd{margin:0}
.unavailable{margin:.2rem 0 0;color:var(--danger)}
.actions{display:flex;gap:.6rem;margin:1rem 0}
/* Back shows first but comes after Next/Run in the form, so Enter in a field still moves on. */
#back{order:-1}
.button{font:inherit;padding:.4rem 1rem;border-radius:4px;border:1px solid #00814a;background:#00814a;color:#fff;cursor:pointer;font-weight:700}
.button.secondary{background:transparent;color:var(--text);border-color:var(--border)}
.failure{border-left:4px solid var(--danger)}
.button:focus-visible,input:focus-visible,select:focus-visible,textarea:focus-visible{outline:3px solid var(--link);outline-offset:2px}
`;
