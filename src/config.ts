// Server configuration: defaults, then a JSON config file, then DAGMAR_* environment variables, then flags.
import { readFileSync } from 'node:fs';
import { MatrixError } from './protocol/errors';
import { isValidServerName } from './protocol/identifiers';
import { DEFAULT_FEDERATION_RATE_LIMIT } from './http/rate-limit';

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
  /**
   * Let outbound federation reach loopback/private addresses that the host map does not name. Off by
   * default: anyone can make us connect somewhere (an X-Matrix origin, a join via server_name=), and
   * must not learn which of our internal ports are open.
   */
  allowPrivateAddresses: boolean;
  /** Serve /metrics on its own listener, `host:port`, without a token; otherwise only with the admin token. */
  metricsListen: string | undefined;
  /** Per-origin federation rate limit (rate-limit.ts, like Synapse's rc_federation); off for local benchmarks. */
  federationRateLimit: boolean;
  rateLimitWindowMs: number;
  rateLimitSleepLimit: number;
  rateLimitSleepDelayMs: number;
  rateLimitRejectLimit: number;
  rateLimitConcurrent: number;
  /** MSC4370 anti-entropy: seconds between polls of each room's servers for their extremities (fractions allowed); 0 = off. */
  antiEntropyIntervalSeconds: number;
  /** Growth control: more forward extremities than this and we send a dummy event merging them (extremity-growth.ts). */
  maxForwardExtremities: number;
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
  allowPrivateAddresses: false,
  metricsListen: undefined,
  federationRateLimit: true,
  rateLimitWindowMs: DEFAULT_FEDERATION_RATE_LIMIT.windowMs,
  rateLimitSleepLimit: DEFAULT_FEDERATION_RATE_LIMIT.sleepLimit,
  rateLimitSleepDelayMs: DEFAULT_FEDERATION_RATE_LIMIT.sleepDelayMs,
  rateLimitRejectLimit: DEFAULT_FEDERATION_RATE_LIMIT.rejectLimit,
  rateLimitConcurrent: DEFAULT_FEDERATION_RATE_LIMIT.concurrent,
  antiEntropyIntervalSeconds: 60,
  maxForwardExtremities: 10,
};

const BOOLEAN_SETTINGS: ReadonlyArray<keyof DagmarConfig> = ['enableRegistration', 'allowPrivateAddresses'];
/** Integer settings and their allowed range. */
const INTEGER_SETTINGS: Partial<Record<keyof DagmarConfig, [number, number]>> = {
  maxPrevEvents: [1, 20],
  rateLimitWindowMs: [1, 3_600_000],
  rateLimitSleepLimit: [0, 1_000_000],
  rateLimitSleepDelayMs: [0, 60_000],
  rateLimitRejectLimit: [0, 1_000_000],
  rateLimitConcurrent: [1, 10_000],
  maxForwardExtremities: [1, 1_000_000_000],
};
/** Non-integer numeric settings and their allowed range. */
const NUMBER_SETTINGS: Partial<Record<keyof DagmarConfig, [number, number]>> = {
  antiEntropyIntervalSeconds: [0, 86_400],
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
  { key: 'allowPrivateAddresses', env: 'DAGMAR_ALLOW_PRIVATE_ADDRESSES', flag: 'allow-private-addresses', help: 'let federation reach loopback/private addresses the host map does not name (default off)' },
  { key: 'metricsListen', env: 'DAGMAR_METRICS_LISTEN', flag: 'metrics-listen', help: 'HOST:PORT serving /metrics without a token (default: /metrics only with --admin-token)' },
  { key: 'federationRateLimit', env: 'DAGMAR_RATE_LIMIT', flag: 'rate-limit', help: 'on|off: per-origin federation rate limit (default on)' },
  { key: 'rateLimitWindowMs', env: 'DAGMAR_RATE_LIMIT_WINDOW_MS', flag: 'rate-limit-window-ms', help: 'window the rate limit counts requests over (default 1000)' },
  { key: 'rateLimitSleepLimit', env: 'DAGMAR_RATE_LIMIT_SLEEP_LIMIT', flag: 'rate-limit-sleep-limit', help: 'requests per window and origin before they are delayed (default 100)' },
  { key: 'rateLimitSleepDelayMs', env: 'DAGMAR_RATE_LIMIT_SLEEP_DELAY_MS', flag: 'rate-limit-sleep-delay-ms', help: 'delay of a request past the sleep limit (default 500)' },
  { key: 'rateLimitRejectLimit', env: 'DAGMAR_RATE_LIMIT_REJECT_LIMIT', flag: 'rate-limit-reject-limit', help: 'waiting requests per origin before 429 M_LIMIT_EXCEEDED (default 50)' },
  { key: 'rateLimitConcurrent', env: 'DAGMAR_RATE_LIMIT_CONCURRENT', flag: 'rate-limit-concurrent', help: 'requests per origin handled at once (default 8)' },
  { key: 'antiEntropyIntervalSeconds', env: 'DAGMAR_ANTI_ENTROPY_INTERVAL_SECONDS', flag: 'anti-entropy-interval', help: 'seconds between MSC4370 extremity polls per room, with jitter; 0 = off (default 60)' },
  { key: 'maxForwardExtremities', env: 'DAGMAR_MAX_FORWARD_EXTREMITIES', flag: 'max-forward-extremities', help: 'more forward extremities than this and we send a dummy event merging them (default 10)' },
];

function invalid(message: string): MatrixError {
  return new MatrixError(400, 'M_INVALID_PARAM', message);
}

/** Turns a raw setting (string from env/flags, or a JSON value from a file) into its typed value. */
function coerce(key: keyof DagmarConfig, raw: unknown, source: string): unknown {
  const where = `${key} (from ${source})`;
  if (BOOLEAN_SETTINGS.includes(key)) {
    if (typeof raw === 'boolean') return raw;
    if (raw === 'true' || raw === '1' || raw === '') return true;
    if (raw === 'false' || raw === '0') return false;
    throw invalid(`${where} must be true or false`);
  }
  const range = INTEGER_SETTINGS[key];
  if (range) {
    const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
    if (!Number.isInteger(n) || n < range[0] || n > range[1]) throw invalid(`${where} must be an integer from ${range[0]} to ${range[1]}`);
    return n;
  }
  const numberRange = NUMBER_SETTINGS[key];
  if (numberRange) {
    const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
    if (!Number.isFinite(n) || n < numberRange[0] || n > numberRange[1]) throw invalid(`${where} must be a number from ${numberRange[0]} to ${numberRange[1]}`);
    return n;
  }
  switch (key) {
    case 'federationRateLimit':
      if (typeof raw === 'boolean') return raw;
      if (raw === 'on' || raw === 'true' || raw === '1') return true;
      if (raw === 'off' || raw === 'false' || raw === '0') return false;
      throw invalid(`${where} must be on or off`);
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
  if (result.metricsListen !== undefined && !/^(\[[0-9a-fA-F:.]+\]|[^:\s]+):\d{1,5}$/.test(result.metricsListen)) {
    throw invalid(`metricsListen ${JSON.stringify(result.metricsListen)} must be HOST:PORT`);
  }
  if (Boolean(result.tlsCert) !== Boolean(result.tlsKey)) throw invalid('tlsCert and tlsKey go together');
  return result;
}
