// `floorline run FILE [options]` and `floorline batch …`: the command line, parsed and checked before
// anything runs. Parsing is a pure function of argv and env (commander is told never to print or exit)
// so every message can be tested as the user will see it; main.ts does the printing.
import { Command, type CommanderError, Option } from 'commander';
import { version } from '../../package.json';
import { DEFAULTS } from '../core/config';
import { formatFloor, type FloorSpec } from '../core/limits/floors';
import type { TierName } from '../core/tiers';
import type { Priority } from '../core/dispatch/snapshot';
import type { PriceTable } from '../core/pricing/price-table';
import { baseUrl, checkRedisUrl, choiceOption, fallbackEntry, floor, orList, share, positiveInt, priceEntry, PRIORITIES, REDIS_FALLBACKS, seconds, TIER_NAMES, UsageError } from './option-values';
import { BATCH_ACTIONS, defineBatchCommands, type BatchAction, type BatchArgs, type SharedOptions } from './batch-args';
import { defineReportCommand, type ReportArgs } from './report-args';

export interface RunArgs {
  file: string;
  out: string | undefined;
  model: string | undefined;
  maxTokens: number;
  maxInFlight: number | 'auto';
  maxInFlightCap: number;
  softFloor: FloorSpec | undefined;
  hardFloor: FloorSpec | undefined;
  maxSpendUsd: number | undefined;
  maxAttempts: number;
  retryBudgetPerMinute: number;
  /** Percent of each model class's limits this run may take (`--max-share`). */
  maxShare: number | undefined;
  /** Model → the models its lines may go to (`--fallback`). */
  fallback: Record<string, string[]>;
  fallbackAfterSeconds: number;
  priority: Priority;
  tier: TierName | undefined;
  prices: PriceTable;
  simulate: TierName | undefined;
  baseUrl: string | undefined;
  /** Share the quota with every other participant through this Redis (redis:// or rediss://). */
  redisUrl: string | undefined;
  /** When Redis cannot be reached: hold (default) or carry on under local limits with a warning. */
  redisFallback: 'hold' | 'local';
  /** Who this is among those sharing the quota (`--participant`; unset: user@host). */
  participant: string | undefined;
  verbose: boolean;
  /** Send again the lines whose request changed since their answer was recorded (old answers set aside). */
  resendChanged: boolean;
}

/** Which command's help: undefined is `floorline` itself. */
export type HelpTopic = 'run' | 'batch' | `batch ${BatchAction}` | 'report';

export type ParsedCommand =
  /** `unasked`: help shown because the command line was incomplete (bare `floorline`): a usage error. */
  | { kind: 'help'; topic?: HelpTopic; unasked?: true }
  | { kind: 'version'; version: string }
  | { kind: 'run'; args: RunArgs }
  | { kind: 'batch'; args: BatchArgs }
  | { kind: 'report'; args: ReportArgs }
  /** `message` is one line; `topic` names the command whose --help the user is pointed to. */
  | { kind: 'error'; message: string; topic?: HelpTopic };

/** Options `run` and `batch` share, fresh per command (commander keeps values on the Option). */
const shared: SharedOptions = {
  out: () => new Option('--out <FILE>', 'results file (default: <name>.results.jsonl beside FILE)'),
  model: () => new Option('--model <MODEL>', 'model for lines that do not name one'),
  maxTokens: () => new Option('--max-tokens <N>', 'max_tokens for lines that do not set it').default(DEFAULTS.maxTokens).argParser(positiveInt('--max-tokens')),
  price: (description) => new Option('--price <MODEL=PRICES>', description).argParser(priceEntry),
  baseUrl: () => new Option('--base-url <URL>', 'API endpoint (default: $ANTHROPIC_BASE_URL, else the public API)').argParser(baseUrl),
  positiveInt,
};

const RUN_HELP_AFTER = `
The API key is read from ANTHROPIC_API_KEY.

Exit codes:
  0    every line succeeded
  1    some lines errored
  2    invalid input or usage; nothing was sent (also: --redis unreachable at start,
       unless --redis-fallback local)
  3    stopped by the spend cap
  4    stopped by the API (key, organisation spend limit), or no connection to it
  6    stopped part-way: the input changed during the run, or a fault in the books; what was
       answered is recorded and a re-run resumes
  130  interrupted`;

