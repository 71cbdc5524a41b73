/** Internal event channels between services. */
export { API_CALL_CHANNEL, onApiCall, publishApiCall, type ApiCallEvent, type EventIdentity } from './api-call.js';
