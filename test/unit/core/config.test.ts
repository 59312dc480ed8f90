// The one configuration: every default once, the settings and the CLI held to it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_KEYS, DEFAULTS, effectiveSpendCap, readConfig, scopeOf, type ConfigKey } from '../../../src/core/config';
import { helpText } from '../../../src/cli/args';

const manifest = JSON.parse(readFileSync(join(__dirname, '../../../package.json'), 'utf8')) as {
  contributes: { configuration: { properties: Record<string, { default: unknown; scope: string }> } };
};
const contributed = manifest.contributes.configuration.properties;
/** Options a program may set that are not VS Code settings. */
const NOT_SETTINGS: ConfigKey[] = ['retryBudgetRatio'];

describe('configuration', () => {
  it('reads a settings store leniently: a bad value is named (a URL redacted) and its default used', () => {
    const { config, problems } = readConfig({ softFloor: '15%', maxInFlight: '12', baseUrl: 'https://user:secret@proxy.example', priority: 'urgent', maxSpendUsd: null, tier: '' });
    assert.deepEqual(config.softFloor, { percent: 15 });
    assert.equal(config.maxInFlight, 12, 'a number typed as text in settings.json');
    assert.equal(config.baseUrl, undefined);
    assert.equal(config.priority, DEFAULTS.priority);
    assert.equal(config.maxSpendUsd, undefined);
    assert.equal(config.tier, undefined);
    assert.equal(problems.length, 2);
    assert.match(problems[0]!, /^floorline\.baseUrl: .*must not carry credentials.*; using none$/);
    assert.doesNotMatch(problems.join('\n'), /secret/);
    assert.match(problems[1]!, /^floorline\.priority: "urgent" .*; using "normal"$/);
  });

  it('a base URL that is no URL at all is reported, not thrown (it once crashed reading the settings)', () => {
    const { config, problems } = readConfig({ baseUrl: 'http://' });
    assert.equal(config.baseUrl, undefined);
    assert.deepEqual(problems, ['floorline.baseUrl: "(unparseable URL)" is not a URL; using none']);
  });

  it('a workspace may only lower the spend cap, never raise or remove it', () => {
    assert.equal(effectiveSpendCap({ maxSpendUsd: 5, workspaceMaxSpendUsd: 2 }), 2);
    assert.equal(effectiveSpendCap({ maxSpendUsd: 5, workspaceMaxSpendUsd: 50 }), 5);
    assert.equal(effectiveSpendCap({ maxSpendUsd: 5, workspaceMaxSpendUsd: undefined }), 5);
    assert.equal(effectiveSpendCap({ maxSpendUsd: undefined, workspaceMaxSpendUsd: 3 }), 3, 'a workspace may set a cap where the user has none');
    assert.equal(effectiveSpendCap({ maxSpendUsd: undefined, workspaceMaxSpendUsd: undefined }), undefined);
    // Through the reader too: a workspace's bad value is dropped, never read as "no cap at all" above the user's.
    const { config } = readConfig({ maxSpendUsd: 5, workspaceMaxSpendUsd: 'lots' });
    assert.equal(effectiveSpendCap(config), 5);
  });

  it("package.json contributes every option with the schema's default and scope", () => {
    for (const [name, property] of Object.entries(contributed)) {
      const key = name.replace(/^floorline\./, '') as ConfigKey;
      assert.ok(CONFIG_KEYS.includes(key), `${name} is not in the configuration schema`);
      assert.equal(property.scope, scopeOf(key), `${name}: scope`);
      const { config, problems } = readConfig({ [key]: property.default });
      assert.deepEqual(problems, [], `${name}: its default breaks the schema's rule`);
      assert.deepEqual(config[key], DEFAULTS[key], `${name}: default ${JSON.stringify(property.default)}`);
    }
    for (const key of CONFIG_KEYS) {
      if (!NOT_SETTINGS.includes(key)) assert.ok(contributed[`floorline.${key}`], `floorline.${key} is not contributed`);
    }
  });

  it('where the key goes and what may be spent are application-scoped', () => {
    // A fallback chain decides which model (and so which price) a line goes to.
    for (const key of ['baseUrl', 'redisUrl', 'maxSpendUsd', 'dailyBudgetUsd', 'dailyTokenBudget', 'confirmAboveUsd', 'fallback'] as ConfigKey[]) {
      assert.equal(scopeOf(key), 'application', key);
    }
  });

  it("the CLI's help shows the schema's defaults", () => {
    const help = helpText('run', 200);
    // Each option's help, from its flag to the next option: `(default: X)` or `(choices: …, default: X)`.
    const shown = (flag: string) => {
      const from = help.indexOf(flag);
      const text = help.slice(from, help.indexOf('\n  -', from + 1)).replace(/\s+/g, ' ');
      return /default: ([^,)]*)\)/.exec(text)?.[1];
    };
    assert.equal(shown('--max-tokens <N>'), String(DEFAULTS.maxTokens));
    assert.equal(shown('--max-in-flight <N|auto>'), `"${DEFAULTS.maxInFlight}"`);
    assert.equal(shown('--max-in-flight-cap <N>'), String(DEFAULTS.maxInFlightCap));
    assert.equal(shown('--soft-floor <N|P%>'), '10%');
    assert.equal(shown('--hard-floor <N|P%>'), '2%');
    assert.equal(shown('--max-attempts <N>'), String(DEFAULTS.maxAttempts));
    assert.equal(shown('--retry-budget-per-minute <N>'), String(DEFAULTS.retryBudgetPerMinute));
    assert.equal(shown('--priority <P>'), `"${DEFAULTS.priority}"`);
    assert.equal(shown('--fallback-after <DURATION>'), `${DEFAULTS.fallbackAfterSeconds}s`);
    assert.equal(shown('--redis-fallback <MODE>'), `"${DEFAULTS.redisFallback}"`);
    assert.deepEqual([DEFAULTS.softFloor, DEFAULTS.hardFloor], [{ percent: 10 }, { percent: 2 }]);
  });
});
