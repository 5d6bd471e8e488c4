"""What a `ChatForm` adds to the page besides its widgets: Shift+Enter and the reopen note.

ipywidgets reports no key events to Python, so a page-level listener turns Shift+Enter in a
form's prompt box into a click on that form's Send button. It listens on `window` in the
capture phase, the first stop of every key event: Notebook 7 hears keys on `document` in
the capture phase (JupyterLab 4 in the bubble phase) and would otherwise run the cell again.
The key is kept from the notebook even while Send is disabled.

A saved notebook holds the form as a widget-view output whose model dies with the kernel.
Frontends that cannot draw it show its `text/plain`, so that is `REOPEN_NOTE` (GitHub,
nbconvert, an untrusted notebook in JupyterLab or Notebook 7). A trusted notebook there
shows ipywidgets' "Error displaying widget: model not found" instead, and runs the
script's output again: the script writes the note into its own output node, hidden unless
the widget output just before it failed to draw, in which case that error is hidden.

Frontends that do not run JavaScript outputs (an untrusted notebook) still have the button.
"""

from __future__ import annotations

import json

__all__ = ["FORM_SCRIPT", "REOPEN_NOTE"]

REOPEN_NOTE = "ChatForm: run the cell to chat again."

# JupyterLab and Notebook 7 class names. ipywidgets gives an output the `jupyter-widgets`
# class only when it fails to draw it (a drawn widget sits inside the output instead).
# (`:has()` cannot nest, so the rules say no more than that.)
_FAILED = ".jp-OutputArea-child:has(> .jp-OutputArea-output.jupyter-widgets)"
_NOTE_CSS = (
    ".orj-form-gone{display:none}"
    f"{_FAILED} + .jp-OutputArea-child .orj-form-gone"
    "{display:block;color:var(--jp-ui-font-color2,#666)}"
    f"{_FAILED}:has(+ .jp-OutputArea-child .orj-form-gone){{display:none}}"
)

FORM_SCRIPT = f"""
(() => {{
  const node = typeof element === "undefined" ? null : element?.jquery ? element[0] : element;
  if (node instanceof Element) {{
    const note = document.createElement("div");
    note.className = "orj-form-gone";
    note.textContent = {json.dumps(REOPEN_NOTE)};
    node.replaceChildren(note);
  }}
  if (window.__orjChatFormPage) return;
  window.__orjChatFormPage = true;
  const style = document.createElement("style");
  style.textContent = {json.dumps(_NOTE_CSS)};
  document.head.append(style);
  window.addEventListener("keydown", (event) => {{
    if (event.key !== "Enter" || !event.shiftKey || event.isComposing) return;
    const form = event.target.closest?.(".orj-prompt")?.closest(".orj-chatform");
    if (!form) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    const send = form.querySelector(".orj-send");
    if (send && !send.disabled) send.click();
  }}, true);
}})();
"""
