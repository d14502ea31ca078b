// The `dagmar` command line: dispatches to one subcommand; `dagmar --help` lists them.
import { CliCommand, CliGroup, commandHelp, groupHelp, parseCommandArgs } from './cli-command';
import { conformanceCommand } from './conformance-command';
import { dagCommand } from './dag-command';
import { keygenCommand } from './keygen-command';
import { lightCommand } from './light-command';
import { recoverCommand } from './recover-command';
import { roomsCommand } from './rooms-command';
import { serveCommand } from './serve-command';
import { testbedCommand } from './testbed-command';
import { verifyCommand } from './verify-command';

const COMMANDS: Array<CliCommand | CliGroup> = [serveCommand, keygenCommand, roomsCommand, verifyCommand, dagCommand, recoverCommand, lightCommand, testbedCommand, conformanceCommand];

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'dagmar: a Matrix mini-homeserver whose heart is the room DAG',
    '',
    'usage: dagmar <command> [options]      (dagmar <command> --help for its options)',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width + 2)}${c.summary}`),
    '',
  ].join('\n');
}

function isHelp(arg: string | undefined): boolean {
  return arg === '--help' || arg === '-h' || arg === 'help';
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || isHelp(name)) {
    process.stdout.write(overview());
    return name === undefined ? 2 : 0;
  }
  const found = COMMANDS.find((c) => c.name === name);
  if (!found) {
    process.stderr.write(`dagmar: unknown command ${JSON.stringify(name)}\n\n${overview()}`);
    return 2;
  }
  let command: CliCommand;
  let rest = args;
  if ('commands' in found) {
    const [sub, ...subArgs] = args;
    if (sub === undefined || isHelp(sub)) {
      process.stdout.write(groupHelp(found));
      return sub === undefined ? 2 : 0;
    }
    const subcommand = found.commands.find((c) => c.name === sub);
    if (!subcommand) {
      process.stderr.write(`dagmar ${found.name}: unknown command ${JSON.stringify(sub)}\n\n${groupHelp(found)}`);
      return 2;
    }
    command = { ...subcommand, name: `${found.name} ${subcommand.name}` };
    rest = subArgs;
  } else {
    command = found;
  }
  let parsed;
  try {
    parsed = parseCommandArgs(command, rest);
  } catch (e) {
    process.stderr.write(`dagmar ${command.name}: ${(e as Error).message}\n\n${commandHelp(command)}`);
    return 2;
  }
  if (parsed.help) {
    process.stdout.write(commandHelp(command));
    return 0;
  }
  try {
    return await command.run(parsed.values, parsed.positionals);
  } catch (e) {
    process.stderr.write(`dagmar ${command.name}: ${(e as Error).message}\n`);
    return 1;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
