// Progressive enhancements; every page works without them. No inline script anywhere (CSP).
"use strict";

// <form data-confirm="Question?">: ask before submitting a destructive action.
document.addEventListener("submit", (event) => {
  const form = event.target;
  const question = form instanceof HTMLFormElement ? form.dataset.confirm : undefined;
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});
