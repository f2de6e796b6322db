// "find a bug": the element's hook for the exhaustive explorer. This module only adds the button
// to the control bar; the panel (../explore-panel.js), its Web Worker and the explorer's own wasm
// bundle (pkg/explore/) load when the reader presses it, so a page's first download does not grow
// by more than this file.
import { appUrl } from '../element/wasm.js';

export default {
  name: 'find-bug',
  mount(host) {
    if (!host.$('[data-action="find-bug"]')) {
      const b = document.createElement('button');
      b.type = 'button';
      b.dataset.action = 'find-bug';
      b.title = 'search every schedule within small bounds for a violation';
      b.textContent = 'find a bug';
      const after = host.$('.controls [data-action="reset"]');
      if (after) after.after(b);
      else host.$('.controls')?.append(b);
    }
    return {
      actions: {
        // A variable URL: the bundler leaves this import to run time.
        'find-bug': () => import(appUrl('./explore-panel.js').href)
          .then((m) => m.togglePanel(host), (e) => host._say(e.message, true)),
      },
    };
  },
};
