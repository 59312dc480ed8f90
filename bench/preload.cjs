// Preloaded (`node --require bench/preload.cjs …`) into every process a contender runs in.
//
// 1. Time compression. With BENCH_TIME_SCALE=K (> 1) and BENCH_TIME_ORIGIN=T0 (epoch ms), the
//    process sees simulated time: Date.now() = T0 + K·(real − T0), and every setTimeout /
//    setInterval delay is divided by K. Everything that schedules through those globals runs K times
//    faster and consistently: the SDK's retry backoff and retry-after sleeps, p-queue's interval,
//    Bottleneck's reservoir refills, Floorline's quota clock. The mock API (in the bench process)
//    runs its buckets on the same simulated clock and its latencies divided by K. What cannot be
//    compressed is real work: CPU and loopback I/O take K times longer in simulated terms.
// 2. A report at exit. With BENCH_REPORT=path, the process writes its own CPU time and peak RSS
//    there when it exits, so the bench can measure a process it does not control (the CLI).
'use strict';
const { writeFileSync, readFileSync } = require('node:fs');

const scale = Number(process.env.BENCH_TIME_SCALE || '1');
const origin = Number(process.env.BENCH_TIME_ORIGIN || '0');
if (scale > 1 && origin > 0) {
  const RealDate = Date;
  const realNow = RealDate.now.bind(RealDate);
  const simNow = () => origin + (realNow() - origin) * scale;
  class SimDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(simNow());
      else super(...args);
    }
    static now() {
      return simNow();
    }
  }
  globalThis.Date = SimDate;
  const realSetTimeout = globalThis.setTimeout;
  const realSetInterval = globalThis.setInterval;
  const scaled = (ms) => Math.max(0, Number(ms) || 0) / scale;
  globalThis.setTimeout = Object.assign((fn, ms, ...rest) => realSetTimeout(fn, scaled(ms), ...rest), realSetTimeout);
  globalThis.setInterval = Object.assign((fn, ms, ...rest) => realSetInterval(fn, scaled(ms), ...rest), realSetInterval);
}

const reportPath = process.env.BENCH_REPORT;
if (reportPath) {
  const started = process.cpuUsage();
  process.on('exit', () => {
    const cpu = process.cpuUsage(started);
    let peakRssKb;
    try {
      peakRssKb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]);
    } catch {
      peakRssKb = process.resourceUsage().maxRSS;
    }
    writeFileSync(reportPath, JSON.stringify({ cpuUserUs: cpu.user, cpuSystemUs: cpu.system, peakRssKb }));
  });
}
