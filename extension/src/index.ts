import { ILabShell, JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import { INotebookTracker } from '@jupyterlab/notebook';
import { ISettingRegistry } from '@jupyterlab/settingregistry';
import { ITranslator, nullTranslator } from '@jupyterlab/translation';
import { PluginIDs } from './commands';
import { exportPlugin } from './export';
import { CopiesInspector } from './inspector';
import { showLessonFromUrl } from './lesson';
import { restorePlugin } from './restore';
import { DOMAIN } from './types';

/**
 * The Memory copies inspector: a panel of every wasm<->JS copy per cell of the active
 * notebook, a badge on each cell that copied, an on/off switch (./inspector.ts).
 */
const copiesPlugin: JupyterFrontEndPlugin<void> = {
  id: PluginIDs.copies,
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
    const language = (translator?.languageCode ?? 'en').toLowerCase();
    const inspector = new CopiesInspector(app, tracker, {
      trans: (translator ?? nullTranslator).load(DOMAIN),
      zh: language.startsWith('zh'),
      english: language.startsWith('en'),
      oneDocumentPerTab: !labShell
    });
    inspector.addPanel();
    inspector.trackNotebooks();
    inspector.addCommands(palette);
    await inspector.loadSettings(settingRegistry, PluginIDs.copies);
    showLessonFromUrl(tracker);
  }
};

// the Memory copies inspector; File → Save and Export Notebook As → Ported script (./export.ts);
// Restore shipped version (keep my copy) (./restore.ts)
export default [copiesPlugin, exportPlugin, restorePlugin];
