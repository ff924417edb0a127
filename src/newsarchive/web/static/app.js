// Small progressive enhancements; every page works without this file.
// Loaded from /static (the CSP allows no inline script).
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  // Comparing versions: choosing a version shows the diff at once.
  const compare = document.getElementById("compare");
  if (compare) {
    for (const select of compare.querySelectorAll("select")) {
      select.addEventListener("change", () => compare.submit());
    }
  }

  // "/" jumps to the search box, as on most search sites.
  document.addEventListener("keydown", (event) => {
    const target = event.target;
    const typing = target instanceof HTMLElement &&
      (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
    if (event.key === "/" && !typing) {
      const box = document.getElementById("q") || document.getElementById("quick-q");
      if (box) {
        event.preventDefault();
        box.focus();
      }
    }
  });
});
