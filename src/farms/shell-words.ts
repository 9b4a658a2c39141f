/**
 * POSIX shell words, for the one farm whose job format takes a command string (Afanasy): command
 * templates are split into argument words at start-up, filled word by word, and every word is
 * quoted on the way out, so a name from Kitsu is always exactly one argument and never shell code.
 */

export interface ShellWords {
  words: string[];
  /** Shell syntax outside quotes (`;`, `|`, `&`, `<`, `>`, `(`, `)`, `$`, backquote, a leading `#`). */
  specials: string[];
}

export class ShellSyntaxError extends Error {}

const SPECIAL = new Set([';', '|', '&', '<', '>', '(', ')', '$', '`']);
const BLANK = /[ \t\n]/;
/** Inside double quotes a backslash escapes only these (POSIX 2.2.3). */
const DOUBLE_QUOTE_ESCAPABLE = new Set(['$', '`', '"', '\\', '\n']);

/**
 * Splits text into words as sh does (quotes, backslashes, blanks), without expanding anything.
 * Unquoted shell syntax is reported, not interpreted; an unclosed quote is a ShellSyntaxError.
 */
export function splitShellWords(text: string): ShellWords {
  const words: string[] = [];
  const specials: string[] = [];
  let word: string | null = null;
  let index = 0;
  while (index < text.length) {
    const char = text[index];
    if (BLANK.test(char)) {
      if (word !== null) words.push(word);
      word = null;
      index++;
    } else if (char === '\\') {
      if (index + 1 >= text.length) throw new ShellSyntaxError('a backslash ends the command');
      // Backslash-newline joins lines; any other escaped character is itself.
      if (text[index + 1] !== '\n') word = (word ?? '') + text[index + 1];
      index += 2;
    } else if (char === "'") {
      const end = text.indexOf("'", index + 1);
      if (end < 0) throw new ShellSyntaxError('a single quote is never closed');
      word = (word ?? '') + text.slice(index + 1, end);
      index = end + 1;
    } else if (char === '"') {
      word ??= '';
      index++;
      for (;;) {
        if (index >= text.length) throw new ShellSyntaxError('a double quote is never closed');
        const inner = text[index];
        if (inner === '"') break;
        if (inner === '\\' && DOUBLE_QUOTE_ESCAPABLE.has(text[index + 1])) {
          if (text[index + 1] !== '\n') word = (word ?? '') + text[index + 1];
          index += 2;
          continue;
        }
        if (inner === '$' || inner === '`') specials.push(inner);
        word = (word ?? '') + inner;
        index++;
      }
      index++;
    } else {
      if (SPECIAL.has(char) || (char === '#' && word === null)) specials.push(char);
      word = (word ?? '') + char;
      index++;
    }
  }
  if (word !== null) words.push(word);
  return { words, specials };
}

/**
 * A command template as argument words, `{field}`s kept inside them. A template is one program
 * and its arguments: pipes, redirections, `;`, variables and substitutions cannot be expressed as
 * an argument list, so they are refused (a wrapper script on the render nodes can do them).
 */
export function commandTemplateWords(template: string): string[] {
  const { words, specials } = splitShellWords(template);
  if (specials.length > 0) {
    const shown = [...new Set(specials)].join(' ');
    throw new ShellSyntaxError(
      `shell syntax ${shown} is not allowed: a command template is one program and its arguments (put pipes, redirections or variables in a script on the render nodes)`,
    );
  }
  if (words.length === 0) throw new ShellSyntaxError('the command is empty');
  return words;
}

/** Characters that need no quoting anywhere in a word (`#` is added when not first). */
const PLAIN_WORD = /^[A-Za-z0-9_@%+:,./-][A-Za-z0-9_@%+:,./#-]*$/;

/** One argument as a POSIX shell word: plain words stay readable, others are single-quoted. */
export function shellQuote(argument: string): string {
  if (PLAIN_WORD.test(argument)) return argument;
  // Inside single quotes nothing is special; a quote itself is closed, escaped and reopened.
  return `'${argument.replace(/'/g, `'\\''`)}'`;
}

/** An argument list as one command line a POSIX shell splits back into exactly these arguments. */
export function shellJoin(argumentList: readonly string[]): string {
  return argumentList.map(shellQuote).join(' ');
}
