// Runs the page's module (registered in TG.pages by the scripts before this one).
"use strict";
(() => {
  TG.setupMenu();
  TG.refreshUsage();
  const page = TG.pages[document.body.dataset.page];
  if (page) {
    page().catch((err) => {
      const content = TG.content();
      content.replaceChildren();
      TG.showError(content, err);
    });
  }
})();
