/**
 * Command-line options for both commands (`local` and `replay`), parsed alike by Node's
 * `util.parseArgs`: `--flag value` and `--flag=value`, `-h` for `--help`, and errors that name the
 * option and say what is wrong.
 */
import { parseArgs } from 'node:util';

/** Bad command line. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The options a command accepts: each takes a value (`string`) or not (`boolean`). */
export type OptionSpec = Readonly<Record<string, 'string' | 'boolean'>>;

export interface ParseOptions {
  /** Options a command no longer accepts, with what replaced each (named in the error). */
  readonly removed?: Readonly<Record<string, string>>;
  /** The command, for messages (`unknown option --x for 'local'`). */
  readonly command: string;
}

/**
 * Parses `argv` (the arguments after the command) against `spec`. Every option may be given once; a
 * value may not be empty nor start with `--` (`--app --port 3` is a missing value, not an app named
 * `--port`). `--help` and `-h` are always accepted.
 */
export function parseOptions(argv: readonly string[], spec: OptionSpec, parse: ParseOptions): Record<string, string | boolean | undefined> {
  const options = Object.fromEntries(Object.entries({ ...spec, help: 'boolean' as const }).map(([name, type]) =>
    [name, name === 'help' ? { type, short: 'h' } : { type }]));
  const known = Object.keys(options).map((name) => `--${name}`).join(', ');
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals: false, tokens: true });
  } catch (error) {
    const { code, message } = error as { code?: string; message: string };
    const option = /'(?:-\w, )?(-{1,2}[^' =<]+)/.exec(message)?.[1];
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option !== undefined) {
      const replaced = parse.removed?.[option.replace(/^--/, '')];
      if (replaced !== undefined) throw new UsageError(`${option} is no longer supported: ${replaced}`);
      throw new UsageError(`unknown option ${option} for '${parse.command}' (options: ${known})`);
    }
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option !== undefined) {
      throw new UsageError(options[option.replace(/^--/, '')]?.type === 'boolean' ? `${option} takes no value` : `${option} needs a value`);
    }
    if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
      const positional = /'([^']*)'/.exec(message)?.[1];
      throw new UsageError(`unexpected argument ${positional ?? message}`);
    }
    throw new UsageError(message);
  }
  const seen = new Set<string>();
  for (const token of parsed.tokens ?? []) {
    if (token.kind !== 'option') continue;
    if (seen.has(token.name) && token.name !== 'help') throw new UsageError(`--${token.name} given more than once`);
    seen.add(token.name);
    if (spec[token.name] === 'string' && (token.value === undefined || token.value === '' || (!token.inlineValue && token.value.startsWith('--')))) {
      throw new UsageError(`--${token.name} needs a value`);
    }
  }
  return parsed.values as Record<string, string | boolean | undefined>;
}
