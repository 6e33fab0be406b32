/** Every command the extension adds (ids are public: the lab's menus, the tests and users' shortcuts use them). */
export namespace CommandIDs {
  /** Trace memory copies on/off in every notebook kernel (toggled). */
  export const toggle = 'portinglab-copies:toggle';
  /** Show the Memory copies panel. */
  export const open = 'portinglab-copies:open';
  /** Copies listed per cell… (args: `{ rows }`, else a dialog asks). */
  export const rows = 'portinglab-copies:rows';
  /** File → Save and Export Notebook As → Ported script (./export.ts). */
  export const exportPortedScript = 'portinglab-export:ported-script';
  /** ... → Ported JS library: the notebook's functions as port.js (./export.ts, docs/export.md). */
  export const exportLibrary = 'portinglab-export:library';
  /** Restore shipped version (keep my copy) (./restore.ts). */
  export const restoreShipped = 'portinglab-restore:shipped';
}

/** The plugins' ids (the settings of `copies` are schema/plugin.json). */
export namespace PluginIDs {
  export const copies = 'portinglab-copies:plugin';
  export const exportScript = 'portinglab-copies:export';
  export const restore = 'portinglab-copies:restore';
}
