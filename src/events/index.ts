/** Internal event channels between services. */
export { API_CALL_CHANNEL, apiCallHasSubscribers, onApiCall, publishApiCall, type ApiCallEvent, type EventIdentity } from './api-call.js';
export { eventIdAt, eventIdMs } from './event-id.js';
