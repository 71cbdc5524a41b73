/** The API listener and the contract services register with. */
export { ApiServer, type ApiServerOptions, type EventSink, type InternalOperation, type IdentityProvider, type SealControl } from './server.js';
export type { OperationHandler, Protocol, RequestContext, ServiceDefinition, ServiceModel } from './service.js';
export { globalConditionContext } from './condition-context.js';