interface RunOptions {
  out?: string;
  model?: string;
  maxTokens: number;
  maxInFlight: number | 'auto';
  maxInFlightCap: number;
  softFloor: FloorSpec;
  hardFloor: FloorSpec;
  maxSpendUsd?: number;
  maxAttempts: number;
  retryBudgetPerMinute: number;
  maxShare?: number;
  fallback?: Record<string, string[]>;
  fallbackAfter: number;
  priority: Priority;
  tier?: TierName;
  price?: PriceTable;
  simulate?: TierName;
  baseUrl?: string;
  redis?: string;
  redisFallback: 'hold' | 'local';
  participant?: string;
  verbose?: boolean;
  resendChanged?: boolean;
}


function defineRun(program: Command, env: NodeJS.ProcessEnv, done: (args: RunArgs) => void): void {
  const run = program
    .command('run')
    .summary('send FILE to the Messages API within the rate limits and a budget')
    .description(
      'Runs a JSONL file of Claude Messages API requests (one per line: a messages.create body, or the ' +
        'Message Batches shape {"custom_id", "params"}) without burning the organisation\'s rate limits or budget.\n\n' +
        "Results are appended to FILE's .results.jsonl as they arrive; a re-run resumes where the last one stopped.",
    )
    .argument('<FILE>', 'JSONL file of requests')
    .addOption(shared.out())
    .addOption(shared.model())
    .addOption(shared.maxTokens())
    .addOption(
      new Option('--max-in-flight <N|auto>', "concurrent requests; auto: chosen by Little's law, ramped up").default(DEFAULTS.maxInFlight).argParser((text: string) => {
        if (text.toLowerCase() === 'auto') return 'auto';
        if (/^\d+$/.test(text) && Number(text) >= 1) return Number(text);
        throw new UsageError(`--max-in-flight must be a positive whole number or auto, got '${text}'`);
      }),
    )
    .addOption(new Option('--max-in-flight-cap <N>', "the most 'auto' may choose").default(DEFAULTS.maxInFlightCap).argParser(positiveInt('--max-in-flight-cap')))
    .addOption(new Option('--soft-floor <N|P%>', 'hold new requests under this much remaining').default(DEFAULTS.softFloor, formatFloor(DEFAULTS.softFloor)).argParser(floor('--soft-floor')))
    .addOption(new Option('--hard-floor <N|P%>', 'full stop under this much remaining').default(DEFAULTS.hardFloor, formatFloor(DEFAULTS.hardFloor)).argParser(floor('--hard-floor')))
    .addOption(
      new Option('--max-spend-usd <USD>', 'spend cap for this file; never crossed').argParser((text: string) => {
        const usd = Number(text);
        if (!/^(\d+\.?\d*|\.\d+)$/.test(text) || !(usd > 0)) throw new UsageError(`--max-spend-usd must be a positive amount in USD, got '${text}'`);
        return usd;
      }),
    )
    .addOption(new Option('--max-attempts <N>', 'attempts per request').default(DEFAULTS.maxAttempts).argParser(positiveInt('--max-attempts')))
    .addOption(
      new Option('--retry-budget-per-minute <N>', 'retries per minute for the whole run').default(DEFAULTS.retryBudgetPerMinute).argParser((text: string) => {
        if (!/^\d+$/.test(text)) throw new UsageError(`--retry-budget-per-minute must be a whole number, 0 or more, got '${text}'`);
        return Number(text);
      }),
    )
    .addOption(new Option('--max-share <P%>', "take at most this share of each model class's limits, leaving the rest to whoever else uses the key").argParser(share))
    .addOption(new Option('--fallback <MODEL=M1,M2>', "let MODEL's lines go to M1, then M2, when MODEL's class is held back (repeatable); other lines never change model").argParser(fallbackEntry))
    .addOption(new Option('--fallback-after <DURATION>', "how long MODEL's class holds lines back before they may go to a fallback").default(DEFAULTS.fallbackAfterSeconds, `${DEFAULTS.fallbackAfterSeconds}s`).argParser(seconds('--fallback-after')))
    .addOption(choiceOption('--priority <P>', 'share of the limits against other runs', PRIORITIES).default(DEFAULTS.priority))
    .addOption(choiceOption('--tier <TIER>', 'first guess at the limits, until a response tells', TIER_NAMES))
    .addOption(shared.price('prices for a model not in the table (repeatable); PRICES is IN,OUT[,W5M,W1H,READ] in USD per million tokens'))
    .addOption(
      choiceOption(
        '--simulate [TIER]',
        "rehearse against a built-in simulation of the API with TIER's limits (start if not given): no key, no cost; results go to <name>.simulated.results.jsonl",
        TIER_NAMES,
      ),
    )
    .addOption(shared.baseUrl())
    .addOption(
      new Option('--redis <URL>', 'share one quota with other runs and machines through this Redis (default: $FLOORLINE_REDIS_URL); its password is never printed').argParser(
        (text: string) => checkRedisUrl('--redis', text),
      ),
    )
    .addOption(choiceOption('--redis-fallback <MODE>', 'if Redis cannot be reached: hold new requests, or run on local limits with a warning', REDIS_FALLBACKS).default(DEFAULTS.redisFallback))
    .addOption(
      new Option('--participant <NAME>', 'who this is among those sharing the quota through Redis (default: user@host); --max-share holds every process under NAME together').argParser((text: string) => {
        const name = text.trim();
        if (name.length === 0 || name.length > 100) throw new UsageError(`--participant takes a name of 1 to 100 characters, got '${text}'`);
        return name;
      }),
    )
    .addOption(new Option('--resend-changed', 'send again the lines whose request changed since their answer was recorded (the old answers move to <name>.results.replaced.jsonl)'))
    .addOption(new Option('--verbose', 'log every retry and ceiling change'))
    .addHelpText('after', RUN_HELP_AFTER);

  run.action((file: string, o: RunOptions, cmd: Command) => {
    const envRedis = env.FLOORLINE_REDIS_URL || undefined;
    // Defaults are shown in the help, but an unset floor stays undefined so the run's own
    // resolution (settings, then the defaults) decides.
    const given = (key: keyof RunOptions) => cmd.getOptionValueSource(key) === 'cli';
    done({
      file,
      out: o.out,
      model: o.model,
      maxTokens: o.maxTokens,
      maxInFlight: o.maxInFlight,
      maxInFlightCap: o.maxInFlightCap,
      softFloor: given('softFloor') ? o.softFloor : undefined,
      hardFloor: given('hardFloor') ? o.hardFloor : undefined,
      maxSpendUsd: o.maxSpendUsd,
      maxAttempts: o.maxAttempts,
      retryBudgetPerMinute: o.retryBudgetPerMinute,
      maxShare: o.maxShare,
      fallback: o.fallback ?? {},
      fallbackAfterSeconds: o.fallbackAfter,
      priority: o.priority,
      tier: o.tier,
      prices: o.price ?? {},
      simulate: o.simulate,
      baseUrl: o.baseUrl ?? env.ANTHROPIC_BASE_URL,
      redisUrl: o.redis ?? (envRedis === undefined ? undefined : checkRedisUrl('$FLOORLINE_REDIS_URL', envRedis)),
      redisFallback: o.redisFallback,
      participant: o.participant ?? (env.FLOORLINE_PARTICIPANT || undefined),
      verbose: o.verbose ?? false,
      resendChanged: o.resendChanged ?? false,
    });
  });
}

