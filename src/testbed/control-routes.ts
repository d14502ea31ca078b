// The testbed's control API, served beside the dashboard: change links, partition, heal, run scenario steps.
// Each request is turned into scenario steps and goes through the same validator and runner as a file does.
//
//   POST /_dagmar/testbed/v1/links      { "from", "to", "mode": "up"|"down"|"drop"|"delay", "delayMs"?, "both"? }
//   POST /_dagmar/testbed/v1/partition  { "groups": [["a.test"], ["b.test", "c.test"]], "mode"?: "down"|"drop" }
//   POST /_dagmar/testbed/v1/heal       {}
//   POST /_dagmar/testbed/v1/steps      { "steps": [ ...scenario steps... ] }
// The first three answer { "links": [...] } (the link table now); /steps answers { results, passed, failed }.
// A request that is not valid steps is refused with 400 M_BAD_JSON naming the field, before anything runs.
import { Router } from '@koa/router';
import type { Context } from 'koa';
import { jsonBody } from '../http/json-body';
import { jsonBodyOf } from '../http/request-params';
import { MatrixError } from '../protocol/errors';
import { TESTBED_PREFIX } from './dashboard-server';
import type { ScenarioStep } from './scenario-format';
import type { ScenarioRunner, StepResult } from './scenario-runner';
import { validateSteps } from './scenario-validate';
import type { Testbed } from './testbed';

/** Steps are run one request at a time, in order, as a file's would be. */
function serialised(): <T>(work: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return (work) => {
    const result = tail.then(work, work);
    tail = result.catch(() => undefined);
    return result;
  };
}

export function controlRouter(testbed: Testbed, runner: ScenarioRunner): { router: Router; chain: ReturnType<typeof jsonBody>[] } {
  const router = new Router();
  const queue = serialised();

  const run = (steps: unknown, base: string): Promise<StepResult[]> =>
    queue(async () => {
      const problems = validateSteps(steps, runner.names(), undefined, [base]);
      if (problems.length > 0) throw new MatrixError(400, 'M_BAD_JSON', problems.map((p) => `${p.path}: ${p.message}`).join('; '));
      return runner.run(steps as ScenarioStep[]);
    });

  /** One control step; a failure is the testbed's fault, not the request's. */
  const single = async (ctx: Context, step: Record<string, unknown>) => {
    const [result] = await run([step], 'body');
    if (result && !result.ok) throw new MatrixError(500, 'M_UNKNOWN', result.error ?? 'the step failed');
    ctx.body = { links: testbed.links() };
  };

  router.post(`${TESTBED_PREFIX}/links`, (ctx) => single(ctx, { ...jsonBodyOf(ctx), do: 'link' }));
  router.post(`${TESTBED_PREFIX}/partition`, (ctx) => single(ctx, { ...jsonBodyOf(ctx), do: 'partition' }));
  router.post(`${TESTBED_PREFIX}/heal`, (ctx) => single(ctx, { ...(ctx.request.body === undefined ? {} : jsonBodyOf(ctx)), do: 'heal' }));
  router.post(`${TESTBED_PREFIX}/steps`, async (ctx) => {
    const body = jsonBodyOf(ctx);
    const extra = Object.keys(body).filter((k) => k !== 'steps');
    if (extra.length > 0) throw new MatrixError(400, 'M_BAD_JSON', `unknown field ${extra.join(', ')}; expected { "steps": [...] }`);
    const results = await run(body.steps, 'steps');
    ctx.body = { results, passed: results.filter((r) => r.ok).length, failed: results.filter((r) => !r.ok).length };
  });
  return { router, chain: [jsonBody({ limitBytes: 1 << 20 })] };
}
