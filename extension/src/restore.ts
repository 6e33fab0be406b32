import { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import {
  Dialog,
  ICommandPalette,
  Notification,
  showDialog,
  showErrorMessage
} from '@jupyterlab/apputils';
import { PageConfig, PathExt, URLExt } from '@jupyterlab/coreutils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { DocumentRegistry } from '@jupyterlab/docregistry';
import { IFileBrowserFactory } from '@jupyterlab/filebrowser';
import { Contents } from '@jupyterlab/services';
import { ITranslator, nullTranslator, TranslationBundle } from '@jupyterlab/translation';
import { DOMAIN } from './types';
import { CommandIDs, PluginIDs } from './commands';

/**
 * "Restore shipped version (keep my copy)", for workshops: puts an example file back to the
 * version the site ships, after saving the participant's current version (unsaved edits of
 * an open editor included) beside it as `NAME (my copy YYYY-MM-DD HHMM).EXT`.
 *
 * In JupyterLite the shipped files are static (`files/<path>`, listed per folder in
 * `api/contents/<folder>/all.json`); the participant's saves live in the browser's storage
 * and hide them. Restoring saves the shipped bytes over the path, then reloads every open
 * editor of it. Command palette, notebook context menu and file browser context menu
 * (the menus are in schema/restore.json).
 */

const RESTORE_COMMAND = CommandIDs.restoreShipped;

/** A folder's shipped listing entry for `path`, or null when the site did not ship it. */
async function shippedEntry(path: string): Promise<Contents.IModel | null> {
  const dir = PathExt.dirname(path);
  const url = URLExt.join(PageConfig.getBaseUrl(), 'api/contents', URLExt.encodeParts(dir), 'all.json');
  const response = await fetch(url, { cache: 'no-cache' });
  if (!response.ok) {
    return null;
  }
  const listing = (await response.json()) as Contents.IModel;
  const entries = (listing.content ?? []) as Contents.IModel[];
  return entries.find(e => e.path === path && e.type !== 'directory') ?? null;
}

/** The shipped file as a model `contents.save` takes (notebook JSON, text, or base64). */
async function shippedModel(entry: Contents.IModel): Promise<Partial<Contents.IModel>> {
  const url = URLExt.join(PageConfig.getBaseUrl(), 'files', URLExt.encodeParts(entry.path));
  const response = await fetch(url, { cache: 'no-cache' });
  if (!response.ok) {
    throw new Error(`${url}: ${response.status} ${response.statusText}`);
  }
  if (entry.type === 'notebook') {
    return { type: 'notebook', format: 'json', content: await response.json() };
  }
  const bytes = new Uint8Array(await response.arrayBuffer());
  const text = entry.mimetype?.startsWith('text/') || /\.(py|md|txt|json|csv|js|ts|html|css|toml|ya?ml)$/i.test(entry.path);
  if (text) {
    return { type: 'file', format: 'text', content: new TextDecoder().decode(bytes) };
  }
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return { type: 'file', format: 'base64', content: btoa(binary) };
}

/** `05-ocr.ipynb` -> `05-ocr (my copy 2026-11-26 0142).ipynb`, numbered if taken. */
async function freeCopyPath(contents: Contents.IManager, path: string, label: string): Promise<string> {
  const ext = PathExt.extname(path);
  const stem = path.slice(0, path.length - ext.length);
  const now = new Date();
  const two = (n: number) => String(n).padStart(2, '0');
  const stamp =
    `${now.getFullYear()}-${two(now.getMonth() + 1)}-${two(now.getDate())} ` +
    `${two(now.getHours())}${two(now.getMinutes())}`;
  for (let n = 1; ; n++) {
    const candidate = `${stem} (${label} ${stamp}${n > 1 ? ` ${n}` : ''})${ext}`;
    try {
      await contents.get(candidate, { content: false });
    } catch {
      return candidate;
    }
  }
}

/** The participant's current version: the open editor's model (unsaved edits too), else storage. */
async function currentModel(
  contents: Contents.IManager,
  path: string,
  open: DocumentRegistry.Context[]
): Promise<Partial<Contents.IModel> | null> {
  const context = open[0];
  if (context) {
    const saved = context.contentsModel;
    if (saved?.type === 'notebook') {
      return { type: 'notebook', format: 'json', content: context.model.toJSON() };
    }
    if (saved?.format !== 'base64') {
      return { type: 'file', format: 'text', content: context.model.toString() };
    }
  }
  try {
    const model = await contents.get(path, { content: true });
    return { type: model.type, format: model.format, content: model.content };
  } catch {
    return null; // deleted: nothing to keep
  }
}

/**
 * Restore `path` to its shipped version; returns the path of the participant's copy (null
 * when there was nothing to keep), or undefined when cancelled or refused.
 */
export async function restoreShipped(
  app: JupyterFrontEnd,
  docManager: IDocumentManager,
  path: string,
  trans: TranslationBundle
): Promise<string | null | undefined> {
  const title = trans.__('Restore shipped version');
  const entry = await shippedEntry(path);
  if (!entry) {
    await showErrorMessage(
      title,
      trans.__('%1 was not shipped with this site: there is no shipped version to restore.', path)
    );
    return undefined;
  }
  const contents = app.serviceManager.contents;
  const open = openContexts(app, docManager, path);
  const copyPath = await freeCopyPath(contents, path, trans.__('my copy'));
  const answer = await showDialog({
    title,
    body: trans.__(
      'Put %1 back as the site ships it? Your current version (unsaved changes included) is kept as %2.',
      path,
      PathExt.basename(copyPath)
    ),
    buttons: [Dialog.cancelButton({ label: trans.__('Cancel') }), Dialog.warnButton({ label: trans.__('Restore') })]
  });
  if (!answer.button.accept) {
    return undefined;
  }
  const mine = await currentModel(contents, path, open);
  if (mine) {
    await contents.save(copyPath, mine);
  }
  await contents.save(path, await shippedModel(entry));
  for (const context of open) {
    await context.revert();
  }
  Notification.emit(
    mine
      ? trans.__('%1 restored; your version is in %2', path, PathExt.basename(copyPath))
      : trans.__('%1 restored', path),
    'success',
    { autoClose: 8000 }
  );
  return mine ? copyPath : null;
}

/** The document contexts of `path` open in the main area (one per context). */
function openContexts(
  app: JupyterFrontEnd,
  docManager: IDocumentManager,
  path: string
): DocumentRegistry.Context[] {
  const found = new Set<DocumentRegistry.Context>();
  for (const widget of app.shell.widgets('main')) {
    const context = docManager.contextForWidget(widget);
    if (context && context.path === path) {
      found.add(context);
    }
  }
  return [...found];
}

export const restorePlugin: JupyterFrontEndPlugin<void> = {
  id: PluginIDs.restore,
  description: 'Restore an example file to its shipped version, keeping the participant\'s copy beside it.',
  autoStart: true,
  requires: [IDocumentManager],
  optional: [ICommandPalette, IFileBrowserFactory, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    docManager: IDocumentManager,
    palette: ICommandPalette | null,
    browsers: IFileBrowserFactory | null,
    translator: ITranslator | null
  ) => {
    const trans = (translator ?? nullTranslator).load(DOMAIN);
    // the file: given, else the file browser's selection (its context menu), else the
    // document in the main area
    const target = (args: Record<string, unknown>): string | null => {
      if (typeof args['path'] === 'string') {
        return args['path'];
      }
      const inBrowser = app.contextMenuHitTest(node => node.classList.contains('jp-DirListing-item'));
      if (inBrowser && browsers?.tracker.currentWidget) {
        const item = browsers.tracker.currentWidget.selectedItems().next();
        if (!item.done && item.value) {
          return item.value.path;
        }
      }
      const current = app.shell.currentWidget;
      return current ? docManager.contextForWidget(current)?.path ?? null : null;
    };
    app.commands.addCommand(RESTORE_COMMAND, {
      label: trans.__('Restore shipped version (keep my copy)'),
      caption: trans.__(
        'Put this example back as the site ships it; your current version is kept beside it as "(my copy …)"'
      ),
      execute: async args => {
        const path = target(args);
        if (!path) {
          await showErrorMessage(trans.__('Restore shipped version'), trans.__('Open or select a file first.'));
          return undefined;
        }
        // the outcome, for tests and scripts: running, then done | cancelled (or refused) | error
        const state = document.body.dataset;
        state.portinglabRestore = 'running';
        try {
          const copy = await restoreShipped(app, docManager, path, trans);
          state.portinglabRestore = copy === undefined ? 'cancelled' : 'done';
          return copy;
        } catch (e) {
          state.portinglabRestore = 'error';
          await showErrorMessage(trans.__('Restore shipped version'), String(e));
          return undefined;
        }
      }
    });
    if (palette) {
      palette.addItem({ command: RESTORE_COMMAND, category: trans.__('Porting Lab') });
    }
  }
};