/**
 * `--simulate` takes an optional tier, and commander would take whatever follows as that tier,
 * FILE included. Only a tier name is the tier; anything else stays a positional, and is noted so a
 * mistyped tier that ends up as a stray positional can be reported as one.
 */
function attachSimulateTier(argv: readonly string[]): { argv: string[]; stray: string | undefined } {
  // Elsewhere --simulate is unknown, and should be reported as typed.
  if (argv[0] !== 'run') return { argv: [...argv], stray: undefined };
  const out: string[] = [];
  let stray: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      out.push(...argv.slice(i));
      break;
    }
    if (arg !== '--simulate') {
      out.push(arg);
      continue;
    }
    const next = argv[i + 1];
    if (next !== undefined && TIER_NAMES.includes(next.toLowerCase() as TierName)) {
      out.push(`--simulate=${next}`);
      i++;
      continue;
    }
    out.push('--simulate=start');
    if (next !== undefined && !next.startsWith('-')) stray = next;
  }
  return { argv: out, stray };
}

/** Thrown out of commander wherever it would print and exit; carries what the user gets instead. */
class Outcome {
  constructor(readonly parsed: ParsedCommand) {}
}

interface Output {
  write: (text: string) => void;
  width: number;
}

function topicOf(cmd: Command): HelpTopic | undefined {
  const names: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) names.unshift(c.name());
  return names.length ? (names.join(' ') as HelpTopic) : undefined;
}

function commandsOf(cmd: Command): Command[] {
  return [cmd, ...cmd.commands.flatMap(commandsOf)];
}

