// `dagmar light …`: the light server's commands (serve one; print what a running one learns).
import type { CliGroup } from './cli-command';
import { lightServeCommand } from './light-serve-command';
import { lightStateCommand } from './light-state-command';

export const lightCommand: CliGroup = {
  name: 'light',
  summary: 'a light server (MSC4370 caller, no DAG): serve one, or print the state a running one learns',
  commands: [lightServeCommand, lightStateCommand],
};
