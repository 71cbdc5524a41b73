/** The web console: static serving of the built single-page app (the app itself is in app/). */
export { CONSOLE_CSP, CONSOLE_PREFIX, SECURITY_HEADERS, consoleHandler, consoleRelativePath, defaultConsoleRoot, type ConsoleHandler } from './serve.js';
