import { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { ICommandPalette, Notification, showErrorMessage } from '@jupyterlab/apputils';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { Kernel, KernelMessage } from '@jupyterlab/services';
import { ITranslator, nullTranslator, TranslationBundle } from '@jupyterlab/translation';
import { downloadIcon } from '@jupyterlab/ui-components';
import { DOMAIN, EXPORT_ENTRY, EXPORT_MARKER, IExportResult } from './types';
import { CommandIDs, PluginIDs } from './commands';

/**
 * File → Save and Export Notebook As → Ported script (also in the command palette and the
 * notebook toolbar; the menu and toolbar entries are in schema/export.json).
 *
 * The export is the same Python code as `portlab export` (docs/export.md): the kernel wheel
 * ships it as `portinglab_export`. It runs in the notebook's own kernel when that one is
 * idle (a silent execute: no history, no output in the notebook), otherwise in a separate
 * kernel started for it; it gets the notebook's current content (saved or not, never saved by
 * the export), reads data files from /drive, uses the site's own URL as the page's base URL,
 * and prints the zip as base64; the zip is then downloaded.
 */

const KERNEL_NAME = 'python';

/** Python source for one silent execute: leaves no name in the kernel's namespace. */
function exportCode(nbJson: string, path: string, library: boolean): string {
  // a static `import`: the Pyodide kernel loads the wheel from the lock for it (a dynamic
  // __import__ only worked once the tracer's bootstrap had loaded it);
  // a JSON string literal is a valid Python string literal
  const { module, function: fn } = EXPORT_ENTRY;
  return (
    `import ${module} as _portinglab_export\n` +
    'try:\n' +
    `    _portinglab_export.${fn}(${JSON.stringify(nbJson)}, ${JSON.stringify(path)}, library=${library ? 'True' : 'False'})\n` +
    'finally:\n' +
    '    del _portinglab_export'
  );
}

async function runExport(
  kernel: Kernel.IKernelConnection,
  code: string,
  trans: TranslationBundle
): Promise<IExportResult> {
  let stdout = '';
  let error = '';
  const future = kernel.requestExecute({
    code,
    silent: true,
    store_history: false,
    allow_stdin: false,
    stop_on_error: false
  });
  future.onIOPub = (msg: KernelMessage.IIOPubMessage) => {
    const type = msg.header.msg_type;
    if (type === 'stream') {
      const c = msg.content as KernelMessage.IStreamMsg['content'];
      if (c.name === 'stdout') {
        stdout += c.text;
      }
    } else if (type === 'error') {
      const c = msg.content as KernelMessage.IErrorMsg['content'];
      error = `${c.ename}: ${c.evalue}`;
    }
  };
  const reply = await future.done;
  const at = stdout.lastIndexOf(EXPORT_MARKER);
  if (at >= 0) {
    const line = stdout.slice(at + EXPORT_MARKER.length).split('\n')[0];
    return JSON.parse(line) as IExportResult;
  }
  const status = (reply?.content as any)?.status;
  return {
    error:
      error ||
      (status && status !== 'ok'
        ? trans.__('the kernel answered %1', status)
        : trans.__('the kernel printed no export (is this a Porting Lab Pyodide kernel?)'))
  };
}

function download(result: IExportResult): void {
  const bytes = Uint8Array.from(atob(result.zip!), c => c.charCodeAt(0));
  const url = URL.createObjectURL(new Blob([bytes], { type: 'application/zip' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = result.zip_name!;
  a.style.display = 'none';
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** Export `panel`'s notebook; resolves with the result (downloaded when it has a zip). */
export async function exportPortedScript(
  app: JupyterFrontEnd,
  panel: NotebookPanel,
  trans: TranslationBundle = nullTranslator.load(DOMAIN),
  library = false
): Promise<IExportResult> {
  const nbJson = JSON.stringify(panel.context.model.toJSON());
  const code = exportCode(nbJson, panel.context.localPath, library);
  const own = panel.sessionContext.session?.kernel ?? null;
  let result: IExportResult;
  if (own && own.status === 'idle') {
    panel.node.dataset.portinglabExportKernel = 'notebook';
    result = await runExport(own, code, trans);
  } else {
    // no kernel yet, or busy running cells: a separate kernel, shut down afterwards
    panel.node.dataset.portinglabExportKernel = 'separate';
    const kernel = await app.serviceManager.kernels.startNew({ name: KERNEL_NAME });
    try {
      result = await runExport(kernel, code, trans);
    } finally {
      void kernel.shutdown().catch(() => undefined);
    }
  }
  if (result.zip) {
    download(result);
  }
  return result;
}

export const exportPlugin: JupyterFrontEndPlugin<void> = {
  id: PluginIDs.exportScript,
  description: 'Export a notebook as a ported script: one .py for CPython and a standalone page (zip).',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ICommandPalette, ITranslator],
  activate: (
    app: JupyterFrontEnd,
    tracker: INotebookTracker,
    palette: ICommandPalette | null,
    translator: ITranslator | null
  ) => {
    const trans = (translator ?? nullTranslator).load(DOMAIN);
    let running = false;
    const commands = [CommandIDs.exportPortedScript, CommandIDs.exportLibrary];
    const addExport = (
      id: string,
      library: boolean,
      labels: { palette: string; menu: string; caption: string; title: string }
    ) => {
      app.commands.addCommand(id, {
        label: args => (args['toolbar'] ? '' : args['isPalette'] ? labels.palette : labels.menu),
        caption: labels.caption,
        icon: args => (args['toolbar'] ? downloadIcon : undefined),
        isEnabled: () => tracker.currentWidget !== null && !running,
        execute: async () => {
          const panel = tracker.currentWidget;
          if (!panel) {
            return;
          }
          running = true;
          commands.forEach(c => app.commands.notifyCommandChanged(c));
          panel.node.dataset.portinglabExport = 'running';
          try {
            const result = await exportPortedScript(app, panel, trans, library);
            panel.node.dataset.portinglabExport = result.error ? 'error' : 'done';
            if (result.error) {
              await showErrorMessage(labels.title, result.error);
            } else {
              const warnings = result.warnings ?? [];
              const msg = warnings.length
                ? trans.__('Downloaded %1; changed or left out: %2', result.zip_name, warnings.join('; '))
                : trans.__('Downloaded %1', result.zip_name);
              Notification.emit(msg, warnings.length ? 'warning' : 'success', { autoClose: 8000 });
            }
            return result;
          } catch (e) {
            panel.node.dataset.portinglabExport = 'error';
            await showErrorMessage(labels.title, String(e));
          } finally {
            running = false;
            commands.forEach(c => app.commands.notifyCommandChanged(c));
          }
        }
      });
      if (palette) {
        palette.addItem({ command: id, category: trans.__('Porting Lab'), args: { isPalette: true } });
      }
    };
    addExport(CommandIDs.exportPortedScript, false, {
      palette: trans.__('Export Notebook As Ported Script (.py + page, zip)'),
      menu: trans.__('Ported Script (.py + page, zip)'),
      caption: trans.__(
        'Download the notebook as one Python script that runs the same in CPython and in a standalone web page'
      ),
      title: trans.__('Export as ported script')
    });
    addExport(CommandIDs.exportLibrary, true, {
      palette: trans.__('Export Notebook As Ported JS Library (port.js, zip)'),
      menu: trans.__('Ported JS Library (port.js, zip)'),
      caption: trans.__(
        'Download the notebook\'s functions as a JavaScript library a web app calls (port.js in a worker, types, an example page)'
      ),
      title: trans.__('Export as ported JS library')
    });
  }
};