function oneLine(commanderMessage: string): string {
  return commanderMessage
    .replace(/^error: /, '')
    .replace(/\n\(Did you mean/, ' (Did you mean')
    .trim();
}

interface Built {
  program: Command;
  result: () => ParsedCommand | undefined;
  /** The deepest command dispatched to, for errors thrown from our own validators. */
  reached: () => Command;
}

function buildProgram(env: NodeJS.ProcessEnv, output: Output, stray?: string): Built {
  let result: ParsedCommand | undefined;
  let helpToStderr = false;
  const program = new Command('floorline')
    .description("Runs JSONL files of Claude Messages API requests without burning the organisation's rate limits or budget.")
    .enablePositionalOptions()
    .configureOutput({
      writeOut: output.write,
      writeErr: (text) => {
        helpToStderr = true;
        output.write(text);
      },
      // Errors come back as values (see the exit override), not as text.
      outputError: () => {},
      getOutHelpWidth: () => output.width,
      getErrHelpWidth: () => output.width,
      getOutHasColors: () => false,
      getErrHasColors: () => false,
    })
    .helpOption('-h, --help', 'show this help')
    .helpCommand('help [command]', 'show the help for a command')
    .version(version, '-V, --version', 'print the version')
    .addHelpText('after', "\nThe API key is read from ANTHROPIC_API_KEY.\n'floorline COMMAND --help' shows a command's options and exit codes.");

  defineRun(program, env, (args) => (result = { kind: 'run', args }));
  defineBatchCommands(program, shared, env, (args) => (result = { kind: 'batch', args }));
  defineReportCommand(program, (args) => (result = { kind: 'report', args }));

  let reached: Command = program;
  for (const cmd of commandsOf(program)) {
    if (cmd.commands.length) cmd.hook('preSubcommand', (_parent, sub) => void (reached = sub));
    cmd.exitOverride((err: CommanderError) => {
      throw new Outcome(outcomeOf(cmd, err));
    });
  }

  function outcomeOf(cmd: Command, err: CommanderError): ParsedCommand {
    const topic = topicOf(cmd);
    const at = topic === undefined ? {} : { topic };
    switch (err.code) {
      case 'commander.version':
        return { kind: 'version', version };
      case 'commander.helpDisplayed':
        return { kind: 'help', ...at };
      case 'commander.help':
        // Commander shows help unasked, on stderr, when a command is missing its subcommand.
        return helpToStderr ? { kind: 'help', ...at, unasked: true } : { kind: 'help', ...at };
      case 'commander.unknownCommand':
        if (topic === 'batch') {
          const suggestion = /\(Did you mean [^)]*\)/.exec(err.message)?.[0];
          return { kind: 'error', message: `floorline batch takes ${orList(BATCH_ACTIONS)}, got '${cmd.args[0]}'${suggestion ? ` ${suggestion}` : ''}`, ...at };
        }
        break;
      case 'commander.excessArguments':
        if (topic === 'run' && stray !== undefined && /^[a-z]+$/i.test(stray)) {
          return { kind: 'error', message: `--simulate takes ${orList(TIER_NAMES)}, got '${stray}'`, ...at };
        }
        break;
    }
    return { kind: 'error', message: oneLine(err.message), ...at };
  }

  return { program, result: () => result, reached: () => reached };
}

export function parseCommand(argv: string[], env: NodeJS.ProcessEnv): ParsedCommand {
  const { argv: args, stray } = attachSimulateTier(argv);
  const built = buildProgram(env, { write: () => {}, width: 100 }, stray);
  try {
    built.program.parse(args, { from: 'user' });
    return built.result() ?? { kind: 'help', unasked: true };
  } catch (err) {
    if (err instanceof Outcome) return err.parsed;
    if (err instanceof UsageError) {
      const topic = topicOf(built.reached());
      return { kind: 'error', message: err.message, ...(topic === undefined ? {} : { topic }) };
    }
    throw err;
  }
}

/**
 * The help for a command (undefined: `floorline` itself), as `--help` shows it, wrapped to `width`.
 * Rendered apart from parsing so a ParsedCommand stays plain data, and at the terminal's width.
 */
export function helpText(topic: HelpTopic | undefined, width = 100): string {
  let text = '';
  const { program } = buildProgram({}, { write: (t) => (text += t), width });
  let cmd = program;
  for (const name of topic?.split(' ') ?? []) cmd = cmd.commands.find((c) => c.name() === name)!;
  cmd.outputHelp();
  return text.trimEnd();
}

/** A usage error as printed: one line, then where to read more. */
export function errorText(error: { message: string; topic?: HelpTopic }): string {
  return `floorline: error: ${error.message}\nRun 'floorline ${error.topic ? `${error.topic} ` : ''}--help' for usage.`;
}
