// The three ways a run is reported: a terminal table ending in `N passed, M failed`, JSON, and JUnit XML.
import type { CheckResult } from './check';

export function summaryLine(results: readonly CheckResult[]): string {
  const failed = results.filter((r) => r.verdict === 'failed').length;
  return `${results.length - failed} passed, ${failed} failed`;
}

function clip(text: string, width: number): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > width ? `${flat.slice(0, width - 1)}…` : flat;
}

export function tableRow(result: CheckResult, widths = { name: 40, section: 48 }): string {
  const verdict = result.verdict === 'passed' ? 'PASS' : 'FAIL';
  return `${result.name.padEnd(widths.name)} ${verdict.padEnd(7)} ${clip(result.section, widths.section).padEnd(widths.section)}  ${result.seen.replace(/\s+/g, ' ')}`;
}

export function tableHeader(widths = { name: 40, section: 48 }): string {
  return `${'check'.padEnd(widths.name)} ${'verdict'.padEnd(7)} ${'spec section'.padEnd(widths.section)}  seen`;
}

export function table(results: readonly CheckResult[]): string {
  return [tableHeader(), ...results.map((r) => tableRow(r)), summaryLine(results)].join('\n') + '\n';
}

export function jsonReport(target: { url: string; serverName: string }, results: readonly CheckResult[]): string {
  const failed = results.filter((r) => r.verdict === 'failed').length;
  return `${JSON.stringify({ target, passed: results.length - failed, failed, results }, null, 2)}\n`;
}

const xml = (text: string) => text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);

export function junitReport(target: { serverName: string }, results: readonly CheckResult[]): string {
  const failed = results.filter((r) => r.verdict === 'failed').length;
  const seconds = results.reduce((sum, r) => sum + r.durationMs, 0) / 1000;
  const cases = results.map((r) => {
    const open = `    <testcase classname="dagmar.conformance.${xml(target.serverName)}" name="${xml(r.name)}" time="${(r.durationMs / 1000).toFixed(3)}">`;
    const inner = r.verdict === 'failed' ? `\n      <failure message="${xml(clip(r.seen, 200))}">${xml(`${r.section}\n${r.seen}`)}</failure>\n    ` : `<system-out>${xml(r.seen)}</system-out>`;
    return `${open}${inner}</testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites tests="${results.length}" failures="${failed}" time="${seconds.toFixed(3)}">`,
    `  <testsuite name="dagmar conformance ${xml(target.serverName)}" tests="${results.length}" failures="${failed}" time="${seconds.toFixed(3)}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
