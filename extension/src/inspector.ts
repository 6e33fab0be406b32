import { JupyterFrontEnd } from '@jupyterlab/application';
import { ICommandPalette, InputDialog } from '@jupyterlab/apputils';
import { INotebookTracker, NotebookActions, NotebookPanel } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { TranslationBundle } from '@jupyterlab/translation';
import { BadgeManager } from './badge';
import { CommandIDs } from './commands';
import { openLesson } from './lesson';
import { CopiesModel } from './model';
import { CopiesPanel } from './panel';
import { DEFAULT_ROWS, ROWS_LIMIT } from './types';

export interface IInspectorOptions {
  trans: TranslationBundle;
  /** the lab's language: the hints' lessons open in the zh notebooks */
  zh: boolean;
  /** the lab's language is English: the kernel's hint texts are shown as they are */
  english: boolean;
  /** the Notebook app (no lab shell): each document in its own browser tab */
  oneDocumentPerTab: boolean;
}

/**
 * The Memory copies inspector of one lab: its state (tracing on/off, badges, rows per cell), a
 * `CopiesModel` and a `BadgeManager` per notebook, the panel, and the settings that drive them.
 * The plugin (./index.ts) calls its activation steps in order.
 */
export class CopiesInspector {
  constructor(app: JupyterFrontEnd, tracker: INotebookTracker, options: IInspectorOptions) {
    this._app = app;
    this._tracker = tracker;
    this._options = options;
    this.panel = new CopiesPanel({
      onToggle: on => this.setEnabled(on),
      onOpenLesson: code => void openLesson(app, code, options.zh, options.oneDocumentPerTab),
      trans: options.trans,
      english: options.english
    });
  }

  readonly panel: CopiesPanel;

  get enabled(): boolean {
    return this._enabled;
  }

  // ---- activation steps

  /** The panel, in the right side bar. */
  addPanel(): void {
    this.panel.title.label = this._options.trans.__('Memory copies');
    this._app.shell.add(this.panel, 'right', { rank: 600 });
  }

  /** A model (and badges) for each notebook; the panel follows the current one. */
  trackNotebooks(): void {
    const tracker = this._tracker;
    tracker.widgetAdded.connect((_, nb) => this._addNotebook(nb));
    tracker.currentChanged.connect((_, nb) => this._follow(nb));
    // emitted synchronously right before a cell's execute request is sent: the tracer's
    // bootstrap goes first, whatever state the kernel is in (no cell runs untraced)
    NotebookActions.executionScheduled.connect((_, { notebook }) => {
      for (const [nb, model] of this._models) {
        if (nb.content === notebook) {
          model.ensureBootstrap();
        }
      }
    });
    NotebookActions.executed.connect((_, { notebook, cell }) => {
      for (const [nb, badges] of this._badges) {
        if (nb.content === notebook) {
          badges.refreshCell(cell);
        }
      }
    });
  }

  /** Toggle, open, rows per cell: in the command palette under Porting Lab. */
  addCommands(palette: ICommandPalette | null): void {
    const { commands } = this._app;
    const trans = this._options.trans;
    commands.addCommand(CommandIDs.toggle, {
      label: trans.__('Trace memory copies (wasm↔JS)'),
      caption: trans.__('Porting Lab: turn the copies tracer on or off in every notebook kernel'),
      isToggled: () => this._enabled,
      execute: () => this.setEnabled(!this._enabled)
    });
    commands.addCommand(CommandIDs.open, {
      label: trans.__('Show the Memory copies panel'),
      execute: () => this._app.shell.activateById(this.panel.id)
    });
    commands.addCommand(CommandIDs.rows, {
      label: trans.__('Copies listed per cell…'),
      caption: trans.__('Porting Lab: how many of a cell\'s copies the Memory copies panel lists one by one'),
      execute: async args => this._askRows(args.rows as number | undefined)
    });
    if (palette) {
      for (const command of [CommandIDs.toggle, CommandIDs.open, CommandIDs.rows]) {
        palette.addItem({ command, category: trans.__('Porting Lab') });
      }
    }
  }

  /** The user's settings (schema/plugin.json), applied now and on every change. */
  async loadSettings(registry: ISettingRegistry | null, pluginId: string): Promise<void> {
    if (registry) {
      try {
        this._settings = await registry.load(pluginId);
        this._applySettings();
        this._settings.changed.connect(() => this._applySettings());
      } catch (e) {
        console.warn('portinglab-copies: settings not loaded', e);
      }
    }
    this.panel.enabled = this._enabled;
  }

  // ---- state

