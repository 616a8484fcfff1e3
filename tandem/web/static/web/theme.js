// Applies the user's theme before the page paints: "light" and "dark" are explicit choices stored
// on the server; "auto" follows the operating system (prefers-color-scheme) and its changes.
(() => {
  const root = document.documentElement;
  const dark = window.matchMedia("(prefers-color-scheme: dark)");
  const apply = () => {
    const choice = root.dataset.theme || "auto";
    root.dataset.bsTheme = choice === "auto" ? (dark.matches ? "dark" : "light") : choice;
  };
  apply();
  dark.addEventListener("change", apply);
  new MutationObserver(apply).observe(root, { attributes: true, attributeFilter: ["data-theme"] });
})();
