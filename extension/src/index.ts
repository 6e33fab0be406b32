import {
  ILabShell,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, InputDialog } from '@jupyterlab/apputils';
import { INotebookTracker, NotebookActions, NotebookPanel } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { BadgeManager } from './badge';
import { CopiesModel } from './model';
import { CopiesPanel } from './panel';
import { exportPlugin } from './export';
import { restorePlugin } from './restore';
import { openLesson, showLessonFromUrl } from './lesson';
import { DEFAULT_ROWS, DOMAIN, ROWS_LIMIT } from './types';

const PLUGIN_ID = 'portinglab-copies:plugin';
const TOGGLE = 'portinglab-copies:toggle';
const OPEN = 'portinglab-copies:open';
const ROWS = 'portinglab-copies:rows';

/**
 * The Memory copies inspector: a panel of every wasm<->JS copy per cell of the active
 * notebook, a badge on each cell that copied, an on/off switch.
 */
const plugin: JupyterFrontEndPlugin<void> = {
  id: PLUGIN_ID,
  description: 'Memory copies inspector: every wasm<->JS copy, per cell.',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ICommandPalette, ISettingRegistry, ILabShell, ITranslator],
  activate: async (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    palette: ICommandPalette | null,
    settingRegistry: ISettingRegistry | null,
    labShell: ILabShell | null,
    translator: ITranslator | null
  ) => {
    const trans = (translator ?? nullTranslator).load(DOMAIN);
    const zh = (translator?.languageCode ?? 'en').toLowerCase().startsWith('zh');
    const english = (translator?.languageCode ?? 'en').toLowerCase().startsWith('en');
    let enabled = true;
    let showBadges = true;
    let rowsPerCell = DEFAULT_ROWS;
    const models = new Map<NotebookPanel, CopiesModel>();
    const badges = new Map<NotebookPanel, BadgeManager>();
    let settings: ISettingRegistry.ISettings | null = null;

    const setEnabled = (on: boolean) => {
      enabled = on;
      for (const m of models.values()) {
        m.setEnabled(on);
      }
      panel.enabled = on;
      panel.render();
      app.commands.notifyCommandChanged(TOGGLE);
      if (settings && settings.get('enabled').composite !== on) {
        void settings.set('enabled', on);
      }
    };

    const panel = new CopiesPanel({
      onToggle: setEnabled,
      // in the Notebook app (no lab shell) each document has its own browser tab
      onOpenLesson: code => void openLesson(app, code, zh, !labShell),
      trans,
      english
    });
    panel.title.label = trans.__('Memory copies');
    app.shell.add(panel, 'right', { rank: 600 });

    const openAt = (nb: NotebookPanel, count: number) => {
      if (tracker.currentWidget !== nb) {
        app.shell.activateById(nb.id);
      }
      follow(nb);
      app.shell.activateById(panel.id);
      panel.showCell(count);
    };

    const follow = (nb: NotebookPanel | null) => {
      panel.model = nb ? (models.get(nb) ?? null) : null;
      panel.notebookName = nb ? nb.context.path.split('/').pop() ?? '' : '';
    };

    tracker.widgetAdded.connect((_, nb) => {
      const model = new CopiesModel(nb.sessionContext, enabled, rowsPerCell);
      models.set(nb, model);
      if (showBadges) {
        badges.set(nb, new BadgeManager(nb, model, count => openAt(nb, count), trans));
      }
      nb.disposed.connect(() => {
        models.delete(nb);
        badges.get(nb)?.dispose();
        badges.delete(nb);
        model.dispose();
        if (panel.model === model) {
          follow(tracker.currentWidget);
        }
      });
      if (tracker.currentWidget === nb) {
        follow(nb);
      }
    });
    tracker.currentChanged.connect((_, nb) => follow(nb));
    // emitted synchronously right before a cell's execute request is sent: the tracer's
    // bootstrap goes first, whatever state the kernel is in (no cell runs untraced)
    NotebookActions.executionScheduled.connect((_, { notebook }) => {
      for (const [nb, model] of models) {
        if (nb.content === notebook) {
          model.ensureBootstrap();
        }
      }
    });
    NotebookActions.executed.connect((_, { notebook, cell }) => {
      for (const [nb, b] of badges) {
        if (nb.content === notebook) {
          b.refreshCell(cell);
        }
      }
    });

    app.commands.addCommand(TOGGLE, {
      label: trans.__('Trace memory copies (wasm↔JS)'),
      caption: trans.__('Porting Lab: turn the copies tracer on or off in every notebook kernel'),
      isToggled: () => enabled,
      execute: () => setEnabled(!enabled)
    });
    app.commands.addCommand(OPEN, {
      label: trans.__('Show the Memory copies panel'),
      execute: () => app.shell.activateById(panel.id)
    });
    const setRows = (rows: number) => {
      rowsPerCell = rows;
      for (const m of models.values()) {
        m.setRows(rows);
      }
    };
    app.commands.addCommand(ROWS, {
      label: trans.__('Copies listed per cell…'),
      caption: trans.__('Porting Lab: how many of a cell\'s copies the Memory copies panel lists one by one'),
      execute: async args => {
        let rows = args.rows as number | undefined;
        if (rows === undefined) {
          const answer = await InputDialog.getNumber({
            title: trans.__('Copies listed per cell'),
            label: trans.__('The rest are counted in the cell\'s totals (0 to %1).', ROWS_LIMIT),
            value: rowsPerCell
          });
          if (!answer.button.accept || answer.value === null) {
            return;
          }
          rows = answer.value;
        }
        rows = Math.min(ROWS_LIMIT, Math.max(0, Math.trunc(Number(rows) || 0)));
        setRows(rows);
        if (settings && settings.get('rowsPerCell').composite !== rows) {
          await settings.set('rowsPerCell', rows);
        }
      }
    });
    if (palette) {
      palette.addItem({ command: TOGGLE, category: trans.__('Porting Lab') });
      palette.addItem({ command: OPEN, category: trans.__('Porting Lab') });
      palette.addItem({ command: ROWS, category: trans.__('Porting Lab') });
    }

    if (settingRegistry) {
      try {
        settings = await settingRegistry.load(PLUGIN_ID);
        const apply = () => {
          const on = settings!.get('enabled').composite as boolean;
          showBadges = settings!.get('showBadges').composite as boolean;
          const rows = settings!.get('rowsPerCell').composite as number;
          if (rows !== rowsPerCell) {
            setRows(rows);
          }
          if (on !== enabled) {
            setEnabled(on);
          }
          for (const [nb, model] of models) {
            if (showBadges && !badges.has(nb)) {
              const b = new BadgeManager(nb, model, count => openAt(nb, count), trans);
              badges.set(nb, b);
              b.refresh();
            } else if (!showBadges && badges.has(nb)) {
              badges.get(nb)!.dispose();
              badges.delete(nb);
              nb.node.querySelectorAll('.jp-PortingLabCopies-badge').forEach(e => e.remove());
            }
          }
        };
        apply();
        settings.changed.connect(apply);
      } catch (e) {
        console.warn('portinglab-copies: settings not loaded', e);
      }
    }
    panel.enabled = enabled;
    showLessonFromUrl(tracker);
  }
};

// the Memory copies inspector; File → Save and Export Notebook As → Ported script (./export.ts);
// Restore shipped version (keep my copy) (./restore.ts)
export default [plugin, exportPlugin, restorePlugin];