  setEnabled(on: boolean): void {
    this._enabled = on;
    for (const m of this._models.values()) {
      m.setEnabled(on);
    }
    this.panel.enabled = on;
    this.panel.render();
    this._app.commands.notifyCommandChanged(CommandIDs.toggle);
    if (this._settings && this._settings.get('enabled').composite !== on) {
      void this._settings.set('enabled', on);
    }
  }

  setRows(rows: number): void {
    this._rows = rows;
    for (const m of this._models.values()) {
      m.setRows(rows);
    }
  }

  private async _askRows(requested: number | undefined): Promise<void> {
    const trans = this._options.trans;
    let rows = requested;
    if (rows === undefined) {
      const answer = await InputDialog.getNumber({
        title: trans.__('Copies listed per cell'),
        label: trans.__('The rest are counted in the cell\'s totals (0 to %1).', ROWS_LIMIT),
        value: this._rows
      });
      if (!answer.button.accept || answer.value === null) {
        return;
      }
      rows = answer.value;
    }
    rows = Math.min(ROWS_LIMIT, Math.max(0, Math.trunc(Number(rows) || 0)));
    this.setRows(rows);
    if (this._settings && this._settings.get('rowsPerCell').composite !== rows) {
      await this._settings.set('rowsPerCell', rows);
    }
  }

  private _applySettings(): void {
    const settings = this._settings!;
    const on = settings.get('enabled').composite as boolean;
    this._showBadges = settings.get('showBadges').composite as boolean;
    const rows = settings.get('rowsPerCell').composite as number;
    if (rows !== this._rows) {
      this.setRows(rows);
    }
    if (on !== this._enabled) {
      this.setEnabled(on);
    }
    for (const [nb, model] of this._models) {
      if (this._showBadges && !this._badges.has(nb)) {
        this._addBadges(nb, model).refresh();
      } else if (!this._showBadges && this._badges.has(nb)) {
        this._badges.get(nb)!.dispose();
        this._badges.delete(nb);
        nb.node.querySelectorAll('.jp-PortingLabCopies-badge').forEach(e => e.remove());
      }
    }
  }

  // ---- notebooks

  private _addNotebook(nb: NotebookPanel): void {
    const model = new CopiesModel(nb.sessionContext, this._enabled, this._rows);
    this._models.set(nb, model);
    if (this._showBadges) {
      this._addBadges(nb, model);
    }
    nb.disposed.connect(() => {
      this._models.delete(nb);
      this._badges.get(nb)?.dispose();
      this._badges.delete(nb);
      model.dispose();
      if (this.panel.model === model) {
        this._follow(this._tracker.currentWidget);
      }
    });
    if (this._tracker.currentWidget === nb) {
      this._follow(nb);
    }
    void this._findParityReference(nb).then(path => model.setParity(path));
  }

  /**
   * The notebook's parity reference, `NB.parity.json` beside it (written by `portlab parity`, docs/parity.md),
   * as the kernel sees it (JupyterLite's kernels mount the lab's contents at /drive), or null.
   */
  private async _findParityReference(nb: NotebookPanel): Promise<string | null> {
    await nb.context.ready;
    const path = nb.context.path.replace(/\.ipynb$/, '.parity.json');
    try {
      await this._app.serviceManager.contents.get(path, { content: false });
    } catch {
      return null;
    }
    return `/drive/${path}`;
  }

  private _addBadges(nb: NotebookPanel, model: CopiesModel): BadgeManager {
    const badges = new BadgeManager(nb, model, count => this._openAt(nb, count), this._options.trans);
    this._badges.set(nb, badges);
    return badges;
  }

  /** The panel shows this notebook's copies. */
  private _follow(nb: NotebookPanel | null): void {
    this.panel.model = nb ? (this._models.get(nb) ?? null) : null;
    this.panel.notebookName = nb ? (nb.context.path.split('/').pop() ?? '') : '';
  }

  /** A badge was clicked: the panel, at that cell. */
  private _openAt(nb: NotebookPanel, count: number): void {
    if (this._tracker.currentWidget !== nb) {
      this._app.shell.activateById(nb.id);
    }
    this._follow(nb);
    this._app.shell.activateById(this.panel.id);
    this.panel.showCell(count);
  }

  private readonly _app: JupyterFrontEnd;
  private readonly _tracker: INotebookTracker;
  private readonly _options: IInspectorOptions;
  private readonly _models = new Map<NotebookPanel, CopiesModel>();
  private readonly _badges = new Map<NotebookPanel, BadgeManager>();
  private _settings: ISettingRegistry.ISettings | null = null;
  private _enabled = true;
  private _showBadges = true;
  private _rows: number = DEFAULT_ROWS;
}
