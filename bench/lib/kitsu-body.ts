/**
 * The Kitsu AJAX body every intake server receives. Each request gets its own last task id so
 * that deduplication never short-circuits an enqueue: every accepted request is a stored job.
 */
export const PERSON_ID = '6d9a0d4c-9b1e-4b5a-9d5e-2c1f3a4b5c6d';
export const PROJECT_ID = '0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0';
const FIXED_TASKS = [
  '1a2b3c4d-5e6f-4a0b-8c9d-0e1f2a3b4c5d',
  '2b3c4d5e-6f7a-4b1c-9d0e-1f2a3b4c5d6e',
];

/** `%s` placeholders: an 8-hex-digit stream id and a 12-hex-digit counter. */
export const BODY_TEMPLATE = JSON.stringify({
  selection: [...FIXED_TASKS, '%s-0000-4000-8000-%s'],
  productionid: PROJECT_ID,
  userid: PERSON_ID,
  useremail: 'artist@studio.example',
  originurl: '/productions/demo/shots/tasks',
  originserver: 'kitsu.studio.example',
  entitytype: 'shot',
});

export function kitsuBody(stream: number, counter: number): string {
  const [head, middle, tail] = BODY_TEMPLATE.split('%s');
  return `${head}${hex(stream, 8)}${middle}${hex(counter, 12)}${tail}`;
}

function hex(value: number, width: number): string {
  return value.toString(16).padStart(width, '0').slice(-width);
}
