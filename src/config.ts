// Server configuration: defaults, then a JSON config file, then DAGMAR_* environment variables, then flags.
import { readFileSync } from 'node:fs';
import { MatrixError } from './protocol/errors';
import { isValidServerName } from './protocol/identifiers';

export interface DagmarConfig {
  /** Our server name, as it appears in user IDs and signatures. */
  serverName: string;
  /** Directory for the SQLite database and the signing key; ':memory:' keeps everything in memory. */
  dataDir: string;
  /** Where to listen, `host:port`. */
  listen: string;
  /** Server name → base URL for federation, for local testbeds (plain HTTP allowed). */
  hostMap: Record<string, string>;
  enableRegistration: boolean;
  /** Shared secret for admin registration; undefined disables it. */
  registrationSharedSecret: string | undefined;
  /** Token for /_dagmar/admin; undefined disables the admin API. */
  adminToken: string | undefined;
  /** TLS certificate and key files (PEM); both or neither. */
  tlsCert: string | undefined;
  tlsKey: string | undefined;
  /** How many extremities /extremities and our own prev_events use (MSC4370 allows at most 20). */
  maxPrevEvents: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

export const DEFAULT_CONFIG: DagmarConfig = {
  serverName: 'localhost:8008',
  dataDir: './dagmar-data',
  listen: '127.0.0.1:8008',
  hostMap: {},
  enableRegistration: false,
  registrationSharedSecret: undefined,
  adminToken: undefined,
  tlsCert: undefined,
  tlsKey: undefined,
  maxPrevEvents: 10,
  logLevel: 'info',
};

/** Each setting's name in a config file, its environment variable and its flag. */
export const SETTINGS: ReadonlyArray<{ key: keyof DagmarConfig; env: string; flag: string; help: string }> = [
  { key: 'serverName', env: 'DAGMAR_SERVER_NAME', flag: 'server-name', help: 'server name in IDs and signatures (default localhost:8008)' },
  { key: 'dataDir', env: 'DAGMAR_DATA_DIR', flag: 'data-dir', help: 'where the database and signing key live (default ./dagmar-data; :memory: for none)' },
  { key: 'listen', env: 'DAGMAR_LISTEN', flag: 'listen', help: 'HOST:PORT to listen on (default 127.0.0.1:8008)' },
  { key: 'hostMap', env: 'DAGMAR_HOST_MAP', flag: 'host-map', help: 'JSON file mapping server names to base URLs (local testbeds)' },
  { key: 'enableRegistration', env: 'DAGMAR_ENABLE_REGISTRATION', flag: 'enable-registration', help: 'allow open registration (default off)' },
  { key: 'registrationSharedSecret', env: 'DAGMAR_REGISTRATION_SHARED_SECRET', flag: 'registration-shared-secret', help: 'secret for admin registration' },
  { key: 'adminToken', env: 'DAGMAR_ADMIN_TOKEN', flag: 'admin-token', help: 'bearer token for /_dagmar/admin (admin API off without it)' },
  { key: 'tlsCert', env: 'DAGMAR_TLS_CERT', flag: 'tls-cert', help: 'PEM certificate file; serves HTTPS with --tls-key' },
  { key: 'tlsKey', env: 'DAGMAR_TLS_KEY', flag: 'tls-key', help: 'PEM private key file' },
  { key: 'maxPrevEvents', env: 'DAGMAR_MAX_PREV_EVENTS', flag: 'max-prev-events', help: 'extremities per new event and per /extremities answer, 1–20 (default 10)' },
  { key: 'logLevel', env: 'DAGMAR_LOG_LEVEL', flag: 'log-level', help: 'fatal|error|warn|info|debug|trace|silent (default info)' },
];

function invalid(message: string): MatrixError {
  return new MatrixError(400, 'M_INVALID_PARAM', message);
}

/** Turns a raw setting (string from env/flags, or a JSON value from a file) into its typed value. */
function coerce(key: keyof DagmarConfig, raw: unknown, source: string): unknown {
  const where = `${key} (from ${source})`;
  switch (key) {
    case 'enableRegistration':
      if (typeof raw === 'boolean') return raw;
      if (raw === 'true' || raw === '1' || raw === '') return true;
      if (raw === 'false' || raw === '0') return false;
      throw invalid(`${where} must be true or false`);
    case 'maxPrevEvents': {
      const n = typeof raw === 'number' ? raw : Number(raw);
      if (!Number.isInteger(n) || n < 1 || n > 20) throw invalid(`${where} must be an integer from 1 to 20`);
      return n;
    }
    case 'hostMap': {
      const map = typeof raw === 'string' ? (JSON.parse(readFileSync(raw, 'utf8')) as unknown) : raw;
      if (typeof map !== 'object' || map === null || Array.isArray(map)) throw invalid(`${where} must map server names to URLs`);
      for (const [name, url] of Object.entries(map)) {
        if (typeof url !== 'string' || !/^https?:\/\//.test(url)) throw invalid(`${where}: ${name} must map to an http(s) URL`);
      }
      return map;
    }
    case 'logLevel':
      if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(String(raw))) throw invalid(`${where} is not a log level`);
      return raw;
    default:
      if (typeof raw !== 'string') throw invalid(`${where} must be a string`);
      return raw;
  }
}

export interface ConfigSources {
  file?: string;
  env?: NodeJS.ProcessEnv;
  flags?: Partial<Record<string, string | boolean>>;
}

/** Builds the effective configuration; later sources win: defaults < file < environment < flags. */
export function loadConfig(sources: ConfigSources = {}): DagmarConfig {
  const config: Record<string, unknown> = { ...DEFAULT_CONFIG };
  if (sources.file) {
    const parsed = JSON.parse(readFileSync(sources.file, 'utf8')) as Record<string, unknown>;
    for (const [key, value] of Object.entries(parsed)) {
      if (!SETTINGS.some((s) => s.key === key)) throw invalid(`unknown setting ${key} in ${sources.file}`);
      config[key] = coerce(key as keyof DagmarConfig, value, sources.file);
    }
  }
  for (const s of SETTINGS) {
    const value = sources.env?.[s.env];
    if (value !== undefined) config[s.key] = coerce(s.key, value, s.env);
  }
  for (const s of SETTINGS) {
    const value = sources.flags?.[s.flag];
    if (value !== undefined) config[s.key] = coerce(s.key, value, `--${s.flag}`);
  }
  const result = config as unknown as DagmarConfig;
  if (!isValidServerName(result.serverName)) throw invalid(`serverName ${JSON.stringify(result.serverName)} is not a valid server name`);
  if (!/^(\[[0-9a-fA-F:.]+\]|[^:\s]+):\d{1,5}$/.test(result.listen)) throw invalid(`listen ${JSON.stringify(result.listen)} must be HOST:PORT`);
  if (Boolean(result.tlsCert) !== Boolean(result.tlsKey)) throw invalid('tlsCert and tlsKey go together');
  return result;
}
