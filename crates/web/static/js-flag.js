// Marks the page as scripted before first paint, so no-JS fallbacks never flash (CSP forbids inline scripts).
document.documentElement.classList.add("js");
