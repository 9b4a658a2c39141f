import { shellSplit } from '../../test/support/posix-shell';
import {
  commandTemplateWords,
  shellJoin,
  shellQuote,
  ShellSyntaxError,
  splitShellWords,
} from './shell-words';

/** Arguments a hostile Kitsu name could put in a command, one per case. */
const HOSTILE_ARGUMENTS = [
  'x"; id > pwned; echo "',
  "it's; touch pwned",
  '$(touch pwned)',
  '`touch pwned`',
  '${IFS}touch${IFS}pwned',
  'a b\tc',
  '; rm -rf ~ &',
  '| tee pwned',
  '#not a comment',
  '####',
  '~',
  '*',
  '\\',
  "'",
  '"',
  '',
  'Forêt enchantée 🌲',
  '--output=pwned',
];

describe('shell words', () => {
  it('quotes so that a real POSIX shell gets back exactly the arguments, running nothing', () => {
    const args = ['blender', '-b', ...HOSTILE_ARGUMENTS, '-s', '@#@', '-e', '@#@'];
    const command = shellJoin(args);
    expect(shellSplit(command)).toEqual({ args, createdFiles: [] });
    // The service's own splitter reads it the same way (the Afanasy simulator records with it).
    expect(splitShellWords(command)).toEqual({ words: args, specials: [] });
  });

  it('leaves plain words readable and quotes the rest', () => {
    expect(shellQuote('/render/sh020/sh020.####')).toBe('/render/sh020/sh020.####');
    expect(shellQuote('@#@')).toBe('@#@');
    expect(shellQuote('#')).toBe("'#'");
    expect(shellQuote('A=b')).toBe("'A=b'");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
    expect(shellQuote('')).toBe("''");
  });

  it('splits templates as sh does and keeps {fields} inside their words', () => {
    expect(commandTemplateWords('blender -b "{scene}" -o \'{output}\' -s @#@ -e @#@ -a')).toEqual([
      'blender',
      '-b',
      '{scene}',
      '-o',
      '{output}',
      '-s',
      '@#@',
      '-e',
      '@#@',
      '-a',
    ]);
    expect(commandTemplateWords('render\\ shot "--name={name} x" a\\"b')).toEqual([
      'render shot',
      '--name={name} x',
      'a"b',
    ]);
  });

  it.each([
    ['blender {scene}; rm -rf /', ';'],
    ['blender {scene} > /tmp/log', '>'],
    ['blender {scene} | tee', '|'],
    ['blender "$HOME/{scene}"', '$'],
    ['blender `id`', '`'],
    ['blender $(id)', '$'],
    ['blender # comment', '#'],
  ])('refuses shell syntax in a command template: %s', (template, shown) => {
    expect(() => commandTemplateWords(template)).toThrow(ShellSyntaxError);
    expect(() => commandTemplateWords(template)).toThrow(shown);
  });

  it('refuses unclosed quotes and empty commands', () => {
    expect(() => commandTemplateWords('blender -b "{scene}')).toThrow('never closed');
    expect(() => commandTemplateWords("blender -b '{scene}")).toThrow('never closed');
    expect(() => commandTemplateWords('   ')).toThrow('empty');
  });
});
