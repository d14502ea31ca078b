// `dagmar conformance`: runs the conformance checks of src/conformance/ against any homeserver, acting as
// two federation peers (dagmar/testing's TestPeer); prints a table, writes JSON/JUnit, exits 1 on a failure.
// The peers are made here because testing/ sits above conformance/ in the layer table: the checks get a
// factory, and stay importable by dagmar's own suite without pulling the test toolkit into conformance/.
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { CheckResult, jsonReport, junitReport, parseRoomVersions, runConformance, summaryLine, tableHeader, tableRow, UserSource } from '../conformance';
import { ensureSelfSignedCertificate } from '../federation/server/self-signed-cert';
import { createTestPeer } from '../testing/test-peer';
import { CliCommand } from './cli-command';

/** `HOST:PORT` → its parts (IPv6 in brackets allowed). */
function hostPort(text: string): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(text);
  if (!m) throw new Error(`--peer-listen wants HOST:PORT, got ${JSON.stringify(text)}`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) };
}

/** A port the system says is free on `host` (so the peer's server name can carry it before it listens). */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function str(values: Record<string, string | boolean | undefined>, name: string): string | undefined {
  const v = values[name];
  return typeof v === 'string' ? v : undefined;
}

export const conformanceCommand: CliCommand = {
  name: 'conformance',
  summary: 'check any homeserver\'s federation DAG handling and MSC4370 from outside, as federation peers; exit 1 on any failure',
  usage:
    'dagmar conformance --target URL --target-name NAME [--room-version 10,11,12|all] [--only CHECKS] [--registration-shared-secret S | --access-token T] [--json FILE] [--junit FILE] [--peer-listen HOST:PORT] [--peer-names A,B] [--peer-tls-dir DIR] [--insecure] [--strict-msc4370] [--timeout MS] [-v]',
  options: {
    target: { type: 'string', help: 'base URL of the target (its federation and client API, e.g. https://127.0.0.1:8448)' },
    'target-name': { type: 'string', help: 'the target\'s server name' },
    'room-version': { type: 'string', help: 'room versions to check, comma-separated, or all (= 10,11,12; default 12)' },
    only: { type: 'string', help: 'comma-separated check names or prefixes (send, msc4370.capped, access.server-acl@v12)' },
    'registration-shared-secret': { type: 'string', help: 'register the test user with Synapse\'s shared-secret admin API' },
    'access-token': { type: 'string', help: 'use this user\'s access token (default: open registration with m.login.dummy)' },
    json: { type: 'string', help: 'write the results as JSON to FILE' },
    junit: { type: 'string', help: 'write the results as JUnit XML to FILE' },
    'peer-listen': { type: 'string', help: 'HOST:PORT the first peer listens on; the second takes PORT+1 (default 127.0.0.1 and free ports)' },
    'peer-names': { type: 'string', help: 'server names of the two peers, comma-separated (default HOST:PORT of each): the target must resolve them to the peers' },
    'peer-tls-dir': { type: 'string', help: 'serve the peers over HTTPS with self-signed certificates kept in DIR (targets that speak TLS to IP literals)' },
    insecure: { type: 'boolean', help: 'accept the target\'s self-signed certificate' },
    'strict-msc4370': { type: 'boolean', help: 'fail when only the unstable MSC4370 path is served' },
    timeout: { type: 'string', help: 'ms to wait for the target to converge, per wait (default 10000)' },
    verbose: { type: 'boolean', short: 'v', help: 'print every request and answer' },
  },
  async run(values) {
    const url = str(values, 'target');
    const targetName = str(values, 'target-name');
    if (!url || !targetName) throw new Error('--target and --target-name are required');
    const roomVersions = parseRoomVersions(str(values, 'room-version') ?? '12');
    const secret = str(values, 'registration-shared-secret');
    const token = str(values, 'access-token');
    if (secret && token) throw new Error('give --registration-shared-secret or --access-token, not both');
    const userSource: UserSource = secret ? { kind: 'shared-secret', secret } : token ? { kind: 'token', accessToken: token } : { kind: 'open' };
    const timeoutMs = Number(str(values, 'timeout') ?? 10_000);
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) throw new Error('--timeout wants a positive number of ms');

    const listen = hostPort(str(values, 'peer-listen') ?? '127.0.0.1:0');
    const ports = listen.port === 0 ? [await freePort(listen.host), await freePort(listen.host)] : [listen.port, listen.port + 1];
    const hostText = listen.host.includes(':') ? `[${listen.host}]` : listen.host;
    const names = str(values, 'peer-names')?.split(',').map((n) => n.trim()) ?? ports.map((p) => `${hostText}:${p}`);
    if (names.length !== 2 || names.some((n) => !n)) throw new Error('--peer-names wants two names, comma-separated');
    const tlsDir = str(values, 'peer-tls-dir');
    const verbose = values.verbose === true;
    const log = verbose ? (line: string) => process.stderr.write(`${line}\n`) : undefined;
    const insecure = values.insecure === true;

    const portOf = new Map(names.map((n, i) => [n, ports[i]!]));
    const peers = async (serverName: string) => {
      const tls = tlsDir ? await ensureSelfSignedCertificate(tlsDir, serverName) : undefined;
      const peer = await createTestPeer({
        serverName,
        target: { url, serverName: targetName },
        listen: { host: listen.host, port: portOf.get(serverName) ?? 0, ...(tls ? { tls: { cert: readFileSync(tls.certPath), key: readFileSync(tls.keyPath) } } : {}) },
        ...(insecure ? { tls: { rejectUnauthorized: false } } : {}),
      });
      log?.(`peer ${serverName} listening at ${peer.url}`);
      return peer;
    };

    process.stdout.write(`dagmar conformance: ${targetName} at ${url}, room versions ${roomVersions.join(', ')}, peers ${names.join(' and ')}\n${tableHeader()}\n`);
    const results: CheckResult[] = await runConformance({
      target: { url, serverName: targetName },
      peers,
      peerNames: { member: names[0]!, outsider: names[1]! },
      roomVersions,
      only: str(values, 'only')?.split(',').map((s) => s.trim()).filter(Boolean) ?? [],
      insecure,
      userSource,
      strictMsc4370: values['strict-msc4370'] === true,
      timeoutMs,
      ...(log ? { log } : {}),
      onResult: (r) => process.stdout.write(`${tableRow(r)}\n`),
    });
    process.stdout.write(`${summaryLine(results)}\n`);
    const json = str(values, 'json');
    if (json) writeFileSync(json, jsonReport({ url, serverName: targetName }, results));
    const junit = str(values, 'junit');
    if (junit) writeFileSync(junit, junitReport({ serverName: targetName }, results));
    return results.some((r) => r.verdict === 'failed') || results.length === 0 ? 1 : 0;
  },
};
