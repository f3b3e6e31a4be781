/**
 * The controllers on this machine with a zero-delay simulated node: 200 clusters requested at once
 * until every one is Initialized; API writes per cluster (the request, the controllers); reconcile
 * latency per controller. Fails when a cluster does not get there.
 */
import { CLUSTER_STATES } from '../src/domain/constants.js';
import { PGCLUSTER } from '../src/domain/custom-resources.js';
import { startTestApp } from '../test/support/app.js';
import { fmt, line, summarize } from './stats.js';

const CLUSTERS = 200;
const INITIALIZED_DEADLINE_MS = 10 * 60_000;

export async function benchControllers(): Promise<void> {
  const t = await startTestApp();
  try {
    process.stdout.write(`\n== controllers (in-process app, embedded API, zero-delay simulated node) ==\n`);
    while (!t.app.controllers.isLeader) await new Promise((r) => setTimeout(r, 20));
    const requestWritesBefore = t.app.writer.writes;
    const controllerWritesBefore = t.app.controllers.writes;
    const started = performance.now();
    let answered = 0;
    let requested = 0;
    await Promise.all(
      Array.from({ length: CLUSTERS }, async (_, i) => {
        const res = await t.gql(`mutation { createCluster(input: { namespace: "pgouser1", name: "bench-${i}" }) { workflowId } }`);
        if (res.errors) throw new Error(JSON.stringify(res.errors));
        if (++answered === CLUSTERS) requested = performance.now() - started;
      }),
    );
    const initialized = () => t.app.cache.list(PGCLUSTER, 'pgouser1').filter((c) => c.status?.state === CLUSTER_STATES.initialized).length;
    const deadline = Date.now() + INITIALIZED_DEADLINE_MS;
    while (initialized() < CLUSTERS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const total = performance.now() - started;
    const done = initialized();
    line(`${CLUSTERS} createCluster mutations sent at once, all answered after, s`, (requested / 1000).toFixed(2));
    line(`${done}/${CLUSTERS} clusters Initialized after, s`, (total / 1000).toFixed(2));
    line('API writes per createCluster request', ((t.app.writer.writes - requestWritesBefore) / CLUSTERS).toFixed(1));
    line('controller API writes per cluster (to Initialized, incl. lease renewals)', ((t.app.controllers.writes - controllerWritesBefore) / CLUSTERS).toFixed(1));
    for (const [name, metrics] of Object.entries(t.app.controllers.metrics())) {
      if (metrics.reconciles === 0) continue;
      const s = summarize(metrics.durationsMs);
      line(`reconcile ${name}, ms (${metrics.reconciles} runs, ${metrics.errors} errors)`, `p50 ${fmt(s.p50)}  p99 ${fmt(s.p99)}`);
    }
    if (done < CLUSTERS) throw new Error(`only ${done} of ${CLUSTERS} clusters reached Initialized within ${INITIALIZED_DEADLINE_MS / 60_000} minutes`);
  } finally {
    await t.dispose();
  }
}
