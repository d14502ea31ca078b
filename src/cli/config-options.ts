// Turns the server settings (config.ts SETTINGS) into CLI flags, and flags + DAGMAR_* environment +
// config file back into a validated configuration, so every setting has all three spellings.
import { DagmarConfig, loadConfig, SETTINGS } from '../config';
import type { CliOption } from './cli-command';

export const CONFIG_OPTION: CliOption = { type: 'string', help: 'JSON config file (also DAGMAR_CONFIG); flags and DAGMAR_* variables override it' };

/** Every setting as a flag (`--server-name`, `--enable-registration`, …) plus `--config`. */
export function settingOptions(): Record<string, CliOption> {
  const options: Record<string, CliOption> = { config: CONFIG_OPTION };
  for (const s of SETTINGS) {
    options[s.flag] = { type: s.key === 'enableRegistration' || s.key === 'allowPrivateAddresses' ? 'boolean' : 'string', help: `${s.help} [${s.env}]` };
  }
  return options;
}

/** Only what the offline commands need: where the data lives. */
export function dataDirOptions(): Record<string, CliOption> {
  const dataDir = SETTINGS.find((s) => s.key === 'dataDir');
  return {
    config: CONFIG_OPTION,
    'data-dir': { type: 'string', help: `${dataDir?.help ?? 'data directory'} [${dataDir?.env ?? 'DAGMAR_DATA_DIR'}]` },
  };
}

/** defaults < config file (--config or DAGMAR_CONFIG) < DAGMAR_* environment < flags. */
export function configFromValues(values: Record<string, string | boolean | undefined>, env: NodeJS.ProcessEnv = process.env): DagmarConfig {
  const flags: Record<string, string | boolean> = {};
  for (const s of SETTINGS) {
    const value = values[s.flag];
    if (value !== undefined) flags[s.flag] = value;
  }
  const file = typeof values.config === 'string' ? values.config : env.DAGMAR_CONFIG;
  return loadConfig({ ...(file ? { file } : {}), env, flags });
}
