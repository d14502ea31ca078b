// `dagmar testbed run`: parses a scenario (refusing it before anything starts if it is wrong), starts its
// servers, runs its steps printing one line each, and builds the report: per-step timings, per-server event
// counts, convergence times and the final DAGs (JSON, and optionally a self-contained HTML page).
import { dagToJson } from '../admin/dag-export';
import { loadRoomDag } from '../admin/room-dag';
import { renderDagHtml } from './dag-render/dag-html';
import { eventDetails } from './dag-render/event-details';
import type { Scenario } from './scenario-format';
import type { StepResult } from './scenario-runner';
import { startTestbedInstance, TestbedInstance } from './testbed-instance';

export interface ScenarioReport {
  scenario: string;
  passed: number;
  failed: number;
  /** Steps not run because an action before them failed. */
  notRun: number;
  startMs: number;
  totalMs: number;
  steps: StepResult[];
  /** Per server: stored events per room label (outliers included). */
  eventCounts: Record<string, Record<string, number>>;
  convergence: Array<{ step: number; room: string; ms: number }>;
  /** Per room label, per server: the room's DAG as the admin API exports it. */
  dags: Record<string, Record<string, unknown>>;
}

export interface ScenarioRunOptions {
  /** Where the step lines go. */
  print: (line: string) => void;
  /** Leave the testbed running afterwards (the caller stops it). */
  keep?: boolean;
  /** Also render the final DAGs as one self-contained HTML page. */
  html?: boolean;
  dataDir?: string;
}

export function resultLine(r: StepResult): string {
  const where = r.line ? `line ${r.line}` : `step ${r.index}`;
  const converged = r.convergedMs !== undefined ? `, converged in ${r.convergedMs} ms` : '';
  return `${r.ok ? 'ok  ' : 'FAIL'} ${where}: ${r.summary} (${r.ms} ms${converged})${r.error ? `\n       ${r.error}` : ''}`;
}

export function summaryLine(report: Pick<ScenarioReport, 'passed' | 'failed' | 'notRun'>): string {
  return `${report.passed} passed, ${report.failed} failed${report.notRun > 0 ? ` (${report.notRun} not run)` : ''}`;
}

export async function runScenario(scenario: Scenario, name: string, options: ScenarioRunOptions): Promise<{ report: ScenarioReport; html?: string; instance: TestbedInstance }> {
  const started = performance.now();
  const instance = await startTestbedInstance({
    servers: scenario.servers,
    light: scenario.light,
    ...(scenario.roomVersion ? { roomVersion: scenario.roomVersion } : {}),
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    server: { ...(scenario.antiEntropyIntervalSeconds !== undefined ? { antiEntropyIntervalSeconds: scenario.antiEntropyIntervalSeconds } : {}), ...(options.dataDir ? { logLevel: 'warn' } : {}) },
  });
  const startMs = Math.round(performance.now() - started);
  options.print(`started ${scenario.servers.length} servers${scenario.light.length ? ` and ${scenario.light.length} light` : ''} in ${startMs} ms`);
  try {
    const steps = await instance.runner.run(scenario.steps, { lines: scenario.stepLines, onResult: (r) => options.print(resultLine(r)) });
    const rooms = instance.runner.roomLabels();
    const eventCounts: ScenarioReport['eventCounts'] = {};
    const dags: ScenarioReport['dags'] = {};
    for (const hs of instance.testbed.servers) {
      eventCounts[hs.serverName] = {};
      for (const { label, roomId } of rooms) {
        if (!hs.storage.hasRoom(roomId)) continue;
        const dag = loadRoomDag(hs.storage, roomId);
        eventCounts[hs.serverName]![label] = dag.events.length;
        (dags[label] ??= {})[hs.serverName] = dagToJson(dag);
      }
    }
    const report: ScenarioReport = {
      scenario: name,
      passed: steps.filter((s) => s.ok).length,
      failed: steps.filter((s) => !s.ok).length,
      notRun: scenario.steps.length - steps.length,
      startMs,
      totalMs: Math.round(performance.now() - started),
      steps,
      eventCounts,
      convergence: steps.filter((s) => s.convergedMs !== undefined).map((s) => ({ step: s.index, room: String(scenario.steps[s.index]!.room), ms: s.convergedMs! })),
      dags,
    };
    options.print(summaryLine(report));
    const html = options.html ? await renderFinalDags(instance, name) : undefined;
    if (!options.keep) await instance.stop();
    return { report, instance, ...(html !== undefined ? { html } : {}) };
  } catch (e) {
    await instance.stop();
    throw e;
  }
}

/** One page: for each labelled room, one column per server holding it. */
async function renderFinalDags(instance: TestbedInstance, name: string): Promise<string> {
  const sections = [];
  for (const { label, roomId } of instance.runner.roomLabels()) {
    for (const hs of instance.testbed.servers) {
      if (!hs.storage.hasRoom(roomId)) continue;
      const dag = loadRoomDag(hs.storage, roomId);
      sections.push({ title: `${hs.serverName} · ${label}`, dag, details: eventDetails(hs.storage, dag) });
    }
  }
  return renderDagHtml(`${name}: final DAGs`, sections);
}
