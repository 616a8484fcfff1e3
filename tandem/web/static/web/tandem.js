// The frame's behaviour: single-key shortcuts (@github/hotkey), the command palette on Ctrl-K and
// ⌘-K, the theme switch and confirmations. No inline scripts: everything is wired here (CSP).
import { install } from "@github/hotkey";

// --- Shortcuts: every element with data-hotkey, also in content htmx swaps in ---------------

const installed = new WeakSet();
function installHotkeys(root) {
  const elements = root.matches?.("[data-hotkey]") ? [root] : [];
  for (const element of [...elements, ...root.querySelectorAll("[data-hotkey]")]) {
    if (!installed.has(element)) {
      install(element);
      installed.add(element);
    }
  }
}
installHotkeys(document.body);
document.addEventListener("htmx:load", (event) => installHotkeys(event.target));

// --- Dialogs give focus back to where it was when they close --------------------------------

let focusBeforeDialog = null;
document.addEventListener("show.bs.modal", () => {
  focusBeforeDialog = document.activeElement;
});
document.addEventListener("hide.bs.modal", () => {
  const target = focusBeforeDialog;
  focusBeforeDialog = null;
  // After Bootstrap has released its focus trap (right after this event), not once the fade ends.
  window.setTimeout(() => {
    if (target && target.isConnected && target.offsetParent !== null) target.focus();
  });
});

// --- Command palette ------------------------------------------------------------------------

const palette = document.getElementById("palette");
if (palette && window.bootstrap) {
  const dialog = window.bootstrap.Modal.getOrCreateInstance(palette);
  const input = palette.querySelector("#palette-input");
  const list = palette.querySelector("#palette-results");
  const status = palette.querySelector("#palette-status");
  let active = -1;

  const options = () => [...list.querySelectorAll('[role="option"]')];

  const highlight = (index) => {
    const all = options();
    active = all.length ? (index + all.length) % all.length : -1;
    all.forEach((option, i) => {
      option.setAttribute("aria-selected", String(i === active));
      option.classList.toggle("active", i === active);
    });
    if (active >= 0) {
      input.setAttribute("aria-activedescendant", all[active].id);
      all[active].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  };

  const openOption = (option) => {
    if (option?.dataset.url) window.location.assign(option.dataset.url);
  };

  const open = () => {
    if (palette.classList.contains("show")) {
      input.focus();
      input.select();
    } else {
      // No fade on this dialog: it is shown at once, so the keys typed right after Ctrl-K land
      // in the input instead of being lost during an animation.
      dialog.show();
      input.focus();
    }
  };

  // Captured at document level so that it wins over the browser's own Ctrl-K (its search bar)
  // and works while a field has focus.
  document.addEventListener(
    "keydown",
    (event) => {
      if ((event.ctrlKey || event.metaKey) && !event.altKey && !event.shiftKey && event.key.toLowerCase() === "k") {
        event.preventDefault();
        event.stopPropagation();
        open();
      }
    },
    { capture: true },
  );

  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-palette-open]")) {
      event.preventDefault();
      open();
    }
  });

  palette.addEventListener("shown.bs.modal", () => {
    input.focus();
    input.select();
  });

  list.addEventListener("htmx:afterSwap", () => {
    const count = options().length;
    input.setAttribute("aria-expanded", String(count > 0));
    status.textContent = count ? `${count} result${count === 1 ? "" : "s"}` : input.value.trim().length > 1 ? "No results" : "";
    highlight(0);
  });

  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      highlight(active + (event.key === "ArrowDown" ? 1 : -1));
    } else if (event.key === "Enter" && active >= 0) {
      event.preventDefault();
      openOption(options()[active]);
    }
  });

  list.addEventListener("click", (event) => openOption(event.target.closest('[role="option"]')));
}

// --- Theme: the server stored the choice; apply it without a reload ------------------------

document.addEventListener("tandem:theme", (event) => {
  const value = event.detail?.value;
  if (!value) return;
  document.documentElement.dataset.theme = value;
  for (const button of document.querySelectorAll('.theme-switch [name="theme"]')) {
    button.setAttribute("aria-pressed", String(button.value === value));
  }
});

// --- Confirmations for destructive forms (data-confirm="Remove …?") -------------------------

document.addEventListener(
  "submit",
  (event) => {
    const message = event.target.dataset?.confirm;
    if (message && !window.confirm(message)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  },
  { capture: true },
);

// --- htmx requests that fail say so (form errors, 422, are swapped in like any answer) ------

function announceFailure(text) {
  const main = document.getElementById("main");
  if (!main) return;
  const alert = document.createElement("div");
  alert.className = "alert alert-danger alert-dismissible";
  alert.setAttribute("role", "alert");
  alert.textContent = text;
  const close = document.createElement("button");
  close.type = "button";
  close.className = "btn-close";
  close.setAttribute("data-bs-dismiss", "alert");
  close.setAttribute("aria-label", "Dismiss");
  alert.append(close);
  main.prepend(alert);
}

document.addEventListener("htmx:responseError", (event) => {
  const status = event.detail.xhr?.status;
  const reasons = { 403: "Your roles do not allow this.", 404: "This is no longer there." };
  announceFailure(reasons[status] ?? `Something went wrong (${status}). Please try again.`);
});
document.addEventListener("htmx:sendError", () => announceFailure("Tandem cannot be reached. Check the connection and try again."));
