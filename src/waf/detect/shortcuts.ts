/**
 * Switch for the detectors' shortcuts: steps that skip or cheapen work whose outcome is already
 * decided (each one argues its equivalence where it is taken). Tests turn them off to compare the
 * shortcut path with the full analysis on the same inputs; nothing else should touch this.
 */
export const shortcuts = { enabled: true };
