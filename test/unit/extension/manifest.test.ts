// The manifest is code too: menus, commands, settings' scopes and trust must say what we mean.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CommandId, ContextKey } from '../../../src/extension/command-ids';

const pkg = JSON.parse(readFileSync(resolve(__dirname, '../../../package.json'), 'utf8'));
const contributes = pkg.contributes;

describe('manifest', () => {
  it('declares exactly the commands the code registers, all in the Floorline category', () => {
    const declared = contributes.commands.map((c: { command: string }) => c.command).sort();
    assert.deepEqual(declared, Object.values(CommandId).sort());
    for (const c of contributes.commands) assert.equal(c.category, 'Floorline');
    const titles = Object.fromEntries(contributes.commands.map((c: { command: string; title: string }) => [c.command, c.title]));
    assert.equal(titles[CommandId.run], 'Run JSONL File');
    assert.equal(titles[CommandId.simulate], 'Simulate JSONL File');
  });

  it('offers Run and Simulate on .jsonl files in the Explorer and the editor title', () => {
    for (const menu of ['explorer/context', 'editor/title/context']) {
      const items = contributes.menus[menu];
      for (const command of [CommandId.run, CommandId.simulate]) {
        const item = items.find((i: { command: string }) => i.command === command);
        assert.ok(item, `${command} in ${menu}`);
        assert.match(item.when, /resourceExtname == \.jsonl/);
      }
    }
    const explorerRun = contributes.menus['explorer/context'].find((i: { command: string }) => i.command === CommandId.run);
    assert.match(explorerRun.when, /!explorerResourceIsFolder/);
  });

  it('opens *.results.jsonl in the Floorline Results editor, and offers Open Results on .jsonl files', () => {
    assert.deepEqual(contributes.customEditors, [
      { viewType: 'floorline.results', displayName: 'Floorline Results', selector: [{ filenamePattern: '*.results.jsonl' }], priority: 'default' },
    ]);
    const open = contributes.commands.find((c: { command: string }) => c.command === CommandId.openResults);
    assert.equal(open.title, 'Open Results');
    assert.equal(open.icon, '$(table)');
    for (const menu of ['explorer/context', 'editor/title/context']) {
      const item = contributes.menus[menu].find((i: { command: string }) => i.command === CommandId.openResults);
      assert.ok(item, `Open Results in ${menu}`);
      assert.match(item.when, /resourceExtname == \.jsonl/);
    }
    // VS Code (1.74+) activates on `onCustomEditor:floorline.results` by itself, from the contribution.
    assert.ok(!pkg.activationEvents.some((e: string) => e.startsWith('onCustomEditor:')));
  });

  it('shows Pause, Resume, Stop and Cancel in the palette only when they apply', () => {
    const palette = Object.fromEntries(contributes.menus.commandPalette.map((i: { command: string; when: string }) => [i.command, i.when]));
    assert.equal(palette[CommandId.pause], ContextKey.canPause);
    assert.equal(palette[CommandId.resume], ContextKey.canResume);
    assert.equal(palette[CommandId.stop], ContextKey.running);
    assert.equal(palette[CommandId.cancel], ContextKey.running);
    assert.equal(palette[CommandId.run], 'isWorkspaceTrusted');
  });

  it('has a Floorline container in the activity bar with the Runs and Batches views, and a welcome for no runs', () => {
    const container = contributes.viewsContainers.activitybar.find((c: { id: string }) => c.id === 'floorline');
    assert.ok(container);
    assert.equal(container.title, 'Floorline');
    assert.ok(existsSync(resolve(__dirname, '../../..', container.icon)), container.icon);
    assert.deepEqual(contributes.views.floorline.map((v: { id: string }) => v.id), ['floorline.runs', 'floorline.batches']);
    const welcome = contributes.viewsWelcome.filter((w: { view: string }) => w.view === 'floorline.runs');
    assert.ok(welcome.some((w: { contents: string }) => /No runs yet/.test(w.contents) && w.contents.includes(`command:${CommandId.run}`)));
  });

  it('puts the Runs view\'s actions inline by contextValue, and anything that starts a run only in a trusted workspace', () => {
    const items: Array<{ command: string; when: string; group: string }> = contributes.menus['view/item/context'];
    const inline = (command: string) => items.filter((i) => i.command === command && i.group.startsWith('inline'));
    for (const command of [CommandId.openResults, CommandId.showDashboard, CommandId.resumeRun, CommandId.rerunErrored, CommandId.submitBatch, CommandId.pause, CommandId.resume, CommandId.stop]) {
      assert.ok(inline(command).length > 0, `${command} inline`);
    }
    for (const i of items) assert.match(i.when, /view == floorline\.runs/);
    for (const command of [CommandId.resumeRun, CommandId.rerunErrored, CommandId.submitBatch]) {
      for (const i of items.filter((x) => x.command === command)) {
        assert.match(i.when, /isWorkspaceTrusted/, `${command} needs trust`);
        assert.match(i.when, /\\bhasInput\\b/, `${command} needs the input`);
      }
    }
    for (const i of items.filter((x) => x.command === CommandId.rerunErrored)) assert.match(i.when, /\\bhasErrored\\b/);
    assert.match(inline(CommandId.pause)[0]!.when, /\\bcanPause\\b/);
    assert.match(inline(CommandId.resume)[0]!.when, /\\bcanResume\\b/);
    assert.match(inline(CommandId.stop)[0]!.when, /\\bcanStop\\b/);
    // They need an item: the palette does not offer them. Open Results does, for the JSONL file in front.
    const palette = Object.fromEntries(contributes.menus.commandPalette.map((i: { command: string; when: string }) => [i.command, i.when]));
    for (const command of [CommandId.resumeRun, CommandId.rerunErrored]) assert.equal(palette[command], 'false');
    assert.equal(palette[CommandId.openResults], 'resourceExtname == .jsonl');
  });

  it('keeps where the key goes and how much may be spent out of a workspace\'s reach', () => {
    const props = contributes.configuration.properties;
    for (const key of ['floorline.baseUrl', 'floorline.maxSpendUsd', 'floorline.dailyBudgetUsd', 'floorline.dailyTokenBudget', 'floorline.confirmAboveUsd']) {
      assert.equal(props[key]?.scope, 'application', key);
    }
    // The one spend setting a workspace may set can only lower the cap.
    assert.equal(props['floorline.workspaceMaxSpendUsd'].scope, 'resource');
    assert.ok(!Object.keys(props).some((k) => /api.?key|secret|token$/i.test(k) && !/budget/i.test(k)), 'no setting holds a key');
  });

  it('limits an untrusted workspace and activates for the status bar and the dashboard serializer', () => {
    assert.equal(pkg.capabilities.untrustedWorkspaces.supported, 'limited');
    assert.ok(pkg.capabilities.untrustedWorkspaces.restrictedConfigurations.includes('floorline.workspaceMaxSpendUsd'));
    assert.deepEqual(pkg.activationEvents.sort(), ['onStartupFinished', 'onWebviewPanel:floorline.dashboard']);
  });

  it('accepts VS Code 1.139, and pins @types/vscode no newer than the engine', () => {
    const engine = pkg.engines.vscode as string;
    const min = /^\^(\d+)\.(\d+)\./.exec(engine);
    assert.ok(min, engine);
    assert.ok(Number(min[1]) === 1 && Number(min[2]) <= 139);
    assert.equal(pkg.devDependencies['@types/vscode'], `${min[1]}.${min[2]}.0`);
    assert.equal(pkg.main, './dist/extension.js');
    assert.deepEqual(pkg.bin, { floorline: 'dist/cli.js' });
  });
});
