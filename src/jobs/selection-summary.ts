/**
 * The job page reads the selection's names from results through the actions' contract (see
 * src/actions/selection-summary.ts), which every action that resolves a selection fills.
 */
export {
  MAX_SELECTION_ITEMS,
  selectionFromResult,
  selectionIndex,
  selectionItemLabel,
  type SelectionItem,
} from '../actions/selection-summary';
