/**
 * Posture: the shared responsibility model made executable. A catalogue of controls (who owns each),
 * self-tests for Bulwark's part, live checks for the operator's, the report behind `bulwark posture`
 * and /_bulwark/posture, status change events in the audit trail, OSCAL exports and the generated doc.
 */
export { CATALOGUE_FILES, CatalogueError, TOPICS, compareControls, loadCatalogue } from './catalogue.js';
export { CHECKS } from './checks/index.js';
export { CHECK_TIMEOUT_MS, failsAt, runPosture, type RunPostureOptions } from './engine.js';
export { renderSharedResponsibility } from './doc.js';
export { DEFAULT_POSTURE_INTERVAL_MS, POSTURE_EVENT_NAME, POSTURE_EVENT_SOURCE, PostureMonitor, type PostureMonitorOptions, type StatusChange } from './monitor.js';
export { NIST_800_53_R5_IDS, isNistId, oscalControlId } from './nist.js';
export { BULWARK_NS, COMPONENT_UUID, OSCAL_VERSION, assessmentResults, componentDefinition, uuidV5 } from './oscal.js';
export { POSTURE_FORMATS, PostureService, type PostureFormat, type PostureServiceOptions } from './service.js';
export { createPostureSources, type PostureSourceDeps } from './sources.js';
export * from './types.js';
