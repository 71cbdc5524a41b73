import { describe, expect, it } from 'vitest';
import { ConfigError, parseDataPlaneWorkers, resolveConfig } from './index.js';

describe('--data-plane-workers', () => {
  it('defaults to 0, takes a number or auto (one per core, capped), and refuses anything else', () => {
    expect(parseDataPlaneWorkers(undefined)).toBe(0);
    expect(parseDataPlaneWorkers('')).toBe(0);
    expect(parseDataPlaneWorkers('2')).toBe(2);
    expect(parseDataPlaneWorkers(3)).toBe(3);
    expect(parseDataPlaneWorkers('auto', 8)).toBe(8);
    expect(parseDataPlaneWorkers('auto', 500)).toBe(64);
    for (const bad of ['-1', '65', '1.5', 'two', ' ', -1, 2.5]) expect(() => parseDataPlaneWorkers(bad)).toThrow(ConfigError);
  });

  it('the flag wins over BULWARK_DATA_PLANE_WORKERS, which wins over the default', () => {
    expect(resolveConfig({}, {}).dataPlaneWorkers).toBe(0);
    expect(resolveConfig({}, { BULWARK_DATA_PLANE_WORKERS: '2' }).dataPlaneWorkers).toBe(2);
    expect(resolveConfig({ dataPlaneWorkers: '1' }, { BULWARK_DATA_PLANE_WORKERS: '2' }).dataPlaneWorkers).toBe(1);
    expect(() => resolveConfig({}, { BULWARK_DATA_PLANE_WORKERS: 'many' })).toThrow(/--data-plane-workers must be 0-64 or 'auto'/);
  });
});
