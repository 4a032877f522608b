/** Every rule hostnet knows, in the order reports list them. One line per rule. */
import type { Rule } from './types.js';

export const ALL_RULES: readonly Rule[] = [];
