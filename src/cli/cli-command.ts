// The shape every `dagmar` subcommand has, and the shared parsing and --help printing.
import { parseArgs } from 'node:util';

export interface CliOption {
  type: 'string' | 'boolean';
  help: string;
  short?: string;
  /** May be given several times; the values reach run() joined with commas. */
  multiple?: boolean;
}

export interface CliCommand {
  name: string;
  summary: string;
  usage: string;
  options: Record<string, CliOption>;
  /** Runs the command; resolves to the process exit code. */
  run(values: Record<string, string | boolean | undefined>, positionals: string[]): number | Promise<number>;
}

export function commandHelp(command: CliCommand): string {
  const lines = [`${command.summary}`, '', `usage: ${command.usage}`, '', 'options:'];
  const entries = Object.entries(command.options);
  const width = Math.max(10, ...entries.map(([name, o]) => name.length + (o.type === 'string' ? 6 : 0)));
  for (const [name, option] of entries) {
    const flag = `--${name}${option.type === 'string' ? ' VALUE' : ''}`;
    lines.push(`  ${flag.padEnd(width + 4)}${option.help}`);
  }
  lines.push(`  ${'--help'.padEnd(width + 4)}show this help`);
  return `${lines.join('\n')}\n`;
}

/** Parses argv for a command; unknown flags are errors that say which flag. */
export function parseCommandArgs(command: CliCommand, argv: string[]): { values: Record<string, string | boolean | undefined>; positionals: string[]; help: boolean } {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = { help: { type: 'boolean', short: 'h' } };
  for (const [name, o] of Object.entries(command.options)) options[name] = { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) };
  const parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  const values: Record<string, string | boolean | undefined> = {};
  for (const [name, value] of Object.entries(parsed.values)) values[name] = Array.isArray(value) ? value.join(',') : (value as string | boolean | undefined);
  return { values, positionals: parsed.positionals, help: values.help === true };
}

/** A command with subcommands (`dagmar light serve`, `dagmar light state`). */
export interface CliGroup {
  name: string;
  summary: string;
  commands: CliCommand[];
}

export function groupHelp(group: CliGroup): string {
  const width = Math.max(...group.commands.map((c) => c.name.length));
  return [
    group.summary,
    '',
    `usage: dagmar ${group.name} <command> [options]      (dagmar ${group.name} <command> --help for its options)`,
    '',
    'commands:',
    ...group.commands.map((c) => `  ${c.name.padEnd(width + 2)}${c.summary}`),
    '',
  ].join('\n');
}
