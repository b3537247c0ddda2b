// What both pages do with their controls: find an element, show an error
// in the page's #error element, and run a button's action.

export const $ = id => document.getElementById(id);

export function fail(err) {
  $('error').textContent = err?.message || String(err);
  $('error').hidden = false;
}

function clearError() {
  $('error').hidden = true;
}

// busy disables a button while an action runs and reports its failure.
export function busy(button, action) {
  return async event => {
    event?.preventDefault();
    clearError();
    button.disabled = true;
    try {
      await action();
    } catch (err) {
      fail(err);
    } finally {
      button.disabled = false;
    }
  };
}
