// V8's memory settings for the `floorline` process, applied the moment the bundle starts: main.ts
// imports this first, so it runs before any other module is evaluated. Set here rather than on the
// command line because `node dist/cli.js` (npx, the bench, a user's script) passes no flags, a shebang cannot portably pass several, and NODE_OPTIONS
// is the user's. Each was measured on the memory bench (bench/memory.ts), on a million lines and on
// one; CPU per request is the CLI's, against the zero-latency mock.
import { setFlagsFromString } from 'node:v8';

// A run keeps ~20 MB live, but at hundreds of requests per second V8's default heap growth lets
// garbage pile up before collecting. Growing the old generation by 10% at a time keeps RSS near the
// live set (measured: 202 → 130 MB on 20,000 lines, same speed) without capping it, so a
// million-line resume that truly needs more still gets it.
setFlagsFromString('--heap-growing-percent=10');

// The young generation starts at 1 MB a semi-space and doubles under load up to 16: 32 MB of
// short-lived request objects, nearly all garbage, in every run. Never growing it saves ~30 MB
// (135 → 100 MB on 50,000 lines) for ~15% more CPU per request in scavenges, which still leaves
// the CLI hundreds of requests a second above any API rate limit. The factor is read at each
// growth, so setting it now holds; the size itself (`--max-semi-space-size`) is fixed when the heap
// is created and could not be changed from here.
setFlagsFromString('--semi-space-growth-factor=1');
