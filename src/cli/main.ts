// The `dagmar` command line: dispatches to one subcommand; `dagmar --help` lists them.
import { CliCommand, commandHelp, parseCommandArgs } from './cli-command';
import { conformanceCommand } from './conformance-command';
import { dagCommand } from './dag-command';
import { keygenCommand } from './keygen-command';
import { recoverCommand } from './recover-command';
import { roomsCommand } from './rooms-command';
import { serveCommand } from './serve-command';
import { testbedCommand } from './testbed-command';
import { verifyCommand } from './verify-command';

const COMMANDS: CliCommand[] = [serveCommand, keygenCommand, roomsCommand, verifyCommand, dagCommand, recoverCommand, conformanceCommand, testbedCommand];

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

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(overview());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`dagmar: unknown command ${JSON.stringify(name)}\n\n${overview()}`);
    return 2;
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
